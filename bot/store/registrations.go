package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Registration statuses.
const (
	StatusRegistered = "registered"
	StatusWaitlist   = "waitlist"
	StatusWithdrawn  = "withdrawn"
)

// Active reports whether a registration of this status still stands (it holds a place, waits for one, or
// was declined by staff and awaits the applicant's withdrawal): one the applicant cannot apply again over.
func Active(status string) bool {
	return status == StatusRegistered || status == StatusWaitlist || status == StatusDeclined
}

// Registration is one person's application to one programme. Answers hold the form's canonical values by
// field id; they are deleted when the registration is withdrawn or the user uses /forget.
type Registration struct {
	Programme string
	UserID    int64
	Ref       string
	Status    string
	Lang      string
	Created   time.Time
	Answers   map[string]string
	// Decision is staff's decision (DecisionAccepted, DecisionWaitlisted, DecisionDeclined; "" while none
	// was taken), by DecidedBy (a staff user id) at DecidedAt, with an optional Reason written by staff
	// (the applicant's data, deleted with the answers). DecisionVersion counts the decisions taken, for
	// the buttons that change one (store.Decide).
	Decision        string
	DecidedBy       int64
	DecidedAt       time.Time
	Reason          string
	DecisionVersion int
}

// ErrFull is returned by Register when a programme without a waiting list has no place left.
var ErrFull = errors.New("programme is full")

// registerScript creates a registration once: a second call (double tap, re-delivered update, another
// replica) finds the active one (a declined one too) and returns it. Capacity is checked in the same step, so two applicants for
// the last place cannot both get it.
var registerScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if st == 'registered' or st == 'waitlist' or st == 'declined' then
  return {'exists', redis.call('HGET', KEYS[1], 'ref'), st}
end
local status = 'registered'
local cap = tonumber(ARGV[5])
if cap > 0 and redis.call('SCARD', KEYS[3]) >= cap then
  if ARGV[6] ~= '1' then return {'full', '', ''} end
  status = 'waitlist'
