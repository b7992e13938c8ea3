package telegramtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/telegramtest"
)

// Users the tests play.
var (
	alice = models.User{ID: 1001, FirstName: "Khampheng", LastName: "Vongsa", Username: "khampheng", LanguageCode: "lo"}
	bob   = models.User{ID: 1002, FirstName: "Lan", LanguageCode: "vi"}
)

// newServer starts a fake closed at the end of the test.
func newServer(t *testing.T, opts ...telegramtest.Option) *telegramtest.Server {
	t.Helper()
	srv := telegramtest.New(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// newBot is a go-telegram/bot client of srv, the way the bot uses it.
func newBot(t *testing.T, srv *telegramtest.Server) *bot.Bot {
	t.Helper()
	b, err := bot.New(telegramtest.Token, bot.WithServerURL(srv.URL()), bot.WithSkipGetMe())
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return b
}

// answer is a raw Bot API answer.
type answer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// post makes a raw Bot API call and decodes the answer. It returns errors
// instead of failing the test so goroutines can use it.
func post(ctx context.Context, url, contentType string, body []byte) (int, answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, answer{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, answer{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, answer{}, err
	}
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		return resp.StatusCode, a, fmt.Errorf("decode %s: %w", raw, err)
	}
	return resp.StatusCode, a, nil
}

// methodURL is the URL of a method with the default token.
func methodURL(srv *telegramtest.Server, method string) string {
	return srv.URL() + "/bot" + telegramtest.Token + "/" + method
}

// callJSON calls method with a JSON body, as our intake does.
func callJSON(ctx context.Context, srv *telegramtest.Server, method string, params any) (int, answer, error) {
	body, err := json.Marshal(params)
	if err != nil {
		return 0, answer{}, err
	}
	return post(ctx, methodURL(srv, method), "application/json", body)
}

// mustCallJSON is callJSON for the test goroutine.
func mustCallJSON(t *testing.T, srv *telegramtest.Server, method string, params any) (int, answer) {
	t.Helper()
	code, a, err := callJSON(context.Background(), srv, method, params)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return code, a
}

// getUpdates polls once and decodes the updates.
func getUpdates(t *testing.T, srv *telegramtest.Server, params map[string]any) []models.Update {
	t.Helper()
	code, a := mustCallJSON(t, srv, "getUpdates", params)
	if code != http.StatusOK || !a.OK {
		t.Fatalf("getUpdates: %d %s", code, a.Description)
	}
	var ups []models.Update
	if err := json.Unmarshal(a.Result, &ups); err != nil {
		t.Fatalf("decode updates %s: %v", a.Result, err)
	}
	return ups
}

// ctx is a context bounded so that a hung call fails the test instead of
// hanging it.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

// inline is an inline keyboard.
func inline(rows ...[]models.InlineKeyboardButton) *models.InlineKeyboardMarkup {
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}
