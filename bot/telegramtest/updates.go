package telegramtest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// pendingUpdate is an update not yet confirmed by the bot. It is kept encoded:
// what the bot receives is fixed when the update is pushed, whatever the test
// does later with the values it passed in.
type pendingUpdate struct {
	id   int64
	body json.RawMessage
}

// excludedByDefault reports whether Telegram leaves out updates of kind unless
// the bot lists it in allowed_updates.
func excludedByDefault(kind string) bool {
	switch kind {
	case "chat_member", "message_reaction", "message_reaction_count":
		return true
	}
	return false
}

// PushUpdate queues an update as if Telegram had produced it and returns its
// update_id, assigned increasing from 1 (u.ID is ignored). A callback query
// without an id gets a random one. Like Telegram, the fake drops an update of
// a kind the bot did not ask for (allowed_updates of its last getUpdates or
// setWebhook; by default everything but chat_member, message_reaction and
// message_reaction_count) and then returns 0.
func (s *Server) PushUpdate(u models.Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pushLocked(u)
}

// pushLocked queues u. s.mu must be held.
func (s *Server) pushLocked(u models.Update) int64 {
	if cq := u.CallbackQuery; cq != nil {
		c := *cq
		if c.ID == "" {
			c.ID = newCallbackID()
		}
		u.CallbackQuery = &c
	}
	u.ID = 0
	if !s.allowedLocked(updateKind(u)) {
		return 0
	}
	u.ID = s.lastUpdateID + 1
	body, err := json.Marshal(u)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: encode update: %v", err))
	}
	s.lastUpdateID = u.ID
	if u.CallbackQuery != nil {
		s.callbacks[u.CallbackQuery.ID] = false
	}
	s.pending = append(s.pending, pendingUpdate{id: u.ID, body: body})
	s.bodies[u.ID] = body
	s.changedLocked()
	return u.ID
}

// Body returns update id exactly as the bot received it (nil for an id never pushed), so that a test can
// deliver it to the bot again as Telegram or a crash would.
func (s *Server) Body(id int64) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bodies[id]
}

// PushRaw queues an update given as the JSON object of its fields, without update_id (which it assigns
// and returns), exactly as the bot will receive it: for updates the models cannot express, such as a
// malformed one. allowed_updates is not applied.
func (s *Server) PushRaw(fields string) int64 {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(fields), &m); err != nil {
		panic(fmt.Sprintf("telegramtest: PushRaw wants a JSON object: %v", err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.lastUpdateID + 1
	m["update_id"] = json.RawMessage(strconv.FormatInt(id, 10))
	body, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: encode update: %v", err))
	}
	s.lastUpdateID = id
	s.pending = append(s.pending, pendingUpdate{id: id, body: body})
	s.bodies[id] = body
	s.changedLocked()
	return id
}

// updateKind is the name of the field an update carries ("message",
// "callback_query", ...), as allowed_updates names it.
func updateKind(u models.Update) string {
	b, err := json.Marshal(u)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: encode update: %v", err))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		panic(fmt.Sprintf("telegramtest: decode update: %v", err))
	}
	for k := range fields {
		if k != "update_id" {
			return k
		}
	}
	return ""
}

// allowedLocked reports whether the bot receives updates of kind. s.mu must be
// held.
func (s *Server) allowedLocked(kind string) bool {
	if s.allowed == nil {
		return !excludedByDefault(kind)
	}
	return slices.Contains(s.allowed, kind)
}

// setAllowedLocked applies an allowed_updates parameter: absent keeps the last
// setting, an empty list restores Telegram's default. s.mu must be held.
func (s *Server) setAllowedLocked(req *request) *apiError {
	if !req.has("allowed_updates") {
		return nil
	}
	var kinds []string
	if err := json.Unmarshal([]byte(req.str("allowed_updates")), &kinds); err != nil {
		return badRequest("can't parse allowed updates JSON array")
	}
	if len(kinds) == 0 {
		s.allowed = nil
		return nil
	}
	s.allowed = kinds
	return nil
}

