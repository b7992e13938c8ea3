package handlers

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers/forms"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// Stats is the staff command /stats: how many people use the bot, in which languages and from where, how
// well it answers, and where registrations and sign-ups stand. The same numbers feed /metrics (Snapshot).
//
// It stays cheap for 100 000 users: users are counted from the store's indexes and counters (a handful of
// commands), questions from per-day counters; the one read per record is of registrations and sign-ups
// (store.EachRegistration, batches of 500), which also gives the countries people wrote in their forms.
type Stats struct {
	d Deps
	// Sections are parts of /stats that other features add after the built-in ones, in order (the
	// broadcasts' reach, say). Each writes its part in the staff member's language, "" for nothing to say.
	Sections []StatsSection
}

// StatsSection is one part of /stats added by another feature.
type StatsSection func(ctx context.Context, lang string) (string, error)

// NewStats builds /stats with the sections other features add.
func NewStats(d Deps, sections ...StatsSection) *Stats { return &Stats{d: d, Sections: sections} }

// Count is a number of something named by Key (a language, a status, a country code, a topic id).
type Count struct {
	Key string
	N   int64
}

// Applications are the active registrations of a programme or sign-ups of an event.
type Applications struct {
	ID string
	// Title is the programme's or event's title by language.
	Title map[string]string
	// Starts is an event's start (zero for a programme).
	Starts time.Time
	// Statuses count the applications by status, Decisions by the decision staff took (if any): whatever
	// values are stored, registered and waitlist first.
	Statuses, Decisions []Count
}

// N is how many applications there are.
func (a Applications) N() int64 {
	var n int64
	for _, c := range a.Statuses {
		n += c.N
	}
	return n
}

// StatsSnapshot is the statistics at one moment.
type StatsSnapshot struct {
	At    time.Time
	Users store.UserCounts
	// Week and Month are the questions of the last 7 and 30 days.
	Week, Month store.QuestionCounts
	// Countries are the countries people gave in forms (ISO codes), most frequent first; one per person.
	Countries []Count
	// Programmes are the programmes open now or with registrations; Events those with sign-ups in the
	// chat, not over for more than 30 days.
	Programmes, Events []Applications
}

// eventsShownAfter is how long after its end an event still appears in the statistics.
const eventsShownAfter = 30 * 24 * time.Hour

// Snapshot computes the statistics now.
func (s *Stats) Snapshot(ctx context.Context) (StatsSnapshot, error) {
	d := s.d
	now := d.now()
	snap := StatsSnapshot{At: now}
	var err error
	if snap.Users, err = d.Store.UserStats(ctx, now); err != nil {
		return snap, err
	}
	if snap.Week, err = d.Store.QuestionStats(ctx, now, 7); err != nil {
		return snap, err
	}
	if snap.Month, err = d.Store.QuestionStats(ctx, now, 30); err != nil {
		return snap, err
	}
	region := map[int64]string{} // the first country a person gave in a form
	tally := func(fields []forms.Field, each func(context.Context, string, func(store.Application)) error, id string) (Applications, error) {
		statuses, decisions := map[string]int64{}, map[string]int64{}
		err := each(ctx, id, func(a store.Application) {
			statuses[a.Status]++
			if a.Decision != "" {
				decisions[a.Decision]++
			}
			if _, ok := region[a.UserID]; !ok {
				if r := forms.HomeRegion(fields, a.Answers); r != "" {
					region[a.UserID] = r
				}
			}
		})
		return Applications{ID: id, Statuses: sortedCounts(statuses), Decisions: sortedCounts(decisions)}, err
	}
	for _, p := range d.Content.Programmes {
		a, err := tally(p.Fields, d.Store.EachRegistration, p.ID)
		if err != nil {
			return snap, err
		}
		if a.N() == 0 && p.Status(now) != messages.StatusOpen {
			continue
		}
		a.Title = p.Title
		snap.Programmes = append(snap.Programmes, a)
	}
	if d.Events != nil {
		all, err := d.Events.All(ctx)
		if err != nil {
			return snap, err
		}
		for _, e := range all {
			if !e.Signup || e.Ends.Before(now.Add(-eventsShownAfter)) {
				continue
			}
			a, err := tally(e.Fields, d.Store.EachSignup, e.ID)
			if err != nil {
				return snap, err
			}
			a.Title, a.Starts = e.Title, e.Starts
			snap.Events = append(snap.Events, a)
		}
	}
	countries := map[string]int64{}
	for _, r := range region {
		countries[r]++
	}
	snap.Countries = sortedCounts(countries)
	slices.SortStableFunc(snap.Countries, func(a, b Count) int { return cmp.Compare(b.N, a.N) })
	return snap, nil
}

