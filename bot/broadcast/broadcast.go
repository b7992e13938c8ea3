// Package broadcast sends staff announcements to an audience (everyone, a language, students or the
// diaspora, a programme's applicants, an event's sign-ups, a topic's subscribers) as fast as Telegram allows
// without making anyone wait for an answer.
//
// A broadcast lives in Redis (store: hn:bc:{id}) from the moment staff make it, in the chat or with
// `huunghi broadcast`, to its last figure. Delivery is a background worker (Run) on every replica, beside the
// cron jobs: the replica that takes a due broadcast out of hn:bcs:due starts it (exactly one does); the
// replica holding its lock (github.com/bsm/redislock) then lists its recipients in batches, with a cursor
// saved in the same step as each batch (a crash resumes where it was), and feeds them into the outbox's
// broadcast lane a few seconds' worth at a time. The lane carries references ("bc:<id>:<uid>", sent once
// per key); the renderer makes each message when it is sent, in the receiver's language, and skips it if
// the broadcast was cancelled or the receiver stopped broadcasts meanwhile. The outbox paces the lane at the
// global rate minus what replies need, honours 429s and marks blocked users, who are left out next time.
// The outbox tells the outcome of each message (Observe), counted once per recipient, and the worker edits
// a message in the staff chat with the figures as it goes, with a Cancel button.
package broadcast

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/bsm/redislock"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/events"
	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers/callback"
	"github.com/ufo-thanhhoa/huunghi/messages"
)

// Render is the outbox renderer kind of broadcast messages.
const Render = "broadcast"

// StopButtons is the button under every broadcast: "bcs:all" stops broadcasts altogether, "bcs:t:<topic>"
// unsubscribes from a topic. Handled in the handlers (the user's chat), built here with the message.
var StopButtons = callback.New("bcs", callback.Verb{Name: "all"}, callback.Verb{Name: "t", Args: 1})

// Version is the content one language gets (or every language, under the key ""): a text with its
// formatting as Telegram entities, or a photo or document Telegram already has, with the text as caption.
type Version struct {
	Text     string                 `json:"text,omitempty"`
	Entities []models.MessageEntity `json:"entities,omitempty"`
	Photo    string                 `json:"photo,omitempty"`
	Document string                 `json:"document,omitempty"`
}

// Broadcast is one announcement: who it is for, what it says, who made it, and where it stands.
type Broadcast struct {
	Audience Audience
	// Versions by language; "" is the version for every language without its own.
	Versions map[string]Version
	// By is the staff member who made it, 0 from the command line.
	By int64
	// Chat shows the figures (the staff's chat, or STAFF_CHAT_ID); Lang is their language there.
	Chat int64
	Lang string
	// Record is where it stands (read from Redis; not part of the definition).
	Record store.BroadcastRecord
}

// doc is the definition as stored in hn:bc:{id} "doc".
type doc struct {
	Audience string             `json:"audience"`
	Versions map[string]Version `json:"versions"`
	By       int64              `json:"by,omitempty"`
	Chat     int64              `json:"chat,omitempty"`
	Lang     string             `json:"lang,omitempty"`
}

// ID returns the broadcast's id ("b12").
func (b Broadcast) ID() string { return b.Record.ID }

// Version returns the content for a reader of lang: their language's version, else the one for all, else
// English, else any (a broadcast always has one).
func (b Broadcast) Version(lang string) Version {
	for _, l := range []string{lang, "", messages.DefaultLang} {
		if v, ok := b.Versions[l]; ok {
			return v
		}
	}
	for _, l := range slices.Sorted(maps.Keys(b.Versions)) {
		return b.Versions[l]
	}
	return Version{}
}

// MaxText is Telegram's limit for a message's text; MaxCaption for a photo's or document's caption.
const (
	MaxText    = 4096
	MaxCaption = 1024
)

// Validate says what is wrong with a version, nil when nothing is. Lengths are Telegram's: UTF-16 code
// units, in which an emoji counts two (a longer text would be split, and its entities with it).
func (v Version) Validate() error {
	n := len(utf16.Encode([]rune(v.Text)))
	switch {
	case v.Photo == "" && v.Document == "" && strings.TrimSpace(v.Text) == "":
		return errors.New("the text is empty")
	case v.Photo == "" && v.Document == "" && n > MaxText:
		return fmt.Errorf("the text has %d characters; Telegram takes at most %d", n, MaxText)
	case (v.Photo != "" || v.Document != "") && n > MaxCaption:
		return fmt.Errorf("the caption has %d characters; Telegram takes at most %d", n, MaxCaption)
	}
	return nil
}

