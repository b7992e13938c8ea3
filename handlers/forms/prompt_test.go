package forms

import (
	"slices"
	"strings"
	"testing"
)

func TestParse_NameInLatinLetters(t *testing.T) {
	runParse(t, Field{ID: "full_name", Type: TypeName, Script: ScriptLatin}, []parseCase{
		{name: "Lao name in Latin letters", in: "Noy Phommasane", raw: "Noy Phommasane"},
		{name: "Vietnamese with marks", in: "Nguyễn Thị Thu Hà", raw: "Nguyễn Thị Thu Hà"},
		{name: "Vietnamese NFD", in: "Le\u0302 Va\u0306n Đa\u0323t", raw: "Lê Văn Đạt"},
		{name: "apostrophe and hyphen", in: "Seán O’Brien-Smith", raw: "Seán O'Brien-Smith"},
		{name: "Lao script", in: "ສົມພອນ ພົມມະວົງ", code: CodeLatin},
		{name: "Lao with AM", in: "ຄຳຫຼ້າ", code: CodeLatin},
		{name: "Latin and Lao mixed", in: "Noy ພົມມະວົງ", code: CodeLatin},
		{name: "Thai", in: "สมชาย ใจดี", code: CodeLatin},
		{name: "Cyrillic", in: "Иван Петров", code: CodeLatin},
		{name: "digits are still a name problem", in: "Noy 123", code: CodeName},
	})
}

// The example in an error message comes from the field: a 1–6 question never hears "like 25", and a date
// question hears the example its prompt shows.
func TestParse_ErrorExampleFitsTheField(t *testing.T) {
	year := Field{ID: "year_of_study", Type: TypeNumber, Min: 1, Max: 6}
	runParse(t, year, []parseCase{
		{name: "word", in: "third", code: CodeNumber, args: map[string]string{"example": "3"}},
		{name: "out of range", in: "25", code: CodeNumberRange, args: map[string]string{"min": "1", "max": "6"}},
	})
	runParse(t, Field{ID: "born", Type: TypeNumber, Min: 1950, Max: 2010}, []parseCase{
		{name: "year range", in: "nineteen", code: CodeNumber, args: map[string]string{"example": "1980"}},
	})
	runParse(t, Field{ID: "people", Type: TypeNumber}, []parseCase{
		{name: "unbounded", in: "a few", code: CodeNumber, args: map[string]string{"example": "25"}},
	})
	runParse(t, Field{ID: "guests", Type: TypeNumber, Min: 1, Max: 4, Example: "2"}, []parseCase{
		{name: "given example", in: "two", code: CodeNumber, args: map[string]string{"example": "2"}},
	})
	birth := Field{ID: "birth_date", Type: TypeBirthdate, Example: "3/5/2004"}
	runParse(t, birth, []parseCase{
		{name: "not a date", in: "May", code: CodeDate, args: map[string]string{"example": "03/05/2004"}},
		{name: "two-digit year", in: "3/5/04", code: CodeDateYear, args: map[string]string{"example": "03/05/2004"}},
		{name: "future has no example", in: "3/5/2030", code: CodeDateFuture, args: map[string]string{}},
	})
	runParse(t, Field{ID: "arrival", Type: TypeDate}, []parseCase{
		{name: "default example", in: "soon", code: CodeDate, args: map[string]string{"example": "03/05/2001"}},
	})
}

