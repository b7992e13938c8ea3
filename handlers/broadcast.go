package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/broadcast"
	"github.com/ufo-thanhhoa/huunghi/bot/events"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// FlowBroadcastDraft is the session flow of a staff member making a broadcast in the chat (/broadcast).
// The draft lives in the session, so a restart of the bot loses nothing chosen or sent so far.
const FlowBroadcastDraft = "bcdraft"

// Broadcasts is the chat side of staff announcements: the /broadcast wizard, /broadcasts, the Cancel under
// a broadcast's figures, and the one-tap stop under every broadcast. Delivery is the broadcast service's
// (package broadcast); this file only talks to staff and to the people who stop announcements.
type Broadcasts struct {
	d   Deps
	svc *broadcast.Service
}

// NewBroadcasts returns the chat side of broadcasts.
func NewBroadcasts(d Deps) *Broadcasts { return &Broadcasts{d: d, svc: d.Broadcasts} }

// The wizard's steps: the audience is chosen with buttons, then one version or one per language, then the
// content of each version, then the preview with Send now / Schedule, and a date-time for Schedule.
const (
	bcStepAudience = "audience"
	bcStepVersions = "versions"
	bcStepContent  = "content"
	bcStepReady    = "ready"
	bcStepWhen     = "when"
)

// bcDraft is a broadcast being made, as kept in the session.
type bcDraft struct {
	Step string `json:"step"`
	// Audience is the chosen audience as broadcast.ParseAudience reads it ("lang:lo").
	Audience string `json:"audience,omitempty"`
	// Langs are the versions still to be sent, the current first; "" is the version for every language.
	Langs    []string                     `json:"langs,omitempty"`
	Versions map[string]broadcast.Version `json:"versions,omitempty"`
}

// New handles /broadcast in a private chat (bot/routes.go sends staff in a group there): the wizard
// starts, or a draft in progress is taken up where it was.
func (s *Broadcasts) New(ctx context.Context, r *Request) {
	d := s.d
	if dr, ok := s.current(ctx, r); ok {
		d.Reply(ctx, r, d.T(r, "broadcast.w.resume"))
		s.ask(ctx, r, dr, "")
		return
	}
	dr := &bcDraft{Step: bcStepAudience}
	if !s.save(ctx, r, dr) {
		s.fail(ctx, r, "start broadcast draft", nil)
		return
	}
	s.ask(ctx, r, dr, "")
}

// current returns the staff member's draft, if they are making one.
func (s *Broadcasts) current(ctx context.Context, r *Request) (*bcDraft, bool) {
	sess, err := s.d.Store.GetSession(ctx, r.UserID)
	if err != nil || sess.Flow != FlowBroadcastDraft {
		return nil, false
	}
	var dr bcDraft
	if json.Unmarshal(sess.Data, &dr) != nil || dr.Step == "" {
		return nil, false
	}
	return &dr, true
}

func (s *Broadcasts) save(ctx context.Context, r *Request, dr *bcDraft) bool {
	raw, err := json.Marshal(dr)
	if err == nil {
		err = s.d.Store.SaveSession(ctx, r.UserID, store.Session{Flow: FlowBroadcastDraft, Data: raw, Update: r.Update.ID})
	}
	if err != nil {
		s.d.Log.Error("save broadcast draft", "chat_id", r.ChatID, "err", err)
		return false
	}
	return true
}

// fail logs an error without personal data and apologises.
func (s *Broadcasts) fail(ctx context.Context, r *Request, what string, err error) {
	s.d.Log.Error(what, "chat_id", r.ChatID, "err", err)
	s.d.Answer(ctx, r, "")
	s.d.Reply(ctx, r, s.d.T(r, "error.apology"))
}

// audience reads the draft's audience.
func (dr *bcDraft) audience() (broadcast.Audience, bool) {
	a, err := broadcast.ParseAudience(dr.Audience)
	return a, err == nil && dr.Audience != ""
}

