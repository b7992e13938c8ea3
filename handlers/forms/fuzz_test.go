package forms

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// checkCanonical is the property every parser keeps: no panic, and an accepted input yields a Raw that parses
// again to itself, with a Display that is valid text.
func checkCanonical(t *testing.T, f Field, in string) (Value, bool) {
	t.Helper()
	v, e := f.Parse(in, now)
	if e != nil {
		if !strings.HasPrefix(e.Code, "form.invalid.") {
			t.Fatalf("Parse(%q) code %q", in, e.Code)
		}
		// The message's placeholders are exactly the ones the engine promises for its code, so no text
		// reaches a user with a "{min}" left in it.
		if got, want := slices.Sorted(maps.Keys(e.Args)), slices.Sorted(slices.Values(CodeArgs(e.Code))); !slices.Equal(got, want) {
			t.Fatalf("Parse(%q) = %v: args %v, want %v", in, e, got, want)
		}
		return Value{}, false
	}
	again, e := f.Parse(v.Raw, now)
	if e != nil {
		t.Fatalf("Parse(%q) = %q, but Parse(%q) = %v", in, v.Raw, v.Raw, e)
	}
	if again.Raw != v.Raw {
		t.Fatalf("Parse(%q) = %q, Parse(%q) = %q", in, v.Raw, v.Raw, again.Raw)
	}
	if !utf8.ValidString(v.Raw) || !utf8.ValidString(v.Display) || v.Display == "" {
		t.Fatalf("Parse(%q) = %+v: invalid or empty text", in, v)
	}
	return v, true
}

