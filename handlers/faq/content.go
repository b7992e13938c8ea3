package faq

import (
	"maps"
	"slices"

	"github.com/ufo-thanhhoa/huunghi/messages"
)

// EntriesOf lists the texts of a knowledge base for New: every topic's title, questions and (as context)
// answer in every language (a Lao student may ask in Vietnamese, so all languages share one index).
// Languages come in a fixed order: the index, and so every score, must not depend on map order.
func EntriesOf(kb *messages.FAQ) []Entry {
	var out []Entry
	for _, t := range kb.Topics {
		for _, lang := range slices.Sorted(maps.Keys(t.Answer)) {
			out = append(out, Entry{Topic: t.ID, Text: t.Answer[lang], Context: true})
		}
		for _, lang := range slices.Sorted(maps.Keys(t.Title)) {
			out = append(out, Entry{Topic: t.ID, Text: t.Title[lang]})
		}
		for _, lang := range slices.Sorted(maps.Keys(t.Questions)) {
			for _, q := range t.Questions[lang] {
				out = append(out, Entry{Topic: t.ID, Text: q})
			}
		}
	}
	for _, lang := range slices.Sorted(maps.Keys(kb.OutOfScope)) {
		for _, q := range kb.OutOfScope[lang] {
			out = append(out, Entry{Topic: OutOfScope, Text: q})
		}
	}
	return out
}

// SynonymsOf lists the synonym table of every language, languages in a fixed order (when two languages
// rewrite the same Latin word, as "dorm" in en and lo, the later language's rule applies, every time).
func SynonymsOf(kb *messages.FAQ) []Synonym {
	var out []Synonym
	for _, lang := range slices.Sorted(maps.Keys(kb.Synonyms)) {
		for _, s := range kb.Synonyms[lang] {
			out = append(out, Synonym{From: s.From, To: s.To})
		}
	}
	return out
}

// SocialOf builds the recogniser of a knowledge base's social messages (smalltalk.yaml), its kinds in file
// order.
func SocialOf(kb *messages.FAQ) *Social {
	var kinds []string
	phrases := map[string][]string{}
	for _, s := range kb.Smalltalk {
		kinds = append(kinds, s.Kind)
		for _, lang := range slices.Sorted(maps.Keys(s.Phrases)) {
			phrases[s.Kind] = append(phrases[s.Kind], s.Phrases[lang]...)
		}
	}
	return NewSocial(kinds, phrases)
}
