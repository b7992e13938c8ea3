package messages_test

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode"

	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// withFiles layers files (path → content) over the embedded content.
func withFiles(files map[string]string) fs.FS {
	top := fstest.MapFS{}
	for name, data := range files {
		top[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return messages.Overlay(top, messages.FS(""))
}

var hcm = mustZone("Asia/Ho_Chi_Minh")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func TestProgrammes_EmbeddedLoadWithSampleWarningsOnly(t *testing.T) {
	c, warnings, err := messages.Load(messages.FS(""))
	if err != nil {
		t.Fatalf("embedded content: %v", err)
	}
	var ids []string
	for _, p := range c.Programmes {
		ids = append(ids, p.ID)
	}
	want := []string{"association_membership", "germany_study_info_2027", "lao_excellence_scholarship", "lao_vn_exchange_2027"}
	if !slices.Equal(ids, want) { // same Opens, so sorted by id
		t.Fatalf("programmes: got %q, want %q", ids, want)
	}
	for _, p := range c.Programmes {
		if !p.Sample {
			t.Errorf("%s: shipped without sample: true", p.ID)
		}
		w := p.File + ":15: warning: " + p.ID + " is a sample: confirm its dates and texts, then remove `sample: true`"
		if !slices.ContainsFunc(warnings, func(pr messages.Problem) bool { return pr.String() == w }) {
			t.Errorf("warnings lack %q", w)
		}
		if got, ok := c.Programme(p.ID); !ok || got != p {
			t.Errorf("Programme(%q) = %v, %v", p.ID, got, ok)
		}
	}
	for _, w := range warnings {
		if !strings.Contains(w.Message, "is a sample") && !strings.Contains(w.Message, "needs a native speaker's review") {
			t.Errorf("unexpected warning %s", w)
		}
	}
	if _, ok := c.Programme("no_such"); ok {
		t.Error(`Programme("no_such") found something`)
	}
}

// The shipped programmes are samples whose dates staff will change: no test here depends on them being
// open (TestOpenSamples shows that the demo opens them on any date, TestClosedSamples that check warns).
func TestProgrammes_EmbeddedExchangeHasAWaitingList(t *testing.T) {
	c, _, err := messages.Load(messages.FS(""))
	if err != nil {
		t.Fatal(err)
	}
	e, _ := c.Programme("lao_vn_exchange_2027")
	if e.Capacity != 40 || !e.Waitlist {
		t.Errorf("exchange: capacity %d waitlist %v, want 40 with a waiting list", e.Capacity, e.Waitlist)
	}
}

// The shipped forms must speak every language for real: a Lao prompt in Lao script with a short label line,
// and every option label accepted back when typed.
func TestProgrammes_EmbeddedFormsInEveryLanguage(t *testing.T) {
	c, _, err := messages.Load(messages.FS(""))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, hcm)
	for _, p := range c.Programmes {
		for _, lang := range c.Langs {
			if p.TitleIn(lang) == "" || p.DescriptionIn(lang) == "" {
				t.Errorf("%s: empty %s title or description", p.ID, lang)
			}
		}
		if !hasLao(p.TitleIn("lo")) || !hasLao(p.DescriptionIn("lo")) {
			t.Errorf("%s: Lao title or description not in Lao script", p.ID)
		}
		if !strings.Contains(p.DescriptionIn("en"), "announced by the Union") {
			t.Errorf("%s: description should say the details are announced by the Union", p.ID)
		}
		for _, f := range p.Fields {
			for _, lang := range c.Langs {
				if shown := f.PromptIn(p.Fields, lang); strings.ContainsAny(shown, "{}") {
					t.Errorf("%s/%s %s: a placeholder is left in what the user reads: %q", p.ID, f.ID, lang, shown)
				}
				prompt := f.PromptText(lang)
				if !strings.Contains(prompt, "\n") {
					t.Errorf("%s/%s %s: want a label line and a hint line, got %q", p.ID, f.ID, lang, prompt)
				}
				if l := f.Label(lang); l == f.ID || len([]rune(l)) > 40 {
					t.Errorf("%s/%s %s: label %q", p.ID, f.ID, lang, l)
				}
				for _, ch := range f.Choices(lang) {
					v, bad := f.Parse(ch.Label, now)
					if bad != nil || v.Raw != ch.ID {
						t.Errorf("%s/%s: typing %s label %q gave %q, %v; want %q", p.ID, f.ID, lang, ch.Label, v.Raw, bad, ch.ID)
					}
				}
			}
			if !hasLao(f.PromptText("lo")) {
				t.Errorf("%s/%s: Lao prompt not in Lao script: %q", p.ID, f.ID, f.PromptText("lo"))
			}
		}
	}
}

func hasLao(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Lao, r) }) >= 0
}

