package telegramtest

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/go-telegram/bot/models"
)

// Telegram's limits on command lists and callback answers.
const (
	maxCommands       = 100
	maxCommandLen     = 32
	maxDescriptionLen = 256
	maxAnswerLen      = 200
)

// Commands returns the command lists the bot set with setMyCommands, keyed by
// "scope/language_code": "default/", "default/lo", "all_private_chats/vi",
// "chat:-100123/" (chat and chat_administrators scopes carry the chat id,
// chat_member "chat_member:<chat>:<user>"). The result is a copy.
func (s *Server) Commands() map[string][]models.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]models.BotCommand, len(s.commands))
	for k, v := range s.commands {
		out[k] = slices.Clone(v)
	}
	return out
}

// commandsKey is the Commands key of a call's scope and language_code.
func commandsKey(req *request) (string, *apiError) {
	lang := req.str("language_code")
	if lang != "" && (len(lang) != 2 || strings.ToLower(lang) != lang || !isLetters(lang)) {
		return "", badRequest("LANG_CODE_INVALID")
	}
	if !req.has("scope") {
		return "default/" + lang, nil
	}
	var scope struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
		UserID json.RawMessage `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(req.str("scope")), &scope); err != nil {
		return "", badRequest("can't parse BotCommandScope JSON object")
	}
	chat := strings.Trim(string(scope.ChatID), `"`)
	switch scope.Type {
	case "default", "all_private_chats", "all_group_chats", "all_chat_administrators":
		return scope.Type + "/" + lang, nil
	case "chat", "chat_administrators":
		if chat == "" {
			return "", badRequest("chat_id is empty")
		}
		return scope.Type + ":" + chat + "/" + lang, nil
	case "chat_member":
		if chat == "" {
			return "", badRequest("chat_id is empty")
		}
		if !present(scope.UserID) {
			return "", badRequest("user_id is empty")
		}
		return scope.Type + ":" + chat + ":" + string(scope.UserID) + "/" + lang, nil
	}
	return "", badRequest("unsupported bot command scope type")
}

// isLetters reports whether s is ASCII letters only.
func isLetters(s string) bool {
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// setMyCommands stores a command list; an empty list deletes it, as on
// Telegram.
func (s *Server) setMyCommands(req *request) (json.RawMessage, *apiError) {
	key, e := commandsKey(req)
	if e != nil {
		return nil, e
	}
	var cmds []models.BotCommand
	if err := json.Unmarshal([]byte(req.str("commands")), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON array")
	}
	if len(cmds) > maxCommands {
		return nil, badRequest("too many commands specified")
	}
	for _, c := range cmds {
		if c.Command == "" || len(c.Command) > maxCommandLen || strings.ToLower(c.Command) != c.Command ||
			strings.IndexFunc(c.Command, func(r rune) bool { return r > 127 || !isCommandByte(byte(r)) }) >= 0 {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if d := strings.TrimSpace(c.Description); d == "" || textLen(d) > maxDescriptionLen {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	s.changedLocked()
	return json.RawMessage(resultTrue), nil
}

// getMyCommands answers the list of exactly that scope and language.
func (s *Server) getMyCommands(req *request) (json.RawMessage, *apiError) {
	key, e := commandsKey(req)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cmds := s.commands[key]
	if cmds == nil {
		cmds = []models.BotCommand{}
	}
	return mustJSON(cmds), nil
}

// deleteMyCommands deletes the list of a scope and language.
func (s *Server) deleteMyCommands(req *request) (json.RawMessage, *apiError) {
	key, e := commandsKey(req)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.commands, key)
	s.changedLocked()
	return json.RawMessage(resultTrue), nil
}

// answerCallbackQuery answers a callback query once; an unknown or already
// answered id is refused, as Telegram refuses an expired one.
func (s *Server) answerCallbackQuery(req *request) (json.RawMessage, *apiError) {
	id := req.str("callback_query_id")
	if textLen(req.str("text")) > maxAnswerLen {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	answered, known := s.callbacks[id]
	if !known || answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	s.callbacks[id] = true
	s.changedLocked()
	return json.RawMessage(resultTrue), nil
}

// sendChatAction accepts Telegram's chat actions ("typing", ...); calls are
// only recorded.
func (s *Server) sendChatAction(req *request) (json.RawMessage, *apiError) {
	if _, e := req.chatID(); e != nil {
		return nil, e
	}
	switch models.ChatAction(req.str("action")) {
	case models.ChatActionTyping, models.ChatActionUploadPhoto, models.ChatActionRecordVideo,
		models.ChatActionUploadVideo, models.ChatActionRecordVoice, models.ChatActionUploadVoice,
		models.ChatActionUploadDocument, models.ChatActionChooseSticker, models.ChatActionFindLocation,
		models.ChatActionRecordVideoNote, models.ChatActionUploadVideoNote:
		return json.RawMessage(resultTrue), nil
	}
	return nil, badRequest("wrong parameter action in request")
}

// setChatMenuButton accepts a menu button for a chat or the default one;
// calls are only recorded.
func (s *Server) setChatMenuButton(req *request) (json.RawMessage, *apiError) {
	if req.has("chat_id") {
		if _, e := req.chatID(); e != nil {
			return nil, e
		}
	}
	if req.has("menu_button") {
		var b struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal([]byte(req.str("menu_button")), &b); err != nil || b.Type == "" {
			return nil, badRequest("can't parse menu button JSON object")
		}
	}
	return json.RawMessage(resultTrue), nil
}
