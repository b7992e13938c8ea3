// Package faq finds the knowledge-base topic a free-text question is about, in Vietnamese (with or
// without tone marks), Lao (no spaces between words), English and the other shipped languages at once, and
// says how sure it is, so the bot can decline instead of answering a question about visas or money wrongly.
// It is pure: no I/O, and the same input always gives the same answer.
//
// How: every question and title of the knowledge base is an example of its topic; the out-of-scope
// examples are a topic of their own ("-"). Texts become terms — folded word unigrams and bigrams for Latin
// script (a bigram is what carries Vietnamese compounds such as "tạm trú"), accented unigrams with a small
// weight, and syllables and syllable pairs for Lao script — weighted by inverse topic frequency. Two
// scorers rank the topics and are blended: a multinomial logistic regression trained on the examples at
// start (over the terms and the words' character 4-grams, which carry typos and word forms), which learns
// which words tell one topic from its neighbour; and the similarity to each topic's closest example. The
// confidence is the best topic's lead over "out of scope", lowered by the share of the question's weight
// carried by words the knowledge base has never seen ("Harvard", "bitcoin") or has seen only in
// out-of-scope examples ("Singapore"): a question that is mostly about something else is declined.
package faq

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/kljensen/snowball/english"
)

// Entry is one text of the knowledge base: a question people ask or a topic title, or — with Context set —
// an answer, which only widens the topic's vocabulary (it counts in the topic aggregate at a lower weight,
// never as a text a question can be closest to).
type Entry struct {
	Topic   string
	Text    string
	Context bool
}

// Synonym maps chat shorthand or a variant (one or more words) to a canonical form.
type Synonym struct {
	From []string
	To   string
}

// OutOfScope is the pseudo-topic of questions the bot must decline; a question closest to it is declined
// and it never appears as a candidate.
const OutOfScope = "-"

// Candidate is a topic with its score.
type Candidate struct {
	Topic string  `json:"topic"`
	Score float64 `json:"score"`
}

// Result is the matcher's answer. Topic is empty when the best score is under the threshold (decline).
// Best is the best candidate even when declined; Runners are the next best distinct topics.
type Result struct {
	Topic string
	Score float64
	// Confidence is how sure the matcher is that Best is what the question is about: its lead over "out of
	// scope", lowered by the share of the question carried by words the knowledge base has never seen (they
	// are usually what the question is really about: "visa to Japan", "job in Singapore").
	Confidence float64
	// Unknown is the share of the question's weight carried by words the knowledge base has never seen, or
	// has seen only in out-of-scope examples.
	Unknown float64
	// Foreign is the share carried by words the knowledge base knows but Best's texts (its questions,
	// titles and answer) never use: "hanoi" in "address of the hanoi police", "cat" in "can I keep a cat in
	// the dormitory".
	Foreign float64
	Best    Candidate
	Runners []Candidate
	// OutOfScope is set when the question is closest to the examples of what the bot must not answer; the
	// candidates are then only weakly related and not worth suggesting.
	OutOfScope bool
	// Taught is set when the result is a lesson of staff's (Lessons.Apply), not the index's.
	Taught bool
}

// DefaultThreshold is the calibrated confidence under which the bot declines, and unknownDiscount how much
// the share of never-seen words lowers it; both were chosen on the dev, decline and two tune sets (README,
// "FAQ matcher").
const (
	DefaultThreshold = 0.12
	unknownDiscount  = 0.8
	// nearestWeight is the share of a topic's score from the closest text's similarity, the rest from the
	// classifier's probability.
	nearestWeight = 0.6
	// outOfScopeWeight is how much more an out-of-scope example counts in the classifier's training than
	// a topic's: its 3,200 examples (against 10,700 for the forty topics) stand for everything else people
	// ask, a far larger space than any topic, and a question answered with a wrong topic costs more than
	// one declined (which offers the closest topics and staff). Chosen on the blind2–4 sets pooled (1, 1.5,
	// 2, 2.5, 3 and 4 tried): 1 → 2 is declines 0.933 → 0.951, answers 0.968 → 0.967 (README,
	// "Questions"). With fewer out-of-scope examples (2,600) the best weight was 4: it falls as they grow.
	outOfScopeWeight = 2
	// foreignWeight is how much a foreign word (Result.Foreign) counts against confidence, a never-seen
	// word's being 1. A question about something else is mostly a topic's own words with one changed
	// ("hoc phi truong quoc te ha noi"), and the changed word is one the topic never uses; a new way of
	// asking mostly swaps a topic's words for common ones other topics use as well, which idf already
	// weighs lightly. Chosen on blind2–5 pooled and the round-6 examples held out (README, "Questions"):
	// at 2, blind2–5's declines 0.956 → 0.970 for answers 0.966 → 0.965, a better trade than a higher
	// threshold's on both.
	foreignWeight = 2
)

