package telegramtest

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
)

// sendingMethods are the calls that count against Telegram's flood limit: those that put a message in a
// chat.
var sendingMethods = map[string]bool{
	"sendmessage": true, "senddocument": true, "sendphoto": true, "copymessage": true,
}

// flood is a token bucket: Telegram's "about 30 messages per second" for a bot, with the burst of a
// second's worth that it tolerates.
type flood struct {
	rate   float64 // tokens a second; 0 = no limit
	tokens float64
	at     time.Time
	// refused counts the calls answered 429 because of it.
	refused int
}

// SetFloodLimit makes the fake refuse sending calls (sendMessage, sendPhoto, sendDocument, copyMessage)
// beyond perSecond a second over all chats, with a burst of one second's worth, as Telegram does: 429
// "Too Many Requests: retry after N" with parameters.retry_after, and no effect. 0 turns it off.
func (s *Server) SetFloodLimit(perSecond int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flood = flood{rate: float64(perSecond), tokens: float64(perSecond), at: time.Now()}
}

// FloodRefused returns how many calls the flood limit refused.
func (s *Server) FloodRefused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flood.refused
}

// takeFlood takes a token for a sending call, or returns the 429 answer.
func (s *Server) takeFlood(method string) *apiError {
	if !sendingMethods[strings.ToLower(method)] {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &s.flood
	if f.rate <= 0 {
		return nil
	}
	now := time.Now()
	f.tokens = math.Min(f.rate, f.tokens+now.Sub(f.at).Seconds()*f.rate)
	f.at = now
	if f.tokens >= 1 {
		f.tokens--
		return nil
	}
	f.refused++
	wait := int(math.Ceil((1 - f.tokens) / f.rate))
	return &apiError{code: http.StatusTooManyRequests, description: fmt.Sprintf("Too Many Requests: retry after %d", max(wait, 1)), retryAfter: max(wait, 1)}
}
