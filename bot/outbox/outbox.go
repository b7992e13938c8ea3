// Package outbox is the one way a message leaves the bot. It paces sends to stay inside Telegram's limits
// (per chat about 1 msg/s with a small burst, 20/min in groups, and a global budget shared by all replicas
// through Redis), keeps replies to users ahead of bulk sends, and applies one error policy: 429 → wait
// retry_after for that chat and pause the bulk lanes; 403 → mark the user unreachable; 5xx and network
// errors → bounded retry with backoff, and a queued message whose tries all failed so is tried again after
// the lease, for up to Config.Rounds rounds (an outage of Telegram lasts minutes, not the seconds of the
// backoff).
//
// Replies are sent synchronously by the handler that makes them (the handler already runs in its chat's
// worker, so a reply never waits behind another chat's traffic). Reminders and broadcasts are queued in Redis
// lanes and sent by Run's workers with what the global budget has left, reminders first.
//
// A queued message may be a reference rather than text: Message.Render names a Renderer (Handle) that
// makes the text when the message is sent, so that a reminder queued days ago speaks the receiver's
// language of today. Every queued message is unique (Enqueue stamps an id), so that two equal texts to one
// chat are two entries in flight, not one.
//
// A message marked Once (a reminder) is sent at most once per Key across restarts and replicas. Moving it
// into a lane and taking it from there are atomic, so a second copy can only come from the reaper, which
// requeues a message whose sender held it past the lease (waiting for budgets) or died. Right before the
// Bot API call the sender claims hn:once:<key> ("sending", for the lease); after the call it writes "sent"
// (for Config.OnceTTL). A sender that finds "sent" drops its copy; one that finds "sending" leaves its copy
// in flight, and the reaper hands it back after the lease, when the key says "sent" (dropped) or has
// expired (its holder died mid-call: sent). One window remains: a sender that dies after Telegram accepted
// the message and before it wrote "sent" leaves an expiring claim, and the message is sent a second time.
// Telegram offers no idempotency key that would close it.
package outbox

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ufo-thanhhoa/huunghi/bot/store"
)

// Lane says how urgent a message is. Replies are sent at once; the queued lanes wait for budget, in the
// order notify, reminder, broadcast.
type Lane string

// The lanes, most urgent first.
const (
	LaneReply Lane = "reply"
	// LaneNotify carries notices to staff chats (a new registration): the user's confirmation must not wait
	// for a staff group's 20 messages a minute.
	LaneNotify    Lane = "notify"
	LaneReminder  Lane = "reminder"
	LaneBroadcast Lane = "broadcast"
)

// bulkLanes in the order the bulk workers serve them.
var bulkLanes = [...]Lane{LaneNotify, LaneReminder, LaneBroadcast}

// Button is an inline keyboard button: Data for a callback (≤ 64 bytes), or URL.
type Button struct {
	Text string `json:"text"`
	Data string `json:"data,omitempty"`
	URL  string `json:"url,omitempty"`
}

// Message is one outgoing message. Text is plain text (no parse mode: user-provided text can never inject
// formatting). Long texts are split; Buttons go with the last part.
type Message struct {
	ChatID  int64      `json:"chat_id"`
	Text    string     `json:"text"`
	Buttons [][]Button `json:"buttons,omitempty"`
	// EditID edits that earlier message of the bot instead of sending a new one.
	EditID int `json:"edit_id,omitempty"`
	// ContactButton, when set, shows a reply keyboard with one "share my phone number" button labelled so.
	ContactButton string `json:"contact_button,omitempty"`
	// RemoveKeyboard hides a reply keyboard shown earlier.
	RemoveKeyboard bool `json:"remove_keyboard,omitempty"`
	// ForceReply, when set, opens a reply to this message in the client, with ForceReply as the input
	// field's placeholder (at most 64 characters): how a bot in a group with privacy mode asks for text,
	// since it sees only commands and replies to its own messages there.
	ForceReply string `json:"force_reply,omitempty"`
	// Document, when set, sends a file with Text as its caption.
	Document *Document `json:"document,omitempty"`
	// Entities format Text (bold, links, ...) as Telegram's message entities: formatting a staff member
	// wrote in their own message, carried over without a parse mode, so no text can inject any.
	Entities []models.MessageEntity `json:"entities,omitempty"`
	// Photo and DocumentID send a file Telegram already has (a file_id of a staff member's message), with
	// Text and Entities as its caption.
	Photo      string `json:"photo,omitempty"`
	DocumentID string `json:"document_id,omitempty"`
	// Copy, when set, sends a copy of an existing message (copyMessage: photos, files and voice kept, no
	// "forwarded from" link) instead of Text, which is then ignored.
	Copy *Copy `json:"copy,omitempty"`
	// ReplyTo is a message of the same chat this one answers (shown as a reply); if that message is gone the
	// message is sent without it.
	ReplyTo int `json:"reply_to,omitempty"`
	// Sent names the hook (OnSent) told the sent message's id once a queued message is delivered: for what
	// must know where a message landed (a staff card, whose replies are mapped back to a user).
	Sent string `json:"sent,omitempty"`
	// Key identifies a bulk message (e.g. "broadcast:17:42") so a reaped duplicate can be recognised in logs,
	// and names a Once message's claim.
	Key string `json:"key,omitempty"`
	// ID makes a queued message unique: the lanes' in-flight entries are keyed by the message's bytes, and
	// two equal messages would be one entry, finished by whichever sender is done first. Enqueue sets it
	// when it is empty; a message queued by other means (the reminder mover) is unique by its Key.
	ID string `json:"id,omitempty"`
	// Render names the Renderer (Handle) that makes the message's content at send time; the queued item
	// then only references what to say (a reminder: its Key, ChatID and About).
	Render string `json:"render,omitempty"`
	// Once sends a bulk message at most once per Key, however often it is requeued (see the package doc).
	// It needs Key; it does nothing for replies.
	Once bool `json:"once,omitempty"`
	// About is the user a queued message is about, when it carries their data (a staff card with their
	// answers or their message) or news only they should get: /forget removes it from the lanes (Forget),
	// and it is not sent once the user's record is gone.
	About int64 `json:"about,omitempty"`
}

