package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

func TestStaff_AddScopeRemove(t *testing.T) {
	at := time.Date(2031, 5, 12, 3, 0, 0, 0, time.UTC)
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.GetStaff(ctx, 42); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetStaff of a non-member: got %v, want ErrNotFound", err)
		}
		for _, m := range []store.StaffMember{{UserID: 42, AddedBy: 900, AddedAt: at}, {UserID: 7, Scope: []string{"vn_laos"}, AddedBy: 900, AddedAt: at}} {
			if err := s.SaveStaff(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		m, err := s.GetStaff(ctx, 7)
		if err != nil || m.UserID != 7 || !slices.Equal(m.Scope, []string{"vn_laos"}) || m.AddedBy != 900 || !m.AddedAt.Equal(at) {
			t.Fatalf("GetStaff: got %+v %v", m, err)
		}
		m.Scope = nil
		if err := s.SaveStaff(ctx, m); err != nil {
			t.Fatal(err)
		}
		all, err := s.Staff(ctx)
		if err != nil || len(all) != 2 || all[0].UserID != 7 || all[1].UserID != 42 || all[0].Scope != nil {
			t.Fatalf("Staff: got %+v %v", all, err)
		}
		if ok, err := s.RemoveStaff(ctx, 42); !ok || err != nil {
			t.Fatalf("RemoveStaff: %v %v", ok, err)
		}
		if ok, err := s.RemoveStaff(ctx, 42); ok || err != nil {
			t.Fatalf("RemoveStaff again: got %v %v, want false", ok, err)
		}
		if _, err := s.GetStaff(ctx, 42); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after remove: %v", err)
		}
	})
}