// Matcher is an immutable index; safe for concurrent use.
type Matcher struct {
	opt       Options
	threshold float64
	topics    []string
	// vocab numbers the index's terms (its texts' and answers'), ids 0 to terms-1, and after them the
	// classifier's 4-grams. It is the one map from a term's text: term counts, idf, postings and the
	// classifier's features each had their own, a fifth of everything the build allocated. idf and
	// postings are by term id, the classifier's rows by vocab id.
	vocab    map[string]int32
	terms    int32
	idf      []float64
	maxIDF   float64
	docTopic []int32
	// elsewhere are the terms only out-of-scope examples have ("Singapore", "cat", "Nghệ An"): in a
	// question they count against confidence as a never-seen word does, for the same reason.
	elsewhere map[string]bool
	deletes   map[string]string // a known word with one letter deleted → the word (typo tolerance)
	syn       synonyms
	cl        *classifier
	// postings and docNorm are the nearest-text index: term id → (text, tf·idf), and each text's norm.
	postings [][]posting
	docNorm  []float64
	// topicDocs[ti] is the first text of topic ti (texts are grouped by topic, so postings are too), and
	// answerWords its answer's words and Lao syllables: together they say which words a topic uses
	// (Result.Foreign) without a set per topic of what postings already hold.
	topicDocs   []int32
	answerWords []map[string]struct{}
	// building remembers each word's fold and stem while New runs; nil after (Match folds afresh and
	// stays safe for concurrent use).
	building map[string][2]string
	// tokens and folded are synonyms.apply's buffers while New runs.
	tokens, folded []string
	// names are the index's terms by id while New runs, and key the buffer a term is written into:
	// a term already numbered is the one string, not a new one for every text that has it (5 MB).
	names []string
	key   []byte
}

type posting struct {
	doc    int32
	weight float32
}

// Options tune the matcher; the zero value of a field means its calibrated default.
type Options struct {
	Threshold       float64 // decline under this Confidence (default DefaultThreshold)
	UnknownWeight   float64 // weight of a never-seen word relative to the rarest known one (default 1)
	CommonWeight    float64 // the same for a never-seen but very common English word (default 0.3)
	UnknownDiscount float64 // how much the share of never-seen words lowers Confidence (default 0.8)
	Epochs          int     // passes of the classifier's training (default 20)
}

func (o *Options) defaults() {
	if o.Threshold <= 0 {
		o.Threshold = DefaultThreshold
	}
	if o.UnknownDiscount <= 0 {
		o.UnknownDiscount = unknownDiscount
	}
	if o.Epochs <= 0 {
		o.Epochs = 20
	}
	if o.UnknownWeight <= 0 {
		o.UnknownWeight = 1
	}
	if o.CommonWeight <= 0 {
		o.CommonWeight = 0.3
	}
}

