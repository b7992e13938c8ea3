package forms

import (
	"maps"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

// now is the clock of the parse tests: 1 September 2025, 09:00 in Vietnam and Laos (UTC+7).
var now = time.Date(2025, time.September, 1, 9, 0, 0, 0, time.FixedZone("ICT", 7*3600))

// parseCase is one input and what Parse should make of it: a Value (raw, display) or an error code and args.
type parseCase struct {
	name    string
	in      string
	raw     string
	display string // checked when not empty
	code    string
	args    map[string]string
}

func runParse(t *testing.T, f Field, cases []parseCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, e := f.Parse(c.in, now)
			if c.code != "" {
				if e == nil {
					t.Fatalf("Parse(%q) = %+v, want error %s", c.in, v, c.code)
				}
				if e.Code != c.code || (c.args != nil && !maps.Equal(e.Args, c.args)) {
					t.Fatalf("Parse(%q) error = %v, want %s %v", c.in, e, c.code, c.args)
				}
				return
			}
			if e != nil {
				t.Fatalf("Parse(%q) error = %v, want %q", c.in, e, c.raw)
			}
			if v.Raw != c.raw {
				t.Errorf("Parse(%q).Raw = %q, want %q", c.in, v.Raw, c.raw)
			}
			if c.display != "" && v.Display != c.display {
				t.Errorf("Parse(%q).Display = %q, want %q", c.in, v.Display, c.display)
			}
			again, e := f.Parse(v.Raw, now)
			if e != nil || again.Raw != v.Raw {
				t.Errorf("Parse(Raw %q) = %q, %v; want the same Raw", v.Raw, again.Raw, e)
			}
		})
	}
}

func TestParse_Text(t *testing.T) {
	runParse(t, Field{ID: "motivation", Type: TypeText}, []parseCase{
		{name: "collapses spaces", in: "  Hello   world \t", raw: "Hello world"},
		{name: "line breaks become spaces", in: "line one\nline two", raw: "line one line two"},
		{name: "Vietnamese NFD to NFC", in: "Nguye\u0302\u0303n", raw: "Nguyễn"},
		{name: "Lao with zero-width space", in: "ສະບາຍດີ\u200bຫຼາຍໆ", raw: "ສະບາຍດີຫຼາຍໆ"},
		{name: "emoji kept", in: "Tôi thích bóng đá ⚽", raw: "Tôi thích bóng đá ⚽"},
		{name: "blank", in: "   \n\t", code: CodeEmpty},
		{name: "only invisible", in: "\u200b\ufeff", code: CodeEmpty},
		{name: "control character", in: "a\x00b", code: CodeCharacters},
		{name: "escape sequence", in: "a\x1b[31mb", code: CodeCharacters},
		{name: "bidi override", in: "\u202eevil", code: CodeCharacters},
		{name: "invalid UTF-8", in: "a\xffb", code: CodeCharacters},
		{name: "default max", in: strings.Repeat("á", 501), code: CodeTooLong, args: map[string]string{"max": "500"}},
		{name: "default max reached", in: strings.Repeat("á", 500), raw: strings.Repeat("á", 500)},
	})
	runParse(t, Field{ID: "school", Type: TypeText, Min: 3, Max: 5}, []parseCase{
		{name: "too short", in: "ab", code: CodeTooShort, args: map[string]string{"min": "3"}},
		{name: "too long", in: "abcdef", code: CodeTooLong, args: map[string]string{"max": "5"}},
		{name: "Lao counted in characters", in: "ສົມພອນ", code: CodeTooLong},
		{name: "Lao within", in: "ສົມພອ", raw: "ສົມພອ"},
		{name: "Vietnamese counted after NFC", in: "Ho\u0302\u0300ng", raw: "Hồng"},
	})
}

func TestParse_Comment(t *testing.T) {
	runParse(t, Field{ID: "note", Type: TypeComment}, []parseCase{
		{name: "keeps lines", in: "  first   line \r\n second line ", raw: "first line\nsecond line"},
		{name: "one blank line at most", in: "a\n\n\n\n b\n\n", raw: "a\n\nb"},
		{name: "leading blank lines dropped", in: "\n\n x", raw: "x"},
		{name: "Lao", in: "ຂ້ອຍຢາກຮຽນພາສາຫວຽດ\nຂອບໃຈ", raw: "ຂ້ອຍຢາກຮຽນພາສາຫວຽດ\nຂອບໃຈ"},
		{name: "tab", in: "a\tb", raw: "a b"},
		{name: "blank", in: " \n ", code: CodeEmpty},
		{name: "control", in: "a\x07b", code: CodeCharacters},
		{name: "too long", in: strings.Repeat("x", 1001), code: CodeTooLong, args: map[string]string{"max": "1000"}},
	})
}

