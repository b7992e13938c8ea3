package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"gopkg.in/yaml.v3"

	"github.com/ufo-thanhhoa/huunghi/bot/events"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// FlowEventDraft is the session flow of a staff member writing an event in the chat (/newevent) or
// changing one (/editevent). The draft lives in the session, so a restart of the bot loses nothing typed.
const FlowEventDraft = "eventdraft"

// StaffEvents is the staff side of events: creating, changing and cancelling events from the chat, and
// the list of who signed up. Every change goes through the Catalog, which moves reminders and tells the
// people signed up; this file only talks to staff.
type StaffEvents struct {
	d   Deps
	cat *events.Catalog
	// ev builds the card people see, for the preview.
	ev *Events
}

// NewStaffEvents returns the staff side of events; ev is the users' side, whose card the preview shows.
func NewStaffEvents(d Deps, ev *Events) *StaffEvents {
	return &StaffEvents{d: d, cat: d.Events, ev: ev}
}

// eventDraft is an event being written or changed, as kept in the session. The event itself is kept in
// the file format (Doc), the one format ParseEvent validates, so a draft is checked exactly as a file is.
type eventDraft struct {
	// Edit is set when an existing event is being changed: its id is fixed and Publish saves the change.
	Edit bool `json:"edit,omitempty"`
	// Doc is the event so far, YAML as messages.MarshalEvent writes it.
	Doc string `json:"doc"`
	// Steps are the questions still to ask, the current one first ("title:vi", "starts", ...). None left
	// means the draft is at its preview.
	Steps []string `json:"steps,omitempty"`
	// Shown is set once the preview was shown: from then on every answer the draft has is one to keep.
	Shown bool `json:"shown,omitempty"`
}

// The steps of the wizard: a per-language text is "<kind>:<lang>".
const (
	stepTitle, stepDescription, stepPlace = "title", "description", "place"
	stepID, stepStarts, stepEnds          = "id", "starts", "ends"
	stepAudience, stepSignup, stepCap     = "audience", "signup", "capacity"
	stepReminders, stepMap                = "reminders", "map"
)

// editFields are the parts staff can change one at a time, in the order the buttons show them; "when" is
// the start and the end together, "signup" also asks the places. The id of a published event never
// changes (posters and sign-ups name it); a new event's can.
var editFields = []string{stepTitle, stepDescription, stepPlace, "when", stepAudience, stepSignup, stepCap, stepReminders, stepMap}

// draftLangs are the languages a text is asked in: the staff member's own first, then the others.
func (s *StaffEvents) draftLangs(first string) []string {
	out := []string{first}
	for _, l := range s.d.Content.Langs {
		if l != first {
			out = append(out, l)
		}
	}
	if !s.d.Content.HasLang(first) {
		out = out[1:]
	}
	return out
}

// fieldSteps are the steps that change one part of the event.
func (s *StaffEvents) fieldSteps(field, lang string) []string {
	var out []string
	switch field {
	case stepTitle, stepDescription, stepPlace:
		for _, l := range s.draftLangs(lang) {
			out = append(out, field+":"+l)
		}
	case "when":
		out = []string{stepStarts, stepEnds}
	case stepSignup:
		out = []string{stepSignup, stepCap}
	default:
		out = []string{field}
	}
	return out
}

// allSteps are the wizard's questions in order: the titles first, so that an id can be suggested from one.
func (s *StaffEvents) allSteps(lang string) []string {
	out := s.fieldSteps(stepTitle, lang)
	out = append(out, stepID)
	out = append(out, s.fieldSteps(stepDescription, lang)...)
	out = append(out, s.fieldSteps(stepPlace, lang)...)
	return append(out, stepStarts, stepEnds, stepAudience, stepSignup, stepCap, stepReminders, stepMap)
}

// event reads the draft's event.
func (dr *eventDraft) event() (*messages.Event, error) {
	var e messages.Event
	if err := yaml.Unmarshal([]byte(dr.Doc), &e); err != nil {
		return nil, fmt.Errorf("read event draft: %w", err)
	}
	for _, m := range []*map[string]string{&e.Title, &e.Description, &e.Place} {
		if *m == nil {
			*m = map[string]string{}
		}
	}
	return &e, nil
}

// set writes e into the draft.
func (dr *eventDraft) set(e *messages.Event) error {
	raw, err := messages.MarshalEvent(e)
	if err != nil {
		return fmt.Errorf("write event draft: %w", err)
	}
	dr.Doc = string(raw)
	return nil
}

// New handles /newevent: the wizard starts, or a draft in progress is taken up where it was.
func (s *StaffEvents) New(ctx context.Context, r *Request) {
	d := s.d
	if !r.Private {
		d.Reply(ctx, r, d.T(r, "staff.event.private"))
		return
	}
	if dr, e, ok := s.current(ctx, r); ok {
		d.Reply(ctx, r, d.T(r, "staff.event.resume"))
		s.next(ctx, r, dr, e, "")
		return
	}
	e := &messages.Event{Title: map[string]string{}, Description: map[string]string{}, Place: map[string]string{},
		RemindersAt: append([]string(nil), messages.DefaultReminders...)}
	dr := &eventDraft{Steps: s.allSteps(r.Lang)}
	if err := dr.set(e); err != nil || !s.save(ctx, r, dr) {
		s.fail(ctx, r, "start event draft", err)
		return
	}
	d.Reply(ctx, r, d.T(r, "staff.event.new_intro"))
	s.next(ctx, r, dr, e, "")
}

