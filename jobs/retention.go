package jobs

import (
	"context"
	"log/slog"
	"time"
)

// KeepRegistrationsMonths is how long a registration is kept at most. The consent text every applicant
// agrees to (form.consent.text in messages/ui) promises "never longer than 12 months": change both together.
const KeepRegistrationsMonths = 12

// RegistrationDeleter deletes registrations created before a cutoff (store.Store).
type RegistrationDeleter interface {
	DeleteRegistrationsBefore(ctx context.Context, cutoff time.Time) (int, error)
}

// Retention returns the daily job that deletes registrations — answers, status and the user's link to
// them — once they are older than KeepRegistrationsMonths. It catches up by itself: a missed night is
// covered by the next one, because the cutoff is an age, not a date range.
func Retention(st RegistrationDeleter, log *slog.Logger) Job {
	return Job{
		Name: "retention",
		Spec: "30 3 * * *", // 03:30 in BOT_TIMEZONE, when nobody is applying
		Run: func(ctx context.Context, tick time.Time) error {
			n, err := st.DeleteRegistrationsBefore(ctx, tick.AddDate(0, -KeepRegistrationsMonths, 0))
			if n > 0 {
				log.Info("retention: deleted old registrations", "count", n)
			}
			return err
		},
	}
}