func TestParse_Name(t *testing.T) {
	runParse(t, Field{ID: "full_name", Type: TypeName}, []parseCase{
		{name: "Vietnamese", in: "Nguyễn Thị Thu Hà", raw: "Nguyễn Thị Thu Hà"},
		{name: "Vietnamese NFD", in: "Le\u0302 Va\u0306n Nam", raw: "Lê Văn Nam"},
		{name: "Vietnamese without marks", in: "nguyen   van an", raw: "nguyen van an"},
		{name: "Lao", in: "ສົມພອນ ພົມມະວົງ", raw: "ສົມພອນ ພົມມະວົງ"},
		{name: "Lao with AM and repeat mark", in: "ຄຳຫຼ້າ ແກ້ວມະນີ", raw: "ຄຳຫຼ້າ ແກ້ວມະນີ"},
		{name: "English with punctuation", in: "Jean-Pierre St. Clair", raw: "Jean-Pierre St. Clair"},
		{name: "typographic apostrophe", in: "Seán O’Brien", raw: "Seán O'Brien"},
		{name: "Cyrillic", in: "Иван Петров", raw: "Иван Петров"},
		{name: "Thai", in: "สมชาย ใจดี", raw: "สมชาย ใจดี"},
		{name: "tab inside", in: "Thảo\tMy", raw: "Thảo My"},
		{name: "digits", in: "Anna123", code: CodeName},
		{name: "emoji", in: "An 🙂", code: CodeName},
		{name: "starts with hyphen", in: "-An", code: CodeName},
		{name: "starts with mark", in: "\u0301An", code: CodeName},
		{name: "at sign", in: "an@example", code: CodeName},
		{name: "one letter", in: "A", code: CodeTooShort, args: map[string]string{"min": "2"}},
		{name: "too long", in: strings.Repeat("a", 101), code: CodeTooLong, args: map[string]string{"max": "100"}},
		{name: "blank", in: "  ", code: CodeEmpty},
		{name: "control", in: "An\x00", code: CodeCharacters},
	})
}

func TestParse_Email(t *testing.T) {
	runParse(t, Field{ID: "email", Type: TypeEmail}, []parseCase{
		{name: "domain lower-cased", in: "Lan.Nguyen@Gmail.COM", raw: "Lan.Nguyen@gmail.com"},
		{name: "trimmed", in: "  somphone@laotel.la ", raw: "somphone@laotel.la"},
		{name: "plus tag", in: "an+hn@hdu.edu.vn", raw: "an+hn@hdu.edu.vn"},
		{name: "IDN", in: "thư@Ví-Dụ.vn", raw: "thư@ví-dụ.vn"},
		{name: "display name", in: "Lan <lan@example.vn>", code: CodeEmail},
		{name: "comment", in: "lan@example.vn (Lan)", code: CodeEmail},
		{name: "no dot in domain", in: "lan@localhost", code: CodeEmail},
		{name: "one-letter tld", in: "lan@example.c", code: CodeEmail},
		{name: "numeric tld", in: "lan@1.2.3.4", code: CodeEmail},
		{name: "domain literal", in: "lan@[1.2.3.4]", code: CodeEmail},
		{name: "hyphen label", in: "lan@-example.vn", code: CodeEmail},
		{name: "two at signs", in: "lan@@example.vn", code: CodeEmail},
		{name: "space", in: "lan nguyen@example.vn", code: CodeEmail},
		{name: "quoted local", in: `"lan"@example.vn`, code: CodeEmail},
		{name: "two addresses", in: "a@b.vn,c@d.vn", code: CodeEmail},
		{name: "no at", in: "lan.example.vn", code: CodeEmail},
		{name: "Lao text", in: "ອີເມວ", code: CodeEmail},
	})
}

