package handlers

import "testing"

func TestRequest_InScope(t *testing.T) {
	tests := []struct {
		name string
		r    Request
		id   string
		want bool
	}{
		{"a user, never", Request{}, "vn_laos", false},
		{"staff without a scope, everything", Request{Role: RoleStaff}, "vn_laos", true},
		{"an admin, everything", Request{Role: RoleAdmin}, "anything", true},
		{"scoped staff, theirs", Request{Role: RoleStaff, Scope: []string{"vn_laos", "tet_2031"}}, "tet_2031", true},
		{"scoped staff, theirs typed in capitals", Request{Role: RoleStaff, Scope: []string{"vn_laos"}}, "VN_LAOS", true},
		{"scoped staff, another", Request{Role: RoleStaff, Scope: []string{"vn_laos"}}, "vn_germany", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.InScope(tt.id); got != tt.want {
				t.Errorf("InScope(%q): got %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}
