// Command webhooks is the inbound benchmark's helper (bench/daemon.sh): it
// writes signed Twilio webhook requests for wrk to replay, and it serves
// the baseline npsd is compared with, a minimal net/http handler that
// checks the signature and stores each message in bbolt before answering.
//
//	webhooks gen -token T -url U -numbers 1000 -first 0 -n 200000 > requests.tsv
//	webhooks serve -token T -url U -listen 127.0.0.1:9000 -db baseline.db
//	webhooks load -target http://127.0.0.1:8425 -rate 1000 -duration 20s < requests.tsv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twilio/twilio-go/client"
	bolt "go.etcd.io/bbolt"

	"github.com/npsd/npsd/inbound"
)

func main() {
	if len(os.Args) < 2 {
		log.Fatal("usage: webhooks gen|serve [flags]")
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	token := fs.String("token", "", "Twilio auth token")
	webhookURL := fs.String("url", "", "the URL Twilio signs (npsd's http.public_url + /hooks/twilio/sms)")
	numbers := fs.Int("numbers", 1000, "gen: senders, +33 6 00 00 00 00 onwards")
	n := fs.Int("n", 200000, "gen: requests")
	first := fs.Int("first", 0, "gen: number of the first MessageSid, so that two files never share one")
	listen := fs.String("listen", "127.0.0.1:9000", "serve: address")
	db := fs.String("db", "baseline.db", "serve: bbolt file")
	target := fs.String("target", "http://127.0.0.1:8425", "load: base URL")
	rate := fs.Int("rate", 1000, "load: requests per second, sent on schedule whatever the answers")
	duration := fs.Duration("duration", 20*time.Second, "load: how long")
	fs.Parse(os.Args[2:])
	switch os.Args[1] {
	case "gen":
		gen(*token, *webhookURL, *numbers, *first, *n)
	case "load":
		load(*target, *rate, *duration)
	case "serve":
		log.Fatal(serve(*token, *webhookURL, *listen, *db))
	default:
		log.Fatalf("unknown command %q", os.Args[1])
	}
}

// gen writes one request a line: the signature, a tab, the form body.
// Each has its own MessageSid, so that no request is a replay of another;
// the bodies are what customers send (a score, a score and a reason, a
// reason alone).
func gen(token, webhookURL string, numbers, first, n int) {
	bodies := []string{"9", "8, très bien", "10 !", "Rapide et aimable", "7 ou 8", "merci"}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for i := first; i < first+n; i++ {
		form := url.Values{
			"MessageSid": {fmt.Sprintf("SMbench%026d", i)},
			"AccountSid": {"AC0123456789abcdef0123456789abcdef"},
			"From":       {fmt.Sprintf("+336%08d", i%numbers)},
			"To":         {"+33755550000"},
			"Body":       {bodies[i%len(bodies)]},
			"NumMedia":   {"0"},
		}
		fmt.Fprintf(w, "%s\t%s\n", inbound.TwilioSignature(token, webhookURL, form), form.Encode())
	}
}

// serve is the least a correct webhook can do: parse the form, check the
// signature with twilio-go's validator as npsd does, commit the message
// (one bbolt transaction and fsync per request) and answer empty TwiML.
func serve(token, webhookURL, listen, path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	validator := client.NewRequestValidator(token)
	http.HandleFunc("POST /hooks/twilio/sms", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		params := map[string]string{}
		for k, v := range r.PostForm {
			params[k] = v[0]
		}
		if !validator.Validate(webhookURL, params, r.Header.Get("X-Twilio-Signature")) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("inbound"))
			if err != nil {
				return err
			}
			return b.Put([]byte(params["MessageSid"]), []byte(params["From"]+"\x00"+params["Body"]))
		})
		if err != nil {
			http.Error(w, "store", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Response></Response>")
	})
	return http.ListenAndServe(listen, nil)
}

// load sends the requests read from stdin at a fixed rate, each at its
// scheduled time whether or not earlier ones were answered (an open loop:
// a slow answer cannot hold back the next request and hide its own
// delay), and prints the rate reached and the latency percentiles,
// measured from each request's scheduled time.
func load(target string, rate int, duration time.Duration) {
	var lines []string
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	n := int(duration.Seconds() * float64(rate))
	if n > len(lines) {
		log.Fatalf("%d requests needed, %d given: generate more", n, len(lines))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1000}, Timeout: 10 * time.Second}
	var mu sync.Mutex
	latencies := make([]time.Duration, 0, n)
	failures := 0
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		scheduled := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		time.Sleep(time.Until(scheduled))
		sig, body, _ := strings.Cut(lines[i], "\t")
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, target+"/hooks/twilio/sms", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Twilio-Signature", sig)
			resp, err := client.Do(req)
			took := time.Since(scheduled)
			ok := err == nil && resp.StatusCode == http.StatusOK
			if err == nil {
				resp.Body.Close()
			}
			mu.Lock()
			defer mu.Unlock()
			if !ok {
				failures++
				return
			}
			latencies = append(latencies, took)
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))].Round(10 * time.Microsecond)
	}
	fmt.Printf("open loop at %d/s for %s: %d answered 200 (%.0f/s), %d failed; latency p50 %s, p90 %s, p99 %s, max %s\n",
		rate, duration, len(latencies), float64(len(latencies))/elapsed.Seconds(), failures, pct(0.50), pct(0.90), pct(0.99), pct(1))
}
