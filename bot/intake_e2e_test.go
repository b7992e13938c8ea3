package bot_test

import (
	"context"
	"strings"
	"testing"
)

// TestPoll_UndecodableLastUpdateIsConfirmedAndKeptAside pushes an update the models cannot decode as the
// last pending one. The poller must confirm past it (it used to ask for it again and again, thousands of
// times a second), keep it aside for inspection, count it, and go on with the next update.
func TestPoll_UndecodableLastUpdateIsConfirmedAndKeptAside(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	u := user(640, "en")
	h.srv.PushText(u, "/help")
	h.messages(u.ID, 1)
	polls := len(h.srv.Calls("getUpdates"))
	h.srv.PushRaw(`{"message":{"message_id":"not a number","date":1,"chat":{"id":640,"type":"private"},"text":"x"}}`)
	if !h.srv.Wait(func() bool { return h.srv.Pending() == 0 }, wait) {
		t.Fatal("the undecodable update was never confirmed")
	}
	if n := len(h.srv.Calls("getUpdates")) - polls; n > 10 {
		t.Errorf("%d getUpdates calls to get past one undecodable update", n)
	}
	rejected, err := h.store().RejectedUpdates(context.Background())
	if err != nil || len(rejected) != 1 || !strings.Contains(string(rejected[0]), "not a number") {
		t.Errorf("kept aside: got %q %v, want the undecodable update", rejected, err)
	}
	if got := h.metric("huunghi_updates_rejected_total"); got != 1 {
		t.Errorf("rejected updates counted %v, want 1", got)
	}
	h.srv.PushText(u, "/help")
	if got := h.messages(u.ID, 2)[1].Text; got != h.content.T("en", "help.text") {
		t.Errorf("the update after it: got %q", got)
	}
}