func TestProgramme_DatesInHoChiMinhCity(t *testing.T) {
	c, _, err := messages.Load(withFiles(map[string]string{"programmes/test_prog.yaml": validProgramme}))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := c.Programme("test_prog")
	if want := time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC); !p.Opens.Equal(want) {
		t.Errorf("opens \"2026-11-01 08:00\": got %s, want %s (08:00 at UTC+7)", p.Opens.UTC(), want)
	}
	if want := time.Date(2027, 3, 31, 10, 0, 0, 0, time.UTC); !p.Closes.Equal(want) {
		t.Errorf("closes \"2027-03-31 17:00\": got %s, want %s", p.Closes.UTC(), want)
	}
	if got := p.Opens.Location().String(); got != "Asia/Ho_Chi_Minh" {
		t.Errorf("location: got %q, want Asia/Ho_Chi_Minh", got)
	}

	// RFC 3339 with an offset is taken as written.
	fsys := withFiles(map[string]string{"programmes/test_prog.yaml": strings.Replace(validProgramme,
		`opens: "2026-11-01 08:00"`, `opens: "2026-11-01T02:00:00+01:00"`, 1)})
	c, _, err = messages.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	p, _ = c.Programme("test_prog")
	if want := time.Date(2026, 11, 1, 8, 0, 0, 0, hcm); !p.Opens.Equal(want) {
		t.Errorf("RFC 3339 opens: got %s, want %s", p.Opens, want)
	}
}

func TestProgramme_StatusAtBoundaries(t *testing.T) {
	opens := time.Date(2026, 11, 1, 8, 0, 0, 0, hcm)
	closes := time.Date(2027, 3, 31, 17, 0, 0, 0, hcm)
	p := &messages.Programme{Opens: opens, Closes: closes}
	tests := []struct {
		name string
		now  time.Time
		want string
	}{
		{"one second before opens", opens.Add(-time.Second), "upcoming"},
		{"at opens", opens, "open"},
		{"at opens, seen from UTC", opens.UTC(), "open"},
		{"one second before closes", closes.Add(-time.Second), "open"},
		{"at closes", closes, "closed"},
		{"long after", closes.AddDate(1, 0, 0), "closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Status(tt.now); got != tt.want {
				t.Errorf("Status(%s): got %q, want %q", tt.now, got, tt.want)
			}
		})
	}
}