// Config is what the service needs.
type Config struct {
	Store   *store.Store
	Redis   redislock.RedisClient
	Out     Sender
	Content *messages.Content
	Events  *events.Catalog
	// Zone shows times (BOT_TIMEZONE); Rate is the broadcast lane's rate in messages a second, for the
	// estimated finish and how far ahead the lane is fed.
	Zone *time.Location
	Rate int
	Now  func() time.Time
	Log  *slog.Logger
	// Poll is how often the worker looks for due broadcasts and feeds the lane (default 250 ms).
	Poll time.Duration
	// ProgressEvery is how often the figures message is edited (default 5 s; a staff group takes 20
	// messages a minute, edits included).
	ProgressEvery time.Duration
	// Lease is how long a replica holds a broadcast it drives before another may take it over (default
	// 15 s, BROADCAST_LEASE): the lock is refreshed every Poll, so this is how long a dead replica's
	// broadcast waits.
	Lease time.Duration
}

// Sender is what the service needs of the outbox.
type Sender interface {
	Send(ctx context.Context, m outbox.Message) (int, error)
	Depth(ctx context.Context) map[outbox.Lane]int64
}

// Service makes, sends and reports on broadcasts.
type Service struct {
	cfg  Config
	wake chan struct{}
	// docs caches definitions, which never change once made (the state is read from Redis each time).
	mu   sync.Mutex
	docs map[string]Broadcast
	// progressing holds, by broadcast id, where its figures message stands (*figuresEdit).
	progressing sync.Map
}

// New returns the service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 250 * time.Millisecond
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = 5 * time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = defaultLease
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, wake: make(chan struct{}, 1), docs: map[string]Broadcast{}}
}

// Create stores a broadcast to start at at (now or later) and returns its id. The running bot's workers
// deliver it: from the chat, or from `huunghi broadcast` against the same Redis.
func (s *Service) Create(ctx context.Context, b Broadcast, at time.Time) (string, error) {
	if err := s.Check(ctx, b.Audience); err != nil {
		return "", err
	}
	if len(b.Versions) == 0 {
		return "", errors.New("a broadcast needs a text")
	}
	for l, v := range b.Versions {
		if l != "" && !s.cfg.Content.HasLang(l) {
			return "", fmt.Errorf("no language %q", l)
		}
		if err := v.Validate(); err != nil {
			return "", err
		}
	}
	raw, err := json.Marshal(doc{Audience: b.Audience.String(), Versions: b.Versions, By: b.By, Chat: b.Chat, Lang: b.Lang})
	if err != nil {
		return "", err
	}
	id, err := s.cfg.Store.CreateBroadcast(ctx, raw, at)
	if err != nil {
		return "", err
	}
	s.Wake()
	return id, nil
}

// Rate is the broadcast lane's rate in messages a second.
func (s *Service) Rate() int { return s.cfg.Rate }

// Wake makes this replica's worker look for due broadcasts now.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Get returns a broadcast with where it stands, or store.ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (Broadcast, error) {
	rec, err := s.cfg.Store.GetBroadcast(ctx, id)
	if err != nil {
		return Broadcast{}, err
	}
	return decode(rec)
}

func decode(rec store.BroadcastRecord) (Broadcast, error) {
	var d doc
	if err := json.Unmarshal(rec.Doc, &d); err != nil {
		return Broadcast{}, fmt.Errorf("broadcast %s: %w", rec.ID, err)
	}
	a, err := ParseAudience(d.Audience)
	if err != nil {
		return Broadcast{}, fmt.Errorf("broadcast %s: %w", rec.ID, err)
	}
	return Broadcast{Audience: a, Versions: d.Versions, By: d.By, Chat: d.Chat, Lang: d.Lang, Record: rec}, nil
}

// Recent returns the last n broadcasts, newest first.
func (s *Service) Recent(ctx context.Context, n int) ([]Broadcast, error) {
	recs, err := s.cfg.Store.RecentBroadcasts(ctx, n)
	out := make([]Broadcast, 0, len(recs))
	for _, r := range recs {
		if b, err := decode(r); err == nil {
			out = append(out, b)
		}
	}
	return out, err
}

// Totals are the figures of several broadcasts added up.
type Totals struct {
	Count                                      int
	Total, Sent, Failed, Unreachable, OptedOut int64
}

