package bot

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// publicHandler serves HTTP_ADDR, the port a reverse proxy forwards to: /healthz (the process is up),
// /readyz (Redis answers and intake runs) and, in webhook mode, the webhook path of WEBHOOK_URL. Nothing
// else: /metrics is on the loopback METRICS_ADDR (see adminHandler).
func (a *App) publicHandler() http.Handler {
	mux := http.NewServeMux()
	a.health(mux)
	if a.cfg.WebhookURL != nil {
		mux.HandleFunc(a.cfg.WebhookURL.Path, func(w http.ResponseWriter, r *http.Request) {
			in := a.intake.Load()
			if in == nil {
				refuse(w, http.StatusServiceUnavailable, "starting")
				return
			}
			in.ServeHTTP(w, r)
		})
	}
	return bodiesOnlyFor(a.webhookPath(), mux)
}

// adminHandler serves METRICS_ADDR: /metrics, and the health endpoints again, so that a probe on the host
// works whatever happens on the public port.
func (a *App) adminHandler() http.Handler {
	mux := http.NewServeMux()
	a.health(mux)
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{}))
	return noBody(mux)
}

func (a *App) health(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !a.redisAnswers(r.Context()) {
			http.Error(w, "redis unreachable", http.StatusServiceUnavailable)
			return
		}
		if !a.running.Load() {
			http.Error(w, "intake not running", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
}

// readyPing is how long a Redis PING answers /readyz: the public port must not let a client send Redis
// a PING per request.
const readyPing = time.Second

// redisAnswers pings Redis at most once per readyPing, and concurrent probes share one ping.
func (a *App) redisAnswers(ctx context.Context) bool {
	a.readyMu.Lock()
	defer a.readyMu.Unlock()
	if time.Since(a.readyAt) < readyPing {
		return a.readyOK
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	a.readyOK, a.readyAt = a.store.Ping(ctx) == nil, time.Now()
	return a.readyOK
}

func (a *App) webhookPath() string {
	if a.cfg.WebhookURL == nil {
		return ""
	}
	return a.cfg.WebhookURL.Path
}

// bodiesOnlyFor refuses a request body on every path but the webhook's, which reads (and bounds) its own.
func bodiesOnlyFor(path string, next http.Handler) http.Handler {
	guarded := noBody(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if path != "" && r.URL.Path == path {
			next.ServeHTTP(w, r)
			return
		}
		guarded.ServeHTTP(w, r)
	})
}
