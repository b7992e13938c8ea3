package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// FlowDecisionReason is the session flow of a staff member writing, in their private chat with the bot, the
// reason for a decision.
const FlowDecisionReason = "decisionreason"

// maxReason bounds a reason: it is a note to the applicant, not a letter, and it travels in one message.
const maxReason = 1000

// reasonFlowTTL is how long, in a private chat, the next message typed is taken as the reason asked for:
// a staff member who asked and then forgot must not, days later, send a question meant for the bot to an
// applicant. A reply to the question itself is taken while the question is kept (store).
const reasonFlowTTL = time.Hour

// reasonFlow is the session of FlowDecisionReason: what was asked, and when.
type reasonFlow struct {
	store.ReasonPrompt
	Asked time.Time
}

// applicationsPage is how many applications a page of a programme's list shows, each with its button:
// a screen on a phone.
const applicationsPage = 10

// Decisions lets staff accept, wait-list or decline applications to programmes: from the card of a new
// registration in the staff chat, or from /programmes → a programme → its applications. The applicant is
// told in their language through the notify lane. A tap carries the decision version the card showed
// (store.Decide), so a re-delivered tap or two staff tapping at once never tell the applicant twice: the
// later tap finds the first one's decision on the card, and changing it is a tap on "Change decision".
//
// A reason is optional and follows the decision: the applicant hears the decision at once, and a reason
// staff add ("✏️ Add a reason" on the decided card) reaches them as a note right after. Staff are asked
// with a ForceReply question — in a group with privacy mode the bot sees only replies to its own messages
// — and, in a private chat, the next message they type is the reason as well (a session flow). So a
// decision never waits on someone typing, and a reason is always attached to the decision it was written
// for: one given after the decision changed is refused.
type Decisions struct {
	d Deps
}

// NewDecisions builds the feature.
func NewDecisions(d Deps) *Decisions { return &Decisions{d: d} }

// decisionOf is the decision of each deciding verb; f accepts beyond capacity.
var decisionOf = map[string]string{"a": store.DecisionAccepted, "w": store.DecisionWaitlisted, "d": store.DecisionDeclined, "f": store.DecisionAccepted}

// uidArg is a user id as a button argument: base 36 keeps the data within 64 bytes with a 32-byte
// programme id.
func uidArg(uid int64) string { return strconv.FormatInt(uid, 36) }

func parseUID(s string) (int64, bool) {
	uid, err := strconv.ParseInt(s, 36, 64)
	return uid, err == nil && uid > 0
}

// lang is the language of what the bot writes in r's chat: a staff chat is read by several staff in its
// language; a private chat in the staff member's own.
func (g *Decisions) lang(r *Request) string {
	if r.Private {
		return r.Lang
	}
	return g.d.staffLang()
}

func (g *Decisions) date(t time.Time) string {
	loc := g.d.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("02/01/2006 15:04")
}

// decisionCard is the staff's card of a registration in lang: the answers, who applied, the status and,
// once taken, the decision with who took it and when, and the reason sent.
func decisionCard(d Deps, lang, title string, p *messages.Programme, reg store.Registration, date func(time.Time) string) string {
	var b strings.Builder
	b.WriteString(d.Content.T(lang, title, "ref", reg.Ref, "programme", p.TitleIn(lang)))
	for _, f := range p.Fields {
		value := "—"
		if raw, ok := reg.Answers[f.ID]; ok {
			v := forms.Value{Raw: raw, Display: raw}
			if again, e := f.Parse(raw, d.now()); e == nil { // shown as in the summary, not as stored
				v = again
			}
			value = f.Display(v, lang)
		}
		fmt.Fprintf(&b, "\n• %s: %s", f.Label(lang), value)
	}
	b.WriteString("\n\n" + d.Content.T(lang, "staff.registration_footer", "id", strconv.FormatInt(reg.UserID, 10),
		"lang", reg.Lang, "status", d.Content.T(lang, "reg.status."+reg.Status)))
	if reg.Decision != "" {
		b.WriteString("\n\n" + d.Content.T(lang, "dec.card."+reg.Decision, "staff", strconv.FormatInt(reg.DecidedBy, 10), "date", date(reg.DecidedAt)))
		if reg.Reason != "" {
			b.WriteString("\n" + d.Content.T(lang, "dec.card.reason", "reason", reg.Reason))
		}
	}
	return b.String()
}

