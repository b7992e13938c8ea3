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

// A conversation is a user's thread with staff (the handoff): opened by "Talk to staff", it carries the
// user's messages to the staff chat and staff replies back, until either side closes it or it lies idle
// for ConversationIdle. Its staff-chat messages (the card and the copies of the user's messages) are
// mapped back to the user, so that a staff member's reply to any of them reaches the user.

// ConversationIdle is how long a conversation stays open without a message from either side. Real time
// (a TTL), renewed by every message.
const ConversationIdle = 7 * 24 * time.Hour

// The map from staff-chat messages to the user is kept Retention.Handoff (RETAIN_HANDOFF, a year by
// default), longer than a conversation stays idle, so that a reply to an old card is told the conversation
// is closed rather than ignored.

// closedKeep is how long a closed conversation is kept, to tell staff who closed it.
const closedKeep = 24 * time.Hour

// Conversation is a user's thread with staff as the store keeps it.
type Conversation struct {
	UserID int64
	// Open is false once closed (Closed says by whom: "user" or "staff").
	Open   bool
	Closed string
	Opened time.Time
	// Last is the last message of either side; Waiting the user's oldest message staff have not answered
	// yet (zero when staff wrote last).
	Last, Waiting time.Time
	// StaffLast is staff's last message to the user (zero before the first).
	StaffLast time.Time
	// Chat and Card are the staff chat and the card's message id there, once the card was sent.
	Chat int64
	Card int
	// ClaimedBy and ClaimedName are the staff member who took the conversation (0 and "" until one does).
	ClaimedBy   int64
	ClaimedName string
	// Name is the user's first name as Telegram gave it when the conversation opened, for the card and
	// /inbox; deleted with the conversation.
	Name string
}

// Answered reports whether staff have written in the conversation since the user's last message.
func (c Conversation) Answered() bool { return !c.StaffLast.IsZero() && c.Waiting.IsZero() }

func conversationFrom(uid int64, m map[string]string) Conversation {
	unix := func(k string) time.Time {
		n, _ := strconv.ParseInt(m[k], 10, 64)
		if n == 0 {
			return time.Time{}
		}
		return time.Unix(n, 0)
	}
	c := Conversation{UserID: uid, Open: m["state"] == "open", Closed: m["closed_by"], Opened: unix("opened"),
		Last: unix("last"), Waiting: unix("waiting"), StaffLast: unix("staff_last"), ClaimedName: m["by_name"], Name: m["name"]}
	c.Chat, _ = strconv.ParseInt(m["chat"], 10, 64)
	c.Card, _ = strconv.Atoi(m["card"])
	c.ClaimedBy, _ = strconv.ParseInt(m["by"], 10, 64)
	return c
}

// OpenConversation opens a conversation for the user (name: their first name), or returns the one already
// open (created false).
func (s *Store) OpenConversation(ctx context.Context, uid int64, name string) (c Conversation, created bool, err error) {
	wrote(ctx, uid)
	now := s.now()
	created, err = openConversationScript.Run(ctx, s.rdb, []string{keyConversation(uid), keyConversations()},
		uid, now.Unix(), now.UnixMilli(), int(ConversationIdle.Seconds()), name).Bool()
	if err != nil && !errors.Is(err, redis.Nil) {
		return Conversation{}, false, fmt.Errorf("open conversation of %d: %w", uid, err)
	}
	// After the write, not before: a visit in between, which saw "no conversation", is one that came first.
	// Also when it was open already: an earlier open may have failed between the two steps.
	if err := s.rdb.HDel(ctx, keyUser(uid), "conv").Err(); err != nil {
		return Conversation{}, false, fmt.Errorf("open conversation of %d: %w", uid, err)
	}
	c, err = s.Conversation(ctx, uid)
	return c, created, err
}

