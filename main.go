// Command huunghi is the Hữu Nghị Telegram bot of the Union of Friendship Organizations of Thanh Hóa.
//
//	huunghi serve                     run the bot (configuration from the environment; see README)
//	huunghi chat [--lang lo] [--date D] [--pacing=false] the whole bot in one process, talking in this terminal
//	huunghi check [--strict]          validate content (CONTENT_DIR or the embedded defaults)
//	huunghi health [--url U]          probe the running bot's /healthz and /readyz (container HEALTHCHECK)
//	huunghi ask [--json] [--lang L] [Q] match questions against the FAQ (stdin: one per line)
//	huunghi export --programme ID       a programme's registrations as XLSX or CSV (--format, --out)
package main

import (
	_ "time/tzdata" // BOT_TIMEZONE works in minimal containers without a zoneinfo database

	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/loglimit"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	var exit exitError
	switch {
	case errors.As(err, &exit):
		os.Exit(int(exit))
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// exitError is an exit status whose explanation was already printed.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

const usage = `usage: huunghi <command> [flags]

commands:
  serve    run the bot (environment: TELEGRAM_TOKEN, REDIS_URL, ... — see README)
  chat     try the whole bot in this terminal: no token, no network [--lang vi|lo|en] [--date YYYY-MM-DD]
           [--pacing=false: answers at once, not at Telegram's pace]
  check    validate content files (CONTENT_DIR or the embedded defaults) [--strict: sample values fail too]
  health   probe the running bot (HTTP_ADDR, or --url http://HOST:PORT): exit 0 when ready, 1 with the reason
  export   registrations of a programme: export --programme ID [--format xlsx|csv] [--out FILE] (uses REDIS_URL)
  ask      match questions against the FAQ: ask [--json] [--lang L] [QUESTION] (no QUESTION: one per stdin line)
  broadcast  announce to an audience through the running bot (uses REDIS_URL):
           broadcast --audience all|lang:<l>|audience:<a>|programme:<id>|event:<id>|topic:<id> --text-file F [--at YYYY-MM-DDTHH:MM]
           broadcast --status ID | --cancel ID
  faq      what staff taught the FAQ in the chat, written into content files for review (uses REDIS_URL):
           faq learned --out DIR
`

// run is the whole program; main only supplies the process's context, arguments, environment and streams,
// so tests run it exactly as a user does.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError(2)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, getenv, stderr)
	case "chat":
		return chat(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "check":
		return check(args[1:], getenv, stdout, stderr)
	case "health":
		return healthCmd(ctx, args[1:], getenv, stdout, stderr)
	case "ask":
		return ask(args[1:], getenv, stdin, stdout, stderr)
	case "export":
		return exportCmd(ctx, args[1:], getenv, stdout, stderr)
	case "broadcast":
		return broadcastCmd(ctx, args[1:], getenv, stdout, stderr)
	case "faq":
		return faqCmd(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
	return exitError(2)
}

// newLogger writes JSON lines to w. One message may come 20 times at once, then twice a second; the next
// one written after a pause says how many were suppressed (bot/loglimit), so a failure that repeats fast
// cannot fill the disk.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(loglimit.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}), 10*time.Second, 20))
}

// serve runs the bot; opts are for the test binary's serve child (the kill tests give it a clock that runs
// ahead, for time passing while the process is dead), never set by the command line.
func serve(ctx context.Context, getenv func(string) string, stderr io.Writer, opts ...bot.Option) error {
	cfg, err := bot.ParseConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "configuration:\n%v\n", err)
		return exitError(2)
	}
	log := newLogger(stderr, cfg.LogLevel)
	content, err := loadContent(cfg.ContentDir, stderr, log)
	if err != nil {
		return err
	}
	app, err := bot.New(cfg, content, log, opts...)
	if err != nil {
		return err
	}
	return app.Run(ctx)
}

// check validates content. Errors fail it; warnings are printed and do not, so staff can deploy an edit
// while shipped samples remain. With --strict, a sample still in the content (a contact, programme or event
// marked `sample: true`, whose values are made up) fails it too: for a deploy pipeline that must not put a
// placeholder phone number in front of real people.
func check(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	strict := fs.Bool("strict", false, "also fail (exit 1) when content still has sample values")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: huunghi check [--strict]")
		return exitError(2)
	}
	// One load gives both: every problem found, and the content when none of them is an error (reading
	// the content twice, as Check then Load would, doubles the time of a check for nothing).
	content, problems, err := messages.Load(messages.FS(getenv("CONTENT_DIR")))
	if err == nil {
		problems = append(problems, unwiredActions(content)...)
		// Today's date, the real one: whether a sample's made-up dates have passed for the running bot.
		problems = append(problems, content.ClosedSamples(time.Now())...)
		problems = append(problems, content.PastSamples(time.Now())...)
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, p)
	}
	if errs := problems.Errors(); len(errs) > 0 {
		fmt.Fprintf(stderr, "%d error(s), %d warning(s)\n", len(errs), len(problems)-len(errs))
		return exitError(1)
	}
	if samples := countSamples(problems); *strict && samples > 0 {
		fmt.Fprintf(stderr, "--strict: %d sample value(s) still in the content: replace them and remove `sample: true`\n", samples)
		return exitError(1)
	}
	fmt.Fprintf(stdout, "content ok (%d warning(s))\n", len(problems))
	return nil
}

// countSamples counts the problems that are about shipped samples.
func countSamples(ps messages.Problems) int {
	n := 0
	for _, p := range ps {
		if p.Sample {
			n++
		}
	}
	return n
}

// unwiredActions warns about FAQ actions the content names but this version of the bot has no button for
// (a feature still to come): they are valid, and not shown.
func unwiredActions(content *messages.Content) messages.Problems {
	var out messages.Problems
	for _, t := range content.FAQ.Topics {
		for _, a := range t.Actions {
			if !bot.HasTopicAction(a) {
				out = append(out, messages.Problem{File: t.File, Warning: true,
					Message: fmt.Sprintf("action %q has no button in this version of the bot, so it is not shown", a)})
			}
		}
	}
	return out
}

// loadContent loads the content every subcommand needs (CONTENT_DIR over the embedded defaults). Errors are
// printed as file:line lines and end the program with status 2; warnings go to log when there is one.
func loadContent(dir string, stderr io.Writer, log *slog.Logger) (*messages.Content, error) {
	content, warnings, err := messages.Load(messages.FS(dir))
	if err != nil {
		fmt.Fprintf(stderr, "content:\n%v\n", err)
		return nil, exitError(2)
	}
	if log != nil {
		for _, w := range warnings {
			log.Warn("content", "problem", w.String())
		}
	}
	return content, nil
}

// parseFlags parses a subcommand's flags, printing errors to stderr.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	return nil
}
