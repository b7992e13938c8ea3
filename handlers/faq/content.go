package faq

import "github.com/ufo-thanhhoa/huunghi/messages"

// EntriesOf lists the texts of a knowledge base for New: every topic's title, questions and (as context)
// answer in every language (a Lao student may ask in Vietnamese, so all languages share one index).
func EntriesOf(kb *messages.FAQ) []Entry {
	var out []Entry
	for _, t := range kb.Topics {
		for _, a := range t.Answer {
			out = append(out, Entry{Topic: t.ID, Text: a, Context: true})
		}
		for _, title := range t.Title {
			out = append(out, Entry{Topic: t.ID, Text: title})
		}
		for _, qs := range t.Questions {
			for _, q := range qs {
				out = append(out, Entry{Topic: t.ID, Text: q})
			}
		}
	}
	for _, qs := range kb.OutOfScope {
		for _, q := range qs {
			out = append(out, Entry{Topic: OutOfScope, Text: q})
		}
	}
	return out
}

// SynonymsOf lists the synonym table of every language.
func SynonymsOf(kb *messages.FAQ) []Synonym {
	var out []Synonym
	for _, list := range kb.Synonyms {
		for _, s := range list {
			out = append(out, Synonym{From: s.From, To: s.To})
		}
	}
	return out
}
