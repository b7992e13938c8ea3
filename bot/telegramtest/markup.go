package telegramtest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/go-telegram/bot/models"
)

// Telegram's keyboard limits.
const (
	maxCallbackData = 64  // bytes
	maxButtons      = 100 // per keyboard
)

// markupKind is the kind of reply_markup a call carried.
type markupKind int

const (
	markupNone markupKind = iota
	markupInline
	markupReply
	markupRemove
	markupForceReply
)

// keyboard is a parsed reply_markup.
type keyboard struct {
	kind    markupKind
	buttons [][]Button
	// inline and inlineKey (canonical JSON) are set for an inline keyboard.
	inline    *models.InlineKeyboardMarkup
	inlineKey string
	// placeholder is a ForceReply's input_field_placeholder.
	placeholder string
}

// apply sets the keyboard of a new message.
func (kb keyboard) apply(sm *storedMessage) {
	switch kb.kind {
	case markupInline:
		sm.msg.Buttons = kb.buttons
		sm.inline, sm.inlineKey = kb.inline, kb.inlineKey
	case markupReply:
		sm.msg.Buttons = kb.buttons
		sm.msg.Reply = true
	case markupRemove:
		sm.msg.RemoveKeyboard = true
	case markupForceReply:
		sm.msg.ForceReply, sm.msg.Placeholder = true, kb.placeholder
	}
}

// applyEdit sets the keyboard of an edited message: the new inline keyboard,
// or none. A reply keyboard belongs to the chat, not the message, so an edit
// leaves it alone.
func (kb keyboard) applyEdit(sm *storedMessage) {
	sm.inline, sm.inlineKey = kb.inline, kb.inlineKey
	switch {
	case kb.kind == markupInline:
		sm.msg.Buttons = kb.buttons
		sm.msg.Reply = false
	case !sm.msg.Reply:
		sm.msg.Buttons = nil
	}
}

// parseInlineOnly parses the reply_markup of an edit, which can only be an
// inline keyboard.
func parseInlineOnly(raw string) (keyboard, *apiError) {
	kb, e := parseMarkup(raw)
	if e != nil {
		return keyboard{}, e
	}
	if kb.kind != markupNone && kb.kind != markupInline {
		return keyboard{}, badRequest("inline keyboard expected")
	}
	return kb, nil
}

// inlineButton is an inline keyboard button as sent; pointers tell absent
// fields from empty ones.
type inlineButton struct {
	Text                         *string         `json:"text"`
	URL                          *string         `json:"url"`
	CallbackData                 *string         `json:"callback_data"`
	WebApp                       json.RawMessage `json:"web_app"`
	LoginURL                     json.RawMessage `json:"login_url"`
	SwitchInlineQuery            *string         `json:"switch_inline_query"`
	SwitchInlineQueryCurrentChat *string         `json:"switch_inline_query_current_chat"`
	SwitchInlineQueryChosenChat  json.RawMessage `json:"switch_inline_query_chosen_chat"`
	CopyText                     *struct {
		Text string `json:"text"`
	} `json:"copy_text"`
	CallbackGame json.RawMessage `json:"callback_game"`
	Pay          bool            `json:"pay"`
}

// replyButton is a reply keyboard button as sent (an object; a plain string
// is accepted too, as by Telegram).
type replyButton struct {
	Text           *string `json:"text"`
	RequestContact bool    `json:"request_contact"`
}

