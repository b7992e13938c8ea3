package handlers

import (
	"context"
	"errors"
	"strconv"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// Teach is the FAQ's teach loop: from /unanswered, or from a question on a handoff card, a staff member
// tells the bot which topic answers a question — or that it must not answer it — in two taps. The lesson
// is kept in Redis and announced, so every replica answers that question so at once; `huunghi faq
// learned` takes the lessons into the content files, where they become example questions after review.
// A lesson changes the answer to that one question (faq.LessonKey), never the index, so a wrong tap
// cannot spoil any other answer, and Undo takes it back.
type Teach struct {
	d Deps
	m *faq.Matcher
	// changed reloads this replica's lessons at once (the others hear the store's announcement), so the
	// staff member who taught sees the new answer on the next message.
	changed func(context.Context)
}

// NewTeach returns the teach loop's handlers; m suggests the topics to pick from, changed reloads the
// lessons after a change (nil: nothing to reload).
func NewTeach(d Deps, m *faq.Matcher, changed func(context.Context)) *Teach {
	if changed == nil {
		changed = func(context.Context) {}
	}
	return &Teach{d: d, m: m, changed: changed}
}

// teachButtonsPerList is how many of /unanswered's questions get a Teach button (five to a row).
const teachButtonsPerList = 10

// OfferRows returns /unanswered's rows of Teach buttons for its numbered questions (numbers from 1).
func (t *Teach) OfferRows(ctx context.Context, r *Request, qs []store.Teachable) [][]outbox.Button {
	if len(qs) > teachButtonsPerList {
		qs = qs[:teachButtonsPerList]
	}
	hashes, err := t.d.Store.OfferTeach(ctx, qs)
	if err != nil {
		t.d.Log.Warn("offer teach", "err", err)
		return nil
	}
	var rows [][]outbox.Button
	for i, h := range hashes {
		if i%5 == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], outbox.Button{Text: t.d.T(r, "teach.button", "n", strconv.Itoa(i+1)), Data: TeachButtons.Data("q", h)})
	}
	return rows
}

// Button handles every Teach button.
func (t *Teach) Button(ctx context.Context, r *Request) {
	d := t.d
	verb, args, ok := parse(TeachButtons, r)
	if !ok {
		d.Expired(ctx, r)
		return
	}
	q, err := d.Store.TeachableQuestion(ctx, args[0])
	switch {
	case errors.Is(err, store.ErrNotFound):
		d.Expired(ctx, r)
		return
	case err != nil:
		d.Log.Error("teachable question", "err", err)
		d.Answer(ctx, r, d.T(r, "error.apology"))
		return
	}
	switch verb {
	case "q":
		d.Answer(ctx, r, "")
		d.Reply(ctx, r, d.T(r, "teach.pick", "question", q.Question, "lang", q.Lang), t.pickRows(r, args[0], q)...)
	case "more":
		d.Answer(ctx, r, "")
		var rows [][]outbox.Button
		for _, c := range d.Content.FAQ.Categories {
			rows = append(rows, []outbox.Button{{Text: title(c.Title, r.Lang), Data: TeachButtons.Data("c", args[0], c.ID)}})
		}
		rows = append(rows, []outbox.Button{{Text: d.T(r, "teach.back"), Data: TeachButtons.Data("q", args[0])}})
		d.Edit(ctx, r, d.T(r, "teach.pick_category", "question", q.Question), rows...)
	case "c":
		var rows [][]outbox.Button
		for _, topic := range d.Content.FAQ.Topics {
			if topic.Category == args[1] {
				rows = append(rows, []outbox.Button{{Text: topic.TopicTitle(r.Lang), Data: TeachButtons.Data("s", args[0], topic.ID)}})
			}
		}
		if len(rows) == 0 {
			d.Expired(ctx, r)
			return
		}
		d.Answer(ctx, r, "")
		rows = append(rows, []outbox.Button{{Text: d.T(r, "teach.back"), Data: TeachButtons.Data("more", args[0])}})
		d.Edit(ctx, r, d.T(r, "teach.pick", "question", q.Question, "lang", q.Lang), rows...)
	case "s", "o":
		topic := store.OutOfScopeLesson
		if verb == "s" {
			topic = args[1]
		}
		var shown *messages.Topic
		if topic != store.OutOfScopeLesson {
			tp, known := d.Content.FAQ.Topic(topic)
			if !known {
				d.Answer(ctx, r, d.T(r, "teach.unknown_topic"))
				return
			}
			shown = tp
		}
		l := store.Lesson{Key: q.Key, Question: q.Question, Lang: q.Lang, Topic: topic, By: r.UserID, At: d.now()}
		if err := d.Store.Teach(ctx, l); err != nil {
			d.Log.Error("teach", "err", err)
			d.Answer(ctx, r, d.T(r, "error.apology"))
			return
		}
		t.changed(ctx)
		d.Answer(ctx, r, "")
		text := d.T(r, "teach.done_out_of_scope", "question", q.Question)
		if shown != nil {
			text = d.T(r, "teach.done", "question", q.Question, "topic", shown.TopicTitle(r.Lang))
		}
		d.Edit(ctx, r, text, []outbox.Button{{Text: d.T(r, "teach.undo"), Data: TeachButtons.Data("u", args[0])}})
	case "u":
		if _, err := d.Store.Untaught(ctx, q.Key); err != nil {
			d.Log.Error("untaught", "err", err)
			d.Answer(ctx, r, d.T(r, "error.apology"))
			return
		}
		t.changed(ctx)
		d.Answer(ctx, r, "")
		d.Edit(ctx, r, d.T(r, "teach.undone", "question", q.Question), []outbox.Button{{Text: d.T(r, "teach.more"), Data: TeachButtons.Data("q", args[0])}})
	default:
		d.Expired(ctx, r)
	}
}

// pickRows are the first choices for a question: the topics the matcher finds closest (up to three), then
// another topic, out of scope.
func (t *Teach) pickRows(r *Request, hash string, q store.Teachable) [][]outbox.Button {
	d := t.d
	res := t.m.Match(q.Question)
	var rows [][]outbox.Button
	for _, c := range append([]faq.Candidate{res.Best}, res.Runners...) {
		if len(rows) == 3 {
			break
		}
		if topic, ok := d.Content.FAQ.Topic(c.Topic); ok {
			rows = append(rows, []outbox.Button{{Text: topic.TopicTitle(r.Lang), Data: TeachButtons.Data("s", hash, topic.ID)}})
		}
	}
	return append(rows,
		[]outbox.Button{{Text: d.T(r, "teach.more"), Data: TeachButtons.Data("more", hash)}},
		[]outbox.Button{{Text: d.T(r, "teach.out_of_scope"), Data: TeachButtons.Data("o", hash)}})
}

// teachableOf is a question in the form /unanswered keeps and shows (Loggable), with its lesson key.
func teachableOf(logged, lang string) store.Teachable {
	return store.Teachable{Key: faq.LessonKey(logged), Question: logged, Lang: lang}
}
