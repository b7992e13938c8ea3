package faq

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// foldCase is the Unicode case folder (stateless after construction; safe for concurrent use).
var foldCase = cases.Fold()

// Normalize returns text in the matcher's canonical form: NFC, case-folded, every run of characters that
// are not letters, marks or digits (punctuation, emoji, symbols) turned into one space, trimmed. It keeps
// Vietnamese tone marks; Fold removes them. Unanswered questions are counted in this form.
func Normalize(s string) string {
	if isASCII(s) {
		s = strings.ToLower(s) // case folding is lower-casing in ASCII, and ToLower does not copy a lower-case s
	} else {
		s = norm.NFC.String(foldCase.String(s))
	}
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

// Fold removes Vietnamese tone and vowel marks and maps đ to d, so "gia hạn thẻ tạm trú" and
// "gia han the tam tru" meet. Lao and other scripts pass through unchanged (their marks are not accents).
func Fold(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case r == 'đ' || r == 'Đ':
			if r == 'Đ' {
				b.WriteByte('D')
			} else {
				b.WriteByte('d')
			}
		case unicode.Is(unicode.Mn, r) && r >= 0x300 && r <= 0x36f: // combining diacritics of Latin letters
		default:
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// isLao reports whether r is in the Lao block.
func isLao(r rune) bool { return r >= 0x0E80 && r <= 0x0EFF }

// laoToneMark reports whether r is one of the Lao tone marks, dropped for matching because students type
// them inconsistently.
func laoToneMark(r rune) bool { return r >= 0x0EC8 && r <= 0x0ECB }

// Lang guesses the language of a question: "lo" for mostly Lao script, "vi" when it has Vietnamese letters
// or common Vietnamese words, "de" for German function words, "en" otherwise. Used to log unanswered questions and by `ask --json`.
func Lang(q string) string {
	lao, letters, viMarks := 0, 0, 0
	for _, r := range q {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		switch {
		case isLao(r):
			lao++
		case r > 0x7f && unicode.Is(unicode.Latin, r):
			viMarks++
		}
	}
	hits, de := 0, 0
	for _, w := range strings.Fields(Normalize(q)) {
		if viHint[w] {
			hits++
		}
		if deHint[w] {
			de++
		}
	}
	switch {
	case letters > 0 && lao*2 > letters:
		return "lo"
	case de >= 2 || de >= 1 && strings.ContainsAny(strings.ToLower(q), "äöüß"): // before the marks: ä is not Vietnamese
		return "de"
	case viMarks > 0 || hits > 0:
		return "vi"
	}
	return "en"
}

// deHint are German function words that are not English or Vietnamese words ("die", "was" and "im" are).
var deHint = map[string]bool{
	"ich": true, "und": true, "nicht": true, "ist": true, "wie": true, "kann": true, "mein": true, "meine": true,
	"wo": true, "bitte": true, "für": true, "fuer": true, "muss": true, "gibt": true, "der": true, "das": true,
	"ein": true, "eine": true, "mit": true, "wann": true, "welche": true, "brauche": true, "sind": true,
	"habe": true, "haben": true, "warum": true, "auch": true, "oder": true, "nach": true, "zum": true,
	"zur": true, "bei": true, "vom": true, "sie": true, "wir": true, "unser": true, "kein": true,
}

// viHint are unaccented words that are common in Vietnamese questions and rare in English ones.
var viHint = map[string]bool{
	"la": true, "co": true, "khong": true, "ko": true, "cua": true, "cho": true, "minh": true, "toi": true,
	"lam": true, "sao": true, "nao": true, "gi": true, "o": true, "dau": true, "duoc": true, "dc": true,
	"nhu": true, "ve": true, "nhung": true, "bao": true, "nhieu": true, "em": true, "anh": true,
	"chi": true, "ban": true, "hoc": true, "sinh": true, "vien": true, "viet": true, "nam": true,
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
