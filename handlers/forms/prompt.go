package forms

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A prompt is written by staff, in several languages, and is the only thing the user reads before answering.
// What it promises must be what the field does, and that is checked here, before any user sees it:
//
//   - A prompt that sends the user to another question names it with {step:<field id>}, which the bot shows as
//     that question's number (the "n" of "Question n of N"). Words like "in the last question" are refused:
//     they go wrong silently when a question is added or moved, and a missing field cannot be caught.
//   - {example} is the field's example answer (ExampleAnswer), the same one its error messages show.
//   - Examples written out in a prompt must be answers the field accepts: numbers within Min..Max, dates equal
//     to the field's example, phone numbers the phone parser reads, lengths within the length limits.
//   - A prompt that calls a question optional, or tells the user to tap Skip, belongs to an optional field;
//     a name prompt that asks for Latin letters belongs to a field with `script: latin`, and the other way
//     round.
//
// The phrase rules know Vietnamese, Lao and English; prompts in other languages get the language-neutral
// checks only.

// placeholder matches {name} and {name:argument}.
var placeholder = regexp.MustCompile(`\{([A-Za-z_]+)(?::([^{}\s]*))?\}`)

// PromptIn is the question in lang (as PromptText) with its placeholders filled: {step:<id>} becomes the
// 1-based position of field id in fields, {example} the field's ExampleAnswer. A placeholder that cannot be
// filled is left as written; validation refuses such content before it is used.
func (f Field) PromptIn(fields []Field, lang string) string {
	return placeholder.ReplaceAllStringFunc(f.PromptText(lang), func(m string) string {
		sub := placeholder.FindStringSubmatch(m)
		switch sub[1] {
		case "step":
			if i := slices.IndexFunc(fields, func(g Field) bool { return g.ID == sub[2] }); i >= 0 {
				return strconv.Itoa(i + 1)
			}
		case "example":
			if ex := f.ExampleAnswer(); ex != "" {
				return ex
			}
		}
		return m
	})
}

// phrases are per-language patterns of what a prompt may say.
type phrases map[string]*regexp.Regexp

// find returns the first match of the language's pattern in s, "" when none (or the language has none).
func (p phrases) find(lang, s string) string {
	if re := p[lang]; re != nil {
		return re.FindString(s)
	}
	return ""
}

var (
	// positional are references to another question by its place.
	positional = phrases{
		"en": regexp.MustCompile(`(?i)\b(?:last|final|next|previous|first|following|other)\s+question\b|\bquestion\s+(?:no\.?\s*|number\s*)?\d+`),
		"vi": regexp.MustCompile(`(?i)(?:^|[\s(])câu\s+(?:hỏi\s+)?(?:cuối(?:\s+cùng)?|tiếp\s+theo|kế\s+tiếp|sau|trước|đầu\s+tiên|số\s*\d+|\d+)`),
		"lo": regexp.MustCompile(`ຄ(?:ຳ|ໍາ)ຖາມ\s*(?:ສຸດທ້າຍ|ຕໍ່ໄປ|ກ່ອນໜ້າ|ກ່ອນ|ທຳອິດ|ທີ\s*\d+|\d+)|ຂໍ້\s*(?:ສຸດທ້າຍ|ຕໍ່ໄປ|ທີ\s*\d+)`),
	}
	// optional say that a question need not be answered.
	optional = phrases{
		"en": regexp.MustCompile(`(?i)\boptional\b`),
		"vi": regexp.MustCompile(`(?i)không\s+bắt\s+buộc`),
		"lo": regexp.MustCompile(`ບໍ່\s*ບັງຄັບ`),
	}
	// skip name the Skip button, which only optional questions have.
	skip = phrases{
		"en": regexp.MustCompile(`(?i)[“"]\s*(?:⏭\s*)?skip\s*[”"]`),
		"vi": regexp.MustCompile(`(?i)[“"]\s*(?:⏭\s*)?bỏ\s+qua\s*[”"]`),
		"lo": regexp.MustCompile(`[“"]\s*(?:⏭\s*)?ຂ້າມ\s*[”"]`),
	}
	// latin ask for Latin letters.
	latin = phrases{
		"en": regexp.MustCompile(`(?i)\blatin\b`),
		"vi": regexp.MustCompile(`(?i)latinh`),
		"lo": regexp.MustCompile(`ລາຕິນ`),
	}
	// lengthMention is a length in characters: "30 to 1000 characters", "tối đa 500 ký tự".
	lengthMention = regexp.MustCompile(`(?i)(\d+)(?:\s*(?:to|and|–|-|đến|tới|ຫາ|ເຖິງ)\s*(\d+))?\s*(?:characters?\b|ký\s+tự|ຕົວອັກສອນ)`)
	number        = regexp.MustCompile(`\d+`)
	dateLike      = regexp.MustCompile(`\b\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}\b`)
	phoneLike     = regexp.MustCompile(`\+?\d[\d .\-()]{5,}\d`)
)