// Pending is the number of updates the bot has not confirmed yet.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// getUpdates is long polling: offset confirms (drops) the updates below it,
// a negative offset keeps only the last -offset ones; limit caps the batch;
// timeout is how many seconds to wait for an update when none is pending.
// It answers as soon as an update arrives, and [] at the timeout or when the
// client goes away. A newer getUpdates ends an older one with 409, as two bot
// instances polling at once get on Telegram.
func (s *Server) getUpdates(req *request) (json.RawMessage, *apiError) {
	offset, e := req.integer("offset", 0)
	if e != nil {
		return nil, e
	}
	limit, e := req.integer("limit", 100)
	if e != nil {
		return nil, e
	}
	limit = min(max(limit, 1), 100)
	timeout, e := req.integer("timeout", 0)
	if e != nil {
		return nil, e
	}
	deadline := time.Now().Add(time.Duration(max(timeout, 0)) * time.Second)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hookURL != "" {
		return nil, webhookActive()
	}
	if e := s.setAllowedLocked(req); e != nil {
		return nil, e
	}
	s.pollGen++
	gen := s.pollGen
	s.changedLocked() // ends an older poll
	switch {
	case offset > 0:
		i := 0
		for i < len(s.pending) && s.pending[i].id < offset {
			i++
		}
		s.pending = slices.Delete(s.pending, 0, i)
		s.changedLocked()
	case offset < 0 && int64(len(s.pending)) > -offset:
		s.pending = slices.Delete(s.pending, 0, len(s.pending)-int(-offset))
		s.changedLocked()
	}
	for {
		switch {
		case s.hookURL != "":
			return nil, webhookActive()
		case gen != s.pollGen:
			return nil, &apiError{code: http.StatusConflict,
				description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
		case len(s.pending) > 0:
			n := min(len(s.pending), int(limit))
			batch := make([]json.RawMessage, n)
			for i := range batch {
				batch[i] = s.pending[i].body
			}
			return mustJSON(batch), nil
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return json.RawMessage("[]"), nil
		}
		ch := s.changed
		s.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ch:
		case <-t.C:
		case <-req.ctx.Done():
		}
		t.Stop()
		s.mu.Lock()
		if req.ctx.Err() != nil {
			return json.RawMessage("[]"), nil
		}
	}
}

