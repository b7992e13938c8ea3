package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Retention is how long each kind of personal data is kept (RETAIN_* in the environment; the README's
// privacy section and /privacy state the same figures). Redis's TTLs enforce it in real time where a key
// has one; the nightly jobs enforce it on the bot's calendar (the store's clock), for everything, so that
// what is stated holds also for data without a TTL and when the calendar runs ahead of Redis's clock.
//
// Registrations (12 months, promised by the consent text) and event sign-ups (30 days after the event) have
// retention rules of their own in package jobs; they are not configurable, because what applicants agreed
// to is written in the consent they gave.
type Retention struct {
	// Sessions is how long an unfinished flow (a half-filled form) is kept after its last step: the TTL of
	// hn:session:{uid}. At most forms.SessionTTL: a form closes that long after it started anyway.
	Sessions time.Duration
	// Questions is how long the texts of questions the bot could not answer are kept (normalised, numbers
	// and e-mail addresses taken out, counted per day and language; the user's id only in their own index,
	// for /forget): the TTL of hn:unanswered:{day} and hn:user:{uid}:unanswered.
	Questions time.Duration
	// Handoff is how long the link from a conversation's staff-chat messages (card, copies, prompts) to the
	// user is kept — ids only (hn:convmsg:*, hn:conv:{uid}:msgs) — so that a staff member's reply to an old
	// card is still recognised as being about that person. The conversation's own record (state, times,
	// first name, who handles it) is kept only while it is open, as before; the messages themselves are in
	// the staff chat, never in Redis.
	Handoff time.Duration
	// InactiveUsers is how long after their last message everything kept about a user is deleted, as
	// /forget does (ForgetUser). A user who still has a registration or sign-up on record is left until
	// those go by their own retention (see ForgetInactiveUsers).
	InactiveUsers time.Duration
}

// DefaultRetention is the retention the Union decided (issue 11): form sessions 7 days, unanswered
// questions 31 days (a month of /unanswered and the day in progress), handoff links a year, the profiles
// of inactive users two years.
func DefaultRetention() Retention {
	return Retention{
		Sessions:      SessionTTL,
		Questions:     31 * 24 * time.Hour,
		Handoff:       365 * 24 * time.Hour,
		InactiveUsers: 730 * 24 * time.Hour,
	}
}

// orDefault fills the zero fields of r with the defaults.
func (r Retention) orDefault() Retention {
	d := DefaultRetention()
	if r.Sessions <= 0 {
		r.Sessions = d.Sessions
	}
	if r.Questions <= 0 {
		r.Questions = d.Questions
	}
	if r.Handoff <= 0 {
		r.Handoff = d.Handoff
	}
	if r.InactiveUsers <= 0 {
		r.InactiveUsers = d.InactiveUsers
	}
	return r
}

// WithRetention sets the TTLs of the kinds of data Retention covers; zero fields keep the defaults.
func WithRetention(r Retention) Option {
	return func(s *Store) { s.ret = r.orDefault() }
}

// Retention returns the retention the store applies.
func (s *Store) Retention() Retention { return s.ret }

// inactiveBatch is how many users ForgetInactiveUsers reads from the last-seen index per call.
const inactiveBatch = 100

// ForgetInactiveUsers deletes, as /forget does (forget, which is ForgetUser and what goes with it outside
// the store), the users last seen before cutoff, at most limit of them, oldest first, and returns how many
// it deleted. It finds them through the last-seen index (hn:users:seen), so a run costs what there is to
// delete. A user who still has a registration or an event sign-up on record is skipped: those are kept
// for the Union's follow-up under their own rules (12 months, 30 days after the event), which staff rely
// on, and go by them; the user is deleted the night after the last one went. Forgetting is idempotent, so
// an interrupted run is finished by the next.
func (s *Store) ForgetInactiveUsers(ctx context.Context, cutoff time.Time, limit int, forget func(ctx context.Context, uid int64) error) (int, error) {
	done, skipped := 0, int64(0)
	for done < limit {
		ids, err := s.rdb.ZRangeByScore(ctx, keyUsersSeen(), &redis.ZRangeBy{
			Min: "-inf", Max: "(" + strconv.FormatInt(cutoff.Unix(), 10), Offset: skipped, Count: inactiveBatch,
		}).Result()
		if err != nil {
			return done, fmt.Errorf("inactive users: %w", err)
		}
		for _, v := range ids {
			uid, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				skipped++
				continue
			}
			keep, err := s.holdsApplications(ctx, uid)
			if err != nil {
				return done, err
			}
			if keep {
				skipped++
				continue
			}
			if err := forget(ctx, uid); err != nil {
				return done, fmt.Errorf("forget inactive user: %w", err)
			}
			if done++; done == limit {
				break
			}
		}
		if len(ids) < inactiveBatch {
			break
		}
	}
	return done, nil
}

