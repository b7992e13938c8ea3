package handlers

import (
	"strings"
	"testing"

	"github.com/ufo-thanhhoa/huunghi/handlers/callback"
)

// codecs are the features' codecs as declared in buttons.go.
func codecs() []callback.Codec {
	return []callback.Codec{LangButtons, AudienceButtons, MenuButtons, FAQButtons, StaffButtons, HandoffButtons,
		MyDataButtons, ForgetButtons, MyButtons, ProgrammeButtons, FormButtons, EventButtons, ReminderButtons, StaffEventButtons, DecisionButtons}
}

// TestButtons_PrefixesDoNotOverlap: the routing table matches on prefixes, so no feature's prefix may start
// another's.
func TestButtons_PrefixesDoNotOverlap(t *testing.T) {
	cs := codecs()
	for i, a := range cs {
		for j, b := range cs {
			if i != j && strings.HasPrefix(b.Prefix(), a.Prefix()) {
				t.Errorf("prefix %q starts %q", a.Prefix(), b.Prefix())
			}
		}
	}
}

// FuzzButtons: whatever data a client sends, no feature's codec panics, at most one accepts it, and what a
// codec accepts is exactly what it would make of the parsed verb and arguments.
func FuzzButtons(f *testing.F) {
	for _, s := range []string{"lang:lo", "aud:student", "menu:help", "faq:t:visa", "faq:c:papers", "faq:no", "staff:ask",
		"hand:b:42", "prog:list", "prog:v:x", "form:c:a", "form:cancel", "form:cancel:p:1z", "form:keep:0a1b2c3d", "mydata:audience", "forget:yes", "my:w:lao_vn_exchange_2027", "faq:t:", "hand:b:1:2", "lang:", "ev:list:0", "ev:ics:bunpimay_2027", "rem:alloff", "rem:off:x", "sev:pv:lo", "sev:cx:bunpimay_2027", "sev:nop", "dec:a:lao_vn_exchange_2027:lx:0", "dec:l:p:0", "dec:p", "dec:q:p"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		accepted := 0
		for _, c := range codecs() {
			verb, args, ok := c.Parse(data)
			if !ok {
				continue
			}
			accepted++
			if again := c.Data(verb, args...); again != data {
				t.Fatalf("Parse(%q) = %q %q, which Data makes into %q", data, verb, args, again)
			}
		}
		if accepted > 1 {
			t.Fatalf("%q is accepted by %d features", data, accepted)
		}
	})
}
