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

// Staff's decisions on a registration. A decision is kept beside the registration's status: the status
// says where the applicant stands for capacity (a place, the waiting list, declined), the decision says
// what staff decided and is what the applicant was told.
const (
	DecisionAccepted   = "accepted"
	DecisionWaitlisted = "waitlisted"
	DecisionDeclined   = "declined"
)

// StatusDeclined is the status of a registration staff declined: it holds no place and waits for none, but
// stays the applicant's registration (they cannot apply again over it, and see it in /my) until they
// withdraw it or it expires.
const StatusDeclined = "declined"

// Decision outcomes (DecideResult.Outcome).
const (
	// Decided: the decision was written (Version is the new one).
	Decided = "done"
	// DecidedAgain: this very update wrote the decision already (it is being handled again after a lost
	// acknowledgement); the caller redoes its once-only side effects and nothing else.
	DecidedAgain = "again"
	// DecisionChanged: the registration's decision is not the one the button was made for — another staff
	// member decided in between, or the tap was re-sent. Nothing was written; the caller shows what stands.
	DecisionChanged = "changed"
	// DecisionFull: accepting needs a place and the programme has none; nothing was written. Accepting
	// beyond capacity is a separate, explicit choice (Decide with force).
	DecisionFull = "full"
)

// ErrNotActive is returned when a decision or reason is asked for a registration that was withdrawn or
// deleted.
var ErrNotActive = errors.New("registration is not active")

// DecideResult is what Decide did.
type DecideResult struct {
	Outcome string
	// Version is the registration's decision version after the call (what a new button must carry).
	Version int
	// Promoted is the applicant moved from the waiting list into the place the decision freed (0: none).
	Promoted int64
}

// decideScript writes a decision on a registration in one step, with what it does to places:
//   - accepted: the applicant gets a place when they had none — if one is free, or with ARGV[8] = '1'
//     (beyond capacity, an explicit choice); otherwise 'full' and nothing changes;
//   - waitlisted: the applicant goes (or stays) on the waiting list; a place they held is freed;
//   - declined: the applicant holds no place and is out of the waiting list.
//
// A place freed goes to the oldest waiting applicant that staff did not put on the list themselves (they
// come off it only by staff's decision), as a withdrawal does, when the programme has a capacity and a
// place is free after the change. The decision version (dver) only grows: a button carries the version it
// was made for, and a tap for another version changes nothing ('changed'), so two staff deciding at once
// never overwrite each other silently. dupd is the update that wrote the version: that update handled
// again gets 'again'. A new decision clears the reason given for the previous one.
//
// KEYS: registration, all (zset), held (set), declined (set). ARGV: uid, prefix of registrations, decision,
// expected version, staff id, now (unix), capacity, force, update id.
var decideScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'registered' and st ~= 'waitlist' and st ~= 'declined' then return {'gone', '0', '0'} end
local ver = tonumber(redis.call('HGET', KEYS[1], 'dver') or '0')
if ARGV[9] ~= '0' and redis.call('HGET', KEYS[1], 'dupd') == ARGV[9] then
  return {'again', tostring(ver), redis.call('HGET', KEYS[1], 'dprom') or '0'}
end
if ver ~= tonumber(ARGV[4]) then return {'changed', tostring(ver), '0'} end
local dec = ARGV[3]
local cap = tonumber(ARGV[7])
local new = 'declined'
if dec == 'accepted' then
  new = 'registered'
  if st ~= 'registered' and cap > 0 and redis.call('SCARD', KEYS[3]) >= cap and ARGV[8] ~= '1' then
    return {'full', tostring(ver), '0'}
  end
elseif dec == 'waitlisted' then
  new = 'waitlist'