// webhookActive is Telegram's answer to getUpdates while a webhook is set.
func webhookActive() *apiError {
	return &apiError{code: http.StatusConflict,
		description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
}

// PushText sends text from a user to the bot in their private chat (chat.id ==
// from.ID). Every /command in it gets a bot_command entity with UTF-16 offsets,
// "/cmd@botname" included, as Telegram marks commands anywhere in a text.
func (s *Server) PushText(from models.User, text string) int64 {
	return s.pushMessage(privateChat(from), from, func(m *models.Message) {
		m.Text = text
		m.Entities = commandEntities(text)
	})
}

// PushGroupText sends text from a user in a group chat. A chat without a type
// is taken as a supergroup.
func (s *Server) PushGroupText(from models.User, chat models.Chat, text string) int64 {
	if chat.Type == "" {
		chat.Type = models.ChatTypeSupergroup
	}
	return s.pushMessage(chat, from, func(m *models.Message) {
		m.Text = text
		m.Entities = commandEntities(text)
	})
}

// PushReplyTo sends text from a user in their private chat as a reply to to, a
// message of theirs given as Telegram would include it — a forwarded one with
// its forward_origin: "/team add" answering a message forwarded from the
// person. to takes the next message id in the chat (the forwarded message, not
// itself pushed as an update), the chat and the date.
func (s *Server) PushReplyTo(from models.User, to models.Message, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.allowedLocked("message") {
		return 0
	}
	c := s.chatLocked(privateChat(from))
	now := int(time.Now().Unix())
	fwd := c.add(true, now)
	fwd.msg.Text = to.Text
	to.ID, to.Chat, to.Date = fwd.msg.ID, c.info, now
	if to.From == nil {
		to.From = &from
	}
	sm := c.add(true, now)
	sm.msg.Text = text
	m := models.Message{ID: sm.msg.ID, From: &from, Date: now, Chat: c.info, Text: text,
		Entities: commandEntities(text), ReplyToMessage: &to}
	return s.pushLocked(models.Update{Message: &m})
}

// PushReply sends text from a user as a reply to the bot's message to, in to's chat (a group, or the
// user's private chat): the update carries the message replied to as it is now, as Telegram's does. A bot
// in a group with privacy mode receives such replies although it sees no other plain messages there.
func (s *Server) PushReply(from models.User, to Message, text string) int64 {
	s.mu.Lock()
	info := s.chatLocked(models.Chat{ID: to.ChatID}).info
	s.mu.Unlock()
	return s.PushGroupReply(from, info, to, text)
}

// PushSticker sends a sticker, a message without text the bot must cope with.
func (s *Server) PushSticker(from models.User) int64 {
	return s.pushMessage(privateChat(from), from, func(m *models.Message) {
		id := fmt.Sprintf("sticker-%d-%d", m.Chat.ID, m.ID)
		m.Sticker = &models.Sticker{FileID: id, FileUniqueID: "u" + id, Type: "regular",
			Width: 512, Height: 512, Emoji: "👍"}
	})
}

// PushPhoto sends a photo with an optional caption.
func (s *Server) PushPhoto(from models.User, caption string) int64 {
	return s.pushMessage(privateChat(from), from, func(m *models.Message) {
		id := fmt.Sprintf("photo-%d-%d", m.Chat.ID, m.ID)
		m.Photo = []models.PhotoSize{
			{FileID: id + "-s", FileUniqueID: "u" + id + "-s", Width: 90, Height: 90, FileSize: 1500},
			{FileID: id + "-m", FileUniqueID: "u" + id + "-m", Width: 800, Height: 800, FileSize: 64000},
		}
		m.Caption = caption
		m.CaptionEntities = commandEntities(caption)
		for _, p := range m.Photo {
			s.photos[p.FileID] = true // the bot may send it again
		}
	})
}

// PushFormatted sends a text with its formatting (bold, links, ...) as
// Telegram gives it: entities with UTF-16 offsets, which the caller computes.
func (s *Server) PushFormatted(from models.User, text string, entities []models.MessageEntity) int64 {
	return s.pushMessage(privateChat(from), from, func(m *models.Message) {
		m.Text = text
		m.Entities = entities
	})
}

// PushContact sends the user's own phone number, as the "share my contact"
// reply keyboard button does.
func (s *Server) PushContact(from models.User, phone string) int64 {
	return s.pushMessage(privateChat(from), from, func(m *models.Message) {
		m.Contact = &models.Contact{PhoneNumber: phone, FirstName: from.FirstName,
			LastName: from.LastName, UserID: from.ID}
	})
}

// PushEdited sends an edited_message: the user's last message in their private
// chat now reads text (a new message id if they have sent none).
func (s *Server) PushEdited(from models.User, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.allowedLocked("edited_message") {
		return 0
	}
	c := s.chatLocked(privateChat(from))
	var sm *storedMessage
	for i := len(c.msgs) - 1; i >= 0; i-- {
		if c.msgs[i].fromUser {
			sm = c.msgs[i]
			break
		}
	}
	now := int(time.Now().Unix())
	if sm == nil {
		sm = c.add(true, now)
	}
	sm.msg.Text = text
	sm.msg.Edited = true
	sm.editDate = now
	m := models.Message{ID: sm.msg.ID, From: &from, Date: sm.date, EditDate: now, Chat: c.info,
		Text: text, Entities: commandEntities(text)}
	return s.pushLocked(models.Update{EditedMessage: &m})
}

// PushCallback presses an inline button: a callback_query with data on the
// bot's message msg, which Telegram includes as it now is (as an inaccessible
// message once deleted). The query gets a random id for answerCallbackQuery.
func (s *Server) PushCallback(from models.User, msg Message, data string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	cq := &models.CallbackQuery{
		ID:           newCallbackID(),
		From:         from,
		ChatInstance: strconv.FormatInt(msg.ChatID, 10),
		Data:         data,
	}
	c := s.chatLocked(models.Chat{ID: msg.ChatID})
	switch sm := c.find(msg.ID); {
	case sm != nil && sm.msg.Deleted:
		cq.Message = models.MaybeInaccessibleMessage{
			Type:                models.MaybeInaccessibleMessageTypeInaccessibleMessage,
			InaccessibleMessage: &models.InaccessibleMessage{Chat: c.info, MessageID: msg.ID},
		}
	case sm != nil && !sm.fromUser:
		cq.Message = models.MaybeInaccessibleMessage{Message: s.wireLocked(c, sm)}
	default: // a message the test made up: show it as given
		m := &storedMessage{msg: msg, date: int(time.Now().Unix())}
		if !msg.Reply {
			m.inline = inlineFromButtons(msg.Buttons)
		}
		cq.Message = models.MaybeInaccessibleMessage{Message: s.wireLocked(c, m)}
	}
	return s.pushLocked(models.Update{CallbackQuery: cq})
}

// pushMessage queues a message from a user; fill sets its content once its id,
// date and chat are known.
func (s *Server) pushMessage(chat models.Chat, from models.User, fill func(*models.Message)) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.allowedLocked("message") {
		return 0 // not even in the chat: the bot would never hear of it
	}
	c := s.chatLocked(chat)
	now := int(time.Now().Unix())
	sm := c.add(true, now)
	m := models.Message{ID: sm.msg.ID, From: &from, Date: now, Chat: c.info}
	fill(&m)
	sm.msg.Text = m.Text
	src := m
	sm.src = &src
	return s.pushLocked(models.Update{Message: &m})
}

