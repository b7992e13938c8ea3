package forms

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"
)

// Stage is where a form is: answering questions, agreeing to the processing of personal data, checking the
// summary, or submitted. Stages are strings so the stored JSON reads plainly.
type Stage string

// The stages, in the order a user goes through them.
const (
	StageFilling Stage = "filling"
	StageConsent Stage = "consent"
	StageSummary Stage = "summary"
	StageDone    Stage = "done"
)

// SessionTTL is how long a started form stays open. A user may come back the next day and continue; after a
// week the programme, the answers or the user's circumstances have likely changed, so the bot says the form
// expired (form.expired) and starts again.
const SessionTTL = 7 * 24 * time.Hour

// ErrStale means an action does not fit the form's state: a button from an earlier message, a forged or
// re-delivered callback, an option or field that is not in the form. The bot answers "this button has
// expired" and shows the current step again; the State is unchanged.
var ErrStale = errors.New("forms: action does not fit the form's state")

// ErrSubmitted is returned by Submit for a form already submitted, so a double tap or a re-delivered update
// can be told apart from a stale button and answered with the existing registration.
var ErrSubmitted = errors.New("forms: already submitted")

// State is one user's progress through one form. It is plain data so the bot can keep it in Redis as JSON and
// continue after a restart or on another replica; every method takes the form's fields and never keeps them.
// Methods that refuse leave the State unchanged.
//
// The flow: questions in order (Answer, Skip, Back; Toggle and DoneMulti for multichoice; Decide when Answer
// left a suggestion to confirm) → consent → summary, where Edit reopens one question and answering it comes
// straight back → Submit → done.
type State struct {
	// Form is the programme (form) ID this state belongs to.
	Form string `json:"form"`
	// Step is the index of the current field while filling; len(fields) afterwards.
	Step int `json:"step"`
	// Answers holds the answers by field ID; a skipped optional field has no entry.
	Answers map[string]Value `json:"answers,omitempty"`
	// Stage is where the user is; the zero value reads as StageFilling.
	Stage Stage `json:"stage"`
	// Editing is the ID of the field reopened from the summary; answering, skipping or Back returns there.
	Editing string `json:"editing,omitempty"`
	// Multi holds the option IDs toggled so far for a multichoice field being answered, by field ID.
	Multi map[string][]string `json:"multi,omitempty"`
	// Started is when the form was begun; see Expired.
	Started time.Time `json:"started"`
	// Origin is the caller's name for this filling of the form (the bot uses the update that started it). It
	// tells two fillings of the same form apart, so that a button of one the user discarded never acts on the
	// one they started next; the engine only keeps it.
	Origin int64 `json:"origin,omitempty"`
	// Suggest is a correction offered for the answer just typed to the current question ("did you mean
	// noy@gmail.com?"), waiting for the user to take it or keep what they wrote (Decide). Nothing is stored
	// until they do. A state saved before suggestions existed has none.
	Suggest *Suggestion `json:"suggest,omitempty"`
}

// Suggestion is a likely fix of a typed answer that the user is asked about rather than given silently.
type Suggestion struct {
	Field string `json:"field"` // the question it is for
	Typed Value  `json:"typed"` // what the user wrote, valid as it is
	Fix   Value  `json:"fix"`   // what they most likely meant
}

// Token names the suggestion in callback data without its contents (an e-mail address must not travel in
// Telegram's button data): 8 hex digits of a hash of the field and both values. A button of an earlier
// suggestion, or forged data, carries a token that does not fit the pending one.
func (g *Suggestion) Token() string {
	h := fnv.New32a()
	h.Write([]byte(g.Field + "\x00" + g.Typed.Raw + "\x00" + g.Fix.Raw))
	return fmt.Sprintf("%08x", h.Sum32())
}

// New starts form at its first question.
func New(form string, now time.Time) *State {
	return &State{Form: form, Stage: StageFilling, Answers: map[string]Value{}, Started: now}
}

// Expired reports whether the form was started more than SessionTTL before now.
func (s *State) Expired(now time.Time) bool {
	return !s.Started.IsZero() && now.Sub(s.Started) > SessionTTL
}

func (s *State) stage() Stage {
	if s.Stage == "" {
		return StageFilling
	}
	return s.Stage
}

// Current returns the field to ask now; false when no question is open (consent, summary, done, or a Step
// that no longer fits a changed form).
func (s *State) Current(fields []Field) (Field, bool) {
	if s.stage() != StageFilling || s.Step < 0 || s.Step >= len(fields) {
		return Field{}, false
	}
	return fields[s.Step], true
}

