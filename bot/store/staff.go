package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// StaffMember is someone an admin added to the staff in the chat (/team add). Admins themselves are
// STAFF_IDS, configuration, and never stored: they cannot be removed in the chat, so a mistaken /team
// remove can never lock the Union out of its own bot.
type StaffMember struct {
	UserID int64 `json:"-"`
	// Scope lists the programmes and events the member may see and act on; empty means all of them (an
	// association's officer is limited to their association's calls and events).
	Scope   []string  `json:"scope,omitempty"`
	AddedBy int64     `json:"added_by"`
	AddedAt time.Time `json:"added_at"`
}

// SaveStaff adds a staff member or replaces their record (a new scope).
func (s *Store) SaveStaff(ctx context.Context, m StaffMember) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode staff member %d: %w", m.UserID, err)
	}
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, keyStaff(), id(m.UserID), raw)
	pipe.HDel(ctx, keyUser(m.UserID), "staff") // the visit's copy (visitScript)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("save staff member %d: %w", m.UserID, err)
	}
	return nil
}

// RemoveStaff takes a member off the staff; removed is false when they were not on it.
func (s *Store) RemoveStaff(ctx context.Context, uid int64) (removed bool, err error) {
	pipe := s.rdb.TxPipeline()
	n := pipe.HDel(ctx, keyStaff(), id(uid))
	pipe.HDel(ctx, keyUser(uid), "staff") // the visit's copy (visitScript)
	if _, err := pipe.Exec(ctx); err != nil {
		return false, fmt.Errorf("remove staff member %d: %w", uid, err)
	}
	return n.Val() > 0, nil
}

// GetStaff returns a member's record, ErrNotFound when they are not staff.
func (s *Store) GetStaff(ctx context.Context, uid int64) (StaffMember, error) {
	raw, err := s.rdb.HGet(ctx, keyStaff(), id(uid)).Result()
	if errors.Is(err, redis.Nil) {
		return StaffMember{}, ErrNotFound
	}
	if err != nil {
		return StaffMember{}, fmt.Errorf("staff member %d: %w", uid, err)
	}
	return decodeStaff(uid, raw)
}

// Staff lists every member, by user id.
func (s *Store) Staff(ctx context.Context) ([]StaffMember, error) {
	all, err := s.rdb.HGetAll(ctx, keyStaff()).Result()
	if err != nil {
		return nil, fmt.Errorf("staff: %w", err)
	}
	out := make([]StaffMember, 0, len(all))
	for k, raw := range all {
		uid, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			continue // not a key this code writes
		}
		m, err := decodeStaff(uid, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b StaffMember) int { return cmp.Compare(a.UserID, b.UserID) })
	return out, nil
}

func decodeStaff(uid int64, raw string) (StaffMember, error) {
	var m StaffMember
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return StaffMember{}, fmt.Errorf("decode staff member %d: %w", uid, err)
	}
	m.UserID = uid
	return m, nil
}
