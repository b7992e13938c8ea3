package handlers

import (
	"testing"

	"github.com/go-telegram/bot/models"
)

func TestMediaVersion(t *testing.T) {
	bold := []models.MessageEntity{{Type: models.MessageEntityTypeBold, Offset: 0, Length: 4}}
	for _, tc := range []struct {
		name      string
		m         models.Message
		photo     string
		document  string
		text      string
		ok        bool
		entityLen int
	}{
		{name: "photo: the largest size, whatever the order", m: models.Message{Caption: "News", CaptionEntities: bold,
			Photo: []models.PhotoSize{{FileID: "m", Width: 800, Height: 800}, {FileID: "s", Width: 90, Height: 90}, {FileID: "l", Width: 1280, Height: 960}}},
			photo: "l", text: "News", ok: true, entityLen: 1},
		{name: "document with caption", m: models.Message{Caption: "Form", Document: &models.Document{FileID: "d1"}}, document: "d1", text: "Form", ok: true},
		{name: "sticker", m: models.Message{Sticker: &models.Sticker{FileID: "st"}}},
		{name: "voice", m: models.Message{Voice: &models.Voice{FileID: "v"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := mediaVersion(&tc.m)
			if ok != tc.ok || v.Photo != tc.photo || v.Document != tc.document || ok && (v.Text != tc.text || len(v.Entities) != tc.entityLen) {
				t.Errorf("got %+v %v, want photo %q document %q text %q ok %v", v, ok, tc.photo, tc.document, tc.text, tc.ok)
			}
		})
	}
}