// ask shows the draft's current step under note: its question and buttons.
func (s *Broadcasts) ask(ctx context.Context, r *Request, dr *bcDraft, note string) {
	d := s.d
	prefix := ""
	if note != "" {
		prefix = note + "\n\n"
	}
	switch dr.Step {
	case bcStepAudience:
		d.Reply(ctx, r, prefix+d.T(r, "broadcast.w.audience"), s.kindButtons(r)...)
	case bcStepVersions:
		text, ok := s.reach(ctx, r, dr)
		if !ok {
			return
		}
		d.Reply(ctx, r, prefix+text+"\n\n"+d.T(r, "broadcast.w.versions"), s.versionButtons(r)...)
	case bcStepContent:
		d.Reply(ctx, r, prefix+s.contentQuestion(r, dr), s.discardRow(r))
	case bcStepReady:
		if note != "" {
			d.Reply(ctx, r, note)
		}
		s.preview(ctx, r, dr)
	case bcStepWhen:
		d.Reply(ctx, r, prefix+d.T(r, "broadcast.w.ask_when", "zone", s.zone().String(), "example", s.example()), s.discardRow(r))
	}
}

// zone is BOT_TIMEZONE, where staff's typed times are read.
func (s *Broadcasts) zone() *time.Location {
	if s.d.Location != nil {
		return s.d.Location
	}
	return time.UTC
}

// example is a date-time to type: tomorrow at 09:00.
func (s *Broadcasts) example() string {
	t := s.d.now().In(s.zone()).AddDate(0, 0, 1)
	return time.Date(t.Year(), t.Month(), t.Day(), 9, 0, 0, 0, t.Location()).Format("02/01/2006 15:04")
}

func (s *Broadcasts) discardRow(r *Request) []outbox.Button {
	return []outbox.Button{{Text: s.d.T(r, "broadcast.w.discard"), Data: BroadcastWizardButtons.Data("x")}}
}

// audienceKinds are the first choice of the wizard, in the order the buttons show them.
var audienceKinds = []string{broadcast.All, broadcast.ByLang, broadcast.ByGroup, broadcast.Programme, broadcast.Event, broadcast.Topic}

// mayAddress reports whether the staff member may broadcast to an audience of the kind (and, given, id):
// staff limited to some programmes and events (/team) write to those people only, never to everyone.
func mayAddress(r *Request, kind, id string) bool {
	if r.Scope == nil {
		return true
	}
	return (kind == broadcast.Programme || kind == broadcast.Event) && (id == "" || r.InScope(id))
}

func (s *Broadcasts) kindButtons(r *Request) [][]outbox.Button {
	var rows [][]outbox.Button
	for _, k := range audienceKinds {
		if !mayAddress(r, k, "") {
			continue
		}
		rows = append(rows, []outbox.Button{{Text: s.d.T(r, "broadcast.w.kind."+k), Data: BroadcastWizardButtons.Data("k", k)}})
	}
	return append(rows, s.discardRow(r))
}

// pick shows the choices of one kind of audience (the languages, the programmes, ...), replacing the
// kinds' message.
func (s *Broadcasts) pick(ctx context.Context, r *Request, kind string) {
	d := s.d
	var rows [][]outbox.Button
	add := func(label, data string) { rows = append(rows, []outbox.Button{{Text: label, Data: data}}) }
	switch kind {
	case broadcast.ByLang:
		for _, l := range d.Content.Langs {
			add(d.Content.T(l, "lang.name"), BroadcastWizardButtons.Data("l", l))
		}
	case broadcast.ByGroup:
		for _, g := range []string{store.AudienceStudent, store.AudienceDiaspora, store.AudienceOther} {
			add(d.T(r, "audience."+g), BroadcastWizardButtons.Data("g", g))
		}
	case broadcast.Programme:
		for _, p := range d.Content.Programmes {
			if !mayAddress(r, kind, p.ID) {
				continue
			}
			add(p.TitleIn(r.Lang), BroadcastWizardButtons.Data("p", p.ID))
		}
	case broadcast.Event:
		if d.Events != nil {
			all, err := d.Events.All(ctx)
			if err != nil {
				s.fail(ctx, r, "list events for a broadcast", err)
				return
			}
			// Sign-ups are kept 30 days after an event (signups_retention); older ones reach nobody.
			since := d.now().AddDate(0, 0, -30)
			for _, e := range all {
				if e.Signup && e.Ends.After(since) && mayAddress(r, kind, e.ID) {
					add(e.TitleIn(r.Lang), BroadcastWizardButtons.Data("e", e.ID))
				}
			}
		}
	case broadcast.Topic:
		for _, t := range d.Content.NewsTopics {
			add(t.NameIn(r.Lang), BroadcastWizardButtons.Data("t", t.ID))
		}
	}
	text := d.T(r, "broadcast.w.pick."+kind)
	if len(rows) == 0 {
		text += "\n\n" + d.T(r, "broadcast.w.none")
	}
	rows = append(rows, []outbox.Button{{Text: d.T(r, "broadcast.w.back"), Data: BroadcastWizardButtons.Data("back")}}, s.discardRow(r))
	d.Edit(ctx, r, text, rows...)
}