// privateChat is a user's private chat with the bot.
func privateChat(u models.User) models.Chat {
	return models.Chat{ID: u.ID, Type: models.ChatTypePrivate, FirstName: u.FirstName,
		LastName: u.LastName, Username: u.Username}
}

// newCallbackID makes a callback query id shaped like Telegram's.
func newCallbackID() string {
	return strconv.FormatUint(rand.Uint64()>>1, 10)
}

// commandEntities marks every /command in text — a '/' at the start or after a
// character that is not part of a word, then ASCII letters, digits or '_',
// optionally "@botname" — with offsets and lengths in UTF-16 code units, as
// Telegram does.
func commandEntities(text string) []models.MessageEntity {
	var out []models.MessageEntity
	var off int // UTF-16 offset of text[i]
	prev := ' ' // the rune before text[i]
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == '/' && !isWordRune(prev) {
			if n := commandLen(text[i:]); n > 0 {
				out = append(out, models.MessageEntity{Type: models.MessageEntityTypeBotCommand, Offset: off, Length: n})
				i += n
				off += n // a command is ASCII: one code unit per byte
				prev = 'x'
				continue
			}
		}
		if r == utf8.RuneError && size == 1 {
			off++
		} else {
			off += utf16.RuneLen(r)
		}
		prev = r
		i += size
	}
	return out
}

// commandLen is the byte length of the /command (with @botname) starting s,
// or 0 when s does not start with one.
func commandLen(s string) int {
	word := func(from int) int {
		j := from
		for j < len(s) && j-from < 64 && isCommandByte(s[j]) {
			j++
		}
		return j
	}
	end := word(1)
	if end == 1 {
		return 0
	}
	if end < len(s) && s[end] == '@' {
		if e := word(end + 1); e > end+1 {
			end = e
		}
	}
	if end < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[end:]); unicode.IsLetter(r) || unicode.IsDigit(r) {
			return 0 // "/bắt": a word, not a command
		}
	}
	return end
}

// isWordRune reports whether r continues a word, so that a '/' after it does
// not start a command ("and/or", "http://").
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '/'
}

// isCommandByte reports whether b may appear in a bot command or bot username.
func isCommandByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// PushMemberStatus queues the my_chat_member update Telegram sends when a user blocks the bot (status
// "kicked") or unblocks or starts it ("member") in their private chat.
func (s *Server) PushMemberStatus(from models.User, status models.ChatMemberType) int64 {
	s.mu.Lock()
	me := s.me
	s.mu.Unlock()
	old, cur := models.ChatMember{Type: models.ChatMemberTypeMember, Member: &models.ChatMemberMember{User: &me}},
		models.ChatMember{Type: models.ChatMemberTypeBanned, Banned: &models.ChatMemberBanned{User: &me}}
	if status == models.ChatMemberTypeMember {
		old, cur = cur, old
	}
	return s.PushUpdate(models.Update{MyChatMember: &models.ChatMemberUpdated{
		Chat: models.Chat{ID: from.ID, Type: models.ChatTypePrivate, FirstName: from.FirstName},
		From: from, Date: int(time.Now().Unix()), OldChatMember: old, NewChatMember: cur,
	}})
}
