package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"
)

// Telegram's limits, in UTF-16 code units of the text as shown.
const (
	maxTextLen    = 4096
	maxCaptionLen = 1024
)

// Button is one button of a message's keyboard as the user sees it: Data is
// an inline button's callback_data, URL its link; RequestContact marks a
// reply keyboard button that shares the user's phone number.
type Button struct {
	Text           string
	Data           string
	URL            string
	RequestContact bool
}

// Message is one message the bot sent, as it is now: edits applied, a deleted
// message kept with Deleted set so a test can tell "deleted" from "never sent".
type Message struct {
	ID     int
	ChatID int64
	// Text is the text as the bot sent it, markup included (parse mode
	// ParseMode); a photo's caption; empty for a document.
	Text      string
	ParseMode string
	// Entities are the text's (or a photo's or document's caption's)
	// formatting as the bot sent it (entities, caption_entities).
	Entities []models.MessageEntity
	// Photo is the file_id of a photo the bot sent (sendPhoto).
	Photo string
	// Buttons is the inline keyboard, or the reply keyboard when Reply is set.
	Buttons [][]Button
	Reply   bool
	// RemoveKeyboard is set when the message removed the reply keyboard.
	RemoveKeyboard bool
	// Document is set for sendDocument and for a copied document.
	Document *Document
	// Media is the kind of a copied media message without a Document ("photo", "voice", "video",
	// "sticker", "audio"), FileID its file (the largest size of a photo) and Caption its caption.
	Media   string
	FileID  string
	Caption string
	// ReplyTo is the id of the message this one replies to (reply_parameters), 0 for none.
	ReplyTo int
	// ForceReply is set when the message asks the client to reply to it (ForceReply markup), with
	// Placeholder the input field's hint.
	ForceReply  bool
	Placeholder string
	// CopyOf is "<chat>:<message>" of the message copyMessage copied, "" for a message sent anew.
	CopyOf string
	// Paid is set when the message was sent with allow_paid_broadcast.
	Paid    bool
	Edited  bool
	Deleted bool
}

// Document is a file the bot sent with sendDocument. A file sent again by
// file_id carries the name and bytes of the original upload.
type Document struct {
	Name    string
	Data    []byte
	Caption string
	// FileID is the file_id the fake gave the upload, for sending it again.
	FileID string
}

// clone copies m deeply, so callers cannot change the server's state.
func (m Message) clone() Message {
	m.Buttons = cloneButtons(m.Buttons)
	m.Entities = slices.Clone(m.Entities)
	if m.Document != nil {
		d := *m.Document
		d.Data = bytes.Clone(d.Data)
		m.Document = &d
	}
	return m
}

// cloneButtons copies a keyboard.
func cloneButtons(rows [][]Button) [][]Button {
	if rows == nil {
		return nil
	}
	out := make([][]Button, len(rows))
	for i, r := range rows {
		out[i] = slices.Clone(r)
	}
	return out
}

// chat is a conversation: the users' and the bot's messages share one id
// sequence, as in Telegram.
type chat struct {
	info   models.Chat
	lastID int
	msgs   []*storedMessage // in id order
}

// storedMessage is a message in a chat.
type storedMessage struct {
	msg      Message
	fromUser bool
	date     int
	editDate int
	// inline is the current inline keyboard (shared, never changed in place:
	// an edit replaces it) and inlineKey its canonical JSON, to tell whether
	// an edit changes anything.
	inline    *models.InlineKeyboardMarkup
	inlineKey string
	doc       *models.Document
	// src is a user's message as it was pushed (what copyMessage copies), or the media of a bot's copy;
	// nil for the bot's own texts and documents.
	src *models.Message
}

// add appends a new message with the next id.
func (c *chat) add(fromUser bool, date int) *storedMessage {
	c.lastID++
	sm := &storedMessage{msg: Message{ID: c.lastID, ChatID: c.info.ID}, fromUser: fromUser, date: date}
	c.msgs = append(c.msgs, sm)
	return sm
}

// find returns message id, nil if there is none.
func (c *chat) find(id int) *storedMessage {
	i, ok := slices.BinarySearchFunc(c.msgs, id, func(sm *storedMessage, id int) int { return sm.msg.ID - id })
	if !ok {
		return nil
	}
	return c.msgs[i]
}

// chatLocked returns the chat info.ID, creating it if needed; a chat
// introduced with a type updates what the fake knows of it. A chat first seen
// from the bot's side is private when its id is positive, a group otherwise.
// s.mu must be held.
func (s *Server) chatLocked(info models.Chat) *chat {
	c, ok := s.chats[info.ID]
	if ok {
		if info.Type != "" {
			c.info = info
		}
		return c
	}
	if info.Type == "" {
		switch {
		case info.ID > 0:
			info.Type = models.ChatTypePrivate
		case info.ID <= -1_000_000_000_000:
			info.Type = models.ChatTypeSupergroup
		default:
			info.Type = models.ChatTypeGroup
		}
	}
	c = &chat{info: info}
	s.chats[info.ID] = c
	return c
}

