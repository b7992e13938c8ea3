package faq_test

import (
	"testing"

	"github.com/ufo-thanhhoa/huunghi/handlers/faq"
)

func TestSocial_ThanksAcksAndGreetings(t *testing.T) {
	s := faq.SocialOf(loadContent(t).FAQ)
	for text, want := range map[string]string{
		"👍": "thanks", "👍🏽👍👍": "thanks", "🙏🙏": "thanks", "ok": "thanks", "OKKK!!": "thanks", "oke ạ": "thanks",
		"ok thanks bro": "thanks", "thank you so much!!": "thanks", "cam on nhieu nhe ad": "thanks",
		"Cảm ơn nhiều ạ": "thanks", "dạ vâng": "thanks", "ຂອບໃຈຫຼາຍໆ": "thanks", "ຂອບໃຈ ຫຼາຍໆ ເດີ": "thanks",
		"ໂອເຄ": "thanks", "hello": "greeting", "chao ad": "greeting", "ສະບາຍດີ": "greeting",
		// questions, even short ones or with a thanks in them, are not social
		"ok visa?": "", "thanks, and where is the dorm": "", "ok so how do i apply for the scholarship": "",
		"ຂອບໃຈ ວີຊາ": "", "?": "", "": "", "🤔 visa": "",
	} {
		if got := s.Kind(text); got != want {
			t.Errorf("Kind(%q) = %q, want %q", text, got, want)
		}
	}
}

// TestSocial_Set reads testdata/social.tsv (lang, kind, text), short social messages written blind to the
// phrase lists: greetings, thanks, and acknowledgements ("ok", "👍", "dạ vâng"), which are taken as thanks.
func TestSocial_Set(t *testing.T) {
	s := faq.SocialOf(loadContent(t).FAQ)
	rows := readTSV(t, "testdata/social.tsv")
	ok := 0
	for _, r := range rows {
		want := r.topic
		if want == "ack" {
			want = "thanks"
		}
		if got := s.Kind(r.question); got == want {
			ok++
		} else {
			t.Logf("%s %q: got %q, want %q", r.lang, r.question, got, want)
		}
	}
	if rate := float64(ok) / float64(len(rows)); rate < 0.97 {
		t.Errorf("social messages: %d/%d = %.3f, want ≥ 0.97", ok, len(rows), rate)
	}
}
