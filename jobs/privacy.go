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
	return Job{
		Name: "inactive_users",
		Spec: "0 4 * * *", // 04:00 in BOT_TIMEZONE, after the registrations' and sign-ups' retention
		Run: func(ctx context.Context, tick time.Time) error {
			n, err := st.ForgetInactiveUsers(ctx, tick.Add(-keep), InactivePerRun, forget)
			if n > 0 {
				log.Info("retention: deleted inactive users", "count", n)
			}
			return err
		},
	}
}

// QuestionsExpirer deletes the day counts of unanswered questions older than a cutoff (store.Store).
type QuestionsExpirer interface {
	ExpireQuestions(ctx context.Context, cutoff time.Time) (int, error)
}

// Questions returns the nightly job that deletes the texts of unanswered questions older than keep
// (RETAIN_QUESTIONS).
func Questions(st QuestionsExpirer, keep time.Duration, log *slog.Logger) Job {
	return Job{
		Name: "questions_retention",
		Spec: "5 4 * * *",
		Run: func(ctx context.Context, tick time.Time) error {
			n, err := st.ExpireQuestions(ctx, tick.Add(-keep))
			if n > 0 {
				log.Info("retention: deleted old unanswered questions", "days", n)
			}
			return err
		},
	}
}

// HandoffExpirer deletes the links from staff-chat messages to users not seen since a cutoff (store.Store).
type HandoffExpirer interface {
	ExpireHandoffLinks(ctx context.Context, cutoff time.Time) (int, error)
}

// Handoff returns the nightly job that deletes the links of handoff threads to people who have not written
// for keep (RETAIN_HANDOFF).
func Handoff(st HandoffExpirer, keep time.Duration, log *slog.Logger) Job {
	return Job{
		Name: "handoff_retention",
		Spec: "10 4 * * *",
		Run: func(ctx context.Context, tick time.Time) error {
			n, err := st.ExpireHandoffLinks(ctx, tick.Add(-keep))
			if n > 0 {
				log.Info("retention: deleted old handoff links", "users", n)
			}
			return err
		},
	}
}