// wireLocked is the Bot API Message for a bot message. s.mu must be held.
func (s *Server) wireLocked(c *chat, sm *storedMessage) *models.Message {
	me := s.me
	m := &models.Message{
		ID:          sm.msg.ID,
		From:        &me,
		Date:        sm.date,
		EditDate:    sm.editDate,
		Chat:        c.info,
		Text:        sm.msg.Text,
		ReplyMarkup: sm.inline,
		Document:    sm.doc,
	}
	if sm.msg.Document != nil {
		m.Caption = sm.msg.Document.Caption
	}
	if sm.msg.Photo != "" {
		m.Text, m.Caption = "", sm.msg.Text
		m.Photo = []models.PhotoSize{{FileID: sm.msg.Photo, FileUniqueID: "u" + sm.msg.Photo, Width: 800, Height: 800}}
	}
	if src := sm.src; src != nil { // a copied photo, voice …: its media, as a client would see it
		m.Photo, m.Voice, m.Video, m.Sticker, m.Audio = src.Photo, src.Voice, src.Video, src.Sticker, src.Audio
		m.Caption = sm.msg.Caption
	}
	if sm.msg.ReplyTo != 0 {
		if to := c.find(sm.msg.ReplyTo); to != nil && !to.msg.Deleted && !to.fromUser {
			shown := to.msg
			shown.ReplyTo = 0 // Telegram includes one level of replies
			m.ReplyToMessage = s.wireLocked(c, &storedMessage{msg: shown, date: to.date, inline: to.inline, doc: to.doc, src: to.src})
		}
	}
	return m
}

// changedMessageLocked reports a new or changed bot message to Wait and to
// onSend. s.mu must be held.
func (s *Server) changedMessageLocked(sm *storedMessage) {
	if s.onSend != nil {
		s.outbox = append(s.outbox, sm.msg.clone())
	}
	s.changedLocked()
}

// Messages returns the bot's messages in chatID in the order they were sent,
// edits applied, deleted ones marked. The result is a copy.
func (s *Server) Messages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chats[chatID]
	if !ok {
		return nil
	}
	var out []Message
	for _, sm := range c.msgs {
		if !sm.fromUser {
			out = append(out, sm.msg.clone())
		}
	}
	return out
}

// WaitMessages waits until the bot has sent at least n messages to chatID and
// returns them all. On timeout the error lists the messages the chat has and
// the bot's failed calls for it, which is usually the reason.
func (s *Server) WaitMessages(chatID int64, n int, timeout time.Duration) ([]Message, error) {
	var got []Message
	if s.Wait(func() bool {
		got = s.Messages(chatID)
		return len(got) >= n
	}, timeout) {
		return got, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "telegramtest: chat %d: %d message(s) after %v, want %d", chatID, len(got), timeout, n)
	for _, m := range got {
		b.WriteString("\n  ")
		b.WriteString(describe(m))
	}
	id := strconv.FormatInt(chatID, 10)
	for _, c := range s.Calls("") {
		if c.Code != http.StatusOK && strings.TrimSpace(c.Params["chat_id"]) == id {
			fmt.Fprintf(&b, "\n  failed call: %s %d %q", c.Method, c.Code, c.Description)
		}
	}
	return got, errors.New(b.String())
}

// describe renders a message for failure messages.
func describe(m Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d", m.ID)
	if m.Document != nil {
		fmt.Fprintf(&b, " document %q (%d bytes) caption %q", m.Document.Name, len(m.Document.Data), m.Document.Caption)
	} else if m.Photo != "" {
		fmt.Fprintf(&b, " photo %q caption %q", m.Photo, m.Text)
	} else {
		fmt.Fprintf(&b, " %q", m.Text)
	}
	for _, row := range m.Buttons {
		b.WriteString(" [")
		for i, btn := range row {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(btn.Text)
			if btn.Data != "" {
				b.WriteString(" → " + btn.Data)
			}
			if btn.URL != "" {
				b.WriteString(" → " + btn.URL)
			}
		}
		b.WriteString("]")
	}
	for _, flag := range []struct {
		on   bool
		name string
	}{{m.Reply, "reply keyboard"}, {m.RemoveKeyboard, "removes keyboard"}, {m.Edited, "edited"}, {m.Deleted, "deleted"}} {
		if flag.on {
			b.WriteString(" (" + flag.name + ")")
		}
	}
	return b.String()
}