// statuses are the applicants of a programme a broadcast may be for: all of them, those holding a place,
// those on the waiting list.
var statuses = []string{"all", store.StatusRegistered, store.StatusWaitlist}

func (s *Broadcasts) statusButtons(r *Request, programme string) [][]outbox.Button {
	var rows [][]outbox.Button
	for _, st := range statuses {
		label := s.d.T(r, "broadcast.w.status_all")
		if st != "all" {
			label = s.d.T(r, "broadcast.status."+st)
		}
		rows = append(rows, []outbox.Button{{Text: label, Data: BroadcastWizardButtons.Data("ps", programme, st)}})
	}
	return append(rows, []outbox.Button{{Text: s.d.T(r, "broadcast.w.back"), Data: BroadcastWizardButtons.Data("back")}}, s.discardRow(r))
}

// reach is the audience and how many people it reaches now (Service.Count), for the staff member.
func (s *Broadcasts) reach(ctx context.Context, r *Request, dr *bcDraft) (string, bool) {
	a, ok := dr.audience()
	if !ok {
		s.fail(ctx, r, "broadcast draft without audience", nil)
		return "", false
	}
	n, err := s.svc.Count(ctx, a)
	if err != nil {
		s.fail(ctx, r, "count broadcast audience", err)
		return "", false
	}
	return s.d.T(r, "broadcast.w.reach", "audience", s.svc.Describe(ctx, a, r.Lang), "recipients", strconv.Itoa(n.Recipients),
		"unreachable", strconv.Itoa(n.Unreachable), "opted_out", strconv.Itoa(n.OptedOut)), true
}

func (s *Broadcasts) versionButtons(r *Request) [][]outbox.Button {
	return [][]outbox.Button{
		{{Text: s.d.T(r, "broadcast.w.one"), Data: BroadcastWizardButtons.Data("v", "one")},
			{Text: s.d.T(r, "broadcast.w.each"), Data: BroadcastWizardButtons.Data("v", "each")}},
		{{Text: s.d.T(r, "broadcast.w.back"), Data: BroadcastWizardButtons.Data("back")}},
		s.discardRow(r),
	}
}

// contentQuestion asks for the current version's content.
func (s *Broadcasts) contentQuestion(r *Request, dr *bcDraft) string {
	if len(dr.Langs) == 0 || dr.Langs[0] == "" {
		return s.d.T(r, "broadcast.w.ask_all")
	}
	l := dr.Langs[0]
	return s.d.T(r, "broadcast.w.ask_lang", "language", s.d.Content.T(l, "lang.name"), "code", l)
}

// versionLangs are the languages a version is asked in, the staff member's own first.
func (s *Broadcasts) versionLangs(first string) []string {
	out := []string{}
	if s.d.Content.HasLang(first) {
		out = append(out, first)
	}
	for _, l := range s.d.Content.Langs {
		if l != first {
			out = append(out, l)
		}
	}
	return out
}

