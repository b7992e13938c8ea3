package jobs

import (
	"context"
	"log/slog"
	"time"
)

// The nightly jobs that hold the retention of personal data the Union states in /privacy (RETAIN_*): what
// has a TTL in Redis goes by itself in real time; these jobs apply the same ages on the bot's calendar, and
// delete what has no TTL at all — the profiles of people who stopped using the bot. Each is an age, not a
// date range, so a missed night is caught up by the next; each run is bounded, so a backlog (the first run
// after an upgrade, a shortened setting) is worked off over a few nights without holding Redis.

// InactivePerRun bounds how many inactive users one run deletes.
const InactivePerRun = 1000

// InactiveForgetter finds and deletes inactive users (store.Store).
type InactiveForgetter interface {
	ForgetInactiveUsers(ctx context.Context, cutoff time.Time, limit int, forget func(ctx context.Context, uid int64) error) (int, error)
}

// InactiveUsers returns the nightly job that deletes everything kept about users not seen for keep
// (RETAIN_INACTIVE_USERS), as /forget does. forget is /forget's whole deletion of one user (the store's
// part, the outbox's queued messages about them, and telling whoever took a place they held); it is the
// bot's, so that "deleted as /forget does" stays one definition. Nobody is messaged about the deletion:
// the person has not written for that long, and may have left Telegram.
func InactiveUsers(st InactiveForgetter, keep time.Duration, forget func(ctx context.Context, uid int64) error, log *slog.Logger) Job {
	return ageJob("inactive_users", "0 4 * * *", keep, log, "retention: deleted inactive users", "count",
		func(ctx context.Context, cutoff time.Time) (int, error) {
			return st.ForgetInactiveUsers(ctx, cutoff, InactivePerRun, forget)
		}) // 04:00 in BOT_TIMEZONE, after the registrations' and sign-ups' retention
}

// QuestionsExpirer deletes the day counts of unanswered questions older than a cutoff (store.Store).
type QuestionsExpirer interface {
	ExpireQuestions(ctx context.Context, cutoff time.Time) (int, error)
}

// Questions returns the nightly job that deletes the texts of unanswered questions older than keep
// (RETAIN_QUESTIONS).
func Questions(st QuestionsExpirer, keep time.Duration, log *slog.Logger) Job {
	return ageJob("questions_retention", "5 4 * * *", keep, log, "retention: deleted old unanswered questions", "days", st.ExpireQuestions)
}

// HandoffExpirer deletes the links from staff-chat messages to users not seen since a cutoff (store.Store).
type HandoffExpirer interface {
	ExpireHandoffLinks(ctx context.Context, cutoff time.Time) (int, error)
}

// Handoff returns the nightly job that deletes the links of handoff threads to people who have not written
// for keep (RETAIN_HANDOFF).
func Handoff(st HandoffExpirer, keep time.Duration, log *slog.Logger) Job {
	return ageJob("handoff_retention", "10 4 * * *", keep, log, "retention: deleted old handoff links", "users", st.ExpireHandoffLinks)
}

// ageJob is a retention job: at spec it deletes what is older than keep on the bot's calendar (expire,
// given the cutoff), and logs how many (counted as unit) when there were any.
func ageJob(name, spec string, keep time.Duration, log *slog.Logger, msg, unit string, expire func(ctx context.Context, cutoff time.Time) (int, error)) Job {
	return Job{
		Name: name,
		Spec: spec,
		Run: func(ctx context.Context, tick time.Time) error {
			n, err := expire(ctx, tick.Add(-keep))
			if n > 0 {
				log.Info(msg, unit, n)
			}
			return err
		},
	}
}