end
ver = ver + 1
redis.call('HSET', KEYS[1], 'status', new, 'decision', dec, 'decided_by', ARGV[5], 'decided_at', ARGV[6], 'dver', ver, 'dupd', ARGV[9])
redis.call('HDEL', KEYS[1], 'reason', 'rver', 'rupd')
if new == 'registered' then redis.call('SADD', KEYS[3], ARGV[1]) else redis.call('SREM', KEYS[3], ARGV[1]) end
if new == 'declined' then redis.call('SADD', KEYS[4], ARGV[1]) else redis.call('SREM', KEYS[4], ARGV[1]) end
local promoted = '0'
if st == 'registered' and new ~= 'registered' and cap > 0 and redis.call('SCARD', KEYS[3]) < cap then
  for _, uid in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    local key = ARGV[2] .. uid
    if uid ~= ARGV[1] and redis.call('HGET', key, 'status') == 'waitlist' and redis.call('HGET', key, 'decision') ~= 'waitlisted' then
      redis.call('HSET', key, 'status', 'registered')
      redis.call('SADD', KEYS[3], uid)
      promoted = uid
      break
    end
  end
end
redis.call('HSET', KEYS[1], 'dprom', promoted)
return {'done', tostring(ver), promoted}
`)

// Decide writes staff's decision on the registration of uid in prog, made on a button for version (the
// registration's DecisionVersion when the button was made). staff is who decided; update is the Telegram
// update carrying the tap (0 when there is none), so that the same update handled twice is recognised;
// capacity is the programme's (0: unlimited); force accepts beyond capacity. ErrNotActive when the
// registration was withdrawn or deleted.
func (s *Store) Decide(ctx context.Context, prog string, uid int64, decision string, version int, staff int64, update int64, capacity int, force bool) (DecideResult, error) {
	switch decision {
	case DecisionAccepted, DecisionWaitlisted, DecisionDeclined:
	default:
		return DecideResult{}, fmt.Errorf("decide %s/%d: unknown decision %q", prog, uid, decision)
	}
	f := "0"
	if force {
		f = "1"
	}
	res, err := decideScript.Run(ctx, s.rdb,
		[]string{keyReg(prog, uid), keyRegs(prog), keyRegistered(prog), keyDeclined(prog)},
		uid, regs.prefix(prog), decision, version, staff, s.now().Unix(), capacity, f, update).StringSlice()
	if err != nil {
		return DecideResult{}, fmt.Errorf("decide %s/%d: %w", prog, uid, err)
	}
	if len(res) != 3 {
		return DecideResult{}, fmt.Errorf("decide %s/%d: unexpected reply %v", prog, uid, res)
	}
	if res[0] == "gone" {
		return DecideResult{}, ErrNotActive
	}
	v, _ := strconv.Atoi(res[1])
	p, _ := strconv.ParseInt(res[2], 10, 64)
	return DecideResult{Outcome: res[0], Version: v, Promoted: p}, nil
}

// reasonScript records staff's reason for the decision of version ARGV[1]. It refuses ('changed') when the
// decision changed since the reason was asked for, so a reason never lands on a decision it was not
// written for. rver counts the reasons given for this decision (a second one replaces the first and is
// told too); rupd is the update that wrote the last one, recognised when handled again ('again').
// KEYS: registration. ARGV: decision version, reason, update id.
var reasonScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'registered' and st ~= 'waitlist' and st ~= 'declined' then return {'gone', '0'} end
if tonumber(redis.call('HGET', KEYS[1], 'dver') or '0') ~= tonumber(ARGV[1]) then return {'changed', '0'} end
local rver = tonumber(redis.call('HGET', KEYS[1], 'rver') or '0')
if ARGV[3] ~= '0' and redis.call('HGET', KEYS[1], 'rupd') == ARGV[3] then return {'again', tostring(rver)} end
rver = rver + 1
redis.call('HSET', KEYS[1], 'reason', ARGV[2], 'rver', rver, 'rupd', ARGV[3])
return {'done', tostring(rver)}
`)

// SetReason records staff's reason for the decision of the given version on the registration and returns
// the outcome (Decided, DecidedAgain or DecisionChanged) and the reason's number within that decision,
// which names its notice to the applicant. The reason is the applicant's data: it is deleted with the
// answers on withdrawal and with the registration on /forget.
func (s *Store) SetReason(ctx context.Context, prog string, uid int64, version int, reason string, update int64) (outcome string, n int, err error) {
	res, err := reasonScript.Run(ctx, s.rdb, []string{keyReg(prog, uid)}, version, reason, update).StringSlice()
	if err != nil {
		return "", 0, fmt.Errorf("reason %s/%d: %w", prog, uid, err)
	}
	if len(res) != 2 {
		return "", 0, fmt.Errorf("reason %s/%d: unexpected reply %v", prog, uid, res)
	}
	if res[0] == "gone" {
		return "", 0, ErrNotActive
	}
	n, _ = strconv.Atoi(res[1])
	return res[0], n, nil
}

