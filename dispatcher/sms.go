package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	twclient "github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/npsd/npsd/store"
)

// SMS is one text message to send.
type SMS struct {
	To   string // E.164
	Body string
	// StatusCallback is where the provider reports delivery.
	StatusCallback string
}

// TwilioOptions configures the Twilio sender.
type TwilioOptions struct {
	AccountSID          string
	AuthToken           string
	From                string // a number in E.164, or
	MessagingServiceSID string // a messaging service
	// APIURL sends to a Twilio-compatible API instead of api.twilio.com
	// (another provider, a test server). Applied through the HTTP
	// transport, so the twilio-go client is used unchanged.
	APIURL string
	// Timeout bounds each request. Default 30s.
	Timeout time.Duration
	// Transport is the HTTP transport under the URL rewriting. Default
	// one of the sender's own that keeps its connections (see
	// keepAliveTransport).
	Transport http.RoundTripper
}

// TwilioSender sends SMS through Twilio's REST API with twilio-go. It
// uses the Messages API's package alone: twilio-go's RestClient brings in
// every Twilio product's package, which made the binary a third larger and
// its idle memory larger with it.
type TwilioSender struct {
	api  *openapi.ApiService
	opts TwilioOptions
}

// NewTwilioSender builds the client; it makes no request.
func NewTwilioSender(o TwilioOptions) (*TwilioSender, error) {
	if o.AccountSID == "" || o.AuthToken == "" {
		return nil, errors.New("twilio: account SID and auth token are required")
	}
	if o.From == "" && o.MessagingServiceSID == "" {
		return nil, errors.New("twilio: a From number or a messaging service SID is required")
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	rt := o.Transport
	if rt == nil {
		rt = keepAliveTransport()
	}
	if o.APIURL != "" && o.APIURL != "https://api.twilio.com" {
		base, err := url.Parse(o.APIURL)
		if err != nil || base.Host == "" {
			return nil, fmt.Errorf("twilio: api_url %q is not a URL", o.APIURL)
		}
		rt = rewriteHost{base: base, next: rt}
	}
	c := &twclient.Client{
		Credentials: twclient.NewCredentials(o.AccountSID, o.AuthToken),
		HTTPClient:  &http.Client{Transport: rt, Timeout: o.Timeout},
	}
	c.SetAccountSid(o.AccountSID)
	return &TwilioSender{api: openapi.NewApiServiceWithClient(c), opts: o}, nil
}

// keepAliveTransport is the HTTP transport of the Twilio client. Go's
// default keeps two idle connections per host, so outbox workers sending
// texts side by side would each open a new TCP and TLS connection for most
// messages of a wave; this one keeps one per worker and more.
func keepAliveTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	t.MaxIdleConns = 64
	return t
}

// rewriteHost sends every request to another scheme and host, keeping the
// path: /2010-04-01/Accounts/AC…/Messages.json on the provider's server.
type rewriteHost struct {
	base *url.URL
	next http.RoundTripper
}

func (r rewriteHost) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme = r.base.Scheme
	req.URL.Host = r.base.Host
	req.URL.Path = strings.TrimRight(r.base.Path, "/") + req.URL.Path
	req.Host = r.base.Host
	return r.next.RoundTrip(req)
}

// SendSMS sends a message and returns its MessageSid.
func (t *TwilioSender) SendSMS(ctx context.Context, m SMS) (string, error) {
	p := &openapi.CreateMessageParams{}
	p.SetTo(m.To)
	p.SetBody(m.Body)
	if t.opts.MessagingServiceSID != "" {
		p.SetMessagingServiceSid(t.opts.MessagingServiceSID)
	} else {
		p.SetFrom(t.opts.From)
	}
	if m.StatusCallback != "" {
		p.SetStatusCallback(m.StatusCallback)
	}
	// twilio-go takes no context; the HTTP client's timeout bounds the call.
	msg, err := t.api.CreateMessage(p)
	if err != nil {
		return "", classifyTwilio(err)
	}
	if msg.Sid == nil || *msg.Sid == "" {
		return "", &SendError{Err: errors.New("twilio: the answer has no message SID"), Temporary: true, Uncertain: true}
	}
	return *msg.Sid, nil
}

