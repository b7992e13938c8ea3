package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// EventState is what Redis keeps about an event, file or staff-made: the store does not know the event's
// content format (package messages does); it keeps bytes.
type EventState struct {
	ID string
	// Doc is the event in the file format when staff created or changed it in the chat; empty for a file
	// event nobody changed.
	Doc []byte
	// Seq is the event's iCalendar SEQUENCE: raised each time its date, place or reminders change.
	Seq int
	// Fingerprint is what Seq was last raised for (see bot/events).
	Fingerprint string
	// Cancelled is when staff cancelled the event (zero when not).
	Cancelled time.Time
}

// EventStates returns the state of every event Redis knows, by id.
func (s *Store) EventStates(ctx context.Context) (map[string]EventState, error) {
	ids, err := s.rdb.SMembers(ctx, keyEvents()).Result()
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	for i, ev := range ids {
		cmds[i] = pipe.HGetAll(ctx, keyEvent(ev))
	}
	if len(ids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
	}
	out := make(map[string]EventState, len(ids))
	for i, ev := range ids {
		out[ev] = eventStateFrom(ev, cmds[i].Val())
	}
	return out, nil
}

// EventState returns the state of one event (the zero state, with ID, when Redis knows nothing of it).
func (s *Store) EventState(ctx context.Context, ev string) (EventState, error) {
	m, err := s.rdb.HGetAll(ctx, keyEvent(ev)).Result()
	if err != nil {
		return EventState{}, fmt.Errorf("event %s: %w", ev, err)
	}
	return eventStateFrom(ev, m), nil
}

func eventStateFrom(ev string, m map[string]string) EventState {
	st := EventState{ID: ev, Doc: []byte(m["doc"]), Fingerprint: m["fp"]}
	st.Seq, _ = strconv.Atoi(m["seq"])
	if v, err := strconv.ParseInt(m["cancelled"], 10, 64); err == nil && v > 0 {
		st.Cancelled = time.Unix(v, 0)
	}
	if len(st.Doc) == 0 {
		st.Doc = nil
	}
	return st
}

// ErrExists is returned by CreateEvent for an id already taken.
var ErrExists = errors.New("already exists")

// CreateEvent stores a new staff event; ErrExists when the id is taken (taken stays true for ids of file
// events, which the caller checks against the content).
func (s *Store) CreateEvent(ctx context.Context, ev string, doc []byte) error {
	ok, err := s.rdb.HSetNX(ctx, keyEvent(ev), "doc", doc).Result()
	if err != nil {
		return fmt.Errorf("create event %s: %w", ev, err)
	}
	if !ok {
		return ErrExists
	}
	return s.rdb.SAdd(ctx, keyEvents(), ev).Err()
}

// SaveEventDoc stores an event as staff changed it in the chat (it then overrides its file, if any).
func (s *Store) SaveEventDoc(ctx context.Context, ev string, doc []byte) error {
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, keyEvent(ev), "doc", doc)
	pipe.SAdd(ctx, keyEvents(), ev)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("save event %s: %w", ev, err)
	}
	return nil
}

// CancelEvent marks an event cancelled; it reports false when it already was (the notices go out once).
func (s *Store) CancelEvent(ctx context.Context, ev string) (bool, error) {
	ok, err := s.rdb.HSetNX(ctx, keyEvent(ev), "cancelled", s.now().Unix()).Result()
	if err != nil {
		return false, fmt.Errorf("cancel event %s: %w", ev, err)
	}
	if err := s.rdb.SAdd(ctx, keyEvents(), ev).Err(); err != nil {
		return false, fmt.Errorf("cancel event %s: %w", ev, err)
	}
	return ok, nil
}

// bumpScript records what an event now says and raises its SEQUENCE when that changed, in one step across
// replicas. "fp" is the latest fingerprint seen, "applied" the latest whose consequences (reminders moved,
// people told) were carried out: it returns the new sequence and, when the two differ, the applied one — so a
// change whose carrying out a crash cut short is carried out again by the next sync. A first fingerprint is
// recorded as applied: there is nothing to carry out. One caller at a time is given the change to carry out:
// "applying" holds its deadline (the store's clock, unix ms) until EventApplied, and another caller is given
// it again only after that deadline, when the first must have died.
var bumpScript = redis.NewScript(`
local fp = redis.call('HGET', KEYS[1], 'fp')
redis.call('SADD', KEYS[2], ARGV[2])
if not fp then
  redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'applied', ARGV[1])
  redis.call('HSETNX', KEYS[1], 'seq', 0)
  return {redis.call('HGET', KEYS[1], 'seq'), ''}
end
local applied = redis.call('HGET', KEYS[1], 'applied') or fp
if fp ~= ARGV[1] then
  redis.call('HSET', KEYS[1], 'fp', ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'seq', 1)
end
local seq = redis.call('HGET', KEYS[1], 'seq') or '0'
if applied == ARGV[1] then return {seq, ''} end
local busy = tonumber(redis.call('HGET', KEYS[1], 'applying') or '0')
if busy >= tonumber(ARGV[3]) then return {seq, ''} end
redis.call('HSET', KEYS[1], 'applying', tonumber(ARGV[3]) + tonumber(ARGV[4]))
return {seq, applied}
`)

