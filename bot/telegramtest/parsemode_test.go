package telegramtest

import (
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestVisibleText(t *testing.T) {
	tests := []struct {
		mode, text string
		want       string // shown text; ignored when wantErr is set
		wantErr    string
	}{
		{"", "<b>*x*</b>", "<b>*x*</b>", ""},
		{"HTML", "<b>Hồ sơ</b> &lt;3 &amp; &#8364; &#x20AC; & x", "Hồ sơ <3 & € € & x", ""},
		{"html", `<A HREF="https://x.vn">l</a><pre><code class="language-go">x</code></pre>`, "lx", ""},
		{"HTML", `<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler><blockquote expandable>q</blockquote>`, "stq", ""},
		{"HTML", "a </b>", "", "Unexpected end tag at byte offset 2"},
		{"HTML", "<b><i>x</b></i>", "", `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{"HTML", "<span>x</span>", "", `Tag "span" must have class "tg-spoiler"`},
		{"HTML", "a <b", "", "Unclosed start tag at byte offset 2"},
		{"HTML", "a <b x", "", "Unclosed start tag at byte offset 2"},
		{"HTML", "a </b", "", "Unclosed end tag at byte offset 2"},
		{"HTML", "x < y", "", `Unsupported start tag "" at byte offset 2`},
		{"HTML", "<br>", "", `Unsupported start tag "br" at byte offset 0`},
		{"MarkdownV2", `*đậm* _nghiêng_ __gạch__ ~xoá~ ||ẩn|| ` + "`a.b` ```go\nx := 1.0\n```", "đậm nghiêng gạch xoá ẩn a.b x := 1.0\n", ""},
		{"MarkdownV2", `[Hồng Đức](https://hdu.edu.vn/a_b\)c) ![👍](tg://emoji?id=1)`, "Hồng Đức 👍", ""},
		{"MarkdownV2", "> trích dẫn\n**>mở rộng", " trích dẫn\nmở rộng", ""},
		{"MarkdownV2", `a\.b\!c\\d`, `a.b!c\d`, ""},
		{"MarkdownV2", "Hạn nộp: 30-6", "", `Character '-' is reserved`},
		{"MarkdownV2", "Xin chào!", "", `Character '!' is reserved`},
		{"MarkdownV2", "a > b", "", `Character '>' is reserved`},
		{"MarkdownV2", "[link](https://x.vn", "", "Can't find end of a URL"},
		{"MarkdownV2", "_nghiêng", "", "Can't find end of Italic entity at byte offset 0"},
		{"Markdown", "*đậm* _nghiêng_ `mã` [web](https://x.vn) a\\_b", "đậm nghiêng mã web a_b", ""},
		{"Markdown", "Chào nguyen_van", "", "Can't find end of the entity starting at byte offset 12"},
		{"Markdown", "1.0 (mới)!", "1.0 (mới)!", ""},
	}
	for _, tt := range tests {
		t.Run(tt.mode+"/"+tt.text, func(t *testing.T) {
			got, e := visibleText(tt.text, tt.mode)
			if tt.wantErr != "" {
				if e == nil || !strings.Contains(e.description, tt.wantErr) {
					t.Fatalf("got %q, %v; want error %q", got, e, tt.wantErr)
				}
				if !strings.HasPrefix(e.description, "Bad Request: can't parse entities: ") {
					t.Errorf("description %q lacks Telegram's prefix", e.description)
				}
				return
			}
			if e != nil {
				t.Fatalf("got error %q, want %q", e.description, tt.want)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCommandEntities(t *testing.T) {
	tests := []struct {
		text string
		want []string // the entities' text
	}{
		{"/start", []string{"/start"}},
		{"/start reg_exchange", []string{"/start"}},
		{"/start@huunghi_bot", []string{"/start@huunghi_bot"}},
		{"/start@", []string{"/start"}},
		{"Xin chào /help và /faq_visa.", []string{"/help", "/faq_visa"}},
		{"😀😀 /a", []string{"/a"}},
		{"ສະບາຍດີ /language", []string{"/language"}},
		{"(/help)", []string{"/help"}},
		{"and/or http://x.vn/a", nil},
		{"/bắt đầu", nil},
		{"/ a", nil},
		{"//x", nil},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			var got []string
			units := utf16.Encode([]rune(tt.text))
			for _, e := range commandEntities(tt.text) {
				if e.Type != "bot_command" {
					t.Errorf("type %q", e.Type)
				}
				got = append(got, string(utf16.Decode(units[e.Offset:e.Offset+e.Length])))
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseMarkup(t *testing.T) {
	tests := []struct {
		raw     string
		kind    markupKind
		wantErr string
	}{
		{"", markupNone, ""},
		{`{"inline_keyboard":[[{"text":"a","callback_data":"x","copy_text":{"text":""}}]]}`, markupInline, ""},
		{`{"inline_keyboard":[[{"text":"a","url":"t.me/huunghi_bot"}]]}`, markupInline, ""},
		{`{"inline_keyboard":[[{"text":"a","url":"tg://resolve?domain=x"}]]}`, markupInline, ""},
		{`{"inline_keyboard":[[{"text":"a","switch_inline_query":""}]]}`, markupInline, ""},
		{`{"inline_keyboard":[[{"text":"a","url":"not a url"}]]}`, 0, "BUTTON_URL_INVALID"},
		{`{"inline_keyboard":[[{"text":"a","callback_data":""}]]}`, 0, "BUTTON_DATA_INVALID"},
		{`{"inline_keyboard":[[{"callback_data":"x"}]]}`, 0, `Field "text" must be of type String`},
		{`{"inline_keyboard":null}`, 0, "can't parse reply keyboard markup"},
		{`{"inline_keyboard":{}}`, 0, "must be an Array"},
		{`{"keyboard":[["Có","Không"],[{"text":"📱","request_contact":true}]]}`, markupReply, ""},
		{`{"keyboard":[[{"text":""}]]}`, 0, "BUTTON_TEXT_INVALID"},
		{`{"remove_keyboard":true}`, markupRemove, ""},
		{`{"force_reply":true}`, markupForceReply, ""},
		{`{}`, 0, "can't parse reply keyboard markup"},
		{`[`, 0, "can't parse reply keyboard markup"},
		{`{"inline_keyboard":[` + strings.Repeat(`[{"text":"a","callback_data":"x"}],`, 100) + `[{"text":"a","callback_data":"x"}]]}`, 0, "reply markup is too long"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			kb, e := parseMarkup(tt.raw)
			if tt.wantErr != "" {
				if e == nil || !strings.Contains(e.description, tt.wantErr) {
					t.Fatalf("got %+v, %v; want error %q", kb, e, tt.wantErr)
				}
				return
			}
			if e != nil {
				t.Fatalf("got error %q", e.description)
			}
			if kb.kind != tt.kind {
				t.Errorf("kind %d, want %d", kb.kind, tt.kind)
			}
		})
	}
}

// The parsers read what bots send; whatever that is, they answer without
// panicking, and a plain text is shown as sent.
func FuzzVisibleText(f *testing.F) {
	for _, s := range []string{"<b>x</b>", "*a* _b_ `c` ```d```", "[a](b) ![c](d)", "a\\", "&#x110000;", "<", "&#", "**>x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, mode := range []string{"HTML", "MarkdownV2", "Markdown"} {
			shown, e := visibleText(s, mode)
			if e == nil && utf8.ValidString(s) && len(shown) > len(s)+4*strings.Count(s, "&") {
				t.Errorf("%s: shown %q longer than %q", mode, shown, s)
			}
		}
		if shown, e := visibleText(s, ""); e != nil || shown != s {
			t.Errorf("plain text changed: %q → %q, %v", s, shown, e)
		}
		for _, e := range commandEntities(s) {
			if e.Offset < 0 || e.Length < 2 {
				t.Errorf("bad entity %+v in %q", e, s)
			}
		}
	})
}

func FuzzParseMarkup(f *testing.F) {
	f.Add(`{"inline_keyboard":[[{"text":"a","callback_data":"x"}]]}`)
	f.Add(`{"keyboard":[["a"]]}`)
	f.Fuzz(func(t *testing.T, raw string) {
		kb, e := parseMarkup(raw)
		if e == nil && kb.kind == markupInline && kb.inline == nil {
			t.Errorf("inline keyboard without its markup: %q", raw)
		}
	})
}