// statusOrder puts the statuses every programme has first, in the order people go through them.
var statusOrder = map[string]int{store.StatusRegistered: 1, store.StatusWaitlist: 2}

// sortedCounts lists m by statusOrder, then by key.
func sortedCounts(m map[string]int64) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{k, n})
	}
	slices.SortFunc(out, func(a, b Count) int {
		oa, ob := statusOrder[a.Key], statusOrder[b.Key]
		if oa == 0 {
			oa = len(statusOrder) + 1
		}
		if ob == 0 {
			ob = len(statusOrder) + 1
		}
		return cmp.Or(cmp.Compare(oa, ob), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// Countries and topics shown at most.
const (
	statsCountries = 10
	statsTopics    = 5
)

// Command handles /stats.
func (s *Stats) Command(ctx context.Context, r *Request) {
	snap, err := s.Snapshot(ctx)
	if err != nil {
		s.d.Log.Error("stats", "err", err)
		s.d.Reply(ctx, r, s.d.T(r, "error.apology"))
		return
	}
	text := s.Render(r.Lang, snap)
	for _, sec := range s.Sections {
		part, err := sec(ctx, r.Lang)
		if err != nil {
			s.d.Log.Error("stats section", "err", err)
			continue
		}
		if part != "" {
			text += "\n\n" + part
		}
	}
	s.d.Reply(ctx, r, text)
}

// Render writes a snapshot in lang.
func (s *Stats) Render(lang string, snap StatsSnapshot) string {
	c := s.d.Content
	t := func(key string, args ...string) string { return c.T(lang, key, args...) }
	num := func(n int64) string { return strconv.FormatInt(n, 10) }
	var b strings.Builder
	loc := s.d.Location
	if loc == nil {
		loc = time.UTC
	}
	b.WriteString(t("stats.title", "date", snap.At.In(loc).Format("02/01/2006 15:04")))
	u := snap.Users
	b.WriteString("\n\n" + t("stats.users", "total", num(u.Total), "week", num(u.Active7), "month", num(u.Active30), "unreachable", num(u.Unreachable)))
	if !u.Indexed {
		b.WriteString("\n" + t("stats.indexing"))
	}
	var langs []string
	byLang := slices.Clone(c.Langs)
	slices.SortStableFunc(byLang, func(a, b string) int { return cmp.Compare(u.ByLang[b], u.ByLang[a]) })
	for _, l := range byLang { // each in its own name, most used first
		if n := u.ByLang[l]; n > 0 {
			langs = append(langs, c.T(l, "lang.name")+" "+num(n))
		}
	}
	if n := u.ByLang[""]; n > 0 {
		langs = append(langs, t("stats.not_chosen")+" "+num(n))
	}
	b.WriteString("\n" + t("stats.languages", "list", list(langs)))
	var auds []string
	for _, a := range []string{store.AudienceStudent, store.AudienceDiaspora, store.AudienceOther, ""} {
		if n := u.ByAudience[a]; n > 0 {
			name := t("stats.not_said")
			if a != "" {
				name = t("stats.audience." + a)
			}
			auds = append(auds, name+" "+num(n))
		}
	}
	b.WriteString("\n" + t("stats.audiences", "list", list(auds)))
	if len(snap.Countries) == 0 {
		b.WriteString("\n" + t("stats.countries_none"))
	} else {
		var known int64
		var cs []string
		for i, k := range snap.Countries {
			known += k.N
			if i < statsCountries {
				cs = append(cs, strings.TrimSpace(flag(k.Key)+" "+k.Key)+" "+num(k.N))
			}
		}
		b.WriteString("\n" + t("stats.countries", "known", num(known), "list", list(cs)))
	}

	b.WriteString("\n\n" + t("stats.questions"))
	for _, w := range []struct {
		days string
		q    store.QuestionCounts
	}{{"7", snap.Week}, {"30", snap.Month}} {
		asked := w.q.Answered + w.q.Declined
		if asked == 0 {
			b.WriteString("\n" + t("stats.questions_none", "days", w.days))
			continue
		}
		b.WriteString("\n" + t("stats.questions_line", "days", w.days, "answered", num(w.q.Answered),
			"declined", num(w.q.Declined), "rate", strconv.FormatInt((100*w.q.Answered+asked/2)/asked, 10), "not_this", num(w.q.NotThis)))
	}
	topics := sortedCounts(snap.Month.Topics)
	slices.SortStableFunc(topics, func(a, b Count) int { return cmp.Compare(b.N, a.N) })
	if len(topics) > 0 {
		b.WriteString("\n" + t("stats.topics"))
		for i, k := range topics[:min(len(topics), statsTopics)] {
			name := k.Key
			if tp, ok := c.FAQ.Topic(k.Key); ok {
				name = tp.TopicTitle(lang)
			}
			b.WriteString("\n" + t("stats.topic_line", "n", strconv.Itoa(i+1), "topic", name, "count", num(k.N)))
		}
	}

	b.WriteString("\n\n" + t("stats.programmes"))
	if len(snap.Programmes) == 0 {
		b.WriteString("\n" + t("stats.programmes_none"))
	}
	for _, p := range snap.Programmes {
		b.WriteString("\n" + t("stats.programme_line", "programme", title(p.Title, lang), "counts", s.counts(lang, p)))
	}
	if len(snap.Events) > 0 {
		b.WriteString("\n\n" + t("stats.events"))
		for _, e := range snap.Events {
			var held, waiting int64
			for _, k := range e.Statuses {
				switch k.Key {
				case store.StatusRegistered:
					held = k.N
				case store.StatusWaitlist:
					waiting = k.N
				}
			}
			b.WriteString("\n" + t("stats.event_line", "event", title(e.Title, lang), "date", e.Starts.In(loc).Format("02/01/2006"),
				"registered", num(held), "waiting", num(waiting)))
		}
	}
	return b.String()
}

// counts lists the statuses and decisions of a programme's registrations ("registered 12 · on the waiting
// list 3 · accepted 5"), with the words of the content for the values it knows and the stored value for
// others (a status a newer version added).
func (s *Stats) counts(lang string, a Applications) string {
	if a.N() == 0 {
		return "0"
	}
	var parts []string
	for _, k := range a.Statuses {
		parts = append(parts, s.label(lang, k.Key)+" "+strconv.FormatInt(k.N, 10))
	}
	for _, k := range a.Decisions {
		parts = append(parts, s.label(lang, k.Key)+" "+strconv.FormatInt(k.N, 10))
	}
	return list(parts)
}

// label is the word for a status or decision value: reg.decision.<v> or reg.status.<v> in the content, or
// the value itself.
func (s *Stats) label(lang, value string) string {
	for _, key := range []string{"reg.decision." + value, "reg.status." + value} {
		if w := s.d.Content.T(lang, key); w != key {
			return w
		}
	}
	return value
}

func list(parts []string) string {
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, " · ")
}

// flag is the flag emoji of an ISO 3166 country code (two regional indicator letters), "" for anything else.
func flag(code string) string {
	if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
		return ""
	}
	return fmt.Sprintf("%c%c", rune(code[0]-'A')+0x1F1E6, rune(code[1]-'A')+0x1F1E6)
}
