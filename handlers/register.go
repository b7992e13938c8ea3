package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/events"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// FlowForm is the session flow of a user filling in a programme's form.
const FlowForm = "form"

// Registrations lets people apply to programmes (exchanges, scholarships, membership) through forms in
// chat, see and withdraw their registrations (/my), and lets staff follow them (/programmes, /export). A
// registration the user confirmed is written once, atomically, however often "Send" is tapped or
// re-delivered (store.Register); the form's progress lives in the session, so a restart or a user coming
// back the next day continues where they were.
type Registrations struct {
	d Deps
}

// NewRegistrations builds the feature.
func NewRegistrations(d Deps) *Registrations { return &Registrations{d: d} }

func (g *Registrations) now() time.Time {
	if g.d.Now != nil {
		return g.d.Now()
	}
	return time.Now()
}

// date formats a time for users, in the bot's time zone.
func (g *Registrations) date(t time.Time) string {
	loc := g.d.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("02/01/2006 15:04")
}

// List shows the open calls that fit the user (the "Programmes & scholarships" menu entry).
func (g *Registrations) List(ctx context.Context, r *Request) {
	g.d.Answer(ctx, r, "")
	text, rows := g.open(r)
	g.d.Reply(ctx, r, text, rows...)
}

// open is the list of open calls that fit the user, with a button for each; or, when there is none, says so
// and offers staff.
func (g *Registrations) open(r *Request) (string, [][]outbox.Button) {
	d := g.d
	var rows [][]outbox.Button
	var b strings.Builder
	b.WriteString(d.T(r, "prog.list"))
	for _, p := range d.Content.Programmes {
		if p.Status(g.now()) != "open" || !fits(p.Audience, audienceShown(r)) {
			continue
		}
		fmt.Fprintf(&b, "\n\n• %s\n  %s", p.TitleIn(r.Lang), d.T(r, "prog.deadline", "date", g.date(p.Closes)))
		rows = append(rows, []outbox.Button{{Text: p.TitleIn(r.Lang), Data: ProgrammeButtons.Data("v", p.ID)}})
	}
	if len(rows) == 0 {
		return d.T(r, "prog.none"), [][]outbox.Button{{{Text: d.T(r, "action.staff"), Data: StaffButtons.Data("ask")}}}
	}
	return b.String(), rows
}

// Link opens a poster's link, /start reg_<id>. It shows the programme the way its button in the list does —
// description, deadline and Apply — so that nobody meets the first question of a form without knowing what
// it is for and until when. A link that leads nowhere the user can apply says why and what is open for them
// instead: no programme has that id (a mistyped link, or a call that ended and was taken down), or the
// programme is for another audience. An upcoming or closed programme says when it opens, or that it closed.
func (g *Registrations) Link(ctx context.Context, r *Request, id string) {
	d := g.d
	p, ok := d.Content.Programme(id)
	if !ok {
		g.refuse(ctx, r, d.T(r, "prog.unknown"))
		return
	}
	if !fits(p.Audience, audienceShown(r)) {
		g.refuse(ctx, r, g.notForUser(r, p))
		return
	}
	if g.notOpen(ctx, r, p) {
		return
	}
	g.view(ctx, r, p)
}

// refuse says why the user cannot apply where they wanted to, followed by the calls open for them, in one
// message so the reason and the way on are read together.
func (g *Registrations) refuse(ctx context.Context, r *Request, why string) {
	text, rows := g.open(r)
	g.d.Reply(ctx, r, why+"\n\n"+text, rows...)
}

// notForUser is why a programme of another audience does not take the user's registration, naming who it is for.
func (g *Registrations) notForUser(r *Request, p *messages.Programme) string {
	return g.d.T(r, "prog.not_for_you", "programme", p.TitleIn(r.Lang), "audience", g.d.T(r, "prog.for."+p.Audience))
}

// notOpen tells the user when an upcoming programme opens, or that a closed one closed, and reports whether
// it did.
func (g *Registrations) notOpen(ctx context.Context, r *Request, p *messages.Programme) bool {
	d := g.d
	switch p.Status(g.now()) {
	case "upcoming":
		d.Reply(ctx, r, d.T(r, "prog.not_open", "programme", p.TitleIn(r.Lang), "date", g.date(p.Opens)))
		return true
	case "closed":
		d.Reply(ctx, r, d.T(r, "prog.closed", "programme", p.TitleIn(r.Lang)))
		return true
	}
	return false
}