// SentSince lists the SIDs of messages sent to a number since a time: the
// way to learn, after a crash, whether a message npsd was sending left.
func (t *TwilioSender) SentSince(ctx context.Context, to string, since time.Time) ([]string, error) {
	p := &openapi.ListMessageParams{}
	p.SetTo(to)
	// DateSent> filters by day: ask from the day before, then keep only the
	// messages created since the attempt.
	p.SetDateSentAfter(since.UTC().Add(-24 * time.Hour))
	p.SetPageSize(50)
	p.SetLimit(200)
	list, err := t.api.ListMessage(p)
	if err != nil {
		return nil, classifyTwilio(err)
	}
	var sids []string
	for _, m := range list {
		if m.Sid == nil {
			continue
		}
		if m.DateCreated != nil {
			if created, err := time.Parse(time.RFC1123Z, *m.DateCreated); err == nil && created.Before(since.Add(-time.Minute)) {
				continue
			}
		}
		sids = append(sids, *m.Sid)
	}
	return sids, nil
}

// Twilio error codes that end a job and say something about the number.
const (
	twilioInvalidTo   = 21211 // not a valid phone number
	twilioNotMobile   = 21614 // not a mobile number
	twilioUnsubscribe = 21610 // the recipient replied STOP
)

// classifyTwilio decides what a Twilio failure means: 429 and 5xx wait and
// retry; a refused login waits for the installer; 21211/21614 mark the
// number undeliverable and 21610 opted out; other refusals end the job.
func classifyTwilio(err error) error {
	var te *twclient.TwilioRestError
	if !errors.As(err, &te) {
		// No answer from the API: the request may or may not have arrived.
		se := temporary(err, "")
		se.Uncertain = true
		return se
	}
	code := strconv.Itoa(te.Code)
	switch {
	case te.Code == twilioUnsubscribe:
		return permanent(err, code, store.ChannelOptedOut)
	case te.Code == twilioInvalidTo || te.Code == twilioNotMobile:
		return permanent(err, code, store.ChannelUndeliverable)
	case te.Status == http.StatusTooManyRequests || te.Status >= 500:
		return temporary(err, code)
	case te.Status == http.StatusUnauthorized || te.Status == http.StatusForbidden:
		return temporary(err, code)
	}
	return permanent(err, code, "")
}

// FileSMSSender writes each SMS as a .txt file into a folder, for trying
// npsd without a Twilio account.
type FileSMSSender struct{ Dir string }

// SendSMS writes the message durably and returns a local id.
func (f FileSMSSender) SendSMS(ctx context.Context, m SMS) (string, error) {
	now := time.Now().UTC()
	id := "FILE" + now.Format("20060102T150405.000000000")
	err := writeFileDurably(f.Dir, id+"-"+safeName(m.To)+".txt", func(w *os.File) error {
		_, err := fmt.Fprintf(w, "To: %s\nDate: %s\n\n%s\n", m.To, now.Format(time.RFC3339), m.Body)
		return err
	})
	return id, err
}

// SentSince lists the files written for a number since a time, so a crash
// between writing and recording does not write the message twice.
func (f FileSMSSender) SentSince(ctx context.Context, to string, since time.Time) ([]string, error) {
	entries, err := os.ReadDir(f.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, temporary(err, "")
	}
	suffix := "-" + safeName(to) + ".txt"
	var ids []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, suffix) {
			continue
		}
		if info, err := e.Info(); err == nil && !info.ModTime().Before(since.Add(-time.Minute)) {
			ids = append(ids, strings.TrimSuffix(name, suffix))
		}
	}
	return ids, nil
}
