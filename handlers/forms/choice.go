package forms

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// match finds the option the user meant: a button's ID (exact, then ignoring case), else a label in any
// language typed exactly (ignoring case and spacing), else ignoring Vietnamese tone marks. A typed label that
// fits two options is no match; the user gets the buttons again rather than a guess. lang is the language of
// the label that matched, "" for an ID.
func (f Field) match(input string) (o Option, lang string, ok bool) {
	in, _ := clean(input, false)
	if o, ok := f.option(in); ok {
		return o, "", true
	}
	for _, o := range f.Options {
		if strings.EqualFold(o.ID, in) {
			return o, "", true
		}
	}
	for _, key := range []func(string) string{
		func(s string) string { c, _ := clean(s, false); return strings.ToLower(c) },
		fold,
	} {
		want := key(in)
		found, n := -1, 0
		for i, o := range f.Options {
			for _, l := range slices.Sorted(maps.Keys(o.Label)) {
				if key(o.Label[l]) == want {
					if found != i {
						n++
					}
					found, lang = i, l
				}
			}
		}
		if n == 1 {
			return f.Options[found], lang, true
		}
		if n > 1 {
			return Option{}, "", false
		}
	}
	return Option{}, "", false
}

func (f Field) parseChoice(input string) (Value, *InvalidError) {
	o, lang, ok := f.match(input)
	if !ok {
		return Value{}, invalid(CodeChoice)
	}
	return Value{Raw: o.ID, Display: o.label(lang)}, nil
}

// parseMulti reads typed picks separated by commas, semicolons or line breaks. The whole input is first tried
// as one option, so a label that contains a comma still matches.
func (f Field) parseMulti(input string) (Value, *InvalidError) {
	var picked []string
	if o, _, ok := f.match(input); ok {
		picked = []string{o.ID}
	} else {
		for _, part := range strings.FieldsFunc(input, func(r rune) bool { return strings.ContainsRune(",;\n、，", r) }) {
			if strings.TrimSpace(part) == "" {
				continue
			}
			o, _, ok := f.match(part)
			if !ok {
				return Value{}, invalid(CodeChoice)
			}
			picked = append(picked, o.ID)
		}
	}
	if len(picked) == 0 {
		return Value{}, invalid(CodeEmpty)
	}
	return f.multiValue(picked)
}

// multiValue checks a set of picked option IDs against Min/Max and makes the Value: IDs in option order, so the
// same picks always give the same Raw whatever order they were made in.
func (f Field) multiValue(picked []string) (Value, *InvalidError) {
	var ids, labels []string
	for _, o := range f.Options {
		for _, p := range picked {
			if p == o.ID {
				ids = append(ids, o.ID)
				labels = append(labels, o.label(""))
				break
			}
		}
	}
	if f.Min > 0 && len(ids) < f.Min {
		return Value{}, invalid(CodeTooFewChoices, "min", strconv.Itoa(f.Min))
	}
	if f.Max > 0 && len(ids) > f.Max {
		return Value{}, invalid(CodeTooManyChoices, "max", strconv.Itoa(f.Max))
	}
	return Value{Raw: strings.Join(ids, ","), Display: strings.Join(labels, ", ")}, nil
}

func splitIDs(raw string) []string {
	if raw == "" {
		return nil
	}
	return strings.Split(raw, ",")
}

// parseCountry takes one of the offered countries, or a country typed as free text. Free text is kept as typed
// (cleaned): the list of the world's country names in three languages belongs to no one here, and staff read it.
func (f Field) parseCountry(input string) (Value, *InvalidError) {
	if o, lang, ok := f.match(input); ok {
		return Value{Raw: o.ID, Display: o.label(lang)}, nil
	}
	s, ok := clean(input, false)
	if !ok {
		return Value{}, invalid(CodeCharacters)
	}
	s = canonicalPunct(s)
	if !nameLike(s, "-'.(),&") {
		return Value{}, invalid(CodeCountry)
	}
	if e := f.checkLength(s); e != nil {
		return Value{}, e
	}
	return Value{Raw: s, Display: s}, nil
}

// yesNoWords are the typed answers a yes/no field understands besides its button IDs, per language; they are
// compared after fold, so "co" and "khong" work too.
var yesNoWords = []struct {
	word, lang string
	yes        bool
}{
	{"yes", "en", true}, {"y", "en", true}, {"ok", "en", true}, {"okay", "en", true},
	{"no", "en", false}, {"n", "en", false},
	{"có", "vi", true}, {"vâng", "vi", true}, {"đồng ý", "vi", true},
	{"không", "vi", false}, {"ko", "vi", false}, {"k", "vi", false},
	{"ແມ່ນ", "lo", true}, {"ໂອເຄ", "lo", true}, {"ໄດ້", "lo", true}, {"ຕົກລົງ", "lo", true},
	{"ບໍ່", "lo", false}, {"ບໍ່ແມ່ນ", "lo", false}, {"ບໍ", "lo", false},
}

// yesNoLabels are the built-in labels of a yes/no field without Options, in the languages the bot ships. They
// live here, next to the words Parse accepts, because the two must agree; a field for another language gives
// Options with labels.
var yesNoLabels = map[string][2]string{
	"en": {"Yes", "No"},
	"vi": {"Có", "Không"},
	"lo": {"ແມ່ນ", "ບໍ່"},
}

func (f Field) parseYesNo(input string) (Value, *InvalidError) {
	if len(f.Options) > 0 {
		if o, lang, ok := f.match(input); ok && (o.ID == "yes" || o.ID == "no") {
			return Value{Raw: o.ID, Display: f.yesNoLabel(o.ID, lang)}, nil
		}
	}
	in, _ := clean(input, false)
	if id := strings.ToLower(in); id == "yes" || id == "no" {
		return Value{Raw: id, Display: f.yesNoLabel(id, "")}, nil
	}
	key := strings.TrimRight(fold(in), ".!")
	for _, w := range yesNoWords {
		if fold(w.word) == key {
			id := "no"
			if w.yes {
				id = "yes"
			}
			return Value{Raw: id, Display: f.yesNoLabel(id, w.lang)}, nil
		}
	}
	return Value{}, invalid(CodeYesNo)
}

// yesNoLabel is the label of "yes" or "no" in lang: from the field's Options when it has them, else built in.
func (f Field) yesNoLabel(id, lang string) string {
	if o, ok := f.option(id); ok {
		return o.label(lang)
	}
	l, ok := yesNoLabels[lang]
	if !ok {
		l = yesNoLabels["en"]
	}
	if id == "yes" {
		return l[0]
	}
	return l[1]
}