func TestParse_Phone(t *testing.T) {
	vn := "+84912345678"
	vnShow := "+84 912 345 678"
	la := "+8562055551234"
	laShow := "+856 20 55 551 234"
	runParse(t, Field{ID: "phone", Type: TypePhone}, []parseCase{
		{name: "VN national spaced", in: "0912 345 678", raw: vn, display: vnShow},
		{name: "VN national dotted", in: "0912.345.678", raw: vn, display: vnShow},
		{name: "VN national hyphens", in: "0912-345-678", raw: vn},
		{name: "VN international", in: "+84 912 345 678", raw: vn, display: vnShow},
		{name: "VN country code bare", in: "84912345678", raw: vn},
		{name: "VN 00 prefix", in: "0084 912 345 678", raw: vn},
		{name: "VN trunk zero kept", in: "+84 (0) 912-345-678", raw: vn},
		{name: "VN prefix 3", in: "0362 123 456", raw: "+84362123456", display: "+84 362 123 456"},
		{name: "VN prefix 5", in: "0562123456", raw: "+84562123456"},
		{name: "VN prefix 7", in: "0702123456", raw: "+84702123456"},
		{name: "VN prefix 8", in: "0888123456", raw: "+84888123456"},
		{name: "VN landline Thanh Hoa", in: "0237 3852 123", raw: "+842373852123", display: "+84 237 3852 123"},
		{name: "VN landline Ha Noi", in: "024 3825 1234", raw: "+842438251234", display: "+84 24 3825 1234"},
		{name: "VN Lao digits", in: "໐໙໑໒໓໔໕໖໗໘", raw: vn},
		{name: "VN Thai digits", in: "๐๙๑๒๓๔๕๖๗๘", raw: vn},
		{name: "VN full-width", in: "０９１２３４５６７８", raw: vn},
		{name: "LA international", in: "+856 20 5555 1234", raw: la, display: laShow},
		{name: "LA national", in: "020 5555 1234", raw: la, display: laShow},
		{name: "LA national packed", in: "02055551234", raw: la},
		{name: "LA bare country code", in: "856 20 55551234", raw: la},
		{name: "LA trunk zero", in: "+856 020 5555 1234", raw: la},
		{name: "LA 00 prefix", in: "00856 20 5555 1234", raw: la},
		{name: "LA landline", in: "+856 21 123 456", raw: "+85621123456", display: "+856 21 123 456"},
		{name: "LA landline national", in: "021 123456", raw: "+85621123456"},
		{name: "Germany", in: "+49 151 12345678", raw: "+4915112345678", display: "+49 1511 2345678"},
		{name: "Germany landline", in: "+49 30 1234567", raw: "+49301234567", display: "+49 30 1234567"},
		{name: "Germany 00 trunk zero", in: "0049 (0)30 1234567", raw: "+49301234567"},
		{name: "USA", in: "+1 (202) 555-0123", raw: "+12025550123", display: "+1 202-555-0123"},
		{name: "UK", in: "+44 7911 123456", raw: "+447911123456", display: "+44 7911 123456"},
		{name: "Thailand", in: "+66 81 234 5678", raw: "+66812345678", display: "+66 81 234 5678"},
		{name: "Cambodia 00", in: "00855 12 345 678", raw: "+85512345678", display: "+855 12 345 678"},
		{name: "LA mobile 030", in: "030 5123456", raw: "+856305123456", display: "+856 30 51 23 456"},
		{name: "LA mobile 030 international", in: "+856 30 512 3456", raw: "+856305123456"},
		{name: "Czechia 00", in: "00420 601 123 456", raw: "+420601123456", display: "+420 601 123 456"},
		{name: "Russia", in: "+7 912 345-67-89", raw: "+79123456789", display: "+7 912 345-67-89"},
		{name: "Korea", in: "+82 10-1234-5678", raw: "+821012345678", display: "+82 10-1234-5678"},
		{name: "Germany too short", in: "+49 151 123", code: CodePhone},
		{name: "longer than E.164", in: "+49 5860 00000000000", code: CodePhone},
		{name: "USA unused area code", in: "+1 111 555 0123", code: CodePhone},
		{name: "foreign national without a country", in: "0151 12345678", code: CodePhone},
		{name: "VN wrong prefix", in: "0612345678", code: CodePhone},
		{name: "VN too short", in: "091234567", code: CodePhone},
		{name: "VN too long", in: "09123456789", code: CodePhone},
		{name: "VN international wrong length", in: "+84 912 345 67", code: CodePhone},
		{name: "LA mobile too short", in: "+856 20 5555 123", code: CodePhone},
		{name: "LA 030 too long", in: "+856 30 5555 1234", code: CodePhone},
		{name: "other too short", in: "+1234567", code: CodePhone},
		{name: "other too long", in: "+1234567890123456", code: CodePhone},
		{name: "country code 0", in: "+0912345678", code: CodePhone},
		{name: "bare foreign number", in: "4915112345678", code: CodePhone},
		{name: "no trunk zero", in: "912345678", code: CodePhone},
		{name: "letters", in: "0912 345 678 ext 2", code: CodePhone},
		{name: "two plus", in: "++84912345678", code: CodePhone},
		{name: "plus inside", in: "84+912345678", code: CodePhone},
		{name: "two numbers", in: "0912345678 / 0987654321", code: CodePhone},
		{name: "words", in: "không có", code: CodePhone},
		{name: "huge", in: strings.Repeat("9", 100), code: CodePhone},
	})
}

func TestParse_Contact(t *testing.T) {
	runParse(t, Field{ID: "phone", Type: TypeContact}, []parseCase{
		{name: "Telegram VN", in: "84912345678", raw: "+84912345678", display: "+84 912 345 678"},
		{name: "Telegram LA", in: "8562055551234", raw: "+8562055551234", display: "+856 20 55 551 234"},
		{name: "Telegram RU", in: "79123456789", raw: "+79123456789", display: "+7 912 345-67-89"},
		{name: "Telegram DE", in: "4915112345678", raw: "+4915112345678"},
		{name: "with plus", in: "+4915112345678", raw: "+4915112345678"},
		{name: "typed national", in: "0912 345 678", raw: "+84912345678"},
		{name: "VN trunk zero bare", in: "840912345678", raw: "+84912345678"},
		{name: "too short", in: "1234567", code: CodePhone},
		{name: "bad VN", in: "84612345678", code: CodePhone},
	})
}