// Programme handles the "prog:" buttons: prog:v:<id> shows a call, prog:a:<id> starts the form.
func (g *Registrations) Programme(ctx context.Context, r *Request) {
	kind, args, ok := parse(ProgrammeButtons, r)
	if !ok || kind == "list" {
		g.d.Expired(ctx, r)
		return
	}
	p, ok := g.d.Content.Programme(args[0])
	if !ok {
		g.d.Expired(ctx, r)
		return
	}
	g.d.Answer(ctx, r, "")
	switch kind {
	case "v":
		g.view(ctx, r, p)
	case "a":
		g.Apply(ctx, r, p.ID)
	default:
		g.d.Expired(ctx, r)
	}
}

// view shows a programme with what the user can do about it.
func (g *Registrations) view(ctx context.Context, r *Request, p *messages.Programme) {
	d := g.d
	text := "📝 " + p.TitleIn(r.Lang) + "\n\n" + p.DescriptionIn(r.Lang) + "\n\n" + d.T(r, "prog.deadline", "date", g.date(p.Closes))
	reg, err := d.Store.GetRegistration(ctx, p.ID, r.UserID)
	if err == nil && reg.Status != store.StatusWithdrawn {
		d.Reply(ctx, r, text+"\n\n"+g.already(r, p, reg), []outbox.Button{{Text: d.T(r, "prog.withdraw"), Data: MyButtons.Data("w", p.ID)}})
		return
	}
	label := "prog.apply"
	if p.Capacity > 0 {
		registered, _, err := d.Store.Counts(ctx, p.ID)
		if err == nil {
			left := max(int64(p.Capacity)-registered, 0)
			text += "\n" + d.T(r, "prog.places", "n", fmt.Sprint(left))
			if left == 0 {
				if !p.Waitlist {
					d.Reply(ctx, r, text+"\n\n"+d.T(r, "prog.full", "programme", p.TitleIn(r.Lang)))
					return
				}
				label = "prog.waitlist_join"
			}
		}
	}
	d.Reply(ctx, r, text, []outbox.Button{{Text: d.T(r, label), Data: ProgrammeButtons.Data("a", p.ID)}})
}

func (g *Registrations) already(r *Request, p *messages.Programme, reg store.Registration) string {
	return g.d.T(r, "prog.already", "programme", p.TitleIn(r.Lang), "ref", reg.Ref, "status", g.d.T(r, "reg.status."+reg.Status))
}

// Apply starts the form of programme id (the Apply button under a programme).
func (g *Registrations) Apply(ctx context.Context, r *Request, id string) {
	d := g.d
	p, ok := d.Content.Programme(id)
	if !ok {
		g.List(ctx, r)
		return
	}
	if !fits(p.Audience, audienceShown(r)) { // a button from a list shown in a group, or forged
		g.refuse(ctx, r, g.notForUser(r, p))
		return
	}
	if g.notOpen(ctx, r, p) {
		return
	}
	if reg, err := d.Store.GetRegistration(ctx, p.ID, r.UserID); err == nil && reg.Status != store.StatusWithdrawn {
		d.Reply(ctx, r, g.already(r, p, reg), []outbox.Button{{Text: d.T(r, "prog.withdraw"), Data: MyButtons.Data("w", p.ID)}})
		return
	}
	if p.Capacity > 0 && !p.Waitlist {
		if registered, _, err := d.Store.Counts(ctx, p.ID); err == nil && registered >= int64(p.Capacity) {
			d.Reply(ctx, r, d.T(r, "prog.full", "programme", p.TitleIn(r.Lang)))
			return
		}
	}
	st := forms.New(p.ID, g.now())
	st.Origin = r.Update.ID
	if !g.save(ctx, r, st) {
		return
	}
	d.Reply(ctx, r, "📝 "+p.TitleIn(r.Lang))
	g.prompt(ctx, r, p, st, "")
}

