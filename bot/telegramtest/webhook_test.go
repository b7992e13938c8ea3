package telegramtest_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// receiver is a bot's webhook endpoint that records what it got.
type receiver struct {
	srv *httptest.Server

	mu      sync.Mutex
	fail    int // answer 500 to this many more requests
	hits    int
	secrets []string
	got     []models.Update
}

func newReceiver(t *testing.T, fail int) *receiver {
	r := &receiver{fail: fail}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.hits++
		r.secrets = append(r.secrets, req.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		if ct := req.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("webhook Content-Type %q, want application/json", ct)
		}
		if r.fail > 0 {
			r.fail--
			http.Error(w, "not ready", http.StatusInternalServerError)
			return
		}
		var u models.Update
		if err := json.NewDecoder(req.Body).Decode(&u); err != nil {
			t.Errorf("decode webhook update: %v", err)
		}
		r.got = append(r.got, u)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) updates() []models.Update {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]models.Update(nil), r.got...)
}

func TestWebhook_DeliversInOrderWithRetries(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	recv := newReceiver(t, 1)

	first := srv.PushText(alice, "trước webhook") // pending updates go to the webhook too
	if ok, err := b.SetWebhook(ctx(t), &bot.SetWebhookParams{URL: recv.srv.URL, SecretToken: "s3cret-Token_1"}); err != nil || !ok {
		t.Fatalf("SetWebhook: %v %v", ok, err)
	}
	if u, s := srv.Webhook(); u != recv.srv.URL || s != "s3cret-Token_1" {
		t.Errorf("Webhook() = %q, %q", u, s)
	}
	ids := []int64{first, srv.PushText(alice, "hai"), srv.PushText(bob, "ba"), srv.PushText(alice, "bốn")}

	if !srv.Wait(func() bool { return len(recv.updates()) == len(ids) }, 5*time.Second) {
		t.Fatalf("webhook got %d updates, want %d", len(recv.updates()), len(ids))
	}
	for i, u := range recv.updates() {
		if u.ID != ids[i] {
			t.Errorf("delivery %d: update %d, want %d (in order)", i, u.ID, ids[i])
		}
	}
	recv.mu.Lock()
	hits, secrets := recv.hits, recv.secrets
	recv.mu.Unlock()
	if hits != len(ids)+1 {
		t.Errorf("webhook hit %d times, want %d (one retry after the 500)", hits, len(ids)+1)
	}
	for _, s := range secrets {
		if s != "s3cret-Token_1" {
			t.Errorf("secret header %q, want s3cret-Token_1", s)
		}
	}
	if !srv.Wait(func() bool { return srv.Pending() == 0 }, 5*time.Second) {
		t.Errorf("Pending = %d after delivery, want 0", srv.Pending())
	}

	// getUpdates is refused while a webhook is set.
	code, a := mustCallJSON(t, srv, "getUpdates", map[string]any{})
	if code != http.StatusConflict || !strings.HasPrefix(a.Description, "Conflict: can't use getUpdates method while webhook is active") {
		t.Errorf("getUpdates with a webhook: %d %q", code, a.Description)
	}

	info, err := b.GetWebhookInfo(ctx(t))
	if err != nil || info.URL != recv.srv.URL || info.PendingUpdateCount != 0 || !strings.Contains(info.LastErrorMessage, "500") {
		t.Errorf("GetWebhookInfo = %+v %v", info, err)
	}

	if _, err := b.DeleteWebhook(ctx(t), &bot.DeleteWebhookParams{}); err != nil {
		t.Fatal(err)
	}
	if u, _ := srv.Webhook(); u != "" {
		t.Errorf("Webhook() = %q after deleteWebhook", u)
	}
	srv.PushText(alice, "polling again")
	if ups := getUpdates(t, srv, map[string]any{}); len(ups) != 1 || ups[0].Message.Text != "polling again" {
		t.Errorf("getUpdates after deleteWebhook: %+v", ups)
	}
	if n := len(recv.updates()); n != len(ids) {
		t.Errorf("webhook got %d updates after deleteWebhook, want %d", n, len(ids))
	}
}

func TestWebhook_NotConfirmedUntil2xx(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	recv := newReceiver(t, 1_000_000)
	srv.PushText(alice, "a")
	if _, err := b.SetWebhook(ctx(t), &bot.SetWebhookParams{URL: recv.srv.URL}); err != nil {
		t.Fatal(err)
	}
	if !srv.Wait(func() bool {
		recv.mu.Lock()
		defer recv.mu.Unlock()
		return recv.hits >= 3
	}, 5*time.Second) {
		t.Fatal("failed deliveries were not retried")
	}
	if n := srv.Pending(); n != 1 {
		t.Errorf("Pending = %d while the webhook fails, want 1", n)
	}
	recv.mu.Lock()
	secret := recv.secrets[0]
	recv.mu.Unlock()
	if secret != "" {
		t.Errorf("secret header %q without a secret token", secret)
	}
	if _, err := b.DeleteWebhook(ctx(t), &bot.DeleteWebhookParams{DropPendingUpdates: true}); err != nil {
		t.Fatal(err)
	}
	if n := srv.Pending(); n != 0 {
		t.Errorf("Pending = %d after drop_pending_updates, want 0", n)
	}
}

func TestWebhook_Validation(t *testing.T) {
	srv := newServer(t)
	b := newBot(t, srv)
	for _, p := range []bot.SetWebhookParams{
		{URL: "ftp://example.com/hook"},
		{URL: "https://example.com/hook", SecretToken: "có dấu"},
	} {
		if _, err := b.SetWebhook(ctx(t), &p); !errors.Is(err, bot.ErrorBadRequest) {
			t.Errorf("SetWebhook(%+v): got %v, want bad request", p, err)
		}
	}
	if u, _ := srv.Webhook(); u != "" {
		t.Errorf("a refused setWebhook set %q", u)
	}
}