// openConversationScript: KEYS conv, index; ARGV uid, now (unix), now (ms), idle TTL (s), name. Returns 1
// when it opened a new one.
var openConversationScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'state') == 'open' then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'state', 'open', 'opened', ARGV[2], 'last', ARGV[2], 'name', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1`)

// Conversation returns the user's conversation, open or recently closed; ErrNotFound when there is none.
// While the user's update is handled, it is the copy Visit read (WithVisited), unless the store changed the
// conversation since: every function of this file that writes one calls wrote first.
func (s *Store) Conversation(ctx context.Context, uid int64) (Conversation, error) {
	if c, ok, err := cachedConversation(ctx, uid); ok {
		return c, err
	}
	m, err := s.rdb.HGetAll(ctx, keyConversation(uid)).Result()
	if err != nil {
		return Conversation{}, fmt.Errorf("conversation of %d: %w", uid, err)
	}
	if len(m) == 0 {
		return Conversation{}, ErrNotFound
	}
	return conversationFrom(uid, m), nil
}

// UserWrote records a message of the user in their open conversation and says where it goes: after the
// card (card > 0, reply to it); first, with the card still to be queued (first); or neither, when the card
// is queued but not sent yet. In the last two cases entry (what to send on: the caller's encoding of the
// message) is kept in the conversation's pending list, and CardSent hands it out once the card is there.
// ErrNotFound when no conversation is open.
func (s *Store) UserWrote(ctx context.Context, uid int64, entry string) (card int, chat int64, first bool, err error) {
	wrote(ctx, uid)
	res, err := userWroteScript.Run(ctx, s.rdb, []string{keyConversation(uid), keyConversationPending(uid)},
		s.now().Unix(), entry, int(ConversationIdle.Seconds())).Int64Slice()
	if err == nil && len(res) != 2 {
		err = fmt.Errorf("unexpected reply %v", res)
	}
	switch {
	case err != nil:
		return 0, 0, false, fmt.Errorf("message in conversation of %d: %w", uid, err)
	case res[0] == -1:
		return 0, 0, false, ErrNotFound
	case res[0] == 0:
		return 0, 0, true, nil
	case res[0] == -2:
		return 0, 0, false, nil
	}
	return int(res[0]), res[1], false, nil
}

// userWroteScript: KEYS conv, pending; ARGV now, message id, idle TTL. Returns {the card's id, the staff
// chat it is in}, {0, 0} for "queue the card" (the message waits in pending), {-2, 0} for "card queued,
// message pending", {-1, 0} for no conversation. The chat comes with the card in the same step: a copy of
// the conversation read before may predate the card.
var userWroteScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return {-1, 0} end
redis.call('HSET', KEYS[1], 'last', ARGV[1])
local w = redis.call('HGET', KEYS[1], 'waiting')
if not w or w == '0' then redis.call('HSET', KEYS[1], 'waiting', ARGV[1]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
local card = redis.call('HMGET', KEYS[1], 'card', 'chat')
if tonumber(card[1] or '0') > 0 then return {tonumber(card[1]), tonumber(card[2] or '0')} end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
if redis.call('HSETNX', KEYS[1], 'card_queued', '1') == 1 then return {0, 0} end
return {-2, 0}`)

// CardSent records where the user's card landed (message card in the staff chat) and returns the entries
// of the user's messages that waited for it, in order, to be sent on as replies to it. A card delivered twice (the
// outbox's reaper) moves the conversation to the newer card.
func (s *Store) CardSent(ctx context.Context, uid, chat int64, card int) ([]string, error) {
	wrote(ctx, uid)
	raw, err := cardSentScript.Run(ctx, s.rdb, []string{keyConversation(uid), keyConversationPending(uid),
		keyConversationMessage(chat, card), keyConversationMessages(uid)},
		chat, card, uid, chat, int(ConversationIdle.Seconds()), int(s.ret.Handoff.Seconds())).StringSlice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("card of %d sent: %w", uid, err)
	}
	return raw, nil
}

// cardSentScript: KEYS conv, pending, map entry, user's map index; ARGV chat, card, uid, chat, idle TTL, map
// TTL. A conversation closed meanwhile keeps its map (a reply is told it is closed) but gets no card.
var cardSentScript = redis.NewScript(`
redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[6])
redis.call('SADD', KEYS[4], ARGV[1] .. ':' .. ARGV[2])
redis.call('EXPIRE', KEYS[4], ARGV[6])
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then
  redis.call('DEL', KEYS[2])
  return {}
end
redis.call('HSET', KEYS[1], 'chat', ARGV[4], 'card', ARGV[2])
local pending = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[2])
return pending`)

// MapConversationMessage records that message msg of the staff chat belongs to the user's conversation (a
// copy of their message, staff's reply prompt), so that a reply to it finds them.
func (s *Store) MapConversationMessage(ctx context.Context, uid, chat int64, msg int) error {
	pipe := s.rdb.TxPipeline()
	pipe.Set(ctx, keyConversationMessage(chat, msg), uid, s.ret.Handoff)
	pipe.SAdd(ctx, keyConversationMessages(uid), strconv.FormatInt(chat, 10)+":"+strconv.Itoa(msg))
	pipe.Expire(ctx, keyConversationMessages(uid), s.ret.Handoff)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("map message of %d: %w", uid, err)
	}
	return nil
}

// ConversationOf returns the user whose conversation message msg of a staff chat belongs to; ErrNotFound
// for a message that is no card, copy or prompt (or one too old).
func (s *Store) ConversationOf(ctx context.Context, chat int64, msg int) (int64, error) {
	v, err := s.rdb.Get(ctx, keyConversationMessage(chat, msg)).Int64()
	switch {
	case errors.Is(err, redis.Nil):
		return 0, ErrNotFound
	case err != nil:
		return 0, fmt.Errorf("conversation of message %d: %w", msg, err)
	}
	return v, nil
}

