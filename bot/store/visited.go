package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
)

// Flooding is flood control's budgets for one visit (see visitScript and floodLua): Drop, past which the
// sender's messages are dropped, and Pace, past which they wait; Exempt skips both (admins).
type Flooding struct {
	Drop, Pace redis_rate.Limit
	Exempt     bool
}

// Visited is what Visit learnt about the sender of the update being handled: their record, staff record
// and flood control's verdict, and — for the rest of the update's handling, through the context
// (WithVisited) — their session and conversation, so that the handlers' reads of those cost nothing.
// Any write of the store to the session or the conversation of that user through such a context drops
// the copy, so a read after a write always goes to Redis.
type Visited struct {
	User  User
	Staff *StaffMember // nil: not staff added in the chat
	// Flood is flood control's verdict; with FloodWait, FloodWait says how long.
	Flood     FloodVerdict
	FloodWait time.Duration

	uid     int64
	mu      sync.Mutex
	cached  bool // session and conv hold what Visit read
	session []byte
	conv    map[string]string
}

type visitedKey struct{}

// WithVisited makes v's copies of the sender's session and conversation visible to the store's reads
// through ctx.
func WithVisited(ctx context.Context, v *Visited) context.Context {
	return context.WithValue(ctx, visitedKey{}, v)
}

// visited returns the Visited in ctx for uid, if it still holds Visit's copies.
func visited(ctx context.Context, uid int64) *Visited {
	v, _ := ctx.Value(visitedKey{}).(*Visited)
	if v == nil || v.uid != uid {
		return nil
	}
	return v
}

// cachedSession returns Visit's copy of the session (nil raw: none) and whether there is a copy.
func cachedSession(ctx context.Context, uid int64) (Session, bool, error) {
	v := visited(ctx, uid)
	if v == nil {
		return Session{}, false, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.cached {
		return Session{}, false, nil
	}
	if v.session == nil {
		return Session{}, true, ErrNotFound
	}
	var sess Session
	if err := json.Unmarshal(v.session, &sess); err != nil {
		return Session{}, true, fmt.Errorf("decode session of %d: %w", uid, err)
	}
	return sess, true, nil
}

// cachedConversation returns Visit's copy of the conversation and whether there is a copy.
func cachedConversation(ctx context.Context, uid int64) (Conversation, bool, error) {
	v := visited(ctx, uid)
	if v == nil {
		return Conversation{}, false, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.cached {
		return Conversation{}, false, nil
	}
	if len(v.conv) == 0 {
		return Conversation{}, true, ErrNotFound
	}
	return conversationFrom(uid, v.conv), true, nil
}

// wrote drops Visit's copies for uid: the store is about to change the session or the conversation.
func wrote(ctx context.Context, uid int64) {
	if v := visited(ctx, uid); v != nil {
		v.mu.Lock()
		v.cached = false
		v.mu.Unlock()
	}
}

// VisitedFrom returns the Visited that WithVisited put in ctx, or nil.
func VisitedFrom(ctx context.Context) *Visited {
	v, _ := ctx.Value(visitedKey{}).(*Visited)
	return v
}
