package handlers

import (
	"context"
	"unicode"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// ResolveLang picks the language to answer a user in: their stored choice (explicit, or detected from Lao
// script), else Telegram's language_code when it is a shipped language (the one of this update, or the one
// last seen when there is no update, as for a staff reply), else English.
func ResolveLang(c *messages.Content, u store.User, languageCode string) string {
	if u.Lang != "" && c.HasLang(u.Lang) {
		return u.Lang
	}
	if l := c.MatchLang(languageCode); l != "" {
		return l
	}
	if u.TelegramLang != "" && c.HasLang(u.TelegramLang) {
		return u.TelegramLang
	}
	return messages.DefaultLang
}

// Undecided reports whether the user never chose a language and Telegram's language_code does not name
// one we ship confidently for them. Telegram has no Lao interface, so Lao students often arrive with "en" or
// "th": only vi and lo are taken as a decision.
func Undecided(u store.User, languageCode string) bool {
	if u.Lang != "" {
		return false
	}
	code := languageCode
	if len(code) > 2 {
		code = code[:2]
	}
	return code != "vi" && code != "lo"
}

// IsLao reports whether text is written mostly in Lao script (at least two Lao letters and more than half of
// all letters), the signal to switch an undecided user to Lao.
func IsLao(text string) bool {
	lao, letters := 0, 0
	for _, r := range text {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) {
			continue
		}
		letters++
		if unicode.Is(unicode.Lao, r) {
			lao++
		}
	}
	return lao >= 2 && lao*2 > letters
}

// LanguagePicker returns one button per shipped language. Lao comes first for Thai phones (many Lao students
// use a Thai interface); otherwise the current language first.
func LanguagePicker(d Deps, current, languageCode string) [][]outbox.Button {
	order := []string{current}
	if len(languageCode) >= 2 && languageCode[:2] == "th" && d.Content.HasLang("lo") {
		order = []string{"lo", current}
	}
	seen := map[string]bool{}
	var rows [][]outbox.Button
	for _, l := range append(order, d.Content.Langs...) {
		if seen[l] || !d.Content.HasLang(l) {
			continue
		}
		seen[l] = true
		rows = append(rows, []outbox.Button{{Text: d.Content.T(l, "lang.name"), Data: "lang:" + l}})
	}
	return rows
}

// Language shows the language picker (/language and the menu button).
func Language(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		d.Answer(ctx, r, "")
		d.Reply(ctx, r, d.T(r, "lang.pick"), LanguagePicker(d, r.Lang, languageCode(r))...)
	}
}

// LanguageChosen handles a tap on the picker ("lang:<code>"): the choice is stored as explicit and wins over
// Telegram's language_code from then on.
func LanguageChosen(d Deps, menu MenuFunc) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		_, lang := CallbackData(r.Update)
		if !d.Content.HasLang(lang) {
			d.Expired(ctx, r)
			return
		}
		if err := d.Store.SetLanguage(ctx, r.UserID, lang, store.LangExplicit); err != nil {
			d.Log.Error("set language", "chat_id", r.ChatID, "err", err)
			d.Answer(ctx, r, d.T(r, "error.apology"))
			return
		}
		r.Lang, r.User.Lang, r.User.LangSource = lang, lang, store.LangExplicit
		d.Answer(ctx, r, "")
		d.Edit(ctx, r, d.T(r, "lang.set"))
		if r.User.Audience == "" {
			AskAudience(d, ctx, r)
			return
		}
		menu(ctx, r, false)
	}
}

func languageCode(r *Request) string {
	if u := sender(r); u != nil {
		return u.LanguageCode
	}
	return ""
}
