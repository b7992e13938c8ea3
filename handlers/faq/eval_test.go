package faq_test

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// knowledgeBase is the matcher of the shipped content, as the bot builds it, built once per test binary:
// a build takes about a second under the race detector, and a Matcher is read-only once built (the bot
// shares one between all its handlers). TestMatcher_Deterministic builds more with buildKnowledgeBase.
func knowledgeBase(t testing.TB) *faq.Matcher {
	t.Helper()
	m, err := shippedMatcher()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var shippedMatcher = sync.OnceValues(func() (*faq.Matcher, error) {
	c, _, err := messages.Load(messages.FS(""))
	if err != nil {
		return nil, err
	}
	return faq.New(faq.EntriesOf(c.FAQ), faq.SynonymsOf(c.FAQ), faq.Options{}), nil
})

// buildKnowledgeBase loads the shipped content and builds a new matcher from it, as the bot does at start.
func buildKnowledgeBase(t testing.TB) *faq.Matcher {
	t.Helper()
	c := loadContent(t)
	return faq.New(faq.EntriesOf(c.FAQ), faq.SynonymsOf(c.FAQ), faq.Options{})
}

func loadContent(t testing.TB) *messages.Content {
	t.Helper()
	c, _, err := messages.Load(messages.FS(""))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type row struct{ lang, topic, question string }

func readTSV(t testing.TB, path string) []row {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []row
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		parts := strings.SplitN(sc.Text(), "\t", 3)
		if first || len(parts) != 3 {
			continue
		}
		rows = append(rows, row{parts[0], parts[1], parts[2]})
	}
	return rows
}

// slice names the evaluation slice of a row: vi with tone marks, vi without, lo, en, or decline.
func slice(r row) string {
	switch {
	case r.topic == "-":
		return "decline-" + r.lang
	case r.lang == "vi" && faq.Fold(r.question) == r.question:
		return "vi-notone"
	}
	return r.lang
}

type score struct{ ok, n, ranked int }

func (s score) rate() float64 { return float64(s.ok) / float64(max(s.n, 1)) }

func evaluate(t testing.TB, m *faq.Matcher, rows []row, verbose bool) map[string]score {
	scores := map[string]score{}
	for _, r := range rows {
		res := m.Match(r.question)
		want := r.topic
		if want == "-" {
			want = ""
		}
		s := scores[slice(r)]
		s.n++
		if want != "" && res.Best.Topic == want {
			s.ranked++
		}
		if res.Topic == want {
			s.ok++
		} else if verbose {
			t.Logf("%-10s want %-22s got %-22s (best %s %.3f) %q", slice(r), r.topic, res.Topic, res.Best.Topic, res.Best.Score, r.question)
		}
		scores[slice(r)] = s
	}
	return scores
}

func report(scores map[string]score) string {
	var keys []string
	for k := range scores {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%-12s %3d/%3d = %.3f (ranked first: %d)\n", k, scores[k].ok, scores[k].n, scores[k].rate(), scores[k].ranked)
	}
	return b.String()
}

// TestMatcher_DevSet measures top-1 accuracy on ../shared/faq-dev.tsv (copied to testdata/dev.tsv) per
// slice and the decline rate on testdata/decline.tsv. The floors are the acceptance bar.
func TestMatcher_DevSet(t *testing.T) {
	m := knowledgeBase(t)
	rows := append(readTSV(t, "testdata/dev.tsv"), readTSV(t, "testdata/decline.tsv")...)
	scores := evaluate(t, m, rows, testing.Verbose())
	t.Logf("threshold %.2f\n%s", m.Threshold(), report(scores))
	for name, s := range scores {
		if s.rate() < 0.95 {
			t.Errorf("slice %s: %d/%d = %.3f, want ≥ 0.95", name, s.ok, s.n, s.rate())
		}
	}
}

// TestMatcher_HeldOut reports accuracy on questions written separately and never used for tuning. Its
// floor is lower than the dev set's: it measures generalisation, and a drop below it means overfitting.
func TestMatcher_HeldOut(t *testing.T) {
	m := knowledgeBase(t)
	scores := evaluate(t, m, readTSV(t, "testdata/heldout.tsv"), false)
	t.Logf("held-out set:\n%s", report(scores))
	var ok, n int
	for _, s := range scores {
		ok, n = ok+s.ok, n+s.n
	}
	if rate := float64(ok) / float64(n); rate < heldOutFloor {
		t.Errorf("held-out accuracy %.3f, want ≥ %.2f", rate, heldOutFloor)
	}
}

const heldOutFloor = 0.95

// TestMatcher_TuneSet reports accuracy on the tune sets, written blind to the knowledge base (only
// faq-topics.md was read) and used to find what the matcher fails to generalise: unlike the held-out and
// blind sets, their failures may be studied. Run with -v to list them. tune3a and tune3b were written, as
// blind2 was, for issue 12's failure classes; tune3b by personas the others lack (rural first-years,
// elderly diaspora in Russia and Czechia, busy native English speakers). Each slice has a floor.
func TestMatcher_TuneSet(t *testing.T) {
	m := knowledgeBase(t)
	for _, set := range []struct {
		file  string
		floor float64
	}{
		{"tune", 0.90},
		{"tune2", 0.90},
		{"tune3a", 0.90},
		{"tune3b", 0.875},
	} {
		scores := evaluate(t, m, readTSV(t, "testdata/"+set.file+".tsv"), testing.Verbose())
		t.Logf("%s set:\n%s", set.file, report(scores))
		for name, s := range scores {
			if s.rate() < set.floor {
				t.Errorf("%s, slice %s: %d/%d = %.3f, want ≥ %.3f", set.file, name, s.ok, s.n, s.rate(), set.floor)
			}
		}
	}
}

// TestMatcher_BlindSet measures the sets written blind: by helpers who read only ../shared/faq-topics.md
// (never the knowledge base or another set), and never read by anyone working on the matcher — only their
// figures are looked at. blind3 to blind6 are real-style questions of every topic, as the issue's own set;
// blind6 was written at stop 22 and measured once before that stop's changes and once after them;
// blind7 and blind8 (the failure classes as well, in every topic) at stop 23, each measured once
// before and once after the content round that followed it.
// blind2 was written for the failure classes (learner English, everyday words around a key word,
// neighbouring topics, tempting out-of-scope questions) and stayed the hardest; at stop 22 its failures were
// read to find their classes, so it is a studied set now, kept here with its floors. The pooled figures of
// blind2–4 chose the out-of-scope weight of training (outOfScopeWeight), and blind2–5's with the round-6
// examples held out the foreign words' weight (foreignWeight). The floors guard against a regression; the README gives the figures.
func TestMatcher_BlindSet(t *testing.T) {
	m := knowledgeBase(t)
	for _, set := range []struct {
		file         string
		in, declined float64
	}{
		{"blind2", 0.90, 0.92},
		{"blind3", 0.95, 0.90},
		{"blind4", 0.95, 0.93},
		{"blind5", 0.95, 0.93},
		{"blind6", 0.95, 0.95},
		{"blind7", 0.95, 0.95},
		{"blind8", 0.95, 0.95},
	} {
		scores := evaluate(t, m, readTSV(t, "testdata/"+set.file+".tsv"), false)
		t.Logf("%s:\n%s", set.file, report(scores))
		var in, inN, dec, decN int
		for name, s := range scores {
			if strings.HasPrefix(name, "decline") {
				dec, decN = dec+s.ok, decN+s.n
			} else {
				in, inN = in+s.ok, inN+s.n
			}
		}
		if r := float64(in) / float64(inN); r < set.in {
			t.Errorf("%s, in scope: %.3f, want ≥ %.2f", set.file, r, set.in)
		}
		if r := float64(dec) / float64(decN); r < set.declined {
			t.Errorf("%s, declined: %.3f, want ≥ %.2f", set.file, r, set.declined)
		}
	}
}

// TestMatcher_Deterministic builds the index several times and asks every question of every set: Go
// randomises map order on each iteration, so an index or a score that depends on it shows up here as a
// different answer or a different score. The first index's answers are the reference each new index's
// are compared with (a Match that depended on map order would differ from it as well).
func TestMatcher_Deterministic(t *testing.T) {
	var rows []row
	for _, f := range []string{"dev", "decline", "heldout", "tune", "tune2", "tune3a", "tune3b", "blind2", "blind3", "blind4", "blind5", "blind6", "blind7", "blind8"} {
		rows = append(rows, readTSV(t, "testdata/"+f+".tsv")...)
	}
	first := knowledgeBase(t) // the tests' shared one: built from its own load, like each of the others
	want := make([]faq.Result, len(rows))
	for i, r := range rows {
		want[i] = first.Match(r.question)
	}
	for range 2 {
		other := buildKnowledgeBase(t)
		for i, r := range rows {
			a, b := want[i], other.Match(r.question)
			if a.Topic != b.Topic || a.Score != b.Score || a.Confidence != b.Confidence {
				t.Fatalf("%q: %s %.4f %.4f, then %s %.4f %.4f", r.question, a.Topic, a.Score, a.Confidence, b.Topic, b.Score, b.Confidence)
			}
		}
	}
}