// New indexes entries.
func New(entries []Entry, syns []Synonym, opt Options) *Matcher {
	opt.defaults()
	m := &Matcher{opt: opt, threshold: opt.Threshold, syn: newSynonyms(syns), building: map[string][2]string{}}
	defer func() { m.building, m.tokens, m.folded, m.names, m.key = nil, nil, nil, nil, nil }()
	topicIndex := map[string]int32{}
	var docs [][]weighted
	tf := map[string]float64{} // one text's terms, reused
	// df counts, per term, the topics whose texts have it (answers included), what the inverse topic
	// frequency reads, and the texts (not answers) that have it, the length of its postings list. The
	// entries come grouped by topic, so a term's last topic says whether this one is counted yet.
	type counts struct{ last, topics, docs int32 }
	// The vocabulary is sized at four terms and half a 4-gram per text, what the content has (70,000
	// terms and 9,000 4-grams for 19,100 texts): growing it, its names and counts from empty allocated
	// 12 MB more.
	m.vocab = make(map[string]int32, 4*len(entries)+len(entries)/2)
	m.names = make([]string, 0, 4*len(entries)) // by term id, as df
	df := make([]counts, 0, 4*len(entries))
	var keys []string
	// add counts a text's terms, numbering the new ones in term order, and returns a question's or
	// title's terms (doc) as an indexed text.
	add := func(tf map[string]float64, ti int32, doc bool) []weighted {
		keys = sortedKeysInto(keys, tf)
		var out []weighted
		if doc {
			out = make([]weighted, 0, len(keys))
		}
		for _, t := range keys {
			id, ok := m.vocab[t]
			if !ok {
				id = int32(len(df))
				m.vocab[t] = id
				m.names = append(m.names, t)
				df = append(df, counts{})
			}
			c := &df[id]
			if c.topics == 0 || c.last != ti {
				c.last, c.topics = ti, c.topics+1
			}
			if doc {
				c.docs++
				out = append(out, weighted{id, tf[t]})
			}
		}
		return out
	}
	entries = groupedByTopic(entries)
	for _, e := range entries {
		ti, ok := topicIndex[e.Topic]
		if !ok {
			ti = int32(len(m.topics))
			topicIndex[e.Topic] = ti
			m.topics = append(m.topics, e.Topic)
			m.topicDocs = append(m.topicDocs, int32(len(docs)))
			m.answerWords = append(m.answerWords, nil)
		}
		m.termsInto(tf, strings.Fields(Normalize(e.Text)))
		if e.Context {
			// An answer's words widen its topic's vocabulary (and are its words for Result.Foreign); its
			// word pairs are phrases of prose that questions seldom repeat, and were most of the terms only
			// answers had (the index build allocated 73 MB with them, 67 without; the sets' figures moved by
			// a question either way).
			for t := range tf {
				switch {
				case isWordTerm(t):
					if m.answerWords[ti] == nil {
						m.answerWords[ti] = map[string]struct{}{}
					}
					m.answerWords[ti][t] = struct{}{}
				case strings.HasPrefix(t, "b:") || strings.HasPrefix(t, "lb:"):
					delete(tf, t)
				}
			}
		}
		if len(tf) == 0 {
			continue
		}
		doc := add(tf, ti, !e.Context)
		if e.Context {
			continue
		}
		docs = append(docs, doc)
		m.docTopic = append(m.docTopic, ti)
	}
	m.topicDocs = append(m.topicDocs, int32(len(docs)))
	// Inverse topic frequency: a term found in the texts of many topics tells little.
	n := float64(len(m.topics))
	m.maxIDF = math.Log((n + 1) / 0.5)
	m.elsewhere = map[string]bool{}
	m.terms = int32(len(df))
	m.idf = make([]float64, len(df))
	for t, id := range m.vocab {
		c := df[id]
		m.idf[id] = math.Log((n + 1) / (float64(c.topics) + 0.5))
		if c.topics == 1 && m.topics[c.last] == OutOfScope && isWordTerm(t) {
			m.elsewhere[t] = true // words and Lao syllables: a pair of known words is only a new phrasing
		}
	}
	m.deletes = typoIndex(m.building, m.syn)
	classWeight := make([]float32, len(m.topics))
	for c, topic := range m.topics {
		classWeight[c] = 1
		if topic == OutOfScope {
			classWeight[c] = outOfScopeWeight
		}
	}
	m.cl = trainClassifier(m, docs, m.docTopic, classWeight, len(m.topics), opt.Epochs, classifierRate)
	// Each term's postings list is allocated once, at its final length.
	m.postings = make([][]posting, len(df))
	for id, c := range df {
		if c.docs > 0 {
			m.postings[id] = make([]posting, 0, c.docs)
		}
	}
	m.docNorm = make([]float64, len(docs))
	for d, doc := range docs {
		var sum float64
		for _, tw := range doc {
			x := tw.w * m.idf[tw.id]
			sum += x * x
			m.postings[tw.id] = append(m.postings[tw.id], posting{doc: int32(d), weight: float32(x)})
		}
		m.docNorm[d] = math.Sqrt(sum)
	}
	return m
}