func TestPromptIn_FillsPlaceholders(t *testing.T) {
	fields := []Field{
		{ID: "university", Type: TypeChoice, Prompt: map[string]string{
			"en": "University\nChoose “Other” and write its name in question {step:university_other}.",
			"lo": "ມະຫາວິທະຍາໄລ\nຂຽນຊື່ໃນຄຳຖາມທີ {step:university_other}."}},
		{ID: "university_other", Type: TypeText, Prompt: map[string]string{
			"en": "Other university\nOnly if you chose “Other” in question {step:university}."}},
		{ID: "born", Type: TypeBirthdate, Example: "03/05/2004", Prompt: map[string]string{
			"en": "Date of birth\nDay/month/year, for example {example}."}},
		{ID: "year", Type: TypeNumber, Min: 1, Max: 6, Prompt: map[string]string{
			"en": "Year of study\nFor example {example}; not {unknown} nor {step:gone}."}},
	}
	for _, tt := range []struct {
		i          int
		lang, want string
	}{
		{0, "en", "University\nChoose “Other” and write its name in question 2."},
		{0, "lo", "ມະຫາວິທະຍາໄລ\nຂຽນຊື່ໃນຄຳຖາມທີ 2."},
		{1, "vi", "Other university\nOnly if you chose “Other” in question 1."}, // English fallback
		{2, "en", "Date of birth\nDay/month/year, for example 03/05/2004."},
		{3, "en", "Year of study\nFor example 3; not {unknown} nor {step:gone}."}, // what validation refuses stays visible
	} {
		if got := fields[tt.i].PromptIn(fields, tt.lang); got != tt.want {
			t.Errorf("field %s in %s: got %q, want %q", fields[tt.i].ID, tt.lang, got, tt.want)
		}
	}
	if got := fields[0].Label("en"); got != "University" {
		t.Errorf("label: got %q", got)
	}
}