// applyLease is how long a caller of SetEventFingerprint has to carry a change out before another is given it.
const applyLease = 30 * time.Second

// SetEventFingerprint records the fingerprint of what an event says (date, place, reminders, texts),
// raising the sequence when it changed. previous is the last fingerprint whose change was carried out when
// it differs from fp ("" when there is nothing to do): the caller moves the reminders, tells the people
// signed up and then calls EventApplied; one caller at a time is told to (what it does is idempotent anyway:
// the notices are sent once per key).
func (s *Store) SetEventFingerprint(ctx context.Context, ev, fp string) (seq int, previous string, err error) {
	res, err := bumpScript.Run(ctx, s.rdb, []string{keyEvent(ev), keyEvents()}, fp, ev, s.now().UnixMilli(), applyLease.Milliseconds()).StringSlice()
	if err != nil {
		return 0, "", fmt.Errorf("fingerprint of %s: %w", ev, err)
	}
	seq, _ = strconv.Atoi(res[0])
	return seq, res[1], nil
}

// EventApplied records that the change of an event to fp was carried out.
func (s *Store) EventApplied(ctx context.Context, ev, fp string) error {
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, keyEvent(ev), "applied", fp)
	pipe.HDel(ctx, keyEvent(ev), "applying")
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("event %s applied: %w", ev, err)
	}
	return nil
}

// SignUp signs the user up for an event: a place, or the waiting list when capacity (0: none) is taken.
// A second call returns the active sign-up and created=false.
func (s *Store) SignUp(ctx context.Context, ev string, uid int64, lang string, answers map[string]string, capacity int) (Registration, bool, error) {
	return s.register(ctx, signups, ev, uid, lang, answers, capacity, true)
}

// GetSignup returns the user's sign-up for an event (any status), or ErrNotFound.
func (s *Store) GetSignup(ctx context.Context, ev string, uid int64) (Registration, error) {
	return s.get(ctx, signups, ev, uid)
}

// CancelSignup withdraws the user's sign-up and returns who was promoted from the waiting list (0: none), or
// ErrNotFound.
func (s *Store) CancelSignup(ctx context.Context, ev string, uid int64) (int64, error) {
	return s.withdraw(ctx, signups, ev, uid)
}

// UserSignups returns every sign-up of the user (any status), newest first.
func (s *Store) UserSignups(ctx context.Context, uid int64) ([]Registration, error) {
	return s.ofUser(ctx, signups, uid)
}

// Signups returns an event's active sign-ups (places and waiting list), oldest first.
func (s *Store) Signups(ctx context.Context, ev string) ([]Registration, error) {
	return s.active(ctx, signups, ev)
}

// SignupCounts returns how many hold a place and how many wait.
func (s *Store) SignupCounts(ctx context.Context, ev string) (registered, waiting int64, err error) {
	return s.counts(ctx, signups, ev)
}

func (s *Store) forgetSignups(ctx context.Context, uid int64) ([]Promotion, error) {
	evs, err := s.rdb.SMembers(ctx, signups.user(uid)).Result()
	if err != nil {
		return nil, err
	}
	for _, ev := range evs {
		if err := s.UnscheduleUser(ctx, ev, uid); err != nil {
			return nil, err
		}
	}
	freed, err := s.forgetRegistrations(ctx, signups, uid)
	for i := range freed {
		freed[i].Event = true
	}
	if err != nil {
		return freed, err
	}
	return freed, s.rdb.Del(ctx, keyReminderPrefs(uid)).Err()
}

// Reminder is one reminder of one person for one event: sent Offset before the event's Start. Its key
// includes the start, so a moved event's reminders are new reminders, and the exactly-once marker of a
// reminder sent for the old date does not stop the one for the new date.
type Reminder struct {
	Event  string
	UserID int64
	Offset time.Duration
	Start  time.Time
}

// Due is when the reminder is to be sent.
func (r Reminder) Due() time.Time { return r.Start.Add(-r.Offset) }