func TestProgramme_TextFallsBackToDefaultLang(t *testing.T) {
	p := &messages.Programme{
		Title:       map[string]string{"en": "Exchange", "lo": "ແລກປ່ຽນ", "vi": "  "},
		Description: map[string]string{"en": "About it.\n"},
	}
	for _, tt := range []struct{ got, want string }{
		{p.TitleIn("lo"), "ແລກປ່ຽນ"},
		{p.TitleIn("vi"), "Exchange"},
		{p.TitleIn("fr"), "Exchange"},
		{p.DescriptionIn("lo"), "About it."},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// validProgramme is a minimal valid programme file; the line numbers matter to the tests below.
const validProgramme = `id: test_prog
kind: exchange
audience: student
title: {en: Test, vi: Thử, lo: ທົດລອງ, de: Test}
description: {en: About it., vi: Về nó., lo: ກ່ຽວກັບມັນ., de: About it.}
opens: "2026-11-01 08:00"
closes: "2027-03-31 17:00"
capacity: 10
waitlist: true
fields:
  - id: full_name
    type: name
    required: true
    prompt: {en: "Full name", vi: "Họ và tên", lo: "ຊື່ ແລະ ນາມສະກຸນ", de: "Full name"}
  - id: phone
    type: phone
    prompt: {en: "Phone", vi: "Điện thoại", lo: "ເບີໂທ", de: "Phone"}
`

// countryBeforePhone is a country question for the test programme, to be followed by more options.
const countryBeforePhone = `  - id: country
    type: country
    prompt: {en: "Country", vi: "Nước", lo: "ປະເທດ", de: "Country"}
    options:
      - {id: germany, label: {en: Germany, vi: Đức, lo: ເຢຍລະມັນ, de: Germany}}
`

func TestCheck_Programmes(t *testing.T) {
	const file = "programmes/test_prog.yaml"
	tests := []struct {
		name    string
		replace []string          // old, new pairs applied to validProgramme
		extra   map[string]string // more files
		want    string            // a problem, as printed; "" means no errors
	}{
		{name: "valid"},
		{name: "RFC 3339 dates", replace: []string{`"2027-03-31 17:00"`, `"2027-03-31T17:00:00+07:00"`}},
		{name: "missing id", replace: []string{"id: test_prog\n", ""},
			want: file + `: missing id (want "test_prog", the file name)`},
		{name: "invalid id", replace: []string{"id: test_prog", "id: Test-Prog"},
			want: file + `:1: id "Test-Prog": want 1–32 characters of a-z 0-9 _`},
		{name: "id too long", replace: []string{"id: test_prog", "id: " + strings.Repeat("a", 33)},
			want: file + `:1: id "` + strings.Repeat("a", 33) + `": want 1–32 characters of a-z 0-9 _`},
		{name: "id is not the file name", replace: []string{"id: test_prog", "id: other_prog"},
			want: file + `:1: id "other_prog" does not match the file name`},
		{name: "duplicate id", extra: map[string]string{"programmes/copy.yaml": validProgramme},
			want: file + `:1: duplicate id "test_prog" (also in programmes/copy.yaml)`},
		{name: "unknown kind", replace: []string{"kind: exchange", "kind: camp"},
			want: file + `:2: kind "camp": want exchange, scholarship, membership or other`},
		{name: "unknown audience", replace: []string{"audience: student", "audience: everyone"},
			want: file + `:3: audience "everyone": want student, diaspora or all`},
		{name: "missing title", replace: []string{"title: {en: Test, vi: Thử, lo: ທົດລອງ, de: Test}", "title: {en: Test, vi: Thử}"},
			want: file + `:4: no lo title`},
		{name: "blank description", replace: []string{"vi: Về nó.,", `vi: " ",`},
			want: file + `:5: no vi description`},
		{name: "unparsable opens", replace: []string{`opens: "2026-11-01 08:00"`, `opens: "01/11/2026"`},
			want: file + `:6: opens: "01/11/2026" is not a date: want "YYYY-MM-DD HH:MM" (Asia/Ho_Chi_Minh) or RFC 3339 with an offset`},
		{name: "date without time", replace: []string{`closes: "2027-03-31 17:00"`, `closes: 2027-03-31`},
			want: file + `:7: closes: "2027-03-31" is not a date`},
		{name: "missing closes", replace: []string{"closes: \"2027-03-31 17:00\"\n", ""},
			want: file + `: closes: missing`},
		{name: "closes before opens", replace: []string{`"2027-03-31 17:00"`, `"2026-10-31 17:00"`},
			want: file + `:7: closes (2026-10-31 17:00) is not after opens (2026-11-01 08:00)`},
		{name: "closes at opens", replace: []string{`"2027-03-31 17:00"`, `"2026-11-01T01:00:00Z"`},
			want: file + `:7: closes (2026-11-01T01:00:00Z) is not after opens (2026-11-01 08:00)`},
		{name: "negative capacity", replace: []string{"capacity: 10", "capacity: -1"},
			want: file + `:8: capacity -1: want 0 (unlimited) or more`},
		{name: "waitlist without capacity", replace: []string{"capacity: 10", "capacity: 0"},
			want: file + `:9: waitlist needs a capacity: an unlimited programme is never full`},
		{name: "misspelt key", replace: []string{"capacity: 10", "capcity: 10"},
			want: file + `:8: unknown key "capcity"`},
		{name: "misspelt field key", replace: []string{"    required: true\n", "    requried: true\n"},
			want: file + `:13: unknown key "requried"`},
		{name: "wrong type", replace: []string{"capacity: 10", "capacity: ten"},
			want: file + `:8: cannot unmarshal !!str ` + "`ten`" + ` into int`},
		{name: "syntax error", replace: []string{"capacity: 10", "capacity: 10: 20"},
			want: file + `:8: mapping values are not allowed in this context`},
		{name: "no fields", replace: []string{validProgramme[strings.Index(validProgramme, "fields:"):], "fields: []\n"},
			want: file + `:10: form has no fields`},
		{name: "fields missing", replace: []string{validProgramme[strings.Index(validProgramme, "fields:"):], ""},
			want: file + `: form has no fields`},
		{name: "unknown field type", replace: []string{"type: phone", "type: fax"},
			want: file + `:15: field "phone": unknown type "fax"`},
		{name: "field prompt missing a language", replace: []string{`lo: "ເບີໂທ"`, `th: "โทรศัพท์"`},
			want: file + `:15: field "phone": no lo prompt`},
		{name: "field id repeated", replace: []string{"  - id: phone", "  - id: full_name"},
			want: file + `:15: field "full_name": duplicate field id`},
		{name: "field rule of the form engine", replace: []string{"    type: phone\n", "    type: phone\n    min: 3\n"},
			want: file + `:15: field "phone": min and max do not apply to type phone`},
		{name: "country the phone question can place", replace: []string{"  - id: phone\n", countryBeforePhone +
			"      - {id: mongolia, label: {en: Mongolia, vi: Mông Cổ, lo: ມົງໂກລີ, de: Mongolia}, region: MN}\n  - id: phone\n"}},
		{name: "country the phone question cannot place", replace: []string{"  - id: phone\n", countryBeforePhone +
			"      - {id: elsewhere, label: {en: Elsewhere, vi: Nơi khác, lo: ບ່ອນອື່ນ, de: Elsewhere}}\n  - id: phone\n"},
			want: file + `:15: field "country": option "elsewhere": which country is it?`},
		{name: "region that is no country code", replace: []string{"  - id: phone\n", countryBeforePhone +
			"      - {id: mongolia, label: {en: Mongolia, vi: Mông Cổ, lo: ມົງໂກລີ, de: Mongolia}, region: Mongolia}\n  - id: phone\n"},
			want: file + `:15: field "country": option "mongolia": region "Mongolia" is not a two-letter country code`},
		// A prompt must promise only what its field does; each problem is reported at its field.
		{name: "prompt points at the last question", replace: []string{`en: "Phone"`, `en: "Phone\nIf you have none, write it in the last question."`},
			want: file + `:15: field "phone": en prompt refers to another question by its place ("last question"): write {step:<field id>}`},
		{name: "prompt points at a missing question", replace: []string{`vi: "Điện thoại"`, `vi: "Điện thoại\nXem câu {step:email}."`},
			want: file + `:15: field "phone": vi prompt refers to {step:email}, but the form has no field "email"`},
		{name: "reference to another question", replace: []string{`lo: "ເບີໂທ"`, `lo: "ເບີໂທ\nຄືກັບຄຳຖາມທີ {step:full_name}."`}},
		{name: "Latin asked for, not enforced", replace: []string{`en: "Full name"`, `en: "Full name\nIn Latin letters."`},
			want: file + `:11: field "full_name": en prompt asks for Latin letters, but the field takes any script: add ` + "`script: latin`"},
		{name: "Latin enforced", replace: []string{"    type: name\n", "    type: name\n    script: latin\n",
			`en: "Full name"`, `en: "Full name\nIn Latin letters."`, `vi: "Họ và tên"`, `vi: "Họ và tên\nBằng chữ Latinh."`,
			`lo: "ຊື່ ແລະ ນາມສະກຸນ"`, `lo: "ຊື່ ແລະ ນາມສະກຸນ\nເປັນຕົວອັກສອນລາຕິນ."`}},
		{name: "unknown script", replace: []string{"    type: name\n", "    type: name\n    script: lao\n"},
			want: file + `:11: field "full_name": script "lao": want latin`},
		{name: "number in a prompt outside the range", replace: []string{"    type: phone\n", "    type: number\n    min: 1\n    max: 6\n",
			`en: "Phone"`, `en: "Year of study\nA number from 1 to 9."`},
			want: file + `:15: field "phone": en prompt gives the number 9, outside the field's range 1–6`},
		{name: "phone example the field refuses", replace: []string{`en: "Phone"`, `en: "Phone\nFor example 0912 34."`},
			want: file + `:15: field "phone": en prompt gives "0912 34" as an example`},
		{name: "sample", replace: []string{"kind: exchange\n", "kind: exchange\nsample: true\n"},
			want: file + ":3: warning: test_prog is a sample: confirm its dates and texts, then remove `sample: true`"},
	}
	// Every case is a programme file of its own in one content tree, checked once: a check reads the whole
	// content (most of a second under the race detector), and a programme's problems are its file's alone
	// (the one rule across files, a duplicate id, has its pair of files). Case i is test_prog_<i>, "test_prog"
	// renamed in its file and in what it wants; a problem is the case's when it names the case's file.
	files := map[string]string{}
	rename := func(i int) *strings.Replacer {
		return strings.NewReplacer("test_prog", fmt.Sprintf("test_prog_%02d", i), "copy.yaml", fmt.Sprintf("copy_%02d.yaml", i))
	}
	for i, tt := range tests {
		src := validProgramme
		for j := 0; j+1 < len(tt.replace); j += 2 {
			if !strings.Contains(src, tt.replace[j]) {
				t.Fatalf("%s: test setup: %q is not in the programme", tt.name, tt.replace[j])
			}
			src = strings.Replace(src, tt.replace[j], tt.replace[j+1], 1)
		}
		files[rename(i).Replace(file)] = rename(i).Replace(src)
		for k, v := range tt.extra {
			files[rename(i).Replace(k)] = rename(i).Replace(v)
		}
	}
	problems := messages.Check(withFiles(files))
	for _, p := range problems {
		if _, ours := files[p.File]; !ours && !p.Warning {
			t.Errorf("a problem outside the cases' files: %s", p) // the shipped content stays valid beside them
		}
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mine := map[string]bool{rename(i).Replace(file): true}
			for k := range tt.extra {
				mine[rename(i).Replace(k)] = true
			}
			var got []string
			for _, p := range problems {
				if mine[p.File] {
					got = append(got, p.String())
				}
			}
			if tt.want == "" {
				if len(got) > 0 {
					t.Fatalf("got problems:\n%s\nwant none", strings.Join(got, "\n"))
				}
				return
			}
			if want := rename(i).Replace(tt.want); !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, want) }) {
				t.Errorf("got:\n%s\nwant a line starting %q", strings.Join(got, "\n"), want)
			}
		})
	}
	// The valid programme alone: nothing to report anywhere but the shipped samples' warnings.
	for _, p := range messages.Check(withFiles(map[string]string{file: validProgramme})) {
		if !p.Warning || p.File == file {
			t.Errorf("valid programme alone: %s", p)
		}
	}
}