// session loads the user's form, telling them when it expired or is gone. ok is false when there is
// nothing to continue.
func (g *Registrations) session(ctx context.Context, r *Request) (*forms.State, *messages.Programme, bool) {
	st, p, _, ok := g.sessionOf(ctx, r)
	return st, p, ok
}

// sessionOf is session, and also reports whether this very update was applied to the form already: it is
// being handled again because its acknowledgement was lost, and must not answer the next question too.
func (g *Registrations) sessionOf(ctx context.Context, r *Request) (*forms.State, *messages.Programme, bool, bool) {
	d := g.d
	sess, err := d.Store.GetSession(ctx, r.UserID)
	if err != nil || sess.Flow != FlowForm {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			d.Reply(ctx, r, d.T(r, "error.apology"))
			return nil, nil, false, false
		}
		d.Answer(ctx, r, "")
		d.Reply(ctx, r, d.T(r, "form.expired"))
		return nil, nil, false, false
	}
	var st forms.State
	var p *messages.Programme
	ok := json.Unmarshal(sess.Data, &st) == nil
	if ok {
		p, _, ok = g.target(ctx, st.Form)
	}
	if !ok || st.Expired(g.now()) {
		_ = d.Store.ClearSession(ctx, r.UserID)
		d.Answer(ctx, r, "")
		d.Reply(ctx, r, d.T(r, "form.expired"), []outbox.Button{{Text: d.T(r, "menu.programmes"), Data: ProgrammeButtons.Data("list")}})
		return nil, nil, false, false
	}
	return &st, p, sess.Update != 0 && sess.Update == r.Update.ID, true
}

func (g *Registrations) save(ctx context.Context, r *Request, st *forms.State) bool {
	raw, _ := json.Marshal(st)
	if err := g.d.Store.SaveSession(ctx, r.UserID, store.Session{Flow: FlowForm, Data: raw, Update: r.Update.ID}); err != nil {
		g.d.Log.Error("save form", "chat_id", r.ChatID, "err", err)
		g.d.Reply(ctx, r, g.d.T(r, "error.apology"))
		return false
	}
	return true
}

// invalidText localises a validation error.
func (g *Registrations) invalidText(r *Request, e *forms.InvalidError) string {
	args := make([]string, 0, 2*len(e.Args))
	for k, v := range e.Args {
		args = append(args, k, v)
	}
	return g.d.T(r, e.Code, args...)
}

// FormText takes a typed answer.
func (g *Registrations) FormText(ctx context.Context, r *Request, text string) {
	st, p, applied, ok := g.sessionOf(ctx, r)
	if !ok {
		return
	}
	if applied { // handled again after a lost ack: ask the current question again, no more
		g.prompt(ctx, r, p, st, "")
		return
	}
	g.answer(ctx, r, st, p, text)
}

// FormContact takes a shared contact as the answer to a phone question (only the user's own number).
func (g *Registrations) FormContact(ctx context.Context, r *Request) {
	st, p, ok := g.session(ctx, r)
	if !ok {
		return
	}
	c := r.Update.Message.Contact
	if c.UserID != r.UserID {
		g.prompt(ctx, r, p, st, g.d.T(r, "form.invalid.phone"))
		return
	}
	// Telegram gives the number with its country code, mostly without "+" ("4915112345678"); read without
	// it at a phone question, a number from abroad would be refused.
	n := strings.TrimSpace(c.PhoneNumber)
	if n != "" && n[0] != '+' && n[0] != '0' {
		n = "+" + n
	}
	g.answer(ctx, r, st, p, n)
}

// FormMedia answers a sticker, photo or file sent in the middle of a form, then asks the question again.
func (g *Registrations) FormMedia(ctx context.Context, r *Request) {
	if m := r.Update.Message; m != nil && m.Contact != nil {
		g.FormContact(ctx, r)
		return
	}
	st, p, ok := g.session(ctx, r)
	if !ok {
		return
	}
	g.prompt(ctx, r, p, st, g.d.T(r, "form.invalid.empty"))
}