// Button handles the wizard's "bcw:" buttons.
func (s *Broadcasts) Button(ctx context.Context, r *Request) {
	d := s.d
	verb, args, ok := parse(BroadcastWizardButtons, r)
	if !ok {
		d.Expired(ctx, r)
		return
	}
	if verb == "nop" {
		d.Answer(ctx, r, d.T(r, "broadcast.w.preview_only"))
		return
	}
	dr, ok := s.current(ctx, r)
	if !ok || !r.Private {
		d.Expired(ctx, r)
		return
	}
	// Each button belongs to one step; one from an earlier step is stale.
	want := map[string]string{"k": bcStepAudience, "l": bcStepAudience, "g": bcStepAudience, "p": bcStepAudience,
		"ps": bcStepAudience, "e": bcStepAudience, "t": bcStepAudience, "v": bcStepVersions, "go": bcStepReady, "at": bcStepReady}
	if w, has := want[verb]; has && w != dr.Step || verb == "back" && dr.Step != bcStepAudience && dr.Step != bcStepVersions {
		d.Expired(ctx, r)
		return
	}
	d.Answer(ctx, r, "")
	chosen := ""
	switch verb {
	case "x":
		if err := d.Store.ClearSession(ctx, r.UserID); err != nil {
			s.fail(ctx, r, "discard broadcast draft", err)
			return
		}
		d.Edit(ctx, r, d.T(r, "broadcast.w.discarded"))
		return
	case "back":
		dr.Step, dr.Audience = bcStepAudience, ""
		if !s.save(ctx, r, dr) {
			s.fail(ctx, r, "save broadcast draft", nil)
			return
		}
		d.Edit(ctx, r, d.T(r, "broadcast.w.audience"), s.kindButtons(r)...)
		return
	case "k":
		if args[0] != broadcast.All {
			s.pick(ctx, r, args[0])
			return
		}
		chosen = broadcast.All
	case "p":
		p, found := d.Content.Programme(args[0])
		if !found {
			d.Reply(ctx, r, d.T(r, "broadcast.w.expired"))
			return
		}
		d.Edit(ctx, r, d.T(r, "broadcast.w.pick_status", "programme", p.TitleIn(r.Lang)), s.statusButtons(r, p.ID)...)
		return
	case "l":
		chosen = broadcast.ByLang + ":" + args[0]
	case "g":
		chosen = broadcast.ByGroup + ":" + args[0]
	case "ps":
		chosen = broadcast.Programme + ":" + args[0]
		if args[1] != "all" {
			chosen += ":" + args[1]
		}
	case "e":
		chosen = broadcast.Event + ":" + args[0]
	case "t":
		chosen = broadcast.Topic + ":" + args[0]
	case "v":
		dr.Langs = []string{""}
		if args[0] == "each" {
			dr.Langs = s.versionLangs(r.Lang)
		}
		dr.Versions, dr.Step = map[string]broadcast.Version{}, bcStepContent
		if !s.save(ctx, r, dr) {
			s.fail(ctx, r, "save broadcast draft", nil)
			return
		}
		s.ask(ctx, r, dr, "")
		return
	case "go":
		s.create(ctx, r, dr, d.now())
		return
	case "at":
		dr.Step = bcStepWhen
		if !s.save(ctx, r, dr) {
			s.fail(ctx, r, "save broadcast draft", nil)
			return
		}
		s.ask(ctx, r, dr, "")
		return
	default:
		d.Expired(ctx, r)
		return
	}
	// An audience was chosen: checked as the service checks it (a forged tap naming nothing is refused).
	a, err := broadcast.ParseAudience(chosen)
	if err == nil {
		err = s.svc.Check(ctx, a)
	}
	if err != nil {
		d.Reply(ctx, r, d.T(r, "broadcast.w.expired"))
		return
	}
	if !mayAddress(r, a.Kind, a.Arg) { // a forged tap: the buttons offer only what the member looks after
		d.Reply(ctx, r, d.T(r, "staff.scope.button"))
		return
	}
	dr.Audience, dr.Step = a.String(), bcStepVersions
	if !s.save(ctx, r, dr) {
		s.fail(ctx, r, "save broadcast draft", nil)
		return
	}
	s.ask(ctx, r, dr, "")
}

