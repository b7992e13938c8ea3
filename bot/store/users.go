package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Where a user's language came from. An explicit choice is never overridden by detection.
const (
	LangExplicit = "explicit"
	LangDetected = "detected"
)

// Audiences a user can belong to; they decide which programmes and topics are offered first.
const (
	AudienceStudent  = "student"
	AudienceDiaspora = "diaspora"
	AudienceOther    = "other"
)

// User is what the bot keeps about a person: enough to answer in the right language and reach them,
// nothing more (no names, no phone numbers).
type User struct {
	ID         int64
	Lang       string // empty until chosen or detected; then "vi", "lo" or "en"
	LangSource string // LangExplicit or LangDetected when Lang is set
	// TelegramLang is the shipped language matching the user's Telegram app, so messages sent outside a
	// conversation (staff replies, reminders) use it when the user never chose one.
	TelegramLang string
	Audience     string // empty until the user says
	FirstSeen    time.Time
	LastSeen     time.Time
	Unreachable  bool // Telegram answered 403 (blocked the bot); cleared when the user writes again
	// NoBroadcasts is set when the user stopped broadcasts (the button under each one, or /settings).
	NoBroadcasts bool
}

// IsNew reports whether this is the first update seen from the user.
func (u User) IsNew() bool { return u.FirstSeen.Equal(u.LastSeen) }

// visitScript is everything the bot asks Redis about the sender of an update, in one step: it records the
// visit — first_seen once, last_seen, reachable again, the Telegram language —, applies flood control
// (floodLua, the state in the user's hash), and returns the user's hash, their staff record, their
// session and their conversation with staff. It runs for every update: a known user costs HGETALL, one
// HSET and the ZADD of the activity index, in one round trip, where separate calls cost twenty-odd commands
// in nine; the staff record, the session and the conversation are read only when the user's hash has no
// word on them (see "staff", "sess" and "conv" below). It keeps the statistics in line as reindexLua does:
// the visit moves the user in the last-seen index, and one who had blocked the bot is no longer counted
// unreachable.
// KEYS: statKeys, the set of users, the staff hash, the session, the conversation. ARGV: now (unix s), uid,
// Telegram language ("" = none shipped), then floodLua's: now (µs), Drop's emission (µs) and burst, Pace's,
// and "1" when the sender is exempt (an admin; staff in the staff hash are exempt too).
// It returns {user hash, staff record or false, flood verdict, wait (µs), session or false, conversation}.
var visitScript = userScript(floodLua + `
local h = redis.call('HGETALL', KEYS[1])
local f = {}
for i = 1, #h, 2 do f[h[i]] = h[i+1] end
local seen = f.last_seen
local set = {}
if f.last_seen ~= ARGV[1] then set[#set+1] = 'last_seen'; set[#set+1] = ARGV[1] end
if not f.first_seen then
  set[#set+1] = 'first_seen'; set[#set+1] = ARGV[1]
  redis.call('SADD', KEYS[4], ARGV[2])
end
if ARGV[3] ~= '' and f.tg_lang ~= ARGV[3] then set[#set+1] = 'tg_lang'; set[#set+1] = ARGV[3] end
if f.unreachable then redis.call('HDEL', KEYS[1], 'unreachable'); f.unreachable = nil end
local st = (f.lang or '') .. '|' .. (f.audience or '') .. '|'
if f.st ~= st then
  if f.st then adjust(KEYS[2], f.st, -1) end
  adjust(KEYS[2], st, 1)
  set[#set+1] = 'st'; set[#set+1] = st
end
-- The session and the conversation are read unless the user's hash says there is none ("sess" and "conv"
-- set to "0" by an earlier visit that found none; SaveSession and OpenConversation delete the field after
-- they write). Most updates come from people in neither, and this spares them both reads.
local sess = false
if f.sess ~= '0' then
  sess = redis.call('GET', KEYS[6])
  if not sess then set[#set+1] = 'sess'; set[#set+1] = '0' end
end
local conv = {}
if f.conv ~= '0' then
  conv = redis.call('HGETALL', KEYS[7])
  if #conv == 0 then set[#set+1] = 'conv'; set[#set+1] = '0' end
end
-- The staff record is copied into the user's hash ("staff", "-" for none) by the visit that reads it, and the
-- copy is dropped by SaveStaff and RemoveStaff in the same step as they write: most visits read it there.
local staff = f.staff
if not staff then
  staff = redis.call('HGET', KEYS[5], ARGV[2]) or '-'
  set[#set+1] = 'staff'; set[#set+1] = staff
end
if staff == '-' then staff = false end
local verdict, wait = 0, 0
if ARGV[9] ~= '1' and not staff then
  local state
  verdict, wait, state = flood(f.flood, tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7], ARGV[8], false)
  if state then set[#set+1] = 'flood'; set[#set+1] = state end
end
if #set > 0 then
  redis.call('HSET', KEYS[1], unpack(set))
  for i = 1, #set, 2 do f[set[i]] = set[i+1] end
end
if f.last_seen ~= seen then redis.call('ZADD', KEYS[3], ARGV[1], ARGV[2]) end
local out = {}
for k, v in pairs(f) do out[#out+1] = k; out[#out+1] = v end
return {out, staff, verdict, wait, sess, conv}
`)

