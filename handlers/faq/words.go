package faq

import (
	_ "embed"
	"slices"
	"sort"
	"strings"
)

//go:embed common_en.txt
var commonEnglishList string

// commonEnglish holds the stems of the most common English words (common_en.txt, SCOWL size 10).
var commonEnglish = func() map[string]bool {
	set := map[string]bool{}
	for _, line := range strings.Split(commonEnglishList, "\n") {
		if w := strings.TrimSpace(line); w != "" && !strings.HasPrefix(w, "#") {
			set[stem(w)] = true
		}
	}
	return set
}()

// stopwords are function words (in folded form) that say nothing about the topic. The list is short on
// purpose: inverse topic frequency already discounts common words, and folding makes many Vietnamese words
// ambiguous ("thẻ"/"thế", "đồ"/"đó"), so only words that are function words in every reading are here —
// with a few accepted conflicts noted.
var stopwords = map[string]bool{
	// Vietnamese (folded)
	"la": true, "co": true, "khong": true, "gi": true, "cua": true, "cho": true, "minh": true, "toi": true,
	"em": true, "anh": true, "chi": true, "ban": true, "o": true, "nao": true, "nhu": true, "duoc": true,
	"lam": true, "sao": true, "va": true, "voi": true, "a": true, "ad": true, "admin": true, "oi": true,
	"nhe": true, "vay": true, "ha": true, "nhi": true, "muon": true, "cac": true, "nhung": true, "mot": true,
	"nay": true, "roi": true, "se": true, "ai": true, "khi": true, "neu": true, "ma": true, "phai": true,
	"ah": true, "ak": true, "vs": true,
	// English
	"i": true, "me": true, "my": true, "you": true, "your": true, "we": true, "the": true, "an": true,
	"is": true, "are": true, "am": true, "was": true, "be": true, "to": true, "of": true, "in": true, "on": true,
	"at": true, "for": true, "and": true, "or": true, "it": true, "this": true, "that": true, "do": true,
	"doe": true, "did": true, "can": true, "could": true, "how": true, "what": true, "where": true, "when": true,
	"which": true, "who": true, "there": true, "with": true, "please": true, "want": true, "need": true,
	"know": true, "should": true, "would": true, "will": true, "any": true, "some": true, "have": true,
	"if": true, "about": true, "so": true, "hi": true,
	// German (folded: für is "fur"); not "den", which is also Vietnamese "đến" without marks
	"ich": true, "wie": true, "kann": true, "mein": true, "meine": true, "meinen": true, "der": true, "das": true,
	"ein": true, "eine": true, "einen": true, "und": true, "ist": true, "es": true, "gibt": true, "fur": true,
	"fuer": true, "mit": true, "wo": true, "wann": true, "sie": true, "bitte": true, "muss": true, "habe": true,
	"haben": true, "auf": true, "bei": true, "vom": true, "zum": true, "zur": true, "zu": true, "von": true,
	"man": true, "wir": true, "ihr": true, "mir": true, "mich": true,
	// English chat filler: feelings and asides wrapped around any question
	"im": true, "ive": true, "lol": true, "omg": true, "btw": true, "hey": true, "guy": true, "panick": true,
}

// synonyms rewrites token sequences; keys are folded, space-joined "from" forms.
type synonyms struct {
	// words maps a from written without marks to its canonical tokens, matched folded (so "đươc", with a
	// learner's wrong marks, is still "duoc"); marked maps a from written with marks, matched only as
	// written: without its marks "hông" (không) is also hồng, hỏng and họng ("Hồng Đức" became "không
	// Đức"), and "hoà" and "hoá" are one word.
	words  map[string][]string
	marked map[string][]string
	maxLen int
	// starts are the first words of the rewrites of several words: only there is a longer key looked up
	// (joining words into keys at every position was a tenth of what an index build allocates)
	starts map[string]bool
	// lao are the rewrites inside Lao runs, by their first syllable, longest first. They match whole
	// syllables: a substring rewrite of "ມ" (from "ມ.", short for ມະຫາວິທະຍາໄລ) put "university" into
	// every word with the letter ມ, ມີ ("have") first.
	lao map[string][]laoRewrite
}

type laoRewrite struct{ from, to []string }

func newSynonyms(list []Synonym) synonyms {
	s := synonyms{words: map[string][]string{}, marked: map[string][]string{}, starts: map[string]bool{}, lao: map[string][]laoRewrite{}}
	for _, syn := range list {
		var to []string // Lao words as syllables, as apply gives every Lao run
		for _, w := range strings.Fields(Normalize(syn.To)) {
			if isLaoWord(w) {
				to = append(to, laoSyllables(w)...)
			} else {
				to = append(to, w)
			}
		}
		for _, from := range syn.From {
			f := Normalize(from)
			if f == "" {
				continue
			}
			if isLaoWord(f) {
				r := laoRewrite{laoSyllables(strings.ReplaceAll(f, " ", "")), to}
				if len(r.from) > 0 {
					s.lao[r.from[0]] = append(s.lao[r.from[0]], r)
				}
				continue
			}
			key := Fold(f)
			if key == f {
				s.words[key] = to
			} else {
				s.marked[f] = to
			}
			fields := strings.Fields(key)
			s.maxLen = max(s.maxLen, len(fields))
			if len(fields) > 1 {
				s.starts[fields[0]] = true
			}
		}
	}
	for _, rs := range s.lao {
		sort.SliceStable(rs, func(i, j int) bool { return len(rs[i].from) > len(rs[j].from) })
	}
	return s
}

// laoRun appends to out a Lao run's syllables with the Lao rewrites applied, syllable by syllable,
// longest first.
func (s synonyms) laoRun(out []string, run string) []string {
	syl := laoSyllables(run)
	if len(s.lao) == 0 {
		return append(out, syl...)
	}
	for i := 0; i < len(syl); {
		matched := false
		for _, r := range s.lao[syl[i]] {
			if i+len(r.from) <= len(syl) && slices.Equal(syl[i:i+len(r.from)], r.from) {
				out = append(out, r.to...)
				i += len(r.from)
				matched = true
				break
			}
		}
		if !matched {
			out = append(out, syl[i])
			i++
		}
	}
	return out
}

// apply rewrites tokens greedily, longest match first; a Lao run comes out as its syllables. Each token is
// folded once: the fold of words joined by spaces is the folds joined (a mark never reaches across a
// space).
// out and folded are buffers apply may reuse (nil: it allocates); it returns the tokens and the folded
// buffer for the next call.
func (s synonyms) apply(tokens []string, fold func(string) string, out, folded []string) ([]string, []string) {
	out, folded = out[:0], folded[:0]
	for _, tok := range tokens {
		folded = append(folded, fold(tok))
	}
	for i := 0; i < len(tokens); {
		if isLaoWord(tokens[i]) {
			out = s.laoRun(out, tokens[i])
			i++
			continue
		}
		matched := false
		longest := 1
		if s.starts[folded[i]] {
			longest = min(s.maxLen, len(tokens)-i)
		}
		for n := longest; n >= 1; n-- {
			if to, ok := s.marked[strings.Join(tokens[i:i+n], " ")]; ok {
				out = append(out, to...)
				i += n
				matched = true
				break
			}
			key := strings.Join(folded[i:i+n], " ")
			if to, ok := s.words[key]; ok {
				out = append(out, to...)
				i += n
				matched = true
				break
			}
		}
		if !matched {
			out = append(out, tokens[i])
			i++
		}
	}
	return out, folded
}