// Text takes a typed message in the wizard: the content of a version, or the date-time of a schedule;
// at a step answered with buttons, it says so and asks again.
func (s *Broadcasts) Text(ctx context.Context, r *Request, text string) {
	d := s.d
	sess, err := d.Store.GetSession(ctx, r.UserID)
	dr, ok := s.current(ctx, r)
	if err != nil || !ok || !r.IsStaff() {
		_ = d.Store.ClearSession(ctx, r.UserID)
		d.Reply(ctx, r, d.T(r, "broadcast.w.expired"))
		return
	}
	if sess.Update != 0 && sess.Update == r.Update.ID { // handled again after a lost ack: ask again, no more
		s.ask(ctx, r, dr, "")
		return
	}
	switch dr.Step {
	case bcStepContent:
		// The text is kept exactly as written: the entities' offsets count its characters.
		s.take(ctx, r, dr, broadcast.Version{Text: text, Entities: r.Update.Message.Entities})
	case bcStepWhen:
		s.when(ctx, r, dr, text)
	default:
		s.ask(ctx, r, dr, d.T(r, "broadcast.w.use_buttons"))
	}
}

// Media takes a photo or a document with its caption as a version's content; anything else (a sticker,
// a voice message) is refused with the question asked again.
func (s *Broadcasts) Media(ctx context.Context, r *Request) {
	d := s.d
	dr, ok := s.current(ctx, r)
	if !ok || !r.IsStaff() {
		_ = d.Store.ClearSession(ctx, r.UserID)
		d.Reply(ctx, r, d.T(r, "broadcast.w.expired"))
		return
	}
	m := r.Update.Message
	if dr.Step != bcStepContent {
		note := "broadcast.w.use_buttons"
		if dr.Step == bcStepWhen {
			note = "broadcast.w.typed_only"
		}
		s.ask(ctx, r, dr, d.T(r, note))
		return
	}
	v, ok := mediaVersion(m)
	if !ok {
		s.ask(ctx, r, dr, d.T(r, "broadcast.w.content_only"))
		return
	}
	s.take(ctx, r, dr, v)
}

// mediaVersion is a photo (its largest size) or a document with its caption, as a broadcast version.
func mediaVersion(m *models.Message) (broadcast.Version, bool) {
	v := broadcast.Version{Text: m.Caption, Entities: m.CaptionEntities}
	switch {
	case len(m.Photo) > 0:
		best := m.Photo[0]
		for _, p := range m.Photo[1:] {
			if p.Width*p.Height > best.Width*best.Height {
				best = p
			}
		}
		v.Photo = best.FileID
	case m.Document != nil && m.Document.FileID != "":
		v.Document = m.Document.FileID
	default:
		return v, false
	}
	return v, true
}

// take keeps a version's content when Telegram can send it, and moves to the next version or the
// preview; else it says why and asks again.
func (s *Broadcasts) take(ctx context.Context, r *Request, dr *bcDraft, v broadcast.Version) {
	d := s.d
	if err := v.Validate(); err != nil {
		max, what := broadcast.MaxText, "broadcast.w.text"
		if v.Photo != "" || v.Document != "" {
			max, what = broadcast.MaxCaption, "broadcast.w.caption"
		}
		note := d.T(r, "broadcast.w.too_long", "what", d.T(r, what), "n", strconv.Itoa(utf8.RuneCountInString(v.Text)), "max", strconv.Itoa(max))
		if strings.TrimSpace(v.Text) == "" && v.Photo == "" && v.Document == "" {
			note = d.T(r, "broadcast.w.empty")
		}
		s.ask(ctx, r, dr, note)
		return
	}
	if dr.Versions == nil {
		dr.Versions = map[string]broadcast.Version{}
	}
	lang := ""
	if len(dr.Langs) > 0 {
		lang, dr.Langs = dr.Langs[0], dr.Langs[1:]
	}
	dr.Versions[lang] = v
	if len(dr.Langs) == 0 {
		dr.Step = bcStepReady
	}
	if !s.save(ctx, r, dr) {
		s.fail(ctx, r, "save broadcast draft", nil)
		return
	}
	s.ask(ctx, r, dr, "")
}

