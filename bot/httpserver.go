package bot

import (
	"container/list"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// HTTPLimits bound what one client of the HTTP server can hold. Telegram opens at most MaxConnections (40,
// see startWebhook) connections to the webhook and sends each update, a few kilobytes, at once; a load
// balancer or the container's health check asks /healthz. A client slower or more numerous than that is
// not Telegram, and must not be able to keep Telegram out.
type HTTPLimits struct {
	// MaxConns bounds the open connections of the public listener (file descriptors stay bounded). When a
	// new connection would pass it, the one that has been silent the longest is closed; see connGuard.
	MaxConns int
	// HeaderTimeout is how long a client has to send a request's headers.
	HeaderTimeout time.Duration
	// BodyTimeout is how long a webhook request's body may take after its headers.
	BodyTimeout time.Duration
	// WriteTimeout bounds a whole request from its headers to the end of the answer; it must exceed the
	// webhook's time to store an update (webhookStoreTimeout).
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no new request.
	IdleTimeout time.Duration
}

// DefaultHTTPLimits returns the production limits.
func DefaultHTTPLimits() HTTPLimits {
	return HTTPLimits{
		MaxConns:      512,
		HeaderTimeout: 5 * time.Second,
		BodyTimeout:   5 * time.Second,
		WriteTimeout:  webhookStoreTimeout + 10*time.Second,
		IdleTimeout:   60 * time.Second,
	}
}

// newHTTPServer returns a server with lim's timeouts. guard, when not nil, bounds its connections. Errors
// net/http logs itself (accept errors, malformed requests) go to log, whose repeats are rate-limited.
func newHTTPServer(h http.Handler, lim HTTPLimits, guard *connGuard, log *slog.Logger) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: lim.HeaderTimeout,
		ReadTimeout:       lim.HeaderTimeout + lim.BodyTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if guard != nil {
		srv.ConnState = guard.track
	}
	return srv
}

// refuse answers code without reading the request body and closes the connection. net/http would otherwise
// read the body after the answer, to reuse the connection, and a client that announced a body it never
// sends would hold the connection until the read timeout.
func refuse(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(time.Now())
	http.Error(w, msg, code)
}

// noBody refuses requests that carry a body, for endpoints that take none (health, metrics).
func noBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 {
			refuse(w, http.StatusBadRequest, "no request body expected")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// connGuard bounds the open connections of one listener. When a new connection would pass the bound, the
// connection that has been quiet the longest — connected and silent, or idle between keep-alive requests —
// is closed to make room; only when every other connection is in the middle of a request is the new one
// refused. So a crowd of silent or slow clients can neither exhaust file descriptors nor keep Telegram's
// deliveries and health probes out: a real request sends its headers as soon as it connects, so it is
// among the newest connections. (Against a flood of new connections at R a second, a connection quiet for
// longer than MaxConns/R seconds is shed; at the default 512 that takes thousands of connections a second,
// which is for a firewall to stop.)
//
// golang.org/x/net/netutil.LimitListener was the first choice. It stops accepting at the bound, which
// bounds descriptors but queues every real request behind the silent ones until their timeouts expire.
type connGuard struct {
	max int

	mu    sync.Mutex
	conns map[net.Conn]*guarded
	quiet *list.List // of net.Conn, longest quiet first
	live  int        // open and not being shed

	open prometheus.Gauge
	shed prometheus.Counter
}

type guarded struct {
	elem    *list.Element // in quiet; nil while a request is active
	closing bool
}

func newConnGuard(max int) *connGuard {
	return &connGuard{
		max: max, conns: map[net.Conn]*guarded{}, quiet: list.New(),
		open: prometheus.NewGauge(prometheus.GaugeOpts{Name: "huunghi_http_connections", Help: "Open connections on the public HTTP listener."}),
		shed: prometheus.NewCounter(prometheus.CounterOpts{Name: "huunghi_http_connections_shed_total", Help: "Connections closed to stay within the bound (silent or idle clients, or refused when all were busy)."}),
	}
}

func (g *connGuard) collectors() []prometheus.Collector {
	return []prometheus.Collector{g.open, g.shed}
}

// track is the server's ConnState hook. net/http calls it for StateNew in its accept loop, before serving
// the connection, so the bound holds before a byte is read.
func (g *connGuard) track(c net.Conn, s http.ConnState) {
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.conns[c]
	switch s {
	case http.StateNew:
		e = &guarded{elem: g.quiet.PushBack(c)}
		g.conns[c] = e
		g.live++
		if g.live > g.max {
			g.shedLocked()
		}
	case http.StateActive:
		if e != nil && !e.closing && e.elem != nil {
			g.quiet.Remove(e.elem)
			e.elem = nil
		}
	case http.StateIdle:
		if e != nil && !e.closing {
			if e.elem != nil {
				g.quiet.Remove(e.elem)
			}
			e.elem = g.quiet.PushBack(c)
		}
	case http.StateClosed, http.StateHijacked:
		if e == nil {
			return
		}
		if e.elem != nil {
			g.quiet.Remove(e.elem)
		}
		if !e.closing {
			g.live--
		}
		delete(g.conns, c)
	}
	g.open.Set(float64(g.live))
}

// shedLocked closes the connection quiet the longest. The newest connection is at the back of the quiet
// list, so it is closed only when it is the only quiet one.
func (g *connGuard) shedLocked() {
	front := g.quiet.Front()
	if front == nil {
		return // cannot happen: the new connection is quiet
	}
	c := front.Value.(net.Conn)
	e := g.conns[c]
	g.quiet.Remove(front)
	e.elem, e.closing = nil, true
	g.live--
	g.shed.Inc()
	_ = c.Close()
}
