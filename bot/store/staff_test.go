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

// TestStaff_TheVisitSeesEveryChange: the visit keeps a copy of the staff record in the user's hash, and
// every change of the record — added, rescoped, removed, the user forgotten — is what the next visit sees.
func TestStaff_TheVisitSeesEveryChange(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// Two visits each time: the first reads the record (or its copy), the second surely the copy.
		visit := func(when string) *store.StaffMember {
			t.Helper()
			var got [2]*store.StaffMember
			for i := range got {
				v, err := s.Visit(ctx, 42, "lo", store.Flooding{Exempt: true})
				if err != nil {
					t.Fatalf("%s: %v", when, err)
				}
				got[i] = v.Staff
			}
			if (got[0] == nil) != (got[1] == nil) || got[0] != nil && !slices.Equal(got[0].Scope, got[1].Scope) {
				t.Fatalf("%s: the second visit saw %+v, the first %+v", when, got[1], got[0])
			}
			return got[1]
		}
		if m := visit("before"); m != nil {
			t.Fatalf("before /team add: staff %+v", m)
		}
		must(t, s.SaveStaff(ctx, store.StaffMember{UserID: 42, AddedBy: 900}))
		if m := visit("added"); m == nil || m.Scope != nil {
			t.Fatalf("after /team add: %+v, want staff for everything", m)
		}
		must(t, s.SaveStaff(ctx, store.StaffMember{UserID: 42, Scope: []string{"vn_laos"}, AddedBy: 900}))
		if m := visit("rescoped"); m == nil || !slices.Equal(m.Scope, []string{"vn_laos"}) {
			t.Fatalf("after /team scope: %+v, want vn_laos", m)
		}
		if _, err := s.ForgetUser(ctx, 42); err != nil {
			t.Fatal(err)
		}
		if m := visit("forgotten"); m == nil {
			t.Fatal("after /forget: not staff any more; the record is the Union's, not the user's data")
		}
		if _, err := s.RemoveStaff(ctx, 42); err != nil {
			t.Fatal(err)
		}
		if m := visit("removed"); m != nil {
			t.Fatalf("after /team remove: still staff %+v", m)
		}
	})
}