// draftBroadcast is the draft as the service's Broadcast, for the preview and Create.
func (s *Broadcasts) draftBroadcast(r *Request, dr *bcDraft) (broadcast.Broadcast, bool) {
	a, ok := dr.audience()
	if !ok || len(dr.Versions) == 0 {
		return broadcast.Broadcast{}, false
	}
	return broadcast.Broadcast{Audience: a, Versions: dr.Versions, By: r.UserID, Chat: r.ChatID, Lang: r.Lang}, true
}

// preview sends the staff member each version exactly as its readers get it (Service.Message: the
// content, its formatting, the stop button in the reader's language, which does nothing here), then the
// reach and Send now / Schedule / Cancel.
func (s *Broadcasts) preview(ctx context.Context, r *Request, dr *bcDraft) {
	d := s.d
	b, ok := s.draftBroadcast(r, dr)
	if !ok {
		s.fail(ctx, r, "broadcast draft without content", nil)
		return
	}
	show := func(intro, lang string) {
		d.Reply(ctx, r, intro)
		m := s.svc.Message(b, lang)
		m.ChatID = r.ChatID
		for _, row := range m.Buttons {
			for i := range row {
				row[i].Data = BroadcastWizardButtons.Data("nop")
			}
		}
		d.send(ctx, m)
	}
	if _, forAll := dr.Versions[""]; forAll {
		show(d.T(r, "broadcast.w.preview_all"), r.Lang)
	} else {
		for _, l := range s.versionLangs(r.Lang) {
			if _, has := dr.Versions[l]; has {
				show(d.T(r, "broadcast.w.preview", "language", d.Content.T(l, "lang.name")), l)
			}
		}
	}
	text, ok := s.reach(ctx, r, dr)
	if !ok {
		return
	}
	d.Reply(ctx, r, text+"\n\n"+d.T(r, "broadcast.w.ready"),
		[]outbox.Button{{Text: d.T(r, "broadcast.w.send_now"), Data: BroadcastWizardButtons.Data("go")},
			{Text: d.T(r, "broadcast.w.schedule"), Data: BroadcastWizardButtons.Data("at")}},
		s.discardRow(r))
}

// when reads the date-time of a schedule in BOT_TIMEZONE; a past one or nonsense is refused and asked
// again.
func (s *Broadcasts) when(ctx context.Context, r *Request, dr *bcDraft, text string) {
	d := s.d
	at, ok := parseTypedTime(text, s.zone())
	if !ok {
		s.ask(ctx, r, dr, d.T(r, "broadcast.w.bad_when", "example", s.example()))
		return
	}
	if !at.After(d.now()) {
		s.ask(ctx, r, dr, d.T(r, "broadcast.w.past", "example", s.example()))
		return
	}
	s.create(ctx, r, dr, at)
}

// create hands the broadcast to the service, to start at at. The draft is cleared first: a tap handled
// twice finds no draft and makes no second broadcast; should Create fail, the draft is put back.
func (s *Broadcasts) create(ctx context.Context, r *Request, dr *bcDraft, at time.Time) {
	d := s.d
	b, ok := s.draftBroadcast(r, dr)
	if !ok {
		s.fail(ctx, r, "broadcast draft incomplete", nil)
		return
	}
	if err := d.Store.ClearSession(ctx, r.UserID); err != nil {
		s.fail(ctx, r, "clear broadcast draft", err)
		return
	}
	id, err := s.svc.Create(ctx, b, at)
	if err != nil {
		dr.Step = bcStepReady
		s.save(ctx, r, dr)
		s.fail(ctx, r, "create broadcast", err)
		return
	}
	if !at.After(d.now()) {
		d.Reply(ctx, r, d.T(r, "broadcast.w.sending", "id", id))
		return
	}
	local := at.In(s.zone())
	d.Reply(ctx, r, d.T(r, "broadcast.w.scheduled", "id", id,
		"when", events.Day(d.Content, r.Lang, local)+" "+local.Format("15:04")+" ("+events.GMT(local)+")"))
}

// recentShown is how many broadcasts /broadcasts lists.
const recentShown = 10

// List handles /broadcasts: the last ten with their figures, a Cancel button under each one that can be.
func (s *Broadcasts) List(ctx context.Context, r *Request) {
	text, rows, ok := s.listView(ctx, r)
	if ok {
		s.d.Reply(ctx, r, text, rows...)
	}
}