// An empty file in CONTENT_DIR withdraws a shipped programme: the overlay cannot delete files.
func TestProgrammes_EmptyFileWithdrawsProgramme(t *testing.T) {
	c, _, err := messages.Load(withFiles(map[string]string{"programmes/lao_vn_exchange_2027.yaml": "# withdrawn\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Programme("lao_vn_exchange_2027"); ok {
		t.Error("the emptied programme is still offered")
	}
	if len(c.Programmes) != 3 {
		t.Errorf("got %d programmes, want the other 3", len(c.Programmes))
	}
}

func TestCheck_FormMessagesRequired(t *testing.T) {
	en, err := fs.ReadFile(messages.FS(""), "ui/en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(en), "\n") {
		if !strings.HasPrefix(line, forms.CodePhone+":") {
			kept = append(kept, line)
		}
	}
	got := messages.Check(withFiles(map[string]string{"ui/en.yaml": strings.Join(kept, "\n")})).Error()
	if want := `ui/en.yaml: missing "form.invalid.phone", a form validation message`; !strings.Contains(got, want) {
		t.Errorf("got:\n%s\nwant a line %q", got, want)
	}
}

// A form error message is shared by every question of its kind, so check refuses one that writes out its
// own example (as "like 25" once did, for a question taking 1 to 6), in any language.
func TestCheck_FormMessagesCarryNoExampleOfTheirOwn(t *testing.T) {
	vi, err := fs.ReadFile(messages.FS(""), "ui/vi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(vi), "\n")
	at := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, forms.CodeNumber+":") })
	if at < 0 {
		t.Fatal("no form.invalid.number in ui/vi.yaml")
	}
	lines[at] = forms.CodeNumber + `: "Bạn hãy trả lời bằng một số nguyên, ví dụ 25."`
	got := messages.Check(withFiles(map[string]string{"ui/vi.yaml": strings.Join(lines, "\n")})).Error()
	want := fmt.Sprintf("ui/vi.yaml:%d: form.invalid.number writes the number 25, which does not fit every question: write {example}", at+1)
	if !strings.Contains(got, want) {
		t.Errorf("got:\n%s\nwant a line %q", got, want)
	}
}

