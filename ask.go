package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
)

// askResult is one line of `ask --json`.
type askResult struct {
	Question string  `json:"question"`
	Topic    string  `json:"topic"`
	Score    float64 `json:"score"`
	Lang     string  `json:"lang"`
	Social   string  `json:"social,omitempty"`
}

// ask runs the FAQ matcher the bot uses on questions from the command line or stdin. With --json it
// prints one object per question: {"question", "topic" (empty when the bot would decline), "score" (the
// confidence compared with the decline threshold), "lang"}, plus "social" (thanks, greeting) for a social
// message the bot answers with a friendly line. Without it, the answer a user would get.
func ask(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object per question")
	lang := fs.String("lang", "", "language of the answer and of the JSON lang field (default: detected from the question)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	content, err := loadContent(getenv("CONTENT_DIR"), stderr, nil)
	if err != nil {
		return err
	}
	if *lang != "" && !content.HasLang(*lang) {
		fmt.Fprintf(stderr, "--lang: %q is not one of %s\n", *lang, strings.Join(content.Langs, ", "))
		return exitError(2)
	}
	m := faq.New(faq.EntriesOf(content.FAQ), faq.SynonymsOf(content.FAQ), faq.Options{})
	social := faq.SocialOf(content.FAQ)
	out := json.NewEncoder(stdout)
	out.SetEscapeHTML(false)
	answer := func(q string) error {
		l := *lang
		if l == "" {
			l = faq.Lang(q)
		}
		// A social message ("ok", "👍", "ຂອບໃຈຫຼາຍໆ") gets its friendly reply, as in the bot: no topic.
		if kind := social.Kind(q); kind != "" {
			if *asJSON {
				return out.Encode(askResult{Question: q, Lang: l, Social: kind})
			}
			_, err := fmt.Fprintf(stdout, "(%s) %s\n", kind, content.FAQ.SmalltalkReply(kind, l))
			return err
		}
		res := m.Match(q)
		if *asJSON {
			return out.Encode(askResult{Question: q, Topic: res.Topic, Score: res.Confidence, Lang: l})
		}
		t, ok := content.FAQ.Topic(res.Topic)
		if !ok {
			_, err := fmt.Fprintf(stdout, "(declined, confidence %.2f; closest: %s %.2f)\n", res.Confidence, res.Best.Topic, res.Best.Score)
			return err
		}
		_, err := fmt.Fprintf(stdout, "%s (confidence %.2f)\n%s\n\n%s\n", t.ID, res.Confidence, t.TopicTitle(l), content.Answer(t, l))
		return err
	}
	if q := strings.TrimSpace(strings.Join(fs.Args(), " ")); q != "" {
		return answer(q)
	}
	lines := bufio.NewScanner(stdin)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		if q := strings.TrimSpace(lines.Text()); q != "" {
			if err := answer(q); err != nil {
				return err
			}
		}
	}
	return lines.Err()
}