// textLen is the length Telegram limits: UTF-16 code units.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// checkMessageText validates a message text in parse mode mode.
func checkMessageText(text, mode string) *apiError {
	shown, e := visibleText(text, mode)
	if e != nil {
		return e
	}
	shown = strings.TrimSpace(shown)
	if shown == "" {
		return badRequest("message text is empty")
	}
	if textLen(shown) > maxTextLen {
		return badRequest("message is too long")
	}
	return nil
}

// sendMessage records a text message.
func (s *Server) sendMessage(req *request) (json.RawMessage, *apiError) {
	chatID, e := req.chatID()
	if e != nil {
		return nil, e
	}
	text, mode := req.str("text"), req.str("parse_mode")
	if e := checkMessageText(text, mode); e != nil {
		return nil, e
	}
	ents, e := req.entities("entities")
	if e != nil {
		return nil, e
	}
	kb, e := parseMarkup(req.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(models.Chat{ID: chatID})
	replyTo, e := replyToLocked(req, c)
	if e != nil {
		return nil, e
	}
	sm := c.add(false, int(time.Now().Unix()))
	sm.msg.Text, sm.msg.ParseMode, sm.msg.ReplyTo = text, mode, replyTo
	sm.msg.Entities, sm.msg.Paid = ents, req.str("allow_paid_broadcast") == "true"
	kb.apply(sm)
	s.changedMessageLocked(sm)
	return mustJSON(s.wireLocked(c, sm)), nil
}

// editTargetLocked finds the bot message an edit is about. s.mu must be held.
func (s *Server) editTargetLocked(chatID int64, msgID int) (*chat, *storedMessage, *apiError) {
	c, ok := s.chats[chatID]
	if !ok {
		return nil, nil, badRequest("message to edit not found")
	}
	sm := c.find(msgID)
	switch {
	case sm == nil || sm.msg.Deleted:
		return nil, nil, badRequest("message to edit not found")
	case sm.fromUser:
		return nil, nil, badRequest("message can't be edited")
	}
	return c, sm, nil
}

// notModified is Telegram's answer to an edit that changes nothing.
func notModified() *apiError {
	return badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
}

// editMessageText replaces a message's text and inline keyboard. Like
// Telegram, an edit without reply_markup removes the inline keyboard.
func (s *Server) editMessageText(req *request) (json.RawMessage, *apiError) {
	if req.has("inline_message_id") && !req.has("chat_id") {
		return nil, badRequest("MESSAGE_ID_INVALID")
	}
	chatID, e := req.chatID()
	if e != nil {
		return nil, e
	}
	msgID, e := req.messageID()
	if e != nil {
		return nil, e
	}
	text, mode := req.str("text"), req.str("parse_mode")
	if e := checkMessageText(text, mode); e != nil {
		return nil, e
	}
	kb, e := parseInlineOnly(req.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, sm, e := s.editTargetLocked(chatID, msgID)
	if e != nil {
		return nil, e
	}
	if sm.msg.Document != nil {
		return nil, badRequest("there is no text in the message to edit")
	}
	if sm.msg.Text == text && sm.msg.ParseMode == mode && sm.inlineKey == kb.inlineKey {
		return nil, notModified()
	}
	sm.msg.Text, sm.msg.ParseMode = text, mode
	kb.applyEdit(sm)
	sm.msg.Edited = true
	sm.editDate = int(time.Now().Unix())
	s.changedMessageLocked(sm)
	return mustJSON(s.wireLocked(c, sm)), nil
}

// editMessageReplyMarkup replaces a message's inline keyboard; no reply_markup
// removes it.
func (s *Server) editMessageReplyMarkup(req *request) (json.RawMessage, *apiError) {
	if req.has("inline_message_id") && !req.has("chat_id") {
		return nil, badRequest("MESSAGE_ID_INVALID")
	}
	chatID, e := req.chatID()
	if e != nil {
		return nil, e
	}
	msgID, e := req.messageID()
	if e != nil {
		return nil, e
	}
	kb, e := parseInlineOnly(req.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, sm, e := s.editTargetLocked(chatID, msgID)
	if e != nil {
		return nil, e
	}
	if sm.inlineKey == kb.inlineKey {
		return nil, notModified()
	}
	kb.applyEdit(sm)
	sm.msg.Edited = true
	sm.editDate = int(time.Now().Unix())
	s.changedMessageLocked(sm)
	return mustJSON(s.wireLocked(c, sm)), nil
}

// deleteMessage marks a message deleted; a bot message stays in Messages
// with Deleted set.
func (s *Server) deleteMessage(req *request) (json.RawMessage, *apiError) {
	chatID, e := req.chatID()
	if e != nil {
		return nil, e
	}
	msgID, e := req.messageID()
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chats[chatID]
	if !ok {
		return nil, badRequest("message to delete not found")
	}
	sm := c.find(msgID)
	if sm == nil || sm.msg.Deleted {
		return nil, badRequest("message to delete not found")
	}
	sm.msg.Deleted = true
	if sm.fromUser {
		s.changedLocked()
	} else {
		s.changedMessageLocked(sm)
	}
	return json.RawMessage(resultTrue), nil
}

// caption reads a file's caption with its parse mode and entities, checked as Telegram does.
func (req *request) caption() (caption, mode string, ents []models.MessageEntity, e *apiError) {
	caption, mode = req.str("caption"), req.str("parse_mode")
	shown, e := visibleText(caption, mode)
	if e != nil {
		return "", "", nil, e
	}
	if textLen(strings.TrimSpace(shown)) > maxCaptionLen {
		return "", "", nil, badRequest("message caption is too long")
	}
	ents, e = req.entities("caption_entities")
	return caption, mode, ents, e
}

// sendDocument records a file: an uploaded part (its name and bytes), a
// file_id the fake gave out before, or an HTTP URL.
func (s *Server) sendDocument(req *request) (json.RawMessage, *apiError) {
	chatID, e := req.chatID()
	if e != nil {
		return nil, e
	}
	caption, mode, ents, e := req.caption()
	if e != nil {
		return nil, e
	}
	kb, e := parseMarkup(req.str("reply_markup"))
	if e != nil {
		return nil, e
	}

	var doc Document
	upload := true
	f, ok := req.files["document"]
	if ref, isAttach := strings.CutPrefix(req.str("document"), "attach://"); isAttach {
		f, ok = req.files[ref]
	}
	switch {
	case ok:
		if len(f.data) == 0 {
			return nil, badRequest("file must be non-empty")
		}
		doc = Document{Name: f.name, Data: f.data}
	case !req.has("document"):
		return nil, badRequest("there is no document in the request")
	default:
		ref := strings.TrimSpace(req.str("document"))
		if u, err := url.Parse(ref); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			doc = Document{Name: path.Base(u.Path)}
			break
		}
		s.mu.Lock()
		known, found := s.files[ref]
		s.mu.Unlock()
		if !found {
			return nil, badRequest("wrong file identifier/HTTP URL specified")
		}
		doc, upload = known, false
	}
	doc.Caption = caption

	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(models.Chat{ID: chatID})
	replyTo, e := replyToLocked(req, c)
	if e != nil {
		return nil, e
	}
	sm := c.add(false, int(time.Now().Unix()))
	sm.msg.ReplyTo = replyTo
	if upload {
		doc.FileID = fmt.Sprintf("doc-%d-%d", chatID, sm.msg.ID)
		s.files[doc.FileID] = Document{Name: doc.Name, Data: doc.Data, FileID: doc.FileID}
	}
	mimeType := mime.TypeByExtension(path.Ext(doc.Name))
	if mimeType == "" {
		mimeType = "application/octet-stream"
	}
	sm.msg.ParseMode = mode
	sm.msg.Entities = ents
	sm.msg.Document = &doc
	sm.doc = &models.Document{FileID: doc.FileID, FileUniqueID: "u" + doc.FileID, FileName: doc.Name,
		MimeType: mimeType, FileSize: int64(len(doc.Data))}
	kb.apply(sm)
	s.changedMessageLocked(sm)
	return mustJSON(s.wireLocked(c, sm)), nil
}

// sendPhoto records a photo sent by a file_id the fake gave out (a user's
// photo, PushPhoto) with its caption: the bot sends again what staff sent it.
func (s *Server) sendPhoto(req *request) (json.RawMessage, *apiError) {
	chatID, e := req.chatID()
	if e != nil {
		return nil, e
	}
	caption, mode, ents, e := req.caption()
	if e != nil {
		return nil, e
	}
	kb, e := parseMarkup(req.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	ref := strings.TrimSpace(req.str("photo"))
	if ref == "" {
		return nil, badRequest("there is no photo in the request")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.photos[ref] {
		return nil, badRequest("wrong file identifier/HTTP URL specified")
	}
	c := s.chatLocked(models.Chat{ID: chatID})
	sm := c.add(false, int(time.Now().Unix()))
	sm.msg.Text, sm.msg.ParseMode, sm.msg.Entities, sm.msg.Photo = caption, mode, ents, ref
	sm.msg.Paid = req.str("allow_paid_broadcast") == "true"
	kb.apply(sm)
	s.changedMessageLocked(sm)
	return mustJSON(s.wireLocked(c, sm)), nil
}
