package telegramtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// replyToLocked reads the message a call replies to: reply_parameters (what go-telegram/bot sends) or the
// older reply_to_message_id. Like Telegram, a reply to a message the chat does not have fails unless
// allow_sending_without_reply is set, and then is sent as a plain message. s.mu must be held.
func replyToLocked(req *request, c *chat) (int, *apiError) {
	var p struct {
		MessageID                int  `json:"message_id"`
		AllowSendingWithoutReply bool `json:"allow_sending_without_reply"`
	}
	switch {
	case req.has("reply_parameters"):
		if err := json.Unmarshal([]byte(req.str("reply_parameters")), &p); err != nil {
			return 0, badRequest("can't parse reply parameters JSON object")
		}
	case req.has("reply_to_message_id"):
		id, err := strconv.Atoi(strings.TrimSpace(req.str("reply_to_message_id")))
		if err != nil {
			return 0, badRequest("invalid reply_to_message_id specified")
		}
		p.MessageID, p.AllowSendingWithoutReply = id, req.boolean("allow_sending_without_reply")
	default:
		return 0, nil
	}
	if p.MessageID == 0 {
		return 0, nil
	}
	if to := c.find(p.MessageID); to == nil || to.msg.Deleted {
		if p.AllowSendingWithoutReply {
			return 0, nil
		}
		return 0, badRequest("message to be replied not found")
	}
	return p.MessageID, nil
}

// copyMessage sends a copy of a message without a link to the original, as Telegram does: the text of a
// text message, or the same photo, document, voice, video, sticker or audio with its caption (a caption
// parameter replaces it). The source may be a message a user sent (pushed as an update) or one the bot
// sent. It answers with the new message's id only ({"message_id": n}), like Telegram.
func (s *Server) copyMessage(req *request) (json.RawMessage, *apiError) {
	chatID, e := req.chatID()
	if e != nil {
		return nil, e
	}
	if !req.has("from_chat_id") {
		return nil, badRequest("from_chat_id is empty")
	}
	from, err := strconv.ParseInt(strings.TrimSpace(req.str("from_chat_id")), 10, 64)
	if err != nil || from == 0 {
		return nil, badRequest("chat not found")
	}
	msgID, e := req.messageID()
	if e != nil {
		return nil, e
	}
	kb, e := parseMarkup(req.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fc, ok := s.chats[from]
	if !ok {
		return nil, badRequest("chat not found")
	}
	src := fc.find(msgID)
	if src == nil || src.msg.Deleted {
		return nil, badRequest("message to copy not found")
	}
	c := s.chatLocked(models.Chat{ID: chatID})
	replyTo, e := replyToLocked(req, c)
	if e != nil {
		return nil, e
	}
	copied := Message{Text: src.msg.Text, ParseMode: src.msg.ParseMode, ReplyTo: replyTo,
		CopyOf: fmt.Sprintf("%d:%d", from, msgID)}
	var media *models.Message
	caption := ""
	switch m := src.src; {
	case src.msg.Document != nil:
		d := *src.msg.Document
		copied.Document, caption = &d, d.Caption
	case m != nil && m.Document != nil:
		d := s.files[m.Document.FileID]
		d.Caption, d.FileID = m.Caption, m.Document.FileID
		copied.Document, caption = &d, m.Caption
	case m != nil && (len(m.Photo) > 0 || m.Voice != nil || m.Video != nil || m.Sticker != nil || m.Audio != nil):
		media = &models.Message{Photo: m.Photo, Voice: m.Voice, Video: m.Video, Sticker: m.Sticker, Audio: m.Audio}
		caption = m.Caption
		switch {
		case len(m.Photo) > 0:
			copied.Media, copied.FileID = "photo", m.Photo[len(m.Photo)-1].FileID
		case m.Voice != nil:
			copied.Media, copied.FileID = "voice", m.Voice.FileID
		case m.Video != nil:
			copied.Media, copied.FileID = "video", m.Video.FileID
		case m.Sticker != nil:
			copied.Media, copied.FileID = "sticker", m.Sticker.FileID
		default:
			copied.Media, copied.FileID = "audio", m.Audio.FileID
		}
	case m != nil && m.Text == "":
		return nil, badRequest("the message can't be copied")
	}
	if req.has("caption") {
		caption = req.str("caption")
	}
	if copied.Document != nil || media != nil {
		copied.Text = ""
		if textLen(strings.TrimSpace(caption)) > maxCaptionLen {
			return nil, badRequest("message caption is too long")
		}
		if copied.Document != nil {
			copied.Document.Caption = caption
		} else {
			copied.Caption = caption
		}
	}
	sm := c.add(false, int(time.Now().Unix()))
	id := sm.msg.ID
	sm.msg = copied
	sm.msg.ID, sm.msg.ChatID = id, chatID
	sm.src = media
	if d := copied.Document; d != nil {
		sm.doc = &models.Document{FileID: d.FileID, FileUniqueID: "u" + d.FileID, FileName: d.Name, FileSize: int64(len(d.Data))}
	}
	kb.apply(sm)
	s.changedMessageLocked(sm)
	return mustJSON(models.MessageID{ID: id}), nil
}

// PushDocument sends a file from a user in their private chat, with an optional caption. The file can be
// sent on by the bot (copyMessage) with its name and bytes.
func (s *Server) PushDocument(from models.User, name string, data []byte, caption string) int64 {
	return s.pushMessage(privateChat(from), from, s.documentFill(name, data, caption))
}

// documentFill fills a message with an uploaded file and registers it. Called with s.mu held (pushMessage).
func (s *Server) documentFill(name string, data []byte, caption string) func(*models.Message) {
	return func(m *models.Message) {
		id := fmt.Sprintf("udoc-%d-%d", m.Chat.ID, m.ID)
		s.files[id] = Document{Name: name, Data: append([]byte(nil), data...), FileID: id}
		m.Document = &models.Document{FileID: id, FileUniqueID: "u" + id, FileName: name, FileSize: int64(len(data))}
		m.Caption = caption
		m.CaptionEntities = commandEntities(caption)
	}
}

// PushGroupReply sends text from a user in a group as a reply to the bot's message to, which Telegram
// includes (reply_to_message) as it now is. A bot in privacy mode receives such replies.
func (s *Server) PushGroupReply(from models.User, chat models.Chat, to Message, text string) int64 {
	return s.pushReply(from, chat, to, func(m *models.Message) {
		m.Text = text
		m.Entities = commandEntities(text)
	})
}

// PushGroupReplyDocument sends a file from a user in a group as a reply to the bot's message to.
func (s *Server) PushGroupReplyDocument(from models.User, chat models.Chat, to Message, name string, data []byte, caption string) int64 {
	return s.pushReply(from, chat, to, s.documentFill(name, data, caption))
}

// pushReply queues a group message replying to the bot's message to.
func (s *Server) pushReply(from models.User, chat models.Chat, to Message, fill func(*models.Message)) int64 {
	if chat.Type == "" {
		chat.Type = models.ChatTypeSupergroup
	}
	return s.pushMessage(chat, from, func(m *models.Message) {
		fill(m)
		c := s.chats[chat.ID]
		if sm := c.find(to.ID); sm != nil && !sm.msg.Deleted && !sm.fromUser {
			m.ReplyToMessage = s.wireLocked(c, sm)
		}
	})
}
