package dispatcher

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// WebhookSender posts events to the shop's systems, signed so they can
// tell npsd's calls from forgeries: X-Npsd-Signature is
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)), with the
// timestamp in X-Npsd-Timestamp so a replayed call can be refused.
type WebhookSender struct {
	Secret []byte
	Client *http.Client
	Now    func() time.Time
}

// Sign returns the signature header value of a body at a timestamp.
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Post sends one event. 2xx is done; 408, 429, 5xx and network errors are
// retried; any other answer ends the job: the receiver refused it.
func (s WebhookSender) Post(ctx context.Context, url, event string, body []byte) error {
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return permanent(err, "", "")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "npsd")
	req.Header.Set("X-Npsd-Event", event)
	req.Header.Set("X-Npsd-Timestamp", ts)
	req.Header.Set("X-Npsd-Signature", Sign(s.Secret, ts, body))
	resp, err := client.Do(req)
	if err != nil {
		return temporary(err, "")
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	code := strconv.Itoa(resp.StatusCode)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return temporary(fmt.Errorf("webhook %s answered %s", url, resp.Status), code)
	}
	return permanent(fmt.Errorf("webhook %s answered %s", url, resp.Status), code, "")
}
