// Package forms is the registration form engine: the field model that a programme file describes, the parsing
// of what a user types (or taps) into a canonical stored value, and the step-by-step State of one user's form.
//
// It is pure — no I/O, no clock, no user-facing texts — so that its rules can be tested exhaustively and fuzzed,
// and so that a restart of the bot or a second replica can continue any form from its stored State. The bot keeps
// a State in Redis as JSON between updates, passes the programme's []Field to every call, and turns the message
// keys carried by an InvalidError into words in the user's language. The world's phone numbering plans come from
// github.com/nyaruka/phonenumbers and the top-level domains from golang.org/x/net/publicsuffix, both compiled
// in (about 10 ms and 1.6 MB of heap at start for the numbering plans).
//
// Invariants the rest of the bot relies on:
//   - A Value's Raw is canonical: parsing a Raw again with the same field yields the same Raw, so stored answers
//     can be re-checked (after a programme file changes, or on export) without drifting.
//   - Field and option IDs are short ASCII tokens, so a verb plus an ID fits in Telegram's 64-byte callback data.
//   - User-facing problems are *InvalidError values whose Code is a message key ("form.invalid.*"); Codes lists
//     them all, so a content check can insist that every language has a text for each.
package forms

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Type is the kind of a field. It decides how input is parsed, which keyboard the bot shows, and what Min, Max
// and Options mean. Types are strings so programme files can name them.
type Type string

// The field types. Each constant's comment says what the field accepts and stores.
const (
	// TypeText is one line of free text; Min/Max bound its length in characters (default 1–500).
	TypeText Type = "text"
	// TypeName is a person's name: letters with their marks, spaces, hyphen, apostrophe and dot; in any script,
	// or only in Latin letters when Script is ScriptLatin. Min/Max bound its length (default 2–100).
	TypeName Type = "name"
	// TypeEmail is one bare e-mail address; its domain is stored in lower case.
	TypeEmail Type = "email"
	// TypePhone is a phone number stored in E.164 (+84…, +856…, +49…): any country's with + or 00, a national
	// number of the country answered in the nearest country question before it, else a Vietnamese or Lao one.
	TypePhone Type = "phone"
	// TypeDate is a calendar date, day first (dd/mm/yyyy) or ISO (yyyy-mm-dd), stored as yyyy-mm-dd.
	TypeDate Type = "date"
	// TypeBirthdate is a TypeDate that must not lie in the future nor more than MaxAge years in the past. It is
	// a type of its own rather than a flag on Field because a programme file then says what the field is for,
	// and there is nothing else a flag would ever need to combine with.
	TypeBirthdate Type = "birthdate"
	// TypeNumber is a whole number; when Min or Max is non-zero it must lie in Min..Max.
	TypeNumber Type = "number"
	// TypeChoice is exactly one of Options, tapped as a button or typed as a label in any language.
	TypeChoice Type = "choice"
	// TypeMultiChoice is one or more of Options, toggled with buttons or typed as a comma-separated list;
	// Min/Max, when non-zero, bound how many may be picked. Raw is the option IDs in option order, joined by ",".
	TypeMultiChoice Type = "multichoice"
	// TypeCountry is one of Options (buttons for the common countries) or a country typed as free text,
	// stored as typed; Min/Max bound the free text's length (default 2–60).
	TypeCountry Type = "country"
	// TypeYesNo is "yes" or "no", tapped or typed in English, Vietnamese or Lao. Options, when given, must be
	// exactly "yes" and "no" and supply the labels (and so more languages).
	TypeYesNo Type = "yesno"
	// TypeComment is free text that may span lines; Min/Max bound its length (default 0–1000).
	TypeComment Type = "comment"
	// TypeContact is a phone number that the user shares with Telegram's request_contact keyboard (or types);
	// it is stored like TypePhone. A contact's number comes without "+", so bare international digits are
	// accepted here, unlike in TypePhone. The bot should take only the sender's own contact (Contact.UserID
	// equal to the sender), not a friend's card.
	TypeContact Type = "contact"
)