// e164 is a number in E.164: + and at most 15 digits. The numbering plans decide the least (Germany has
// valid numbers of seven digits with the country code).
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{3,14}$`)

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"0912 345 678", "0912.345.678", "+84 912 345 678", "84912345678", "+856 20 5555 1234",
		"020 5555 1234", "856 20 55551234", "021 123456", "+49 151 12345678", "00420601123456", "+84 (0) 912-345-678",
		"໐໙໑໒໓໔໕໖໗໘", "0237 3852 123", "4915112345678", "++84", "+", "0", "８４９１２３４５６７８", "0151 12345678",
		"8 (495) 123-45-67", "010-1234-5678", "601 123 456", "030 5123456", "+1 202 555 0123", "00", "+800 1234 5678"} {
		f.Add(s)
	}
	phone, contact := Field{Type: TypePhone}, Field{Type: TypeContact}
	f.Fuzz(func(t *testing.T, in string) {
		for _, fl := range []Field{phone, contact} {
			if v, ok := checkCanonical(t, fl, in); ok && !e164.MatchString(v.Raw) {
				t.Fatalf("Parse(%q) = %q, not E.164", in, v.Raw)
			}
			// Read as written in the country answered earlier: still E.164, and canonical without it.
			for _, region := range []string{"DE", "RU", "KR", "CZ", "US", "LA", "VN", "MN"} {
				v, e := fl.parse(in, now, region)
				if e != nil {
					continue
				}
				if !e164.MatchString(v.Raw) || v.Display == "" {
					t.Fatalf("parse(%q, %s) = %+v", in, region, v)
				}
				if again, e := fl.Parse(v.Raw, now); e != nil || again != v {
					t.Fatalf("parse(%q, %s) = %+v, but Parse(Raw) = %+v, %v", in, region, v, again, e)
				}
			}
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"03/05/2001", "3/5/2001", "03-05-2001", "3.5.2001", "2001-05-03", "31/02/2001",
		"03/05/01", "29/02/2024", " 3 / 5 / 2001 ", "໓/໕/໒໐໐໑", "01/09/1905", "02/09/2025", "9999-12-31", "1/1/0000"} {
		f.Add(s)
	}
	date, birth := Field{Type: TypeDate}, Field{Type: TypeBirthdate}
	f.Fuzz(func(t *testing.T, in string) {
		for _, fl := range []Field{date, birth} {
			v, ok := checkCanonical(t, fl, in)
			if !ok {
				continue
			}
			d, err := time.Parse(time.DateOnly, v.Raw)
			if err != nil || d.Format("02/01/2006") != v.Display {
				t.Fatalf("Parse(%q) = %+v: Raw not ISO or Display not dd/mm/yyyy", in, v)
			}
		}
	})
}

func FuzzParseEmail(f *testing.F) {
	for _, s := range []string{"Lan.Nguyen@Gmail.COM", "a@b.vn", "thư@Ví-Dụ.vn", "Lan <lan@x.vn>", "a@[1.2.3.4]",
		`"a b"@x.vn`, "a@b.c", "a@@b.vn", "a@xn--d1acufc.xn--p1ai", "A@İ.COM", "noy@gmial.con", "a@hdu.edu.vm",
		"a@gmx.dee", "a@yahoo.com.vn"} {
		f.Add(s)
	}
	email := Field{Type: TypeEmail}
	f.Fuzz(func(t *testing.T, in string) {
		v, ok := checkCanonical(t, email, in)
		if !ok {
			return
		}
		if strings.Count(v.Raw, "@") != 1 {
			t.Fatalf("Parse(%q) = %q", in, v.Raw)
		}
		// A suggested fix is a valid address, other than the one typed, that would not be questioned itself.
		if fix, ok := suggestEmail(v.Raw); ok {
			w, e := email.Parse(fix, now)
			if e != nil || w.Raw != fix || fix == v.Raw {
				t.Fatalf("suggestEmail(%q) = %q: Parse = %+v, %v", v.Raw, fix, w, e)
			}
			if again, ok := suggestEmail(fix); ok {
				t.Fatalf("suggestEmail(%q) = %q, and then %q", v.Raw, fix, again)
			}
		}
	})
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"Nguyễn Thị Thu Hà", "Le\u0302 Va\u0306n Nam", "ສົມພອນ ພົມມະວົງ", "Seán O’Brien",
		"Jean-Pierre St. Clair", "An 🙂", "\u0301An", "a\x00b", "A", "ຄຳ\u200bຫຼ້າ", "Ǆemal", "ﬁona"} {
		f.Add(s)
	}
	name, latin := Field{Type: TypeName}, Field{Type: TypeName, Script: ScriptLatin}
	f.Fuzz(func(t *testing.T, in string) {
		if v, ok := checkCanonical(t, name, in); ok {
			if n := utf8.RuneCountInString(v.Raw); n < 2 || n > 100 || strings.ContainsAny(v.Raw, "\n\t\x00") {
				t.Fatalf("Parse(%q) = %q", in, v.Raw)
			}
		}
		if v, ok := checkCanonical(t, latin, in); ok {
			if strings.ContainsFunc(v.Raw, func(r rune) bool { return unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) }) {
				t.Fatalf("Latin-only Parse(%q) = %q", in, v.Raw)
			}
		}
	})
}

func FuzzParseText(f *testing.F) {
	for _, s := range []string{"  Hello   world ", "a\r\n\r\n\r\nb", "ສະບາຍດີ\u200bຫຼາຍ", "\u202eevil", "x\u2028y",
		"e\u200b\u0301", " \n \u0085 a"} {
		f.Add(s)
	}
	text, comment := Field{Type: TypeText}, Field{Type: TypeComment}
	f.Fuzz(func(t *testing.T, in string) {
		if v, ok := checkCanonical(t, text, in); ok && strings.Contains(v.Raw, "\n") {
			t.Fatalf("Parse(%q) = %q: line break in one-line text", in, v.Raw)
		}
		if v, ok := checkCanonical(t, comment, in); ok && strings.Contains(v.Raw, "\n\n\n") {
			t.Fatalf("Parse(%q) = %q: more than one blank line", in, v.Raw)
		}
	})
}

func FuzzParseChoices(f *testing.F) {
	for _, s := range []string{"bachelor", "thac si", "ປະລິນຍາໂທ", "sport, culture", "Music, dance", "LA", "Lào",
		"Czech Republic", "có", "ບໍ່", "25", "-0", "+1", "hong duc", "ĐH Hồng Đức", "ຮົ່ງດຶກ", "mua, ca hat", "dạ có ạ"} {
		f.Add(s)
	}
	yn := Field{Type: TypeYesNo}
	number := Field{Type: TypeNumber, Min: -10, Max: 100}
	fields := []Field{levelField(), interestsField(), countryField(), yn, number, {Type: TypeNumber}, universityField(),
		exchangeActivities()}
	f.Fuzz(func(t *testing.T, in string) {
		for _, fl := range fields {
			checkCanonical(t, fl, in)
		}
	})
}

// FuzzState drives a form with arbitrary actions: whatever the order, nothing panics, the state stays
// consistent and survives JSON.
func FuzzState(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, "x")
	f.Add([]byte{0, 0, 0, 4, 4, 5, 1, 7, 8, 2, 6, 0}, "sport")
	f.Add([]byte{0, 0, 0, 5, 0, 10, 11, 0, 0, 1, 2, 10}, "noy@gmial.com")
	fields := append(exchangeForm(), Field{ID: "email", Type: TypeEmail})
	inputs := []string{"Nguyễn Văn An", "0912 345 678", "3/5/2001", "sport", "culture", "note", "noy@gmial.com",
		"noy@gmail.com", ""}
	f.Fuzz(func(t *testing.T, ops []byte, text string) {
		s := New("f", now)
		for i, op := range ops {
			switch op % 12 {
			case 0:
				s.Answer(fields, inputs[i%len(inputs)], now)
			case 1:
				s.Answer(fields, text, now)
			case 2:
				s.Back(fields)
			case 3:
				s.Skip(fields)
			case 4:
				s.Toggle(fields, inputs[i%len(inputs)])
			case 5:
				s.DoneMulti(fields)
			case 6:
				s.Consent(op%2 == 0)
			case 7:
				s.Edit(fields, fields[i%len(fields)].ID)
			case 8:
				s.Submit()
			case 9:
				s.Summary(fields, "lo")
			case 10:
				if g := s.Pending(fields); g != nil {
					s.Decide(fields, g.Token(), op%2 == 0)
				}
			case 11:
				s.Decide(fields, text, true)
			}
			if s.Suggest != nil && s.Pending(fields) != s.Suggest {
				t.Fatalf("suggestion %+v left at %s step %d", s.Suggest, s.Stage, s.Step)
			}
			if g := s.Suggest; g != nil {
				if _, stored := s.Answers[g.Field]; stored && s.Answers[g.Field] == g.Typed {
					t.Fatalf("questioned answer %+v stored before a decision", g.Typed)
				}
			}
			if s.Step < 0 || s.Step > len(fields) {
				t.Fatalf("step %d out of range", s.Step)
			}
			if (s.Stage == StageFilling) != (s.Step < len(fields)) {
				t.Fatalf("stage %s at step %d", s.Stage, s.Step)
			}
			if s.Editing != "" && s.Stage != StageFilling {
				t.Fatalf("editing %q at stage %s", s.Editing, s.Stage)
			}
		}
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back State
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if again, _ := json.Marshal(&back); string(again) != string(data) {
			t.Fatalf("round trip:\n%s\n%s", data, again)
		}
	})
}