// groupedByTopic returns the entries with each topic's together, topics in the order they first appear
// (EntriesOf gives them so already: then the entries themselves).
func groupedByTopic(entries []Entry) []Entry {
	first := map[string]int{}
	grouped := true
	for i, e := range entries {
		if _, ok := first[e.Topic]; !ok {
			first[e.Topic] = len(first)
		} else if entries[i-1].Topic != e.Topic {
			grouped = false
		}
	}
	if grouped {
		return entries
	}
	out := slices.Clone(entries)
	slices.SortStableFunc(out, func(a, b Entry) int { return first[a.Topic] - first[b.Topic] })
	return out
}

// Match scores q against every topic.
func (m *Matcher) Match(q string) Result {
	tf := m.termsOf(m.correct(strings.Fields(Normalize(q))))
	if len(tf) == 0 {
		return Result{}
	}
	var qnorm, unknown float64
	english := readsAsEnglish(tf)
	keys := sortedKeys(tf) // map order is random; float sums must not depend on it
	// ids and qw are by key: each term's id (-1 for a term the knowledge base has never seen) and tf·idf
	ids := make([]int32, len(keys))
	qw := make([]float64, len(keys))
	for i, t := range keys {
		id, ok := m.term(t)
		var idf float64
		if ok {
			idf = m.idf[id]
		} else {
			id, idf = -1, m.maxIDF*m.oovWeight(t, english)
		}
		x := tf[t] * idf
		ids[i], qw[i] = id, x
		qnorm += x * x
		if !ok || m.elsewhere[t] {
			unknown += x * x
		}
	}
	qnorm = math.Sqrt(qnorm)
	if qnorm == 0 {
		return Result{}
	}
	// The classifier ranks the topics; the out-of-scope examples are a class of their own, and its
	// probability is what the best topic must beat.
	probs := m.cl.predict(m, tf)
	// blended with the similarity to each topic's closest text, which generalises differently (a rare
	// word shared with one example question counts there in full)
	near := m.nearest(ids, qw, qnorm)
	for ti := range probs {
		probs[ti] = (1-nearestWeight)*probs[ti] + nearestWeight*near[ti]
	}
	cands := make([]Candidate, 0, len(m.topics))
	pOut := 0.0
	for ti, p := range probs {
		if m.topics[ti] == OutOfScope {
			pOut = p
			continue
		}
		cands = append(cands, Candidate{Topic: m.topics[ti], Score: math.Round(p*1e4) / 1e4})
	}
	if len(cands) == 0 {
		return Result{}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].Score != cands[j].Score {
			return cands[i].Score > cands[j].Score
		}
		return cands[i].Topic < cands[j].Topic
	})
	best := cands[0]
	foreign := m.foreign(keys, ids, qw, slices.Index(m.topics, best.Topic))
	q2 := qnorm * qnorm
	r := Result{OutOfScope: pOut >= best.Score, Best: best, Score: best.Score,
		Unknown: math.Round(unknown/q2*1e4) / 1e4, Foreign: math.Round(foreign/q2*1e4) / 1e4}
	// Confidence: how far the topic is ahead of "out of scope", less for a question much of which is words
	// the knowledge base has never seen (they are usually what it is really about: "visa to Japan") or
	// words the topic never uses ("visa to Japan" once Japan is known from another topic).
	strange := (unknown + foreignWeight*foreign) / q2
	r.Confidence = math.Round(math.Max(0, best.Score-pOut)*math.Max(0, 1-m.opt.UnknownDiscount*strange)*1e4) / 1e4
	if len(cands) > 1 {
		r.Runners = cands[1:min(len(cands), 4)]
	}
	if !r.OutOfScope && r.Confidence >= m.threshold {
		r.Topic = best.Topic
	}
	return r
}