// promptErrors checks the prompts of one field in every language they are written in, without looking at the
// other fields (ValidateField adds that).
func (f Field) promptErrors(bad func(format string, args ...any)) {
	for _, lang := range slices.Sorted(maps.Keys(f.Prompt)) {
		text := f.Prompt[lang]
		if strings.TrimSpace(text) == "" {
			continue
		}
		label, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
		if m := placeholder.FindString(label); m != "" {
			bad("%s prompt has %s in its first line, which is the question's label in the summary and the export: put it on a line below", lang, m)
		}
		for _, sub := range placeholder.FindAllStringSubmatch(text, -1) {
			switch {
			case sub[1] == "step" && !validID(sub[2]):
				bad("%s prompt: %s needs a field id, like {step:university_other}", lang, sub[0])
			case sub[1] == "example" && sub[2] != "":
				bad("%s prompt: write {example} without anything after it", lang)
			case sub[1] == "example" && f.ExampleAnswer() == "":
				bad("%s prompt: {example} works in date, birthdate and number questions only", lang)
			case sub[1] != "step" && sub[1] != "example":
				bad("%s prompt: unknown placeholder %s (a prompt can use {step:<field id>} and {example})", lang, sub[0])
			}
		}
		// What the user reads, without the placeholders: those are right by construction.
		plain := asciiDigits(placeholder.ReplaceAllString(text, " "))
		if m := positional.find(lang, plain); m != "" {
			bad("%s prompt refers to another question by its place (%q): write {step:<field id>}, which shows that question's number and is checked", lang, strings.TrimSpace(m))
		}
		if f.Required {
			if m := optional.find(lang, plain); m != "" {
				bad("%s prompt says the question is optional (%q), but the field is required", lang, m)
			}
			if m := skip.find(lang, plain); m != "" {
				bad("%s prompt mentions the Skip button (%s), but the field is required, so it has none", lang, m)
			}
		}
		if f.Type == TypeName {
			switch asks := latin.find(lang, plain) != ""; {
			case asks && f.Script != ScriptLatin:
				bad("%s prompt asks for Latin letters, but the field takes any script: add `script: latin` so the bot enforces it", lang)
			case !asks && f.Script == ScriptLatin && latin[lang] != nil:
				bad("%s prompt does not say the name must be in Latin letters, which the field requires (script: latin)", lang)
			}
		}
		f.exampleErrors(lang, plain, bad)
	}
}

