package forms

import (
	"strconv"
	"strings"
	"time"
)

// parseDate accepts three numbers separated by one kind of separator ("/", "-" or "."), spaces around it
// allowed, in ASCII, Lao or Thai digits:
//
//   - day first, as Vietnam and Laos write: 03/05/2001, 3/5/2001, 03-05-2001, 3.5.2001 (3 May 2001);
//   - year first (ISO): 2001-05-03.
//
// The year must have four digits: 03/05/01 could be 1901 or 2001, and a birth date is exactly where that
// matters, so it is refused with CodeDateYear rather than guessed. Raw is ISO (2006-01-02), Display is
// dd/mm/yyyy — the form the user most likely typed and will recognise. Plain dates must fall in 1900–2100;
// birth dates must not be after today (in now's time zone) nor more than MaxAge years before it.
func parseDate(input string, now time.Time, birth bool) (Value, *InvalidError) {
	parts, ok := dateParts(asciiDigits(strings.TrimSpace(input)))
	if !ok {
		return Value{}, invalid(CodeDate)
	}
	var y, m, d string
	switch {
	case len(parts[0]) == 4:
		y, m, d = parts[0], parts[1], parts[2]
	case len(parts[2]) == 2 && len(parts[0]) <= 2 && len(parts[1]) <= 2:
		return Value{}, invalid(CodeDateYear)
	default:
		d, m, y = parts[0], parts[1], parts[2]
	}
	if len(y) != 4 || len(m) > 2 || len(d) > 2 {
		return Value{}, invalid(CodeDate)
	}
	yy, _ := strconv.Atoi(y)
	mm, _ := strconv.Atoi(m)
	dd, _ := strconv.Atoi(d)
	t := time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if mm < 1 || mm > 12 || dd < 1 || t.Day() != dd || t.Month() != time.Month(mm) {
		return Value{}, invalid(CodeDate) // 31/02 and friends: time.Date would quietly roll them over
	}
	if birth {
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		if t.After(today) {
			return Value{}, invalid(CodeDateFuture)
		}
		if t.Before(today.AddDate(-MaxAge, 0, 0)) {
			return Value{}, invalid(CodeDateTooOld, "max", strconv.Itoa(MaxAge))
		}
	} else if yy < 1900 || yy > 2100 {
		return Value{}, invalid(CodeDate)
	}
	return Value{Raw: t.Format(time.DateOnly), Display: t.Format("02/01/2006")}, nil
}

// dateParts splits "d/m/y"-shaped input into its three runs of at most four digits. The two separators must
// be the same character; spaces around them are allowed.
func dateParts(s string) ([3]string, bool) {
	var parts [3]string
	var sep byte
	for k := range 3 {
		s = strings.TrimLeft(s, " ")
		n := 0
		for n < len(s) && n < 5 && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 0 || n > 4 {
			return parts, false
		}
		parts[k], s = s[:n], strings.TrimLeft(s[n:], " ")
		if k == 2 {
			break
		}
		if s == "" || (s[0] != '/' && s[0] != '-' && s[0] != '.') || (k == 1 && s[0] != sep) {
			return parts, false
		}
		sep, s = s[0], s[1:]
	}
	return parts, s == ""
}
