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