// decisionButtons are the buttons under a card: the three decisions while none was taken (or while it is
// being changed, then without the current one and with Back), else Reason and Change decision. A
// registration no longer active has none.
func decisionButtons(d Deps, lang string, reg store.Registration, changing bool) [][]outbox.Button {
	if !store.Active(reg.Status) {
		return nil
	}
	prog, u, v := reg.Programme, uidArg(reg.UserID), strconv.Itoa(reg.DecisionVersion)
	if reg.Decision == "" || changing {
		var row []outbox.Button
		for _, b := range []struct{ verb, key string }{{"a", "dec.accept"}, {"w", "dec.waitlist"}, {"d", "dec.decline"}} {
			if decisionOf[b.verb] != reg.Decision {
				row = append(row, outbox.Button{Text: d.Content.T(lang, b.key), Data: DecisionButtons.Data(b.verb, prog, u, v)})
			}
		}
		rows := [][]outbox.Button{row}
		if changing {
			rows = append(rows, []outbox.Button{{Text: d.Content.T(lang, "dec.back"), Data: DecisionButtons.Data("k", prog, u)}})
		}
		return rows
	}
	reason := "dec.reason"
	if reg.Reason != "" {
		reason = "dec.reason_again"
	}
	return [][]outbox.Button{{
		{Text: d.Content.T(lang, reason), Data: DecisionButtons.Data("r", prog, u, v)},
		{Text: d.Content.T(lang, "dec.change"), Data: DecisionButtons.Data("c", prog, u)},
	}}
}

// Button handles the "dec:" buttons (staff only, by the route's scope).
func (g *Decisions) Button(ctx context.Context, r *Request) {
	d := g.d
	verb, args, ok := parse(DecisionButtons, r)
	if !ok {
		d.Expired(ctx, r)
		return
	}
	if verb == "p" {
		text, rows, err := programmesOverview(ctx, d, r, d.now())
		if err != nil {
			d.Log.Error("programmes", "err", err)
			d.Answer(ctx, r, d.T(r, "error.apology"))
			return
		}
		d.Answer(ctx, r, "")
		d.Edit(ctx, r, text, rows...)
		return
	}
	p, ok := d.Content.Programme(args[0])
	if !ok || p.Kind == messages.KindEvent {
		d.Expired(ctx, r)
		return
	}
	switch verb {
	case "l":
		page, err := strconv.Atoi(args[1])
		if err != nil || page < 0 {
			d.Expired(ctx, r)
			return
		}
		g.list(ctx, r, p, page)
		return
	case "q":
		g.waiting(ctx, r, p)
		return
	}
	uid, ok := parseUID(args[1])
	if !ok {
		d.Expired(ctx, r)
		return
	}
	reg, err := d.Store.GetRegistration(ctx, p.ID, uid)
	if errors.Is(err, store.ErrNotFound) {
		d.Expired(ctx, r)
		return
	}
	if err != nil {
		d.Log.Error("load registration", "chat_id", r.ChatID, "err", err)
		d.Answer(ctx, r, d.T(r, "error.apology"))
		return
	}
	lang := g.lang(r)
	switch verb {
	case "v":
		d.Answer(ctx, r, "")
		d.Reply(ctx, r, decisionCard(d, lang, "dec.card.title", p, reg, g.date), decisionButtons(d, lang, reg, false)...)
	case "c", "k":
		d.Answer(ctx, r, "")
		d.Edit(ctx, r, decisionCard(d, lang, "dec.card.title", p, reg, g.date), decisionButtons(d, lang, reg, verb == "c")...)
	case "r":
		g.askReason(ctx, r, p, reg, args[2])
	default:
		g.decide(ctx, r, p, reg, verb, args[2])
	}
}