// Answer parses input for the current field, stores it and moves on: to the next field, to consent after the
// last one, or back to the summary when the field was reopened with Edit. On an invalid input nothing moves,
// and the bot says why and asks again. A phone number is read knowing the country answered in the nearest
// country question before it, so "0151 12345678" after Germany is a German mobile.
func (s *State) Answer(fields []Field, input string, now time.Time) *InvalidError {
	f, ok := s.Current(fields)
	if !ok {
		return invalid(CodeNoQuestion)
	}
	v, e := f.parse(input, now, s.homeRegion(fields, s.Step))
	if e != nil {
		return e
	}
	if f.Type == TypeEmail {
		// Typing the questioned address again means it is meant, and so does the answer kept before (Back);
		// typing another one starts afresh.
		insisted := s.Suggest != nil && s.Suggest.Field == f.ID && s.Suggest.Typed.Raw == v.Raw ||
			s.Answers[f.ID].Raw == v.Raw
		if fix, ok := suggestEmail(v.Raw); ok && !insisted {
			s.Suggest = &Suggestion{Field: f.ID, Typed: v, Fix: Value{Raw: fix, Display: fix}}
			return nil
		}
	}
	s.store(f, v)
	s.advance(fields)
	return nil
}

// Decide answers the pending suggestion of the current question: useFix stores the fix, otherwise what the
// user typed, and the form moves on like Answer. token must be the suggestion's Token; a button of another
// suggestion, or none pending, is ErrStale and changes nothing.
func (s *State) Decide(fields []Field, token string, useFix bool) error {
	f, ok := s.Current(fields)
	if !ok || s.Suggest == nil || s.Suggest.Field != f.ID || s.Suggest.Token() != token {
		return fmt.Errorf("decide %q: %w", token, ErrStale)
	}
	v := s.Suggest.Typed
	if useFix {
		v = s.Suggest.Fix
	}
	s.store(f, v)
	s.advance(fields)
	return nil
}

// Pending returns the suggestion waiting for the user's decision at the current question, nil when none.
func (s *State) Pending(fields []Field) *Suggestion {
	if f, ok := s.Current(fields); ok && s.Suggest != nil && s.Suggest.Field == f.ID {
		return s.Suggest
	}
	return nil
}

func (s *State) store(f Field, v Value) {
	if s.Answers == nil {
		s.Answers = map[string]Value{}
	}
	s.Answers[f.ID] = v
	delete(s.Multi, f.ID)
}

// advance moves past the current field.
func (s *State) advance(fields []Field) {
	s.Suggest = nil
	s.Stage = s.stage()
	if s.Editing != "" {
		s.Editing = ""
		s.Stage = StageSummary
		s.Step = len(fields)
		return
	}
	s.Step++
	if s.Step >= len(fields) {
		s.Step = len(fields)
		s.Stage = StageConsent
	}
}

// Back goes one step back: to the previous field (its answer kept, to be confirmed or replaced), from consent
// to the last field, from the summary to consent, and from a field reopened with Edit to the summary without
// change. It reports false when there is nowhere to go (the first field, or a submitted form); the bot then
// simply asks the current question again.
func (s *State) Back(fields []Field) bool {
	switch s.stage() {
	case StageFilling:
		if s.Editing == "" && (s.Step <= 0 || len(fields) == 0) {
			return false
		}
		if f, ok := s.Current(fields); ok {
			delete(s.Multi, f.ID) // toggles not confirmed with DoneMulti are dropped
		}
		s.Suggest = nil // and a suggestion not decided
		if s.Editing != "" {
			s.Editing = ""
			s.Stage = StageSummary
			s.Step = len(fields)
			return true
		}
		s.Step = min(s.Step, len(fields)) - 1
		return true
	case StageConsent:
		if len(fields) == 0 {
			return false
		}
		s.Stage = StageFilling
		s.Step = len(fields) - 1
		return true
	case StageSummary:
		s.Stage = StageConsent
		return true
	}
	return false
}

// Skip leaves the current optional field unanswered (clearing an earlier answer) and moves on like Answer.
// A required field is refused with an *InvalidError (CodeRequired) the user should hear; the bot ought not to
// offer Skip there, but a typed /skip can still arrive.
func (s *State) Skip(fields []Field) error {
	f, ok := s.Current(fields)
	if !ok {
		return fmt.Errorf("skip: %w", ErrStale)
	}
	if f.Required {
		return invalid(CodeRequired)
	}
	delete(s.Answers, f.ID)
	delete(s.Multi, f.ID)
	s.advance(fields)
	return nil
}