// foreign sums the squared weights of the question's known words and Lao syllables that topic ti's texts
// never use (words only out-of-scope examples have are counted as unknown already).
func (m *Matcher) foreign(keys []string, ids []int32, qw []float64, ti int) float64 {
	var sum float64
	for i, t := range keys {
		if !isWordTerm(t) || m.elsewhere[t] {
			continue
		}
		if ids[i] < 0 || m.uses(ti, t, ids[i]) {
			continue
		}
		sum += qw[i] * qw[i]
	}
	return sum
}

// uses reports whether topic ti's texts have term t (of id id): its answer, or one of its texts in t's
// postings, which are in text order, as the texts are grouped by topic.
func (m *Matcher) uses(ti int, t string, id int32) bool {
	if _, ok := m.answerWords[ti][t]; ok {
		return true
	}
	from, to := m.topicDocs[ti], m.topicDocs[ti+1]
	ps := m.postings[id]
	i, _ := slices.BinarySearchFunc(ps, from, func(p posting, d int32) int { return cmp.Compare(p.doc, d) })
	return i < len(ps) && ps[i].doc < to
}

// isWordTerm reports whether t is a word's or a Lao syllable's term (not a pair's or a spelling's).
func isWordTerm(t string) bool { return strings.HasPrefix(t, "w:") || strings.HasPrefix(t, "ls:") }

// nearest returns, per topic, the cosine similarity of the question with the topic's closest text; ids
// and qw are the question's term ids (-1: unknown) and weights.
func (m *Matcher) nearest(ids []int32, qw []float64, qnorm float64) []float64 {
	buf := dotPool.Get().(*[]float32)
	if len(*buf) < len(m.docNorm) {
		*buf = make([]float32, len(m.docNorm))
	}
	dot := (*buf)[:len(m.docNorm)]
	for i, id := range ids {
		if id < 0 {
			continue
		}
		x := float32(qw[i])
		for _, p := range m.postings[id] {
			dot[p.doc] += x * p.weight
		}
	}
	best := make([]float64, len(m.topics))
	for d, v := range dot {
		if v == 0 {
			continue
		}
		dot[d] = 0 // the buffer goes back to the pool zeroed
		if c := float64(v) / (qnorm * m.docNorm[d]); c > best[m.docTopic[d]] {
			best[m.docTopic[d]] = c
		}
	}
	dotPool.Put(buf)
	return best
}

// dotPool holds the per-text accumulators of nearest, so a question does not allocate one per call.
var dotPool = sync.Pool{New: func() any { return new([]float32) }}

// oovWeight scales the weight of a term the knowledge base has never seen. An unknown word is the signal
// that a question is about something else and counts fully — unless it is one of the few thousand most
// common English words ("guys", "waking", "terrible") in a question that reads as English: people wrap
// such words around any question, while "can", "long", "may" or "tin" in a Vietnamese question typed
// without tone marks are Vietnamese words. An unknown Lao syllable counts half a word (a Lao word is one to
// three of them). An unknown bigram of known words or Lao syllables, or an unknown accented spelling, mostly
// repeats what its parts already say, so it counts little: otherwise every new phrasing would look out of
// scope.
func (m *Matcher) oovWeight(term string, english bool) float64 {
	switch {
	case strings.HasPrefix(term, "w:") && strings.ContainsAny(term, "0123456789"):
		return oovNumber
	case english && strings.HasPrefix(term, "w:") && commonEnglish[term[2:]]:
		return m.opt.CommonWeight
	case strings.HasPrefix(term, "w:"):
		return m.opt.UnknownWeight
	case strings.HasPrefix(term, "ls:"):
		return oovLao
	case strings.HasPrefix(term, "lb:"):
		return oovBigram
	case strings.HasPrefix(term, "a:"):
		return oovAccent
	}
	return oovBigram
}