func TestParse_Date(t *testing.T) {
	may3 := "2001-05-03"
	runParse(t, Field{ID: "arrival", Type: TypeDate}, []parseCase{
		{name: "slashes", in: "03/05/2001", raw: may3, display: "03/05/2001"},
		{name: "short slashes", in: "3/5/2001", raw: may3, display: "03/05/2001"},
		{name: "dashes", in: "03-05-2001", raw: may3},
		{name: "dots", in: "3.5.2001", raw: may3},
		{name: "ISO", in: "2001-05-03", raw: may3, display: "03/05/2001"},
		{name: "year first slashes", in: "2001/5/3", raw: may3},
		{name: "spaces around separators", in: " 3 / 5 / 2001 ", raw: may3},
		{name: "Lao digits", in: "໓/໕/໒໐໐໑", raw: may3},
		{name: "leap day", in: "29/02/2024", raw: "2024-02-29"},
		{name: "future is fine", in: "15/01/2030", raw: "2030-01-15"},
		{name: "not a leap year", in: "29/02/2023", code: CodeDate},
		{name: "31 February", in: "31/02/2001", code: CodeDate},
		{name: "31 April", in: "31/04/2001", code: CodeDate},
		{name: "day zero", in: "00/05/2001", code: CodeDate},
		{name: "month 13 (day first)", in: "5/13/2001", code: CodeDate},
		{name: "month first US style", in: "12/25/2001", code: CodeDate},
		{name: "two-digit year", in: "03/05/01", code: CodeDateYear},
		{name: "two-digit year short", in: "3.5.01", code: CodeDateYear},
		{name: "three-digit year", in: "3/5/201", code: CodeDate},
		{name: "five-digit year", in: "3/5/20011", code: CodeDate},
		{name: "mixed separators", in: "03/05-2001", code: CodeDate},
		{name: "doubled separator", in: "03//05/2001", code: CodeDate},
		{name: "no separators", in: "03052001", code: CodeDate},
		{name: "words", in: "3 May 2001", code: CodeDate},
		{name: "Vietnamese words", in: "3 tháng 5 năm 2001", code: CodeDate},
		{name: "four parts", in: "3/5/2001/1", code: CodeDate},
		{name: "before 1900", in: "1/1/1850", code: CodeDate},
		{name: "trailing text", in: "03/05/2001 ok", code: CodeDate},
	})
}

func TestParse_Birthdate(t *testing.T) {
	runParse(t, Field{ID: "born", Type: TypeBirthdate}, []parseCase{
		{name: "student", in: "03/05/2004", raw: "2004-05-03"},
		{name: "today", in: "01/09/2025", raw: "2025-09-01"},
		{name: "tomorrow", in: "02/09/2025", code: CodeDateFuture},
		{name: "next year", in: "2026-01-01", code: CodeDateFuture},
		{name: "exactly 120", in: "01/09/1905", raw: "1905-09-01"},
		{name: "over 120", in: "31/08/1905", code: CodeDateTooOld, args: map[string]string{"max": "120"}},
		{name: "year 1000", in: "1/1/1000", code: CodeDateTooOld},
		{name: "impossible", in: "30/02/2000", code: CodeDate},
		{name: "two-digit year", in: "3/5/04", code: CodeDateYear},
	})
	t.Run("today is in now's time zone", func(t *testing.T) {
		// 23:30 UTC on 31 August is already 1 September in Vietnam.
		late := time.Date(2025, time.August, 31, 23, 30, 0, 0, time.UTC).In(now.Location())
		if _, e := (Field{Type: TypeBirthdate}).Parse("01/09/2025", late); e != nil {
			t.Fatalf("got %v, want accepted", e)
		}
	})
}

func TestParse_Number(t *testing.T) {
	runParse(t, Field{ID: "age", Type: TypeNumber, Min: 16, Max: 40}, []parseCase{
		{name: "plain", in: "25", raw: "25"},
		{name: "spaces and zero", in: " 025 ", raw: "25"},
		{name: "plus", in: "+25", raw: "25"},
		{name: "Lao digits", in: "໒໕", raw: "25"},
		{name: "lower bound", in: "16", raw: "16"},
		{name: "upper bound", in: "40", raw: "40"},
		{name: "below", in: "15", code: CodeNumberRange, args: map[string]string{"min": "16", "max": "40"}},
		{name: "above", in: "41", code: CodeNumberRange},
		{name: "negative", in: "-20", code: CodeNumberRange},
		{name: "overflow", in: "99999999999999999999", code: CodeNumberRange},
		{name: "word", in: "twenty", code: CodeNumber},
		{name: "Vietnamese word", in: "hai mươi", code: CodeNumber},
		{name: "decimal", in: "2.5", code: CodeNumber},
		{name: "thousands", in: "1,000", code: CodeNumber},
		{name: "double sign", in: "--5", code: CodeNumber},
		{name: "sign only", in: "-", code: CodeNumber},
	})
	runParse(t, Field{ID: "n", Type: TypeNumber}, []parseCase{
		{name: "unbounded negative", in: "-3", raw: "-3"},
		{name: "unicode minus", in: "\u22123", raw: "-3"},
		{name: "zero", in: "-0", raw: "0"},
		{name: "unbounded overflow", in: "99999999999999999999", code: CodeNumber},
	})
}