// holdsApplications reports whether the user has a registration or an event sign-up on record.
func (s *Store) holdsApplications(ctx context.Context, uid int64) (bool, error) {
	pipe := s.rdb.Pipeline()
	r := pipe.SCard(ctx, keyUserRegs(uid))
	e := pipe.SCard(ctx, signups.user(uid))
	if _, err := pipe.Exec(ctx); err != nil {
		return false, fmt.Errorf("applications of %d: %w", uid, err)
	}
	return r.Val()+e.Val() > 0, nil
}

// questionsLookback is how many days before the cutoff ExpireQuestions looks for day counts left behind: more
// than the longest RETAIN_QUESTIONS allowed, so that a shortened setting or a calendar that jumped ahead
// is caught up in one run.
const questionsLookback = 400

// ExpireQuestions deletes the day counts of unanswered questions (hn:unanswered:{day}, which hold their
// texts) of every day that ended before cutoff, and returns how many it deleted. Each day's key has its own
// TTL in real time; this holds the stated retention on the bot's calendar too. The days are named, not
// scanned, so a run costs a fixed few hundred UNLINKs in one round trip. The users' own indexes of their
// questions (for /forget) are trimmed to the same retention whenever they ask again, and expire by TTL
// that long after their last counted question; /mydata counts only those within it.
func (s *Store) ExpireQuestions(ctx context.Context, cutoff time.Time) (int, error) {
	c := cutoff.UTC()
	last := time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1) // the last whole day before cutoff
	pipe := s.rdb.Pipeline()
	res := make([]*redis.IntCmd, 0, questionsLookback)
	for i := range questionsLookback {
		res = append(res, pipe.Unlink(ctx, keyUnanswered(last.AddDate(0, 0, -i))))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("expire unanswered questions: %w", err)
	}
	n := 0
	for _, r := range res {
		n += int(r.Val())
	}
	return n, nil
}

// ExpireHandoffLinks deletes the links from staff-chat messages to the user (hn:convmsg:*, and the user's
// index of them, hn:conv:{uid}:msgs) of users last seen before cutoff whose conversation is not open, and
// returns for how many users it deleted some. A user's links are all made while they write to staff or
// staff answer them, so a year after their last message none is younger than the retention. The links have
// a TTL of that length in real time too; this holds it on the bot's calendar. Users are read from the
// last-seen index in batches; those older than RETAIN_INACTIVE_USERS are gone with everything else.
func (s *Store) ExpireHandoffLinks(ctx context.Context, cutoff time.Time) (int, error) {
	n := 0
	for off := int64(0); ; off += inactiveBatch {
		ids, err := s.rdb.ZRangeByScore(ctx, keyUsersSeen(), &redis.ZRangeBy{
			Min: "-inf", Max: "(" + strconv.FormatInt(cutoff.Unix(), 10), Offset: off, Count: inactiveBatch,
		}).Result()
		if err != nil {
			return n, fmt.Errorf("handoff links: %w", err)
		}
		pipe := s.rdb.Pipeline()
		links := make([]*redis.StringSliceCmd, len(ids))
		states := make([]*redis.StringCmd, len(ids))
		uids := make([]int64, len(ids))
		for i, v := range ids {
			uids[i], _ = strconv.ParseInt(v, 10, 64)
			links[i] = pipe.SMembers(ctx, keyConversationMessages(uids[i]))
			states[i] = pipe.HGet(ctx, keyConversation(uids[i]), "state")
		}
		if len(ids) > 0 {
			if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
				return n, fmt.Errorf("handoff links: %w", err)
			}
		}
		for i, uid := range uids {
			if uid == 0 || len(links[i].Val()) == 0 || states[i].Val() == "open" {
				continue
			}
			keys := []string{keyConversationMessages(uid)}
			for _, e := range links[i].Val() {
				if chat, msg, ok := parseConvMsg(e); ok {
					keys = append(keys, keyConversationMessage(chat, msg))
				}
			}
			if err := s.rdb.Del(ctx, keys...).Err(); err != nil {
				return n, fmt.Errorf("expire handoff links of %d: %w", uid, err)
			}
			n++
		}
		if len(ids) < inactiveBatch {
			return n, nil
		}
	}
}

// parseConvMsg reads an entry "<chat>:<message id>" of hn:conv:{uid}:msgs.
func parseConvMsg(e string) (chat int64, msg int, ok bool) {
	c, m, ok := strings.Cut(e, ":")
	chat, err1 := strconv.ParseInt(c, 10, 64)
	msg, err2 := strconv.Atoi(m)
	return chat, msg, ok && err1 == nil && err2 == nil
}
