package forms

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode"
)

// parseEmail accepts one bare address, the way people type it. The check is practical, not RFC-complete: what
// net/mail accepts as an address with nothing around it (no display name, no comment, no quoting), a domain of
// dot-separated labels with a top-level domain of two letters or more. Non-ASCII (IDN) domains and local parts
// are kept as typed; the domain is lower-cased because it is case-insensitive and the export should not hold
// "Gmail.com" and "gmail.com" as two providers.
func parseEmail(input string) (Value, *InvalidError) {
	s := strings.TrimSpace(input)
	if len(s) > 254 || strings.ContainsFunc(s, unicode.IsSpace) || strings.ContainsFunc(s, forbidden) {
		return Value{}, invalid(CodeEmail)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return Value{}, invalid(CodeEmail)
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if local == "" || !validDomain(domain) {
		return Value{}, invalid(CodeEmail)
	}
	addr := local + "@" + domain
	return Value{Raw: addr, Display: addr}, nil
}

func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
				return false
			}
		}
	}
	tld := []rune(labels[len(labels)-1])
	if len(tld) < 2 {
		return false
	}
	for _, r := range tld {
		if !unicode.IsLetter(r) && !unicode.IsMark(r) && r != '-' {
			return false
		}
	}
	return true
}

// parseNumber accepts a whole number, optionally signed, in ASCII, Lao, Thai or full-width digits. Thousands
// separators are refused: "1.000" is a thousand in Vietnamese and one in English.
func (f Field) parseNumber(input string) (Value, *InvalidError) {
	s := asciiDigits(strings.TrimSpace(input))
	s = strings.Replace(s, "\u2212", "-", 1) // the minus sign some keyboards produce
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 || body == "" || strings.ContainsFunc(body, func(r rune) bool { return r < '0' || r > '9' }) {
		return Value{}, invalid(CodeNumber)
	}
	bounded := f.Min != 0 || f.Max != 0
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if bounded {
			return Value{}, f.rangeError()
		}
		return Value{}, invalid(CodeNumber)
	}
	if bounded && (n < int64(f.Min) || n > int64(f.Max)) {
		return Value{}, f.rangeError()
	}
	raw := strconv.FormatInt(n, 10)
	return Value{Raw: raw, Display: raw}, nil
}

func (f Field) rangeError() *InvalidError {
	return invalid(CodeNumberRange, "min", strconv.Itoa(f.Min), "max", strconv.Itoa(f.Max))
}
