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

// KeepSignupsDays is how long after an event ends its sign-ups are kept: a month for staff to follow up
// (certificates, photos, a thank-you), then they go. The privacy answer (faq bot_privacy) says so: change
// both together.
const KeepSignupsDays = 30

// SignupPurger deletes the sign-ups of an event that is over (store.Store).
type SignupPurger interface {
	PurgeSignups(ctx context.Context, ev string) (int, error)
}

// SignupRetention returns the nightly job that deletes the sign-ups of events that ended more than
// KeepSignupsDays ago. ended lists those events at a time (the catalogue's, file and staff events alike).
// Purging is idempotent, so a missed night is caught up by the next.
func SignupRetention(st SignupPurger, ended func(ctx context.Context, before time.Time) ([]string, error), log *slog.Logger) Job {
	return Job{
		Name: "signups_retention",
		Spec: "45 3 * * *", // after the registrations' retention
		Run: func(ctx context.Context, tick time.Time) error {
			evs, err := ended(ctx, tick.AddDate(0, 0, -KeepSignupsDays))
			if err != nil {
				return err
			}
			for _, ev := range evs {
				n, err := st.PurgeSignups(ctx, ev)
				if err != nil {
					return err
				}
				if n > 0 {
					log.Info("retention: deleted the sign-ups of an event that is over", "event", ev, "count", n)
				}
			}
			return nil
		},
	}
}
