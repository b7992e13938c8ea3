package forms

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	prompt := map[string]string{"en": "Question", "vi": "Câu hỏi", "lo": "ຄຳຖາມ"}
	opt := func(id string) Option {
		return Option{ID: id, Label: map[string]string{"en": id, "vi": id + " vi", "lo": id + " lo"}}
	}
	tests := []struct {
		name string
		f    Field
		want []string // substrings, one per expected error; none means valid
	}{
		{"text", Field{ID: "motivation", Type: TypeText, Max: 300, Prompt: prompt}, nil},
		{"choice", Field{ID: "level", Type: TypeChoice, Options: []Option{opt("a"), opt("b")}, Prompt: prompt}, nil},
		{"country without options", Field{ID: "country", Type: TypeCountry, Prompt: prompt}, nil},
		{"yesno with labels", Field{ID: "agree", Type: TypeYesNo, Options: []Option{opt("yes"), opt("no")}, Prompt: prompt}, nil},
		{"number range", Field{ID: "age", Type: TypeNumber, Min: -5, Max: 5, Prompt: prompt}, nil},
		{"unknown type", Field{ID: "x", Type: "colour", Prompt: prompt}, []string{`unknown type "colour"`}},
		{"bad id", Field{ID: "full name", Type: TypeText, Prompt: prompt}, []string{"id must be"}},
		{"long id", Field{ID: strings.Repeat("a", 33), Type: TypeText, Prompt: prompt}, []string{"id must be"}},
		{"min above max", Field{ID: "x", Type: TypeText, Min: 10, Max: 5, Prompt: prompt}, []string{"min 10 is above max 5"}},
		{"min above default max", Field{ID: "x", Type: TypeName, Min: 200, Prompt: prompt}, []string{"min 200 is above max 100"}},
		{"number min above max", Field{ID: "x", Type: TypeNumber, Min: 10, Max: 5, Prompt: prompt}, []string{"min 10 is above max 5"}},
		{"negative length", Field{ID: "x", Type: TypeComment, Min: -1, Prompt: prompt}, []string{"must not be negative"}},
		{"min on email", Field{ID: "x", Type: TypeEmail, Min: 3, Prompt: prompt}, []string{"do not apply to type email"}},
		{"choice without options", Field{ID: "x", Type: TypeChoice, Prompt: prompt}, []string{"needs options"}},
		{"multichoice without options", Field{ID: "x", Type: TypeMultiChoice, Prompt: prompt}, []string{"needs options"}},
		{"multichoice min above options", Field{ID: "x", Type: TypeMultiChoice, Min: 3, Options: []Option{opt("a"), opt("b")}, Prompt: prompt}, []string{"more than the 2 options"}},
		{"options on text", Field{ID: "x", Type: TypeText, Options: []Option{opt("a")}, Prompt: prompt}, []string{"takes no options"}},
		{"duplicate option", Field{ID: "x", Type: TypeChoice, Options: []Option{opt("a"), {ID: "A", Label: map[string]string{"en": "other", "vi": "khác", "lo": "ອື່ນ"}}}, Prompt: prompt}, []string{`duplicate option id "A"`}},
		{"duplicate label", Field{ID: "x", Type: TypeChoice, Options: []Option{
			{ID: "a", Label: map[string]string{"en": "A", "vi": "Lào", "lo": "ກ"}},
			{ID: "b", Label: map[string]string{"en": "B", "vi": "lao", "lo": "ຂ"}},
		}, Prompt: prompt}, []string{`options "a" and "b" have the same vi label`}},
		{"bad option id", Field{ID: "x", Type: TypeChoice, Options: []Option{{ID: "a b", Label: prompt}}, Prompt: prompt}, []string{`option "a b": id must be`}},
		{"yesno other options", Field{ID: "x", Type: TypeYesNo, Options: []Option{opt("yes"), opt("maybe")}, Prompt: prompt}, []string{"exactly \"yes\" and \"no\""}},
		{"no prompt", Field{ID: "x", Type: TypeText}, []string{"no prompt"}},
		{"country region", Field{ID: "country", Type: TypeCountry, Options: []Option{{ID: "fr", Label: prompt, Region: "FR"}}, Prompt: prompt}, nil},
		{"country region lower case", Field{ID: "country", Type: TypeCountry, Options: []Option{{ID: "fr", Label: prompt, Region: "fr"}}, Prompt: prompt}, []string{`region "fr" is not a two-letter`}},
		{"country region unknown", Field{ID: "country", Type: TypeCountry, Options: []Option{{ID: "xx", Label: prompt, Region: "XX"}}, Prompt: prompt}, []string{`region "XX" is not`}},
		{"region on a choice", Field{ID: "x", Type: TypeChoice, Options: []Option{{ID: "a", Label: prompt, Region: "FR"}}, Prompt: prompt}, []string{"region is for the options of a country field"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := tt.f.ValidateLangs(nil)
			if len(errs) != len(tt.want) {
				t.Fatalf("got %v, want %d errors %q", errs, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(errs[i].Error(), w) {
					t.Errorf("error %d = %q, want it to contain %q", i, errs[i], w)
				}
			}
			if (tt.f.Validate() == nil) != (len(tt.want) == 0) {
				t.Errorf("Validate() = %v, disagrees with ValidateLangs", tt.f.Validate())
			}
		})
	}
}

