package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/go-telegram/bot/models"
)

// Webhook delivery, as Telegram does it for one bot: in order, one update at a
// time, each until the bot answers 2xx.
const (
	webhookRetryDelay = 50 * time.Millisecond
	webhookMaxRetries = 100 // then the update is dropped, as Telegram gives up too
)

// Webhook returns the webhook URL and secret token the bot set; both are empty
// in polling mode.
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hookURL, s.hookSecret
}

// setWebhook switches to webhook mode (an empty url switches back).
func (s *Server) setWebhook(req *request) (json.RawMessage, *apiError) {
	hookURL := req.str("url")
	if hookURL != "" {
		u, err := url.Parse(hookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, badRequest("bad webhook: invalid webhook URL specified")
		}
	}
	secret := req.str("secret_token")
	if len(secret) > 256 || !validSecret(secret) {
		return nil, badRequest("bad webhook: secret token contains unallowed characters")
	}
	maxConn, e := req.integer("max_connections", 40)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.setAllowedLocked(req); e != nil {
		return nil, e
	}
	if req.boolean("drop_pending_updates") {
		s.pending = nil
	}
	if hookURL != s.hookURL {
		s.hookErrDate, s.hookErrMsg, s.hookFails = 0, "", 0
	}
	s.hookURL, s.hookSecret, s.hookMaxConn = hookURL, secret, int(maxConn)
	if hookURL == "" {
		s.hookSecret = ""
	}
	s.changedLocked()
	return json.RawMessage(resultTrue), nil
}

// validSecret reports whether a secret token has only the characters Telegram
// allows: A-Z, a-z, 0-9, _ and -.
func validSecret(s string) bool {
	for _, c := range []byte(s) {
		if !isCommandByte(c) && c != '-' {
			return false
		}
	}
	return true
}

// deleteWebhook switches back to getUpdates.
func (s *Server) deleteWebhook(req *request) (json.RawMessage, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.boolean("drop_pending_updates") {
		s.pending = nil
	}
	s.hookURL, s.hookSecret = "", ""
	s.hookErrDate, s.hookErrMsg, s.hookFails = 0, "", 0
	s.changedLocked()
	return json.RawMessage(resultTrue), nil
}

// getWebhookInfo reports the webhook and the updates waiting for it.
func (s *Server) getWebhookInfo(*request) (json.RawMessage, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := models.WebhookInfo{
		URL:                s.hookURL,
		PendingUpdateCount: len(s.pending),
		LastErrorDate:      s.hookErrDate,
		LastErrorMessage:   s.hookErrMsg,
		AllowedUpdates:     slices.Clone(s.allowed),
	}
	if s.hookURL != "" {
		info.MaxConnections = s.hookMaxConn
	}
	return mustJSON(info), nil
}

// deliverWebhook runs until Close, posting pending updates to the webhook.
func (s *Server) deliverWebhook() {
	for {
		s.mu.Lock()
		for s.hookURL == "" || len(s.pending) == 0 {
			ch := s.changed
			s.mu.Unlock()
			select {
			case <-ch:
			case <-s.ctx.Done():
				return
			}
			s.mu.Lock()
		}
		u, hookURL, secret := s.pending[0], s.hookURL, s.hookSecret
		s.mu.Unlock()

		err := s.post(hookURL, secret, u.body)
		if s.ctx.Err() != nil {
			return
		}

		s.mu.Lock()
		if err == nil {
			s.pending = slices.DeleteFunc(s.pending, func(p pendingUpdate) bool { return p.id == u.id })
			s.hookFails = 0
		} else {
			if s.hookFailID != u.id {
				s.hookFailID, s.hookFails = u.id, 0
			}
			s.hookFails++
			s.hookErrDate, s.hookErrMsg = int(time.Now().Unix()), err.Error()
			if s.hookFails > webhookMaxRetries {
				s.pending = slices.DeleteFunc(s.pending, func(p pendingUpdate) bool { return p.id == u.id })
				s.hookFails = 0
			}
		}
		s.changedLocked()
		s.mu.Unlock()

		if err != nil {
			select {
			case <-time.After(webhookRetryDelay):
			case <-s.ctx.Done():
				return
			}
		}
	}
}

// post delivers one update; only a 2xx answer confirms it.
func (s *Server) post(hookURL, secret string, body []byte) error {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, hookURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("invalid webhook URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := s.hook.Do(req)
	if err != nil {
		return fmt.Errorf("connection failed: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("Wrong response from the webhook: %s", resp.Status)
	}
	return nil
}
