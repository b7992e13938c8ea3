package handlers

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLoggable_KeepsTheQuestionNotThePerson(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Gia hạn thẻ tạm trú ở đâu?", "gia hạn thẻ tạm trú ở đâu"},
		{"Tôi tên Noy, số 020 5555 1234, hỏi về học bổng", "tôi tên noy số # hỏi về học bổng"},
		{"call me +49 151 12345678 or noy.p@gmail.com pls", "call me # or @ pls"},
		{"passport C1234567 lost", "passport # lost"},
		{"sinh ngày 3/5/2001, có được học bổng năm 2027 không", "sinh ngày # có được học bổng năm 2027 không"},
		{"ຂ້ອຍຊື່ ນ້ອຍ ເບີ 020 5555 1234", "ຂ້ອຍຊື່ ນ້ອຍ ເບີ #"},
		{"room 12 floor 3", "room 12 floor 3"},
		{"📞📞📞", ""},
	} {
		if got := Loggable(tc.in); got != tc.want {
			t.Errorf("Loggable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := Loggable(strings.Repeat("học bổng ", 200))
	if n := utf8.RuneCountInString(long); n > maxLogged || strings.HasSuffix(long, " ") || n < maxLogged-10 {
		t.Errorf("a long question kept %d characters (%q…), want at most %d, cut at a word", n, long[:20], maxLogged)
	}
	if n := utf8.RuneCountInString(Loggable(strings.Repeat("ສ", 5000))); n != maxLogged {
		t.Errorf("one endless word kept %d characters, want %d", n, maxLogged)
	}
}

func FuzzLoggable(f *testing.F) {
	f.Add("Tôi tên Noy, số 020 5555 1234")
	f.Add("noy@example.org")
	f.Fuzz(func(t *testing.T, s string) {
		out := Loggable(s)
		if utf8.RuneCountInString(out) > maxLogged {
			t.Fatalf("kept %d characters", utf8.RuneCountInString(out))
		}
		if strings.Contains(out, "@") && out != "@" && !strings.Contains(out, " @") && !strings.HasPrefix(out, "@") {
			t.Fatalf("an e-mail address survived: %q", out)
		}
		if countDigits(strings.ReplaceAll(out, " ", "")) >= 5 && longDigitRun(out) {
			t.Fatalf("a long number survived: %q", out)
		}
	})
}

// longDigitRun reports whether out still has consecutive number words with five digits or more.
func longDigitRun(out string) bool {
	run := 0
	for _, w := range strings.Fields(out) {
		if hasDigit(w) {
			run += countDigits(w)
			if run >= 5 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
