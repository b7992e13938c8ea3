package broadcast

import (
	"context"
	"fmt"
	"strings"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// Audience says who a broadcast is for, written as on the command line: "all", "lang:lo",
// "audience:student", "programme:<id>", "programme:<id>:registered" (holding a place) or ":waitlist",
// "event:<id>", "topic:<id>".
type Audience struct {
	Kind   string // all, lang, audience, programme, event, topic
	Arg    string
	Status string // programme and event only: a registration status, "" for every active one
}

// Audience kinds.
const (
	All       = "all"
	ByLang    = "lang"
	ByGroup   = "audience"
	Programme = "programme"
	Event     = "event"
	Topic     = "topic"
)

// ParseAudience reads an audience as written on the command line. Case and spaces do not matter.
func ParseAudience(s string) (Audience, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	kind, rest, _ := strings.Cut(s, ":")
	arg, status, _ := strings.Cut(rest, ":")
	a := Audience{Kind: kind, Arg: arg, Status: status}
	switch {
	case kind == All && rest == "":
		return a, nil
	case arg == "":
	case kind == ByLang || kind == Topic:
		if status == "" {
			return a, nil
		}
	case kind == ByGroup:
		if status == "" && (arg == store.AudienceStudent || arg == store.AudienceDiaspora || arg == store.AudienceOther) {
			return a, nil
		}
	case kind == Programme || kind == Event:
		if status == "" || status == store.StatusRegistered || status == store.StatusWaitlist {
			return a, nil
		}
	}
	return Audience{}, fmt.Errorf("audience %q: want all, lang:<l>, audience:student|diaspora|other, programme:<id>[:registered|:waitlist], event:<id>[:registered|:waitlist] or topic:<id>", s)
}

func (a Audience) String() string {
	switch {
	case a.Kind == All:
		return All
	case a.Status != "":
		return a.Kind + ":" + a.Arg + ":" + a.Status
	}
	return a.Kind + ":" + a.Arg
}

// Check reports whether what the audience names exists: a shipped language, a programme, an event, a topic.
func (s *Service) Check(ctx context.Context, a Audience) error {
	c := s.cfg.Content
	switch a.Kind {
	case ByLang:
		if !c.HasLang(a.Arg) {
			return fmt.Errorf("no language %q (shipped: %s)", a.Arg, strings.Join(c.Langs, ", "))
		}
	case Programme:
		if _, ok := c.Programme(a.Arg); !ok {
			return fmt.Errorf("no programme %q", a.Arg)
		}
	case Event:
		if s.cfg.Events == nil {
			return nil
		}
		if _, ok, err := s.cfg.Events.Get(ctx, a.Arg); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("no event %q", a.Arg)
		}
	case Topic:
		if _, ok := c.NewsTopic(a.Arg); !ok {
			return fmt.Errorf("no topic %q", a.Arg)
		}
	}
	return nil
}

// Describe names the audience for staff, in lang.
func (s *Service) Describe(ctx context.Context, a Audience, lang string) string {
	c := s.cfg.Content
	status := ""
	if a.Status != "" {
		status = " (" + c.T(lang, "broadcast.status."+a.Status) + ")"
	}
	switch a.Kind {
	case ByLang:
		return c.T(lang, "broadcast.aud.lang", "lang", c.T(a.Arg, "lang.name"))
	case ByGroup:
		return c.T(lang, "broadcast.aud.group", "group", c.T(lang, "audience."+a.Arg))
	case Programme:
		name := a.Arg
		if p, ok := c.Programme(a.Arg); ok {
			name = p.TitleIn(lang)
		}
		return c.T(lang, "broadcast.aud.programme", "programme", name) + status
	case Event:
		name := a.Arg
		if s.cfg.Events != nil {
			if e, ok, _ := s.cfg.Events.Get(ctx, a.Arg); ok {
				name = e.TitleIn(lang)
			}
		}
		return c.T(lang, "broadcast.aud.event", "event", name) + status
	case Topic:
		name := a.Arg
		if t, ok := c.NewsTopic(a.Arg); ok {
			name = t.NameIn(lang)
		}
		return c.T(lang, "broadcast.aud.topic", "topic", name)
	}
	return c.T(lang, "broadcast.aud.all")
}

// batch is how many users are read per round trip while listing an audience.
const batch = 500

// source returns the next batch of candidate user ids from cursor, and the next cursor (0 at the end).
func (s *Service) source(ctx context.Context, a Audience, cursor uint64) ([]int64, uint64, error) {
	st := s.cfg.Store
	switch a.Kind {
	case Topic:
		return st.ScanTopic(ctx, a.Arg, cursor, batch)
	case Programme, Event:
		// Applications are read whole: a programme has hundreds, not hundreds of thousands.
		list := st.Registrations
		if a.Kind == Event {
			list = st.Signups
		}
		regs, err := list(ctx, a.Arg)
		if err != nil {
			return nil, 0, err
		}
		var ids []int64
		for _, r := range regs {
			if a.Status == "" || r.Status == a.Status {
				ids = append(ids, r.UserID)
			}
		}
		return ids, 0, nil
	}
	return st.ScanUsers(ctx, cursor, batch)
}

// sorted is a batch of candidates sorted out: who gets the broadcast, who cannot (blocked the bot), who
// turned broadcasts off.
type sorted struct {
	to, unreachable, optedOut []int64
}

// sort reads the candidates and keeps those the audience means: people the bot still knows (not
// forgotten) who fit the language or group asked for.
func (s *Service) sort(ctx context.Context, a Audience, ids []int64) (sorted, error) {
	var out sorted
	recs, err := s.cfg.Store.BroadcastRecipients(ctx, ids)
	if err != nil {
		return out, err
	}
	for _, r := range recs {
		switch {
		case !r.Exists:
		case a.Kind == ByLang && s.lang(r.Lang, r.TelegramLang) != a.Arg:
		case a.Kind == ByGroup && r.Audience != a.Arg:
		case r.OptedOut:
			out.optedOut = append(out.optedOut, r.ID)
		case r.Unreachable:
			out.unreachable = append(out.unreachable, r.ID)
		default:
			out.to = append(out.to, r.ID)
		}
	}
	return out, nil
}

// lang is the language a user is written to outside a conversation: the one they chose, else their
// Telegram app's (as staff replies and reminders).
func (s *Service) lang(chosen, telegram string) string {
	return s.cfg.Content.ResolveLang(chosen, telegram, "")
}

// Reach is how many people an audience reaches now.
type Reach struct {
	Recipients  int // will get it
	Unreachable int // blocked the bot
	OptedOut    int // turned broadcasts off
}

// Count says how many people an audience reaches, as the preview shows before sending. It reads the whole
// audience (batches of 500 users a round trip).
func (s *Service) Count(ctx context.Context, a Audience) (Reach, error) {
	var r Reach
	seen := map[int64]bool{} // SSCAN may return a member twice
	var cursor uint64
	for {
		ids, next, err := s.source(ctx, a, cursor)
		if err != nil {
			return r, err
		}
		fresh := ids[:0]
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				fresh = append(fresh, id)
			}
		}
		b, err := s.sort(ctx, a, fresh)
		if err != nil {
			return r, err
		}
		r.Recipients += len(b.to)
		r.Unreachable += len(b.unreachable)
		r.OptedOut += len(b.optedOut)
		if cursor = next; cursor == 0 {
			return r, nil
		}
	}
}
