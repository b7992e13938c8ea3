package handlers

import (
	"context"
	"strings"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// ResolveLang is messages.Content.ResolveLang for a stored user.
func ResolveLang(c *messages.Content, u store.User, languageCode string) string {
	return c.ResolveLang(u.Lang, u.TelegramLang, languageCode)
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

// LanguagePicker returns one button per shipped language, the likeliest first (likelyLangs).
func LanguagePicker(d Deps, r *Request) [][]outbox.Button {
	seen := map[string]bool{}
	var rows [][]outbox.Button
	for _, l := range append(likelyLangs(d.Content, r.User, languageCode(r), r.Lang), d.Content.Langs...) {
		if seen[l] || !d.Content.HasLang(l) {
			continue
		}
		seen[l] = true
		rows = append(rows, []outbox.Button{{Text: d.Content.T(l, "lang.name"), Data: LangButtons.Data("", l)}})
	}
	return rows
}

// likelyLangs orders the languages a user most probably reads: the one stored for them (chosen, or detected
// from what they wrote), then what their Telegram interface suggests, then the one they are answered in.
// Telegram has no Lao interface, and a Thai one is what many Lao students use, so "th" suggests Lao; an
// interface in a language we do not ship other than English (Czech, Russian, Korean …) is most often one of
// the Vietnamese living abroad, so it suggests Vietnamese.
func likelyLangs(c *messages.Content, u store.User, languageCode, current string) []string {
	var out []string
	if u.Lang != "" {
		out = append(out, u.Lang)
	}
	base, _, _ := strings.Cut(strings.ToLower(languageCode), "-")
	switch l := c.MatchLang(languageCode); {
	case l != "":
		out = append(out, l)
	case base == "th":
		out = append(out, "lo")
	case base != "" && base != "en":
		out = append(out, "vi")
	}
	return append(out, current)
}

// FollowLanguage switches a user who has not chosen a language to the one they write in, when it is
// clearly Lao or Vietnamese and not the one they are answered in: an undecided user follows what they
// write, so a Lao student whose phone is in Thai gets Lao, and someone in Germany writing Vietnamese gets
// Vietnamese, even after an earlier message was taken for another language. They are told, in the new
// language, how to change it. An explicit choice (/language) is never overridden, in the store either
// (SetLanguage checks it atomically).
func FollowLanguage(ctx context.Context, d Deps, r *Request, text string) {
	if !r.Private || r.User.LangSource == store.LangExplicit {
		return
	}
	lang := DetectLang(text)
	if lang == "" || lang == r.Lang || !d.Content.HasLang(lang) {
		return
	}
	if err := d.Store.SetLanguage(ctx, r.UserID, lang, store.LangDetected); err != nil {
		d.Log.Warn("set detected language", "chat_id", r.ChatID, "err", err)
		return
	}
	r.Lang, r.User.Lang, r.User.LangSource = lang, lang, store.LangDetected
	d.Reply(ctx, r, d.T(r, "lang.detected"))
}

// Language shows the language picker (/language and the menu button).
func Language(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		d.Answer(ctx, r, "")
		d.Reply(ctx, r, d.T(r, "lang.pick"), LanguagePicker(d, r)...)
	}
}

// LanguageChosen handles a tap on the picker ("lang:<code>"): the choice is stored as explicit and wins over
// Telegram's language_code from then on.
func LanguageChosen(d Deps, menu MenuFunc) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		_, args, ok := parse(LangButtons, r)
		if !ok || !d.Content.HasLang(args[0]) {
			d.Expired(ctx, r)
			return
		}
		lang := args[0]
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
	if u := SenderOf(r.Update); u != nil {
		return u.LanguageCode
	}
	return ""
}