// decide takes the decision of a tap and shows on the card what stands after it.
func (g *Decisions) decide(ctx context.Context, r *Request, p *messages.Programme, reg store.Registration, verb, version string) {
	d := g.d
	ver, err := strconv.Atoi(version)
	if err != nil || ver < 0 {
		d.Expired(ctx, r)
		return
	}
	lang := g.lang(r)
	res, err := d.Store.Decide(ctx, p.ID, reg.UserID, decisionOf[verb], ver, r.UserID, r.Update.ID, p.Capacity, verb == "f")
	switch {
	case errors.Is(err, store.ErrNotActive):
		d.Answer(ctx, r, d.T(r, "dec.toast.gone"))
		g.refreshCard(ctx, r, p, reg.UserID)
		return
	case err != nil:
		d.Log.Error("decide", "chat_id", r.ChatID, "err", err)
		d.Answer(ctx, r, d.T(r, "error.apology"))
		return
	}
	switch res.Outcome {
	case store.DecisionFull:
		d.Answer(ctx, r, "")
		registered, _, _ := d.Store.Counts(ctx, p.ID)
		text := decisionCard(d, lang, "dec.card.title", p, reg, g.date) + "\n\n" + d.Content.T(lang, "dec.card.full",
			"programme", p.TitleIn(lang), "registered", strconv.FormatInt(registered, 10), "capacity", strconv.Itoa(p.Capacity), "ref", reg.Ref)
		u := uidArg(reg.UserID)
		d.Edit(ctx, r, text,
			[]outbox.Button{{Text: d.Content.T(lang, "dec.force"), Data: DecisionButtons.Data("f", p.ID, u, version)}},
			[]outbox.Button{{Text: d.Content.T(lang, "dec.back"), Data: DecisionButtons.Data("k", p.ID, u)}})
		return
	case store.DecisionChanged:
		d.Answer(ctx, r, d.T(r, "dec.toast.changed"))
		g.refreshCard(ctx, r, p, reg.UserID)
		return
	}
	// Decided, or decided by this very update before a crash: the notices are queued once per decision
	// (outbox Once), so queuing them again sends nothing twice.
	now, err := d.Store.GetRegistration(ctx, p.ID, reg.UserID)
	if err != nil {
		d.Log.Error("load registration", "chat_id", r.ChatID, "err", err)
		d.Answer(ctx, r, d.T(r, "error.apology"))
		return
	}
	if now.DecisionVersion == res.Version {
		tellDecision(ctx, d, p, now)
	}
	if res.Promoted != 0 {
		TellPromoted(ctx, d, p.ID, res.Promoted)
	}
	d.Answer(ctx, r, d.T(r, "dec.toast.done"))
	d.Edit(ctx, r, decisionCard(d, lang, "dec.card.title", p, now, g.date), decisionButtons(d, lang, now, false)...)
}

// refreshCard edits the tapped card into what stands now.
func (g *Decisions) refreshCard(ctx context.Context, r *Request, p *messages.Programme, uid int64) {
	reg, err := g.d.Store.GetRegistration(ctx, p.ID, uid)
	if err != nil {
		return
	}
	lang := g.lang(r)
	g.d.Edit(ctx, r, decisionCard(g.d, lang, "dec.card.title", p, reg, g.date), decisionButtons(g.d, lang, reg, false)...)
}

// applicantLang is the language the applicant is told in: theirs now, or the one they applied in.
func applicantLang(ctx context.Context, d Deps, reg store.Registration) string {
	u, _ := d.Store.GetUser(ctx, reg.UserID)
	return ResolveLang(d.Content, u, reg.Lang)
}

