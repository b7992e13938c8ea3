package faq

import (
	"strings"
	"unicode"
)

// Social recognises the short social messages people send a bot — greetings, thanks, "ok", "👍" — so that
// they get a friendly line instead of an "I don't know" and do not land in /unanswered. A message is
// social when, without the fillers around it ("ad", "nhé", "bro", "ເດີ"), it is one of the phrases of a
// kind (messages/faq/smalltalk.yaml), or when it is short and every word of it is a word of that kind's
// phrases ("ok thanks a lot bro", "cam on nhieu nhe ad"). Emoji-only messages are compared by their emoji.
// Immutable once built; safe for concurrent use.
type Social struct {
	phrases map[string]string          // key → kind
	words   map[string]map[string]bool // kind → the words of its phrases
	kinds   []string                   // in the order given: the first wins a tie
}

// maxSocialWords bounds a message read word by word as social: longer ones are questions.
const maxSocialWords = 6

// NewSocial indexes the phrases of each kind; kinds lists them in order of precedence.
func NewSocial(kinds []string, phrases map[string][]string) *Social {
	s := &Social{phrases: map[string]string{}, words: map[string]map[string]bool{}, kinds: kinds}
	for _, kind := range kinds {
		s.words[kind] = map[string]bool{}
		for _, p := range phrases[kind] {
			words := socialWords(p)
			if len(words) == 0 {
				continue
			}
			if _, taken := s.phrases[strings.Join(words, " ")]; !taken {
				s.phrases[strings.Join(words, " ")] = kind
			}
			for _, w := range words {
				s.words[kind][w] = true
			}
		}
	}
	return s
}

// Kind returns the kind of a social message, or "" for anything else.
func (s *Social) Kind(text string) string {
	words := socialWords(text)
	if len(words) == 0 {
		return ""
	}
	if kind, ok := s.phrases[strings.Join(words, " ")]; ok {
		return kind
	}
	if len(words) > maxSocialWords {
		return ""
	}
	for _, kind := range s.kinds {
		all := true
		for _, w := range words {
			all = all && s.words[kind][w]
		}
		if all {
			return kind
		}
	}
	return ""
}

// socialFillers are words around a social message that do not change it (folded).
var socialFillers = map[string]bool{"ad": true, "admin": true, "bot": true, "a": true, "nhe": true, "oi": true, "nha": true,
	"ban": true, "em": true, "anh": true, "chi": true, "you": true, "there": true, "everyone": true, "bro": true,
	"sis": true, "so": true, "very": true, "much": true, "ak": true, "ah": true, "da": true, "vang": true, "nhieu": true,
	"ແດ່": true, "ເດີ": true, "ເນາະ": true, "ຄັບ": true, "ເຈົ້າ": true, "ໂດຍ": true,
	// Lao forms of address: older brother, older sister, younger sibling, teacher
	"ອ້າຍ": true, "ເອື້ອຍ": true, "ນ້ອງ": true, "ອາຈານ": true}

// socialWords is a message's words for comparison: folded, Lao run together without ໆ and tone marks,
// letters repeated for emphasis taken once ("thanksss", "okkk"), fillers dropped unless nothing else is
// left; for a message with no letters at all, its emoji, each once.
func socialWords(text string) []string {
	var words []string
	for _, w := range strings.Fields(Fold(Normalize(text))) {
		words = append(words, squeeze(w))
	}
	if len(words) == 0 {
		return emoji(text)
	}
	if lao := laoRun(words); lao != "" {
		words = []string{lao}
	}
	kept := words[:0:0]
	for _, w := range words {
		if !socialFillers[w] {
			kept = append(kept, w)
		}
	}
	if len(kept) == 0 {
		return words
	}
	return kept
}

// laoRun joins a message written in Lao into one run (Lao puts no spaces between words, and people put
// them anywhere), without ໆ and tone marks and with Lao fillers cut from its end; "" when some word is not
// Lao.
func laoRun(words []string) string {
	var b strings.Builder
	for _, w := range words {
		if !isLaoWord(w) {
			return ""
		}
		for _, r := range w {
			if r != 'ໆ' && !laoToneMark(r) {
				b.WriteRune(r)
			}
		}
	}
	run := b.String()
	for changed := true; changed; {
		changed = false
		for f := range socialFillers {
			if isLaoWord(f) {
				f = strings.Map(func(r rune) rune {
					if laoToneMark(r) {
						return -1
					}
					return r
				}, f)
				if cut, ok := strings.CutSuffix(run, f); ok && cut != "" {
					run, changed = cut, true
				}
			}
		}
	}
	return run
}

// squeeze takes runs of the same letter once: "thanksss" → "thanks", "okkk" → "ok", "hello" → "helo" (the
// phrases are squeezed the same way).
func squeeze(w string) string {
	var b strings.Builder
	var prev rune
	for _, r := range w {
		if r != prev || !unicode.IsLetter(r) {
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

// emoji lists the distinct symbols of a text without letters or digits ("👍👍" → ["👍"]); skin tones,
// variation selectors and joiners are dropped so "👍🏽" is "👍".
func emoji(text string) []string {
	var out []string
	seen := map[rune]bool{}
	for _, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return nil
		case r >= 0x1F3FB && r <= 0x1F3FF, r == 0xFE0F, r == 0x200D, unicode.IsSpace(r), unicode.IsPunct(r):
		case unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r):
			if !seen[r] {
				seen[r] = true
				out = append(out, string(r))
			}
		}
	}
	return out
}
