package handlers

import (
	"context"
	"slices"
	"strings"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
)

// Settings handles /settings, the menu's Settings and the "set:" buttons: whether the Union's
// announcements reach the person at all, and the topics (topics.yaml) whose announcements they follow.
// A tap changes the setting and shows the page again in place; broadcasts read it when each message is
// sent, so it holds at once.
func Settings(d Deps) func(ctx context.Context, r *Request) {
	return func(ctx context.Context, r *Request) {
		edit := false
		if r.Update.CallbackQuery != nil {
			verb, args, ok := parse(SettingsButtons, r)
			if _, _, menu := parse(MenuButtons, r); !ok && !menu {
				d.Expired(ctx, r)
				return
			}
			var err error
			switch {
			case !ok: // the menu's entry: a page of its own, below the menu
			case verb == "off" || verb == "on":
				err = d.Store.SetBroadcastsOff(ctx, r.UserID, verb == "off")
				edit = true
			case verb == "t":
				if _, found := d.Content.NewsTopic(args[0]); !found {
					d.Expired(ctx, r)
					return
				}
				var on bool
				if on, err = d.Store.Subscribed(ctx, r.UserID, args[0]); err == nil {
					err = d.Store.SetTopic(ctx, r.UserID, args[0], !on)
				}
				edit = true
			}
			if err != nil {
				d.Log.Error("change settings", "chat_id", r.ChatID, "err", err)
				d.Answer(ctx, r, d.T(r, "error.apology"))
				return
			}
			d.Answer(ctx, r, "")
		}
		text, rows, err := settingsView(ctx, d, r)
		if err != nil {
			d.Log.Error("read settings", "chat_id", r.ChatID, "err", err)
			d.Reply(ctx, r, d.T(r, "error.apology"))
			return
		}
		if edit {
			d.Edit(ctx, r, text, rows...)
			return
		}
		d.Reply(ctx, r, text, rows...)
	}
}

// settingsView is the settings page as it stands: read afresh, not from the request, since a tap has
// just changed it.
func settingsView(ctx context.Context, d Deps, r *Request) (string, [][]outbox.Button, error) {
	u, err := d.Store.GetUser(ctx, r.UserID)
	if err != nil {
		return "", nil, err
	}
	topics, err := d.Store.UserTopics(ctx, r.UserID)
	if err != nil {
		return "", nil, err
	}
	state, toggle := d.T(r, "settings.on"), outbox.Button{Text: d.T(r, "settings.turn_off"), Data: SettingsButtons.Data("off")}
	if u.NoBroadcasts {
		state, toggle = d.T(r, "settings.off"), outbox.Button{Text: d.T(r, "settings.turn_on"), Data: SettingsButtons.Data("on")}
	}
	text := d.T(r, "settings.text", "state", state)
	var rows [][]outbox.Button
	if len(d.Content.NewsTopics) > 0 {
		text += "\n\n" + d.T(r, "settings.topics")
	}
	for _, t := range d.Content.NewsTopics {
		mark := "▫️ "
		if slices.Contains(topics, t.ID) {
			mark = "✅ "
		}
		rows = append(rows, []outbox.Button{{Text: mark + t.NameIn(r.Lang), Data: SettingsButtons.Data("t", t.ID)}})
	}
	return text, append(rows, []outbox.Button{toggle}), nil
}

// announcementsLine is what /mydata says of announcements: on or off, and the topics followed.
func announcementsLine(ctx context.Context, d Deps, r *Request) string {
	state := d.T(r, "settings.on")
	if r.User.NoBroadcasts {
		state = d.T(r, "settings.off")
	}
	ids, err := d.Store.UserTopics(ctx, r.UserID)
	if err != nil {
		d.Log.Warn("mydata: topics", "chat_id", r.ChatID, "err", err)
	}
	var names []string
	for _, t := range d.Content.NewsTopics {
		if slices.Contains(ids, t.ID) {
			names = append(names, t.NameIn(r.Lang))
		}
	}
	topics := d.T(r, "mydata.topics_none")
	if len(names) > 0 {
		topics = strings.Join(names, "; ")
	}
	return d.T(r, "mydata.announcements", "state", state, "topics", topics)
}