// Edit handles "/editevent <id>": the parts of the event to change, as buttons.
func (s *StaffEvents) Edit(ctx context.Context, r *Request) {
	d := s.d
	if !r.Private {
		d.Reply(ctx, r, d.T(r, "staff.event.private"))
		return
	}
	e, ok := s.named(ctx, r, "staff.event.edit_usage")
	if !ok {
		return
	}
	if e.Cancelled {
		d.Reply(ctx, r, d.T(r, "staff.event.is_cancelled", "event", e.TitleIn(r.Lang)))
		return
	}
	if !d.now().Before(e.Ends) {
		d.Reply(ctx, r, d.T(r, "staff.event.is_over", "event", e.TitleIn(r.Lang)))
		return
	}
	dr := &eventDraft{Edit: true}
	if err := dr.set(e.Event); err != nil || !s.save(ctx, r, dr) {
		s.fail(ctx, r, "start event edit", err)
		return
	}
	text := d.T(r, "staff.event.edit_what", "event", e.TitleIn(r.Lang), "id", e.ID)
	if _, file := d.Content.Event(e.ID); file {
		text += "\n\n" + d.T(r, "staff.event.file_note")
	}
	d.Reply(ctx, r, text, s.fieldButtons(r, dr)...)
}

// named reads the event the command's argument names (ids are case-insensitive), answering when there is
// none: usage when no id was given.
func (s *StaffEvents) named(ctx context.Context, r *Request, usage string) (events.Event, bool) {
	d := s.d
	args := strings.Fields(r.Args)
	id := ""
	for _, a := range args {
		if !strings.HasPrefix(a, "--") {
			id = strings.ToLower(a)
			break
		}
	}
	if id == "" {
		d.Reply(ctx, r, d.T(r, usage))
		return events.Event{}, false
	}
	e, ok, err := s.cat.Get(ctx, id)
	if err != nil {
		s.fail(ctx, r, "get event", err)
		return events.Event{}, false
	}
	if !ok {
		d.Reply(ctx, r, d.T(r, "staff.event.unknown", "id", id))
		return events.Event{}, false
	}
	if !r.InScope(e.ID) {
		d.Reply(ctx, r, d.T(r, "staff.scope.not_yours", "id", e.ID))
		return events.Event{}, false
	}
	return e, true
}

// current returns the staff member's draft, if they are writing one.
func (s *StaffEvents) current(ctx context.Context, r *Request) (*eventDraft, *messages.Event, bool) {
	sess, err := s.d.Store.GetSession(ctx, r.UserID)
	if err != nil || sess.Flow != FlowEventDraft {
		return nil, nil, false
	}
	var dr eventDraft
	if json.Unmarshal(sess.Data, &dr) != nil {
		return nil, nil, false
	}
	e, err := dr.event()
	if err != nil {
		return nil, nil, false
	}
	return &dr, e, true
}

func (s *StaffEvents) save(ctx context.Context, r *Request, dr *eventDraft) bool {
	raw, err := json.Marshal(dr)
	if err == nil {
		err = s.d.Store.SaveSession(ctx, r.UserID, store.Session{Flow: FlowEventDraft, Data: raw, Update: r.Update.ID})
	}
	if err != nil {
		s.d.Log.Error("save event draft", "chat_id", r.ChatID, "err", err)
		return false
	}
	return true
}

// fail logs an error without personal data and apologises.
func (s *StaffEvents) fail(ctx context.Context, r *Request, what string, err error) {
	s.d.Log.Error(what, "chat_id", r.ChatID, "err", err)
	s.d.Answer(ctx, r, "")
	s.d.Reply(ctx, r, s.d.T(r, "error.apology"))
}

// Text takes a typed answer to the draft's current question.
func (s *StaffEvents) Text(ctx context.Context, r *Request, text string) {
	d := s.d
	sess, err := d.Store.GetSession(ctx, r.UserID)
	dr, e, ok := s.current(ctx, r)
	if err != nil || !ok || !r.IsStaff() {
		_ = d.Store.ClearSession(ctx, r.UserID)
		d.Reply(ctx, r, d.T(r, "staff.event.expired"))
		return
	}
	if dr.Edit && !r.InScope(e.ID) { // the scope changed while the change was being written
		_ = d.Store.ClearSession(ctx, r.UserID)
		d.Reply(ctx, r, d.T(r, "staff.scope.not_yours", "id", e.ID))
		return
	}
	if sess.Update != 0 && sess.Update == r.Update.ID { // handled again after a lost ack: ask again, no more
		s.next(ctx, r, dr, e, "")
		return
	}
	if len(dr.Steps) == 0 {
		d.Reply(ctx, r, d.T(r, "staff.event.use_buttons"))
		s.preview(ctx, r, dr, e, r.Lang, false)
		return
	}
	s.take(ctx, r, dr, e, text)
}

// Media answers a sticker, photo or file sent in the middle of the wizard, and asks the question again.
func (s *StaffEvents) Media(ctx context.Context, r *Request) {
	dr, e, ok := s.current(ctx, r)
	if !ok {
		s.d.Reply(ctx, r, s.d.T(r, "staff.event.expired"))
		return
	}
	s.next(ctx, r, dr, e, s.d.T(r, "staff.event.typed_only"))
}

// take applies an answer to the current step: on success the draft moves on, else the same question is
// asked again under the reason, and nothing typed before is lost.
func (s *StaffEvents) take(ctx context.Context, r *Request, dr *eventDraft, e *messages.Event, text string) {
	d := s.d
	step := dr.Steps[0]
	if problem := s.apply(ctx, r, e, step, text); problem != "" {
		s.next(ctx, r, dr, e, problem)
		return
	}
	dr.Steps = dr.Steps[1:]
	if err := dr.set(e); err != nil || !s.save(ctx, r, dr) {
		s.fail(ctx, r, "save event draft", err)
		return
	}
	kind, _, _ := strings.Cut(step, ":")
	note := ""
	switch kind {
	case stepStarts, stepEnds, stepAudience, stepSignup, stepCap, stepReminders, stepMap, stepID:
		// Said back, because typing is read generously: "14/4/2027 8h" became a date and time.
		note = d.T(r, "staff.event.understood", "value", s.display(r.Lang, e, kind))
	}
	s.next(ctx, r, dr, e, note)
}