// Copy names the message a Message copies.
type Copy struct {
	FromChatID int64 `json:"from_chat_id"`
	MessageID  int   `json:"message_id"`
}

// SentHook is told that a queued message named by its Sent was delivered, with the id Telegram gave it.
// It runs in the bulk sender before the message is finished, so a crash in between repeats the send and
// the hook; hooks must be idempotent. Its errors are its own to log, without personal data.
type SentHook func(ctx context.Context, m Message, id int)

// Document is a file to send.
type Document struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// ErrUnreachable is returned when the user blocked the bot (Telegram 403).
var ErrUnreachable = errors.New("user unreachable")

// errForgotten ends the delivery of a queued message about a user who used /forget while it waited.
var errForgotten = errors.New("the user it is about asked to be forgotten")

// ErrSkip is what a Renderer returns when there is nothing to send any more (the event was cancelled, the
// user turned reminders off): the message is dropped and counted as "skipped".
var ErrSkip = errors.New("outbox: nothing to send")

// Renderer makes a queued message's content when it is sent (Message.Render). It gets the message as
// queued and returns the one to send; the chat, About, Key and Once of the queued message are kept whatever
// it returns. ErrSkip drops the message; any other error (Redis unavailable) leaves it to be tried again
// after the lease. Its errors are logged, so they must not carry personal data.
type Renderer func(ctx context.Context, m Message) (Message, error)

// Outcome is what became of a queued message, for the observer of its kind (Observe).
type Outcome string

// The outcomes an observer is told, once a queued message is finished with.
const (
	Sent        Outcome = "sent"
	Failed      Outcome = "failed"
	Unreachable Outcome = "unreachable" // blocked the bot, or no such chat
	Skipped     Outcome = "skipped"     // the renderer had nothing to send (ErrSkip), or the user was forgotten
)

// Observer is told the outcome of each queued message of its kind (Message.Render), when the message is
// finished with: a broadcast counts its figures so. A message a crash requeues may be reported twice
// (once per copy), so an observer counts per message, not per call.
type Observer func(ctx context.Context, m Message, outcome Outcome)

// errAlreadySent ends the delivery of a Once message whose key says it was sent.
var errAlreadySent = errors.New("sent already")

// errOnceBusy ends the delivery of a Once message that cannot be claimed now: another sender is in its
// call, or Redis does not answer. The message stays in flight for the reaper.
var errOnceBusy = errors.New("another sender holds it")

// Config sets the budgets. The zero value of a Limit means the default.
type Config struct {
	// SendRate is the global budget in messages per second shared by all replicas; 0 disables global pacing
	// (a local Bot API server, tests, benchmarks).
	SendRate int
	// ReplyReserve is the part of SendRate the bulk lanes leave to replies (default a tenth, at least 1), so
	// that a broadcast at full speed never pushes a reply over Telegram's limit into a 429.
	ReplyReserve int
	// PaidRate, when above 0, sends the broadcast lane with allow_paid_broadcast at this rate (Telegram
	// allows up to 1000/s, paid in Stars), on its own budget instead of SendRate's. Off by default.
	PaidRate int
	// Lease is how long a bulk sender may hold a message before the reaper requeues it (default 2 minutes).
	Lease time.Duration
	// PerChat and PerGroup pace one chat. Defaults: 1/s with a burst of 3; 20/min with a burst of 3.
	PerChat, PerGroup redis_rate.Limit
	// Attempts bounds tries per message on 5xx and network errors (default 4) and on 429 (the same bound).
	Attempts int
	// Backoff is the first retry delay after a 5xx or network error, doubled each time (default 250ms).
	Backoff time.Duration
	// Rounds is how often a queued message whose Attempts all met a 5xx, a network error or a 429 is left
	// in flight for the reaper, to be tried again after the lease, before it fails (default 30: an hour of
	// outage at the default lease of 2 minutes).
	Rounds int
	// BulkWorkers is how many bulk messages are in flight at once (default 8).
	BulkWorkers int
	// OnceTTL is how long a sent Once message's key is remembered (default 45 days: longer than any
	// reminder offset, so a requeued copy always finds it).
	OnceTTL time.Duration
}

