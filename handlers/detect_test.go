package handlers

import "testing"

func TestDetectLang(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		// Vietnamese, with and without tone marks.
		{"Xin chào, tôi muốn hỏi về miễn thị thực cho người Việt Nam ở nước ngoài", "vi"},
		{"cho toi hoi ve mien thi thuc cho kieu bao", "vi"},
		{"CHO TOI HOI VE HOC BONG", "vi"},
		{"Làm sao để đăng ký học bổng?", "vi"},
		{"xin chao", "vi"},
		{"ban oi, visa het han thi lam the nao", "vi"},
		{"Tôi là sinh viên Lào", "vi"},
		// Lao, with and without spaces.
		{"ສະບາຍດີ ຂ້ອຍຢາກຖາມກ່ຽວກັບວີຊາ", "lo"},
		{"ຂ້ອຍຢາກຮູ້ກ່ຽວກັບທຶນການສຶກສາ", "lo"},
		// Not sure: English, German, names, one word, numbers, Lao mixed into an English sentence.
		{"I want to ask about the visa exemption for overseas Vietnamese", ""},
		{"can you help me", ""},
		{"Ich möchte nach dem Visum fragen", ""},
		{"Nguyễn Văn An", ""},
		{"Lê Thị Hoa", ""},
		{"Nguyen Van An", ""},
		{"khong", ""},
		{"có", ""},
		{"0912 345 678", ""},
		{"hello", ""},
		{"Hồng Đức University", ""},
		{"Where is the office of the Union?", ""},
		{"", ""},
	} {
		if got := DetectLang(tc.text); got != tc.want {
			t.Errorf("DetectLang(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestIsLao(t *testing.T) {
	for text, want := range map[string]bool{
		"ສະບາຍດີ":       true,
		"ສະບາຍດີ hello": true,
		"hello ສະ":      false,
		"xin chào":      false,
		"":              false,
		"ບັດ tạm trú ໝົດອາຍຸ": true,
		"123 !!": false,
		"ສ":      false,
	} {
		if got := IsLao(text); got != want {
			t.Errorf("IsLao(%q) = %v, want %v", text, got, want)
		}
	}
}

func FuzzDetectLang(f *testing.F) {
	for _, s := range []string{"Xin chào", "cho toi hoi", "ສະບາຍດີ", "hello", "\xff\xfe", "đ̀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		switch DetectLang(s) {
		case "", "vi", "lo":
		default:
			t.Fatalf("DetectLang(%q) named a language it does not detect", s)
		}
	})
}

// BenchmarkDetectLang measures the detection every free-text message of an undecided user goes through.
func BenchmarkDetectLang(b *testing.B) {
	texts := []string{
		"Xin chào, tôi muốn hỏi về miễn thị thực cho người Việt Nam ở nước ngoài",
		"cho toi hoi ve mien thi thuc cho kieu bao",
		"ສະບາຍດີ ຂ້ອຍຢາກຖາມກ່ຽວກັບວີຊາ",
		"I want to ask about the visa exemption for overseas Vietnamese",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		DetectLang(texts[i%len(texts)])
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/message")
}