// ReasonPrompt is a question the bot asked staff for the reason of a decision: which registration, for
// which decision version, and the card to update once it is answered.
type ReasonPrompt struct {
	Programme string
	UserID    int64
	Version   int
	CardChat  int64
	CardID    int
}

// reasonPromptTTL bounds how long a reason prompt can be answered: long enough for a colleague to reply
// the next morning, short enough that the keys of forgotten prompts go away on their own.
const reasonPromptTTL = 48 * time.Hour

// SaveReasonPrompt remembers the prompt message msg in chat (a ForceReply question in a group): a reply
// to it is the reason.
func (s *Store) SaveReasonPrompt(ctx context.Context, chat int64, msg int, p ReasonPrompt) error {
	v := strings.Join([]string{p.Programme, id(p.UserID), strconv.Itoa(p.Version), id(p.CardChat), strconv.Itoa(p.CardID)}, "|")
	if err := s.rdb.Set(ctx, keyReasonPrompt(chat, msg), v, reasonPromptTTL).Err(); err != nil {
		return fmt.Errorf("save reason prompt: %w", err)
	}
	return nil
}

// GetReasonPrompt returns the prompt of message msg in chat, or ErrNotFound (not a prompt, or expired).
func (s *Store) GetReasonPrompt(ctx context.Context, chat int64, msg int) (ReasonPrompt, error) {
	v, err := s.rdb.Get(ctx, keyReasonPrompt(chat, msg)).Result()
	if errors.Is(err, redis.Nil) {
		return ReasonPrompt{}, ErrNotFound
	}
	if err != nil {
		return ReasonPrompt{}, fmt.Errorf("get reason prompt: %w", err)
	}
	parts := strings.Split(v, "|")
	if len(parts) != 5 {
		return ReasonPrompt{}, ErrNotFound
	}
	var p ReasonPrompt
	var e1, e2, e3, e4 error
	p.Programme = parts[0]
	p.UserID, e1 = strconv.ParseInt(parts[1], 10, 64)
	p.Version, e2 = strconv.Atoi(parts[2])
	p.CardChat, e3 = strconv.ParseInt(parts[3], 10, 64)
	p.CardID, e4 = strconv.Atoi(parts[4])
	if err := errors.Join(e1, e2, e3, e4); err != nil {
		return ReasonPrompt{}, ErrNotFound
	}
	return p, nil
}

// DecisionCounts is how a programme's active registrations stand with staff.
type DecisionCounts struct {
	Accepted, Waitlisted, Declined, Undecided int64
}

// decisionCountsScript counts a programme's active registrations by staff's decision: {accepted,
// waitlisted, declined, undecided}. KEYS: all (zset). ARGV: prefix of registrations.
var decisionCountsScript = redis.NewScript(`
local a, w, d, u = 0, 0, 0, 0
for _, uid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local dec = redis.call('HGET', ARGV[1] .. uid, 'decision')
  if dec == 'accepted' then a = a + 1 elseif dec == 'waitlisted' then w = w + 1 elseif dec == 'declined' then d = d + 1 else u = u + 1 end
end
return {a, w, d, u}
`)

// Decisions counts a programme's active registrations by staff's decision, for the weekly digest.
func (s *Store) Decisions(ctx context.Context, prog string) (DecisionCounts, error) {
	res, err := decisionCountsScript.Run(ctx, s.rdb, []string{keyRegs(prog)}, regs.prefix(prog)).Int64Slice()
	if err == nil && len(res) != 4 {
		err = fmt.Errorf("unexpected reply %v", res)
	}
	if err != nil {
		return DecisionCounts{}, fmt.Errorf("count decisions of %s: %w", prog, err)
	}
	return DecisionCounts{Accepted: res[0], Waitlisted: res[1], Declined: res[2], Undecided: res[3]}, nil
}