// tellDecision queues the decision for the applicant's private chat, once per decision: "dec:<ref>:<v>".
// It goes on the notify lane, kept in Redis until sent, so staff's tap never waits on the applicant's
// chat; a 403 there marks the applicant unreachable (the outbox), and /forget takes it back (About).
func tellDecision(ctx context.Context, d Deps, p *messages.Programme, reg store.Registration) {
	lang := applicantLang(ctx, d, reg)
	text := d.Content.T(lang, "dec.told."+reg.Decision, "programme", p.TitleIn(lang), "ref", reg.Ref)
	m := outbox.Message{ChatID: reg.UserID, Text: text, Key: "dec:" + reg.Ref + ":" + strconv.Itoa(reg.DecisionVersion), Once: true, About: reg.UserID}
	if err := d.Out.Enqueue(ctx, outbox.LaneNotify, m); err != nil {
		d.Log.Error("tell decision", "chat_id", reg.UserID, "err", err)
	}
}

// askReason asks the staff member who tapped "Add a reason" for it: a ForceReply question whose reply is
// the reason (remembered by its message id), and in a private chat also the next message they type.
func (g *Decisions) askReason(ctx context.Context, r *Request, p *messages.Programme, reg store.Registration, version string) {
	d := g.d
	ver, err := strconv.Atoi(version)
	if err != nil || ver < 0 {
		d.Expired(ctx, r)
		return
	}
	if reg.Decision == "" || reg.DecisionVersion != ver {
		d.Answer(ctx, r, d.T(r, "dec.toast.changed"))
		g.refreshCard(ctx, r, p, reg.UserID)
		return
	}
	d.Answer(ctx, r, "")
	lang := g.lang(r)
	pr := store.ReasonPrompt{Programme: p.ID, UserID: reg.UserID, Version: ver, CardChat: r.ChatID}
	if m := r.Update.CallbackQuery.Message.Message; m != nil {
		pr.CardID = m.ID
	}
	key := "dec.reason.prompt"
	if r.Private {
		key = "dec.reason.prompt_private"
	}
	text := d.Content.T(lang, key, "ref", reg.Ref, "decision", d.Content.T(lang, "dec.name."+reg.Decision))
	id := d.send(ctx, outbox.Message{ChatID: r.ChatID, Text: text, ForceReply: d.Content.T(lang, "dec.reason.placeholder")})
	if id != 0 {
		if err := d.Store.SaveReasonPrompt(ctx, r.ChatID, id, pr); err != nil {
			d.Log.Warn("save reason prompt", "chat_id", r.ChatID, "err", err)
		}
	}
	if r.Private {
		raw, _ := json.Marshal(reasonFlow{ReasonPrompt: pr, Asked: d.now()})
		if err := d.Store.SaveSession(ctx, r.UserID, store.Session{Flow: FlowDecisionReason, Data: raw, Update: r.Update.ID}); err != nil {
			d.Log.Warn("save reason flow", "chat_id", r.ChatID, "err", err)
		}
	}
}

// ReasonReply handles a staff member's text replying to a message of the bot: when that message asked for
// a decision's reason, the text is the reason. Any other reply is left to fallback (the reply to a
// handoff card, which ignores what it cannot place in a group).
func (g *Decisions) ReasonReply(fallback func(ctx context.Context, r *Request)) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		m := r.Update.Message
		pr, err := g.d.Store.GetReasonPrompt(ctx, r.ChatID, m.ReplyToMessage.ID)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				g.d.Log.Error("load reason prompt", "chat_id", r.ChatID, "err", err)
			}
			fallback(ctx, r) // a reply to something else of the bot's
			return
		}
		g.giveReason(ctx, r, pr, m.Text)
	}
}

// ReasonText is the FlowDecisionReason flow: the text a staff member typed after "Add a reason" in their
// private chat, taken as the reason within reasonFlowTTL of the question and refused (said so) after.
func (g *Decisions) ReasonText(ctx context.Context, r *Request, text string) {
	sess, err := g.d.Store.GetSession(ctx, r.UserID)
	var fl reasonFlow
	if err != nil || sess.Flow != FlowDecisionReason || json.Unmarshal(sess.Data, &fl) != nil {
		_ = g.d.Store.ClearSession(ctx, r.UserID)
		g.d.Reply(ctx, r, g.d.T(r, "error.apology"))
		return
	}
	if g.d.now().Sub(fl.Asked) > reasonFlowTTL {
		_ = g.d.Store.ClearSession(ctx, r.UserID)
		g.d.Reply(ctx, r, g.d.T(r, "dec.reason.expired"))
		return
	}
	g.giveReason(ctx, r, fl.ReasonPrompt, text)
}

