// Command twiliofake stands in for the part of Twilio's REST API that npsd
// sends texts through, for the SMS benchmark (bench/daemon.sh). It checks
// each request as Twilio would (Basic auth with the account SID and token,
// the account's Messages.json path, a To, a Body and a sender), answers 201
// with a JSON message SID, and counts the messages it accepted and the TCP
// connections it accepted on its API address, so that how well a client
// reuses its connections shows beside its speed.
//
// The counters are served on a second address, so that reading them opens
// no connection on the one being counted:
//
//	twiliofake -listen 127.0.0.1:9432 -control 127.0.0.1:9433 -sid AC… -token T
//	GET http://127.0.0.1:9433/stats   messages 5000 connections 3 refused 0
//	GET http://127.0.0.1:9433/last    the form of the last message accepted
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// fake is the API's state: counters read by the benchmark, and the last
// form accepted, which the reference client replays so that it posts what
// npsd posts.
type fake struct {
	sid, token  string
	messages    atomic.Int64
	connections atomic.Int64
	refused     atomic.Int64

	mu   sync.Mutex
	last string
}

func main() {
	listen := flag.String("listen", "127.0.0.1:9432", "address of the API")
	control := flag.String("control", "127.0.0.1:9433", "address of /stats and /last")
	sid := flag.String("sid", "", "the account SID (AC…) requests must authenticate as")
	token := flag.String("token", "", "the account's auth token")
	flag.Parse()
	if *sid == "" || *token == "" {
		log.Fatal("twiliofake: -sid and -token are required")
	}
	f := &fake{sid: *sid, token: *token}
	go func() { log.Fatal(http.ListenAndServe(*control, f.controlHandler())) }()
	api := &http.Server{
		Addr:    *listen,
		Handler: f.apiHandler(),
		// Every connection accepted is counted: a client that does not keep
		// its connections alive pays a handshake per message, and that
		// cost is part of what the benchmark shows.
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				f.connections.Add(1)
			}
		},
		ReadHeaderTimeout: 10 * time.Second,
	}
	log.Fatal(api.ListenAndServe())
}

func (f *fake) apiHandler() http.Handler {
	mux := http.NewServeMux()
	path := "/2010-04-01/Accounts/" + f.sid + "/Messages.json"
	mux.HandleFunc("POST "+path, f.create)
	// npsd lists a number's messages only after a crash, to learn whether
	// a text it was sending left; none did here.
	mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		if f.authorized(w, r) {
			writeJSON(w, http.StatusOK, map[string]any{"messages": []any{}, "page": 0, "page_size": 50, "next_page_uri": nil})
		}
	})
	return mux
}

func (f *fake) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "messages %d connections %d refused %d\n", f.messages.Load(), f.connections.Load(), f.refused.Load())
	})
	mux.HandleFunc("GET /last", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		fmt.Fprintln(w, f.last)
	})
	return mux
}

// authorized checks Basic auth as Twilio does, answering 401 when it fails.
func (f *fake) authorized(w http.ResponseWriter, r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if ok && user == f.sid && pass == f.token {
		return true
	}
	f.refused.Add(1)
	twilioError(w, http.StatusUnauthorized, 20003, "Authenticate")
	return false
}

// create accepts a message when it has what Twilio requires, so that a
// client sending incomplete forms is refused here as it would be there.
func (f *fake) create(w http.ResponseWriter, r *http.Request) {
	if !f.authorized(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		f.refused.Add(1)
		twilioError(w, http.StatusBadRequest, 21604, "bad form")
		return
	}
	form := r.PostForm
	to, from, service, body := form.Get("To"), form.Get("From"), form.Get("MessagingServiceSid"), form.Get("Body")
	if !strings.HasPrefix(to, "+") || body == "" || (from == "" && service == "") {
		f.refused.Add(1)
		twilioError(w, http.StatusBadRequest, 21604, "a To number, a Body and a From or MessagingServiceSid are required")
		return
	}
	n := f.messages.Add(1)
	f.mu.Lock()
	f.last = form.Encode()
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{
		"sid": fmt.Sprintf("SM%032x", n), "account_sid": f.sid, "to": to, "from": from,
		"messaging_service_sid": service, "body": body, "status": "queued", "num_segments": "1",
		"date_created": time.Now().UTC().Format(time.RFC1123Z),
	})
}

func twilioError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "message": msg, "status": status,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
