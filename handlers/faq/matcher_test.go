package faq_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Gia hạn THẺ tạm trú ở đâu???", "gia hạn thẻ tạm trú ở đâu"},
		{"  hello,world!! 😀 ", "hello world"},
		{"ສະບາຍດີ! ຂ້ອຍ", "ສະບາຍດີ ຂ້ອຍ"},
		{"Hoa\u0300", "hoà"}, // decomposed input becomes NFC
		{"", ""},
	}
	for _, tt := range tests {
		if got := faq.Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"gia hạn thẻ tạm trú", "gia han the tam tru"},
		{"đăng ký học bổng", "dang ky hoc bong"},
		{"Đức", "Duc"},
		{"ສະບາຍດີ", "ສະບາຍດີ"}, // Lao marks are not accents
		{"visa", "visa"},
	}
	for _, tt := range tests {
		if got := faq.Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLang(t *testing.T) {
	for q, want := range map[string]string{
		"Học bổng cho sinh viên Lào":   "vi",
		"hoc bong cho sinh vien lao":   "vi",
		"ທຶນການສຶກສາ":                  "lo",
		"scholarship for lao students": "en",
	} {
		if got := faq.Lang(q); got != want {
			t.Errorf("Lang(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestMatcher_ToneMarksAndShorthand(t *testing.T) {
	m := knowledgeBase(t)
	tests := []struct{ q, topic string }{
		{"gia han the tam tru o dau", "residence_card"},
		{"gia hạn thẻ tạm trú ở đâu", "residence_card"},
		{"học bổng lào", "scholarships_overview"},
		{"hb cho sv lao", "scholarships_overview"},
		{"bhyt cho sv nuoc ngoai mua o dau", "health_insurance"},
		{"ເບີໂທສຸກເສີນ", "emergency_numbers"},
		{"hoc bongg cho sinh vien lao", "scholarships_overview"}, // typo
	}
	for _, tt := range tests {
		if got := m.Match(tt.q); got.Topic != tt.topic {
			t.Errorf("Match(%q) = %q (best %s %.2f conf %.2f), want %q", tt.q, got.Topic, got.Best.Topic, got.Best.Score, got.Confidence, tt.topic)
		}
	}
}

func TestMatcher_DeclinesAndIsDeterministic(t *testing.T) {
	m := knowledgeBase(t)
	for _, q := range []string{"", "???", "giá vàng hôm nay", "who won the football match", "asdfgh qwerty"} {
		if got := m.Match(q); got.Topic != "" {
			t.Errorf("Match(%q) = %q, want a decline", q, got.Topic)
		}
	}
	a, b := m.Match("hoc bong"), m.Match("hoc bong")
	if a.Best != b.Best || len(a.Runners) != len(b.Runners) {
		t.Errorf("not deterministic: %+v vs %+v", a, b)
	}
	for _, r := range a.Runners {
		if r.Topic == a.Best.Topic || r.Topic == faq.OutOfScope {
			t.Errorf("runner %q repeats the best or is the out-of-scope class", r.Topic)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Gia hạn thẻ", "ສະບາຍດີ", "😀!!", "Đ\u0300", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := faq.Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q, invalid UTF-8", s, n)
		}
		if faq.Normalize(n) != n {
			t.Fatalf("Normalize not idempotent on %q: %q → %q", s, n, faq.Normalize(n))
		}
		if strings.Contains(n, "  ") || strings.TrimSpace(n) != n {
			t.Fatalf("Normalize(%q) = %q has stray spaces", s, n)
		}
		_ = faq.Fold(n)
	})
}

func FuzzMatch(f *testing.F) {
	m := knowledgeBase(f)
	for _, s := range []string{"gia han the tam tru", "ທຶນ", "visa", "", "a a a a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		r := m.Match(q)
		if r.Topic != "" && r.Topic != r.Best.Topic {
			t.Fatalf("Topic %q is not Best %q", r.Topic, r.Best.Topic)
		}
		if r.Confidence < 0 || r.Confidence > 1.0001 {
			t.Fatalf("confidence %v out of range for %q", r.Confidence, q)
		}
	})
}

// BenchmarkMatch measures one question against the full knowledge base (all topics, three languages).
func BenchmarkMatch(b *testing.B) {
	m := knowledgeBase(b)
	qs := []string{
		"gia han the tam tru o dau",
		"Sinh viên Lào có học bổng của tỉnh không ạ?",
		"ຢາກລົມກັບພະນັກງານແທ້ໆ ເຮັດແນວໃດ",
		"how do i stop getting announcements",
		"giá vàng hôm nay",
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.Match(qs[i%len(qs)])
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/query")
}

// BenchmarkIndex measures building the index at start.
func BenchmarkIndex(b *testing.B) {
	c := loadContent(b)
	entries, syns := faq.EntriesOf(c.FAQ), faq.SynonymsOf(c.FAQ)
	b.ReportAllocs()
	for b.Loop() {
		faq.New(entries, syns, faq.Options{})
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/build")
}
