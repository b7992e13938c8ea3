package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// SessionTTL is how long an unfinished flow (a form half filled in) is kept by default, and at most
// (Retention.Sessions, RETAIN_SESSIONS, may shorten it). After that the user is told it expired and starts
// again.
const SessionTTL = 7 * 24 * time.Hour

// Session is the state of the flow a user is in. Flow names the flow ("form", ...); Data is the flow's own
// state, opaque to the store. Updated is used to tell the user how old an expired session was.
type Session struct {
	Flow    string          `json:"flow"`
	Data    json.RawMessage `json:"data,omitempty"`
	Updated time.Time       `json:"updated"`
	// Update is the update_id whose handling saved the session. An update handled again (its ack was
	// lost to a crash or a Redis outage) finds its own id here and must not apply itself a second time.
	Update int64 `json:"update,omitempty"`
}

// GetSession returns the user's current session, or ErrNotFound. While the user's update is handled, it is
// the copy Visit read (WithVisited), unless the session was written since.
func (s *Store) GetSession(ctx context.Context, uid int64) (Session, error) {
	if sess, ok, err := cachedSession(ctx, uid); ok {
		return sess, err
	}
	raw, err := s.rdb.Get(ctx, keySession(uid)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, fmt.Errorf("get session of %d: %w", uid, err)
	}
	var sess Session
	if err := json.Unmarshal(raw, &sess); err != nil {
		return Session{}, fmt.Errorf("decode session of %d: %w", uid, err)
	}
	return sess, nil
}

// SaveSession stores the user's session and renews its TTL. The session is also entered in the index of
// sessions by Updated (hn:sessions) in the same step, so that CleanSessions finds the expired ones without
// reading the others.
func (s *Store) SaveSession(ctx context.Context, uid int64, sess Session) error {
	wrote(ctx, uid)
	sess.Updated = s.now().UTC()
	raw, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("encode session of %d: %w", uid, err)
	}
	pipe := s.rdb.TxPipeline()
	pipe.Set(ctx, keySession(uid), raw, s.ret.Sessions)
	pipe.ZAdd(ctx, keySessions(), redis.Z{Score: float64(sess.Updated.UnixMilli()), Member: uid})
	pipe.HDel(ctx, keyUser(uid), "sess") // "no session" no more: the next visit reads it (visitScript)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("save session of %d: %w", uid, err)
	}
	return nil
}

// ClearSession ends the user's current flow (done or /cancel).
func (s *Store) ClearSession(ctx context.Context, uid int64) error {
	wrote(ctx, uid)
	pipe := s.rdb.TxPipeline()
	pipe.Del(ctx, keySession(uid))
	pipe.ZRem(ctx, keySessions(), uid)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("clear session of %d: %w", uid, err)
	}
	return nil
}

// sessionBatch is how many sessions CleanSessions handles per Redis call: a few milliseconds of Redis time.
const sessionBatch = 200

// expireSessionsScript deletes up to ARGV[3] sessions whose index score (Updated, unix ms) is below
// ARGV[1], with their index entries, and returns {entries removed, sessions deleted}: an entry whose
// session Redis already expired by its TTL is removed without counting. It runs as one step, so a session
// saved again meanwhile (SaveSession moves its score) is never deleted. ARGV[2] is the session key prefix.
var expireSessionsScript = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local deleted = 0
for _, id in ipairs(ids) do
  deleted = deleted + redis.call('DEL', ARGV[2] .. id)
  redis.call('ZREM', KEYS[1], id)
end
return {#ids, deleted}
`)

// dropSessionScript deletes a session only if it is still exactly what the caller read (ARGV[2], empty for a
// session that was gone), so that one saved in between is left alone; the index entry goes with it. It
// returns 1 when a session was deleted.
var dropSessionScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1]) or ''
if v ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
if v == '' then return 0 end
redis.call('DEL', KEYS[1])
return 1
`)

// CleanSessions deletes the sessions that can no longer go anywhere, without telling their users (who
// are told the form expired when they next touch it), and returns how many it deleted of each kind:
//
//   - expired: not saved since before cutoff. Redis drops a session SessionTTL after its last save by
//     itself, but on real time, while Updated is on the store's clock (WithClock), the calendar the bot
//     judges age by. Found through the index (hn:sessions), so this part costs what there is to delete.
//   - dead: the rest for which dead, given the session's flow and data, reports true (a form for a
//     programme that closed). The store does not know what a flow's data means; its owner does. Deciding
//     that reads every live session, sessionBatch at a time (ZSCAN, then MGET); nil dead skips it.
//
// It is idempotent and may be interrupted: what one run leaves, the next one deletes. Sessions saved
// before the index existed are not in it; Redis's TTL ends them.
func (s *Store) CleanSessions(ctx context.Context, cutoff time.Time, dead func(flow string, data []byte) bool) (expired, dropped int, err error) {
	for {
		res, err := expireSessionsScript.Run(ctx, s.rdb, []string{keySessions()},
			cutoff.UnixMilli(), keySessionPrefix(), sessionBatch).Int64Slice()
		if err == nil && len(res) != 2 {
			err = fmt.Errorf("unexpected reply %v", res)
		}
		if err != nil {
			return expired, 0, fmt.Errorf("expire sessions: %w", err)
		}
		expired += int(res[1])
		if res[0] < sessionBatch {
			break
		}
	}
	if dead == nil {
		return expired, 0, nil
	}
	var cursor uint64
	for {
		pairs, next, err := s.rdb.ZScan(ctx, keySessions(), cursor, "", sessionBatch).Result()
		if err != nil {
			return expired, dropped, fmt.Errorf("scan sessions: %w", err)
		}
		n, err := s.dropDead(ctx, pairs, dead)
		dropped += n
		if err != nil {
			return expired, dropped, err
		}
		if cursor = next; cursor == 0 {
			return expired, dropped, nil
		}
	}
}

// dropDead reads the sessions of one ZSCAN page (member, score, member, score, ...) and deletes those
// dead reports, and the index entries of sessions already gone.
func (s *Store) dropDead(ctx context.Context, pairs []string, dead func(flow string, data []byte) bool) (int, error) {
	var uids []string
	var keys []string
	for i := 0; i < len(pairs); i += 2 {
		uid, err := strconv.ParseInt(pairs[i], 10, 64)
		if err != nil {
			continue
		}
		uids, keys = append(uids, pairs[i]), append(keys, keySession(uid))
	}
	if len(keys) == 0 {
		return 0, nil
	}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return 0, fmt.Errorf("read sessions: %w", err)
	}
	dropped := 0
	for i, v := range vals {
		raw, _ := v.(string)
		if raw != "" {
			var sess Session
			if json.Unmarshal([]byte(raw), &sess) != nil || !dead(sess.Flow, sess.Data) {
				continue // an undecodable session is left to its handler, which says it expired
			}
		}
		n, err := dropSessionScript.Run(ctx, s.rdb, []string{keys[i], keySessions()}, uids[i], raw).Int()
		if err != nil {
			return dropped, fmt.Errorf("drop session: %w", err)
		}
		dropped += n
	}
	return dropped, nil
}