// giveReason records the reason for the decision pr asked about, tells the applicant and shows it on the
// card. A reason too long is refused with the prompt kept; one for a decision changed since is refused.
func (g *Decisions) giveReason(ctx context.Context, r *Request, pr store.ReasonPrompt, text string) {
	d := g.d
	endFlow := func() {
		if sess, err := d.Store.GetSession(ctx, r.UserID); err == nil && sess.Flow == FlowDecisionReason {
			_ = d.Store.ClearSession(ctx, r.UserID)
		}
	}
	if !r.IsStaff() { // no longer staff since the question
		endFlow()
		return
	}
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n > maxReason || n == 0 {
		d.Reply(ctx, r, d.T(r, "dec.reason.too_long", "max", strconv.Itoa(maxReason)))
		return
	}
	p := programmeOrID(d, pr.Programme)
	outcome, n, err := d.Store.SetReason(ctx, pr.Programme, pr.UserID, pr.Version, text, r.Update.ID)
	if err == nil || errors.Is(err, store.ErrNotActive) {
		endFlow()
	}
	reg, gerr := d.Store.GetRegistration(ctx, pr.Programme, pr.UserID)
	switch {
	case errors.Is(err, store.ErrNotActive), errors.Is(gerr, store.ErrNotFound):
		d.Reply(ctx, r, d.T(r, "dec.toast.gone"))
		return
	case err != nil || gerr != nil:
		d.Log.Error("give reason", "chat_id", r.ChatID, "err", errors.Join(err, gerr))
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return
	case outcome == store.DecisionChanged:
		d.Reply(ctx, r, d.T(r, "dec.reason.stale", "ref", reg.Ref))
		return
	}
	lang := applicantLang(ctx, d, reg)
	m := outbox.Message{ChatID: reg.UserID, Text: d.Content.T(lang, "dec.told.reason", "programme", p.TitleIn(lang), "ref", reg.Ref, "reason", reg.Reason),
		Key: "decr:" + reg.Ref + ":" + strconv.Itoa(pr.Version) + ":" + strconv.Itoa(n), Once: true, About: reg.UserID}
	if err := d.Out.Enqueue(ctx, outbox.LaneNotify, m); err != nil {
		d.Log.Error("tell reason", "chat_id", reg.UserID, "err", err)
		d.Reply(ctx, r, d.T(r, "error.apology"))
		return
	}
	if pr.CardID != 0 {
		cardLang := d.staffLang()
		if pr.CardChat == r.ChatID && r.Private {
			cardLang = r.Lang
		}
		d.send(ctx, outbox.Message{ChatID: pr.CardChat, EditID: pr.CardID, Text: decisionCard(d, cardLang, "dec.card.title", p, reg, g.date),
			Buttons: decisionButtons(d, cardLang, reg, false)})
	}
	d.Reply(ctx, r, d.T(r, "dec.reason.sent", "ref", reg.Ref))
}

// applicantName is the applicant's name as the form took it (its first name field), for staff's lists.
func applicantName(p *messages.Programme, reg store.Registration) string {
	for _, f := range p.Fields {
		if f.Type == forms.TypeName {
			return reg.Answers[f.ID]
		}
	}
	return ""
}