// Key is the reminder's member in the schedule and, with "rem:", its outbox key: event|uid|minutes|start.
func (r Reminder) Key() string {
	return r.Event + "|" + id(r.UserID) + "|" + strconv.FormatInt(int64(r.Offset/time.Minute), 10) + "|" + strconv.FormatInt(r.Start.Unix(), 10)
}

// ReminderKeyPrefix starts the outbox key of every reminder.
const ReminderKeyPrefix = "rem:"

// ParseReminder reads a Key (with or without ReminderKeyPrefix).
func ParseReminder(key string) (Reminder, bool) {
	parts := strings.Split(strings.TrimPrefix(key, ReminderKeyPrefix), "|")
	if len(parts) != 4 || parts[0] == "" {
		return Reminder{}, false
	}
	uid, err1 := strconv.ParseInt(parts[1], 10, 64)
	mins, err2 := strconv.ParseInt(parts[2], 10, 64)
	start, err3 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || uid <= 0 || mins <= 0 {
		return Reminder{}, false
	}
	return Reminder{Event: parts[0], UserID: uid, Offset: time.Duration(mins) * time.Minute, Start: time.Unix(start, 0)}, true
}

// ScheduleReminders adds reminders to the schedule (an existing one keeps its single entry).
func (s *Store) ScheduleReminders(ctx context.Context, rs ...Reminder) error {
	if len(rs) == 0 {
		return nil
	}
	pipe := s.rdb.Pipeline()
	byEvent := map[string][]any{}
	zs := make([]redis.Z, 0, len(rs))
	for _, r := range rs {
		zs = append(zs, redis.Z{Score: float64(r.Due().UnixMilli()), Member: r.Key()})
		byEvent[r.Event] = append(byEvent[r.Event], r.Key())
	}
	pipe.ZAdd(ctx, keyReminders(), zs...)
	for ev, keys := range byEvent {
		pipe.SAdd(ctx, keyEventReminders(ev), keys...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("schedule %d reminders: %w", len(rs), err)
	}
	return nil
}

// UnscheduleUser takes the user's pending reminders of an event off the schedule (cancelled sign-up,
// /forget). Due ones are already in the outbox, whose renderer checks the sign-up before sending.
func (s *Store) UnscheduleUser(ctx context.Context, ev string, uid int64) error {
	var keys []string
	iter := s.rdb.SScan(ctx, keyEventReminders(ev), 0, ev+"|"+id(uid)+"|*", 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("reminders of %d for %s: %w", uid, ev, err)
	}
	if len(keys) == 0 {
		return nil
	}
	members := make([]any, len(keys))
	for i, k := range keys {
		members[i] = k
	}
	pipe := s.rdb.Pipeline()
	pipe.ZRem(ctx, keyReminders(), members...)
	pipe.SRem(ctx, keyEventReminders(ev), members...)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("unschedule reminders of %d for %s: %w", uid, ev, err)
	}
	return nil
}

// UnscheduleEvent takes every pending reminder of an event off the schedule (the event moved or was
// cancelled) and returns how many there were.
func (s *Store) UnscheduleEvent(ctx context.Context, ev string) (int, error) {
	keys, err := s.rdb.SMembers(ctx, keyEventReminders(ev)).Result()
	if err != nil {
		return 0, fmt.Errorf("reminders of %s: %w", ev, err)
	}
	pipe := s.rdb.Pipeline()
	for i := 0; i < len(keys); i += 1000 {
		batch := make([]any, 0, 1000)
		for _, k := range keys[i:min(i+1000, len(keys))] {
			batch = append(batch, k)
		}
		pipe.ZRem(ctx, keyReminders(), batch...)
	}
	pipe.Del(ctx, keyEventReminders(ev))
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("unschedule reminders of %s: %w", ev, err)
	}
	return len(keys), nil
}

// PendingReminders returns how many reminders wait in the schedule (a metric) .
func (s *Store) PendingReminders(ctx context.Context) (int64, error) {
	return s.rdb.ZCard(ctx, keyReminders()).Result()
}

// NextReminder returns when the earliest scheduled reminder is due (zero when none).
func (s *Store) NextReminder(ctx context.Context) (time.Time, error) {
	zs, err := s.rdb.ZRangeWithScores(ctx, keyReminders(), 0, 0).Result()
	if err != nil || len(zs) == 0 {
		return time.Time{}, err
	}
	return time.UnixMilli(int64(zs[0].Score)), nil
}