func (g *Registrations) answer(ctx context.Context, r *Request, st *forms.State, p *messages.Programme, text string) {
	f, ok := st.Current(p.Fields)
	if !ok {
		g.prompt(ctx, r, p, st, g.d.T(r, "form.invalid.no_question"))
		return
	}
	if e := st.Answer(p.Fields, text, g.now()); e != nil {
		g.prompt(ctx, r, p, st, g.invalidText(r, e))
		return
	}
	if !g.save(ctx, r, st) {
		return
	}
	if st.Pending(p.Fields) != nil { // "did you mean …?" before anything is stored
		g.prompt(ctx, r, p, st, "")
		return
	}
	note := ""
	switch f.Type {
	case forms.TypeDate, forms.TypeBirthdate, forms.TypePhone, forms.TypeContact, forms.TypeNumber, forms.TypeEmail,
		forms.TypeChoice, forms.TypeMultiChoice, forms.TypeCountry, forms.TypeYesNo:
		// Said back because typing is read generously: "hong duc" became "Hồng Đức University".
		note = g.d.T(r, "form.understood", "value", f.Display(st.Answers[f.ID], r.Lang))
	}
	if f.Type == forms.TypePhone || f.Type == forms.TypeContact {
		// Hide the share-contact keyboard; a reply keyboard cannot be removed by a message with inline buttons.
		g.d.send(ctx, outbox.Message{ChatID: r.ChatID, Text: note, RemoveKeyboard: true})
		note = ""
	}
	g.prompt(ctx, r, p, st, note)
}

// Form handles the "form:" buttons.
func (g *Registrations) Form(ctx context.Context, r *Request) {
	d := g.d
	action, args, ok := parse(FormButtons, r)
	if !ok {
		d.Expired(ctx, r)
		return
	}
	value := strings.Join(args, ":")
	if action == "submit" {
		g.submit(ctx, r, value)
		return
	}
	switch action {
	case "cancel", "discard", "resume":
		g.cancel(ctx, r, action, value)
		return
	}
	st, p, applied, ok := g.sessionOf(ctx, r)
	if !ok {
		return
	}
	if applied { // handled again after a lost ack: show the current step again, no more
		d.Answer(ctx, r, "")
		g.prompt(ctx, r, p, st, "")
		return
	}
	cur, _ := st.Current(p.Fields)
	var err error
	switch action {
	case "fix", "keep": // the answer to "did you mean …?", named by the suggestion's token
		err = st.Decide(p.Fields, value, action == "fix")
	case "c":
		if _, ok := st.Current(p.Fields); !ok {
			err = forms.ErrStale
		} else if e := st.Answer(p.Fields, value, g.now()); e != nil {
			err = e
		}
	case "t":
		err = st.Toggle(p.Fields, value)
	case "done":
		err = st.DoneMulti(p.Fields)
	case "back":
		if !st.Back(p.Fields) {
			d.Answer(ctx, r, d.T(r, "form.first_question"))
			return
		}
	case "skip":
		err = st.Skip(p.Fields)
	case "consent":
		err = st.Consent(value == "yes")
		if err == nil && value != "yes" {
			d.Answer(ctx, r, "")
			d.Reply(ctx, r, d.T(r, "form.consent.refused"), g.consentButtons(r, st)...)
			return
		}
	case "e":
		err = st.Edit(p.Fields, value)
	default:
		err = forms.ErrStale
	}
	var inv *forms.InvalidError
	switch {
	case errors.As(err, &inv):
		d.Answer(ctx, r, g.invalidText(r, inv))
		return
	case err != nil:
		d.Expired(ctx, r)
		return
	}
	if !g.save(ctx, r, st) {
		return
	}
	d.Answer(ctx, r, "")
	switch action {
	case "t":
		g.prompt(ctx, r, p, st, "", true)
		return
	case "fix", "keep":
		// The question turns into what was decided, so its buttons cannot be tapped twice; the next follows.
		d.Edit(ctx, r, d.T(r, "form.understood", "value", cur.Display(st.Answers[cur.ID], r.Lang)))
	}
	g.prompt(ctx, r, p, st, "")
}

// formRef names one filling of a form in the data of its Cancel buttons: the programme, and the update that
// started the form (base 36). A confirmation tapped after the form was discarded, submitted, or replaced by
// another form — of another programme, or of the same one started again — names a form the user no longer
// has, and is refused as expired instead of discarding the form they have now. "form:discard:" + a 32-byte
// programme id + ":" + the update fits callback data's 64 bytes.
func formRef(st *forms.State) []string { return []string{st.Form, strconv.FormatInt(st.Origin, 36)} }