// apply checks text as the answer to step and writes it into e; it returns why it is refused, in the
// staff member's language, or "".
func (s *StaffEvents) apply(ctx context.Context, r *Request, e *messages.Event, step, text string) string {
	d := s.d
	kind, lang, _ := strings.Cut(step, ":")
	text = strings.TrimSpace(norm.NFC.String(text))
	switch kind {
	case stepTitle, stepPlace:
		text = strings.Join(strings.Fields(text), " ") // one line: a title labels a button
		limit := map[string]int{stepTitle: messages.MaxEventTitle, stepPlace: 200}[kind]
		if text == "" {
			return d.T(r, "staff.event.bad.empty")
		}
		if n := utf8.RuneCountInString(text); n > limit {
			return d.T(r, "staff.event.bad.too_long", "n", strconv.Itoa(n), "max", strconv.Itoa(limit))
		}
		map[string]map[string]string{stepTitle: e.Title, stepPlace: e.Place}[kind][lang] = text
	case stepDescription:
		if text == "" {
			return d.T(r, "staff.event.bad.empty")
		}
		if n := utf8.RuneCountInString(text); n > messages.MaxEventDescription {
			return d.T(r, "staff.event.bad.too_long", "n", strconv.Itoa(n), "max", strconv.Itoa(messages.MaxEventDescription))
		}
		e.Description[lang] = text
	case stepID:
		id := strings.ToLower(text)
		if !eventIDRE.MatchString(id) {
			return d.T(r, "staff.event.bad.id")
		}
		if taken, err := s.taken(ctx, id); err != nil || taken {
			return d.T(r, "staff.event.bad.id_taken", "id", id)
		}
		e.ID = id
	case stepStarts, stepEnds:
		t, ok := parseTypedTime(text, s.cat.Zone())
		if !ok {
			return d.T(r, "staff.event.bad.time", "example", s.example(kind, e))
		}
		if !t.After(d.now()) {
			return d.T(r, "staff.event.bad.past")
		}
		if kind == stepStarts {
			e.StartsAt = t.Format(messages.EventTimeLayout)
			break
		}
		if starts, err := messages.ParseEventTime(e.StartsAt, s.cat.Zone()); err == nil && !t.After(starts) {
			return d.T(r, "staff.event.bad.ends_first", "starts", starts.Format("02/01/2006 15:04"))
		}
		e.EndsAt = t.Format(messages.EventTimeLayout)
	case stepAudience:
		v, bad := s.audienceField().Parse(text, d.now())
		if bad != nil {
			return d.T(r, "staff.event.bad.audience")
		}
		e.Audience = audienceOf(strings.Split(v.Raw, ","))
	case stepSignup:
		v, bad := forms.Field{ID: "signup", Type: forms.TypeYesNo}.Parse(text, d.now())
		if bad != nil {
			return d.T(r, "staff.event.bad.yesno")
		}
		e.Signup = v.Raw == "yes"
		if !e.Signup {
			e.Capacity = 0
		}
	case stepCap:
		n, err := strconv.Atoi(strings.TrimSpace(strings.Map(asciiDigit, text)))
		if err != nil || n < 0 || n > 100000 {
			return d.T(r, "staff.event.bad.capacity")
		}
		e.Capacity = n
	case stepReminders:
		offs, ok := parseOffsets(text)
		if !ok {
			return d.T(r, "staff.event.bad.reminders")
		}
		e.RemindersAt = offs
	case stepMap:
		if isNone(text) {
			e.Map = ""
			break
		}
		if !validMapText(text) {
			return d.T(r, "staff.event.bad.map")
		}
		e.Map = text
	}
	return ""
}

// eventIDRE is what an event id may be (messages validates the same): it travels in links and buttons.
var eventIDRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// taken reports whether an id names an event (a file's or staff's) or a programme already.
func (s *StaffEvents) taken(ctx context.Context, id string) (bool, error) {
	if _, ok := s.d.Content.Programme(id); ok {
		return true, nil
	}
	_, ok, err := s.cat.Get(ctx, id)
	if err != nil {
		return false, err
	}
	if !ok {
		st, err := s.d.Store.EventState(ctx, id)
		return err != nil || st.Doc != nil, err // kept in Redis but unreadable: still taken
	}
	return ok, nil
}

// suggestID makes an id from the event's title: its letters without marks, words joined by "_", at most
// 32 characters, and a number added when that id is taken.
func (s *StaffEvents) suggestID(ctx context.Context, e *messages.Event) string {
	var words []string
	for _, l := range []string{"en", "vi"} {
		if words = asciiWords(e.Title[l]); len(words) > 0 {
			break
		}
	}
	base := ""
	for _, w := range words {
		if len(base)+len(w)+1 > 28 {
			break
		}
		if base != "" {
			base += "_"
		}
		base += w
	}
	if base == "" {
		base = "event"
	}
	for n := 1; n < 100; n++ {
		id := base
		if n > 1 {
			id += "_" + strconv.Itoa(n)
		}
		if taken, err := s.taken(ctx, id); err == nil && !taken {
			return id
		}
	}
	return ""
}

// asciiWords are the words of s in lower-case a-z and 0-9, marks removed ("Tết" → "tet", "Đồng" → "dong").
func asciiWords(s string) []string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case r == 'đ':
			b.WriteRune('d')
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case unicode.Is(unicode.Mn, r):
		default:
			b.WriteRune(' ')
		}
	}
	return strings.Fields(b.String())
}

func asciiDigit(r rune) rune {
	if unicode.IsDigit(r) {
		if v := r - '0'; v >= 0 && v <= 9 {
			return r
		}
		if d, ok := otherDigit(r); ok {
			return d
		}
	}
	return r
}

// otherDigit reads a Lao or Thai digit (a Lao keyboard types ໐–໙) as an ASCII one.
func otherDigit(r rune) (rune, bool) {
	switch {
	case r >= 0x0ED0 && r <= 0x0ED9:
		return '0' + r - 0x0ED0, true
	case r >= 0x0E50 && r <= 0x0E59:
		return '0' + r - 0x0E50, true
	}
	return 0, false
}