// parseMarkup parses and validates a reply_markup parameter the way Telegram
// does where a bot bug would show: callback data over 64 bytes, buttons
// without text or action, bad URLs, too many buttons.
func parseMarkup(raw string) (keyboard, *apiError) {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == "null" {
		return keyboard{}, nil
	}
	var m struct {
		InlineKeyboard json.RawMessage `json:"inline_keyboard"`
		Keyboard       json.RawMessage `json:"keyboard"`
		RemoveKeyboard bool            `json:"remove_keyboard"`
		ForceReply     bool            `json:"force_reply"`
		Placeholder    string          `json:"input_field_placeholder"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return keyboard{}, badRequest("can't parse reply keyboard markup JSON object")
	}
	switch {
	case present(m.InlineKeyboard):
		return parseInline(m.InlineKeyboard)
	case present(m.Keyboard):
		return parseReply(m.Keyboard)
	case m.RemoveKeyboard:
		return keyboard{kind: markupRemove}, nil
	case m.ForceReply:
		if textLen(m.Placeholder) > 64 {
			return keyboard{}, badRequest("input field placeholder is too long")
		}
		return keyboard{kind: markupForceReply, placeholder: m.Placeholder}, nil
	}
	return keyboard{}, badRequest("can't parse reply keyboard markup JSON object")
}

// parseInline parses the inline_keyboard field.
func parseInline(raw json.RawMessage) (keyboard, *apiError) {
	var rows [][]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil || rows == nil {
		return keyboard{}, badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array")
	}
	kb := keyboard{kind: markupInline, buttons: make([][]Button, 0, len(rows))}
	n := 0
	for _, row := range rows {
		out := make([]Button, 0, len(row))
		for _, rb := range row {
			if n++; n > maxButtons {
				return keyboard{}, badRequest("reply markup is too long")
			}
			var b inlineButton
			if err := json.Unmarshal(rb, &b); err != nil || b.Text == nil {
				return keyboard{}, badRequest("can't parse inline keyboard button: Field \"text\" must be of type String")
			}
			if strings.TrimSpace(*b.Text) == "" {
				return keyboard{}, badRequest("BUTTON_TEXT_INVALID")
			}
			btn := Button{Text: *b.Text}
			actions := 0
			if b.CallbackData != nil {
				if d := *b.CallbackData; d == "" || len(d) > maxCallbackData {
					return keyboard{}, badRequest("BUTTON_DATA_INVALID")
				}
				btn.Data = *b.CallbackData
				actions++
			}
			if b.URL != nil {
				if !validButtonURL(*b.URL) {
					return keyboard{}, badRequest("BUTTON_URL_INVALID")
				}
				btn.URL = *b.URL
				actions++
			}
			// go-telegram/bot always sends copy_text, empty when unused.
			if b.CopyText != nil && b.CopyText.Text != "" {
				actions++
			}
			for _, set := range []bool{present(b.WebApp), present(b.LoginURL), b.SwitchInlineQuery != nil,
				b.SwitchInlineQueryCurrentChat != nil, present(b.SwitchInlineQueryChosenChat),
				present(b.CallbackGame), b.Pay} {
				if set {
					actions++
				}
			}
			if actions == 0 {
				return keyboard{}, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
			}
			out = append(out, btn)
		}
		kb.buttons = append(kb.buttons, out)
	}
	var canon bytes.Buffer
	if err := json.Compact(&canon, raw); err != nil {
		return keyboard{}, badRequest("can't parse reply keyboard markup JSON object")
	}
	kb.inlineKey = canon.String()
	kb.inline = &models.InlineKeyboardMarkup{}
	if err := json.Unmarshal(raw, &kb.inline.InlineKeyboard); err != nil {
		return keyboard{}, badRequest("can't parse inline keyboard button: %v", err)
	}
	return kb, nil
}

// validButtonURL reports whether Telegram would take u for a URL button:
// http, https or tg, a scheme-less host name being read as http.
func validButtonURL(u string) bool {
	u = strings.TrimSpace(u)
	if u == "" {
		return false
	}
	if !strings.Contains(u, "://") && !strings.HasPrefix(u, "tg:") {
		u = "http://" + u
	}
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	switch p.Scheme {
	case "tg":
		return true
	case "http", "https":
		return p.Host != "" && (strings.Contains(p.Hostname(), ".") || p.Hostname() == "localhost")
	}
	return false
}

// parseReply parses the keyboard field of a reply keyboard.
func parseReply(raw json.RawMessage) (keyboard, *apiError) {
	var rows [][]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil || rows == nil {
		return keyboard{}, badRequest("field \"keyboard\" of the ReplyKeyboardMarkup must be an Array")
	}
	kb := keyboard{kind: markupReply, buttons: make([][]Button, 0, len(rows))}
	n := 0
	for _, row := range rows {
		out := make([]Button, 0, len(row))
		for _, rb := range row {
			if n++; n > maxButtons {
				return keyboard{}, badRequest("reply markup is too long")
			}
			var b replyButton
			var text string
			if err := json.Unmarshal(rb, &text); err == nil {
				b.Text = &text
			} else if err := json.Unmarshal(rb, &b); err != nil || b.Text == nil {
				return keyboard{}, badRequest("can't parse keyboard button: Field \"text\" must be of type String")
			}
			if strings.TrimSpace(*b.Text) == "" {
				return keyboard{}, badRequest("BUTTON_TEXT_INVALID")
			}
			out = append(out, Button{Text: *b.Text, RequestContact: b.RequestContact})
		}
		kb.buttons = append(kb.buttons, out)
	}
	return kb, nil
}

// present reports whether a JSON field was sent with a value.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

// inlineFromButtons builds the inline keyboard of a message a test made up.
func inlineFromButtons(rows [][]Button) *models.InlineKeyboardMarkup {
	if len(rows) == 0 {
		return nil
	}
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: make([][]models.InlineKeyboardButton, len(rows))}
	for i, row := range rows {
		for _, b := range row {
			kb.InlineKeyboard[i] = append(kb.InlineKeyboard[i],
				models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data, URL: b.URL})
		}
	}
	return kb
}