func TestValidateLangs_Missing(t *testing.T) {
	f := Field{ID: "level", Type: TypeChoice, Prompt: map[string]string{"en": "Level", "vi": "Trình độ", "lo": " "},
		Options: []Option{
			{ID: "a", Label: map[string]string{"en": "Bachelor", "vi": "Đại học", "lo": "ປະລິນຍາຕີ"}},
			{ID: "b", Label: map[string]string{"en": "Master", "vi": "Thạc sĩ"}},
		}}
	errs := f.ValidateLangs([]string{"en", "vi", "lo"})
	want := []string{`field "level": option "b" has no lo label`, `field "level": no lo prompt`}
	if len(errs) != len(want) {
		t.Fatalf("got %v, want %q", errs, want)
	}
	for i := range want {
		if errs[i].Error() != want[i] {
			t.Errorf("got %q, want %q", errs[i], want[i])
		}
	}
}

func TestValidateFields(t *testing.T) {
	if errs := ValidateFields(exchangeForm(), []string{"en", "vi", "lo"}); len(errs) != 0 {
		t.Fatalf("sample form: %v", errs)
	}
	if errs := ValidateFields(nil, nil); len(errs) != 1 {
		t.Fatalf("empty form: %v", errs)
	}
	dup := append(exchangeForm(), Field{ID: "name", Type: TypeText, Prompt: map[string]string{"en": "Again"}})
	errs := ValidateFields(dup, nil)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), `field "name": duplicate field id`) {
		t.Fatalf("duplicate: %v", errs)
	}
	if err := errors.Join(errs...); err == nil {
		t.Fatal("joined errors vanished")
	}
}

// TestValidateFields_PhoneCountry: a phone question reads the country answered before it, so every option of
// that country question must name a country the bot can place — by its ID, a label, or region.
func TestValidateFields_PhoneCountry(t *testing.T) {
	p := map[string]string{"en": "Q"}
	country := func(opts ...Option) Field { return Field{ID: "country", Type: TypeCountry, Options: opts, Prompt: p} }
	phone := Field{ID: "phone", Type: TypePhone, Prompt: p}
	tests := []struct {
		name   string
		fields []Field
		want   string // "" when valid
	}{
		{"known by id", []Field{country(Option{ID: "germany"}, Option{ID: "south_korea"}, Option{ID: "CZ"}), phone}, ""},
		{"known by label", []Field{country(Option{ID: "c1", Label: map[string]string{"vi": "Ba Lan"}}), phone}, ""},
		{"named by region", []Field{country(Option{ID: "mongolia", Label: map[string]string{"en": "Mongolia"}, Region: "MN"}), phone}, ""},
		{"unknown", []Field{country(Option{ID: "vietnam"}, Option{ID: "elsewhere", Label: map[string]string{"en": "Elsewhere"}}), phone},
			`field "country": option "elsewhere": which country is it?`},
		{"unknown before a contact", []Field{country(Option{ID: "x1"}), {ID: "tel", Type: TypeContact, Prompt: p}}, `option "x1"`},
		{"unknown without a phone after it", []Field{phone, country(Option{ID: "x1"})}, ""},
		{"no phone", []Field{country(Option{ID: "x1"})}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := ValidateFields(tt.fields, nil)
			switch {
			case tt.want == "" && len(errs) != 0:
				t.Fatalf("got %v, want none", errs)
			case tt.want != "" && (len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.want)):
				t.Fatalf("got %v, want one containing %q", errs, tt.want)
			}
		})
	}
}