func TestProgrammes_SortedByOpensThenID(t *testing.T) {
	early := strings.NewReplacer("id: test_prog", "id: b_early", `opens: "2026-11-01 08:00"`, `opens: "2026-10-01 08:00"`).Replace(validProgramme)
	c, _, err := messages.Load(withFiles(map[string]string{
		"programmes/b_early.yaml": early,
		"programmes/c_late.yaml":  strings.Replace(validProgramme, "id: test_prog", "id: c_late", 1),
		"programmes/a_late.yaml":  strings.Replace(validProgramme, "id: test_prog", "id: a_late", 1),
	}))
	if err != nil {
		t.Fatal(err)
	}
	// The shipped samples are among them, wherever their dates (staff's to change) put them.
	var ids []string
	for i, p := range c.Programmes {
		if i > 0 {
			if q := c.Programmes[i-1]; p.Opens.Before(q.Opens) || p.Opens.Equal(q.Opens) && p.ID < q.ID {
				t.Errorf("%s (opens %s) is listed after %s (opens %s)", p.ID, p.Opens, q.ID, q.Opens)
			}
		}
		if strings.HasSuffix(p.ID, "_early") || strings.HasSuffix(p.ID, "_late") {
			ids = append(ids, p.ID)
		}
	}
	if want := []string{"b_early", "a_late", "c_late"}; !slices.Equal(ids, want) {
		t.Errorf("got %q, want %q", ids, want)
	}
}