// exampleErrors checks the examples written out in a prompt against what the field accepts.
func (f Field) exampleErrors(lang, plain string, bad func(format string, args ...any)) {
	switch f.Type {
	case TypeNumber:
		if f.Min == 0 && f.Max == 0 {
			return
		}
		for _, m := range number.FindAllString(plain, -1) {
			if n, err := strconv.Atoi(m); err != nil || n < f.Min || n > f.Max {
				bad("%s prompt gives the number %s, outside the field's range %d–%d", lang, m, f.Min, f.Max)
			}
		}
	case TypeMultiChoice:
		hi := f.Max
		if hi == 0 {
			hi = len(f.Options)
		}
		for _, m := range number.FindAllString(plain, -1) {
			if n, err := strconv.Atoi(m); err != nil || n < f.Min || n > hi {
				bad("%s prompt gives the number %s, but between %d and %d options can be picked", lang, m, f.Min, hi)
			}
		}
	case TypeText, TypeName, TypeComment, TypeCountry:
		lo, hi := f.Limits()
		for _, sub := range lengthMention.FindAllStringSubmatch(plain, -1) {
			for _, m := range sub[1:3] {
				if m == "" {
					continue
				}
				if n, err := strconv.Atoi(m); err != nil || n < lo || n > hi {
					bad("%s prompt gives a length of %s characters, but the field takes %d to %d", lang, m, lo, hi)
				}
			}
		}
	case TypeDate, TypeBirthdate:
		want, _ := parseDate(f.ExampleAnswer(), time.Time{}, false)
		for _, m := range dateLike.FindAllString(plain, -1) {
			v, e := parseDate(m, time.Time{}, false)
			switch {
			case e != nil:
				bad("%s prompt gives %s, which is not a valid day/month/year date", lang, m)
			case v.Raw != want.Raw:
				bad("%s prompt shows the date %s, but the error messages show %s: write {example} (and set `example:` to change it)", lang, m, f.ExampleAnswer())
			}
		}
	case TypePhone, TypeContact:
		for _, m := range phoneLike.FindAllString(plain, -1) {
			if _, e := parsePhone(m, f.Type == TypeContact, ""); e != nil {
				bad("%s prompt gives %q as an example, which is not a phone number the field accepts", lang, strings.TrimSpace(m))
			}
		}
	}
}

// stepErrors checks the {step:<id>} references of field i against the form.
func stepErrors(fields []Field, i int) []error {
	f := fields[i]
	var errs []error
	for _, lang := range slices.Sorted(maps.Keys(f.Prompt)) {
		for _, sub := range placeholder.FindAllStringSubmatch(f.Prompt[lang], -1) {
			if sub[1] != "step" || !validID(sub[2]) {
				continue
			}
			switch j := slices.IndexFunc(fields, func(g Field) bool { return g.ID == sub[2] }); {
			case j < 0:
				errs = append(errs, fmt.Errorf("field %q: %s prompt refers to %s, but the form has no field %q", f.ID, lang, sub[0], sub[2]))
			case j == i:
				errs = append(errs, fmt.Errorf("field %q: %s prompt refers to itself with %s", f.ID, lang, sub[0]))
			}
		}
	}
	return errs
}

// ValidateMessage checks the UI text of an InvalidError code as the engine will fill it: only the
// placeholders CodeArgs supplies, and no number written out, because one text serves every question of its
// kind ("like 25" was once said of a question taking 1 to 6); examples come from {example}. The phone message
// is the exception: its example numbers are formats, and each must be one the phone parser accepts.
func ValidateMessage(code, text string) []error {
	var errs []error
	supplied := codeArgs[code]
	for _, sub := range placeholder.FindAllStringSubmatch(text, -1) {
		if sub[2] != "" || !slices.Contains(supplied, sub[1]) {
			if len(supplied) == 0 {
				errs = append(errs, fmt.Errorf("%s is not filled in for %s, which has no placeholders", sub[0], code))
			} else {
				errs = append(errs, fmt.Errorf("%s is not filled in for %s (it has {%s})", sub[0], code, strings.Join(supplied, "}, {")))
			}
		}
	}
	plain := asciiDigits(placeholder.ReplaceAllString(text, " "))
	if code == CodePhone {
		for _, m := range phoneLike.FindAllString(plain, -1) {
			if _, e := parsePhone(m, false, ""); e != nil {
				errs = append(errs, fmt.Errorf("%s gives %q as an example, which the phone parser refuses", code, strings.TrimSpace(m)))
			}
		}
		return errs
	}
	if m := number.FindString(plain); m != "" {
		hint := ""
		if slices.Contains(supplied, "example") {
			hint = ": write {example}, which the bot fills in from the question"
		}
		errs = append(errs, fmt.Errorf("%s writes the number %s, which does not fit every question%s", code, m, hint))
	}
	return errs
}