end
local ref = string.format('HN-%06d', redis.call('INCR', KEYS[5]))
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'ref', ref, 'status', status, 'created', ARGV[4], 'answers', ARGV[3], 'lang', ARGV[7])
redis.call('ZADD', KEYS[2], ARGV[8], ARGV[1])
if status == 'registered' then redis.call('SADD', KEYS[3], ARGV[1]) end
redis.call('SADD', KEYS[4], ARGV[2])
return {'created', ref, status}
`)

// Register stores a registration unless the user already has an active one for the programme, in which case
// it returns that one and created=false. capacity 0 means unlimited; when full, waitlist decides between a
// waiting-list place and ErrFull.
func (s *Store) Register(ctx context.Context, prog string, uid int64, lang string, answers map[string]string, capacity int, waitlist bool) (reg Registration, created bool, err error) {
	return s.register(ctx, regs, prog, uid, lang, answers, capacity, waitlist)
}

func (s *Store) register(ctx context.Context, sp space, prog string, uid int64, lang string, answers map[string]string, capacity int, waitlist bool) (reg Registration, created bool, err error) {
	raw, err := json.Marshal(answers)
	if err != nil {
		return Registration{}, false, fmt.Errorf("encode answers: %w", err)
	}
	now := s.now()
	wl := "0"
	if waitlist {
		wl = "1"
	}
	res, err := registerScript.Run(ctx, s.rdb,
		[]string{sp.one(prog, uid), sp.all(prog), sp.held(prog), sp.user(uid), keyRegSeq()},
		uid, prog, raw, now.Unix(), capacity, wl, lang, now.UnixMicro()).StringSlice()
	if err != nil {
		return Registration{}, false, fmt.Errorf("register %d for %s: %w", uid, prog, err)
	}
	switch res[0] {
	case "full":
		return Registration{}, false, ErrFull
	case "exists":
		reg, err := s.get(ctx, sp, prog, uid)
		return reg, false, err
	}
	return Registration{Programme: prog, UserID: uid, Ref: res[1], Status: res[2], Lang: lang, Created: time.Unix(now.Unix(), 0), Answers: answers}, true, nil
}

// GetRegistration returns the user's registration for a programme (any status), or ErrNotFound.
func (s *Store) GetRegistration(ctx context.Context, prog string, uid int64) (Registration, error) {
	return s.get(ctx, regs, prog, uid)
}

func (s *Store) get(ctx context.Context, sp space, prog string, uid int64) (Registration, error) {
	m, err := s.rdb.HGetAll(ctx, sp.one(prog, uid)).Result()
	if err != nil {
		return Registration{}, fmt.Errorf("get registration %s/%d: %w", prog, uid, err)
	}
	if len(m) == 0 {
		return Registration{}, ErrNotFound
	}
	return registrationFrom(prog, uid, m), nil
}

func registrationFrom(prog string, uid int64, m map[string]string) Registration {
	r := Registration{Programme: prog, UserID: uid, Ref: m["ref"], Status: m["status"], Lang: m["lang"]}
	if v, err := strconv.ParseInt(m["created"], 10, 64); err == nil {
		r.Created = time.Unix(v, 0)
	}
	if a := m["answers"]; a != "" {
		_ = json.Unmarshal([]byte(a), &r.Answers)
	}
	r.Decision, r.Reason = m["decision"], m["reason"]
	r.DecidedBy, _ = strconv.ParseInt(m["decided_by"], 10, 64)
	if v, err := strconv.ParseInt(m["decided_at"], 10, 64); err == nil {
		r.DecidedAt = time.Unix(v, 0)
	}
	r.DecisionVersion, _ = strconv.Atoi(m["dver"])
	return r
}

// withdrawScript withdraws an active registration (a declined one too), deletes its answers and staff's
// reason and, when it held a place, promotes the oldest waiting-list registration — skipping those staff
// put on the waiting list themselves, who come off it only by staff's decision. It returns the promoted
// user id or 0, or -1 when there was nothing active to withdraw.
var withdrawScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'registered' and st ~= 'waitlist' and st ~= 'declined' then return -1 end
redis.call('HSET', KEYS[1], 'status', 'withdrawn')
redis.call('HDEL', KEYS[1], 'answers', 'reason')
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
if st ~= 'registered' then return 0 end
for _, uid in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local key = ARGV[2] .. uid
  if redis.call('HGET', key, 'status') == 'waitlist' and redis.call('HGET', key, 'decision') ~= 'waitlisted' then
    redis.call('HSET', key, 'status', 'registered')
    redis.call('SADD', KEYS[3], uid)
    return tonumber(uid)
  end
end
return 0
`)

// Withdraw withdraws the user's active registration for prog. It returns the id of a user promoted from
// the waiting list into the freed place (0 for none), or ErrNotFound when nothing was active.
func (s *Store) Withdraw(ctx context.Context, prog string, uid int64) (promoted int64, err error) {
	return s.withdraw(ctx, regs, prog, uid)
}

func (s *Store) withdraw(ctx context.Context, sp space, prog string, uid int64) (promoted int64, err error) {
	n, err := withdrawScript.Run(ctx, s.rdb, []string{sp.one(prog, uid), sp.all(prog), sp.held(prog), sp.declined(prog)},
		uid, sp.prefix(prog)).Int64()
	if err != nil {
		return 0, fmt.Errorf("withdraw %d from %s: %w", uid, prog, err)
	}
	if n < 0 {
		return 0, ErrNotFound
	}
	return n, nil
}

// UserRegistrations returns every registration of the user (any status), for /my.
func (s *Store) UserRegistrations(ctx context.Context, uid int64) ([]Registration, error) {
	return s.ofUser(ctx, regs, uid)
}

func (s *Store) ofUser(ctx context.Context, sp space, uid int64) ([]Registration, error) {
	progs, err := s.rdb.SMembers(ctx, sp.user(uid)).Result()
	if err != nil {
		return nil, fmt.Errorf("registrations of %d: %w", uid, err)
	}
	var out []Registration
	for _, p := range progs {
		r, err := s.get(ctx, sp, p, uid)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	sortRegistrations(out)
	return out, nil
}

// Registrations returns the active registrations of a programme (registered, waiting and declined), oldest
// first.
func (s *Store) Registrations(ctx context.Context, prog string) ([]Registration, error) {
	return s.active(ctx, regs, prog)
}

func (s *Store) active(ctx context.Context, sp space, prog string) ([]Registration, error) {
	uids, err := s.rdb.ZRange(ctx, sp.all(prog), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("registrations of %s: %w", prog, err)
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(uids))
	for i, u := range uids {
		cmds[i] = pipe.HGetAll(ctx, sp.prefix(prog)+u)
	}
	if len(uids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("registrations of %s: %w", prog, err)
		}
	}
	out := make([]Registration, 0, len(uids))
	for i, u := range uids {
		uid, _ := strconv.ParseInt(u, 10, 64)
		out = append(out, registrationFrom(prog, uid, cmds[i].Val()))
	}
	return out, nil
}

