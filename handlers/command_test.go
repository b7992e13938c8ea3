package handlers

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		text    string
		private bool
		cmd     string
		args    string
		ok      bool
	}{
		{"/start", true, "start", "", true},
		{"/start faq_visa", true, "start", "faq_visa", true},
		{"/START", true, "start", "", true},
		{"/help@huunghi_bot", false, "help", "", true},
		{"/help@HuuNghi_Bot", false, "help", "", true},
		{"/help", false, "", "", false},          // a bare command in a group may be for another bot
		{"/help@other_bot", true, "", "", false}, // addressed to another bot
		{"xin chào /help", true, "", "", false},  // not at the start
		{"ສະບາຍດີ /start", true, "", "", false},  // non-ASCII before the command
		{"/start\nreg_lao2026", true, "start", "reg_lao2026", true},
		{"/", true, "", "", false},
		{"/ ", true, "", "", false},
		{"/héllo", true, "", "", false},
		{"/" + strings.Repeat("a", 33), true, "", "", false},
		{"/my  ", true, "my", "", true},
	}
	for _, tt := range tests {
		cmd, args, ok := ParseCommand(tt.text, "huunghi_bot", tt.private)
		if cmd != tt.cmd || args != tt.args || ok != tt.ok {
			t.Errorf("ParseCommand(%q, private=%v) = %q, %q, %v; want %q, %q, %v", tt.text, tt.private, cmd, args, ok, tt.cmd, tt.args, tt.ok)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"/start", "/start faq_x", "/help@huunghi_bot", "ສະບາຍດີ", "/a@b@c", "/\n"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, text string, private bool) {
		cmd, args, ok := ParseCommand(text, "huunghi_bot", private)
		if !ok {
			return
		}
		if cmd == "" || !isCommandName(cmd) || cmd != strings.ToLower(cmd) {
			t.Fatalf("accepted command %q from %q", cmd, text)
		}
		if utf8.ValidString(text) && !utf8.ValidString(args) {
			t.Fatalf("args %q not valid UTF-8", args)
		}
	})
}

func TestValidPayload(t *testing.T) {
	for p, want := range map[string]bool{"faq_visa": true, "reg_lao-2026": true, "": false, "a b": false, "ສ": false, strings.Repeat("a", 65): false} {
		if got := ValidPayload(p); got != want {
			t.Errorf("ValidPayload(%q) = %v, want %v", p, got, want)
		}
	}
}
