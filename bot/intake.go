package bot

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// Intake takes updates from Telegram and stores them in Redis before confirming them, then wakes the
// dispatcher. go-telegram/bot's own poller advances the offset before handlers run and its webhook handler
// answers 200 before processing (and on a bad secret), so neither can promise "no update lost"; this can.
type Intake struct {
	st     *store.Store
	log    *slog.Logger
	notify func(chat int64)
	// handOver gives a worker a chat whose lease was taken with its update (store.Taken), for lease.
	handOver func(chat int64, l *store.ChatLock)
	lease    time.Duration
	apiURL   string
	token    string
	client   *http.Client
	pollWait time.Duration
	secret   string
	running  func(bool)
	// bodyTimeout bounds reading a webhook body after its headers (0: only the server's ReadTimeout).
	bodyTimeout time.Duration
	// backlog says how many updates a chat may have waiting; more are turned away (store.StoreUpdate).
	backlog func(chat int64) int
	// overflow is told about an update turned away; notice says the chat should hear about it now.
	overflow func(ctx context.Context, u *models.Update, notice bool)
	// rejected counts undecodable updates (metrics).
	rejected func()
}

// errUndecodable marks an update that is not JSON or has no update_id; retrying cannot help.
var errUndecodable = errors.New("undecodable update")

// maxUpdateBytes bounds a webhook body. Updates are small JSON documents; files are never inlined.
const maxUpdateBytes = 1 << 20

// chatOf returns the chat an update belongs to, the unit of ordering. Updates without a chat (inline queries
// and the like) are ordered per sender.
func chatOf(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.EditedMessage != nil:
		return u.EditedMessage.Chat.ID
	case u.CallbackQuery != nil:
		if m := u.CallbackQuery.Message.Message; m != nil {
			return m.Chat.ID
		}
		if m := u.CallbackQuery.Message.InaccessibleMessage; m != nil {
			return m.Chat.ID
		}
		return u.CallbackQuery.From.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	case u.ChannelPost != nil:
		return u.ChannelPost.Chat.ID
	case u.InlineQuery != nil:
		return u.InlineQuery.From.ID
	case u.EditedChannelPost != nil:
		return u.EditedChannelPost.Chat.ID
	case u.ChatMember != nil:
		return u.ChatMember.Chat.ID
	case u.ChatJoinRequest != nil:
		return u.ChatJoinRequest.Chat.ID
	case u.ChosenInlineResult != nil:
		return u.ChosenInlineResult.From.ID
	case u.PollAnswer != nil && u.PollAnswer.User != nil:
		return u.PollAnswer.User.ID
	}
	return 0 // the rest share one queue: the bot asks for none of them
}

// incoming is an update read from Telegram, decoded.
type incoming struct {
	u   *models.Update
	raw json.RawMessage
}