func (c *Config) defaults() {
	if c.PerChat.IsZero() {
		c.PerChat = redis_rate.Limit{Rate: 1, Burst: 3, Period: time.Second}
	}
	if c.PerGroup.IsZero() {
		c.PerGroup = redis_rate.Limit{Rate: 20, Burst: 3, Period: time.Minute}
	}
	if c.Attempts <= 0 {
		c.Attempts = 4
	}
	if c.Backoff <= 0 {
		c.Backoff = 250 * time.Millisecond
	}
	if c.Rounds <= 0 {
		c.Rounds = 30
	}
	if c.BulkWorkers <= 0 {
		// Enough calls in flight for the rate: a call takes up to ~100 ms, so 8 carry 30/s and a paid rate
		// needs one more per 10/s.
		c.BulkWorkers = max(8, c.PaidRate/10)
	}
	if c.SendRate > 0 && c.ReplyReserve <= 0 {
		c.ReplyReserve = max(c.SendRate/10, 1)
	}
	if c.ReplyReserve >= c.SendRate {
		c.ReplyReserve = max(c.SendRate-1, 0)
	}
	if c.Lease <= 0 {
		c.Lease = bulkLease
	}
	if c.OnceTTL <= 0 {
		c.OnceTTL = 45 * 24 * time.Hour
	}
}

// Outbox sends messages. Create it with New; run the bulk lanes with Run.
type Outbox struct {
	api   *tg.Bot
	st    *store.Store
	lim   *redis_rate.Limiter
	cfg   Config
	log   *slog.Logger
	wake  chan struct{}
	sends *prometheus.CounterVec
	wait  prometheus.Histogram
	// renderers and observers by Message.Render; written by Handle and Observe before Run, read-only after.
	renderers map[string]Renderer
	observers map[string]Observer
	// hooks by Message.Sent; written by OnSent before Run, read-only after.
	hooks map[string]SentHook
	// replies counts the replies sent since they were last counted into the global budget (countReplies).
	replies atomic.Int64
}

// New returns an Outbox sending through api.
func New(api *tg.Bot, st *store.Store, cfg Config, log *slog.Logger) *Outbox {
	cfg.defaults()
	return &Outbox{
		api: api, st: st, cfg: cfg, log: log,
		lim:       redis_rate.NewLimiter(st.Redis()),
		wake:      make(chan struct{}, 1),
		renderers: map[string]Renderer{},
		observers: map[string]Observer{},
		hooks:     map[string]SentHook{},
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "huunghi_sends_total", Help: "Messages sent to Telegram by lane and outcome.",
		}, []string{"lane", "outcome"}),
		wait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "huunghi_send_wait_seconds", Help: "Time a reply waited for its chat's budget.",
			Buckets: []float64{0, .05, .1, .25, .5, 1, 2, 5, 10},
		}),
	}
}

// Handle registers the renderer of queued messages whose Render is kind. Call it before Run.
func (o *Outbox) Handle(kind string, fn Renderer) { o.renderers[kind] = fn }

// BroadcastRate is the rate the broadcast lane is sent at: PaidRate when paid broadcasts are on, else what
// SendRate leaves after ReplyReserve (30 without a global budget, Telegram's own limit).
func (o *Outbox) BroadcastRate() int {
	switch {
	case o.cfg.PaidRate > 0:
		return o.cfg.PaidRate
	case o.cfg.SendRate > 0:
		return o.cfg.SendRate - o.cfg.ReplyReserve
	}
	return 30
}

// Observe registers the observer of the outcomes of queued messages whose Render is kind. Call it before Run.
func (o *Outbox) Observe(kind string, fn Observer) { o.observers[kind] = fn }

// OnSent registers the hook told where queued messages whose Sent is kind were delivered. Call it before
// Run.
func (o *Outbox) OnSent(kind string, fn SentHook) { o.hooks[kind] = fn }

// Collectors returns the outbox's metrics for registration.
func (o *Outbox) Collectors() []prometheus.Collector { return []prometheus.Collector{o.sends, o.wait} }

// Send delivers a reply now, waiting only for the chat's own budget. It returns the id of the (last) message.
func (o *Outbox) Send(ctx context.Context, m Message) (int, error) {
	return o.deliverAll(ctx, m, LaneReply)
}

type patientKey struct{}

// Patient returns ctx under which replies wait for the global budget as bulk sends do, instead of taking it
// when there is some and going anyway when there is none. Flood control puts the replies to people sending
// faster than their burst under it: many flooding accounts must not spend the budget everyone's replies
// share, nor push the bot over Telegram's limit.
func Patient(ctx context.Context) context.Context { return context.WithValue(ctx, patientKey{}, true) }

func patient(ctx context.Context) bool { v, _ := ctx.Value(patientKey{}).(bool); return v }

// Enqueue queues messages on a bulk lane; Run's workers send them.
func (o *Outbox) Enqueue(ctx context.Context, lane Lane, msgs ...Message) error {
	if lane == LaneReply {
		return fmt.Errorf("enqueue: replies are sent with Send")
	}
	items := make([][]byte, len(msgs))
	for i, m := range msgs {
		if m.ID == "" {
			m.ID = rand.Text()
		}
		raw, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("encode message for %d: %w", m.ChatID, err)
		}
		items[i] = raw
	}
	if err := o.st.EnqueueBulk(ctx, string(lane), items...); err != nil {
		return err
	}
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return nil
}

