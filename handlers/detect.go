package handlers

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// DetectLang names the language a message is written in when it is clearly one the bot ships and Telegram
// does not tell: "lo" for Lao script, "vi" for Vietnamese with or without tone marks, "" when unsure.
// Unsure is the common answer, for English, names, numbers and one-word replies alike: a wrong switch is
// worse than none, since the user then reads a language they may not know.
func DetectLang(text string) string {
	switch {
	case IsLao(text):
		return "lo"
	case IsVietnamese(text):
		return "vi"
	}
	return ""
}

// IsLao reports whether text is written mostly in Lao script (at least two Lao letters and more than half of
// all letters), the signal to switch an undecided user to Lao.
func IsLao(text string) bool {
	lao, letters := 0, 0
	for _, r := range text {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) {
			continue
		}
		letters++
		if unicode.Is(unicode.Lao, r) {
			lao++
		}
	}
	return lao >= 2 && lao*2 > letters
}

// IsVietnamese reports whether text reads as a Vietnamese sentence, typed with tone marks or without (many
// people abroad type on a keyboard without Vietnamese input). Three things must hold:
//   - at least three quarters of the words are possible Vietnamese syllables (onset, vowels, final
//     consonant), which English or German sentences are not ("want", "about", "möchte");
//   - at least one word is a common Vietnamese function word (tôi, bạn, không, muốn, hỏi, về, cho, …) —
//     a person's name ("Nguyễn Văn An") is made of syllables too, and must not switch the language of
//     someone filling in a form;
//   - and either a letter only Vietnamese uses (ă â đ ê ô ơ ư, or a vowel with a Vietnamese tone mark), or
//     a second function word, since "cho" or "la" alone also occur in other languages.
func IsVietnamese(text string) bool {
	var words, syllables, function, marks int
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(norm.NFC.String(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r)
	}) {
		if !isLatinWord(w) {
			continue
		}
		words++
		marks += vietnameseLetters(w)
		f := foldVietnamese(w)
		if vietSyllable.MatchString(f) {
			syllables++
		}
		if vietFunctionWords[f] && !seen[f] {
			seen[f] = true
			function++
		}
	}
	if words < 2 || syllables*4 < words*3 || function == 0 {
		return false
	}
	return marks > 0 || function >= 2
}

// vietSyllable is the shape of a Vietnamese syllable without tone marks: an optional onset, one to three
// vowels (the glides i, o, u, y included), an optional final consonant.
var vietSyllable = regexp.MustCompile(`^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(ch|nh|ng|[cmnpt])?$`)

// vietFunctionWords are frequent Vietnamese words, without tone marks, that are not words of English: the
// pronouns, question words and particles nearly every question has. Words that are also names' syllables
// (thị, văn) or English words (can, do, the) are left out on purpose.
var vietFunctionWords = map[string]bool{
	"toi": true, "minh": true, "ban": true, "em": true, "anh": true, "chi": true, "chung": true,
	"khong": true, "ko": true, "duoc": true, "dc": true, "cua": true, "muon": true, "xin": true,
	"chao": true, "hoi": true, "ve": true, "gi": true, "nao": true, "dau": true, "bao": true,
	"nhieu": true, "lam": true, "voi": true, "nay": true, "roi": true, "chua": true, "phai": true,
	"va": true, "la": true, "cho": true, "biet": true, "sao": true, "oi": true, "nhe": true, "co": true,
	"cac": true, "nhung": true, "o": true, "khi": true, "neu": true, "tu": true, "giup": true,
	"hay": true, "vay": true, "nguoi": true, "mot": true,
}

// isLatinWord reports whether every letter of w is Latin (with or without marks), so Lao, Thai or Cyrillic
// words are not counted as words of a Vietnamese sentence or against it.
func isLatinWord(w string) bool {
	for _, r := range w {
		if unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) {
			return false
		}
	}
	return true
}

// vietnameseLetters counts the letters of w that only Vietnamese writes among the languages our users type:
// ă â đ ê ô ơ ư and the vowels of the Latin Extended Additional block that carry Vietnamese tones (ạ ả ấ …).
func vietnameseLetters(w string) int {
	n := 0
	for _, r := range strings.ToLower(w) {
		switch {
		case strings.ContainsRune("ăâđêôơư", r), r >= 0x1EA0 && r <= 0x1EF9:
			n++
		}
	}
	return n
}

// foldVietnamese is w in lower case without tone or vowel marks, đ as d: the form people type without a
// Vietnamese keyboard.
func foldVietnamese(w string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(w)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteByte('d')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