func levelField() Field {
	return Field{ID: "level", Type: TypeChoice, Options: []Option{
		{ID: "bachelor", Label: map[string]string{"en": "Bachelor", "vi": "Đại học", "lo": "ປະລິນຍາຕີ"}},
		{ID: "master", Label: map[string]string{"en": "Master", "vi": "Thạc sĩ", "lo": "ປະລິນຍາໂທ"}},
		{ID: "language", Label: map[string]string{"en": "Vietnamese language course", "vi": "Học tiếng Việt", "lo": "ຮຽນພາສາຫວຽດ"}},
	}}
}

func TestParse_Choice(t *testing.T) {
	runParse(t, levelField(), []parseCase{
		{name: "button id", in: "bachelor", raw: "bachelor", display: "Bachelor"},
		{name: "id any case", in: "MASTER", raw: "master"},
		{name: "English label", in: "vietnamese LANGUAGE course", raw: "language", display: "Vietnamese language course"},
		{name: "Vietnamese label", in: "Thạc  sĩ", raw: "master", display: "Thạc sĩ"},
		{name: "Vietnamese without marks", in: "thac si", raw: "master", display: "Thạc sĩ"},
		{name: "Vietnamese d", in: "dai hoc", raw: "bachelor", display: "Đại học"},
		{name: "Lao label", in: "ປະລິນຍາໂທ", raw: "master", display: "ປະລິນຍາໂທ"},
		{name: "Lao label 2", in: "ຮຽນພາສາຫວຽດ", raw: "language"},
		{name: "unknown", in: "doctor", code: CodeChoice},
		{name: "Lao prefix only", in: "ປະລິນຍາ", code: CodeChoice},
		{name: "Lao marks matter", in: "ປະລນຍາໂທ", code: CodeChoice},
		{name: "blank", in: " ", code: CodeEmpty},
	})
	ambiguous := Field{ID: "fish", Type: TypeChoice, Options: []Option{
		{ID: "a", Label: map[string]string{"vi": "Ca"}},
		{ID: "b", Label: map[string]string{"vi": "Cá"}},
	}}
	runParse(t, ambiguous, []parseCase{
		{name: "exact first", in: "cá", raw: "b"},
		{name: "exact plain", in: "ca", raw: "a"},
		{name: "folded fits two", in: "cà", code: CodeChoice},
	})
}

// universityField is the university question of the shipped scholarship form.
func universityField() Field {
	return Field{ID: "university", Type: TypeChoice, Options: []Option{
		{ID: "hong_duc", Label: map[string]string{"vi": "Đại học Hồng Đức", "lo": "ມະຫາວິທະຍາໄລຮົ່ງດຶກ", "en": "Hồng Đức University"}},
		{ID: "culture_sports_tourism", Label: map[string]string{"vi": "Đại học Văn hóa, Thể thao và Du lịch",
			"lo": "ມະຫາວິທະຍາໄລວັດທະນະທຳ, ກິລາ ແລະ ທ່ອງທ່ຽວ", "en": "University of Culture, Sports and Tourism"}},
		{ID: "other", Label: map[string]string{"vi": "Trường khác", "lo": "ອື່ນໆ", "en": "Other"}},
	}}
}