// cancel handles the form's Cancel button ("form:cancel:<ref>") and the two answers to the question it asks,
// "form:discard:<ref>" and "form:resume:<ref>". Cancel does not throw the answers away at once — it sits next
// to Back, where a slip of the thumb is easy — but asks, by editing the message it was tapped on into the
// question: the step's own buttons go away while the question is open (no Back or Skip acting behind it), and
// "No, continue" edits the same message back into the step as it was, answers and picks kept, so the chat
// reads as if nothing happened. "Yes, discard" clears the form and says so with the way on.
//
// Each of the three is safe to handle twice (a re-delivered update): Cancel and No edit the message into the
// text it already has; Yes finds no form any more and answers a toast the user no longer sees, since the
// callback was answered the first time.
func (g *Registrations) cancel(ctx context.Context, r *Request, action, ref string) {
	d := g.d
	if ref == "" && action != "cancel" {
		d.Expired(ctx, r)
		return
	}
	sess, err := d.Store.GetSession(ctx, r.UserID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		d.Log.Error("load form", "chat_id", r.ChatID, "err", err)
		d.Answer(ctx, r, "")
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return
	}
	var st forms.State
	// A Cancel button sent before buttons named their form has no ref: it means the form the user has.
	if err != nil || sess.Flow != FlowForm || json.Unmarshal(sess.Data, &st) != nil || st.Expired(g.now()) ||
		(ref != "" && ref != strings.Join(formRef(&st), ":")) {
		d.Expired(ctx, r)
		return
	}
	p, _, ok := g.target(ctx, st.Form)
	if !ok { // withdrawn from the content since: sessionOf says the form expired and clears it
		g.sessionOf(ctx, r)
		return
	}
	d.Answer(ctx, r, "")
	ask := d.T(r, "form.discard.ask", "programme", p.TitleIn(r.Lang))
	switch action {
	case "cancel":
		d.Edit(ctx, r, ask, []outbox.Button{
			{Text: d.T(r, "form.discard.yes"), Data: FormButtons.Data("discard", formRef(&st)...)},
			{Text: d.T(r, "form.discard.no"), Data: FormButtons.Data("resume", formRef(&st)...)},
		})
	case "resume":
		g.prompt(ctx, r, p, &st, "", true)
	case "discard":
		if err := d.Store.ClearSession(ctx, r.UserID); err != nil {
			d.Log.Error("discard form", "chat_id", r.ChatID, "err", err)
			d.Reply(ctx, r, d.T(r, "error.apology"))
			return
		}
		done := d.T(r, "form.discarded", "programme", p.TitleIn(r.Lang))
		if f, ok := st.Current(p.Fields); ok && (f.Type == forms.TypePhone || f.Type == forms.TypeContact) {
			// The share-my-number keyboard is still up, and only a new message can take it down (an edit cannot
			// carry a reply keyboard): the question keeps its text without its buttons, and the answer follows.
			d.Edit(ctx, r, ask)
			d.send(ctx, outbox.Message{ChatID: r.ChatID, Text: done, RemoveKeyboard: true})
			return
		}
		d.Edit(ctx, r, done, []outbox.Button{{Text: d.T(r, "menu.programmes"), Data: ProgrammeButtons.Data("list")}})
	}
}