// MaxAge is the oldest age, in years, a TypeBirthdate accepts; an older date is a typing mistake.
const MaxAge = 120

var types = []Type{TypeText, TypeName, TypeEmail, TypePhone, TypeDate, TypeBirthdate, TypeNumber, TypeChoice,
	TypeMultiChoice, TypeCountry, TypeYesNo, TypeComment, TypeContact}

// Known reports whether t is one of the field types above.
func (t Type) Known() bool { return slices.Contains(types, t) }

// Field is one question of a form, as a programme file describes it. It is a value: the engine never changes it.
type Field struct {
	// ID names the answer in the registration and in callback data: 1–32 characters of A-Z a-z 0-9 _ -.
	ID string `json:"id" yaml:"id"`
	// Type decides parsing, keyboard and the meaning of Min, Max and Options.
	Type Type `json:"type" yaml:"type"`
	// Required fields cannot be skipped; the bot shows Skip only on the others.
	Required bool `json:"required,omitempty" yaml:"required,omitempty"`
	// Min and Max are a length in characters for text, name, comment and country free text (zero: the type's
	// default); the range Min..Max for number (both zero: any whole number); a count of picks for
	// multichoice (zero: no bound). Other types must leave them zero.
	Min int `json:"min,omitempty" yaml:"min,omitempty"`
	Max int `json:"max,omitempty" yaml:"max,omitempty"`
	// Options are the answers offered as buttons for choice, multichoice, country and (optionally) yesno.
	Options []Option `json:"options,omitempty" yaml:"options,omitempty"`
	// Prompt is the question per language code. Its first line doubles as the field's short label in the
	// summary, so write "Full name\nAs in your passport." rather than one long sentence. The lines below the
	// label may use two placeholders (see PromptIn): {step:<field id>}, the number of another question, and
	// {example}, the field's example answer.
	Prompt map[string]string `json:"prompt,omitempty" yaml:"prompt,omitempty"`
	// Script, for a name, is the writing the answer must be in: ScriptLatin refuses letters of any other
	// script with CodeLatin; empty accepts every script.
	Script string `json:"script,omitempty" yaml:"script,omitempty"`
	// Example is the example answer of a date, birthdate or number field, shown where its prompt writes
	// {example} and in the messages that refuse an answer, so a question and its error message never show
	// two different examples. Empty means the type's default (see ExampleAnswer).
	Example string `json:"example,omitempty" yaml:"example,omitempty"`
}

// ScriptLatin is the one Script a field may require: Latin letters, with any marks (Vietnamese tones
// included). Staff match a Lao student's name with the passport, whose name line is in Latin letters, and
// read and sort the export in Vietnamese; a name typed in Lao script cannot be matched.
const ScriptLatin = "latin"

// defaultExampleDate is the example of a date field that names none; 3 May, so that day and month differ and
// the example shows that the day comes first.
const defaultExampleDate = "03/05/2001"

// ExampleAnswer is the example answer of the field, as the bot shows it: the Example the programme file gives
// (a date normalised to dd/mm/yyyy), else 03/05/2001 for dates and a number in the middle of Min..Max for
// numbers (25 for a number without bounds). It is "" for the types that have no example.
func (f Field) ExampleAnswer() string {
	ex := strings.TrimSpace(f.Example)
	switch f.Type {
	case TypeDate, TypeBirthdate:
		if ex == "" {
			return defaultExampleDate
		}
		if v, e := parseDate(ex, time.Time{}, false); e == nil {
			return v.Display
		}
		return ex
	case TypeNumber:
		if ex != "" {
			return ex
		}
		if f.Min == 0 && f.Max == 0 {
			return "25"
		}
		return strconv.Itoa(f.Min + (f.Max-f.Min)/2)
	}
	return ""
}