// readsAsEnglish reports whether a question looks English: no Vietnamese tone marks, and at least half
// of its content words (stopwords are already gone) among the most common English ones.
func readsAsEnglish(tf map[string]float64) bool {
	words, common := 0, 0
	for t := range tf {
		switch {
		case strings.HasPrefix(t, "a:"):
			return false
		case strings.HasPrefix(t, "w:"):
			words++
			if commonEnglish[t[2:]] {
				common++
			}
		}
	}
	return words > 0 && 2*common >= words
}

const (
	oovNumber = 0.3 // "4g", "110cc", "2026": rarely what a question is about
	oovLao    = 0.5 // an unknown Lao syllable: half a word
	oovAccent = 0.3
	oovBigram = 0.15
)

// minTypoLen is the shortest word corrected for typos; shorter words are too easily another word.
const minTypoLen = 4

// correct replaces each unknown word by the known word one edit away (a deletion, insertion, substitution
// or swap of adjacent letters: "scholarshp", "insurrance", "dormitroy", "stident"), as people type on
// phones. Words are compared as typed (folded, not stemmed): a typo often breaks the suffix a stemmer
// reads ("hosptal" is one letter from "hospital", but its stem is not one from "hospit"). A word whose stem
// is known is not a typo ("renewing").
func (m *Matcher) correct(tokens []string) []string {
	for i, tok := range tokens {
		if isLaoWord(tok) || strings.ContainsAny(tok, "0123456789") {
			continue
		}
		u := Fold(tok)
		if len(u) < minTypoLen || m.deletes[u] == u {
			continue
		}
		if _, known := m.term("w:" + stem(u)); known {
			continue
		}
		fix, found := m.deletes[u] // the question has one letter too many
		if !found {
			for _, d := range deletions(u) { // one letter missing, or one changed or swapped
				if fix, found = m.deletes[d]; found {
					break
				}
			}
		}
		if found {
			tokens[i] = fix
		}
	}
	return tokens
}

// typoIndex maps every known word (as typed, folded) to itself and each of its one-letter deletions to
// it: the symmetric-deletion index behind correct. Deterministic whatever the map order: among the words
// one deletion away, the smallest wins a collision.
func typoIndex(seen map[string][2]string, syn synonyms) map[string]string {
	set := map[string]bool{}
	for _, f := range seen {
		if len(f[0]) >= minTypoLen && !isLaoWord(f[0]) {
			set[f[0]] = true
		}
	}
	for from := range syn.words {
		for _, w := range strings.Fields(from) {
			if len(w) >= minTypoLen {
				set[w] = true
			}
		}
	}
	words := slices.Sorted(maps.Keys(set))
	deletes := make(map[string]string, len(words)*8)
	for _, w := range words {
		for _, d := range deletions(w) {
			if _, taken := deletes[d]; !taken {
				deletes[d] = w
			}
		}
	}
	for _, w := range words {
		deletes[w] = w
	}
	return deletes
}

// weighted is a term's id and its weight; an indexed text is a list of them in term order (a slice is a
// third of a map's memory, and the index holds thousands of texts while it is built).
type weighted struct {
	id int32
	w  float64
}

// term returns the id of an index term, and false for a term the knowledge base has never seen (a
// classifier's 4-gram is not an index term).
func (m *Matcher) term(t string) (int32, bool) {
	id, ok := m.vocab[t]
	return id, ok && id < m.terms
}

// sortedKeys returns a term map's keys in order.
func sortedKeys(tf map[string]float64) []string {
	return sortedKeysInto(make([]string, 0, len(tf)), tf)
}

// sortedKeysInto is sortedKeys reusing buf.
func sortedKeysInto(buf []string, tf map[string]float64) []string {
	keys := buf[:0]
	for t := range tf {
		keys = append(keys, t)
	}
	sort.Strings(keys)
	return keys
}

