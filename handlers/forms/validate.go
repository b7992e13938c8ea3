package forms

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Validate checks a field as content, before any user sees it: what `huunghi check` reports for a programme
// file. It is ValidateLangs without the per-language checks, joined into one error.
func (f Field) Validate() error {
	return errors.Join(f.ValidateLangs(nil)...)
}

// ValidateLangs checks a field and, for every language in langs, that it has a prompt and every option a
// label, so no user meets a question in a language the bot does not speak to them. It returns every problem,
// each naming the field, so an editor can fix them in one pass.
func (f Field) ValidateLangs(langs []string) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("field %q: %s", f.ID, fmt.Sprintf(format, args...)))
	}
	if !validID(f.ID) {
		bad("id must be 1–32 characters of A-Z a-z 0-9 _ -")
	}
	if !f.Type.Known() {
		bad("unknown type %q", f.Type)
		return errs
	}
	if f.Min < 0 || f.Max < 0 {
		if f.Type != TypeNumber {
			bad("min and max must not be negative")
		}
	}
	switch f.Type {
	case TypeText, TypeName, TypeComment, TypeCountry:
		if lo, hi := f.Limits(); lo > hi {
			bad("min %d is above max %d", lo, hi)
		}
	case TypeNumber:
		if f.Min > f.Max {
			bad("min %d is above max %d", f.Min, f.Max)
		}
	case TypeMultiChoice:
		if f.Max > 0 && f.Min > f.Max {
			bad("min %d is above max %d", f.Min, f.Max)
		}
		if f.Min > len(f.Options) {
			bad("min %d is more than the %d options", f.Min, len(f.Options))
		}
	default:
		if f.Min != 0 || f.Max != 0 {
			bad("min and max do not apply to type %s", f.Type)
		}
	}
	switch f.Type {
	case TypeChoice, TypeMultiChoice:
		if len(f.Options) == 0 {
			bad("type %s needs options", f.Type)
		}
	case TypeCountry:
	case TypeYesNo:
		if len(f.Options) > 0 && (len(f.Options) != 2 || !f.hasOption("yes") || !f.hasOption("no")) {
			bad("yesno options must be exactly \"yes\" and \"no\"")
		}
	default:
		if len(f.Options) > 0 {
			bad("type %s takes no options", f.Type)
		}
	}
	if f.Script != "" {
		switch {
		case f.Type != TypeName:
			bad("script applies to name fields only")
		case f.Script != ScriptLatin:
			bad("script %q: want %s, or leave it out to take any script", f.Script, ScriptLatin)
		}
	}
	if ex := strings.TrimSpace(f.Example); ex != "" {
		switch f.Type {
		case TypeDate, TypeBirthdate:
			if _, e := parseDate(ex, time.Time{}, false); e != nil {
				bad("example %q is not a date: want day/month/year, like %s", ex, defaultExampleDate)
			}
		case TypeNumber:
			if _, e := f.parseNumber(ex); e != nil {
				bad("example %q is not a number the field accepts", ex)
			}
		default:
			bad("example applies to date, birthdate and number fields only")
		}
	}
	seen := map[string]bool{}
	labels := map[string]string{} // lang + folded label → option ID
	for _, o := range f.Options {
		if !validID(o.ID) {
			bad("option %q: id must be 1–32 characters of A-Z a-z 0-9 _ -", o.ID)
		}
		if id := strings.ToLower(o.ID); seen[id] {
			bad("duplicate option id %q", o.ID)
		} else {
			seen[id] = true
		}
		for _, lang := range slices.Sorted(maps.Keys(o.Label)) {
			l := o.Label[lang]
			if strings.TrimSpace(l) == "" {
				continue
			}
			k := lang + "\x00" + fold(l)
			if other, dup := labels[k]; dup {
				bad("options %q and %q have the same %s label %q", other, o.ID, lang, l)
			}
			labels[k] = o.ID
		}
		for _, lang := range langs {
			if strings.TrimSpace(o.Label[lang]) == "" {
				bad("option %q has no %s label", o.ID, lang)
			}
		}
		switch {
		case o.Region == "":
		case f.Type != TypeCountry:
			bad("option %q: region is for the options of a country field", o.ID)
		case !validRegion(o.Region):
			bad("option %q: region %q is not a two-letter country code in capitals (ISO 3166, like FR)", o.ID, o.Region)
		}
		for _, lang := range slices.Sorted(maps.Keys(o.Label)) {
			if m := placeholder.FindString(o.Label[lang]); m != "" {
				bad("option %q: %s label has %s, but placeholders work in prompts only", o.ID, lang, m)
			}
		}
	}
	if pick(f.Prompt, "") == "" {
		bad("no prompt") // said once, not once per language
		return errs
	}
	for _, lang := range langs {
		if strings.TrimSpace(f.Prompt[lang]) == "" {
			bad("no %s prompt", lang)
		}
	}
	f.promptErrors(bad)
	return errs
}

// ValidateField checks field i of a form: ValidateLangs, and that the questions its prompts refer to with
// {step:<id>} exist in fields.
func ValidateField(fields []Field, i int, langs []string) []error {
	return append(fields[i].ValidateLangs(langs), stepErrors(fields, i)...)
}

// ValidateFields checks a whole form: at least one field, unique field IDs, and each field by ValidateField.
func ValidateFields(fields []Field, langs []string) []error {
	if len(fields) == 0 {
		return []error{errors.New("form has no fields")}
	}
	var errs []error
	seen := map[string]bool{}
	for i, f := range fields {
		if seen[f.ID] {
			errs = append(errs, fmt.Errorf("field %q: duplicate field id", f.ID))
		}
		seen[f.ID] = true
		errs = append(errs, ValidateField(fields, i, langs)...)
	}
	return append(errs, phoneCountries(fields)...)
}

// phoneCountries checks that every option of a country question that a phone question reads (see
// State.Answer) names a country the bot can place, so that "0151 12345678" after Germany is read as German.
func phoneCountries(fields []Field) []error {
	var errs []error
	checked := map[int]bool{}
	for i, f := range fields {
		if f.Type != TypePhone && f.Type != TypeContact {
			continue
		}
		c := i - 1
		for c >= 0 && fields[c].Type != TypeCountry {
			c--
		}
		if c < 0 || checked[c] {
			continue
		}
		checked[c] = true
		for _, o := range fields[c].Options {
			if o.region() == "" {
				errs = append(errs, fmt.Errorf("field %q: option %q: which country is it? The phone question %q "+
					"reads national numbers of the country answered here; add region: with its two-letter code "+
					"(ISO 3166, like FR)", fields[c].ID, o.ID, f.ID))
			}
		}
	}
	return errs
}

func (f Field) hasOption(id string) bool {
	_, ok := f.option(id)
	return ok
}

// validID keeps IDs short and plain: they travel in callback data (64 bytes with the verb) and in export
// column names.
func validID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
