package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// The weekly digest is due on DigestWeekday at DigestHour:00 in BOT_TIMEZONE (Monday 08:00: the start of
// the office's week) and reports on the seven days before that moment.
//
// Exactly once a week: the job runs every day at DigestHour:00 (one replica a day, by the scheduler's
// claim) and sends the digest of the week that last became due unless it was queued already, which the
// queue records in the same step as it queues it (Notifier). So a bot that was down on Monday morning sends
// the digest the next morning it is up at DigestHour:00, still for the week that ended on Monday; one down
// for more than a week sends only the newest digest, since the older one reports a week nobody asks about
// any more. A digest sent late has the same content as one on time, except the totals, which are those
// of the day it is sent.
const (
	DigestWeekday = time.Monday
	DigestHour    = 8
	// DigestQuestions is how many unanswered questions the digest lists (/unanswered lists the rest).
	DigestQuestions = 10
)

// digestKeep is how long the queue remembers that a week's digest went: longer than the week in which a
// catch-up may still send it.
const digestKeep = 14 * 24 * time.Hour

// Notifier queues a message to a chat at most once per name within keep, and reports whether it did (the
// outbox's notify lane in production, so a staff chat's 20 messages a minute never hold up a reply).
type Notifier interface {
	NotifyOnce(ctx context.Context, name string, keep time.Duration, chat int64, text string) (bool, error)
}

// DigestWeek is the period a digest reports on: From, included, to To, excluded, and the language it is
// written in.
type DigestWeek struct {
	From, To time.Time
	Lang     string
}

// DigestSection writes one part of the weekly digest, or "" to leave it out. A section says nothing about
// a person: counts, and questions as /unanswered shows them. The digest is its sections in order, so a
// feature adds what staff should see weekly by adding one (sign-ups per event will be one).
type DigestSection func(ctx context.Context, w DigestWeek) (string, error)

// DigestConfig is what the digest job needs.
type DigestConfig struct {
	Chat     int64  // STAFF_CHAT_ID; 0 means no digest
	Lang     string // STAFF_LANG
	Location *time.Location
	Content  *messages.Content
	Out      Notifier
	Sections []DigestSection
	Log      *slog.Logger
}

// Digest returns the job that sends the weekly digest to the staff chat (see DigestWeekday for when and
// why exactly once).
func Digest(c DigestConfig) Job {
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	return Job{
		Name: "digest",
		Spec: fmt.Sprintf("0 %d * * *", DigestHour),
		Run: func(ctx context.Context, tick time.Time) error {
			if c.Chat == 0 {
				return nil
			}
			due := digestDue(tick, loc)
			w := DigestWeek{From: due.AddDate(0, 0, -7), To: due, Lang: c.Lang}
			parts := []string{c.Content.T(c.Lang, "staff.digest.title",
				"from", w.From.In(loc).Format("02/01/2006 15:04"), "to", w.To.In(loc).Format("02/01/2006 15:04"))}
			for _, section := range c.Sections {
				text, err := section(ctx, w)
				if err != nil {
					return fmt.Errorf("digest: %w", err)
				}
				if text != "" {
					parts = append(parts, text)
				}
			}
			year, week := due.ISOWeek()
			name := fmt.Sprintf("digest:%d-W%02d", year, week)
			queued, err := c.Out.NotifyOnce(ctx, name, digestKeep, c.Chat, strings.Join(parts, "\n\n"))
			if err != nil {
				return fmt.Errorf("digest %s: %w", name, err)
			}
			if queued {
				c.Log.Info("digest: queued for the staff chat", "week", name, "late", tick.Sub(due).Round(time.Minute).String())
			}
			return nil
		},
	}
}

// digestDue is the last moment at or before t when a digest was due: DigestWeekday, DigestHour:00 in loc.
func digestDue(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	back := (int(t.Weekday()) - int(DigestWeekday) + 7) % 7
	due := time.Date(t.Year(), t.Month(), t.Day()-back, DigestHour, 0, 0, 0, loc)
	if due.After(t) {
		due = due.AddDate(0, 0, -7)
	}
	return due
}

