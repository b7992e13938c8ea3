package handlers

import (
	"context"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// Questions answers free-text questions from the knowledge base and lets people browse it. A confident
// match gets the answer with related topics and a "Not what I asked" button; an unsure one gets the
// closest topics as buttons and the offer to ask staff — a wrong confident answer about visas or money is
// worse than none. Declines and "not what I asked" are counted for /unanswered.
type Questions struct {
	d         Deps
	m         *faq.Matcher
	actions   map[string]outbox.Button // topic action → button, only for features that are wired
	social    *faq.Social
	smalltalk map[string]messages.Smalltalk // by kind
}

// NewQuestions builds the FAQ feature. actions maps a topic's action names (staff, events, ...) to the
// button that performs it; actions without a button are not shown.
func NewQuestions(d Deps, m *faq.Matcher, actions map[string]outbox.Button) *Questions {
	q := &Questions{d: d, m: m, actions: actions, social: faq.SocialOf(d.Content.FAQ), smalltalk: map[string]messages.Smalltalk{}}
	for _, s := range d.Content.FAQ.Smalltalk {
		q.smalltalk[s.Kind] = s
	}
	return q
}

// suggestFloor is the similarity under which a topic is not worth offering as "did you mean".
const suggestFloor = 0.12

// maxQuestion bounds what is matched and logged; longer texts are cut (a pasted essay is not a question).
const maxQuestion = 500

// Ask handles a free-text message in a private chat.
func (q *Questions) Ask(ctx context.Context, r *Request, text string) {
	d := q.d
	if s, ok := q.smalltalk[q.social.Kind(text)]; ok {
		d.Reply(ctx, r, s.Reply[r.Lang], []outbox.Button{{Text: d.T(r, "menu.faq"), Data: FAQButtons.Data("cats")}})
		return
	}
	if utf8.RuneCountInString(text) > maxQuestion {
		text = string([]rune(text)[:maxQuestion])
	}
	res := q.m.Match(text)
	t, answered := d.Content.FAQ.Topic(res.Topic)
	last := store.LastQuestion{Text: text, Lang: faq.Lang(text), Topic: res.Topic}
	outcome := store.QuestionDeclined
	if answered && res.Topic != "" {
		last.Topic, outcome = t.ID, store.QuestionAnswered
	}
	// Remembered (for "Not what I asked" and "Ask staff") and counted in one step.
	if err := d.Store.Asked(ctx, r.UserID, last, outcome); err != nil {
		d.Log.Warn("remember and count question", "chat_id", r.ChatID, "err", err)
	}
	if outcome == store.QuestionAnswered {
		q.show(ctx, r, t, true, false)
		return
	}
	q.logUnanswered(ctx, r, last)
	var rows [][]outbox.Button
	for _, c := range append([]faq.Candidate{res.Best}, res.Runners...) {
		if res.OutOfScope || c.Score < suggestFloor || len(rows) == 3 {
			break
		}
		if t, ok := d.Content.FAQ.Topic(c.Topic); ok {
			rows = append(rows, []outbox.Button{{Text: t.TopicTitle(r.Lang), Data: FAQButtons.Data("t", t.ID)}})
		}
	}
	text = d.T(r, "faq.unknown")
	if len(rows) > 0 {
		text = d.T(r, "faq.unsure")
	}
	rows = append(rows, q.staffRow(r)...)
	rows = append(rows, []outbox.Button{{Text: d.T(r, "faq.browse"), Data: FAQButtons.Data("cats")}})
	d.Reply(ctx, r, text, rows...)
}

// logUnanswered counts a question for /unanswered in the form the privacy text promises (see Loggable). It
// reports whether the question was counted now (not already today).
func (q *Questions) logUnanswered(ctx context.Context, r *Request, last store.LastQuestion) bool {
	text := Loggable(last.Text)
	if text == "" {
		return false
	}
	counted, err := q.d.Store.LogUnanswered(ctx, r.UserID, last.Lang, text)
	if err != nil {
		q.d.Log.Warn("log unanswered", "chat_id", r.ChatID, "err", err)
	}
	return counted
}

// count adds a question's outcome to the statistics (/stats): counts per day, nothing of who asked.
func (q *Questions) count(ctx context.Context, r *Request, outcome, topic string) {
	if err := q.d.Store.CountQuestion(ctx, outcome, topic); err != nil {
		q.d.Log.Warn("count question", "chat_id", r.ChatID, "err", err)
	}
}

// maxLogged bounds a question kept for /unanswered, in characters: enough for any real question.
const maxLogged = 200

// emailAddress finds e-mail addresses (before normalisation, which would take the @ and dots apart).
var emailAddress = regexp.MustCompile(`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+`)

// Loggable is a question as /unanswered keeps it: normalised (faq.Normalize), e-mail addresses replaced
// by "@" and every run of numbers with five digits or more (phone numbers, passport and student numbers,
// dates of birth) by "#", cut to 200 characters at a word. A question is for improving the answers; who
// asked it, and how to reach them, is not.
func Loggable(text string) string {
	var parts []string
	prev := 0
	for _, m := range emailAddress.FindAllStringIndex(text, -1) {
		parts = append(parts, faq.Normalize(text[prev:m[0]]), "@")
		prev = m[1]
	}
	parts = append(parts, faq.Normalize(text[prev:]))
	words := strings.Fields(strings.Join(parts, " "))
	var out []string
	for i := 0; i < len(words); {
		j, digits := i, 0
		for j < len(words) && hasDigit(words[j]) {
			digits += countDigits(words[j])
			j++
		}
		switch {
		case j == i:
			out = append(out, words[i])
			i++
		case digits >= 5:
			out = append(out, "#")
			i = j
		default:
			out = append(out, words[i:j]...)
			i = j
		}
	}
	var b strings.Builder
	n := 0
	for _, w := range out {
		l := utf8.RuneCountInString(w)
		if n > 0 && n+1+l > maxLogged {
			break
		}
		if n > 0 {
			b.WriteByte(' ')
			n++
		}
		if l > maxLogged { // one endless word
			w = string([]rune(w)[:maxLogged])
			l = maxLogged
		}
		b.WriteString(w)
		n += l
	}
	return b.String()
}

func hasDigit(w string) bool { return countDigits(w) > 0 }

func countDigits(w string) int {
	n := 0
	for _, r := range w {
		if unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

func (q *Questions) staffRow(r *Request) [][]outbox.Button {
	if b, ok := q.actions["staff"]; ok {
		return [][]outbox.Button{{{Text: q.d.T(r, b.Text), Data: b.Data}}}
	}
	return nil
}

// show sends a topic's answer. asked marks an answer to a typed question (it gets "Not what I asked");
// edit replaces the browse message the user tapped.
func (q *Questions) show(ctx context.Context, r *Request, t *messages.Topic, asked, edit bool) {
	d := q.d
	var rows [][]outbox.Button
	for _, a := range t.Actions {
		if b, ok := q.actions[a]; ok {
			rows = append(rows, []outbox.Button{{Text: d.T(r, b.Text), Data: b.Data}})
		}
	}
	for _, id := range t.Related {
		if rel, ok := d.Content.FAQ.Topic(id); ok {
			rows = append(rows, []outbox.Button{{Text: "↪ " + rel.TopicTitle(r.Lang), Data: FAQButtons.Data("t", id)}})
		}
	}
	if asked {
		rows = append(rows, []outbox.Button{{Text: d.T(r, "faq.not_this"), Data: FAQButtons.Data("no")}})
	} else {
		rows = append(rows, []outbox.Button{{Text: d.T(r, "faq.back"), Data: FAQButtons.Data("c", t.Category)}})
	}
	text := "📌 " + t.TopicTitle(r.Lang) + "\n\n" + d.Content.Answer(t, r.Lang)
	if edit {
		d.Edit(ctx, r, text, rows...)
		return
	}
	d.Reply(ctx, r, text, rows...)
}

// Browse handles /faq and the "faq:" buttons: faq:cats (subjects), faq:c:<category>, faq:t:<topic>,
// faq:no ("not what I asked").
func (q *Questions) Browse(ctx context.Context, r *Request) {
	d := q.d
	kind, args, ok := parse(FAQButtons, r)
	switch {
	case r.Update.CallbackQuery == nil:
		kind = "cats"
	case !ok:
		kind = "" // stale or forged: expired below
	}
	id := ""
	if len(args) > 0 {
		id = args[0]
	}
	switch kind {
	case "cats":
		d.Answer(ctx, r, "")
		var rows [][]outbox.Button
		for _, c := range d.Content.FAQ.Categories {
			rows = append(rows, []outbox.Button{{Text: title(c.Title, r.Lang), Data: FAQButtons.Data("c", c.ID)}})
		}
		d.Reply(ctx, r, d.T(r, "faq.categories"), rows...)
	case "c":
		var rows [][]outbox.Button
		var name string
		for _, c := range d.Content.FAQ.Categories {
			if c.ID == id {
				name = title(c.Title, r.Lang)
			}
		}
		for _, t := range d.Content.FAQ.Topics {
			if t.Category == id && fits(t.Audience, audienceShown(r)) {
				rows = append(rows, []outbox.Button{{Text: t.TopicTitle(r.Lang), Data: FAQButtons.Data("t", t.ID)}})
			}
		}
		if name == "" || len(rows) == 0 {
			d.Expired(ctx, r)
			return
		}
		d.Answer(ctx, r, "")
		rows = append(rows, []outbox.Button{{Text: d.T(r, "faq.back"), Data: FAQButtons.Data("cats")}})
		d.Edit(ctx, r, d.T(r, "faq.category", "category", name), rows...)
	case "t":
		t, ok := d.Content.FAQ.Topic(id)
		if !ok {
			d.Expired(ctx, r)
			return
		}
		d.Answer(ctx, r, "")
		q.show(ctx, r, t, false, false)
	case "no":
		d.Answer(ctx, r, "")
		// An answer is counted as missed once per question and day, however often the button is tapped.
		if last, err := d.Store.GetLastQuestion(ctx, r.UserID); err == nil && q.logUnanswered(ctx, r, last) && last.Topic != "" {
			q.count(ctx, r, store.QuestionNotThis, "")
		}
		rows := append(q.staffRow(r), []outbox.Button{{Text: d.T(r, "faq.browse"), Data: FAQButtons.Data("cats")}})
		d.Reply(ctx, r, d.T(r, "faq.noted"), rows...)
	default:
		d.Expired(ctx, r)
	}
}

// Topic opens a topic by id (deep link /start faq_<topic>).
func (q *Questions) Topic(ctx context.Context, r *Request, id string) {
	if t, ok := q.d.Content.FAQ.Topic(id); ok {
		q.show(ctx, r, t, false, false)
		return
	}
	q.Browse(ctx, r)
}

// audienceShown is the audience lists are filtered for: the user's in a private chat; in a group nobody's,
// since a list tailored to the person who tapped would tell the group who they are.
func audienceShown(r *Request) string {
	if !r.Private {
		return ""
	}
	return r.User.Audience
}

// fits reports whether a topic for audience suits a user of audience user: everything suits a user who
// has not said who they are.
func fits(topic, user string) bool {
	return topic == "all" || user == "" || user == store.AudienceOther || topic == user
}

func title(m map[string]string, lang string) string {
	if s, ok := m[lang]; ok {
		return s
	}
	return m[messages.DefaultLang]
}
