// Command smsref is the reference the SMS benchmark (bench/daemon.sh)
// compares npsd with: a plain net/http client that posts the form npsd
// posts to Twilio's API, Basic auth included, over kept-alive connections,
// with as many requests at once as npsd has outbox workers. Whatever npsd
// does beyond this (rendering, the outbox, committing each send) is what
// the ratio of the two rates shows.
//
//	smsref -api http://127.0.0.1:9432 -sid AC… -token T -form 'Body=…&From=…' -n 5000 -c 4
//
// It prints texts per second, from the first request to the last answer.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	api := flag.String("api", "http://127.0.0.1:9432", "base URL of the Twilio-compatible API")
	sid := flag.String("sid", "", "account SID (AC…)")
	token := flag.String("token", "", "auth token")
	formText := flag.String("form", "", "the form to post, URL-encoded; To is set per message")
	n := flag.Int("n", 5000, "texts to send")
	concurrency := flag.Int("c", 4, "requests at once")
	flag.Parse()
	form, err := url.ParseQuery(*formText)
	if err != nil || form.Get("Body") == "" {
		log.Fatalf("smsref: -form must be a URL-encoded form with a Body: %v", err)
	}
	endpoint := strings.TrimRight(*api, "/") + "/2010-04-01/Accounts/" + *sid + "/Messages.json"
	// One idle connection per sender: none is closed between two texts, as
	// a client that keeps its connections alive would do.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = *concurrency
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}

	next := make(chan int)
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *concurrency {
		wg.Go(func() {
			for i := range next {
				if err := send(client, endpoint, *sid, *token, form, i); err != nil {
					if failed.Add(1) == 1 {
						log.Printf("smsref: %v", err)
					}
				}
			}
		})
	}
	for i := range *n {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f > 0 {
		log.Printf("smsref: %d of %d texts failed", f, *n)
		os.Exit(1)
	}
	fmt.Printf("%.1f\n", float64(*n)/elapsed.Seconds())
}

// send posts one text to its own number and reads the SID from the answer,
// the least a client must do to know the text left.
func send(client *http.Client, endpoint, sid, token string, form url.Values, i int) error {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("To", fmt.Sprintf("+336%08d", i))
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(f.Encode()))
	if err != nil {
		return err
	}
	req.SetBasicAuth(sid, token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var answer struct {
		Sid string `json:"sid"`
	}
	err = json.NewDecoder(resp.Body).Decode(&answer)
	// The rest of the body is read so that the connection can be reused.
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusCreated || err != nil || answer.Sid == "" {
		return fmt.Errorf("text %d: status %s, no message SID (%v)", i, resp.Status, err)
	}
	return nil
}