// list shows a page of a programme's applications, oldest first, each with where it stands and staff's
// decision, and a button to its card.
func (g *Decisions) list(ctx context.Context, r *Request, p *messages.Programme, page int) {
	d := g.d
	regs, err := d.Store.Registrations(ctx, p.ID)
	if err != nil {
		d.Log.Error("list applications", "programme", p.ID, "err", err)
		d.Answer(ctx, r, d.T(r, "error.apology"))
		return
	}
	d.Answer(ctx, r, "")
	lang := g.lang(r)
	back := []outbox.Button{{Text: d.Content.T(lang, "dec.list.waiting"), Data: DecisionButtons.Data("q", p.ID)},
		{Text: d.Content.T(lang, "dec.list.programmes"), Data: DecisionButtons.Data("p")}}
	if len(regs) == 0 {
		d.Edit(ctx, r, d.Content.T(lang, "dec.list.none", "programme", p.TitleIn(lang)), back)
		return
	}
	pages := (len(regs) + applicationsPage - 1) / applicationsPage
	page = min(page, pages-1)
	from, to := page*applicationsPage, min((page+1)*applicationsPage, len(regs))
	var b strings.Builder
	b.WriteString(d.Content.T(lang, "dec.list.title", "programme", p.TitleIn(lang), "from", strconv.Itoa(from+1),
		"to", strconv.Itoa(to), "total", strconv.Itoa(len(regs))))
	var rows [][]outbox.Button
	for i, reg := range regs[from:to] {
		decision := d.Content.T(lang, "dec.list.undecided")
		if reg.Decision != "" {
			decision = d.Content.T(lang, "dec.name."+reg.Decision)
		}
		label := strings.TrimSpace(reg.Ref + " " + applicantName(p, reg))
		fmt.Fprintf(&b, "\n\n%d. %s\n    %s · %s", from+i+1, label, d.Content.T(lang, "reg.status."+reg.Status), decision)
		btn := outbox.Button{Text: label, Data: DecisionButtons.Data("v", p.ID, uidArg(reg.UserID))}
		if i%2 == 0 {
			rows = append(rows, []outbox.Button{btn})
		} else {
			rows[len(rows)-1] = append(rows[len(rows)-1], btn)
		}
	}
	var nav []outbox.Button
	if page > 0 {
		nav = append(nav, outbox.Button{Text: "◀️", Data: DecisionButtons.Data("l", p.ID, strconv.Itoa(page-1))})
	}
	if page < pages-1 {
		nav = append(nav, outbox.Button{Text: "▶️", Data: DecisionButtons.Data("l", p.ID, strconv.Itoa(page+1))})
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	d.Edit(ctx, r, b.String(), append(rows, back)...)
}

// waiting shows a programme's waiting list in the order places are offered, marking those staff put on it
// themselves (the automatic promotion skips them).
func (g *Decisions) waiting(ctx context.Context, r *Request, p *messages.Programme) {
	d := g.d
	regs, err := d.Store.Registrations(ctx, p.ID)
	if err != nil {
		d.Log.Error("waiting list", "programme", p.ID, "err", err)
		d.Answer(ctx, r, d.T(r, "error.apology"))
		return
	}
	d.Answer(ctx, r, "")
	lang := g.lang(r)
	var lines []string
	var rows [][]outbox.Button
	for _, reg := range regs {
		if reg.Status != store.StatusWaitlist {
			continue
		}
		label := strings.TrimSpace(reg.Ref + " " + applicantName(p, reg))
		line := fmt.Sprintf("%d. %s · %s", len(lines)+1, label, g.date(reg.Created))
		if reg.Decision == store.DecisionWaitlisted {
			line += " (" + d.Content.T(lang, "dec.waiting.held") + ")"
		}
		lines = append(lines, line)
		if len(rows) < applicationsPage*2 { // the first ones: those a place goes to next
			rows = append(rows, []outbox.Button{{Text: label, Data: DecisionButtons.Data("v", p.ID, uidArg(reg.UserID))}})
		}
	}
	rows = append(rows, []outbox.Button{{Text: d.Content.T(lang, "dec.list.back"), Data: DecisionButtons.Data("l", p.ID, "0")}})
	if len(lines) == 0 {
		d.Edit(ctx, r, d.Content.T(lang, "dec.waiting.none", "programme", p.TitleIn(lang)), rows...)
		return
	}
	d.Edit(ctx, r, d.Content.T(lang, "dec.waiting.title", "programme", p.TitleIn(lang), "n", strconv.Itoa(len(lines)))+"\n\n"+strings.Join(lines, "\n"), rows...)
}
