package jobs

import (
	"context"
	"log/slog"
	"time"
)

// ReminderMover moves due reminders from their schedule into the outbox's reminder lane in one atomic step
// (store.Store).
type ReminderMover interface {
	MoveDueReminders(ctx context.Context, now time.Time, lane string) (int, error)
}

// Reminders returns the job that hands due reminders to the outbox, every minute. Because the move is one
// Redis script per batch, two replicas never both take a reminder (besides the claim of the run), and a
// crash leaves each one either scheduled or queued, never lost between. What is moved is a reference: the
// outbox renders it in the receiver's language when it sends it, and drops it then if the sign-up, the
// event or the person's wish for reminders is gone. A run catches up everything due up to its tick, so
// a run after downtime sends what came due meanwhile — late, with a true "starts in". It moves what is due
// at now (the bot's clock), not at its tick: a run that starts late, or by hand, sends everything due.
func Reminders(st ReminderMover, lane string, now func() time.Time, log *slog.Logger) Job {
	return Job{
		Name: "reminders",
		Spec: "* * * * *",
		Run: func(ctx context.Context, _ time.Time) error {
			n, err := st.MoveDueReminders(ctx, now(), lane)
			if n > 0 {
				log.Info("reminders queued", "count", n)
			}
			return err
		},
	}
}

// EventSyncer applies changes of events made outside the chat (a deployed file): events.Catalog.
type EventSyncer interface {
	Sync(ctx context.Context) (int, error)
}

// Events returns the job that applies event changes made in files (moved reminders, people told), every
// minute and at start. Changes made in the chat are applied when they are made.
func Events(cat EventSyncer, log *slog.Logger) Job {
	return Job{
		Name: "events",
		Spec: "* * * * *",
		Run: func(ctx context.Context, tick time.Time) error {
			n, err := cat.Sync(ctx)
			if n > 0 {
				log.Info("events changed", "count", n)
			}
			return err
		},
	}
}
