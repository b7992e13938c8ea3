package forms

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// stripInvisible removes characters that carry no text but break comparisons: zero-width space (Lao input
// methods insert it between words), word joiner, byte-order mark and soft hyphen.
func stripInvisible(s string) string {
	if !strings.ContainsAny(s, "\u200b\u2060\ufeff\u00ad") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u200b', '\u2060', '\ufeff', '\u00ad':
			return -1
		}
		return r
	}, s)
}

// forbidden reports characters that must never reach storage or a staff screen: control characters and the
// bidirectional overrides and isolates, which can make text display as something it is not.
func forbidden(r rune) bool {
	switch {
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return unicode.IsControl(r)
}

// clean normalises free text: line breaks unified, whitespace runs collapsed to one space, lines trimmed, NFC.
// Single-line text turns line breaks into spaces; multiline text keeps them but at most one blank line in a row.
// ok is false when the text holds a forbidden character. clean(clean(s)) == clean(s).
func clean(s string, multiline bool) (out string, ok bool) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' || r == '\u0085':
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case forbidden(r):
			return "", false
		default:
			b.WriteRune(r)
		}
	}
	lines := strings.Split(norm.NFC.String(b.String()), "\n")
	kept := lines[:0]
	blank := true // drops blank lines at the start
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		kept = append(kept, l)
	}
	for len(kept) > 0 && kept[len(kept)-1] == "" {
		kept = kept[:len(kept)-1]
	}
	return strings.Join(kept, "\n"), true
}

func (f Field) parseText(input string, multiline bool) (Value, *InvalidError) {
	s, ok := clean(input, multiline)
	if !ok {
		return Value{}, invalid(CodeCharacters)
	}
	if s == "" {
		return Value{}, invalid(CodeEmpty)
	}
	if e := f.checkLength(s); e != nil {
		return Value{}, e
	}
	return Value{Raw: s, Display: s}, nil
}

// checkLength bounds s in characters (runes), which is what a person counts, in any script.
func (f Field) checkLength(s string) *InvalidError {
	lo, hi := f.Limits()
	n := utf8.RuneCountInString(s)
	if n < lo {
		return invalid(CodeTooShort, "min", strconv.Itoa(lo))
	}
	if n > hi {
		return invalid(CodeTooLong, "max", strconv.Itoa(hi))
	}
	return nil
}

// canonicalPunct maps the typographic apostrophes and hyphens phones insert to their ASCII forms, so that
// "O’Brien" and "O'Brien" are stored alike.
func canonicalPunct(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u2019', '\u2018', '\u02bc':
			return '\''
		case '\u2010', '\u2011':
			return '-'
		}
		return r
	}, s)
}

// nameLike checks a name or a typed country: it starts with a letter and has only letters, combining marks
// (Vietnamese tones, Lao vowels and tone marks), spaces and the punctuation in extra.
func nameLike(s, extra string) bool {
	for i, r := range s {
		if i == 0 && !unicode.IsLetter(r) {
			return false
		}
		if !unicode.IsLetter(r) && !unicode.IsMark(r) && r != ' ' && !strings.ContainsRune(extra, r) {
			return false
		}
	}
	return s != ""
}

func (f Field) parseName(input string) (Value, *InvalidError) {
	s, ok := clean(input, false)
	if !ok {
		return Value{}, invalid(CodeCharacters)
	}
	s = canonicalPunct(s)
	if s == "" {
		return Value{}, invalid(CodeEmpty)
	}
	if !nameLike(s, "-'.") {
		return Value{}, invalid(CodeName)
	}
	if f.Script == ScriptLatin && strings.ContainsFunc(s, func(r rune) bool { return unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) }) {
		return Value{}, invalid(CodeLatin)
	}
	if e := f.checkLength(s); e != nil {
		return Value{}, e
	}
	return Value{Raw: s, Display: s}, nil
}

// fold is the key for matching typed labels: lower case, Vietnamese without tone marks (đ as d), whitespace
// collapsed. Only marks on Latin letters are dropped: Lao vowels are combining marks too, and dropping them
// would merge different words.
func fold(s string) string {
	s, _ = clean(s, false)
	var b strings.Builder
	latin := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			if latin {
				continue
			}
		case r == 'đ' || r == 'Đ':
			r = 'd'
			latin = true
		default:
			latin = unicode.Is(unicode.Latin, r)
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return norm.NFC.String(b.String())
}

// asciiDigits maps Lao, Thai and full-width digits to ASCII: Lao phones often type with a Lao or Thai keyboard.
func asciiDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '໐' && r <= '໙':
			return '0' + r - '໐'
		case r >= '๐' && r <= '๙':
			return '0' + r - '๐'
		case r >= '０' && r <= '９':
			return '0' + r - '０'
		}
		return r
	}, s)
}