// TestParse_TypedChoice is what people type instead of tapping: any case, without tone marks, extra spaces,
// decomposed accents, Lao without (or with) spaces, and a shorter or longer form of one label. What fits
// two options is refused, so the buttons come again.
func TestParse_TypedChoice(t *testing.T) {
	hd := "hong_duc"
	nfd := norm.NFD.String("Đại học Hồng Đức")
	runParse(t, universityField(), []parseCase{
		{name: "English without marks", in: "hong duc university", raw: hd, display: "Hồng Đức University"},
		{name: "Vietnamese without marks", in: "Dai hoc Hong Duc", raw: hd, display: "Đại học Hồng Đức"},
		{name: "capitals with Đ", in: "ĐẠI HỌC HỒNG ĐỨC", raw: hd, display: "Đại học Hồng Đức"},
		{name: "decomposed accents", in: nfd, raw: hd},
		{name: "extra spaces", in: "  dai   hoc\thong  duc ", raw: hd},
		{name: "written together", in: "hongduc", raw: hd},
		{name: "shorter form", in: "hong duc", raw: hd},
		{name: "shorter form with marks", in: "Hồng Đức", raw: hd},
		{name: "abbreviation ĐH", in: "ĐH Hồng Đức", raw: hd},
		{name: "with Trường", in: "Trường Đại học Hồng Đức", raw: hd},
		{name: "with Trường and ĐH", in: "truong DH hong duc", raw: hd},
		{name: "longer form", in: "Đại học Hồng Đức Thanh Hóa", code: CodeChoice},
		{name: "Lao", in: "ມະຫາວິທະຍາໄລຮົ່ງດຶກ", raw: hd, display: "ມະຫາວິທະຍາໄລຮົ່ງດຶກ"},
		{name: "Lao with a space", in: "ມະຫາວິທະຍາໄລ ຮົ່ງດຶກ", raw: hd},
		{name: "Lao with zero-width space", in: "ມະຫາວິທະຍາໄລ\u200bຮົ່ງດຶກ", raw: hd},
		{name: "Lao shorter form", in: "ຮົ່ງດຶກ", raw: hd},
		{name: "Lao longer form", in: "ຂ້ອຍຮຽນຢູ່ມະຫາວິທະຍາໄລຮົ່ງດຶກ", code: CodeChoice},
		{name: "Lao without spaces and comma", in: "ມະຫາວິທະຍາໄລວັດທະນະທຳກິລາແລະທ່ອງທ່ຽວ", raw: "culture_sports_tourism"},
		{name: "Lao shorter form 2", in: "ວັດທະນະທຳ", raw: "culture_sports_tourism"},
		{name: "Lao other", in: "ອື່ນ", raw: "other"},
		{name: "Vietnamese without comma", in: "dai hoc van hoa the thao va du lich", raw: "culture_sports_tourism"},
		{name: "Vietnamese words left out", in: "van hoa the thao du lich", raw: "culture_sports_tourism"},
		{name: "English without punctuation", in: "university of culture sports and tourism", raw: "culture_sports_tourism"},
		{name: "other", in: "khac", raw: "other"},
		{name: "ambiguous Vietnamese", in: "Đại học", code: CodeChoice},
		{name: "ambiguous without marks", in: "dai hoc", code: CodeChoice},
		{name: "ambiguous English", in: "University", code: CodeChoice},
		{name: "ambiguous Lao", in: "ມະຫາວິທະຍາໄລ", code: CodeChoice},
		{name: "Lao piece inside a syllable", in: "າວິທະຍາໄລຮົ່ງ", code: CodeChoice},
		{name: "too short to tell", in: "hd", code: CodeChoice},
		{name: "one word of the label", in: "hong", raw: hd},
		{name: "part of a word", in: "hon", code: CodeChoice},
		{name: "another university", in: "Đại học Bách khoa", code: CodeChoice},
	})
	runParse(t, exchangeActivities(), []parseCase{
		{name: "comma list without marks", in: "mua, ca hat", raw: "dance,singing"},
		{name: "capitals and semicolon", in: "MÚA TRUYỀN THỐNG; nấu ăn", raw: "dance,cooking"},
		{name: "shorter forms", in: "dance, photography", raw: "dance,photography"},
		{name: "Lao list", in: "ຟ້ອນ, ຮ້ອງເພງ", raw: "dance,singing"},
		{name: "Lao list with zero-width spaces", in: "ຟ້ອນພື້ນເມືອງ\u200b,\u200bກິລາ", raw: "dance,sports"},
		{name: "a full label then a short one", in: "Múa truyền thống, nấu", raw: "dance,cooking"},
		{name: "two labels in one part", in: "dance and singing", code: CodeChoice},
	})
	runParse(t, countryField(), []parseCase{
		{name: "capitals", in: "ĐỨC", raw: "DE", display: "Đức"},
		{name: "without marks, spaces", in: "  viet   nam ", raw: "VN"},
		{name: "written together", in: "VietNam", raw: "VN"},
		{name: "Lao with zero-width space", in: "ເຢຍ\u200bລະມັນ", raw: "DE"},
		{name: "a longer name stays free text", in: "Cộng hòa Liên bang Đức", raw: "Cộng hòa Liên bang Đức"},
	})
	runParse(t, Field{ID: "yn", Type: TypeYesNo}, []parseCase{
		{name: "capitals and spaces", in: "  KHÔNG  ", raw: "no"},
		{name: "polite yes", in: "Dạ có ạ", raw: "yes"},
		{name: "polite no without marks", in: "khong a", raw: "no"},
		{name: "Lao polite yes", in: "ເຈົ້າ", raw: "yes"},
	})
}

// exchangeActivities is the multichoice question of the shipped exchange form.
func exchangeActivities() Field {
	return Field{ID: "activities", Type: TypeMultiChoice, Min: 1, Max: 3, Options: []Option{
		{ID: "dance", Label: map[string]string{"vi": "Múa truyền thống", "lo": "ຟ້ອນພື້ນເມືອງ", "en": "Traditional dance"}},
		{ID: "singing", Label: map[string]string{"vi": "Ca hát", "lo": "ຮ້ອງເພງ", "en": "Singing"}},
		{ID: "sports", Label: map[string]string{"vi": "Thể thao", "lo": "ກິລາ", "en": "Sports"}},
		{ID: "cooking", Label: map[string]string{"vi": "Nấu ăn", "lo": "ແຕ່ງອາຫານ", "en": "Cooking"}},
		{ID: "photography", Label: map[string]string{"vi": "Nhiếp ảnh", "lo": "ຖ່າຍຮູບ", "en": "Photography"}},
	}}
}

