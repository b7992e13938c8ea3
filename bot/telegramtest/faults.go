package telegramtest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Failure is an error answer FailNext injects. Code is the Bot API error_code
// and HTTP status; Description defaults to Telegram's text for the code
// ("Too Many Requests: retry after N", "Forbidden: bot was blocked by the
// user", ...); RetryAfter becomes parameters.retry_after, which go-telegram/bot
// surfaces as *bot.TooManyRequestsError. A zero Code means 500.
type Failure struct {
	Code        int
	Description string
	RetryAfter  int
}

// fault is a pending FailNext.
type fault struct {
	method string // lower-cased
	chatID int64  // 0 = any call
	left   int
	f      Failure
}

// FailNext makes the next n calls of method (any case) fail with f, without
// any effect, as Telegram's refusals have none. With chatID ≠ 0 only calls
// whose chat_id is chatID fail, so a test can make one user unreachable while
// others are served. Several FailNext for the same call are used up in the
// order they were made.
func (s *Server) FailNext(method string, chatID int64, n int, f Failure) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{method: strings.ToLower(method), chatID: chatID, left: n, f: f})
}

// takeFault uses up the first fault matching a call and returns its answer.
func (s *Server) takeFault(method string, params map[string]string) *apiError {
	method = strings.ToLower(method)
	chat := strings.TrimSpace(params["chat_id"])
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults {
		ft := &s.faults[i]
		if ft.method != method || (ft.chatID != 0 && chat != strconv.FormatInt(ft.chatID, 10)) {
			continue
		}
		e := ft.f.answer()
		ft.left--
		if ft.left == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return e
	}
	return nil
}

// answer turns a Failure into the Bot API error answer.
func (f Failure) answer() *apiError {
	e := &apiError{code: f.Code, description: f.Description, retryAfter: f.RetryAfter}
	if e.code == 0 {
		e.code = http.StatusInternalServerError
	}
	if e.description != "" {
		return e
	}
	switch e.code {
	case http.StatusBadRequest:
		e.description = "Bad Request"
	case http.StatusForbidden:
		e.description = "Forbidden: bot was blocked by the user"
	case http.StatusTooManyRequests:
		e.description = fmt.Sprintf("Too Many Requests: retry after %d", f.RetryAfter)
	default:
		e.description = http.StatusText(e.code)
	}
	return e
}

// SetLatency makes every later call of method (any case) take at least d
// before it has any effect; 0 removes the latency. A call whose client gives
// up first (its context ends) has no effect and no answer, so a test of the
// bot's timeouts sees no message sent.
func (s *Server) SetLatency(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.latency, strings.ToLower(method))
		return
	}
	s.latency[strings.ToLower(method)] = d
}

// delay waits out the latency of method; false means ctx ended first.
func (s *Server) delay(ctx context.Context, method string) bool {
	s.mu.Lock()
	d := s.latency[strings.ToLower(method)]
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