// TestClosedSamples: `huunghi check` warns, and only warns, about a sample programme whose dates have
// passed; a real programme that closed is simply over, and an open sample is fine.
func TestClosedSamples(t *testing.T) {
	sample := strings.Replace(validProgramme, "kind: exchange\n", "kind: exchange\nsample: true\n", 1)
	c, _, err := messages.Load(fstestTree(map[string]string{
		"programmes/test_prog.yaml": sample,
		"programmes/real_prog.yaml": strings.Replace(validProgramme, "id: test_prog", "id: real_prog", 1),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ClosedSamples(time.Date(2027, 3, 31, 16, 59, 0, 0, hcm)); len(got) != 0 {
		t.Errorf("while open: %v", got)
	}
	got := c.ClosedSamples(time.Date(2030, 1, 1, 0, 0, 0, 0, hcm))
	want := "programmes/test_prog.yaml:8: warning: test_prog is a sample whose registration closed on 2027-03-31 17:00"
	if len(got) != 1 || !got[0].Warning || !strings.HasPrefix(got[0].String(), want) {
		t.Errorf("after closing: got %v, want one warning starting %q", got, want)
	}
}

// fstestTree is the embedded UI strings and FAQ with only the given programmes.
func fstestTree(programmes map[string]string) fs.FS {
	top := fstest.MapFS{}
	base := messages.FS("")
	names, _ := fs.Glob(base, "programmes/*.yaml")
	for _, name := range names {
		top[name] = &fstest.MapFile{Data: []byte("# withdrawn for this test\n")}
	}
	for name, data := range programmes {
		top[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return messages.Overlay(top, base)
}

// TestOpenSamples: on any date, the demo's content has every sample programme open, with the length and
// the hours of its file; real programmes and open samples keep their dates, and the content it was made
// from is not changed.
func TestOpenSamples(t *testing.T) {
	sample := strings.Replace(validProgramme, "kind: exchange\n", "kind: exchange\nsample: true\n", 1)
	short := strings.NewReplacer("id: test_prog", "id: short_prog", `closes: "2027-03-31 17:00"`, `closes: "2026-11-01 20:00"`).Replace(sample)
	c, _, err := messages.Load(fstestTree(map[string]string{
		"programmes/test_prog.yaml":  sample,
		"programmes/short_prog.yaml": short,
		"programmes/real_prog.yaml":  strings.Replace(validProgramme, "id: test_prog", "id: real_prog", 1),
	}))
	if err != nil {
		t.Fatal(err)
	}
	file := map[string]messages.Programme{}
	for _, p := range c.Programmes {
		file[p.ID] = *p
	}
	for _, now := range []time.Time{
		time.Date(2020, 2, 29, 23, 59, 0, 0, hcm), // before the samples open
		time.Date(2027, 3, 31, 17, 0, 0, 0, hcm),  // the minute test_prog closes
		time.Date(2030, 7, 14, 6, 30, 0, 0, hcm),
		time.Date(2049, 12, 31, 12, 0, 0, 0, time.UTC),
	} {
		demo, moved := c.OpenSamples(now)
		for _, p := range demo.Programmes {
			f := file[p.ID]
			switch {
			case p.ID == "real_prog":
				if !p.Opens.Equal(f.Opens) || !p.Closes.Equal(f.Closes) {
					t.Errorf("%s: the real programme was moved to %s – %s", now, p.Opens, p.Closes)
				}
			case p.Status(now) != messages.StatusOpen:
				t.Errorf("%s: sample %s is %s (%s – %s)", now, p.ID, p.Status(now), p.Opens, p.Closes)
			case p.Closes.Sub(p.Opens) != f.Closes.Sub(f.Opens):
				t.Errorf("%s: %s lasts %s, its file %s", now, p.ID, p.Closes.Sub(p.Opens), f.Closes.Sub(f.Opens))
			case p.ID == "test_prog" && (p.Opens.In(hcm).Format("15:04") != "08:00" || p.Closes.In(hcm).Format("15:04") != "17:00"):
				t.Errorf("%s: %s opens %s and closes %s, want the file's 08:00 and 17:00", now, p.ID, p.Opens.In(hcm), p.Closes.In(hcm))
			}
		}
		if len(moved) != 2 || moved[0].ID == "real_prog" || moved[1].ID == "real_prog" {
			t.Errorf("%s: moved %+v, want the two samples", now, moved)
		}
		for i, p := range demo.Programmes[1:] {
			if p.Opens.Before(demo.Programmes[i].Opens) {
				t.Errorf("%s: %s listed after %s, which opens later", now, p.ID, demo.Programmes[i].ID)
			}
		}
	}
	if p, _ := c.Programme("test_prog"); !p.Opens.Equal(file["test_prog"].Opens) {
		t.Error("OpenSamples changed the content it was given")
	}
	// Open samples stay as they are.
	if _, moved := c.OpenSamples(time.Date(2026, 11, 1, 9, 0, 0, 0, hcm)); len(moved) != 0 {
		t.Errorf("with both samples open: moved %+v, want none", moved)
	}
}

// FuzzCheck_Programme feeds arbitrary programme files to the validator: it must never panic, and a file it
// accepts must come out as a programme with sane dates.
func FuzzCheck_Programme(f *testing.F) {
	f.Add(validProgramme)
	f.Add("")
	f.Add("id: test_prog\nfields: [{id: x, type: multichoice, min: 5}]\n")
	f.Add("- a\n- b\n")
	f.Add("---\n")
	f.Add("id: test_prog\nopens: 2026-11-01\ncloses: [1]\ncapacity: 1e9\n")
	// A minimal English-only tree keeps each run to the programme file, not the whole knowledge base.
	var ui strings.Builder
	for _, code := range forms.Codes() {
		ui.WriteString(code + ": text\n")
	}
	f.Fuzz(func(t *testing.T, src string) {
		fsys := fstest.MapFS{
			"ui/en.yaml":                {Data: []byte(ui.String())},
			"contacts.yaml":             {Data: []byte("{}")},
			"faq/categories.yaml":       {Data: []byte("[]")},
			"faq/out_of_scope.yaml":     {Data: []byte("questions: {}")},
			"faq/synonyms.yaml":         {Data: []byte("{}")},
			"faq/smalltalk.yaml":        {Data: []byte("{}")},
			"programmes/test_prog.yaml": {Data: []byte(src)},
		}
		c, problems, err := messages.Load(fsys)
		for _, p := range problems {
			if p.File == "" || p.Line < 0 {
				t.Errorf("problem without a place: %#v", p)
			}
		}
		if err != nil {
			return
		}
		if p, ok := c.Programme("test_prog"); ok && !p.Closes.After(p.Opens) {
			t.Errorf("accepted a programme that closes at %s, not after it opens at %s", p.Closes, p.Opens)
		}
	})
}