// TestValidate_Prompts gives check broken prompts of each kind the shipped forms once had (or could have), in
// the three languages, and the sound versions, which must pass.
func TestValidate_Prompts(t *testing.T) {
	p := func(en, vi, lo string) map[string]string { return map[string]string{"en": en, "vi": vi, "lo": lo} }
	uni := Field{ID: "university", Type: TypeChoice, Required: true,
		Options: []Option{{ID: "hong_duc", Label: p("Hồng Đức University", "Đại học Hồng Đức", "ມະຫາວິທະຍາໄລຮົ່ງດຶກ")}, {ID: "other", Label: p("Other", "Trường khác", "ອື່ນໆ")}},
		Prompt: p("University\nIf it is not listed, choose “Other” and write its name in question {step:university_other}.",
			"Trường\nNếu không có trong danh sách, hãy chọn “Trường khác” và ghi tên trường ở câu {step:university_other}.",
			"ມະຫາວິທະຍາໄລ\nຖ້າບໍ່ມີໃນລາຍການ, ໃຫ້ເລືອກ “ອື່ນໆ” ແລ້ວຂຽນຊື່ມະຫາວິທະຍາໄລໃນຄຳຖາມທີ {step:university_other}.")}
	other := Field{ID: "university_other", Type: TypeText, Max: 150,
		Prompt: p("Other university\nOnly if you chose “Other” in question {step:university}. Otherwise tap “Skip”.",
			"Tên trường khác\nChỉ trả lời nếu ở câu {step:university} bạn chọn “Trường khác”. Nếu không, bấm “Bỏ qua”.",
			"ຊື່ມະຫາວິທະຍາໄລອື່ນ\nຕອບສະເພາະເມື່ອເຈົ້າເລືອກ “ອື່ນໆ” ໃນຄຳຖາມທີ {step:university}. ຖ້າບໍ່ແມ່ນ, ກົດ “ຂ້າມ”.")}
	name := Field{ID: "full_name", Type: TypeName, Required: true, Script: ScriptLatin,
		Prompt: p("Full name\nIn Latin letters, as written in your passport.", "Họ và tên\nViết bằng chữ Latinh, đúng như trong hộ chiếu.",
			"ຊື່ ແລະ ນາມສະກຸນ\nຂຽນເປັນຕົວອັກສອນລາຕິນ ຄືກັບໃນໜັງສືຜ່ານແດນ.")}
	born := Field{ID: "birth_date", Type: TypeBirthdate, Required: true, Example: "03/05/2004",
		Prompt: p("Date of birth\nDay/month/year, for example {example}.", "Ngày sinh\nNgày/tháng/năm, ví dụ 03/05/2004.", "ວັນເດືອນປີເກີດ\nວັນ/ເດືອນ/ປີ, ເຊັ່ນ {example}.")}
	year := Field{ID: "year_of_study", Type: TypeNumber, Required: true, Min: 1, Max: 6,
		Prompt: p("Year of study\nType a number from 1 to 6.", "Năm học\nGõ một số từ 1 đến 6.", "ປີຮຽນ\nພິມຕົວເລກ 1 ຫາ 6.")}
	phone := Field{ID: "phone", Type: TypePhone, Required: true,
		Prompt: p("Phone number\nFor example 0912 345 678 or 020 5555 1234.", "Số điện thoại\nVí dụ 0912 345 678 hoặc 020 5555 1234.",
			"ເບີໂທລະສັບ\nເຊັ່ນ 0912 345 678 ຫຼື 020 5555 1234.")}
	motivation := Field{ID: "motivation", Type: TypeComment, Required: true, Min: 30, Max: 1000,
		Prompt: p("Why\nA few sentences (30 to 1000 characters).", "Lý do\nVài câu (30 đến 1000 ký tự).", "ເຫດຜົນ\nສອງສາມປະໂຫຍກ (30 ຫາ 1000 ຕົວອັກສອນ).")}
	email := Field{ID: "email", Type: TypeEmail,
		Prompt: p("E-mail\nOptional: if you have none, tap “Skip”.", "Email\nKhông bắt buộc: nếu không có, bấm “Bỏ qua”.", "ອີເມວ\nບໍ່ບັງຄັບ: ຖ້າບໍ່ມີ, ກົດ “ຂ້າມ”.")}
	sound := []Field{name, born, uni, other, year, phone, email, motivation}
	if errs := ValidateFields(sound, []string{"en", "vi", "lo"}); len(errs) != 0 {
		t.Fatalf("sound form: %v", errs)
	}

	// with replaces the prompt of one field in one language.
	with := func(f Field, lang, prompt string) Field {
		f.Prompt = map[string]string{lang: prompt}
		return f
	}
	tests := []struct {
		name string
		f    Field
		want string
	}{
		{"last question, en", with(uni, "en", "University\nChoose “Other” and write its name in the last question."), `en prompt refers to another question by its place ("last question")`},
		{"last question, vi", with(uni, "vi", "Trường\nHãy chọn “Trường khác” và ghi tên trường ở câu cuối."), `vi prompt refers to another question by its place ("câu cuối")`},
		{"last question, lo", with(uni, "lo", "ມະຫາວິທະຍາໄລ\nຂຽນຊື່ໃນຄຳຖາມສຸດທ້າຍ."), `lo prompt refers to another question by its place ("ຄຳຖາມສຸດທ້າຍ")`},
		{"question by number", with(uni, "en", "University\nWrite its name in question 4."), `("question 4")`},
		{"next question, vi", with(uni, "vi", "Trường\nGhi tên ở câu tiếp theo."), `("câu tiếp theo")`},
		{"field that does not exist", with(uni, "en", "University\nWrite its name in question {step:uni_other}."), `en prompt refers to {step:uni_other}, but the form has no field "uni_other"`},
		{"itself", with(uni, "en", "University\nAs in question {step:university}."), `refers to itself`},
		{"step without id", with(uni, "en", "University\nSee question {step}."), `{step} needs a field id`},
		{"placeholder in the label", with(uni, "en", "University {step:university_other}\nChoose one."), `in its first line`},
		{"unknown placeholder", with(uni, "en", "University\nChoose {choice}."), `unknown placeholder {choice}`},
		{"example in a choice", with(uni, "en", "University\nFor example {example}."), `{example} works in date, birthdate and number questions only`},
		{"optional on a required field", with(year, "vi", "Năm học\nKhông bắt buộc."), `vi prompt says the question is optional ("Không bắt buộc")`},
		{"Skip on a required field", with(year, "lo", "ປີຮຽນ\nຖ້າບໍ່ຮູ້, ກົດ “ຂ້າມ”."), `lo prompt mentions the Skip button`},
		{"Latin asked, not enforced", func() Field { f := name; f.Script = ""; return f }(), `en prompt asks for Latin letters, but the field takes any script: add ` + "`script: latin`"},
		{"Latin enforced, not said", with(name, "vi", "Họ và tên\nĐúng như trong hộ chiếu."), `vi prompt does not say the name must be in Latin letters`},
		{"number outside the range", with(year, "en", "Year of study\nFor example 25."), `en prompt gives the number 25, outside the field's range 1–6`},
		{"range written wider", with(year, "vi", "Năm học\nGõ một số từ 1 đến 7."), `vi prompt gives the number 7`},
		{"Lao digits", with(year, "lo", "ປີຮຽນ\nພິມຕົວເລກ ໑ ຫາ ໙."), `lo prompt gives the number 9`},
		{"picks", Field{ID: "a", Type: TypeMultiChoice, Min: 1, Max: 3, Options: uni.Options,
			Prompt: map[string]string{"en": "Activities\nPick 1 to 4."}}, `between 1 and 3 options can be picked`},
		{"length", with(motivation, "en", "Why\nAt most 2000 characters."), `en prompt gives a length of 2000 characters, but the field takes 30 to 1000`},
		{"date other than the example", with(born, "en", "Date of birth\nFor example 03/05/2001."), `en prompt shows the date 03/05/2001, but the error messages show 03/05/2004`},
		{"impossible date", with(born, "en", "Date of birth\nFor example 31/02/2004."), `31/02/2004, which is not a valid day/month/year date`},
		{"phone example refused", with(phone, "en", "Phone number\nFor example 0912 345."), `"0912 345" as an example, which is not a phone number the field accepts`},
		{"example not a date", func() Field { f := born; f.Example = "May 2004"; return f }(), `example "May 2004" is not a date`},
		{"example outside the range", func() Field { f := year; f.Example = "9"; return f }(), `example "9" is not a number the field accepts`},
		{"example on text", func() Field { f := other; f.Example = "x"; return f }(), `example applies to date, birthdate and number fields only`},
		{"script on text", func() Field { f := other; f.Script = ScriptLatin; return f }(), `script applies to name fields only`},
		{"unknown script", func() Field { f := name; f.Script = "lao"; return f }(), `script "lao": want latin`},
		{"placeholder in an option", func() Field {
			f := uni
			f.Options = append([]Option{{ID: "x", Label: map[string]string{"en": "See {step:university_other}"}}}, f.Options...)
			return f
		}(), `option "x": en label has {step:university_other}, but placeholders work in prompts only`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := append([]Field(nil), sound...)
			if i := slices.IndexFunc(fields, func(f Field) bool { return f.ID == tt.f.ID }); i >= 0 {
				fields[i] = tt.f
			} else {
				fields = append(fields, tt.f)
			}
			var got []string
			for _, err := range ValidateFields(fields, nil) {
				got = append(got, err.Error())
			}
			for _, g := range got {
				if strings.Contains(g, tt.want) && strings.HasPrefix(g, `field "`+tt.f.ID+`": `) {
					return
				}
			}
			t.Errorf("got %q, want an error of field %q containing %q", got, tt.f.ID, tt.want)
		})
	}
}