// TouchUser records that the user was seen now, with the language their Telegram app suggests (a shipped
// language or ""), and returns their record.
func (s *Store) TouchUser(ctx context.Context, uid int64, telegramLang string) (User, error) {
	v, err := s.Visit(ctx, uid, telegramLang, Flooding{Exempt: true})
	return v.User, err
}

// Visit records an update from uid (TouchUser), applies flood control and reads what handling the update
// needs about the sender, in one round trip (visitScript). The returned Visited goes into the update's
// context (WithVisited), where GetSession and Conversation find the sender's session and conversation
// instead of asking Redis again.
func (s *Store) Visit(ctx context.Context, uid int64, telegramLang string, fl Flooding) (*Visited, error) {
	now := s.now().Unix()
	keys := append(statKeys(uid), keyUsers(), keyStaff(), keySession(uid), keyConversation(uid))
	exempt := "0"
	if fl.Exempt {
		exempt = "1"
	}
	res, err := visitScript.Run(ctx, s.rdb, keys, now, uid, telegramLang, time.Now().UnixMicro(),
		emission(fl.Drop), fl.Drop.Burst, emission(fl.Pace), fl.Pace.Burst, exempt).Slice()
	if err != nil || len(res) != 6 {
		return &Visited{User: User{ID: uid}}, fmt.Errorf("touch user %d: %w", uid, err)
	}
	v := &Visited{User: userFrom(uid, pairs(res[0])), uid: uid}
	if raw, ok := res[1].(string); ok {
		sm, err := decodeStaff(uid, raw)
		if err != nil {
			return v, err
		}
		v.Staff = &sm
	}
	v.Flood = FloodVerdict(toInt64(res[2]))
	v.FloodWait = time.Duration(toInt64(res[3])) * time.Microsecond
	if raw, ok := res[4].(string); ok {
		v.session = []byte(raw)
	}
	v.conv = pairs(res[5])
	v.cached = true
	return v, nil
}

// pairs turns a flat [field, value, ...] reply into a map.
func pairs(reply any) map[string]string {
	flat, _ := reply.([]any)
	m := make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		k, _ := flat[i].(string)
		v, _ := flat[i+1].(string)
		m[k] = v
	}
	return m
}

func toInt64(v any) int64 { n, _ := v.(int64); return n }

// GetUser returns the user's record or ErrNotFound.
func (s *Store) GetUser(ctx context.Context, uid int64) (User, error) {
	m, err := s.rdb.HGetAll(ctx, keyUser(uid)).Result()
	if err != nil {
		return User{}, fmt.Errorf("get user %d: %w", uid, err)
	}
	if len(m) == 0 {
		return User{}, ErrNotFound
	}
	return userFrom(uid, m), nil
}

func userFrom(uid int64, m map[string]string) User {
	u := User{ID: uid, Lang: m["lang"], LangSource: m["lang_src"], TelegramLang: m["tg_lang"], Audience: m["audience"], Unreachable: m["unreachable"] == "1",
		NoBroadcasts: m["no_broadcasts"] == "1"}
	if v, err := strconv.ParseInt(m["first_seen"], 10, 64); err == nil {
		u.FirstSeen = time.Unix(v, 0)
	}
	if v, err := strconv.ParseInt(m["last_seen"], 10, 64); err == nil {
		u.LastSeen = time.Unix(v, 0)
	}
	return u
}

