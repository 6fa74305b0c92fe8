package links

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// TwilioSignature is the X-Twilio-Signature Twilio puts on a webhook to
// that URL with those form fields: base64 of the HMAC-SHA1, keyed with the
// auth token, of the URL followed by each field's name and value in name
// order. The demo and the benchmarks sign their requests with it.
func TwilioSignature(authToken, webhookURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(webhookURL)
	for _, k := range keys {
		b.WriteString(k + form.Get(k))
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