// Reach adds up the figures of the broadcasts made since since (the last 100 at most), for /stats.
func (s *Service) Reach(ctx context.Context, since time.Time) (Totals, error) {
	var out Totals
	recent, err := s.Recent(ctx, 100)
	for _, b := range recent {
		r := b.Record
		if r.Created.Before(since) {
			continue
		}
		out.Count++
		out.Total += r.Total
		out.Sent += r.Sent
		out.Failed += r.Failed
		out.Unreachable += r.Unreachable
		out.OptedOut += r.OptedOut
	}
	return out, err
}

// Cancel stops a broadcast (store.ErrNotFound, store.ErrBroadcastOver) and shows the final figures.
func (s *Service) Cancel(ctx context.Context, id string, by int64) error {
	if err := s.cfg.Store.CancelBroadcast(ctx, id, by); err != nil {
		return err
	}
	if b, err := s.Get(ctx, id); err == nil {
		s.progress(ctx, b)
	}
	return nil
}

// definition returns a broadcast's definition from the cache, reading it once.
func (s *Service) definition(ctx context.Context, id string) (Broadcast, error) {
	s.mu.Lock()
	b, ok := s.docs[id]
	s.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := s.Get(ctx, id)
	if err != nil {
		return b, err
	}
	s.mu.Lock()
	if len(s.docs) > 100 {
		clear(s.docs)
	}
	s.docs[id] = b
	s.mu.Unlock()
	return b, nil
}

// Message is the broadcast as a reader of lang gets it, the stop button included: what the renderer sends
// and what the preview shows staff.
func (s *Service) Message(b Broadcast, lang string) outbox.Message {
	v := b.Version(lang)
	stop := outbox.Button{Text: s.cfg.Content.T(lang, "broadcast.stop"), Data: StopButtons.Data("all")}
	if b.Audience.Kind == Topic {
		stop = outbox.Button{Text: s.cfg.Content.T(lang, "broadcast.stop_topic"), Data: StopButtons.Data("t", b.Audience.Arg)}
	}
	return outbox.Message{Text: v.Text, Entities: v.Entities, Photo: v.Photo, DocumentID: v.Document,
		Buttons: [][]outbox.Button{{stop}}}
}

// parseKey reads "bc:<id>:<uid>".
func parseKey(key string) (string, int64, bool) {
	rest, ok := strings.CutPrefix(key, "bc:")
	id, u, ok2 := strings.Cut(rest, ":")
	uid, err := strconv.ParseInt(u, 10, 64)
	return id, uid, ok && ok2 && err == nil && id != ""
}

// RenderMessage is the outbox renderer of broadcast messages: the content in the receiver's language of
// today, or outbox.ErrSkip when the broadcast was cancelled, the receiver stopped broadcasts (or the
// topic), or asked to be forgotten.
func (s *Service) RenderMessage(ctx context.Context, m outbox.Message) (outbox.Message, error) {
	id, uid, ok := parseKey(m.Key)
	if !ok {
		return m, outbox.ErrSkip
	}
	state, err := s.cfg.Store.BroadcastState(ctx, id)
	if err != nil {
		return m, err
	}
	if state != store.BroadcastSending {
		return m, outbox.ErrSkip
	}
	b, err := s.definition(ctx, id)
	if err != nil {
		return m, err
	}
	u, err := s.cfg.Store.GetUser(ctx, uid)
	if errors.Is(err, store.ErrNotFound) {
		return m, outbox.ErrSkip
	}
	if err != nil {
		return m, err
	}
	if u.NoBroadcasts {
		return m, outbox.ErrSkip
	}
	if b.Audience.Kind == Topic {
		if on, err := s.cfg.Store.Subscribed(ctx, uid, b.Audience.Arg); err != nil {
			return m, err
		} else if !on {
			return m, outbox.ErrSkip
		}
	}
	return s.Message(b, s.lang(u.Lang, u.TelegramLang)), nil
}

// Observe counts the outcome of a broadcast message, once per recipient.
func (s *Service) Observe(ctx context.Context, m outbox.Message, outcome outbox.Outcome) {
	id, uid, ok := parseKey(m.Key)
	if !ok {
		return
	}
	if _, err := s.cfg.Store.RecordBroadcastOutcome(ctx, id, uid, string(outcome)); err != nil {
		s.cfg.Log.Warn("broadcast outcome not counted", "broadcast", id, "err", err)
	}
}