// Option is one answer a choice-like field offers.
type Option struct {
	// ID is what is stored and what a button sends: 1–32 characters of A-Z a-z 0-9 _ -.
	ID string `json:"id" yaml:"id"`
	// Label is the button text per language code; a user may also type any of them.
	Label map[string]string `json:"label,omitempty" yaml:"label,omitempty"`
	// Region is the two-letter ISO 3166 code of the country an option of a country field stands for ("FR"), so
	// that a phone question after it reads that country's national numbers ("06 12 34 56 78"). It is needed
	// only for a country the bot cannot tell from the option's ID or labels; `huunghi check` says when.
	Region string `json:"region,omitempty" yaml:"region,omitempty"`
}

// Value is a parsed answer.
type Value struct {
	// Raw is the canonical stored form (E.164 phone, ISO date, option IDs, normalised text); it is what goes
	// into the registration and the export.
	Raw string `json:"raw"`
	// Display is what the bot says back it understood ("03/05/2001", "+84 912 345 678"). For choice-like
	// fields prefer Field.Display, which picks labels in the reader's language.
	Display string `json:"display"`
}

// InvalidError is why an input was not accepted, as a message key and its placeholders, so the bot can say it
// in the user's language and ask again. It is returned as a *InvalidError by Parse and Answer, and as an error
// (find it with errors.As) by the State methods whose refusal the user should hear about.
type InvalidError struct {
	// Code is a message key, one of Codes().
	Code string `json:"code"`
	// Args fills the message's {placeholders}, e.g. {"min": "2"} for CodeTooShort.
	Args map[string]string `json:"args,omitempty"`
}

// Error lists the code and its arguments in a stable order, for logs and test failures.
func (e *InvalidError) Error() string {
	if len(e.Args) == 0 {
		return e.Code
	}
	keys := make([]string, 0, len(e.Args))
	for k := range e.Args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(e.Code)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, e.Args[k])
	}
	return b.String()
}

// The message keys an InvalidError may carry, with the placeholders each message uses.
const (
	CodeEmpty          = "form.invalid.empty"            // nothing was typed
	CodeCharacters     = "form.invalid.characters"       // control or invisible formatting characters
	CodeTooShort       = "form.invalid.too_short"        // {min} characters at least
	CodeTooLong        = "form.invalid.too_long"         // {max} characters at most
	CodeName           = "form.invalid.name"             // a name with digits or symbols
	CodeLatin          = "form.invalid.latin"            // a name not in Latin letters where Script is ScriptLatin
	CodeEmail          = "form.invalid.email"            // not one bare e-mail address
	CodePhone          = "form.invalid.phone"            // not a phone number we can store in E.164
	CodeDate           = "form.invalid.date"             // not a date, or an impossible one (31/02); {example}
	CodeDateYear       = "form.invalid.date_year"        // a two-digit year, ambiguous; {example}
	CodeDateFuture     = "form.invalid.date_future"      // a birth date after today
	CodeDateTooOld     = "form.invalid.date_too_old"     // a birth date more than {max} years ago
	CodeNumber         = "form.invalid.number"           // not a whole number; {example}
	CodeNumberRange    = "form.invalid.number_range"     // outside {min}..{max}
	CodeChoice         = "form.invalid.choice"           // not one of the options
	CodeTooFewChoices  = "form.invalid.too_few_choices"  // fewer than {min} picks
	CodeTooManyChoices = "form.invalid.too_many_choices" // more than {max} picks
	CodeCountry        = "form.invalid.country"          // neither an option nor a plausible country name
	CodeYesNo          = "form.invalid.yesno"            // neither yes nor no
	CodeRequired       = "form.invalid.required"         // skipping (or picking nothing in) a required field
	CodeNoQuestion     = "form.invalid.no_question"      // text arrived while no question is open (consent, summary)
	CodeValue          = "form.invalid.value"            // a field of unknown type; content checks prevent it
)