// Edit reopens one answered (or skipped) field from the summary. Answering it, skipping it or going Back
// returns to the summary; consent is not asked again, since what it covers has not changed.
func (s *State) Edit(fields []Field, id string) error {
	if s.stage() != StageSummary {
		return fmt.Errorf("edit %q: %w", id, ErrStale)
	}
	i := slices.IndexFunc(fields, func(f Field) bool { return f.ID == id })
	if i < 0 {
		return fmt.Errorf("edit %q: no such field: %w", id, ErrStale)
	}
	s.Stage, s.Step, s.Editing = StageFilling, i, id
	delete(s.Multi, id)
	return nil
}

// Selected returns the option IDs currently picked for a multichoice field, in option order: the toggles in
// progress, else the stored answer. The bot marks these buttons as picked.
func (s *State) Selected(f Field) []string {
	picked, ok := s.Multi[f.ID]
	if !ok {
		picked = splitIDs(s.Answers[f.ID].Raw)
	}
	return order(f, picked)
}

// Toggle picks or unpicks one option of the current multichoice field; DoneMulti then stores the picks. Picking
// beyond Max is refused with an *InvalidError (CodeTooManyChoices); an option or field that does not fit is
// ErrStale.
func (s *State) Toggle(fields []Field, optionID string) error {
	f, ok := s.Current(fields)
	if !ok || f.Type != TypeMultiChoice {
		return fmt.Errorf("toggle %q: %w", optionID, ErrStale)
	}
	if _, ok := f.option(optionID); !ok {
		return fmt.Errorf("toggle %q: no such option: %w", optionID, ErrStale)
	}
	picked := s.Selected(f)
	if i := slices.Index(picked, optionID); i >= 0 {
		picked = slices.Delete(picked, i, i+1)
	} else {
		if f.Max > 0 && len(picked) >= f.Max {
			return invalid(CodeTooManyChoices, "max", strconv.Itoa(f.Max))
		}
		picked = append(picked, optionID)
	}
	if s.Multi == nil {
		s.Multi = map[string][]string{}
	}
	s.Multi[f.ID] = order(f, picked)
	return nil
}

// order returns picked in option order, never nil, so an emptied selection is still stored as in progress.
func order(f Field, picked []string) []string {
	out := make([]string, 0, len(picked))
	for _, o := range f.Options {
		if slices.Contains(picked, o.ID) {
			out = append(out, o.ID)
		}
	}
	return out
}

// DoneMulti stores the picks of the current multichoice field and moves on like Answer. Nothing picked skips
// an optional field and is refused for a required one (CodeRequired); fewer than Min picks is
// CodeTooFewChoices. Refusals the user should hear are *InvalidError; a state that does not fit is ErrStale.
func (s *State) DoneMulti(fields []Field) error {
	f, ok := s.Current(fields)
	if !ok || f.Type != TypeMultiChoice {
		return fmt.Errorf("done: %w", ErrStale)
	}
	picked := s.Selected(f)
	if len(picked) == 0 {
		return s.Skip(fields)
	}
	v, e := f.multiValue(picked)
	if e != nil {
		return e
	}
	s.store(f, v)
	s.advance(fields)
	return nil
}

// Consent records the user's answer to the consent question. Yes moves to the summary. No leaves the state at
// consent: nothing is submitted without it, and the bot explains (form.consent.refused) and lets the user
// agree, go Back, or cancel.
func (s *State) Consent(yes bool) error {
	if s.stage() != StageConsent {
		return fmt.Errorf("consent: %w", ErrStale)
	}
	if yes {
		s.Stage = StageSummary
	}
	return nil
}

// Submit marks a form whose summary the user confirmed as done. Saving the registration is the caller's
// business and must be idempotent on its own; Submit only guarantees that a form is submitted from the summary,
// after consent, and once (ErrSubmitted afterwards).
func (s *State) Submit() error {
	switch s.stage() {
	case StageSummary:
		s.Stage = StageDone
		return nil
	case StageDone:
		return ErrSubmitted
	}
	return fmt.Errorf("submit: %w", ErrStale)
}

// Line is one row of the summary.
type Line struct {
	FieldID string // for the Edit button
	Label   string // the field's short label in the reader's language
	Value   string // the answer in the reader's language; "—" when skipped
	Skipped bool
}

// Summary lists every field with its answer, labelled and displayed in lang, for the user to check before
// submitting (and for the staff notification card).
func (s *State) Summary(fields []Field, lang string) []Line {
	lines := make([]Line, len(fields))
	for i, f := range fields {
		lines[i] = Line{FieldID: f.ID, Label: f.Label(lang), Value: "—", Skipped: true}
		if v, ok := s.Answers[f.ID]; ok {
			lines[i].Value, lines[i].Skipped = f.Display(v, lang), false
		}
	}
	return lines
}
