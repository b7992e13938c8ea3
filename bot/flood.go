package bot

import (
	"context"
	"strconv"
	"time"

	"github.com/go-redis/redis_rate/v10"
	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ufo-thanhhoa/huunghi/bot/outbox"
	"github.com/ufo-thanhhoa/huunghi/bot/store"
	"github.com/ufo-thanhhoa/huunghi/handlers"
)

// FloodLimits are flood control's budgets, kept in Redis so that every replica applies the same ones.
// Staff are exempt.
//
// One person may send a burst and is then paced; past Drop a minute their messages are dropped, with one
// notice a minute. Everyone past their burst also shares one budget, Shared: a hundred accounts flooding at
// once are slowed together to what ten paced people cost, and their replies wait for what the global send budget
// leaves (outbox.Patient) instead of crowding Telegram's limit. People within their burst never touch the
// shared budget, so a flood does not slow them. The waits give the dispatcher slot back; a flooder's
// backlog is bounded by intake (DefaultBacklog), which turns the rest away with a notice.
type FloodLimits struct {
	Pace   redis_rate.Limit
	Drop   redis_rate.Limit
	Shared redis_rate.Limit
}

// DefaultFloodLimits returns the production limits: a burst of 8 then 2 a second per person, at most 60 a
// minute, and 20 a second shared by everyone who is past their burst.
func DefaultFloodLimits() FloodLimits {
	return FloodLimits{
		Pace:   redis_rate.Limit{Rate: 2, Burst: 8, Period: time.Second},
		Drop:   redis_rate.PerMinute(60),
		Shared: redis_rate.Limit{Rate: 20, Burst: 20, Period: time.Second},
	}
}

// WithFloodLimits replaces DefaultFloodLimits (tests make floods cheap to produce).
func WithFloodLimits(l FloodLimits) Option { return func(a *App) { a.floodLimits = l } }

func (a *App) flood(next tg.HandlerFunc) tg.HandlerFunc {
	return func(ctx context.Context, b *tg.Bot, u *models.Update) {
		r := handlers.RequestFrom(ctx)
		if r.UserID == 0 || r.IsStaff() {
			next(ctx, b, u)
			return
		}
		// The visit (resolve) asked both of the person's budgets; without it (Redis unavailable) the message
		// goes through: flood control must not hold users hostage when it cannot count.
		v := store.VisitedFrom(ctx)
		if v == nil {
			next(ctx, b, u)
			return
		}
		if v.Flood == store.FloodDrop {
			a.metrics.flood.WithLabelValues("dropped").Inc()
			uid := strconv.FormatInt(r.UserID, 10)
			if res, err := a.limiter.Allow(ctx, store.RateKey("flood-notice:"+uid), redis_rate.PerMinute(1)); err == nil && res.Allowed > 0 {
				_, _ = a.out.Send(ctx, outboxMessage(r.ChatID, a.content.T(r.Lang, "flood.slow")))
			}
			if u.CallbackQuery != nil {
				a.out.AnswerCallback(ctx, u.CallbackQuery.ID, a.content.T(r.Lang, "flood.slow"))
			}
			return
		}
		if v.Flood == store.FloodWait {
			// Past their burst: paced (asking Pace alone again after each wait), then in the shared budget.
			verdict, wait := v.Flood, v.FloodWait
			for verdict == store.FloodWait {
				a.metrics.flood.WithLabelValues("slowed").Inc()
				if outbox.Sleep(ctx, wait) != nil {
					return
				}
				var err error
				if verdict, wait, err = a.store.Paced(ctx, r.UserID, a.floodLimits.Pace); err != nil {
					break
				}
			}
			if _, ok := a.await(ctx, "flood-shared", a.floodLimits.Shared, "shared"); !ok {
				return
			}
			ctx = outbox.Patient(ctx)
		}
		next(ctx, b, u)
	}
}

// await takes one event from the named budget, waiting (with the slot given back, outbox.Sleep) until
// there is one, and counts each wait as action. It reports whether it had to wait, and false for ok when
// ctx ended first. A Redis error ends the wait: flood control must not hold users hostage when it cannot
// count.
func (a *App) await(ctx context.Context, name string, l redis_rate.Limit, action string) (waited, ok bool) {
	for {
		res, err := a.limiter.Allow(ctx, store.RateKey(name), l)
		if err != nil || res.Allowed > 0 {
			return waited, true
		}
		waited = true
		a.metrics.flood.WithLabelValues(action).Inc()
		if outbox.Sleep(ctx, res.RetryAfter) != nil {
			return waited, false
		}
	}
}

// backlogFull is intake's word that an update was turned away because its chat already has a full backlog
// waiting. With notice (at most once a minute per chat) a private chat is told, in its language, on the
// notify lane: intake must not wait for a send budget, and the notice should not wait behind the backlog.
func (a *App) backlogFull(ctx context.Context, u *models.Update, notice bool) {
	a.metrics.overflow.Inc()
	chat := chatOf(u)
	if !notice || chat <= 0 {
		return // groups are not lectured; their traffic is counted
	}
	var code string
	var uid int64
	switch {
	case u.Message != nil && u.Message.From != nil:
		code, uid = u.Message.From.LanguageCode, u.Message.From.ID
	case u.CallbackQuery != nil:
		code, uid = u.CallbackQuery.From.LanguageCode, u.CallbackQuery.From.ID
	}
	user, _ := a.store.GetUser(ctx, uid)
	lang := handlers.ResolveLang(a.content, user, code)
	msg := outbox.Message{ChatID: chat, Text: a.content.T(lang, "flood.backlog"), Key: "backlog:" + strconv.FormatInt(chat, 10)}
	if err := a.out.Enqueue(ctx, outbox.LaneNotify, msg); err != nil {
		a.log.Warn("tell a chat its backlog is full", "chat_id", chat, "err", err)
	}
}