// StaffWrote records a staff message to the user in their open conversation and returns the conversation
// as it was before (its StaffLast says when staff last wrote). ErrNotFound when none is open.
func (s *Store) StaffWrote(ctx context.Context, uid int64) (Conversation, error) {
	wrote(ctx, uid)
	before, err := s.Conversation(ctx, uid)
	if err != nil {
		return before, err
	}
	n, err := staffWroteScript.Run(ctx, s.rdb, []string{keyConversation(uid)}, s.now().Unix(), int(ConversationIdle.Seconds())).Int()
	if err != nil {
		return before, fmt.Errorf("staff message to %d: %w", uid, err)
	}
	if n == 0 || !before.Open {
		return before, ErrNotFound
	}
	return before, nil
}

var staffWroteScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return 0 end
redis.call('HSET', KEYS[1], 'last', ARGV[1], 'staff_last', ARGV[1], 'waiting', '0')
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`)

// ClaimConversation gives the user's open conversation to a staff member. When another has it, it is
// taken over only with force; otherwise ok is false and the conversation says who has it. ErrNotFound
// when none is open.
func (s *Store) ClaimConversation(ctx context.Context, uid, staff int64, name string, force bool) (c Conversation, ok bool, err error) {
	wrote(ctx, uid)
	f := 0
	if force {
		f = 1
	}
	res, err := claimScript.Run(ctx, s.rdb, []string{keyConversation(uid)}, staff, name, f).Int()
	if err != nil {
		return c, false, fmt.Errorf("claim conversation of %d: %w", uid, err)
	}
	if res == -1 {
		return c, false, ErrNotFound
	}
	c, err = s.Conversation(ctx, uid)
	return c, res == 1, err
}

var claimScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return -1 end
local by = redis.call('HGET', KEYS[1], 'by')
if by and by ~= '' and by ~= ARGV[1] and ARGV[3] ~= '1' then return 0 end
redis.call('HSET', KEYS[1], 'by', ARGV[1], 'by_name', ARGV[2])
return 1`)

// CloseConversation closes the user's open conversation (by "user" or "staff") and returns it as it was;
// ErrNotFound when none was open. The closed conversation is kept a day, to tell staff it is closed.
func (s *Store) CloseConversation(ctx context.Context, uid int64, by string) (Conversation, error) {
	wrote(ctx, uid)
	c, err := s.Conversation(ctx, uid)
	if err != nil {
		return c, err
	}
	n, err := closeScript.Run(ctx, s.rdb, []string{keyConversation(uid), keyConversations(), keyConversationPending(uid)},
		uid, by, int(closedKeep.Seconds())).Int()
	if err != nil {
		return c, fmt.Errorf("close conversation of %d: %w", uid, err)
	}
	if n == 0 {
		return c, ErrNotFound
	}
	return c, nil
}

var closeScript = redis.NewScript(`
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'closed', 'closed_by', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('DEL', KEYS[3])
return 1`)

// OpenConversations returns up to n open conversations, oldest opened first. Conversations that closed
// by lying idle (their record expired) are taken out of the index on the way. The index holds open
// conversations only, a few hundred at most for the Union, so it is read whole.
func (s *Store) OpenConversations(ctx context.Context, n int) ([]Conversation, error) {
	ids, err := s.rdb.ZRange(ctx, keyConversations(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("open conversations: %w", err)
	}
	var out []Conversation
	for _, v := range ids {
		uid, _ := strconv.ParseInt(v, 10, 64)
		c, err := s.Conversation(ctx, uid)
		if errors.Is(err, ErrNotFound) || (err == nil && !c.Open) {
			s.rdb.ZRem(ctx, keyConversations(), v)
			continue
		}
		if err != nil {
			return out, err
		}
		if len(out) < n {
			out = append(out, c)
		}
	}
	return out, nil
}

// forgetConversation deletes the user's conversation, its pending messages and the map from staff-chat
// messages to them (part of ForgetUser).
func (s *Store) forgetConversation(ctx context.Context, uid int64) error {
	wrote(ctx, uid)
	entries, err := s.rdb.SMembers(ctx, keyConversationMessages(uid)).Result()
	if err != nil {
		return fmt.Errorf("forget conversation of %d: %w", uid, err)
	}
	keys := []string{keyConversation(uid), keyConversationPending(uid), keyConversationMessages(uid)}
	for _, e := range entries {
		chat, msg, ok := strings.Cut(e, ":")
		c, err1 := strconv.ParseInt(chat, 10, 64)
		m, err2 := strconv.Atoi(msg)
		if ok && err1 == nil && err2 == nil {
			keys = append(keys, keyConversationMessage(c, m))
		}
	}
	pipe := s.rdb.TxPipeline()
	pipe.Del(ctx, keys...)
	pipe.ZRem(ctx, keyConversations(), uid)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("forget conversation of %d: %w", uid, err)
	}
	return nil
}
