package forms

import (
	"strings"
	"unicode"
)

// parsePhone stores a phone number in E.164 (+<country><number>, digits only), the one form staff can dial
// from anywhere and the export can sort. Accepted, with spaces, dots, hyphens and brackets anywhere:
//
//   - Vietnamese numbers: national 0 + 9 digits for mobiles (3, 5, 7, 8 or 9 after the 0), 0 + 10 digits for
//     landlines (2 after the 0: 024…, 0237…); also with 84, +84 or 0084 in front, with or without the 0.
//   - Lao numbers: 020 + 8 digits (mobile), 021 + 6 digits (Vientiane landline); also with 856, +856 or 00856.
//     A national number starting 020 is read as a Lao mobile even though 020x is also a Vietnamese area code:
//     Lao students are the ones who write their numbers that way, and a Vietnamese landline can be given
//     with +84.
//   - Any other country with + or 00: 8–15 digits in all, not starting with 0.
//
// bare (contact shares) also accepts international digits without "+", which is how Telegram sends a contact's
// number.
func parsePhone(input string, bare bool) (Value, *InvalidError) {
	plus := false
	var d []byte
	for _, r := range asciiDigits(input) {
		switch {
		case r >= '0' && r <= '9':
			if len(d) == 20 {
				return Value{}, invalid(CodePhone)
			}
			d = append(d, byte(r))
		case r == '+' || r == '＋':
			if plus || len(d) > 0 {
				return Value{}, invalid(CodePhone)
			}
			plus = true
		case r == '.' || r == '-' || r == '(' || r == ')' || r == '‐' || r == '‑' || unicode.IsSpace(r):
		default:
			return Value{}, invalid(CodePhone)
		}
	}
	n := string(d)
	var v Value
	ok := false
	switch {
	case plus:
		v, ok = international(n)
	case strings.HasPrefix(n, "00"):
		v, ok = international(n[2:])
	case strings.HasPrefix(n, "0"):
		if v, ok = lao(n[1:]); !ok {
			v, ok = vietnam(n[1:])
		}
	case strings.HasPrefix(n, "856"):
		if v, ok = lao(n[3:]); !ok && bare {
			v, ok = international(n)
		}
	case strings.HasPrefix(n, "84"):
		if v, ok = vietnam(n[2:]); !ok && bare {
			v, ok = international(n)
		}
	case bare:
		v, ok = international(n)
	}
	if !ok {
		return Value{}, invalid(CodePhone)
	}
	return v, nil
}

// international reads digits that start with a country code. Vietnam and Laos are checked against their
// numbering plans (a trunk 0 after the code, as in +84 (0)912…, is dropped); other countries only by length.
func international(n string) (Value, bool) {
	switch {
	case strings.HasPrefix(n, "84"):
		return vietnam(strings.TrimPrefix(n[2:], "0"))
	case strings.HasPrefix(n, "856"):
		return lao(strings.TrimPrefix(n[3:], "0"))
	case len(n) < 8 || len(n) > 15 || n[0] == '0':
		return Value{}, false
	}
	cc := n[:countryCodeLen(n)]
	return Value{Raw: "+" + n, Display: "+" + cc + " " + group(n[len(cc):])}, true
}

// vietnam reads a Vietnamese number without its trunk 0.
func vietnam(n string) (Value, bool) {
	switch {
	case len(n) == 9 && strings.IndexByte("35789", n[0]) >= 0:
		return Value{Raw: "+84" + n, Display: "+84 " + n[:3] + " " + n[3:6] + " " + n[6:]}, true
	case len(n) == 10 && n[0] == '2':
		area := 3
		if n[:2] == "24" || n[:2] == "28" { // Hà Nội and Hồ Chí Minh City have two-digit area codes
			area = 2
		}
		rest := n[area:]
		return Value{Raw: "+84" + n, Display: "+84 " + n[:area] + " " + rest[:len(rest)-4] + " " + rest[len(rest)-4:]}, true
	}
	return Value{}, false
}

// lao reads a Lao number without its trunk 0.
func lao(n string) (Value, bool) {
	switch {
	case len(n) == 10 && strings.HasPrefix(n, "20"):
		return Value{Raw: "+856" + n, Display: "+856 20 " + n[2:6] + " " + n[6:]}, true
	case len(n) == 8 && strings.HasPrefix(n, "21"):
		return Value{Raw: "+856" + n, Display: "+856 21 " + n[2:5] + " " + n[5:]}, true
	}
	return Value{}, false
}

// twoDigitCodes are the ITU country codes of two digits; 1 and 7 have one, all others three. Country codes are
// prefix-free, so this is enough to split any E.164 number for display.
const twoDigitCodes = " 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 " +
	"64 65 66 81 82 84 86 90 91 92 93 94 95 98 "

func countryCodeLen(n string) int {
	switch {
	case n[0] == '1' || n[0] == '7':
		return 1
	case strings.Contains(twoDigitCodes, " "+n[:2]+" "):
		return 2
	}
	return 3
}

// group splits digits into threes, the last group taking up to four, for reading aloud.
func group(n string) string {
	var parts []string
	for len(n) > 4 {
		parts = append(parts, n[:3])
		n = n[3:]
	}
	return strings.Join(append(parts, n), " ")
}