// EnqueueOnce queues a message on a bulk lane unless a message was queued under the same name within keep,
// and reports whether it queued it: a job that may run again (a catch-up, a second replica) sends what it
// owes once. The name is also the message's Key.
func (o *Outbox) EnqueueOnce(ctx context.Context, lane Lane, name string, keep time.Duration, m Message) (bool, error) {
	if lane == LaneReply {
		return false, fmt.Errorf("enqueue: replies are sent with Send")
	}
	m.Key = name
	raw, err := json.Marshal(m)
	if err != nil {
		return false, fmt.Errorf("encode message for %d: %w", m.ChatID, err)
	}
	queued, err := o.st.EnqueueBulkOnce(ctx, string(lane), name, keep, raw)
	if queued {
		select {
		case o.wake <- struct{}{}:
		default:
		}
	}
	return queued, err
}

// AnswerCallback answers a button press (stops the client's spinner; text shows as a toast).
func (o *Outbox) AnswerCallback(ctx context.Context, id, text string) {
	_, err := o.api.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text})
	if err != nil {
		// Callback queries expire after ~15 s; a late answer failing is harmless.
		o.log.Debug("answer callback", "err", err)
	}
}

// AnswerCallbackURL answers a button press with a toast and a t.me link Telegram opens (the bot's private
// chat with a start parameter).
func (o *Outbox) AnswerCallbackURL(ctx context.Context, id, text, url string) {
	_, err := o.api.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text, URL: url})
	if err != nil {
		o.log.Debug("answer callback", "err", err)
	}
}

func (o *Outbox) deliverAll(ctx context.Context, m Message, lane Lane) (int, error) {
	parts := Split(m.Text, MaxText)
	if m.Document != nil || m.Copy != nil || m.Photo != "" || m.DocumentID != "" {
		parts = []string{m.Text} // a caption is limited by Telegram to 1024; callers keep it short
	}
	var id int
	for i, text := range parts {
		p := m
		p.Text = text
		if i < len(parts)-1 {
			p.Buttons, p.ContactButton = nil, ""
		}
		if i > 0 {
			p.EditID = 0 // the first part replaces the edited message; the rest follow as new messages
			p.ReplyTo = 0
		}
		// Once covers the first part: once it is out the message counts as sent, since sending it all
		// again would repeat what the user has already read.
		once := i == 0 && m.Once && m.Key != "" && lane != LaneReply
		var err error
		if id, err = o.deliver(ctx, p, lane, once); err != nil {
			if i > 0 {
				err = fmt.Errorf("%w: %w", errPartlySent, err)
			}
			return id, err
		}
	}
	return id, nil
}

// deliver sends one message with the error policy of the package doc. With once, each call is made under
// a claim of m.Key (claimOnce): a failed call gives the claim back, a successful one records "sent".
func (o *Outbox) deliver(ctx context.Context, m Message, lane Lane, once bool) (int, error) {
	for attempt := 1; ; attempt++ {
		start := time.Now()
		if err := o.waitChat(ctx, m.ChatID); err != nil {
			return 0, err
		}
		if err := o.takeGlobal(ctx, lane); err != nil {
			return 0, err
		}
		if lane == LaneReply {
			o.wait.Observe(time.Since(start).Seconds())
		}
		// The waits above can last minutes for a staff group: a message about someone who used /forget
		// meanwhile is dropped here, just before the call, not before the waits.
		if m.About != 0 && lane != LaneReply {
			if exists, err := o.st.UserExists(ctx, m.About); err == nil && !exists {
				return 0, errForgotten
			}
		}
		if once {
			if err := o.claimOnce(ctx, m.Key); err != nil {
				return 0, err
			}
		}
		id, err := o.call(ctx, m, lane == LaneBroadcast && o.cfg.PaidRate > 0)
		if once {
			o.settleOnce(ctx, m.Key, err)
		}
		var tooMany *tg.TooManyRequestsError
		switch {
		case err == nil:
			o.sends.WithLabelValues(string(lane), "ok").Inc()
			return id, nil
		case errors.As(err, &tooMany):
			o.sends.WithLabelValues(string(lane), "rate_limited").Inc()
			d := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
			o.log.Warn("telegram asked to slow down", "chat_id", m.ChatID, "retry_after", d, "lane", lane)
			// Best effort: a Redis error here only loses the cross-replica pause, not the message.
			_ = o.st.PauseChat(ctx, m.ChatID, d, o.chatLimit(m.ChatID))
			_ = o.st.PauseBulk(ctx, d)
			if attempt >= o.cfg.Attempts {
				if lane != LaneReply {
					return 0, fmt.Errorf("send to %d: %w: %w", m.ChatID, errGaveUp, err)
				}
				return 0, fmt.Errorf("send to %d: %w", m.ChatID, err)
			}
			if err := Sleep(ctx, d); err != nil {
				return 0, err
			}
		case errors.Is(err, tg.ErrorForbidden) || chatGone(err):
			o.sends.WithLabelValues(string(lane), "forbidden").Inc()
			if m.ChatID > 0 {
				if err := o.st.MarkUnreachable(ctx, m.ChatID); err != nil {
					o.log.Error("mark unreachable", "chat_id", m.ChatID, "err", err)
				}
			}
			return 0, fmt.Errorf("send to %d: %w", m.ChatID, ErrUnreachable)
		case permanent(ctx, err):
			o.sends.WithLabelValues(string(lane), "failed").Inc()
			return 0, fmt.Errorf("send to %d: %w", m.ChatID, err)
		default: // 5xx, network
			if attempt >= o.cfg.Attempts || ctx.Err() != nil {
				if ctx.Err() == nil && lane != LaneReply {
					// Counted by sendQueued, which may yet try it again after the lease.
					return 0, fmt.Errorf("send to %d after %d attempts: %w: %w", m.ChatID, attempt, errGaveUp, err)
				}
				o.sends.WithLabelValues(string(lane), "failed").Inc()
				return 0, fmt.Errorf("send to %d after %d attempts: %w", m.ChatID, attempt, err)
			}
			o.sends.WithLabelValues(string(lane), "retry").Inc()
			if err := Sleep(ctx, o.cfg.Backoff<<(attempt-1)); err != nil {
				return 0, err
			}
		}
	}
}