func TestValidateMessage(t *testing.T) {
	tests := []struct {
		code, text, want string // want "" means valid
	}{
		{CodeNumber, "Please answer with a whole number in digits, like {example}.", ""},
		{CodeNumber, "Please answer with a whole number in digits, like 25.", "writes the number 25, which does not fit every question: write {example}"},
		{CodeNumber, "ກະລຸນາຕອບເປັນຕົວເລກ, ເຊັ່ນ ໒໕.", "writes the number 25"},
		{CodeDate, "Please write day/month/year, like 03/05/2001.", "writes the number 03"},
		{CodeDateYear, "Please write four digits: with 01 I can't tell 1901 from 2001.", "writes the number 01"},
		{CodeNumberRange, "Please give a number from {min} to {max}.", ""},
		{CodeNumberRange, "Please give a number from {min} to {maximum}.", "{maximum} is not filled in for form.invalid.number_range (it has {min}, {max})"},
		{CodeName, "Please write the name as {example}.", "{example} is not filled in for form.invalid.name, which has no placeholders"},
		{CodeTooShort, "At least {min} characters, or 2 words.", "writes the number 2, which does not fit every question"},
		{CodePhone, "Write it like 0912 345 678 (Vietnam), 020 5555 1234 (Laos) or +49 151 1234 5678.", ""},
		{CodePhone, "Write it like 0912 345 67 (Vietnam).", `gives "0912 345 67" as an example, which the phone parser refuses`},
	}
	for _, tt := range tests {
		errs := ValidateMessage(tt.code, tt.text)
		switch {
		case tt.want == "" && len(errs) > 0:
			t.Errorf("%s %q: got %v, want no problem", tt.code, tt.text, errs)
		case tt.want != "" && (len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.want)):
			t.Errorf("%s %q: got %v, want one problem containing %q", tt.code, tt.text, errs, tt.want)
		}
	}
}
