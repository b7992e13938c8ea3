package outbox

import (
	"strings"
	"unicode/utf16"
)

// MaxText is Telegram's limit for one message text, counted in UTF-16 code units after entity parsing.
const MaxText = 4096

// Split cuts text into parts of at most max UTF-16 code units, preferring paragraph breaks, then line
// breaks, then spaces, and only as a last resort the middle of a word. Parts are trimmed of the separators
// they were cut at; no character is lost or split inside a UTF-8 sequence or a surrogate pair.
func Split(text string, max int) []string {
	if units(text) <= max {
		return []string{text}
	}
	var parts []string
	for units(text) > max {
		cut := prefixWithin(text, max)
		at := -1
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(text[:cut], sep); i > 0 {
				at = i
				break
			}
		}
		if at < 0 {
			at = cut
		}
		if part := strings.TrimRight(text[:at], " \n"); part != "" {
			parts = append(parts, part)
		}
		text = strings.TrimLeft(text[at:], " \n")
	}
	if text != "" {
		parts = append(parts, text)
	}
	return parts
}

// units counts UTF-16 code units, Telegram's measure of length.
func units(s string) int {
	n := 0
	for _, r := range s {
		n += runeUnits(r)
	}
	return n
}

// prefixWithin returns the byte length of the longest prefix of s that is at most max UTF-16 units.
func prefixWithin(s string, max int) int {
	n := 0
	for i, r := range s {
		l := runeUnits(r)
		if n+l > max {
			return i
		}
		n += l
	}
	return len(s)
}

// runeUnits is the UTF-16 length of r; invalid bytes decode as U+FFFD, one unit.
func runeUnits(r rune) int {
	if l := utf16.RuneLen(r); l > 0 {
		return l
	}
	return 1
}