// prompt shows the current step: a question, the consent, or the summary. note comes first (an error or
// what was understood). edit, when given, updates the message the button was on (multi-choice toggles, and
// the step brought back from the Cancel question).
func (g *Registrations) prompt(ctx context.Context, r *Request, p *messages.Programme, st *forms.State, note string, edit ...bool) {
	d := g.d
	var text string
	var rows [][]outbox.Button
	switch st.Stage {
	case forms.StageConsent:
		text = d.T(r, "form.consent.text", "programme", p.TitleIn(r.Lang))
		rows = g.consentButtons(r, st)
	case forms.StageSummary:
		var b strings.Builder
		b.WriteString(d.T(r, "form.summary.title"))
		for _, l := range st.Summary(p.Fields, r.Lang) {
			fmt.Fprintf(&b, "\n• %s: %s", l.Label, l.Value)
			rows = append(rows, []outbox.Button{{Text: d.T(r, "form.edit", "field", l.Label), Data: FormButtons.Data("e", l.FieldID)}})
		}
		text = b.String()
		rows = append(rows,
			[]outbox.Button{{Text: d.T(r, "form.submit"), Data: FormButtons.Data("submit", p.ID)}},
			[]outbox.Button{{Text: d.T(r, "form.back"), Data: FormButtons.Data("back")}, {Text: d.T(r, "form.cancel"), Data: FormButtons.Data("cancel", formRef(st)...)}})
	default:
		f, ok := st.Current(p.Fields)
		if !ok {
			text = d.T(r, "form.expired")
			break
		}
		text = d.T(r, "form.step", "n", fmt.Sprint(st.Step+1), "total", fmt.Sprint(len(p.Fields))) + "\n\n" + f.PromptIn(p.Fields, r.Lang)
		if v, ok := st.Answers[f.ID]; ok && f.Type != forms.TypeMultiChoice {
			text += "\n\n" + d.T(r, "form.current", "value", f.Display(v, r.Lang))
		}
		rows = g.fieldButtons(r, st, f)
		if sg := st.Pending(p.Fields); sg != nil {
			text = d.T(r, "form.step", "n", fmt.Sprint(st.Step+1), "total", fmt.Sprint(len(p.Fields))) + "\n\n" +
				d.T(r, "form.email.suggest", "suggested", sg.Fix.Display, "typed", sg.Typed.Display)
			rows = [][]outbox.Button{
				{{Text: d.T(r, "form.email.use", "email", sg.Fix.Display), Data: FormButtons.Data("fix", sg.Token())}},
				{{Text: d.T(r, "form.email.keep", "email", sg.Typed.Display), Data: FormButtons.Data("keep", sg.Token())}},
			}
		}
		if f.Type == forms.TypeMultiChoice {
			text += "\n\n" + d.T(r, "form.multi.hint")
		}
		nav := []outbox.Button{{Text: d.T(r, "form.back"), Data: FormButtons.Data("back")}}
		if !f.Required {
			nav = append(nav, outbox.Button{Text: d.T(r, "form.skip"), Data: FormButtons.Data("skip")})
		}
		nav = append(nav, outbox.Button{Text: d.T(r, "form.cancel"), Data: FormButtons.Data("cancel", formRef(st)...)})
		rows = append(rows, nav)
		if f.Type == forms.TypePhone || f.Type == forms.TypeContact {
			if len(edit) > 0 && edit[0] { // back from the Cancel question, which was this step's hint
				d.Edit(ctx, r, d.T(r, "form.contact.hint"), nav)
				return
			}
			if note != "" {
				text = note + "\n\n" + text
			}
			// The share-contact button is a reply keyboard, which cannot go with inline buttons: the question
			// carries the keyboard, and a second message, the hint, carries Back/Skip/Cancel.
			d.send(ctx, outbox.Message{ChatID: r.ChatID, Text: text, ContactButton: d.T(r, "form.contact.share")})
			d.Reply(ctx, r, d.T(r, "form.contact.hint"), nav)
			return
		}
	}
	if note != "" {
		text = note + "\n\n" + text
	}
	if len(edit) > 0 && edit[0] {
		d.Edit(ctx, r, text, rows...)
		return
	}
	d.Reply(ctx, r, text, rows...)
}

func (g *Registrations) consentButtons(r *Request, st *forms.State) [][]outbox.Button {
	d := g.d
	return [][]outbox.Button{
		{{Text: d.T(r, "form.consent.yes"), Data: FormButtons.Data("consent", "yes")}, {Text: d.T(r, "form.consent.no"), Data: FormButtons.Data("consent", "no")}},
		{privacyButton(d, r)}, // the notice opens as a new message; the consent stays where it is
		{{Text: d.T(r, "form.back"), Data: FormButtons.Data("back")}, {Text: d.T(r, "form.cancel"), Data: FormButtons.Data("cancel", formRef(st)...)}},
	}
}

