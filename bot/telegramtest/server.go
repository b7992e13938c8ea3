package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// Token is the bot token a Server accepts unless WithToken says otherwise. Its
// shape (id:secret) matches a real token so code that parses the bot id from it
// works unchanged.
const Token = "123456:TEST-TOKEN"

// Option configures a Server. Options exist only for what a test may want to
// differ from the defaults; everything else is driven through methods.
type Option func(*Server)

// WithToken makes the server accept tok instead of Token, so a test can check
// that the bot sends the token it was configured with.
func WithToken(tok string) Option {
	return func(s *Server) { s.token = tok }
}

// WithBotUser sets the user getMe returns and the sender of the bot's messages.
// The default is {ID: 123456, IsBot: true, FirstName: "Hữu Nghị",
// Username: "huunghi_bot"}.
func WithBotUser(u models.User) Option {
	return func(s *Server) { s.me = u }
}

// WithOnSend registers f to be told about every message the bot sends, edits or
// deletes, as it now looks. The terminal demo prints the conversation with it.
// Calls are serialised and in the order the changes happened; each is made
// before the Bot API call that caused it is answered, and outside the server's
// locks, so f may call the Server (PushText, Messages, ...). f must not wait for
// the bot to send something: the bot's send would wait for f.
func WithOnSend(f func(Message)) Option {
	return func(s *Server) { s.onSend = f }
}

// Call is one Bot API request the server answered, for assertions on traffic
// that leaves no visible message (chat actions, menu buttons) and for debugging.
type Call struct {
	// Method is the canonical method name ("sendMessage"), whatever the case in
	// the request's URL.
	Method string
	// Params holds every request parameter as text: strings as sent, other
	// values as JSON (chat_id "123", reply_markup "{...}"). A file part is
	// recorded by its file name.
	Params map[string]string
	// At is when the request arrived.
	At time.Time
	// Code is the HTTP status the fake answered with (200, 400, 429, ...), or 0
	// when the client gave up before an answer.
	Code int
	// Description is the error description of a failed call, empty on success.
	Description string
	// ID is the request's CallIDHeader, "" without one.
	ID string
}

// CallIDHeader is a request header the fake copies into Call.ID and otherwise ignores: a client that
// numbers its requests can match what it saw (no answer, a timeout) with what the fake did (Code 200: the
// call took effect).
const CallIDHeader = "X-Test-Call-Id"

// Server is a fake Bot API server listening on 127.0.0.1. Create it with New
// and stop it with Close.
type Server struct {
	token  string
	me     models.User
	onSend func(Message)

	methods map[string]endpoint // lower-cased method name → endpoint; fixed after New
	http    *http.Server
	addr    string
	ctx     context.Context // ends with Close; parent of every request's context
	cancel  context.CancelFunc
	hook    *http.Client   // delivers updates to the webhook
	wg      sync.WaitGroup // the serve loop and the webhook deliverer
	calling sync.WaitGroup // requests being handled; Add only under mu while !closed
	once    sync.Once

	notifyMu sync.Mutex // serialises calls of onSend

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change; see changedLocked
	closed  bool

	// Updates.
	lastUpdateID int64
	pending      []pendingUpdate           // unconfirmed, in update_id order
	bodies       map[int64]json.RawMessage // every update pushed, confirmed or not, for Body
	allowed      []string                  // allowed_updates the bot asked for; nil = Telegram's default
	pollGen      uint64                    // number of getUpdates calls so far; a newer call ends an older one
	callbacks    map[string]bool           // callback query id → answered

	// Webhook.
	hookURL, hookSecret string
	hookMaxConn         int
	hookFailID          int64 // update whose delivery failed hookFails times in a row
	hookFails           int
	hookErrDate         int
	hookErrMsg          string

	// What users see and what the bot configured.
	chats    map[int64]*chat
	files    map[string]Document // file_id → document, for resending by file_id
	photos   map[string]bool     // file_ids of the photos users sent, for sendPhoto
	commands map[string][]models.BotCommand
	outbox   []Message // onSend notifications not yet made

	// Traffic and faults.
	calls   []Call
	faults  []fault
	latency map[string]time.Duration // lower-cased method → minimum duration
	flood   flood
	// Wire faults (wire.go): the rules, the faulted calls in a row per method and chat, what was injected.
	wire     []*wireRule
	wireRuns map[string]int
	injected []Injection
}

// endpoint is one Bot API method the fake implements.
type endpoint struct {
	name string
	fn   func(*request) (json.RawMessage, *apiError)
}

