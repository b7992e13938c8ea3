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
