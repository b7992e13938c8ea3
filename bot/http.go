package bot

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// httpHandler serves /healthz (the process is up), /readyz (Redis answers and intake runs), /metrics and,
// in webhook mode, the webhook path of WEBHOOK_URL.
func (a *App) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := a.store.Ping(ctx); err != nil {
			http.Error(w, "redis unreachable", http.StatusServiceUnavailable)
			return
		}
		if !a.running.Load() {
			http.Error(w, "intake not running", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{}))
	if a.cfg.WebhookURL != nil {
		mux.HandleFunc(a.cfg.WebhookURL.Path, func(w http.ResponseWriter, r *http.Request) {
			in := a.intake.Load()
			if in == nil {
				http.Error(w, "starting", http.StatusServiceUnavailable)
				return
			}
			in.ServeHTTP(w, r)
		})
	}
	return mux
}