// RegistrationCounter counts registrations (store.Store).
type RegistrationCounter interface {
	// NewRegistrations counts a programme's active registrations made in [from, to), by where they are now.
	NewRegistrations(ctx context.Context, prog string, from, to time.Time) (registered, waiting int64, err error)
	// Counts counts all of a programme's active registrations.
	Counts(ctx context.Context, prog string) (registered, waiting int64, err error)
	// Decisions counts a programme's active registrations by staff's decision.
	Decisions(ctx context.Context, prog string) (store.DecisionCounts, error)
}

// RegistrationsSection is the digest's part on programmes: for each programme that took registrations
// during the week, or got some, the new ones (how many of them wait) and the totals; once staff decide on
// its applications, how many they accepted, wait-listed and declined, and how many wait for a decision.
func RegistrationsSection(st RegistrationCounter, content *messages.Content) DigestSection {
	return func(ctx context.Context, w DigestWeek) (string, error) {
		var b strings.Builder
		for _, p := range content.Programmes {
			reg, wait, err := st.NewRegistrations(ctx, p.ID, w.From, w.To)
			if err != nil {
				return "", err
			}
			if reg+wait == 0 && (!p.Opens.Before(w.To) || !p.Closes.After(w.From)) {
				continue // neither open during the week nor applied to
			}
			allReg, allWait, err := st.Counts(ctx, p.ID)
			if err != nil {
				return "", err
			}
			b.WriteString("\n\n• " + p.TitleIn(w.Lang) + "\n  " + content.T(w.Lang, "staff.digest.programme",
				"new", strconv.FormatInt(reg+wait, 10), "new_waiting", strconv.FormatInt(wait, 10),
				"registered", strconv.FormatInt(allReg, 10), "waiting", strconv.FormatInt(allWait, 10)))
			dc, err := st.Decisions(ctx, p.ID)
			if err != nil {
				return "", err
			}
			if dc.Accepted+dc.Waitlisted+dc.Declined > 0 { // staff decide on this programme's applications
				b.WriteString("\n  " + content.T(w.Lang, "staff.digest.decisions", "accepted", strconv.FormatInt(dc.Accepted, 10),
					"waitlisted", strconv.FormatInt(dc.Waitlisted, 10), "declined", strconv.FormatInt(dc.Declined, 10),
					"undecided", strconv.FormatInt(dc.Undecided, 10)))
			}
		}
		if b.Len() == 0 {
			return content.T(w.Lang, "staff.digest.no_registrations"), nil
		}
		return content.T(w.Lang, "staff.digest.registrations") + b.String(), nil
	}
}

// Question is one counted unanswered question, as /unanswered shows it: its language, its text as the
// bot kept it (shortened, numbers and e-mail addresses taken out) and how many asked it.
type Question struct {
	Lang, Text string
	Count      int
}

// QuestionSource returns the n most frequent unanswered questions of the days days ending with the UTC
// day of until (store.Store's TopUnansweredUntil, which /unanswered reads too).
type QuestionSource func(ctx context.Context, until time.Time, days, n int) ([]Question, error)

// UnansweredSection is the digest's part on what the bot could not answer: the DigestQuestions most
// frequent questions of the week, listed as /unanswered lists them (unanswered.line). Questions are
// counted per UTC day, so the week is the seven whole UTC days before the digest's end: each day is in
// exactly one digest.
func UnansweredSection(top QuestionSource, content *messages.Content) DigestSection {
	return func(ctx context.Context, w DigestWeek) (string, error) {
		end := w.To.UTC()
		lastDay := time.Date(end.Year(), end.Month(), end.Day()-1, 0, 0, 0, 0, time.UTC)
		qs, err := top(ctx, lastDay, 7, DigestQuestions)
		if err != nil {
			return "", err
		}
		if len(qs) == 0 {
			return content.T(w.Lang, "staff.digest.no_unanswered"), nil
		}
		var b strings.Builder
		b.WriteString(content.T(w.Lang, "staff.digest.unanswered"))
		for i, q := range qs {
			b.WriteString("\n" + unansweredLine(content, w.Lang, i+1, q))
		}
		return b.String(), nil
	}
}

// unansweredLine is one numbered line of a list of unanswered questions, in the form /unanswered uses.
func unansweredLine(content *messages.Content, lang string, n int, q Question) string {
	return content.T(lang, "unanswered.line", "n", strconv.Itoa(n), "count", strconv.Itoa(q.Count), "lang", q.Lang, "question", q.Text)
}
