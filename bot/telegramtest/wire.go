package telegramtest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"
)

// Wire faults are what a Bot API call meets between the bot and Telegram rather than in Telegram's
// answer: a proxy's 5xx, a call held past the client's timeout, a slow answer, a connection reset. Unlike
// FailNext's refusals, two of them (ResetAfter, HoldAfter) happen after the call took effect: the message
// is in the chat but the bot never hears so — the one case in which a retry sends it twice, and the only
// duplicates the outbox's error policy allows. The fake records every injected fault (Injections), with
// whether the call took effect, so a test can bound the duplicates it sees by exactly those.

// WireKind is how a call fails at the wire.
type WireKind int

// The wire faults.
const (
	// Status answers Code (default 502) without any effect; with JSON the body is the Bot API's error
	// object, without it an HTML page such as a reverse proxy's "502 Bad Gateway".
	Status WireKind = iota + 1
	// Hold keeps the call, without effect, until the client gives up (its timeout or its context) or the
	// server closes: a Telegram that does not answer.
	Hold
	// Slow waits Delay, then handles the call normally: a slow answer, for a delay under the client's
	// timeout (a client that gives up first sees a Hold).
	Slow
	// ResetBefore closes the connection with a TCP reset before the call has any effect.
	ResetBefore
	// ResetAfter handles the call, then resets the connection instead of answering: "did it send?".
	ResetAfter
	// HoldAfter handles the call, then holds the answer until the client gives up.
	HoldAfter
)

// String names a kind in test output.
func (k WireKind) String() string {
	switch k {
	case Status:
		return "status"
	case Hold:
		return "hold"
	case Slow:
		return "slow"
	case ResetBefore:
		return "reset-before"
	case ResetAfter:
		return "reset-after"
	case HoldAfter:
		return "hold-after"
	}
	return fmt.Sprintf("WireKind(%d)", int(k))
}

// Lost reports whether the kind handles the call and loses its answer: the duplicate window.
func (k WireKind) Lost() bool { return k == ResetAfter || k == HoldAfter }

// WireFault is one fault to inject. Code and JSON are for Status; Delay is for Slow.
type WireFault struct {
	Kind  WireKind
	Code  int
	JSON  bool
	Delay time.Duration
}

// Injection is a fault the fake injected into one call.
type Injection struct {
	Method string // canonical name
	ChatID string // the call's chat_id, "" without one
	Fault  WireFault
	// Effect is set when the call took effect (a message was sent, edited, ...) although its answer
	// never reached the client: a ResetAfter or HoldAfter of a call the fake accepted.
	Effect bool
	At     time.Time
}

// wireRule is an InjectNext or an InjectRandom.
type wireRule struct {
	method string // lower-cased
	chatID string // "" = any chat
	left   int    // InjectNext: calls left; InjectRandom: -1
	p      float64
	rng    *rand.Rand
	maxRun int // InjectRandom: most faulted calls in a row to one chat; 0 = no bound
	f      WireFault
}

// InjectNext makes the next n calls of method (any case) meet f; with chatID ≠ 0 only calls to that chat.
// Rules are used up in the order they were made, before any InjectRandom.
func (s *Server) InjectNext(method string, chatID int64, n int, f WireFault) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := wireRule{method: strings.ToLower(method), left: n, f: f}
	if chatID != 0 {
		r.chatID = fmt.Sprint(chatID)
	}
	s.wire = append(s.wire, &r)
}

// InjectRandom makes each later call of method (any case) meet f with probability p, drawn from a
// generator seeded with seed: the same seed gives the same sequence of draws, so a failing run is
// repeated by its seed (the calls' order between chats is the bot's). maxRun > 0 bounds the faulted calls
// in a row to one chat (a call the rule spares ends a run), so that a test can stay inside the bot's
// retry bound and assert that nothing is lost. p ≤ 0 removes the random rules of method.
func (s *Server) InjectRandom(method string, p float64, seed uint64, maxRun int, f WireFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	method = strings.ToLower(method)
	if p <= 0 {
		kept := s.wire[:0]
		for _, r := range s.wire {
			if r.method != method || r.left >= 0 {
				kept = append(kept, r)
			}
		}
		s.wire = kept
		return
	}
	s.wire = append(s.wire, &wireRule{method: method, left: -1, p: p, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), maxRun: maxRun, f: f})
}

