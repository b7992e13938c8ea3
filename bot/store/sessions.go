package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// SessionTTL is how long an unfinished flow (a form half filled in) is kept. After that the user is told it
// expired and starts again.
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

// GetSession returns the user's current session, or ErrNotFound.
func (s *Store) GetSession(ctx context.Context, uid int64) (Session, error) {
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

// SaveSession stores the user's session and renews its TTL.
func (s *Store) SaveSession(ctx context.Context, uid int64, sess Session) error {
	sess.Updated = s.now().UTC()
	raw, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("encode session of %d: %w", uid, err)
	}
	if err := s.rdb.Set(ctx, keySession(uid), raw, SessionTTL).Err(); err != nil {
		return fmt.Errorf("save session of %d: %w", uid, err)
	}
	return nil
}

// ClearSession ends the user's current flow (done or /cancel).
func (s *Store) ClearSession(ctx context.Context, uid int64) error {
	if err := s.rdb.Del(ctx, keySession(uid)).Err(); err != nil {
		return fmt.Errorf("clear session of %d: %w", uid, err)
	}
	return nil
}
