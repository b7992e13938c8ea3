package callback

import (
	"slices"
	"strings"
	"testing"
)

var (
	lang = New("lang", Verb{"", 1})
	form = New("form", Verb{"c", 1}, Verb{"back", 0}, Verb{"submit", 1}, Verb{"cancel", 0}, Verb{"cancel", 2})
)

func TestCodec_RoundTrip(t *testing.T) {
	for _, tc := range []struct {
		c    Codec
		verb string
		args []string
		want string
	}{
		{lang, "", []string{"lo"}, "lang:lo"},
		{form, "c", []string{"hong_duc"}, "form:c:hong_duc"},
		{form, "back", nil, "form:back"},
		{form, "cancel", nil, "form:cancel"},
		{form, "cancel", []string{"prog", "1z"}, "form:cancel:prog:1z"},
		{form, "submit", []string{"lao_vn_exchange_2027"}, "form:submit:lao_vn_exchange_2027"},
	} {
		d := tc.c.Data(tc.verb, tc.args...)
		if d != tc.want {
			t.Errorf("Data(%q, %q) = %q, want %q", tc.verb, tc.args, d, tc.want)
		}
		verb, args, ok := tc.c.Parse(d)
		if !ok || verb != tc.verb || !slices.Equal(args, tc.args) {
			t.Errorf("Parse(%q) = %q %q %v, want %q %q", d, verb, args, ok, tc.verb, tc.args)
		}
	}
}

func TestCodec_RefusesWhatItNeverMakes(t *testing.T) {
	for _, d := range []string{
		"", "form", "form:", "form:c", "form:c:", "form:c:a:b", "form:nope", "form:back:x", "lang:",
		"lang:lo:x", "prog:v:x", "form:cancel:a", "formx:back", "form::back", "form:c:" + strings.Repeat("a", 60),
	} {
		for _, c := range []Codec{lang, form} {
			if verb, args, ok := c.Parse(d); ok {
				t.Errorf("%s Parse(%q) = %q %q, want refused", c.feature, d, verb, args)
			}
		}
	}
}

func TestCodec_DataPanicsOnMisuse(t *testing.T) {
	for name, f := range map[string]func(){
		"unknown verb":   func() { form.Data("nope") },
		"missing arg":    func() { form.Data("c") },
		"colon in arg":   func() { form.Data("c", "a:b") },
		"empty arg":      func() { form.Data("c", "") },
		"too long":       func() { form.Data("c", strings.Repeat("a", 64)) },
		"duplicate verb": func() { New("x", Verb{"a", 1}, Verb{"a", 1}) },
		"verbless mixed": func() { New("x", Verb{"", 1}, Verb{"a", 0}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// FuzzCodec: whatever a client sends, Parse does not panic, and what it accepts is exactly what Data makes
// of the parsed verb and arguments.
func FuzzCodec(f *testing.F) {
	for _, s := range []string{"form:c:hong_duc", "form:back", "lang:lo", "form:submit:x", "form::", "lang:a:b", "\xff:\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		for _, c := range []Codec{lang, form} {
			verb, args, ok := c.Parse(data)
			if !ok {
				continue
			}
			if again := c.Data(verb, args...); again != data {
				t.Fatalf("%s: Parse(%q) = %q %q, which Data makes into %q", c.feature, data, verb, args, again)
			}
		}
	})
}
