package bot_test

import (
	"testing"
)

// TestVietnamese_SwitchesUndecidedUser: someone in Germany whose Telegram is in German writes Vietnamese,
// with or without tone marks, and is answered in Vietnamese, told how to change it; a user first taken
// for Lao who then writes Vietnamese follows what they write; an explicit choice is never overridden.
func TestVietnamese_SwitchesUndecidedUser(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	for i, text := range []string{
		"Xin chào, tôi muốn hỏi về miễn thị thực cho người Việt Nam ở nước ngoài",
		"cho toi hoi ve mien thi thuc cho kieu bao",
	} {
		u := user(int64(400+i), "cs")
		h.srv.PushText(u, text)
		msgs := h.messages(u.ID, 2)
		if msgs[0].Text != h.content.T("vi", "lang.detected") {
			t.Errorf("%q: first reply %q, want the Vietnamese switch notice", text, msgs[0].Text)
		}
		h.srv.PushText(u, "/help")
		if got := h.messages(u.ID, 3)[2].Text; got != h.content.T("vi", "help.text") {
			t.Errorf("%q: /help afterwards got %q, want Vietnamese help", text, got)
		}
	}

	// Taken for Lao, then writes Vietnamese: follows.
	lao := user(410, "th")
	h.srv.PushText(lao, "ສະບາຍດີ ຂ້ອຍມີຄຳຖາມ")
	n := len(h.messages(lao.ID, 2))
	h.srv.PushText(lao, "toi muon hoi ve hoc bong")
	if got := h.messages(lao.ID, n+1)[n].Text; got != h.content.T("vi", "lang.detected") {
		t.Errorf("Lao-detected user writing Vietnamese: got %q, want the Vietnamese switch notice", got)
	}

	// Chose English: stays in English whatever they write.
	en := user(420, "cs")
	h.srv.PushText(en, "/language")
	h.srv.PushCallback(en, h.messages(en.ID, 1)[0], "lang:en")
	h.messages(en.ID, 2)
	h.srv.PushText(en, "cho toi hoi ve mien thi thuc cho kieu bao")
	h.srv.PushText(en, "/help") // answered after the question: once it is there, any notice would be too
	if !h.srv.Wait(func() bool {
		msgs := h.srv.Messages(en.ID)
		return len(msgs) > 0 && msgs[len(msgs)-1].Text == h.content.T("en", "help.text")
	}, wait) {
		t.Fatalf("explicit English user: no English help; got %v", h.srv.Messages(en.ID))
	}
	for _, m := range h.srv.Messages(en.ID) {
		if m.Text == h.content.T("vi", "lang.detected") {
			t.Fatal("an explicit English choice was overridden by Vietnamese detection")
		}
	}
}

// TestLanguagePicker_LikeliestFirst: the picker offers first the language a user most probably reads —
// Lao for a Thai phone, German for a German one, Vietnamese for a Czech or Russian one (the diaspora), the
// detected language once they wrote.
func TestLanguagePicker_LikeliestFirst(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	for i, tc := range []struct{ code, want string }{{"th", "lang:lo"}, {"de", "lang:de"}, {"cs", "lang:vi"}, {"ru", "lang:vi"}, {"en", "lang:en"}} {
		u := user(int64(500+i), tc.code)
		h.srv.PushText(u, "/language")
		if got := h.messages(u.ID, 1)[0].Buttons[0][0].Data; got != tc.want {
			t.Errorf("language_code %s: first button %s, want %s", tc.code, got, tc.want)
		}
	}
	u := user(510, "en")
	h.srv.PushText(u, "ສະບາຍດີ ຂ້ອຍມີຄຳຖາມ")
	n := len(h.messages(u.ID, 2))
	h.srv.PushText(u, "/language")
	if got := h.messages(u.ID, n+1)[n].Buttons[0][0].Data; got != "lang:lo" {
		t.Errorf("after writing Lao: first button %s, want lang:lo", got)
	}
}
