package forms

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// parsePhone stores a phone number in E.164 (+<country><number>, digits only), the one form staff can dial
// from anywhere and the export can sort. Whether a number exists is decided by the numbering plans of
// github.com/nyaruka/phonenumbers (Google's libphonenumber metadata), which also groups Display the way the
// number's country does ("+49 1511 2345678", "+84 912 345 678"). Accepted, with spaces, dots, hyphens and
// brackets anywhere:
//
//   - Any country with + or 00 in front ("+49 151 12345678", "0049 …", "+84 (0) 912 …": a trunk 0 after the
//     country code is dropped). 00 is read as + whatever the country: no national number starts with 00.
//   - A national number of region, the country the user answered earlier in the form ("0151 12345678" after
//     Germany, "601 123 456" after Czechia), when it is one there; or that country's code without + in front
//     ("49 151 12345678").
//   - Otherwise a Vietnamese or Lao number: national (0912 345 678, 024 3825 1234, 020 5555 1234,
//     030 512 3456, 021 123 456), or with 84 or 856 in front without +. A national number that is Lao is read
//     as Lao even where it could also be Vietnamese (020x is a northern Vietnamese area code, 030 an unused
//     mobile range): Lao students are the ones who write their numbers that way, and a Vietnamese landline
//     can be given with +84.
//
// bare (contact shares) reads digits without "+" as international first, which is how Telegram sends a
// contact's number.
func parsePhone(input string, bare bool, region string) (Value, *InvalidError) {
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
	var num *phonenumbers.PhoneNumber
	switch {
	case n == "":
	case plus:
		num = international(n)
	case strings.HasPrefix(n, "00"):
		num = international(n[2:])
	default:
		if bare && n[0] != '0' {
			num = international(n)
		}
		if num == nil && region != "" && region != "VN" && region != "LA" {
			// "49 151 12345678" in Germany is the country code without its +, not a national number.
			if n[0] != '0' && strings.HasPrefix(n, strconv.Itoa(phonenumbers.GetCountryCodeForRegion(region))) {
				num = international(n)
			}
			if num == nil {
				num = national(n, region)
			}
		}
		if num == nil {
			num = home(n)
		}
	}
	if num == nil {
		return Value{}, invalid(CodePhone)
	}
	raw := phonenumbers.Format(num, phonenumbers.E164)
	if len(raw) > 16 { // German plans allow 17 digits; E.164, and so every phone system, at most 15
		return Value{}, invalid(CodePhone)
	}
	return Value{Raw: raw, Display: phonenumbers.Format(num, phonenumbers.INTERNATIONAL)}, nil
}

// international reads digits that start with a country code.
func international(n string) *phonenumbers.PhoneNumber {
	if n == "" || n[0] == '0' {
		return nil
	}
	return national("+"+n, "ZZ")
}

// national reads n as written in region (a + in front overrides it); nil unless the number is valid there.
func national(n, region string) *phonenumbers.PhoneNumber {
	num, err := phonenumbers.Parse(n, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return nil
	}
	return num
}

// home reads a Vietnamese or Lao number without "+": national (Lao first, see parsePhone), or with the
// country code alone in front.
func home(n string) *phonenumbers.PhoneNumber {
	switch {
	case n[0] == '0':
		if num := national(n, "LA"); num != nil {
			return num
		}
		return national(n, "VN")
	case strings.HasPrefix(n, "856"), strings.HasPrefix(n, "84"):
		return international(n)
	}
	return nil
}