// Codes returns every message key an InvalidError may carry, so a content check can require a text for each
// in every language.
func Codes() []string {
	return []string{CodeEmpty, CodeCharacters, CodeTooShort, CodeTooLong, CodeName, CodeLatin, CodeEmail, CodePhone,
		CodeDate, CodeDateYear, CodeDateFuture, CodeDateTooOld, CodeNumber, CodeNumberRange, CodeChoice,
		CodeTooFewChoices, CodeTooManyChoices, CodeCountry, CodeYesNo, CodeRequired, CodeNoQuestion, CodeValue}
}

// codeArgs are the placeholders the engine fills in each message that has any; the others get none.
var codeArgs = map[string][]string{
	CodeTooShort: {"min"}, CodeTooLong: {"max"}, CodeDateTooOld: {"max"}, CodeNumberRange: {"min", "max"},
	CodeTooFewChoices: {"min"}, CodeTooManyChoices: {"max"},
	CodeNumber: {"example"}, CodeDate: {"example"}, CodeDateYear: {"example"},
}

// CodeArgs returns the placeholders an InvalidError of code always carries, so a content check can refuse a
// message that uses any other (it would reach the user as "{x}").
func CodeArgs(code string) []string { return slices.Clone(codeArgs[code]) }

func invalid(code string, kv ...string) *InvalidError {
	e := &InvalidError{Code: code}
	if len(kv) > 0 {
		e.Args = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			e.Args[kv[i]] = kv[i+1]
		}
	}
	return e
}

// Parse turns what the user sent for this field — typed text, a button's option ID, or a shared contact's
// phone number — into a Value, or says why it cannot. now is the caller's clock, in the bot's time zone; only
// TypeBirthdate uses it (to refuse future dates). Blank input is always CodeEmpty: an optional field is
// skipped with State.Skip, not with an empty answer.
//
// A phone number is read here without knowing where the user lives (Vietnam and Laos for national numbers);
// State.Answer also reads the national numbers of the country answered earlier in the form.
func (f Field) Parse(input string, now time.Time) (Value, *InvalidError) {
	return f.parse(input, now, "")
}

// parse is Parse with region, the ISO 3166 code of the country the user answered earlier in the form ("" when
// none is known), for reading a phone number written the way that country writes them.
func (f Field) parse(input string, now time.Time, region string) (Value, *InvalidError) {
	v, e := f.parseAs(input, now, region)
	if e != nil && slices.Contains(codeArgs[e.Code], "example") {
		// The example comes from the field, so "like 25" is never said of a question that takes 1 to 6.
		if e.Args == nil {
			e.Args = map[string]string{}
		}
		e.Args["example"] = f.ExampleAnswer()
	}
	return v, e
}

func (f Field) parseAs(input string, now time.Time, region string) (Value, *InvalidError) {
	if !utf8.ValidString(input) {
		return Value{}, invalid(CodeCharacters)
	}
	input = stripInvisible(input)
	if strings.TrimSpace(input) == "" {
		return Value{}, invalid(CodeEmpty)
	}
	switch f.Type {
	case TypeText:
		return f.parseText(input, false)
	case TypeComment:
		return f.parseText(input, true)
	case TypeName:
		return f.parseName(input)
	case TypeEmail:
		return parseEmail(input)
	case TypePhone:
		return parsePhone(input, false, region)
	case TypeContact:
		return parsePhone(input, true, region)
	case TypeDate:
		return parseDate(input, now, false)
	case TypeBirthdate:
		return parseDate(input, now, true)
	case TypeNumber:
		return f.parseNumber(input)
	case TypeChoice:
		return f.parseChoice(input)
	case TypeMultiChoice:
		return f.parseMulti(input)
	case TypeCountry:
		return f.parseCountry(input)
	case TypeYesNo:
		return f.parseYesNo(input)
	}
	return Value{}, invalid(CodeValue)
}