// fieldButtons returns the answer buttons of a question: options (two a row), toggles with a tick for
// multi-choice, and Done.
func (g *Registrations) fieldButtons(r *Request, st *forms.State, f forms.Field) [][]outbox.Button {
	var rows [][]outbox.Button
	picked := map[string]bool{}
	for _, id := range st.Selected(f) {
		picked[id] = true
	}
	verb := "c"
	if f.Type == forms.TypeMultiChoice {
		verb = "t"
	}
	for i, c := range f.Choices(r.Lang) {
		label := c.Label
		if picked[c.ID] {
			label = "✅ " + label
		}
		b := outbox.Button{Text: label, Data: FormButtons.Data(verb, c.ID)}
		if i%2 == 0 {
			rows = append(rows, []outbox.Button{b})
		} else {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
		}
	}
	if f.Type == forms.TypeMultiChoice {
		rows = append(rows, []outbox.Button{{Text: g.d.T(r, "form.multi.done"), Data: FormButtons.Data("done")}})
	}
	return rows
}

// submit creates the registration once. A repeated tap or a re-delivered update after the session was
// cleared finds the registration and shows the same confirmation.
func (g *Registrations) submit(ctx context.Context, r *Request, progID string) {
	d := g.d
	d.Answer(ctx, r, "")
	p, ev, ok := g.target(ctx, progID)
	if !ok {
		d.Expired(ctx, r)
		return
	}
	sess, err := d.Store.GetSession(ctx, r.UserID)
	var st forms.State
	if err == nil && sess.Flow == FlowForm {
		err = json.Unmarshal(sess.Data, &st)
	}
	if err != nil || st.Form != p.ID || st.Stage != forms.StageSummary {
		get := d.Store.GetRegistration
		if ev != nil {
			get = d.Store.GetSignup
		}
		if reg, err := get(ctx, p.ID, r.UserID); err == nil && reg.Status != store.StatusWithdrawn {
			g.confirm(ctx, r, p, reg)
			return
		}
		d.Reply(ctx, r, d.T(r, "form.expired"))
		return
	}
	if p.Status(g.now()) == "closed" {
		_ = d.Store.ClearSession(ctx, r.UserID)
		d.Reply(ctx, r, d.T(r, "prog.closed", "programme", p.TitleIn(r.Lang)))
		return
	}
	answers := make(map[string]string, len(st.Answers))
	for id, v := range st.Answers {
		answers[id] = v.Raw
	}
	var reg store.Registration
	var created bool
	if ev != nil {
		reg, created, err = d.Events.SignUp(ctx, *ev, r.UserID, r.Lang, answers)
	} else {
		reg, created, err = d.Store.Register(ctx, p.ID, r.UserID, r.Lang, answers, p.Capacity, p.Waitlist)
	}
	switch {
	case errors.Is(err, events.ErrClosed):
		_ = d.Store.ClearSession(ctx, r.UserID)
		d.Reply(ctx, r, d.T(r, "event.closed", "event", p.TitleIn(r.Lang)))
		return
	case errors.Is(err, store.ErrFull):
		_ = d.Store.ClearSession(ctx, r.UserID)
		d.Reply(ctx, r, d.T(r, "prog.full", "programme", p.TitleIn(r.Lang)))
		return
	case err != nil:
		d.Log.Error("register", "chat_id", r.ChatID, "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology")) // the session is kept: the user can tap Send again
		return
	}
	_ = st.Submit()
	if err := d.Store.ClearSession(ctx, r.UserID); err != nil {
		d.Log.Warn("clear form", "chat_id", r.ChatID, "err", err)
	}
	if created {
		g.notifyStaff(ctx, r, p, reg, st)
	}
	g.confirm(ctx, r, p, reg)
}