func interestsField() Field {
	return Field{ID: "interests", Type: TypeMultiChoice, Max: 3, Options: []Option{
		{ID: "culture", Label: map[string]string{"en": "Culture", "vi": "Văn hóa", "lo": "ວັດທະນະທຳ"}},
		{ID: "sport", Label: map[string]string{"en": "Sport", "vi": "Thể thao", "lo": "ກິລາ"}},
		{ID: "volunteer", Label: map[string]string{"en": "Volunteering", "vi": "Tình nguyện", "lo": "ອາສາສະໝັກ"}},
		{ID: "music_dance", Label: map[string]string{"en": "Music, dance", "vi": "Âm nhạc, múa", "lo": "ດົນຕີ, ຟ້ອນ"}},
	}}
}

func TestParse_MultiChoice(t *testing.T) {
	runParse(t, interestsField(), []parseCase{
		{name: "ids in option order", in: "sport, culture", raw: "culture,sport", display: "Culture, Sport"},
		{name: "Vietnamese without marks", in: "the thao; van hoa", raw: "culture,sport"},
		{name: "Lao labels", in: "ກິລາ, ວັດທະນະທຳ", raw: "culture,sport"},
		{name: "Lao comma", in: "ກິລາ，ອາສາສະໝັກ", raw: "sport,volunteer"},
		{name: "label with comma", in: "Music, dance", raw: "music_dance"},
		{name: "lines", in: "culture\nsport\n", raw: "culture,sport"},
		{name: "duplicates", in: "culture, Culture, văn hóa", raw: "culture"},
		{name: "one unknown", in: "culture, chess", code: CodeChoice},
		{name: "only commas", in: ", ,", code: CodeEmpty},
		{name: "too many", in: "culture, sport, volunteer, music_dance", code: CodeTooManyChoices, args: map[string]string{"max": "3"}},
	})
	f := interestsField()
	f.Min = 2
	runParse(t, f, []parseCase{
		{name: "too few", in: "culture", code: CodeTooFewChoices, args: map[string]string{"min": "2"}},
	})
}

func countryField() Field {
	return Field{ID: "country", Type: TypeCountry, Options: []Option{
		{ID: "LA", Label: map[string]string{"en": "Laos", "vi": "Lào", "lo": "ລາວ"}},
		{ID: "VN", Label: map[string]string{"en": "Vietnam", "vi": "Việt Nam", "lo": "ຫວຽດນາມ"}},
		{ID: "KH", Label: map[string]string{"en": "Cambodia", "vi": "Campuchia", "lo": "ກຳປູເຈຍ"}},
		{ID: "DE", Label: map[string]string{"en": "Germany", "vi": "Đức", "lo": "ເຢຍລະມັນ"}},
	}}
}

func TestParse_Country(t *testing.T) {
	runParse(t, countryField(), []parseCase{
		{name: "button", in: "LA", raw: "LA", display: "Laos"},
		{name: "id lower case", in: "la", raw: "LA"},
		{name: "Vietnamese label", in: "Lào", raw: "LA", display: "Lào"},
		{name: "Vietnamese without marks", in: "viet nam", raw: "VN", display: "Việt Nam"},
		{name: "Lao label", in: "ລາວ", raw: "LA", display: "ລາວ"},
		{name: "English label", in: "germany", raw: "DE"},
		{name: "free text", in: "Czech Republic", raw: "Czech Republic"},
		{name: "free text Vietnamese", in: "  Hàn   Quốc ", raw: "Hàn Quốc"},
		{name: "free text Lao", in: "ໄທ", raw: "ໄທ"},
		{name: "free text apostrophe", in: "Côte d’Ivoire", raw: "Côte d'Ivoire"},
		{name: "free text brackets", in: "Korea (South)", raw: "Korea (South)"},
		{name: "one letter", in: "X", code: CodeTooShort, args: map[string]string{"min": "2"}},
		{name: "digits", in: "123", code: CodeCountry},
		{name: "emoji flag", in: "🇱🇦", code: CodeCountry},
		{name: "too long", in: strings.Repeat("a", 61), code: CodeTooLong, args: map[string]string{"max": "60"}},
	})
}

