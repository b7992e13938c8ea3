package jobs

import (
	"context"
	"log/slog"
	"time"
)

// KeepRegistrationsMonths is how long a registration is kept at most. The consent text every applicant
// agrees to (form.consent.text in messages/ui) promises "never longer than 12 months": change both together.
const KeepRegistrationsMonths = 12

// RegistrationExpirer enforces the retention limit on registrations (store.Store).
type RegistrationExpirer interface {
	ExpireRegistrations(ctx context.Context, cutoff time.Time, open func(prog string) bool) (int, error)
}

// Retention returns the daily job that enforces KeepRegistrationsMonths: registrations older than that lose
// their answers, and are deleted entirely unless their programme is still open (open reports whether it
// is at a time; then the applicant keeps the place). It catches up by itself: a missed night is covered by
// the next one, because the cutoff is an age, not a date range.
func Retention(st RegistrationExpirer, open func(prog string, at time.Time) bool, log *slog.Logger) Job {
	return Job{
		Name: "retention",
		Spec: "30 3 * * *", // 03:30 in BOT_TIMEZONE, when nobody is applying
		Run: func(ctx context.Context, tick time.Time) error {
			n, err := st.ExpireRegistrations(ctx, tick.AddDate(0, -KeepRegistrationsMonths, 0),
				func(prog string) bool { return open != nil && open(prog, tick) })
			if n > 0 {
				log.Info("retention: expired old registrations", "count", n)
			}
			return err
		},
	}
}
