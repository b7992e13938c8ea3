package faq

import (
	"strings"
	"unicode/utf8"
)

// Lao is written without spaces between words. laoSyllables cuts a run of Lao letters into syllables by
// the script's orthographic rules: a syllable is an optional leading vowel (ເ ແ ໂ ໃ ໄ), an initial
// consonant (with ຫ before a sonorant, or ວ ລ ຣ after it, as one cluster), the vowel signs and letters
// above, below and after it, and at most one final consonant — a consonant followed by a vowel sign starts
// the next syllable instead. The rules are not a dictionary: a few syllables are cut where a linguist
// would not (loanwords, ເ◌ື◌ອ spellings), but a question and the knowledge base are cut the same way, which
// is what matching needs. Tone marks and ໆ are dropped first (students type them inconsistently).
//
// A Lao text's terms are its syllables and the pairs of adjacent syllables: most Lao words are one to
// three syllables, so syllables and their pairs stand in for words and the phrases they make. Pairs reach
// across the spaces between runs, so "ຫໍພັກ ຄ່າເຊົ່າ" and "ຫໍພັກຄ່າເຊົ່າ" are the same question (students
// space Lao as they like). Character n-grams did the same less well: on 1,031 new Lao questions, 0.74 were
// answered right with n-grams and 0.78 with syllables.

// laoSyllables returns the syllables of a Lao run, tone marks removed: substrings of one string, not a
// string per syllable (an index build cuts about nine thousand runs).
func laoSyllables(tok string) []string {
	var b strings.Builder
	b.Grow(len(tok))
	var rs []rune
	for _, r := range tok {
		if isLao(r) && !laoToneMark(r) && r != 'ໆ' {
			rs = append(rs, r)
			b.WriteRune(r)
		}
	}
	text := b.String()
	var out []string
	start, from := 0, 0 // the syllable's first rune, and its byte offset in text
	at := 0             // the byte offset of rune i
	var lead, initial, vowel, final, closed bool
	cut := func(i int) {
		if i > start {
			out = append(out, text[from:at])
		}
		from = at
		start = i
		lead, initial, vowel, final, closed = false, false, false, false, false
	}
	dependentNext := func(i int) bool { return i+1 < len(rs) && laoDependent(rs[i+1]) }
	for i, r := range rs {
		if i > 0 {
			at += utf8.RuneLen(rs[i-1])
		}
		switch {
		case laoLeadingVowel(r):
			cut(i)
			lead = true
		case laoDependent(r):
			vowel = true
			if r == 'ະ' || r == 'ຳ' {
				closed = true
			}
		case !initial:
			if i > start && !lead { // a syllable with no consonant yet is only a leading vowel
				cut(i)
			}
			initial = true
		case !vowel && !final && !lead && i-start == 1 && (rs[start] == 'ຫ' && laoSonorant(r) || r == 'ວ' || r == 'ລ' || r == 'ຣ'):
			// a cluster: ຫຼ, ຫວ, ຂວ, ກລ
		case closed || final || laoStartsSyllable(rs, i):
			cut(i)
			initial = true
		case vowel || !dependentNext(i):
			if (r == 'ອ' || r == 'ວ' || r == 'ຍ') && i+1 < len(rs) && laoFinal(rs[i+1]) && !dependentNext(i+1) {
				vowel = true // ຂອບ, ເ◌ືອງ, ◌ົວນ: the letter is part of the vowel; a final may still follow
			} else {
				final = true
			}
		}
	}
	if len(rs) > 0 {
		at += utf8.RuneLen(rs[len(rs)-1])
	}
	cut(len(rs))
	return out
}

// laoStartsSyllable reports whether the consonant at i, after a vowel, is the next syllable's initial
// rather than this one's final: it is when a vowel sign follows it, when ອ or ວ follows it as a vowel
// (ມາ|ບອກ, ໃບ|ຕອບ: an ອ followed by a vowel sign is itself an initial, ຄົນ|ອື່ນ), and ຫ never closes a
// syllable (ຊາ|ຫຍັງ).
func laoStartsSyllable(rs []rune, i int) bool {
	switch {
	case rs[i] == 'ຫ':
		return true
	case i+1 >= len(rs):
		return false
	case laoDependent(rs[i+1]):
		return true
	case rs[i+1] == 'ອ' || rs[i+1] == 'ວ':
		return i+2 < len(rs) && !laoDependent(rs[i+2]) && !laoLeadingVowel(rs[i+2])
	}
	return false
}

func laoLeadingVowel(r rune) bool { return r >= 0x0EC0 && r <= 0x0EC4 }

// laoDependent reports the signs written after, above or below a consonant: vowels (ະ ັ າ ຳ ິ ີ ຶ ື ຸ ູ ົ ໍ),
// the ຼ and ຽ signs and the cancellation mark ໌.
func laoDependent(r rune) bool {
	return r == 0x0EB0 || r == 0x0EB1 || r == 0x0EB2 || r == 0x0EB3 || (r >= 0x0EB4 && r <= 0x0EB9) ||
		r == 0x0EBB || r == 0x0EBC || r == 0x0EBD || r == 0x0ECC || r == 0x0ECD
}

func laoSonorant(r rune) bool {
	switch r {
	case 'ງ', 'ຍ', 'ນ', 'ມ', 'ລ', 'ວ', 'ຣ':
		return true
	}
	return false
}

func laoFinal(r rune) bool {
	switch r {
	case 'ກ', 'ງ', 'ຍ', 'ດ', 'ນ', 'ບ', 'ມ', 'ວ':
		return true
	}
	return false
}