// Injections returns the faults injected so far, in the order of the calls. The result is a copy.
func (s *Server) Injections() []Injection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Injection(nil), s.injected...)
}

// takeWire picks the wire fault of a call, if any: the first InjectNext that matches, else a draw of each
// matching InjectRandom in turn.
func (s *Server) takeWire(method string, params map[string]string) (WireFault, bool) {
	method = strings.ToLower(method)
	chat := strings.TrimSpace(params["chat_id"])
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.wire {
		if r.left < 0 || r.method != method || (r.chatID != "" && r.chatID != chat) {
			continue
		}
		r.left--
		if r.left == 0 {
			s.wire = append(s.wire[:i], s.wire[i+1:]...)
		}
		return r.f, true
	}
	run := method + "/" + chat
	for _, r := range s.wire {
		if r.left >= 0 || r.method != method {
			continue
		}
		hit := r.rng.Float64() < r.p // drawn for every call, so the sequence depends on the seed only
		if hit && (r.maxRun <= 0 || s.wireRuns[run] < r.maxRun) {
			s.wireRuns[run]++
			return r.f, true
		}
	}
	delete(s.wireRuns, run)
	return WireFault{}, false
}

// injectedLocked records an injection. s.mu must be held.
func (s *Server) injectedLocked(in Injection) {
	s.injected = append(s.injected, in)
	s.changedLocked()
}

// wireBefore applies the part of f that comes before the call's effect. It returns true when the call is
// over (answered, held or reset); false when the call goes on to be handled (Slow after its delay, and
// the kinds that act after the effect).
func (s *Server) wireBefore(w http.ResponseWriter, r *http.Request, call Call, f WireFault) bool {
	in := Injection{Method: call.Method, ChatID: call.Params["chat_id"], Fault: f, At: time.Now()}
	switch f.Kind {
	case Status:
		code := f.Code
		if code == 0 {
			code = http.StatusBadGateway
		}
		s.mu.Lock()
		s.injectedLocked(in)
		s.mu.Unlock()
		call.Code, call.Description = code, http.StatusText(code)
		s.record(call)
		if f.JSON {
			writeAnswer(w, nil, &apiError{code: code, description: http.StatusText(code)})
			return true
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(code)
		_, _ = fmt.Fprintf(w, "<html>\r\n<head><title>%[1]d %[2]s</title></head>\r\n<body>\r\n<center><h1>%[1]d %[2]s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", code, http.StatusText(code))
		return true
	case Hold:
		s.mu.Lock()
		s.injectedLocked(in)
		s.mu.Unlock()
		<-r.Context().Done() // the client gave up, or the server closes
		call.Description = "held until the client gave up"
		s.record(call)
		return true
	case Slow:
		s.mu.Lock()
		s.injectedLocked(in)
		s.mu.Unlock()
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
			return false
		case <-r.Context().Done():
			call.Description = "the client gave up while the answer was slow"
			s.record(call)
			return true
		}
	case ResetBefore:
		s.mu.Lock()
		s.injectedLocked(in)
		s.mu.Unlock()
		call.Description = "connection reset before the call took effect"
		s.record(call)
		reset(w)
		return true
	}
	return false
}

// wireAfter applies the part of f that comes after the call was handled (ResetAfter, HoldAfter) and
// reports whether it did; the call's answer is then lost. The call is recorded with the code it would have
// been answered with, and shown to OnSend: it took effect.
func (s *Server) wireAfter(w http.ResponseWriter, r *http.Request, call Call, f WireFault) bool {
	if !f.Kind.Lost() {
		return false
	}
	s.mu.Lock()
	s.injectedLocked(Injection{Method: call.Method, ChatID: call.Params["chat_id"], Fault: f,
		Effect: call.Code == http.StatusOK, At: time.Now()})
	s.mu.Unlock()
	call.Description = "answer lost: " + f.Kind.String()
	s.record(call)
	s.notify()
	if f.Kind == HoldAfter {
		<-r.Context().Done()
		return true
	}
	reset(w)
	return true
}

// reset closes the request's connection with a TCP RST (linger 0), so the client reads "connection reset
// by peer" rather than a clean end of stream.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("telegramtest: the response writer cannot be hijacked") // HTTP/1.1 always can
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return // the connection is gone already: the client sees it closed all the same
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}