func TestParse_YesNo(t *testing.T) {
	runParse(t, Field{ID: "first_time", Type: TypeYesNo}, []parseCase{
		{name: "button yes", in: "yes", raw: "yes", display: "Yes"},
		{name: "button no", in: "no", raw: "no", display: "No"},
		{name: "upper case", in: "YES", raw: "yes"},
		{name: "with full stop", in: "Yes.", raw: "yes"},
		{name: "ok", in: "OK", raw: "yes"},
		{name: "Vietnamese có", in: "Có", raw: "yes", display: "Có"},
		{name: "Vietnamese co", in: "co", raw: "yes"},
		{name: "Vietnamese không", in: "không", raw: "no", display: "Không"},
		{name: "Vietnamese khong", in: "Khong", raw: "no"},
		{name: "Vietnamese ko", in: "ko", raw: "no"},
		{name: "Lao yes", in: "ແມ່ນ", raw: "yes", display: "ແມ່ນ"},
		{name: "Lao no", in: "ບໍ່", raw: "no", display: "ບໍ່"},
		{name: "Lao not so", in: "ບໍ່ແມ່ນ", raw: "no"},
		{name: "maybe", in: "maybe", code: CodeYesNo},
		{name: "Lao maybe", in: "ອາດຈະ", code: CodeYesNo},
	})
	withLabels := Field{ID: "agree", Type: TypeYesNo, Options: []Option{
		{ID: "yes", Label: map[string]string{"en": "I agree", "vi": "Tôi đồng ý"}},
		{ID: "no", Label: map[string]string{"en": "I do not agree", "vi": "Tôi không đồng ý"}},
	}}
	runParse(t, withLabels, []parseCase{
		{name: "label", in: "i agree", raw: "yes", display: "I agree"},
		{name: "Vietnamese label", in: "toi khong dong y", raw: "no", display: "Tôi không đồng ý"},
		{name: "still a word", in: "có", raw: "yes"},
	})
}

func TestParse_UnknownType(t *testing.T) {
	if _, e := (Field{ID: "x", Type: "colour"}).Parse("red", now); e == nil || e.Code != CodeValue {
		t.Fatalf("got %v, want %s", e, CodeValue)
	}
}

func TestDisplay_InLanguage(t *testing.T) {
	level, interests, country := levelField(), interestsField(), countryField()
	yn := Field{ID: "yn", Type: TypeYesNo}
	tests := []struct {
		name string
		f    Field
		in   string
		lang string
		want string
	}{
		{"choice typed in Lao shown in English", level, "ປະລິນຍາໂທ", "en", "Master"},
		{"choice id shown in Lao", level, "master", "lo", "ປະລິນຍາໂທ"},
		{"choice unknown language falls back to English", level, "master", "de", "Master"},
		{"multichoice in Vietnamese", interests, "sport,culture", "vi", "Văn hóa, Thể thao"},
		{"country option in Lao", country, "viet nam", "lo", "ຫວຽດນາມ"},
		{"country free text as typed", country, "Czech Republic", "lo", "Czech Republic"},
		{"yes in Vietnamese", yn, "ແມ່ນ", "vi", "Có"},
		{"no in Lao", yn, "no", "lo", "ບໍ່"},
		{"phone", Field{Type: TypePhone}, "0912345678", "lo", "+84 912 345 678"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, e := tt.f.Parse(tt.in, now)
			if e != nil {
				t.Fatal(e)
			}
			if got := tt.f.Display(v, tt.lang); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestChoices(t *testing.T) {
	got := levelField().Choices("vi")
	want := []Choice{{"bachelor", "Đại học"}, {"master", "Thạc sĩ"}, {"language", "Học tiếng Việt"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %v, want %v", got[i], want[i])
		}
	}
	if yn := (Field{Type: TypeYesNo}).Choices("lo"); len(yn) != 2 || yn[0] != (Choice{"yes", "ແມ່ນ"}) || yn[1] != (Choice{"no", "ບໍ່"}) {
		t.Errorf("yesno choices = %v", yn)
	}
	if c := (Field{Type: TypeText}).Choices("en"); c != nil {
		t.Errorf("text choices = %v, want nil", c)
	}
}

func TestLabel(t *testing.T) {
	tests := []struct {
		name   string
		prompt map[string]string
		lang   string
		want   string
	}{
		{"first line", map[string]string{"en": "Full name\nAs written in your passport."}, "en", "Full name"},
		{"question mark", map[string]string{"vi": "Số điện thoại của bạn?"}, "vi", "Số điện thoại của bạn"},
		{"colon", map[string]string{"lo": "ເບີໂທລະສັບ:"}, "lo", "ເບີໂທລະສັບ"},
		{"fallback to English", map[string]string{"en": "Email", "vi": "Email"}, "lo", "Email"},
		{"fallback to id", nil, "en", "field_id"},
		{"shortened", map[string]string{"en": strings.Repeat("word ", 20)}, "en", strings.TrimSpace(strings.Repeat("word ", 12)) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Field{ID: "field_id", Prompt: tt.prompt}
			if got := f.Label(tt.lang); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCodes_Unique(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Codes() {
		if seen[c] || !strings.HasPrefix(c, "form.invalid.") {
			t.Errorf("code %q duplicated or not a form.invalid key", c)
		}
		seen[c] = true
	}
}