// claimOnce claims key for the call about to be made, or says why not: errAlreadySent, errOnceBusy.
func (o *Outbox) claimOnce(ctx context.Context, key string) error {
	state, err := o.st.ClaimOnce(ctx, key, o.cfg.Lease)
	switch {
	case err != nil:
		// Without the claim the call could be a second send: better late than twice.
		o.log.Warn("once-only send unclaimable, left for later", "err", err)
		return errOnceBusy
	case state == store.OnceSent:
		return errAlreadySent
	case state == store.OnceSending:
		return errOnceBusy
	}
	return nil
}

// settleOnce records the outcome of a call made under claimOnce: "sent" after a success; after a failure
// the claim is given back, so that the retry (or the same key queued again) claims it anew and no claim
// is held through the waits between attempts. A call ended by shutdown may have reached Telegram: its
// claim is left to expire, so the reaper's copy is sent only after the lease. (A call that ran out of the
// HTTP client's timeout while ctx is live is retried at once, as after a reset: see permanent.)
func (o *Outbox) settleOnce(ctx context.Context, key string, callErr error) {
	ended := ctx.Err() != nil
	ctx = context.WithoutCancel(ctx)
	switch {
	case callErr == nil:
		if err := o.st.MarkOnceSent(ctx, key, o.cfg.OnceTTL); err != nil {
			o.log.Error("once-only message sent but not recorded: a requeued copy after the lease would repeat it", "err", err)
		}
	case ended && (errors.Is(callErr, context.Canceled) || errors.Is(callErr, context.DeadlineExceeded)):
	default:
		_ = o.st.ReleaseOnce(ctx, key) // best effort: the claim expires anyway
	}
}

// chatGone reports whether Telegram says the chat does not exist (the account was deleted, or the id never
// started the bot): like a block, retrying cannot help and later bulk sends skip it.
func chatGone(err error) bool {
	return errors.Is(err, tg.ErrorBadRequest) && strings.Contains(strings.ToLower(err.Error()), "chat not found")
}