// Display is a stored value as a reader of lang should see it: option labels in lang for choice-like fields
// (whatever language the user answered in), v.Display for everything else.
func (f Field) Display(v Value, lang string) string {
	switch f.Type {
	case TypeChoice, TypeCountry:
		if o, ok := f.option(v.Raw); ok {
			return o.label(lang)
		}
	case TypeMultiChoice:
		ids := splitIDs(v.Raw)
		labels := make([]string, len(ids))
		for i, id := range ids {
			labels[i] = id
			if o, ok := f.option(id); ok {
				labels[i] = o.label(lang)
			}
		}
		return strings.Join(labels, ", ")
	case TypeYesNo:
		if v.Raw == "yes" || v.Raw == "no" {
			return f.yesNoLabel(v.Raw, lang)
		}
	}
	return v.Display
}

// Choice is a button the bot offers for a field.
type Choice struct {
	ID    string // what the button sends back (to Answer, or Toggle for multichoice)
	Label string // the button text in the requested language
}

// Choices returns the buttons for choice, multichoice, country and yesno fields, labelled in lang (falling back
// to English, then any language), and nil for other types.
func (f Field) Choices(lang string) []Choice {
	if f.Type == TypeYesNo {
		return []Choice{{"yes", f.yesNoLabel("yes", lang)}, {"no", f.yesNoLabel("no", lang)}}
	}
	if !f.hasOptions() {
		return nil
	}
	out := make([]Choice, len(f.Options))
	for i, o := range f.Options {
		out[i] = Choice{ID: o.ID, Label: o.label(lang)}
	}
	return out
}

// PromptText is the question in lang, falling back to English, then to any language, then to the field ID, so
// a missing translation degrades to a readable question instead of an empty message.
func (f Field) PromptText(lang string) string {
	if p := pick(f.Prompt, lang); p != "" {
		return p
	}
	return f.ID
}

// Label is the field's short name in lang for the summary and the export header: the first line of its
// prompt without a trailing "?" or ":", shortened to 60 characters.
func (f Field) Label(lang string) string {
	l := strings.TrimSpace(f.PromptText(lang))
	if i := strings.IndexByte(l, '\n'); i >= 0 {
		l = strings.TrimSpace(l[:i])
	}
	l = strings.TrimRight(l, " ?:？：")
	if r := []rune(l); len(r) > 60 {
		l = strings.TrimSpace(string(r[:59])) + "…"
	}
	if l == "" {
		return f.ID
	}
	return l
}

// Limits returns the effective Min and Max of a length-bounded field (text, name, comment, country), with the
// type's defaults filled in; for other types it returns Min and Max as they are.
func (f Field) Limits() (lo, hi int) {
	lo, hi = f.Min, f.Max
	var dlo, dhi int
	switch f.Type {
	case TypeText:
		dlo, dhi = 1, 500
	case TypeName:
		dlo, dhi = 2, 100
	case TypeComment:
		dlo, dhi = 0, 1000
	case TypeCountry:
		dlo, dhi = 2, 60
	default:
		return lo, hi
	}
	if lo == 0 {
		lo = dlo
	}
	if hi == 0 {
		hi = dhi
	}
	return lo, hi
}

func (f Field) hasOptions() bool {
	switch f.Type {
	case TypeChoice, TypeMultiChoice, TypeCountry, TypeYesNo:
		return len(f.Options) > 0
	}
	return false
}

// option finds an option by its exact ID.
func (f Field) option(id string) (Option, bool) {
	for _, o := range f.Options {
		if o.ID == id {
			return o, true
		}
	}
	return Option{}, false
}

// label is the option's text in lang with the same fallbacks as Field.PromptText.
func (o Option) label(lang string) string {
	if l := pick(o.Label, lang); l != "" {
		return l
	}
	return o.ID
}

// pick returns m[lang], else m["en"], else the value of the smallest key, so the choice is deterministic.
func pick(m map[string]string, lang string) string {
	if s := strings.TrimSpace(m[lang]); s != "" {
		return m[lang]
	}
	if s := strings.TrimSpace(m["en"]); s != "" {
		return m["en"]
	}
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if strings.TrimSpace(v) != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	return m[keys[0]]
}
