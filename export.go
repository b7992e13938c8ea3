package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers"
	"github.com/ufo-thanhhoa/huunghi/handlers/export"
)

// exportCmd writes a programme's registrations as XLSX or CSV, from the Redis the bot uses (REDIS_URL), to
// --out or standard output: the same table staff get with /export in Telegram.
func exportCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	prog := fs.String("programme", "", "programme id (see /programmes or messages/programmes/)")
	format := fs.String("format", "xlsx", "xlsx or csv")
	out := fs.String("out", "", "file to write (default: standard output)")
	lang := fs.String("lang", "", "language of column titles and choices (default STAFF_LANG, else vi)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *prog == "" || (*format != "xlsx" && *format != "csv") {
		fmt.Fprintln(stderr, "usage: huunghi export --programme ID [--format xlsx|csv] [--out FILE] [--lang vi|lo|en]")
		return exitError(2)
	}
	content, err := loadContent(getenv("CONTENT_DIR"), stderr, nil)
	if err != nil {
		return err
	}
	if *lang == "" {
		*lang = strings.ToLower(cmp.Or(strings.TrimSpace(getenv("STAFF_LANG")), bot.DefaultStaffLang))
	}
	if !content.HasLang(*lang) {
		fmt.Fprintf(stderr, "--lang: %q is not a language of the content (%s)\n", *lang, strings.Join(content.Langs, ", "))
		return exitError(2)
	}
	p, ok := content.Programme(*prog)
	if !ok {
		fmt.Fprintf(stderr, "no programme %q\n", *prog)
		return exitError(2)
	}
	rdb, err := cliRedis(getenv, stderr)
	if err != nil {
		return err
	}
	defer rdb.Close()
	loc, err := cliZone(getenv, stderr)
	if err != nil {
		return err
	}
	t, err := handlers.RegistrationsTable(ctx, store.New(rdb), content, p, loc, *lang)
	if err != nil {
		return err
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if *format == "csv" {
		err = export.CSV(w, t)
	} else {
		err = export.XLSX(w, t)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", *format, err)
	}
	fmt.Fprintf(stderr, "%d registration(s) of %s\n", len(t.Rows), p.ID)
	return nil
}

// cliRedis connects the command-line tools to the Redis the bot uses (REDIS_MODE, REDIS_URL), as the bot
// does: a single server, Sentinel or a Cluster.
func cliRedis(getenv func(string) string, stderr io.Writer) (redis.UniversalClient, error) {
	rc, err := bot.ParseRedis(getenv("REDIS_MODE"), cmp.Or(getenv("REDIS_URL"), bot.DefaultRedisURL))
	if err != nil {
		fmt.Fprintf(stderr, "REDIS_URL: %v\n", err)
		return nil, exitError(2)
	}
	return rc.NewClient(), nil
}

// cliZone is the bot's time zone (BOT_TIMEZONE) for the command-line tools.
func cliZone(getenv func(string) string, stderr io.Writer) (*time.Location, error) {
	loc, err := time.LoadLocation(cmp.Or(getenv("BOT_TIMEZONE"), "Asia/Ho_Chi_Minh"))
	if err != nil {
		fmt.Fprintf(stderr, "BOT_TIMEZONE: %v\n", err)
		return nil, exitError(2)
	}
	return loc, nil
}
