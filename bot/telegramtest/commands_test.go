package telegramtest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func TestSetMyCommands_Scopes(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	vi := []models.BotCommand{{Command: "start", Description: "Bắt đầu"}, {Command: "language", Description: "Đổi ngôn ngữ"}}
	lo := []models.BotCommand{{Command: "start", Description: "ເລີ່ມຕົ້ນ"}}
	staff := []models.BotCommand{{Command: "broadcast", Description: "Gửi thông báo"}}

	for _, p := range []bot.SetMyCommandsParams{
		{Commands: vi, Scope: &models.BotCommandScopeDefault{}},
		{Commands: lo, LanguageCode: "lo"},
		{Commands: staff, Scope: &models.BotCommandScopeChat{ChatID: -100123}},
		{Commands: staff, Scope: &models.BotCommandScopeAllPrivateChats{}, LanguageCode: "vi"},
	} {
		if ok, err := b.SetMyCommands(ctx(t), &p); err != nil || !ok {
			t.Fatalf("SetMyCommands(%+v): %v %v", p, ok, err)
		}
	}
	got := srv.Commands()
	for key, want := range map[string][]models.BotCommand{
		"default/": vi, "default/lo": lo, "chat:-100123/": staff, "all_private_chats/vi": staff,
	} {
		if len(got[key]) != len(want) || got[key][0] != want[0] {
			t.Errorf("Commands()[%q] = %+v, want %+v", key, got[key], want)
		}
	}
	if len(got) != 4 {
		t.Errorf("Commands() has keys %v, want 4", got)
	}

	cmds, err := b.GetMyCommands(ctx(t), &bot.GetMyCommandsParams{Scope: &models.BotCommandScopeChat{ChatID: -100123}})
	if err != nil || len(cmds) != 1 || cmds[0].Command != "broadcast" {
		t.Errorf("GetMyCommands(chat) = %+v %v", cmds, err)
	}
	if cmds, err := b.GetMyCommands(ctx(t), &bot.GetMyCommandsParams{LanguageCode: "en"}); err != nil || len(cmds) != 0 {
		t.Errorf("GetMyCommands(en) = %+v %v, want none", cmds, err)
	}

	if _, err := b.DeleteMyCommands(ctx(t), &bot.DeleteMyCommandsParams{LanguageCode: "lo"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Commands()["default/lo"]; ok {
		t.Error("default/lo still set after deleteMyCommands")
	}
	// Commands returns a copy.
	srv.Commands()["default/"][0].Command = "changed"
	if srv.Commands()["default/"][0].Command != "start" {
		t.Error("changing Commands() changed the server")
	}
}

func TestSetMyCommands_Validation(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	for _, tt := range []struct {
		name    string
		p       bot.SetMyCommandsParams
		wantErr string
	}{
		{"upper case", bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "Start", Description: "x"}}}, "BOT_COMMAND_INVALID"},
		{"slash", bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "/start", Description: "x"}}}, "BOT_COMMAND_INVALID"},
		{"too long", bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: strings.Repeat("a", 33), Description: "x"}}}, "BOT_COMMAND_INVALID"},
		{"no description", bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "start"}}}, "BOT_COMMAND_DESCRIPTION_INVALID"},
		{"language tag", bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "start", Description: "x"}}, LanguageCode: "vi-VN"}, "LANG_CODE_INVALID"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := b.SetMyCommands(ctx(t), &tt.p); !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
	if n := len(srv.Commands()); n != 0 {
		t.Errorf("refused command lists were stored: %v", srv.Commands())
	}
}
