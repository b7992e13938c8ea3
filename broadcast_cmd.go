package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot"
	"github.com/ufo-thanhhoa/huunghi/bot/broadcast"
	"github.com/ufo-thanhhoa/huunghi/bot/events"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

const broadcastUsage = `usage:
  huunghi broadcast --audience all|lang:<l>|audience:<a>|programme:<id>|event:<id>|topic:<id> --text-file F [--at YYYY-MM-DDTHH:MM]
  huunghi broadcast --status <id>
  huunghi broadcast --cancel <id>
`

// broadcastCmd makes a broadcast in the Redis the running bot uses (REDIS_URL), which the bot then
// delivers, or shows or stops one. The text file is the message as users read it, plain text, for every
// language (in the chat, /broadcast takes formatting, photos and one version per language).
func broadcastCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("broadcast", flag.ContinueOnError)
	audience := fs.String("audience", "", "who gets it")
	textFile := fs.String("text-file", "", "file with the text")
	at := fs.String("at", "", "when to start, in BOT_TIMEZONE (default: now)")
	status := fs.String("status", "", "show a broadcast's figures")
	cancel := fs.String("cancel", "", "stop a broadcast")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	modes := 0
	for _, s := range []string{*audience + *textFile + *at, *status, *cancel} {
		if s != "" {
			modes++
		}
	}
	if modes != 1 || fs.NArg() > 0 {
		fmt.Fprint(stderr, broadcastUsage)
		return exitError(2)
	}
	loc, err := cliZone(getenv, stderr)
	if err != nil {
		return err
	}
	// What the flags alone can tell is checked before the content is loaded and Redis dialled, which take
	// a second: a typo is answered at once.
	var order broadcastOrder
	compose := *status == "" && *cancel == ""
	if compose {
		if order, err = parseBroadcastOrder(*audience, *textFile, *at, loc, stderr); err != nil {
			return err
		}
	}
	content, err := loadContent(getenv("CONTENT_DIR"), stderr, nil)
	if err != nil {
		return err
	}
	content = content.WithZone(loc)
	rdb, err := cliRedis(getenv, stderr)
	if err != nil {
		return err
	}
	defer rdb.Close()
	st := store.New(rdb)
	svc := broadcast.New(broadcast.Config{Store: st, Redis: rdb, Content: content, Events: events.New(st, content, nil, nil, slog.New(slog.DiscardHandler)), Zone: loc})
	lang := strings.ToLower(cmp.Or(strings.TrimSpace(getenv("STAFF_LANG")), bot.DefaultStaffLang))
	switch {
	case *status != "":
		b, err := svc.Get(ctx, *status)
		if err != nil {
			return notFound(stderr, *status, err)
		}
		printFigures(stdout, svc, b)
		return nil
	case *cancel != "":
		if err := svc.Cancel(ctx, *cancel, 0); err != nil {
			if errors.Is(err, store.ErrBroadcastOver) {
				fmt.Fprintf(stderr, "broadcast %s is over already\n", *cancel)
				return exitError(1)
			}
			return notFound(stderr, *cancel, err)
		}
		fmt.Fprintf(stdout, "broadcast %s cancelled\n", *cancel)
		return nil
	}
	chat, _ := strconv.ParseInt(strings.TrimSpace(getenv("STAFF_CHAT_ID")), 10, 64)
	b := broadcast.Broadcast{Audience: order.audience, Versions: map[string]broadcast.Version{"": {Text: order.text}},
		Chat: chat, Lang: lang}
	id, err := svc.Create(ctx, b, order.start)
	if err != nil {
		fmt.Fprintf(stderr, "broadcast: %v\n", err)
		return exitError(1)
	}
	fmt.Fprintln(stdout, id)
	return nil
}

// broadcastOrder is what the flags of a new broadcast say: who, what and from when.
type broadcastOrder struct {
	audience broadcast.Audience
	text     string
	start    time.Time
}

// parseBroadcastOrder checks the flags of a new broadcast that need neither the content nor Redis (whether
// the language, programme or event exists, and the text's length, are the service's to check).
func parseBroadcastOrder(audience, textFile, at string, loc *time.Location, stderr io.Writer) (broadcastOrder, error) {
	if audience == "" || textFile == "" {
		fmt.Fprint(stderr, broadcastUsage)
		return broadcastOrder{}, exitError(2)
	}
	a, err := broadcast.ParseAudience(audience)
	if err != nil {
		fmt.Fprintf(stderr, "--audience: %v\n", err)
		return broadcastOrder{}, exitError(2)
	}
	raw, err := os.ReadFile(textFile)
	if err != nil {
		fmt.Fprintf(stderr, "--text-file: %v\n", err)
		return broadcastOrder{}, exitError(2)
	}
	start := time.Now()
	if at != "" {
		if start, err = time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(at), loc); err != nil {
			fmt.Fprintf(stderr, "--at: want YYYY-MM-DDTHH:MM in %s, got %q\n", loc, at)
			return broadcastOrder{}, exitError(2)
		}
		if start.Before(time.Now().Add(-time.Minute)) {
			fmt.Fprintf(stderr, "--at: %s is in the past\n", at)
			return broadcastOrder{}, exitError(2)
		}
	}
	return broadcastOrder{audience: a, text: strings.TrimSpace(string(raw)), start: start}, nil
}

func notFound(stderr io.Writer, id string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(stderr, "no broadcast %q\n", id)
		return exitError(1)
	}
	return err
}

// printFigures writes a broadcast's figures as "name: value" lines, for people and scripts.
func printFigures(w io.Writer, svc *broadcast.Service, b broadcast.Broadcast) {
	r := b.Record
	line := func(k string, v any) { fmt.Fprintf(w, "%s: %v\n", k, v) }
	when := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Format(time.RFC3339)
	}
	line("id", r.ID)
	line("audience", b.Audience)
	line("state", r.State)
	line("at", when(r.At))
	line("started", when(r.Started))
	line("ended", when(r.Ended))
	line("total", r.Total)
	line("sent", r.Sent)
	line("failed", r.Failed)
	line("unreachable", r.Unreachable)
	line("skipped", r.Skipped)
	line("not_sent_cancelled", r.Left)
	line("remaining", r.Remaining())
	line("opted_out", r.OptedOut)
	if eta, ok := svc.ETA(r); ok {
		line("estimated_finish", eta.Format(time.RFC3339))
	}
}
