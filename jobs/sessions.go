package jobs

import (
	"context"
	"log/slog"
	"time"
)

// SessionTTL is how long a session lives after its last save by default: the store's session TTL. It is
// repeated here because package jobs imports no other package of the bot; a test checks the two agree.
// RETAIN_SESSIONS may shorten it (the keep of Sessions).
const SessionTTL = 7 * 24 * time.Hour

// SessionCleaner deletes sessions that can no longer go anywhere (store.Store).
type SessionCleaner interface {
	CleanSessions(ctx context.Context, cutoff time.Time, dead func(flow string, data []byte) bool) (expired, dropped int, err error)
}

// Sessions returns the nightly job that deletes form sessions not saved for keep (RETAIN_SESSIONS; 0 is
// SessionTTL), so that Redis does not keep a
// week of half-filled forms past their time when the bot's calendar runs ahead of Redis's own clock (the
// TTL Redis applies is real time; see store.WithClock), and the forms of programmes that closed or were
// withdrawn from the content, which can never be submitted. programme names the programme a session is a
// form for ("" for other flows, or data it cannot read: left to expire); open reports whether a programme
// takes registrations at a time, as for Retention. Nobody is messaged: a user who comes back to such a
// form is told it expired, as they would be anyway. The job catches up by itself: the cutoff is an age,
// and a programme closed stays closed.
func Sessions(st SessionCleaner, keep time.Duration, programme func(flow string, data []byte) string, open func(prog string, at time.Time) bool, log *slog.Logger) Job {
	if keep <= 0 {
		keep = SessionTTL
	}
	return Job{
		Name: "sessions",
		Spec: "15 3 * * *", // 03:15 in BOT_TIMEZONE, before retention and when nobody is filling in forms
		Run: func(ctx context.Context, tick time.Time) error {
			var dead func(flow string, data []byte) bool
			if programme != nil {
				dead = func(flow string, data []byte) bool {
					prog := programme(flow, data)
					return prog != "" && (open == nil || !open(prog, tick))
				}
			}
			expired, dropped, err := st.CleanSessions(ctx, tick.Add(-keep), dead)
			if expired+dropped > 0 {
				log.Info("sessions: deleted sessions", "expired", expired, "closed_programme", dropped)
			}
			return err
		},
	}
}