// SetLanguage stores the user's language. source is LangExplicit or LangDetected; a detected language
// never replaces an explicit one (checked atomically, so a race between /language and a Lao message
// cannot undo the user's choice).
func (s *Store) SetLanguage(ctx context.Context, uid int64, lang, source string) error {
	if source == LangDetected {
		err := setDetectedScript.Run(ctx, s.rdb, statKeys(uid), uid, lang).Err()
		if err != nil && err != redis.Nil {
			return fmt.Errorf("set language of %d: %w", uid, err)
		}
		return nil
	}
	if _, err := s.setUser(ctx, uid, false, "lang", lang, "lang_src", LangExplicit); err != nil {
		return fmt.Errorf("set language of %d: %w", uid, err)
	}
	return nil
}

// setDetectedScript sets a detected language unless one was chosen. KEYS: statKeys; ARGV: uid, language.
var setDetectedScript = userScript(`
if redis.call('HGET', KEYS[1], 'lang_src') == 'explicit' then return 0 end
redis.call('HSET', KEYS[1], 'lang', ARGV[2], 'lang_src', 'detected')
reindex(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
return 1
`)

// SetAudience stores whether the user is a student, a member of the diaspora or other.
func (s *Store) SetAudience(ctx context.Context, uid int64, audience string) error {
	if _, err := s.setUser(ctx, uid, false, "audience", audience); err != nil {
		return fmt.Errorf("set audience of %d: %w", uid, err)
	}
	return nil
}

// MarkUnreachable records that Telegram refused delivery to the user (403), so bulk sends skip them.
func (s *Store) MarkUnreachable(ctx context.Context, uid int64) error {
	// Only an existing user: a 403 for a chat we never stored must not create a record.
	if _, err := s.setUser(ctx, uid, true, "unreachable", "1"); err != nil {
		return fmt.Errorf("mark %d unreachable: %w", uid, err)
	}
	return nil
}

// UserExists reports whether the bot keeps a record of the user (false after /forget).
func (s *Store) UserExists(ctx context.Context, uid int64) (bool, error) {
	n, err := s.rdb.Exists(ctx, keyUser(uid)).Result()
	return n == 1, err
}

// IsUnreachable reports whether the user blocked the bot.
func (s *Store) IsUnreachable(ctx context.Context, uid int64) (bool, error) {
	v, err := s.rdb.HGet(ctx, keyUser(uid), "unreachable").Result()
	if err == redis.Nil {
		return false, nil
	}
	return v == "1", err
}

// CountUsers returns how many users the bot has seen.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	return s.rdb.SCard(ctx, keyUsers()).Result()
}

// ForgetUser deletes everything kept about the user that is theirs alone (the /forget command): the user
// record (with its place in the last-seen index and the counters of users), the session, the last
// question, registrations, their unanswered questions out of the counts, their conversation with staff and
// its map from staff-chat messages, and updates of theirs kept aside as undecodable.
// Later features register more keys here; with Outbox.Forget (queued messages about the user, see
// ForgetQueued) this is the single place that says what "delete my data" means. Places the user held are
// passed on: it returns who was promoted from a waiting list, to be told.
func (s *Store) ForgetUser(ctx context.Context, uid int64) ([]Promotion, error) {
	wrote(ctx, uid)
	promoted, err := s.forgetRegistrations(ctx, regs, uid)
	if err != nil {
		return promoted, fmt.Errorf("forget registrations of %d: %w", uid, err)
	}
	freed, err := s.forgetSignups(ctx, uid)
	promoted = append(promoted, freed...)
	if err != nil {
		return promoted, fmt.Errorf("forget sign-ups of %d: %w", uid, err)
	}
	if err := s.forgetUnanswered(ctx, uid); err != nil {
		return promoted, err
	}
	if err := s.forgetRejected(ctx, uid); err != nil {
		return promoted, err
	}
	if err := s.forgetConversation(ctx, uid); err != nil {
		return promoted, err
	}
	if err := s.forgetTopics(ctx, uid); err != nil {
		return promoted, err
	}
	if err := s.forgetBroadcasts(ctx, uid); err != nil {
		return promoted, err
	}
	// The user's record goes in the step that takes them out of the statistics.
	if err := forgetUserStatsScript.Run(ctx, s.rdb, statKeys(uid), uid).Err(); err != nil {
		return promoted, fmt.Errorf("forget user %d: %w", uid, err)
	}
	pipe := s.rdb.TxPipeline()
	pipe.Del(ctx, keyUser(uid), keySession(uid), keyLastQuestion(uid))
	pipe.ZRem(ctx, keySessions(), uid)
	pipe.SRem(ctx, keyUsers(), uid)
	if _, err := pipe.Exec(ctx); err != nil {
		return promoted, fmt.Errorf("forget user %d: %w", uid, err)
	}
	return promoted, nil
}