// deletions lists w with each one of its letters removed.
func deletions(w string) []string {
	rs := []rune(w)
	out := make([]string, 0, len(rs))
	for i := range rs {
		out = append(out, string(rs[:i])+string(rs[i+1:]))
	}
	return out
}

// Threshold returns the decline threshold in use.
func (m *Matcher) Threshold() float64 { return m.threshold }

// fold is Fold, remembered per word while the index is built (the same words recur in thousands of texts).
func (m *Matcher) fold(tok string) string {
	if m.building == nil {
		return Fold(tok)
	}
	if f, ok := m.building[tok]; ok {
		return f[0]
	}
	u := Fold(tok)
	m.building[tok] = [2]string{u, stem(u)}
	return u
}

// forms returns a word without marks and its stem.
func (m *Matcher) forms(tok string) (unmarked, stemmed string) {
	if m.building != nil {
		m.fold(tok)
		f := m.building[tok]
		return f[0], f[1]
	}
	u := Fold(tok)
	return u, stem(u)
}

// termsOf turns a text, normalized and cut into words, into weighted terms (see the package doc).
func (m *Matcher) termsOf(words []string) map[string]float64 {
	tf := map[string]float64{}
	m.termsInto(tf, words)
	return tf
}

// termsInto is termsOf writing into tf (cleared first).
func (m *Matcher) termsInto(tf map[string]float64, words []string) {
	clear(tf)
	var tokens []string
	if m.building != nil { // New runs on one goroutine: its texts share two buffers
		tokens, m.folded = m.syn.apply(words, m.fold, m.tokens, m.folded)
		m.tokens = tokens
	} else {
		tokens, _ = m.syn.apply(words, m.fold, nil, nil)
	}
	var prev, prevLao string
	for _, tok := range tokens {
		if isLaoWord(tok) { // a syllable (apply cuts Lao runs): syllables and pairs of adjacent ones
			tf[m.term3("ls:", tok, "", "")]++
			if prevLao != "" {
				tf[m.term3("lb:", prevLao, "", tok)] += laoPairWeight
			}
			prev, prevLao = "", tok
			continue
		}
		prevLao = ""
		unmarked, folded := m.forms(tok)
		stop := stopwords[folded]
		if !stop {
			tf[m.term3("w:", folded, "", "")]++
		}
		if unmarked != tok {
			tf[m.term3("a:", tok, "", "")] += accentWeight
		}
		if prev != "" && !(stop && stopwords[prev]) {
			tf[m.term3("b:", prev, " ", folded)] += bigramWeight
		}
		prev = folded
	}
	for t, c := range tf {
		if c > 1 {
			tf[t] = 1 + math.Log(c)
		}
	}
}

// term3 returns the term prefix+a+sep+b: while New runs, the vocabulary's own string when the term is
// numbered already (a map lookup by a byte slice's string allocates nothing).
func (m *Matcher) term3(prefix, a, sep, b string) string {
	if m.building == nil {
		return prefix + a + sep + b
	}
	m.key = append(append(append(append(m.key[:0], prefix...), a...), sep...), b...)
	if id, ok := m.vocab[string(m.key)]; ok {
		return m.names[id]
	}
	return string(m.key)
}

const (
	accentWeight = 0.3
	bigramWeight = 1.0
	// laoPairWeight is the weight of a pair of Lao syllables, a syllable's being 1.
	laoPairWeight = 0.7
)

func isLaoWord(s string) bool {
	for _, r := range s {
		if isLao(r) {
			return true
		}
	}
	return false
}

// stem reduces an English word to its Snowball (Porter2) stem so that "renewing", "renewal" and "renew"
// meet. Folded Vietnamese syllables are ASCII too; Porter2 leaves almost all of them alone (they do not end
// in English suffixes), and whatever it changes, it changes the same way in questions and knowledge base.
func stem(w string) string {
	if len(w) <= 3 || !isASCII(w) {
		return w
	}
	return english.Stem(w, false)
}