// Typed date and time, as staff write them: "2027-04-14 08:00", "2027-04-14T08:00", "2027-04-14 8:00",
// "14/04/2027 08:00", "14/4/2027 8h30", "14.04.2027, 8:00".
var (
	isoTimeRE = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:\s*[Tt]\s*|\s*,?\s+|,)(\d{1,2})\s*[:hH.]\s*(\d{2})$`)
	dmyTimeRE = regexp.MustCompile(`^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:\s*,?\s+|,)(\d{1,2})\s*[:hH.]\s*(\d{2})$`)
)

// parseTypedTime reads a typed local date and time in loc; ok is false for anything else, a day that does
// not exist (31/04) included.
func parseTypedTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(strings.Map(asciiDigit, s))
	var y, mo, d, h, mi int
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	if m := isoTimeRE.FindStringSubmatch(s); m != nil {
		y, mo, d, h, mi = atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4]), atoi(m[5])
	} else if m := dmyTimeRE.FindStringSubmatch(s); m != nil {
		d, mo, y, h, mi = atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4]), atoi(m[5])
	} else {
		return time.Time{}, false
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, 0, 0, loc)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// parseOffsets reads reminder offsets as staff type them: Go durations separated by spaces or commas
// ("72h 24h 2h", "90m"), whole days as "3d", or a word for none. The offsets are checked as a file's are
// (messages.ParseReminders).
func parseOffsets(s string) ([]string, bool) {
	if isNone(s) {
		return []string{}, true
	}
	var out []string
	for _, f := range strings.FieldsFunc(strings.ToLower(strings.Map(asciiDigit, s)), func(r rune) bool {
		return r == ',' || r == ';' || unicode.IsSpace(r)
	}) {
		if n, ok := strings.CutSuffix(f, "d"); ok {
			days, err := strconv.Atoi(n)
			if err != nil {
				return nil, false
			}
			f = strconv.Itoa(24*days) + "h"
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, false
	}
	if _, err := messages.ParseReminders(out); err != nil {
		return nil, false
	}
	return out, true
}

// isNone reports whether a typed answer means "none": "-", "0", "none", "no", "không", "ko", "ບໍ່ມີ", with
// or without tone marks.
func isNone(s string) bool {
	t := strings.TrimSpace(s)
	switch strings.ReplaceAll(t, " ", "") {
	case "-", "0", "ບໍ່ມີ", "ບໍ່":
		return true
	}
	switch strings.Join(asciiWords(t), " ") {
	case "none", "no", "nothing", "khong", "khong co", "ko":
		return true
	}
	return false
}

// validMapText accepts what an event's map may be: "lat,lon" or an http(s) link (messages checks the same
// when the event is read).
func validMapText(s string) bool {
	e := messages.Event{Map: s}
	if _, _, ok := e.Coordinates(); ok {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && !strings.ContainsAny(s, " \n")
}

// eventAudiences are the eventAudiences an event may be for, as the buttons offer them; "everyone" is none listed.
var eventAudiences = []string{"everyone", "student", "diaspora", "other"}

// audienceField reads a typed audience the way a form reads a multiple choice: labels in any language,
// with or without tone marks ("sinh vien", "kieu bao, khac").
func (s *StaffEvents) audienceField() forms.Field {
	f := forms.Field{ID: "audience", Type: forms.TypeMultiChoice}
	for _, a := range eventAudiences {
		o := forms.Option{ID: a, Label: map[string]string{}}
		for _, l := range s.d.Content.Langs {
			o.Label[l] = s.d.Content.T(l, "staff.event.aud."+a)
		}
		f.Options = append(f.Options, o)
	}
	return f
}

// audienceOf is the event's audience for the picked options: everyone (none listed) when "everyone" is
// among them or all three are.
func audienceOf(picked []string) []string {
	if slices.Contains(picked, "everyone") {
		return nil
	}
	var out []string
	for _, a := range eventAudiences[1:] {
		if slices.Contains(picked, a) {
			out = append(out, a)
		}
	}
	if len(out) == len(eventAudiences)-1 {
		return nil
	}
	return out
}

// display is the draft's value of a step's kind, for the staff member to read back.
func (s *StaffEvents) display(lang string, e *messages.Event, kind string) string {
	c := s.d.Content
	switch kind {
	case stepID:
		return e.ID
	case stepStarts, stepEnds:
		at := map[string]string{stepStarts: e.StartsAt, stepEnds: e.EndsAt}[kind]
		t, err := messages.ParseEventTime(at, s.cat.Zone())
		if err != nil {
			return ""
		}
		return events.Day(c, lang, t) + " " + t.Format("15:04") + " (" + events.GMT(t) + ")"
	case stepAudience:
		if len(e.Audience) == 0 {
			return c.T(lang, "staff.event.aud.everyone")
		}
		labels := make([]string, len(e.Audience))
		for i, a := range e.Audience {
			labels[i] = c.T(lang, "staff.event.aud."+a)
		}
		return strings.Join(labels, ", ")
	case stepSignup:
		return c.T(lang, map[bool]string{true: "staff.event.yes", false: "staff.event.no"}[e.Signup])
	case stepCap:
		if e.Capacity == 0 {
			return c.T(lang, "capacity.unlimited")
		}
		return strconv.Itoa(e.Capacity)
	case stepReminders:
		ds, err := messages.ParseReminders(e.RemindersAt)
		if err != nil {
			return strings.Join(e.RemindersAt, " ")
		}
		if len(ds) == 0 {
			return c.T(lang, "staff.event.no_reminders")
		}
		return events.Offsets(c, lang, ds) + " (" + strings.Join(e.RemindersAt, " ") + ")"
	case stepMap:
		if e.Map == "" {
			return c.T(lang, "staff.event.no_map")
		}
		return e.Map
	}
	return ""
}

// current value of a step, "" when it has none yet (then there is nothing to keep).
func (s *StaffEvents) currentValue(lang string, dr *eventDraft, e *messages.Event, step string) string {
	kind, l, _ := strings.Cut(step, ":")
	switch kind {
	case stepTitle:
		return e.Title[l]
	case stepDescription:
		return e.Description[l]
	case stepPlace:
		return e.Place[l]
	case stepID:
		return e.ID
	case stepStarts:
		if e.StartsAt == "" {
			return ""
		}
	case stepEnds:
		if e.EndsAt == "" {
			return ""
		}
	case stepAudience, stepSignup, stepCap, stepReminders, stepMap:
		if !dr.Edit && !dr.Shown {
			return "" // a new event's default is not an answer yet: the question is asked, not skipped
		}
	}
	return s.display(lang, e, kind)
}

// example is a date and time to write, a month ahead at 08:00 (the end three hours after the start).
func (s *StaffEvents) example(kind string, e *messages.Event) string {
	t := s.d.now().In(s.cat.Zone()).AddDate(0, 1, 0)
	t = time.Date(t.Year(), t.Month(), t.Day(), 8, 0, 0, 0, t.Location())
	if kind == stepEnds {
		if starts, err := messages.ParseEventTime(e.StartsAt, s.cat.Zone()); err == nil {
			t = starts.Add(3 * time.Hour)
		} else {
			t = t.Add(3 * time.Hour)
		}
	}
	return t.Format("2006-01-02 15:04")
}

// next asks the draft's current question under note, or shows the preview when none is left. A step that
// does not apply (the places of an event without sign-up) is passed.
func (s *StaffEvents) next(ctx context.Context, r *Request, dr *eventDraft, e *messages.Event, note string) {
	d := s.d
	for len(dr.Steps) > 0 && (dr.Steps[0] == stepCap && !e.Signup || dr.Edit && dr.Steps[0] == stepID) {
		if dr.Steps[0] == stepCap {
			e.Capacity = 0
		}
		dr.Steps = dr.Steps[1:]
		if err := dr.set(e); err != nil || !s.save(ctx, r, dr) {
			s.fail(ctx, r, "save event draft", err)
			return
		}
	}
	if len(dr.Steps) == 0 {
		if note != "" {
			d.Reply(ctx, r, note)
		}
		s.preview(ctx, r, dr, e, r.Lang, false)
		return
	}
	text, rows := s.question(ctx, r, dr, e)
	if note != "" {
		text = note + "\n\n" + text
	}
	d.Reply(ctx, r, text, rows...)
}

// question is the text and buttons of the draft's current step.
func (s *StaffEvents) question(ctx context.Context, r *Request, dr *eventDraft, e *messages.Event) (string, [][]outbox.Button) {
	d := s.d
	step := dr.Steps[0]
	kind, lang, _ := strings.Cut(step, ":")
	var text string
	var rows [][]outbox.Button
	switch kind {
	case stepTitle, stepDescription, stepPlace:
		text = d.T(r, "staff.event.ask."+kind, "language", d.Content.T(lang, "lang.name"), "code", lang)
	case stepID:
		text = d.T(r, "staff.event.ask.id")
		if sug := s.suggestID(ctx, e); sug != "" && sug != e.ID {
			rows = append(rows, []outbox.Button{{Text: d.T(r, "staff.event.use_id", "id", sug), Data: StaffEventButtons.Data("sug")}})
		}
	case stepStarts, stepEnds:
		text = d.T(r, "staff.event.ask."+kind, "example", s.example(kind, e), "zone", s.cat.Zone().String()+", "+events.GMT(d.now().In(s.cat.Zone())))
	case stepAudience:
		text = d.T(r, "staff.event.ask.audience")
		rows = s.audienceButtons(r, e)
	case stepSignup:
		text = d.T(r, "staff.event.ask.signup")
		rows = append(rows, []outbox.Button{{Text: d.T(r, "staff.event.yes"), Data: StaffEventButtons.Data("sig", "y")},
			{Text: d.T(r, "staff.event.no"), Data: StaffEventButtons.Data("sig", "n")}})
	case stepCap:
		text = d.T(r, "staff.event.ask.capacity")
		rows = append(rows, []outbox.Button{{Text: d.T(r, "capacity.unlimited"), Data: StaffEventButtons.Data("nocap")}})
	case stepReminders:
		text = d.T(r, "staff.event.ask.reminders")
		rows = append(rows, []outbox.Button{{Text: d.T(r, "staff.event.default_reminders"), Data: StaffEventButtons.Data("rdef")},
			{Text: d.T(r, "staff.event.no_reminders"), Data: StaffEventButtons.Data("rnone")}})
	case stepMap:
		text = d.T(r, "staff.event.ask.map")
		rows = append(rows, []outbox.Button{{Text: d.T(r, "staff.event.no_map"), Data: StaffEventButtons.Data("nomap")}})
	}
	if cur := s.currentValue(r.Lang, dr, e, step); cur != "" && kind != stepAudience {
		text += "\n\n" + d.T(r, "staff.event.current", "value", cur)
		rows = append(rows, []outbox.Button{{Text: d.T(r, "staff.event.keep"), Data: StaffEventButtons.Data("keep")}})
	}
	return text, rows
}

// audienceButtons toggle each audience, with a mark on those picked, then Done.
func (s *StaffEvents) audienceButtons(r *Request, e *messages.Event) [][]outbox.Button {
	d := s.d
	picked := map[string]bool{"everyone": len(e.Audience) == 0}
	for _, a := range e.Audience {
		picked[a] = true
	}
	var rows [][]outbox.Button
	for _, a := range eventAudiences {
		label := d.T(r, "staff.event.aud."+a)
		if picked[a] {
			label = "✅ " + label
		}
		rows = append(rows, []outbox.Button{{Text: label, Data: StaffEventButtons.Data("aud", a)}})
	}
	return append(rows, []outbox.Button{{Text: d.T(r, "staff.event.done"), Data: StaffEventButtons.Data("audok")}})
}

// fieldButtons are the parts of the draft staff may change, two to a row.
func (s *StaffEvents) fieldButtons(r *Request, dr *eventDraft) [][]outbox.Button {
	fields := editFields
	if !dr.Edit {
		fields = append([]string{stepID}, editFields...)
	}
	var rows [][]outbox.Button
	for i, f := range fields {
		b := outbox.Button{Text: s.d.T(r, "staff.event.field."+f), Data: StaffEventButtons.Data("f", f)}
		if i%2 == 0 {
			rows = append(rows, []outbox.Button{b})
		} else {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
		}
	}
	return append(rows, []outbox.Button{{Text: s.d.T(r, "staff.event.discard"), Data: StaffEventButtons.Data("discard")}})
}

// validate reads the draft as a file is read (messages.ParseEvent), the one validator of events.
func (s *StaffEvents) validate(e *messages.Event) (*messages.Event, messages.Problems) {
	raw, err := messages.MarshalEvent(e)
	if err != nil {
		return nil, messages.Problems{{Message: err.Error()}}
	}
	parsed, problems := messages.ParseEvent(raw, "", s.d.Content.Langs, s.cat.Zone())
	if errs := problems.Errors(); parsed == nil || len(errs) > 0 {
		return nil, errs
	}
	return parsed, nil
}

// preview shows the draft's card exactly as people will see it in lang (its own buttons do nothing here),
// under it the languages to preview in and Publish, Edit a field, Discard. With edit, the message a button
// came from is replaced.
func (s *StaffEvents) preview(ctx context.Context, r *Request, dr *eventDraft, e *messages.Event, lang string, edit bool) {
	d := s.d
	parsed, problems := s.validate(e)
	if parsed == nil {
		var b strings.Builder
		b.WriteString(d.T(r, "staff.event.invalid"))
		for _, p := range problems {
			b.WriteString("\n• " + p.Message)
		}
		d.Reply(ctx, r, b.String(), s.fieldButtons(r, dr)...)
		return
	}
	ev := events.Event{Event: parsed, Staff: true}
	if dr.Edit {
		if cur, ok, err := s.cat.Get(ctx, parsed.ID); err == nil && ok {
			ev.Seq, ev.Cancelled = cur.Seq, cur.Cancelled
		}
	}
	text, cardRows := s.ev.cardView(ctx, ev, lang, 0, false)
	var rows [][]outbox.Button
	for _, row := range cardRows {
		var out []outbox.Button
		for _, b := range row {
			if b.URL == "" {
				b.Data = StaffEventButtons.Data("nop")
			}
			out = append(out, b)
		}
		rows = append(rows, out)
	}
	var langs []outbox.Button
	for _, l := range d.Content.Langs {
		label := "👁 " + l
		if l == lang {
			label = "✅ " + l
		}
		langs = append(langs, outbox.Button{Text: label, Data: StaffEventButtons.Data("pv", l)})
	}
	publish := "staff.event.publish"
	if dr.Edit {
		publish = "staff.event.save"
	}
	rows = append(rows, langs, []outbox.Button{{Text: d.T(r, publish), Data: StaffEventButtons.Data("pub")}},
		[]outbox.Button{{Text: d.T(r, "staff.event.edit_field"), Data: StaffEventButtons.Data("edit")},
			{Text: d.T(r, "staff.event.discard"), Data: StaffEventButtons.Data("discard")}})
	if !dr.Shown {
		dr.Shown = true
		if !s.save(ctx, r, dr) {
			s.fail(ctx, r, "save event draft", nil)
			return
		}
	}
	if edit {
		d.Edit(ctx, r, text, rows...)
		return
	}
	d.Reply(ctx, r, d.T(r, "staff.event.preview", "language", d.Content.T(lang, "lang.name")))
	d.Reply(ctx, r, text, rows...)
}

// Button handles the "sev:" buttons: the wizard's, the preview's and the cancellation's.
func (s *StaffEvents) Button(ctx context.Context, r *Request) {
	d := s.d
	verb, args, ok := parse(StaffEventButtons, r)
	if !ok {
		d.Expired(ctx, r)
		return
	}
	switch verb {
	case "nop":
		d.Answer(ctx, r, d.T(r, "staff.event.preview_only"))
		return
	case "cx", "ck":
		s.cancelAnswer(ctx, r, verb, args[0])
		return
	}
	dr, e, ok := s.current(ctx, r)
	if !ok || !r.Private {
		d.Expired(ctx, r)
		return
	}
	if dr.Edit && !r.InScope(e.ID) {
		d.Answer(ctx, r, d.T(r, "staff.scope.button"))
		return
	}
	step := ""
	if len(dr.Steps) > 0 {
		step, _, _ = strings.Cut(dr.Steps[0], ":")
	}
	// Each answer button belongs to one step; one from an earlier question is stale.
	want := map[string]string{"aud": stepAudience, "audok": stepAudience, "sig": stepSignup, "sug": stepID,
		"rdef": stepReminders, "rnone": stepReminders, "nomap": stepMap, "nocap": stepCap}
	if w, isAnswer := want[verb]; isAnswer && w != step || verb == "keep" && (step == "" || s.currentValue(r.Lang, dr, e, dr.Steps[0]) == "") ||
		(verb == "pv" || verb == "pub") && step != "" {
		d.Expired(ctx, r)
		return
	}
	d.Answer(ctx, r, "")
	switch verb {
	case "aud":
		s.toggleAudience(e, args[0])
		if err := dr.set(e); err != nil || !s.save(ctx, r, dr) {
			s.fail(ctx, r, "save event draft", err)
			return
		}
		text, rows := s.question(ctx, r, dr, e)
		d.Edit(ctx, r, text, rows...)
	case "audok":
		s.takeValue(ctx, r, dr, e)
	case "sig":
		s.take(ctx, r, dr, e, map[string]string{"y": "yes", "n": "no"}[args[0]])
	case "sug":
		s.take(ctx, r, dr, e, s.suggestID(ctx, e))
	case "rdef":
		s.take(ctx, r, dr, e, strings.Join(messages.DefaultReminders, " "))
	case "rnone":
		s.take(ctx, r, dr, e, "-")
	case "nomap":
		s.take(ctx, r, dr, e, "-")
	case "nocap":
		s.take(ctx, r, dr, e, "0")
	case "keep":
		s.takeValue(ctx, r, dr, e)
	case "pv":
		if !d.Content.HasLang(args[0]) {
			d.Expired(ctx, r)
			return
		}
		s.preview(ctx, r, dr, e, args[0], true)
	case "pub":
		s.publish(ctx, r, dr, e)
	case "edit":
		d.Edit(ctx, r, d.T(r, "staff.event.edit_which"), s.fieldButtons(r, dr)...)
	case "f":
		if (!slices.Contains(editFields, args[0]) && args[0] != stepID) || dr.Edit && args[0] == stepID {
			d.Expired(ctx, r)
			return
		}
		dr.Steps = s.fieldSteps(args[0], r.Lang)
		if !s.save(ctx, r, dr) {
			s.fail(ctx, r, "save event draft", nil)
			return
		}
		s.next(ctx, r, dr, e, "")
	case "discard":
		if err := d.Store.ClearSession(ctx, r.UserID); err != nil {
			s.fail(ctx, r, "discard event draft", err)
			return
		}
		d.Edit(ctx, r, d.T(r, "staff.event.discarded"))
	}
}

// toggleAudience picks or unpicks an audience; "everyone" clears the others.
func (s *StaffEvents) toggleAudience(e *messages.Event, a string) {
	if a == "everyone" {
		e.Audience = nil
		return
	}
	picked := map[string]bool{}
	for _, x := range e.Audience {
		picked[x] = true
	}
	picked[a] = !picked[a]
	var list []string
	for x, on := range picked {
		if on {
			list = append(list, x)
		}
	}
	e.Audience = audienceOf(list)
}

// takeValue moves past the current step keeping what the draft has (Keep, or Done of the audience).
func (s *StaffEvents) takeValue(ctx context.Context, r *Request, dr *eventDraft, e *messages.Event) {
	step := dr.Steps[0]
	kind, _, _ := strings.Cut(step, ":")
	if kind == stepEnds { // a kept end must still come after a new start
		if problem := s.apply(ctx, r, e, step, strings.Replace(e.EndsAt, "T", " ", 1)); problem != "" {
			s.next(ctx, r, dr, e, problem)
			return
		}
	}
	dr.Steps = dr.Steps[1:]
	if !s.save(ctx, r, dr) {
		s.fail(ctx, r, "save event draft", nil)
		return
	}
	note := ""
	if kind == stepAudience {
		note = s.d.T(r, "staff.event.understood", "value", s.display(r.Lang, e, kind))
	}
	s.next(ctx, r, dr, e, note)
}

// publish creates the new event, or saves the change of an existing one, and says what follows.
func (s *StaffEvents) publish(ctx context.Context, r *Request, dr *eventDraft, e *messages.Event) {
	d := s.d
	parsed, _ := s.validate(e)
	if parsed == nil {
		s.preview(ctx, r, dr, e, r.Lang, false)
		return
	}
	title := parsed.TitleIn(r.Lang)
	if !dr.Edit {
		err := s.cat.Create(ctx, parsed)
		if errors.Is(err, events.ErrExists) { // taken meanwhile, by a colleague or a deployed file
			dr.Steps = []string{stepID}
			if s.save(ctx, r, dr) {
				s.next(ctx, r, dr, e, d.T(r, "staff.event.bad.id_taken", "id", parsed.ID))
			}
			return
		}
		if err != nil {
			s.fail(ctx, r, "create event", err)
			return
		}
		_ = d.Store.ClearSession(ctx, r.UserID)
		if err := addToScope(ctx, d, r, parsed.ID); err != nil {
			d.Log.Error("add event to staff scope", "event", parsed.ID, "err", err)
		}
		d.Edit(ctx, r, d.T(r, "staff.event.published", "event", title, "id", parsed.ID))
		return
	}
	cur, ok, err := s.cat.Get(ctx, parsed.ID)
	if err != nil {
		s.fail(ctx, r, "get event", err)
		return
	}
	if !ok || cur.Cancelled {
		_ = d.Store.ClearSession(ctx, r.UserID)
		d.Edit(ctx, r, d.T(r, "staff.event.is_cancelled", "event", title))
		return
	}
	// The version people have now is recorded first (a file event the events job has not seen yet), so
	// that the change is measured against it and the people signed up are told.
	if _, err := s.cat.Sync(ctx); err != nil {
		s.fail(ctx, r, "sync events", err)
		return
	}
	told := int64(0)
	if moved(cur.Event, parsed) {
		held, waiting, err := d.Store.SignupCounts(ctx, parsed.ID)
		if err != nil {
			s.fail(ctx, r, "count sign-ups", err)
			return
		}
		told = held + waiting
	}
	if err := s.cat.Save(ctx, parsed); err != nil {
		s.fail(ctx, r, "save event", err)
		return
	}
	_ = d.Store.ClearSession(ctx, r.UserID)
	text := d.T(r, "staff.event.saved", "event", title)
	if moved(cur.Event, parsed) {
		text += "\n" + d.T(r, "staff.event.saved_told", "n", strconv.FormatInt(told, 10))
	} else {
		text += "\n" + d.T(r, "staff.event.saved_quiet")
	}
	if _, file := d.Content.Event(parsed.ID); file {
		text += "\n\n" + d.T(r, "staff.event.file_note")
	}
	d.Edit(ctx, r, text)
}

// moved reports whether people signed up are told of a change from a to b: its date or its place changed
// (what bot/events tells them of).
func moved(a, b *messages.Event) bool {
	if !a.Starts.Equal(b.Starts) || !a.Ends.Equal(b.Ends) {
		return true
	}
	for l, p := range b.Place {
		if a.Place[l] != p {
			return true
		}
	}
	return len(a.Place) != len(b.Place)
}

// CancelEvent handles "/cancelevent <id>": how many will be told, and a button to confirm.
func (s *StaffEvents) CancelEvent(ctx context.Context, r *Request) {
	d := s.d
	e, ok := s.named(ctx, r, "staff.event.cancel_usage")
	if !ok {
		return
	}
	title := e.TitleIn(r.Lang)
	if e.Cancelled {
		d.Reply(ctx, r, d.T(r, "staff.event.already_cancelled", "event", title))
		return
	}
	if !d.now().Before(e.Ends) {
		d.Reply(ctx, r, d.T(r, "staff.event.is_over", "event", title))
		return
	}
	held, waiting, err := d.Store.SignupCounts(ctx, e.ID)
	if err != nil {
		s.fail(ctx, r, "count sign-ups", err)
		return
	}
	d.Reply(ctx, r, d.T(r, "staff.event.cancel_confirm", "event", title, "when", events.When(d.Content, e.Event, r.Lang, s.cat.Zone()),
		"registered", strconv.FormatInt(held, 10), "waiting", strconv.FormatInt(waiting, 10)),
		[]outbox.Button{{Text: d.T(r, "staff.event.cancel_yes"), Data: StaffEventButtons.Data("cx", e.ID)},
			{Text: d.T(r, "staff.event.cancel_no"), Data: StaffEventButtons.Data("ck", e.ID)}})
}

// cancelAnswer handles the confirmation's buttons: cancel the event (cx) or keep it (ck).
func (s *StaffEvents) cancelAnswer(ctx context.Context, r *Request, verb, id string) {
	d := s.d
	e, ok, err := s.cat.Get(ctx, id)
	if err != nil {
		s.fail(ctx, r, "get event", err)
		return
	}
	if !ok {
		d.Expired(ctx, r)
		return
	}
	if !r.InScope(e.ID) {
		d.Answer(ctx, r, d.T(r, "staff.scope.button"))
		return
	}
	d.Answer(ctx, r, "")
	title := e.TitleIn(r.Lang)
	if verb == "ck" {
		d.Edit(ctx, r, d.T(r, "staff.event.cancel_kept", "event", title))
		return
	}
	regs, err := d.Store.Signups(ctx, e.ID)
	if err != nil {
		s.fail(ctx, r, "sign-ups", err)
		return
	}
	first, err := s.cat.Cancel(ctx, e)
	if err != nil {
		s.fail(ctx, r, "cancel event", err)
		return
	}
	if !first {
		d.Edit(ctx, r, d.T(r, "staff.event.already_cancelled", "event", title))
		return
	}
	d.Log.Info("event cancelled by staff", "event", e.ID, "staff", r.UserID, "told", len(regs))
	d.Edit(ctx, r, d.T(r, "staff.event.cancelled", "event", title, "n", strconv.Itoa(len(regs))))
}

// attendeesShown bounds the list in the chat; the file has everyone.
const attendeesShown = 30

// Attendees handles "/attendees <id> [--csv]": who signed up (places, then the waiting list) as a short
// list, and everything, answers of the event's form included, as a spreadsheet. Personal data: the
// staff-desk scope lets this answer only in a private chat or a staff chat.
func (s *StaffEvents) Attendees(ctx context.Context, r *Request) {
	d := s.d
	e, ok := s.named(ctx, r, "staff.attendees.usage")
	if !ok {
		return
	}
	title := e.TitleIn(r.Lang)
	regs, err := d.Store.Signups(ctx, e.ID)
	if err != nil {
		s.fail(ctx, r, "sign-ups", err)
		return
	}
	if len(regs) == 0 {
		d.Reply(ctx, r, d.T(r, "staff.attendees.none", "event", title))
		return
	}
	held := 0
	for _, reg := range regs {
		if reg.Status == store.StatusRegistered {
			held++
		}
	}
	loc := s.cat.Zone()
	var b strings.Builder
	b.WriteString(d.T(r, "staff.attendees.title", "event", title, "registered", strconv.Itoa(held), "waiting", strconv.Itoa(len(regs)-held)))
	n := 0
	for _, status := range []string{store.StatusRegistered, store.StatusWaitlist} {
		for _, reg := range regs {
			if reg.Status != status {
				continue
			}
			if n++; n > attendeesShown {
				continue
			}
			b.WriteString("\n" + strconv.Itoa(n) + ". " + reg.Ref + " · " + d.T(r, "reg.status."+reg.Status) + " · " +
				reg.Created.In(loc).Format("02/01 15:04") + " · " + reg.Lang + " · " + d.T(r, "staff.attendees.user", "id", strconv.FormatInt(reg.UserID, 10)))
		}
	}
	if n > attendeesShown {
		b.WriteString("\n" + d.T(r, "staff.attendees.more", "n", strconv.Itoa(n-attendeesShown)))
	}
	d.Reply(ctx, r, b.String())
	t, err := SignupsTable(ctx, d.Store, e.Event, loc, r.Lang)
	if err != nil {
		s.fail(ctx, r, "sign-ups table", err)
		return
	}
	csv := strings.Contains(" "+r.Args+" ", " --csv ")
	data, name, err := tableFile(t, e.ID+"-"+d.now().In(time.UTC).Format("20060102"), csv)
	if err != nil {
		s.fail(ctx, r, "sign-ups file", err)
		return
	}
	d.send(ctx, outbox.Message{ChatID: r.ChatID, Text: d.T(r, "staff.attendees.caption", "event", title, "n", strconv.Itoa(len(t.Rows))),
		Document: &outbox.Document{Name: name, Data: data}})
}