// moveDueScript moves up to ARGV[2] reminders due at ARGV[1] (unix ms) from the schedule to the outbox's
// reminder lane, in one step: a crash cannot lose one between the two, and two replicas cannot both move
// one. Each lane item is the outbox's JSON for a message rendered at send time ("render") and sent once
// per key ("once"); a key is event|uid|minutes|start, so the uid is digits and needs no escaping.
var moveDueScript = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #due == 0 then return 0 end
local items = {}
for i, key in ipairs(due) do
  local uid = string.match(key, '^[^|]+|(%d+)|')
  if uid then
    items[#items+1] = '{"chat_id":' .. uid .. ',"key":"rem:' .. key .. '","render":"reminder","about":' .. uid .. ',"once":true}'
  end
end
if #items > 0 then redis.call('RPUSH', KEYS[2], unpack(items)) end
redis.call('ZREM', KEYS[1], unpack(due))
return #due
`)

// moveBatch bounds one script run: Lua's unpack and the time Redis is blocked.
const moveBatch = 1000

// MoveDueReminders moves every reminder due at now into the outbox's reminder lane (lane: its name), batch
// by batch, and returns how many it moved.
func (s *Store) MoveDueReminders(ctx context.Context, now time.Time, lane string) (int, error) {
	total := 0
	for {
		n, err := moveDueScript.Run(ctx, s.rdb, []string{keyReminders(), keyOutbox(lane)}, now.UnixMilli(), moveBatch).Int()
		total += n
		if err != nil {
			return total, fmt.Errorf("move due reminders: %w", err)
		}
		if n < moveBatch {
			return total, nil
		}
	}
}

// ReminderPrefs is what the user turned off: every reminder (All), or those of some events.
type ReminderPrefs struct {
	AllOff bool
	Off    map[string]bool
}

// Wants reports whether the user wants the reminders of an event.
func (p ReminderPrefs) Wants(ev string) bool { return !p.AllOff && !p.Off[ev] }

// ReminderPrefs returns the user's reminder settings (everything on by default).
func (s *Store) ReminderPrefs(ctx context.Context, uid int64) (ReminderPrefs, error) {
	m, err := s.rdb.HGetAll(ctx, keyReminderPrefs(uid)).Result()
	if err != nil {
		return ReminderPrefs{}, fmt.Errorf("reminder settings of %d: %w", uid, err)
	}
	p := ReminderPrefs{Off: map[string]bool{}}
	for k := range m {
		if k == prefAll {
			p.AllOff = true
		} else {
			p.Off[k] = true
		}
	}
	return p, nil
}

// prefAll is the field of the settings hash that turns every reminder off ("*" is no event id).
const prefAll = "*"

// SetReminders turns the user's reminders for an event on or off; ev "" means all of them.
func (s *Store) SetReminders(ctx context.Context, uid int64, ev string, on bool) error {
	field := ev
	if field == "" {
		field = prefAll
	}
	var err error
	if on {
		err = s.rdb.HDel(ctx, keyReminderPrefs(uid), field).Err()
	} else {
		err = s.rdb.HSet(ctx, keyReminderPrefs(uid), field, "off").Err()
	}
	if err != nil {
		return fmt.Errorf("set reminders of %d: %w", uid, err)
	}
	return nil
}

// PurgeSignups deletes every sign-up of an event that is over — places, waiting list and withdrawn ones, their
// answers, the users' links to it and their reminder setting for it — and marks the event purged so that the
// nightly job does not look again. It returns how many sign-ups it deleted.
func (s *Store) PurgeSignups(ctx context.Context, ev string) (int, error) {
	if done, err := s.rdb.HExists(ctx, keyEvent(ev), "purged").Result(); err != nil || done {
		return 0, err
	}
	n := 0
	prefixLen := len(signups.prefix(ev))
	err := s.scanKeys(ctx, signups.prefix(ev)+"*", 1000, func(ctx context.Context, key string) error {
		uid, err := strconv.ParseInt(key[prefixLen:], 10, 64)
		if err != nil {
			return nil // not a sign-up key of this event (an id that is a prefix of another's is not: ":" ends it)
		}
		pipe := s.rdb.TxPipeline()
		pipe.Del(ctx, key)
		pipe.SRem(ctx, signups.user(uid), ev)
		pipe.HDel(ctx, keyReminderPrefs(uid), ev)
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("purge sign-ups of %s: %w", ev, err)
	}
	if _, err := s.UnscheduleEvent(ctx, ev); err != nil {
		return n, err
	}
	pipe := s.rdb.TxPipeline()
	pipe.Del(ctx, signups.all(ev), signups.held(ev))
	pipe.HSet(ctx, keyEvent(ev), "purged", s.now().Unix())
	pipe.SAdd(ctx, keyEvents(), ev)
	if _, err := pipe.Exec(ctx); err != nil {
		return n, fmt.Errorf("purge sign-ups of %s: %w", ev, err)
	}
	return n, nil
}
