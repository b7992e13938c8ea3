package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// TestGroups_PersonalAndStaffFeaturesStayPrivate asks for personal and staff features in a group, as a
// forgetful member or staff member would, and checks that the group sees nothing of anyone's data — only a
// short "write to me privately" with a link that opens the same thing in the private chat — while public
// content still answers in the group and the staff chat still gets its exports.
func TestGroups_PersonalAndStaffFeaturesStayPrivate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-9000"})
	ctx := context.Background()
	// Two groups, so that no reply waits for a group's send budget (3 at once, then 20 a minute).
	group := models.Chat{ID: -1001, Type: models.ChatTypeSupergroup, Title: "SV Lào Thanh Hóa"}
	other := models.Chat{ID: -1002, Type: models.ChatTypeSupergroup, Title: "Kiều bào Đức"}
	staffChat := models.Chat{ID: -9000, Type: models.ChatTypeGroup, Title: "Cán bộ"}
	u, staff := user(330, "vi"), user(900, "vi")
	link := "https://t.me/huunghi_bot?start="
	privately := func(i int, start string) {
		t.Helper()
		m := h.messages(group.ID, i+1)[i]
		if m.Text != h.content.T("vi", "private.only") || len(m.Buttons) != 1 || m.Buttons[0][0].URL != link+start {
			t.Errorf("group message %d: got %q %+v, want private.only with a link to ?start=%s", i, m.Text, m.Buttons, start)
		}
	}
	h.srv.PushGroupText(u, group, "/mydata@huunghi_bot")
	privately(0, "mydata")
	h.srv.PushGroupText(u, group, "/start@huunghi_bot reg_"+exchange)
	privately(1, "reg_"+exchange)
	if _, err := h.store().GetSession(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a form was started from the group: session %v", err)
	}
	h.srv.PushGroupText(u, group, "/forget@huunghi_bot")
	privately(2, "forget")
	// Public content still answers in a group.
	h.srv.PushGroupText(u, other, "/help@huunghi_bot")
	if got := h.messages(other.ID, 1)[0].Text; got != h.content.T("vi", "help.text") {
		t.Errorf("/help in the group: got %q", got)
	}
	// A personal button tapped in the group: a toast and the private chat, nothing in the group.
	h.srv.PushCallback(u, telegramtest.Message{ID: 1, ChatID: group.ID}, "menu:mydata")
	if !h.srv.Wait(func() bool { return len(h.srv.Answers()) == 1 }, wait) {
		t.Fatal("the button was not answered")
	}
	if a := h.srv.Answers()[0]; a.Params["url"] != link+"mydata" || a.Params["text"] != h.content.T("vi", "private.only") {
		t.Errorf("button answer: got %v", a.Params)
	}
	// Staff: exports only in a private chat or the staff chat.
	h.srv.PushGroupText(staff, other, "/export@huunghi_bot "+exchange)
	if got := h.messages(other.ID, 2)[1]; got.Text != h.content.T("vi", "staff.private_only") || got.Document != nil {
		t.Errorf("/export in a group: got %q (document %v), want staff.private_only", got.Text, got.Document != nil)
	}
	h.srv.PushGroupText(u, other, "/export@huunghi_bot "+exchange) // not staff: as if there were no such command
	if got := h.messages(other.ID, 3)[2].Text; got != h.content.T("vi", "command.unknown") {
		t.Errorf("/export by a non-staff member: got %q", got)
	}
	h.srv.PushGroupText(staff, staffChat, "/export@huunghi_bot "+exchange)
	if got := h.messages(staffChat.ID, 1)[0]; got.Document == nil {
		t.Errorf("/export in the staff chat: got %q, want the file", got.Text)
	}
	// Nothing personal reached the group: no user id, no document.
	for _, m := range append(h.srv.Messages(group.ID), h.srv.Messages(other.ID)...) {
		if strings.Contains(m.Text, "330") || m.Document != nil {
			t.Errorf("the group saw %q", m.Text)
		}
	}
	if n := len(h.srv.Messages(u.ID)); n != 0 {
		t.Errorf("the user got %d private messages without asking in private", n)
	}
	// The link opens the same thing privately.
	h.srv.PushText(u, "/start mydata")
	if got := h.messages(u.ID, 1)[0].Text; !strings.Contains(got, "330") {
		t.Errorf("/start mydata in private: got %q, want the user's data", got)
	}
}
