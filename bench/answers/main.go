// Command answers posts signed Twilio webhooks carrying customers' replies
// to npsd, one from each number in a range, and prints the median time to
// the answer in milliseconds. With -c 1 (the default) each request waits
// for the one before, so what it times is one reply with nothing else in
// flight: the figure the answer-latency benchmark (bench/daemon.sh)
// compares between an empty store and a full one. A larger -c only serves
// to fill a store quickly.
//
//	answers -target http://127.0.0.1:8431 -token T -phone '+336%08d' -first 0 -n 500 -body 3
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/npsd/npsd/inbound"
)

func main() {
	target := flag.String("target", "http://127.0.0.1:8425", "npsd's base URL")
	signed := flag.String("url", "", "the URL Twilio signs, npsd's http.public_url + /hooks/twilio/sms (default: -target's)")
	token := flag.String("token", "", "Twilio auth token")
	phone := flag.String("phone", "+336%08d", "the senders' numbers, a format given 0, 1, 2…")
	first := flag.Int("first", 0, "first sender")
	n := flag.Int("n", 500, "requests, one per sender")
	body := flag.String("body", "3", "what each customer writes")
	concurrency := flag.Int("c", 1, "requests at once")
	flag.Parse()
	endpoint := strings.TrimRight(*target, "/") + "/hooks/twilio/sms"
	if *signed == "" {
		*signed = endpoint
	}
	// Every run has MessageSids of its own, so that no request is taken
	// for a replay of one sent to the same store before.
	run := time.Now().UnixNano()
	forms := make(chan url.Values)
	var mu sync.Mutex
	var latencies []time.Duration
	var failures []error
	client := &http.Client{Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	for range *concurrency {
		wg.Go(func() {
			for form := range forms {
				took, err := post(client, endpoint, inbound.TwilioSignature(*token, *signed, form), form)
				mu.Lock()
				if err != nil {
					failures = append(failures, err)
				} else {
					latencies = append(latencies, took)
				}
				mu.Unlock()
			}
		})
	}
	for i := *first; i < *first+*n; i++ {
		forms <- url.Values{
			"MessageSid": {fmt.Sprintf("SM%016x%016x", run, i)},
			"AccountSid": {"AC0123456789abcdef0123456789abcdef"},
			"From":       {fmt.Sprintf(*phone, i)},
			"To":         {"+33755550000"},
			"Body":       {*body},
			"NumMedia":   {"0"},
		}
	}
	close(forms)
	wg.Wait()
	if len(failures) > 0 {
		log.Printf("answers: %d of %d requests failed, the first: %v", len(failures), *n, failures[0])
		os.Exit(1)
	}
	slices.Sort(latencies)
	fmt.Printf("%.3f\n", median(latencies).Seconds()*1000)
}

// post sends one webhook and times it to the end of the answer's body: the
// answer means the reply is stored, and it is whole only then.
func post(client *http.Client, endpoint, signature string, form url.Values) (time.Duration, error) {
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", signature)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	took := time.Since(start)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s from %s", resp.Status, form.Get("From"))
	}
	return took, nil
}

// median returns the middle of sorted durations, or zero for none.
func median(sorted []time.Duration) time.Duration {
	switch n := len(sorted); {
	case n == 0:
		return 0
	case n%2 == 1:
		return sorted[n/2]
	default:
		return (sorted[n/2-1] + sorted[n/2]) / 2
	}
}