// routes is the whole surface of the fake in one table.
func (s *Server) routes() map[string]endpoint {
	table := []endpoint{
		{"getMe", s.getMe},
		{"getUpdates", s.getUpdates},
		{"setWebhook", s.setWebhook},
		{"deleteWebhook", s.deleteWebhook},
		{"getWebhookInfo", s.getWebhookInfo},
		{"sendMessage", s.sendMessage},
		{"editMessageText", s.editMessageText},
		{"editMessageReplyMarkup", s.editMessageReplyMarkup},
		{"deleteMessage", s.deleteMessage},
		{"sendDocument", s.sendDocument},
		{"sendPhoto", s.sendPhoto},
		{"copyMessage", s.copyMessage},
		{"sendChatAction", s.sendChatAction},
		{"answerCallbackQuery", s.answerCallbackQuery},
		{"setMyCommands", s.setMyCommands},
		{"getMyCommands", s.getMyCommands},
		{"deleteMyCommands", s.deleteMyCommands},
		{"setChatMenuButton", s.setChatMenuButton},
	}
	m := make(map[string]endpoint, len(table))
	for _, e := range table {
		m[strings.ToLower(e.name)] = e
	}
	return m
}

// New starts a server on 127.0.0.1 on a free port. Like httptest.NewServer it
// panics when it cannot listen, since no test can go on without it.
func New(opts ...Option) *Server {
	s := &Server{
		token: Token,
		me: models.User{
			ID:        123456,
			IsBot:     true,
			FirstName: "Hữu Nghị",
			Username:  "huunghi_bot",
		},
		changed:   make(chan struct{}),
		callbacks: make(map[string]bool),
		bodies:    make(map[int64]json.RawMessage),
		chats:     make(map[int64]*chat),
		files:     make(map[string]Document),
		photos:    make(map[string]bool),
		commands:  make(map[string][]models.BotCommand),
		latency:   make(map[string]time.Duration),
		wireRuns:  make(map[string]int),
	}
	for _, o := range opts {
		o(s)
	}
	s.methods = s.routes()
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.hook = &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("telegramtest: listen: %v", err))
	}
	s.addr = ln.Addr().String()
	s.http = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
	}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		// Serve ends with ErrServerClosed at Close; any other end is a dead
		// listener, which the calls of the bot under test will report.
		_ = s.http.Serve(ln)
	}()
	go func() {
		defer s.wg.Done()
		s.deliverWebhook()
	}()
	return s
}

// URL is the server's base URL, for bot.WithServerURL: "http://127.0.0.1:port".
func (s *Server) URL() string { return "http://" + s.addr }

// Bot is the bot's own user, as getMe returns it.
func (s *Server) Bot() models.User { return s.me }

// Close ends pending long polls and webhook deliveries, stops the server and
// waits for its goroutines and the requests being handled, so nothing of it
// runs after Close returns. It is safe to call more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.changedLocked()
		s.mu.Unlock()
		s.cancel()
		// Close, not Shutdown: Shutdown waits 5 s for connections a client
		// opened and never used, which go-telegram/bot's transport leaves.
		_ = s.http.Close()
		s.calling.Wait()
		s.wg.Wait()
		s.hook.CloseIdleConnections()
	})
}

// changedLocked wakes everything waiting for a change of state: long polls,
// the webhook deliverer, Wait. s.mu must be held.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Wait reports whether cond became true within timeout. cond is checked after
// every change of the server's state and at least every 10ms, without the
// server's locks held, so it may call Server methods or look at state outside
// the server.
func (s *Server) Wait(cond func() bool, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-deadline.C:
			return cond()
		}
	}
}