// decode reads a raw update. It returns the update's id whenever it can be read, even for an update it
// cannot decode, so that polling can confirm past it.
func decode(raw json.RawMessage) (int64, *models.Update, error) {
	var head struct {
		ID int64 `json:"update_id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.ID <= 0 {
		return 0, nil, fmt.Errorf("%w: no update_id", errUndecodable)
	}
	var u models.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		return head.ID, nil, fmt.Errorf("%w: %v", errUndecodable, err)
	}
	return head.ID, &u, nil
}

// keep stores decoded updates in one round trip, retrying while Redis is down: an update is never
// confirmed before it is kept. It returns an error only when ctx ends first.
func (in *Intake) keep(ctx context.Context, batch []incoming) error {
	if len(batch) == 0 {
		return nil
	}
	items := make([]store.Incoming, len(batch))
	for i, b := range batch {
		chat := chatOf(b.u)
		items[i] = store.Incoming{ID: b.u.ID, Chat: chat, Raw: b.raw, Backlog: in.backlog(chat), Lease: in.lease}
	}
	backoff := 100 * time.Millisecond
	for {
		res, err := in.st.StoreUpdates(ctx, items)
		if err == nil {
			for i, r := range res {
				switch r.Stored {
				case store.Taken:
					in.handOver(items[i].Chat, r.Lock)
				case store.Queued:
					in.notify(items[i].Chat)
				case store.Overflow, store.OverflowNotice:
					in.overflow(ctx, batch[i].u, r.Stored == store.OverflowNotice)
				}
			}
			return nil
		}
		in.log.Warn("cannot store updates, Redis unavailable; retrying", "count", len(items), "first_update_id", items[0].ID, "retry_in", backoff, "err", err)
		if err := outbox.Sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// reject keeps an undecodable update aside (store.RejectUpdate) and counts it. It is confirmed to Telegram
// all the same: it would come back forever.
func (in *Intake) reject(ctx context.Context, raw []byte, why error) {
	in.rejected()
	in.log.Error("undecodable update kept aside in Redis ({hn}:intake:rejected) and confirmed", "err", why)
	if err := in.st.RejectUpdate(ctx, raw); err != nil {
		in.log.Warn("keep rejected update", "err", err)
	}
}

// Poll long-polls getUpdates until ctx ends. The offset confirming a batch is sent only after every update
// of the batch is stored (or, undecodable, kept aside). A batch that cannot be confirmed at all — updates
// without a readable update_id, which Telegram never sends — is asked for again only after a backoff, never
// in a tight loop.
func (in *Intake) Poll(ctx context.Context) error {
	var offset int64
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		if backoff > 0 {
			in.running(false)
			if err := outbox.Sleep(ctx, backoff); err != nil {
				break
			}
		}
		updates, err := in.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			backoff = min(max(backoff*2, 250*time.Millisecond), 10*time.Second)
			in.log.Warn("getUpdates failed", "retry_in", backoff, "err", err)
			continue
		}
		backoff = 0
		in.running(true)
		before := offset
		var batch []incoming
		for _, raw := range updates {
			id, u, err := decode(raw)
			if err != nil {
				in.reject(ctx, raw, err)
			} else {
				batch = append(batch, incoming{u: u, raw: raw})
			}
			if id >= offset {
				offset = id + 1
			}
		}
		if in.keep(ctx, batch) != nil {
			break // not stored and not confirmed: Telegram delivers them again after the restart
		}
		if len(updates) > 0 && offset == before {
			backoff = 10 * time.Second
		}
	}
	in.running(false)
	return nil
}

// getUpdates calls the Bot API directly (the library keeps its poller's method private). Errors never
// carry the URL, which contains the token.
func (in *Intake) getUpdates(ctx context.Context, offset int64) ([]json.RawMessage, error) {
	body, _ := json.Marshal(map[string]any{"offset": offset, "timeout": int(in.pollWait.Seconds()), "limit": 100})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.apiURL+"/bot"+in.token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("build getUpdates request")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := in.client.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap() // drop *url.Error's URL (and with it the token)
		}
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		Description string            `json:"description"`
		ErrorCode   int               `json:"error_code"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&r); err != nil {
		return nil, fmt.Errorf("getUpdates: decode: %w", err)
	}
	if !r.OK {
		return nil, fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	return r.Result, nil
}

// webhookStoreTimeout bounds how long a webhook request waits for Redis to keep its update; after it,
// Telegram is told 503 and delivers the update again later.
const webhookStoreTimeout = 10 * time.Second

// ServeHTTP is the webhook endpoint. It checks the secret in constant time before reading anything of the
// body (401 when wrong or missing, and the connection is closed), reads the body within bodyTimeout and
// maxUpdateBytes, stores the update and only then answers 200. When Redis is down it answers 503 so that
// Telegram delivers the update again later.
func (in *Intake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		refuse(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if subtle.ConstantTimeCompare([]byte(got), []byte(in.secret)) != 1 {
		refuse(w, http.StatusUnauthorized, "unauthorized")
		return
	}
	if r.ContentLength > maxUpdateBytes {
		refuse(w, http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	if in.bodyTimeout > 0 {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(in.bodyTimeout))
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUpdateBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		refuse(w, http.StatusBadRequest, "incomplete body")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), webhookStoreTimeout)
	defer cancel()
	_, u, err := decode(raw)
	if err != nil {
		// Telegram would re-send a broken update forever: it is kept aside and confirmed.
		in.reject(ctx, raw, err)
		w.WriteHeader(http.StatusOK)
		return
	}
	if err := in.keep(ctx, []incoming{{u: u, raw: raw}}); err != nil {
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}
