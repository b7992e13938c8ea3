package bot

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzDecode feeds intake's decoder what a webhook body or a getUpdates result may hold: it never panics,
// an update it decodes has its id and a chat (chatOf) and a kind (updateKind) that do not panic either, and
// whenever the update_id can be read it is returned, even for an update that cannot be decoded, so that
// polling confirms past it instead of asking for it forever.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"N"},"text":"/help"}}`,
		`{"update_id":2,"callback_query":{"id":"q","from":{"id":5,"first_name":"N"},"chat_instance":"c","data":"form:c:x"}}`,
		`{"update_id":3,"callback_query":{"id":"q","from":{"id":5,"first_name":"N"},"message":{"message_id":4,"date":0,"chat":{"id":-1,"type":"group"}},"data":"x"}}`,
		`{"update_id":4,"edited_channel_post":{"message_id":1,"date":1,"chat":{"id":-100,"type":"channel"},"text":"\u0000\ud800"}}`,
		`{"update_id":5,"my_chat_member":{"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"N"},"date":1,"old_chat_member":{"status":"member","user":{"id":1,"first_name":"b"}},"new_chat_member":{"status":"kicked","user":{"id":1,"first_name":"b"},"until_date":0}}}`,
		`{"update_id":6,"inline_query":{"id":"i","from":{"id":5,"first_name":"N"},"query":"q","offset":""}}`,
		`{"update_id":7,"message":{"message_id":"not a number"}}`,
		`{"update_id":8,"message":{"chat":{"id":1e400}}}`,
		`{"update_id":-1}`, `{"update_id":0}`, `{}`, `[]`, `null`, `"x"`, `{"update_id":9`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		id, u, err := decode(json.RawMessage(raw))
		var head struct {
			ID int64 `json:"update_id"`
		}
		headOK := json.Unmarshal(raw, &head) == nil && head.ID > 0
		if headOK && id != head.ID {
			t.Fatalf("update_id %d readable, decode returned %d (err %v)", head.ID, id, err)
		}
		if err != nil {
			if !errors.Is(err, errUndecodable) {
				t.Fatalf("error %v is not errUndecodable", err)
			}
			if u != nil {
				t.Fatal("an update returned with an error")
			}
			return
		}
		if u == nil || u.ID != id || id <= 0 {
			t.Fatalf("decoded update %+v with id %d", u, id)
		}
		_ = chatOf(u)
		_ = updateKind(u)
	})
}