// permanent reports whether retrying cannot help: the request itself is wrong, or ctx ended. A call that
// ran out of the HTTP client's own timeout also matches context.DeadlineExceeded (net/http's timeout
// error says so) while ctx is live: that is a Telegram that did not answer, a network error retried like
// the others, not the end of the sender's context.
func permanent(ctx context.Context, err error) bool {
	return errors.Is(err, tg.ErrorBadRequest) || errors.Is(err, tg.ErrorUnauthorized) ||
		errors.Is(err, tg.ErrorNotFound) || errors.Is(err, tg.ErrorConflict) || tg.IsMigrateError(err) ||
		ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// waitChat waits for the chat's own budget, which holds a 429 pause of the chat too. Redis errors fail open: answering a user matters
// more than perfect pacing, and Telegram's 429 is the backstop.
func (o *Outbox) waitChat(ctx context.Context, chat int64) error {
	for {
		ok, wait, err := o.st.TakeChatBudget(ctx, chat, o.chatLimit(chat))
		if err != nil {
			o.log.Warn("chat budget unavailable, sending anyway", "chat_id", chat, "err", err)
			return ctx.Err()
		}
		if ok {
			return nil
		}
		if err := Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// chatLimit is a chat's own budget: a person's or a group's.
func (o *Outbox) chatLimit(chat int64) redis_rate.Limit {
	if chat < 0 {
		return o.cfg.PerGroup
	}
	return o.cfg.PerChat
}

// takeGlobal takes one message from the global budget. Replies take it when it is there and go anyway when
// it is not (counted a tick at a time: countReplies). The bulk lanes (and patient replies) wait for two
// budgets: their own, SendRate minus ReplyReserve, and room in the global one, which they may use only up to
// a tenth of a second ahead where replies may use a whole second: so bulk sends never take more than what
// replies leave, replies always find room under Telegram's limit, and a broadcast runs at its full rate
// while replies stay inside the reserve. The broadcast lane under PaidRate has a budget of its own instead.
func (o *Outbox) takeGlobal(ctx context.Context, lane Lane) error {
	switch {
	case lane == LaneBroadcast && o.cfg.PaidRate > 0:
		return o.take(ctx, "paid", perSecond(o.cfg.PaidRate, o.cfg.PaidRate/10), true)
	case o.cfg.SendRate <= 0:
		return nil
	case lane == LaneReply && !patient(ctx):
		o.replies.Add(1) // counted into the global budget by countReplies
		return nil
	}
	bulk := o.cfg.SendRate - o.cfg.ReplyReserve
	if err := o.take(ctx, "bulk", perSecond(bulk, bulk/10), true); err != nil {
		return err
	}
	return o.take(ctx, "global", perSecond(o.cfg.SendRate, o.cfg.SendRate/10), true)
}

func perSecond(rate, burst int) redis_rate.Limit {
	return redis_rate.Limit{Rate: rate, Burst: max(burst, 1), Period: time.Second}
}

// replyTick is how often countReplies counts the replies sent into the global budget.
const replyTick = 50 * time.Millisecond

// countReplies counts the replies sent in each tick into the global budget, in one step: what the budget
// holds is there room, and replies never wait for it — each took what room there was and went anyway — so
// they need not ask it one at a time. The budget lets the bulk lanes see how much of Telegram's rate the
// replies use; seeing it a tick late is well inside the tenth of a second bulk sends may run ahead. One reply
// alone costs what it did (one script); a burst costs one a tick instead of one a reply (README,
// "Performance").
func (o *Outbox) countReplies(ctx context.Context) {
	t := time.NewTicker(replyTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n := o.replies.Swap(0); n > 0 && o.cfg.SendRate > 0 {
			// AllowAtMost takes as many as there is room for, as the replies one by one would have. Best
			// effort: a Redis error loses this tick's count, as it lost a single reply's before.
			_, _ = o.lim.AllowAtMost(ctx, store.RateKey("global"), perSecond(o.cfg.SendRate, o.cfg.SendRate), int(n))
		}
	}
}

// take takes one message from the named budget; with wait it waits for one, else it goes without.
func (o *Outbox) take(ctx context.Context, key string, limit redis_rate.Limit, wait bool) error {
	for {
		res, err := o.lim.Allow(ctx, store.RateKey(key), limit)
		if err != nil {
			if !wait {
				return nil
			}
			// Without Redis there is no shared budget: bulk waits rather than risk flooding Telegram.
			o.log.Warn("send budget unavailable", "budget", key, "err", err)
			if err := Sleep(ctx, time.Second); err != nil {
				return err
			}
			continue
		}
		if res.Allowed > 0 || !wait {
			return nil
		}
		if err := Sleep(ctx, res.RetryAfter); err != nil {
			return err
		}
	}
}

// call performs the API request for m and returns the message id. paid sends it with allow_paid_broadcast.
func (o *Outbox) call(ctx context.Context, m Message, paid bool) (int, error) {
	var markup models.ReplyMarkup
	switch {
	case len(m.Buttons) > 0:
		markup = inlineKeyboard(m.Buttons)
	case m.ContactButton != "":
		markup = &models.ReplyKeyboardMarkup{
			Keyboard:        [][]models.KeyboardButton{{{Text: m.ContactButton, RequestContact: true}}},
			ResizeKeyboard:  true,
			OneTimeKeyboard: true,
		}
	case m.RemoveKeyboard:
		markup = &models.ReplyKeyboardRemove{RemoveKeyboard: true}
	case m.ForceReply != "":
		markup = &models.ForceReply{ForceReply: true, InputFieldPlaceholder: m.ForceReply}
	}
	var reply *models.ReplyParameters
	if m.ReplyTo != 0 {
		reply = &models.ReplyParameters{MessageID: m.ReplyTo, AllowSendingWithoutReply: true}
	}
	if m.Copy != nil {
		id, err := o.api.CopyMessage(ctx, &tg.CopyMessageParams{
			ChatID: m.ChatID, FromChatID: m.Copy.FromChatID, MessageID: m.Copy.MessageID,
			ReplyParameters: reply, ReplyMarkup: markup, AllowPaidBroadcast: paid,
		})
		if err != nil {
			return 0, err
		}
		return id.ID, nil
	}
	var sent *models.Message
	var err error
	switch {
	case m.Photo != "":
		sent, err = o.api.SendPhoto(ctx, &tg.SendPhotoParams{ChatID: m.ChatID, Photo: &models.InputFileString{Data: m.Photo},
			Caption: m.Text, CaptionEntities: m.Entities, ReplyMarkup: markup, ReplyParameters: reply, AllowPaidBroadcast: paid})
	case m.DocumentID != "":
		sent, err = o.api.SendDocument(ctx, &tg.SendDocumentParams{ChatID: m.ChatID, Document: &models.InputFileString{Data: m.DocumentID},
			Caption: m.Text, CaptionEntities: m.Entities, ReplyMarkup: markup, ReplyParameters: reply, AllowPaidBroadcast: paid})
	case m.Document != nil:
		sent, err = o.api.SendDocument(ctx, &tg.SendDocumentParams{
			ChatID:          m.ChatID,
			Document:        &models.InputFileUpload{Filename: m.Document.Name, Data: bytesReader(m.Document.Data)},
			Caption:         m.Text,
			ReplyMarkup:     markup,
			ReplyParameters: reply,
		})
	}
	if sent != nil || err != nil {
		if err != nil {
			return 0, err
		}
		return sent.ID, nil
	}
	if m.EditID != 0 {
		var kb *models.InlineKeyboardMarkup
		if len(m.Buttons) > 0 {
			kb = inlineKeyboard(m.Buttons)
		}
		msg, err := o.api.EditMessageText(ctx, &tg.EditMessageTextParams{
			ChatID: m.ChatID, MessageID: m.EditID, Text: m.Text, Entities: m.Entities, ReplyMarkup: kb,
		})
		if err == nil {
			return msg.ID, nil
		}
		if !errors.Is(err, tg.ErrorBadRequest) {
			return 0, err
		}
		// The message is too old to edit, was deleted, or is unchanged: send the text as a new message.
		// An identical edit ("message is not modified") means the user already sees it.
		if containsNotModified(err) {
			return m.EditID, nil
		}
	}
	msg, err := o.api.SendMessage(ctx, &tg.SendMessageParams{ChatID: m.ChatID, Text: m.Text, Entities: m.Entities,
		ReplyMarkup: markup, ReplyParameters: reply, AllowPaidBroadcast: paid})
	if err != nil {
		return 0, err
	}
	return msg.ID, nil
}

func inlineKeyboard(rows [][]Button) *models.InlineKeyboardMarkup {
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: make([][]models.InlineKeyboardButton, len(rows))}
	for i, row := range rows {
		for _, b := range row {
			kb.InlineKeyboard[i] = append(kb.InlineKeyboard[i], models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data, URL: b.URL})
		}
	}
	return kb
}

// Run sends the bulk lanes until ctx ends: BulkWorkers workers, reminders before broadcasts, each waiting
// for the global budget and for any 429 pause; and a reaper that requeues messages of crashed senders.
func (o *Outbox) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range o.cfg.BulkWorkers {
		wg.Go(func() { o.bulkWorker(ctx) })
	}
	wg.Go(func() { o.countReplies(ctx) })
	wg.Go(func() {
		t := time.NewTicker(o.cfg.Lease / 2)
		defer t.Stop()
		for {
			for _, lane := range bulkLanes {
				if n, err := o.st.ReapBulk(ctx, string(lane)); err == nil && n > 0 {
					o.log.Warn("requeued bulk messages held past the lease (a sender died, or left them to try again)", "lane", lane, "count", n)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
	wg.Wait()
}

// bulkLease is how long a bulk sender may hold a message before it is requeued, unless Config.Lease says.
const bulkLease = 2 * time.Minute

func (o *Outbox) bulkWorker(ctx context.Context) {
	for ctx.Err() == nil {
		if d, err := o.st.BulkPause(ctx); err == nil && d > 0 {
			_ = Sleep(ctx, d)
			continue
		}
		lane, raw, err := o.takeNext(ctx)
		if err != nil && ctx.Err() != nil {
			return
		}
		if err != nil {
			o.log.Warn("bulk lanes unavailable", "err", err)
			_ = Sleep(ctx, time.Second)
			continue
		}
		if raw == nil {
			select {
			case <-ctx.Done():
			case <-o.wake:
			case <-time.After(time.Second):
			}
			continue
		}
		o.sendBulk(ctx, lane, raw)
	}
}

func (o *Outbox) takeNext(ctx context.Context) (Lane, []byte, error) {
	for _, lane := range bulkLanes {
		raw, err := o.st.TakeBulk(ctx, string(lane), o.cfg.Lease)
		if err != nil || raw != nil {
			return lane, raw, err
		}
	}
	return "", nil, nil
}

func (o *Outbox) sendBulk(ctx context.Context, lane Lane, raw []byte) {
	var m Message
	if err := json.Unmarshal(raw, &m); err != nil {
		o.log.Error("drop undecodable bulk message", "lane", lane, "err", err)
		_ = o.st.DoneBulk(ctx, string(lane), raw)
		return
	}
	if outcome, done := o.sendQueued(ctx, lane, m); done {
		if fn := o.observers[m.Render]; fn != nil {
			fn(context.WithoutCancel(ctx), m, outcome)
		}
		if err := o.st.DoneBulk(context.WithoutCancel(ctx), string(lane), raw); err != nil {
			o.log.Error("finish bulk message", "lane", lane, "err", err)
		}
	}
}

// sendQueued renders and delivers a queued message and says what became of it; done is false when it stays
// in flight for the reaper (shutting down, Redis away, another sender holds its claim).
func (o *Outbox) sendQueued(ctx context.Context, lane Lane, m Message) (outcome Outcome, done bool) {
	if gone, err := o.st.IsUnreachable(ctx, m.ChatID); err == nil && gone {
		o.sends.WithLabelValues(string(lane), "skipped_unreachable").Inc()
		return Unreachable, true
	}
	if m.Render != "" {
		r, err := o.render(ctx, m)
		switch {
		case errors.Is(err, ErrSkip):
			o.sends.WithLabelValues(string(lane), "skipped").Inc()
			return Skipped, true
		case errors.Is(err, errNoRenderer):
			o.sends.WithLabelValues(string(lane), "failed").Inc()
			o.log.Error("drop bulk message with an unknown renderer", "lane", lane, "render", m.Render)
			return Failed, true
		case err != nil:
			// Left in flight: the reaper requeues it after the lease, when Redis may be back.
			if ctx.Err() == nil {
				o.log.Warn("bulk message not rendered, retried after the lease", "lane", lane, "render", m.Render, "err", err)
			}
			return "", false
		}
		m = r
	}
	id, err := o.deliverAll(ctx, m, lane)
	if hook := o.hooks[m.Sent]; err == nil && hook != nil {
		hook(context.WithoutCancel(ctx), m, id)
	}
	switch {
	case err == nil:
		return Sent, true
	case ctx.Err() != nil:
		return "", false // shutting down: leave it in flight; the reaper requeues it
	case errors.Is(err, errOnceBusy):
		o.sends.WithLabelValues(string(lane), "deferred").Inc()
		return "", false // in flight until the reaper requeues it, when its key says sent or has expired
	case errors.Is(err, errAlreadySent):
		o.sends.WithLabelValues(string(lane), "duplicate").Inc()
		return Sent, true // by an earlier copy, whose sender may have died before reporting it
	case errors.Is(err, errForgotten):
		o.sends.WithLabelValues(string(lane), "skipped_forgotten").Inc()
		return Skipped, true
	case errors.Is(err, ErrUnreachable):
		return Unreachable, true
	case errors.Is(err, errGaveUp) && !errors.Is(err, errPartlySent) && o.retryLater(ctx, lane, m):
		return "", false // in flight until the reaper requeues it, after the lease
	default:
		if errors.Is(err, errGaveUp) {
			o.sends.WithLabelValues(string(lane), "failed").Inc()
		}
		o.log.Warn("bulk message not delivered", "lane", lane, "chat_id", m.ChatID, "err", err)
		return Failed, true
	}
}

// errGaveUp marks a delivery whose every attempt met a 5xx, a network error or a 429: Telegram (or the way
// to it) was down for the seconds of the backoff, which says nothing of the message.
var errGaveUp = errors.New("every attempt failed")

// errPartlySent marks a delivery that failed after the first parts of a long text were sent: sending it
// again would repeat them.
var errPartlySent = errors.New("partly sent")

// retryLater reports whether a queued message whose attempts all failed (errGaveUp) is left in flight, to
// be tried again when the reaper requeues it after the lease, and counts the round: a reminder or a
// broadcast dropped after a few seconds of outage would be lost for good. After Config.Rounds rounds it
// fails. A message without ID or Key cannot be counted, and fails at once as before.
func (o *Outbox) retryLater(ctx context.Context, lane Lane, m Message) bool {
	id := cmp.Or(m.ID, m.Key)
	if id == "" {
		return false
	}
	n, err := o.st.CountRetryRound(context.WithoutCancel(ctx), string(lane)+":"+id)
	if err == nil && n > int64(o.cfg.Rounds) {
		return false
	}
	// Redis away too: the reaper brings it back when Redis is.
	o.sends.WithLabelValues(string(lane), "retry_later").Inc()
	o.log.Warn("bulk message not delivered, tried again after the lease", "lane", lane, "chat_id", m.ChatID, "round", n)
	return true
}

// errNoRenderer is render's answer for a Render that no Handle registered: a message queued by a newer
// version of the bot, or a typo. Retrying cannot help.
var errNoRenderer = errors.New("no such renderer")

// render makes the content of a message queued as a reference (Message.Render) with its renderer. The
// rendered message keeps the queued one's chat, About, Key, Once and ID: to whom it goes, whom it is about
// and whether only once is decided when it is queued, not by the renderer.
func (o *Outbox) render(ctx context.Context, m Message) (Message, error) {
	fn := o.renderers[m.Render]
	if fn == nil {
		return m, errNoRenderer
	}
	r, err := fn(ctx, m)
	if err != nil {
		return m, err
	}
	r.ChatID, r.About, r.Key, r.Once, r.ID, r.Render, r.Sent = m.ChatID, m.About, m.Key, m.Once, m.ID, "", m.Sent
	return r, nil
}

// personalLanes are the lanes that carry messages about a user (About): staff cards with their data, and
// reminders, news only they should get. Broadcasts are the same text for many people and carry none.
var personalLanes = [...]Lane{LaneNotify, LaneReminder}

// Forget removes every queued message about the user (About) from the lanes: part of /forget, with
// store.ForgetUser. It returns how many were removed.
func (o *Outbox) Forget(ctx context.Context, uid int64) (int, error) {
	total := 0
	for _, lane := range personalLanes {
		n, err := o.st.ForgetQueued(ctx, uid, string(lane))
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// Depth returns how many messages wait in each bulk lane, for metrics.
func (o *Outbox) Depth(ctx context.Context) map[Lane]int64 {
	out := map[Lane]int64{}
	for _, lane := range bulkLanes {
		if n, err := o.st.BulkDepth(ctx, string(lane)); err == nil {
			out[lane] = n
		}
	}
	return out
}
