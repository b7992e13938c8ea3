package bot_test

import (
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"
)

// TestStaff_TextsInTheStaffsOwnLanguage: a staff member whose Telegram is in English gets /reply's usage and
// confirmation, /unanswered and their part of /help in English in a private chat; in the staff chat, read
// by several staff, everything the bot writes — cards included, for a Lao user's message — is in the staff
// chat's language (STAFF_LANG, Vietnamese by default), with nothing of the user's language mixed in.
func TestStaff_TextsInTheStaffsOwnLanguage(t *testing.T) {
	t.Parallel()
	const staffChat = -7400
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-7400", "STAFF_IDS": "900"})
	staff := &applicant{h: h, u: user(900, "en")}
	if got := staff.send("/reply").Text; got != h.content.T("en", "staff.reply_usage") {
		t.Errorf("/reply usage: got %q, want English", got)
	}
	if got := staff.send("/unanswered").Text; got != h.content.T("en", "unanswered.none") {
		t.Errorf("/unanswered: got %q, want English", got)
	}
	help := staff.send("/help").Text
	if want := h.content.T("en", "help.text") + "\n\n" + h.content.T("en", "help.staff") + "\n\n" + h.content.T("en", "help.admin"); help != want {
		t.Errorf("an admin's /help: got %q, want the help with the staff and admin commands", help)
	}

	lao := &applicant{h: h, u: user(4500, "th")}
	lao.send("/language")
	lao.press("lang:lo")
	lao.send("/staff")
	lao.send("ຂ້ອຍຢາກຖາມກ່ຽວກັບທຶນການສຶກສາ")
	card := h.messages(staffChat, 2)[0]
	unknown := h.content.T("vi", "mydata.unknown")
	want := h.content.T("vi", "staff.conv.card", "name", "Noy", "id", "4500", "lang", "lo", "audience", unknown, "country", unknown)
	if card.Text != want {
		t.Errorf("card: got %q, want %q", card.Text, want)
	}
	if got := card.Buttons[0][0].Text; got != h.content.T("vi", "staff.conv.reply_button") {
		t.Errorf("card button: got %q, want Vietnamese", got)
	}

	if got := staff.send("/reply 4500 ສະບາຍດີ, ພວກເຮົາຈະຕິດຕໍ່ຫາ").Text; got != h.content.T("en", "staff.reply_done", "id", "4500") {
		t.Errorf("/reply in private: got %q, want the English confirmation", got)
	}
	if got := lao.wait(1); !strings.HasPrefix(got[len(got)-1].Text, h.content.T("lo", "staff.reply")) {
		t.Errorf("the user got %q, want the Lao staff-reply header", got[len(got)-1].Text)
	}
	group := models.Chat{ID: staffChat, Type: models.ChatTypeSupergroup, Title: "Staff"}
	n := len(h.srv.Messages(staffChat))
	h.srv.PushGroupText(staff.u, group, "/reply@huunghi_bot 4500 ok")
	if got := h.messages(staffChat, n+1)[n].Text; got != h.content.T("vi", "staff.reply_done", "id", "4500") {
		t.Errorf("/reply in the staff chat: got %q, want the staff chat's Vietnamese", got)
	}
	h.srv.PushGroupText(staff.u, group, "/help@huunghi_bot")
	if got := h.messages(staffChat, n+2)[n+1].Text; !strings.HasSuffix(got, h.content.T("vi", "help.staff")) {
		t.Errorf("/help in the staff chat: got %q, want the staff part in Vietnamese", got)
	}
}

// TestHelp_StaffCommandsOnlyForStaff: someone who is not staff never sees the staff commands, and staff do
// not see them in an ordinary group either, where everyone reads the answer.
func TestHelp_StaffCommandsOnlyForStaff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"STAFF_IDS": "900"})
	u := &applicant{h: h, u: user(4600, "vi")}
	if got := u.send("/help").Text; got != h.content.T("vi", "help.text") {
		t.Errorf("a user's /help: got %q, want the help without staff commands", got)
	}
	group := models.Chat{ID: -4601, Type: models.ChatTypeSupergroup, Title: "SV Lào"}
	h.srv.PushGroupText(user(900, "vi"), group, "/help@huunghi_bot")
	if got := h.messages(group.ID, 1)[0].Text; got != h.content.T("vi", "help.text") {
		t.Errorf("staff /help in a group: got %q, want the help without staff commands", got)
	}
}

// TestStaffLang_ConfiguresTheStaffChat: STAFF_LANG=en writes the staff chat's cards in English.
func TestStaffLang_ConfiguresTheStaffChat(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"STAFF_CHAT_ID": "-7401", "STAFF_LANG": "en"})
	u := &applicant{h: h, u: user(4700, "vi")}
	u.send("/staff")
	u.send("cho toi hoi ve hoc bong")
	card := h.messages(-7401, 1)[0]
	if !strings.HasPrefix(card.Text, h.content.T("en", "staff.conv.card", "name", "Noy", "id", "4700", "lang", "vi",
		"audience", h.content.T("en", "mydata.unknown"), "country", h.content.T("en", "mydata.unknown"))) {
		t.Errorf("card: got %q, want English", card.Text)
	}
}