func (s *Broadcasts) listView(ctx context.Context, r *Request) (string, [][]outbox.Button, bool) {
	d := s.d
	recent, err := s.svc.Recent(ctx, recentShown)
	if err != nil {
		s.fail(ctx, r, "recent broadcasts", err)
		return "", nil, false
	}
	if len(recent) == 0 {
		return d.T(r, "broadcast.list.none"), nil, true
	}
	var b strings.Builder
	b.WriteString(d.T(r, "broadcast.list.title"))
	var rows [][]outbox.Button
	for _, bc := range recent {
		rec := bc.Record
		when := rec.Created
		switch {
		case rec.State == store.BroadcastScheduled:
			when = rec.At
		case !rec.Started.IsZero():
			when = rec.Started
		}
		b.WriteString("\n\n" + d.T(r, "broadcast.list.line", "id", bc.ID(), "audience", s.svc.Describe(ctx, bc.Audience, r.Lang),
			"state", d.T(r, "broadcast.state."+rec.State), "sent", strconv.FormatInt(rec.Sent, 10),
			"total", strconv.FormatInt(rec.Total, 10), "when", when.In(s.zone()).Format("02/01/2006 15:04")))
		if rec.State == store.BroadcastScheduled || rec.State == store.BroadcastSending {
			rows = append(rows, []outbox.Button{{Text: d.T(r, "broadcast.list.cancel", "id", bc.ID()),
				Data: broadcast.StaffButtons.Data("x", bc.ID())}})
		}
	}
	return b.String(), rows, true
}

// Cancel handles "bc:x:<id>", the Cancel under a broadcast's figures or in /broadcasts: nobody else gets
// it. The service edits the figures message; the list a tap came from is shown again as it now stands.
func (s *Broadcasts) Cancel(ctx context.Context, r *Request) {
	d := s.d
	_, args, ok := parse(broadcast.StaffButtons, r)
	if !ok {
		d.Expired(ctx, r)
		return
	}
	id := args[0]
	err := s.svc.Cancel(ctx, id, r.UserID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		d.Expired(ctx, r)
		return
	case errors.Is(err, store.ErrBroadcastOver):
		d.Answer(ctx, r, d.T(r, "broadcast.over"))
	case err != nil:
		s.fail(ctx, r, "cancel broadcast", err)
		return
	default:
		s.d.Log.Info("broadcast cancelled", "broadcast", id)
		d.Answer(ctx, r, d.T(r, "broadcast.cancelled"))
	}
	b, err := s.svc.Get(ctx, id)
	cq := r.Update.CallbackQuery
	if err != nil || cq.Message.Message == nil || b.Record.ProgressChat == r.ChatID && b.Record.ProgressID == cq.Message.Message.ID {
		return // the figures message: the service shows the final figures
	}
	if text, rows, ok := s.listView(ctx, r); ok {
		d.Edit(ctx, r, text, rows...)
	}
}

// Stop handles the button under every broadcast ("bcs:all", "bcs:t:<topic>"): announcements (or the
// topic) stop at once — the renderer reads the setting when each message is sent — and the person is told
// how to turn them back on.
func (s *Broadcasts) Stop(ctx context.Context, r *Request) {
	d := s.d
	verb, args, ok := parse(broadcast.StopButtons, r)
	if !ok || r.UserID == 0 {
		d.Expired(ctx, r)
		return
	}
	var err error
	text := d.T(r, "broadcast.stopped")
	if verb == "t" {
		t, found := d.Content.NewsTopic(args[0])
		if !found {
			d.Expired(ctx, r)
			return
		}
		err = d.Store.SetTopic(ctx, r.UserID, t.ID, false)
		text = d.T(r, "broadcast.stopped_topic", "topic", t.NameIn(r.Lang))
	} else {
		err = d.Store.SetBroadcastsOff(ctx, r.UserID, true)
	}
	if err != nil {
		s.fail(ctx, r, "stop broadcasts", err)
		return
	}
	d.Answer(ctx, r, d.T(r, "broadcast.stopped_toast"))
	d.Reply(ctx, r, text)
}