// Counts returns how many hold a place and how many wait, for /programmes and capacity display. Declined
// registrations are neither.
func (s *Store) Counts(ctx context.Context, prog string) (registered, waiting int64, err error) {
	return s.counts(ctx, regs, prog)
}

func (s *Store) counts(ctx context.Context, sp space, prog string) (registered, waiting int64, err error) {
	pipe := s.rdb.Pipeline()
	reg := pipe.SCard(ctx, sp.held(prog))
	all := pipe.ZCard(ctx, sp.all(prog))
	declined := pipe.SCard(ctx, sp.declined(prog))
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, 0, fmt.Errorf("count %s: %w", prog, err)
	}
	return reg.Val(), all.Val() - reg.Val() - declined.Val(), nil
}

// newRegistrationsScript counts the active registrations of a programme created in [ARGV[1], ARGV[2])
// (unix µs, the score Register gives) by whether they hold a place: {registered, waiting}. Declined ones
// are neither.
var newRegistrationsScript = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '(' .. ARGV[2])
local reg, declined = 0, 0
for _, id in ipairs(ids) do
  reg = reg + redis.call('SISMEMBER', KEYS[2], id)
  declined = declined + redis.call('SISMEMBER', KEYS[3], id)
end
return {reg, #ids - reg - declined}
`)

// NewRegistrations returns how many of a programme's active registrations were made from from, included,
// to to, excluded — by where they are now: holding a place or on the waiting list. Registrations withdrawn
// or declined since are not counted (the weekly digest reports what is left of the week's applications,
// and staff's decisions apart).
func (s *Store) NewRegistrations(ctx context.Context, prog string, from, to time.Time) (registered, waiting int64, err error) {
	return s.newIn(ctx, regs, prog, from, to)
}

// NewSignups is NewRegistrations for an event's sign-ups.
func (s *Store) NewSignups(ctx context.Context, ev string, from, to time.Time) (registered, waiting int64, err error) {
	return s.newIn(ctx, signups, ev, from, to)
}

func (s *Store) newIn(ctx context.Context, sp space, prog string, from, to time.Time) (registered, waiting int64, err error) {
	res, err := newRegistrationsScript.Run(ctx, s.rdb, []string{sp.all(prog), sp.held(prog), sp.declined(prog)},
		from.UnixMicro(), to.UnixMicro()).Int64Slice()
	if err == nil && len(res) != 2 {
		err = fmt.Errorf("unexpected reply %v", res)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("count new registrations of %s: %w", prog, err)
	}
	return res[0], res[1], nil
}

// Promotion is a waiting-list applicant moved into a place someone else gave up.
type Promotion struct {
	Programme string // the programme, or the event when Event
	UserID    int64
	Event     bool
}

// forgetRegistrations withdraws and deletes every registration of the user (part of /forget) and returns
// the applicants promoted into the places they held.
func (s *Store) forgetRegistrations(ctx context.Context, sp space, uid int64) ([]Promotion, error) {
	progs, err := s.rdb.SMembers(ctx, sp.user(uid)).Result()
	if err != nil {
		return nil, err
	}
	var promoted []Promotion
	for _, p := range progs {
		n, err := s.withdraw(ctx, sp, p, uid)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return promoted, err
		}
		if n != 0 {
			promoted = append(promoted, Promotion{Programme: p, UserID: n})
		}
		if err := s.rdb.Del(ctx, sp.one(p, uid)).Err(); err != nil {
			return promoted, err
		}
	}
	return promoted, s.rdb.Del(ctx, sp.user(uid)).Err()
}

func sortRegistrations(rs []Registration) {
	sort.Slice(rs, func(i, j int) bool {
		if !rs[i].Created.Equal(rs[j].Created) {
			return rs[i].Created.After(rs[j].Created)
		}
		return rs[i].Programme < rs[j].Programme
	})
}