// confirm tells the applicant their registration is in by turning the summary they sent into the
// confirmation, with what was registered. It edits rather than sends: a second tap on Send, or the same tap
// handled again after a crash or a Redis outage, edits the message into the same text, which Telegram
// answers with "not modified", so "registered" is never said twice. The text is built from the stored
// registration for the same reason.
func (g *Registrations) confirm(ctx context.Context, r *Request, p *messages.Programme, reg store.Registration) {
	key, arg := "reg.confirmed", "programme"
	if reg.Status == store.StatusWaitlist {
		key = "reg.waitlisted"
	}
	var rows [][]outbox.Button
	if p.Kind == messages.KindEvent { // an event's sign-up form: the sign-up's words, and its calendar file
		key, arg = "event.signed_up", "event"
		if reg.Status == store.StatusWaitlist {
			key = "event.waitlisted"
		}
		rows = [][]outbox.Button{{{Text: g.d.T(r, "event.ics"), Data: EventButtons.Data("ics", p.ID)}, {Text: g.d.T(r, "event.open"), Data: EventButtons.Data("v", p.ID)}}}
	}
	var b strings.Builder
	b.WriteString(g.d.T(r, key, arg, p.TitleIn(r.Lang), "ref", reg.Ref))
	b.WriteString("\n")
	for _, f := range p.Fields {
		if raw, ok := reg.Answers[f.ID]; ok {
			v := forms.Value{Raw: raw, Display: raw}
			if again, e := f.Parse(raw, g.now()); e == nil { // Raw is canonical: it reads back to itself
				v = again // shown as in the summary ("03/05/2001", "+856 20 55 551 234"), not as stored
			}
			fmt.Fprintf(&b, "\n• %s: %s", f.Label(r.Lang), f.Display(v, r.Lang))
		}
	}
	g.d.Edit(ctx, r, b.String(), rows...)
}

// target is what a form session or a Send button names: a programme of the content, or an event with a
// sign-up form (then ev is set, and p is its form's view, messages.Event.AsProgramme).
func (g *Registrations) target(ctx context.Context, id string) (p *messages.Programme, ev *events.Event, ok bool) {
	if p, ok := g.d.Content.Programme(id); ok {
		return p, nil, true
	}
	if g.d.Events == nil {
		return nil, nil, false
	}
	e, ok, err := g.d.Events.Get(ctx, id)
	if err != nil || !ok || len(e.Fields) == 0 {
		return nil, nil, false
	}
	return e.AsProgramme(), &e, true
}

// ApplyEvent starts the sign-up form of an event (its Sign up button, when it has a form).
func (g *Registrations) ApplyEvent(ctx context.Context, r *Request, e events.Event) {
	st := forms.New(e.ID, g.now())
	st.Origin = r.Update.ID
	if !g.save(ctx, r, st) {
		return
	}
	g.d.Reply(ctx, r, "📝 "+e.TitleIn(r.Lang))
	g.prompt(ctx, r, e.AsProgramme(), st, "")
}

// staffChat is the chat told about a programme's registrations: its own, or STAFF_CHAT_ID (0: none).
func staffChat(d Deps, p *messages.Programme) int64 {
	if p != nil && p.StaffChat != 0 {
		return p.StaffChat
	}
	return d.StaffChatID
}

// notifyStaff queues the registration for the programme's staff chat as plain text, so nothing a user typed
// can inject formatting or links into the card, with the buttons of staff's decision (Decisions). It is queued, not sent, so that the applicant's
// confirmation never waits for the staff group's budget of 20 messages a minute.
func (g *Registrations) notifyStaff(ctx context.Context, r *Request, p *messages.Programme, reg store.Registration, st forms.State) {
	chat := staffChat(g.d, p)
	if chat == 0 {
		return
	}
	lang := g.d.staffLang()
	var b strings.Builder
	b.WriteString(g.d.Content.T(lang, "staff.new_registration", "ref", reg.Ref, "programme", p.TitleIn(lang)))
	for _, l := range st.Summary(p.Fields, lang) {
		fmt.Fprintf(&b, "\n• %s: %s", l.Label, l.Value)
	}
	b.WriteString("\n\n" + g.d.Content.T(lang, "staff.registration_footer", "id", strconv.FormatInt(r.UserID, 10),
		"lang", r.Lang, "status", g.d.Content.T(lang, "reg.status."+reg.Status)))
	var rows [][]outbox.Button
	if p.Kind != messages.KindEvent { // staff decide on applications to programmes; an event's sign-up is taken as it comes
		rows = decisionButtons(g.d, lang, reg, false)
	}
	if err := g.d.Out.Enqueue(ctx, outbox.LaneNotify, outbox.Message{ChatID: chat, Text: b.String(), Buttons: rows, Key: "reg:" + reg.Ref, About: r.UserID}); err != nil {
		g.d.Log.Warn("notify staff of registration", "ref", reg.Ref, "err", err)
	}
}
