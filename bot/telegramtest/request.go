package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"
)

// maxBody is the largest request the fake reads: Telegram's upload limit.
const maxBody = 50 << 20

// request is one decoded Bot API call. Every parameter is text, the way the
// multipart encoding carries it: strings as they are, other values as JSON.
type request struct {
	ctx    context.Context
	params map[string]string
	files  map[string]filePart // multipart file parts by field name
}

// filePart is an uploaded file.
type filePart struct {
	name string
	data []byte
}

// readRequest decodes the parameters of r from its query string and its body,
// which may be multipart/form-data (go-telegram/bot), JSON (our intake) or
// URL-encoded, like the Bot API accepts. It always returns a usable request so
// that even a refused call is recorded with what could be read.
func readRequest(r *http.Request) (*request, *apiError) {
	req := &request{ctx: r.Context(), params: map[string]string{}, files: map[string]filePart{}}
	for k, v := range r.URL.Query() {
		req.params[k] = v[0]
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return req, &apiError{code: http.StatusRequestEntityTooLarge, description: "Request Entity Too Large"}
		}
		return req, badRequest("can't read request body")
	}
	// go-telegram/bot sends an empty multipart body for methods without
	// parameters (getMe, getWebhookInfo).
	if len(bytes.TrimSpace(body)) == 0 {
		return req, nil
	}
	mediaType, mp, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/json":
		return req, req.readJSON(body)
	case "multipart/form-data":
		return req, req.readMultipart(body, mp["boundary"])
	default:
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return req, badRequest("can't parse URL-encoded parameters")
		}
		for k, v := range vals {
			req.params[k] = v[0]
		}
		return req, nil
	}
}

// readJSON reads a JSON object of parameters: strings unquoted, other values
// kept as compact JSON, null as absent.
func (req *request) readJSON(body []byte) *apiError {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return badRequest("can't parse JSON object")
	}
	for k, raw := range obj {
		switch {
		case string(raw) == "null":
		case len(raw) > 0 && raw[0] == '"':
			var str string
			if err := json.Unmarshal(raw, &str); err != nil {
				return badRequest("can't parse JSON object")
			}
			req.params[k] = str
		default:
			var buf bytes.Buffer
			if err := json.Compact(&buf, raw); err != nil {
				return badRequest("can't parse JSON object")
			}
			req.params[k] = buf.String()
		}
	}
	return nil
}

// readMultipart reads form fields as parameters and file parts as files; a file
// part also appears in params under its field with its file name.
func (req *request) readMultipart(body []byte, boundary string) *apiError {
	if boundary == "" {
		return badRequest("can't parse multipart/form-data: no boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return badRequest("can't parse multipart/form-data")
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return badRequest("can't parse multipart/form-data")
		}
		field := part.FormName()
		if field == "" {
			continue
		}
		if name := part.FileName(); name != "" {
			req.files[field] = filePart{name: name, data: data}
			req.params[field] = name
			continue
		}
		req.params[field] = string(data)
	}
}

// str returns a parameter, "" when absent.
func (req *request) str(name string) string { return req.params[name] }

// has reports whether a parameter was sent with a value.
func (req *request) has(name string) bool {
	v, ok := req.params[name]
	return ok && v != "" && v != "null"
}

// boolean reads a flag; Telegram takes true/false and 1/0.
func (req *request) boolean(name string) bool {
	v := strings.ToLower(strings.TrimSpace(req.params[name]))
	return v == "true" || v == "1"
}

// integer reads an optional integer parameter.
func (req *request) integer(name string, def int64) (int64, *apiError) {
	if !req.has(name) {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(req.params[name]), 10, 64)
	if err != nil {
		return 0, badRequest("invalid %s specified", name)
	}
	return n, nil
}

// chatID reads the required chat_id. The fake knows chats by number only; an
// @username is a chat it has never seen.
func (req *request) chatID() (int64, *apiError) {
	if !req.has("chat_id") {
		return 0, badRequest("chat_id is empty")
	}
	id, err := strconv.ParseInt(strings.TrimSpace(req.params["chat_id"]), 10, 64)
	if err != nil || id == 0 {
		return 0, badRequest("chat not found")
	}
	return id, nil
}

// messageID reads the required message_id.
func (req *request) messageID() (int, *apiError) {
	if !req.has("message_id") {
		return 0, badRequest("message identifier is not specified")
	}
	id, err := strconv.Atoi(strings.TrimSpace(req.params["message_id"]))
	switch {
	case err != nil || id < 0:
		return 0, badRequest("invalid message_id specified")
	case id == 0: // what go-telegram/bot sends for an unset MessageID
		return 0, badRequest("message identifier is not specified")
	}
	return id, nil
}

// entities reads a parameter holding message entities (entities,
// caption_entities), nil when absent.
func (req *request) entities(name string) ([]models.MessageEntity, *apiError) {
	raw := req.str(name)
	if raw == "" {
		return nil, nil
	}
	var out []models.MessageEntity
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, badRequest("can't parse %s JSON object", name)
	}
	return out, nil
}
