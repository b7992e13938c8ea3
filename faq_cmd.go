package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// faqCmd is `huunghi faq learned --out DIR`: what staff taught the FAQ in the chat (/unanswered and the
// handoff cards' Teach buttons, kept in Redis) written into copies of the content files under DIR — each
// question appended to its topic's examples in its language, out-of-scope ones to faq/out_of_scope.yaml —
// for review. DIR has the layout of messages/ (and of CONTENT_DIR): after review, copy the files there.
func faqCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const usageLine = "usage: huunghi faq learned --out DIR"
	if len(args) == 0 || args[0] != "learned" {
		fmt.Fprintln(stderr, usageLine)
		return exitError(2)
	}
	fs := flag.NewFlagSet("faq learned", flag.ContinueOnError)
	out := fs.String("out", "", "directory to write the content files with the taught questions into")
	if err := parseFlags(fs, args[1:], stderr); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, usageLine)
		return exitError(2)
	}
	content, err := loadContent(getenv("CONTENT_DIR"), stderr, nil)
	if err != nil {
		return err
	}
	rdb, err := cliRedis(getenv, stderr)
	if err != nil {
		return err
	}
	defer rdb.Close()
	lessons, err := store.New(rdb).Lessons(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "read the lessons: %v\n", err)
		return exitError(1)
	}
	keys := make([]string, 0, len(lessons))
	for k := range lessons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var learned []messages.Learned
	for _, k := range keys {
		l := lessons[k]
		lang := l.Lang
		if !content.HasLang(lang) {
			lang = messages.DefaultLang
		}
		learned = append(learned, messages.Learned{Topic: l.Topic, Lang: lang, Question: l.Question,
			Note: "taught " + l.At.Format("2006-01-02") + " by " + strconv.FormatInt(l.By, 10)})
	}
	same := func(a, b string) bool { return faq.LessonKey(a) == faq.LessonKey(b) }
	files, added, skipped, err := messages.WithLearned(messages.FS(getenv("CONTENT_DIR")), content.Langs, learned, same)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError(1)
	}
	for path, b := range files {
		target := filepath.Join(*out, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, b, 0o644); err != nil {
			return err
		}
	}
	for _, s := range skipped {
		fmt.Fprintln(stderr, "left out:", s)
	}
	fmt.Fprintf(stdout, "%d lesson(s): %d question(s) added to %d file(s) under %s, %d already in the content, %d left out.\n",
		len(lessons), added, len(files), *out, len(lessons)-added-len(skipped), len(skipped))
	if len(files) > 0 {
		fmt.Fprintf(stdout, "Review them (huunghi check with CONTENT_DIR=%s), then copy them into the content.\n", *out)
	}
	return nil
}