// serveHTTP answers /bot<token>/<method> like the Bot API.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		writeAnswer(w, nil, &apiError{code: http.StatusServiceUnavailable, description: "Service Unavailable"})
		return
	}
	s.calling.Add(1)
	s.mu.Unlock()
	defer s.calling.Done()

	call := Call{At: time.Now(), ID: r.Header.Get(CallIDHeader)}
	token, method, ok := splitPath(r.URL.Path)
	if !ok {
		writeAnswer(w, nil, &apiError{code: http.StatusNotFound, description: "Not Found"})
		return
	}
	call.Method = method
	ep, known := s.methods[strings.ToLower(method)]
	if known {
		call.Method = ep.name
	}
	req, perr := readRequest(r)
	call.Params = req.params

	var res json.RawMessage
	var aerr *apiError
	switch {
	case token != s.token:
		aerr = &apiError{code: http.StatusUnauthorized, description: "Unauthorized"}
	case !known:
		aerr = &apiError{code: http.StatusNotFound, description: "Not Found: method not found"}
	case perr != nil:
		aerr = perr
	case !s.delay(r.Context(), ep.name):
		s.record(call) // the client gave up: nothing was done, nothing is answered
		return
	default:
		wf, wired := s.takeWire(ep.name, req.params)
		if wired && s.wireBefore(w, r, call, wf) {
			return
		}
		if f := s.takeFault(ep.name, req.params); f != nil {
			aerr = f
		} else if f := s.takeFlood(ep.name); f != nil {
			aerr = f
		} else {
			res, aerr = ep.fn(req)
		}
		if wired {
			call.Code = http.StatusOK
			if aerr != nil {
				call.Code, call.Description = aerr.code, aerr.description
			}
			if s.wireAfter(w, r, call, wf) {
				return
			}
		}
	}
	// Record and notify before answering, so that a client that has its
	// answer finds the call in Calls and has been shown to OnSend.
	call.Code = http.StatusOK
	if aerr != nil {
		call.Code, call.Description = aerr.code, aerr.description
	}
	s.record(call)
	s.notify()
	writeAnswer(w, res, aerr)
}

// splitPath splits "/bot<token>/<method>".
func splitPath(p string) (token, method string, ok bool) {
	rest, ok := strings.CutPrefix(p, "/bot")
	if !ok {
		return "", "", false
	}
	token, method, ok = strings.Cut(rest, "/")
	if !ok || token == "" || method == "" || strings.Contains(method, "/") {
		return "", "", false
	}
	return token, method, true
}

// record appends a finished call.
func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	s.changedLocked()
}

// Calls returns the calls of method (any case; "" for all), in the order they
// were answered. The result is a copy.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || strings.EqualFold(c.Method, method) {
			c.Params = maps.Clone(c.Params)
			out = append(out, c)
		}
	}
	return out
}

// Answers returns the successful answerCallbackQuery calls — what users saw as
// a toast or an alert: Params "callback_query_id", "text", "show_alert".
func (s *Server) Answers() []Call {
	var out []Call
	for _, c := range s.Calls("answerCallbackQuery") {
		if c.Code == http.StatusOK {
			out = append(out, c)
		}
	}
	return out
}

// notify makes the onSend calls queued so far, in order. Whoever holds
// notifyMu drains the whole queue, so a change is always reported before the
// call that made it is answered.
func (s *Server) notify() {
	if s.onSend == nil {
		return
	}
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	s.mu.Lock()
	q := s.outbox
	s.outbox = nil
	s.mu.Unlock()
	for _, m := range q {
		s.onSend(m)
	}
}

// apiError is a Bot API error answer.
type apiError struct {
	code        int
	description string
	retryAfter  int
}

// badRequest is Telegram's 400 answer; the description gets its "Bad Request: "
// prefix here.
func badRequest(format string, args ...any) *apiError {
	return &apiError{code: http.StatusBadRequest, description: "Bad Request: " + fmt.Sprintf(format, args...)}
}

// writeAnswer writes a Bot API answer.
func writeAnswer(w http.ResponseWriter, result json.RawMessage, e *apiError) {
	type parameters struct {
		RetryAfter int `json:"retry_after,omitempty"`
	}
	var a struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result,omitempty"`
		ErrorCode   int             `json:"error_code,omitempty"`
		Description string          `json:"description,omitempty"`
		Parameters  *parameters     `json:"parameters,omitempty"`
	}
	code := http.StatusOK
	if e != nil {
		code = e.code
		a.ErrorCode = e.code
		a.Description = e.description
		if e.retryAfter > 0 {
			a.Parameters = &parameters{RetryAfter: e.retryAfter}
		}
	} else {
		a.OK = true
		a.Result = result
	}
	body, err := json.Marshal(a)
	if err != nil {
		code = http.StatusInternalServerError
		body = []byte(`{"ok":false,"error_code":500,"description":"Internal Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(body) // the client may be gone; nothing to do about it
}

// mustJSON encodes a result. The fake's own result types always encode, so a
// failure is a bug in the fake.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: encode result: %v", err))
	}
	return b
}

// resultTrue is the result of every Bot API method that answers a bool.
const resultTrue = "true"

// getMe answers the bot's user.
func (s *Server) getMe(*request) (json.RawMessage, *apiError) {
	return mustJSON(s.me), nil
}
