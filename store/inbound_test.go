package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// forOwnerKeys lists the keys of the messages the owner's list holds, in
// the order ForEachForOwner gives them.
func forOwnerKeys(t *testing.T, s *Store) []string {
	t.Helper()
	var keys []string
	if err := s.View(func(tx *Tx) error {
		return tx.ForEachForOwner(time.Time{}, func(m InboundMessage) error {
			keys = append(keys, m.Key)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestDecideInbound(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	day := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	long := "email:<" + strings.Repeat("x", 600) + "@example.fr>"
	msgs := []InboundMessage{
		{Key: "twilio:SM1", Channel: ChannelSMS, From: "+33612345678", Body: "8 ou 9", Received: day, Outcome: "unclear", NeedsOwner: true},
		{Key: "twilio:SM2", Channel: ChannelSMS, From: "+33700000000", Body: "qui est-ce ?", Received: day.Add(time.Minute), Outcome: "unknown sender", NeedsOwner: true, UnknownSender: true},
		{Key: "twilio:SM3", Channel: ChannelSMS, From: "+33612345678", Body: "9", Received: day.Add(2 * time.Minute), Outcome: "score 9 recorded"},
		{Key: long, Channel: ChannelEmail, From: "paul@example.fr", Body: "Re: votre avis", Received: day.Add(3 * time.Minute), Outcome: "failed", NeedsOwner: true},
	}
	if err := s.Update(ctx, func(tx *Tx) error {
		for _, m := range msgs {
			if err := tx.PutInbound(m); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(forOwnerKeys(t, s), " "); got != "twilio:SM1 twilio:SM2 "+OutsideKey(long) {
		t.Fatalf("before any decision, the owner's list is %q", got)
	}

	decide := func(key string, d OwnerDecision) (m InboundMessage, err error) {
		err = s.Update(ctx, func(tx *Tx) (err error) {
			m, err = tx.DecideInbound(key, d)
			return err
		})
		return m, err
	}
	at := day.Add(time.Hour)
	m, err := decide("twilio:SM1", OwnerDecision{Action: DecisionScore, Score: 8, By: " marie ", At: at})
	if err != nil {
		t.Fatal(err)
	}
	if m.Decision == nil || *m.Decision != (OwnerDecision{Action: DecisionScore, Score: 8, By: "marie", At: at}) {
		t.Errorf("decision returned %+v", m.Decision)
	}
	if got := strings.Join(forOwnerKeys(t, s), " "); got != "twilio:SM2 "+OutsideKey(long) {
		t.Errorf("after the decision, the owner's list is %q", got)
	}
	// The message leaves the index itself, not only the listing.
	s.View(func(tx *Tx) error {
		if n := tx.bucket(bucketInboundForOwner).Stats().KeyN; n != 2 {
			t.Errorf("the for-owner index holds %d keys, want 2", n)
		}
		stored, _, _ := tx.Inbound("twilio:SM1")
		if stored.Decision == nil || stored.Decision.By != "marie" || stored.Body != "8 ou 9" {
			t.Errorf("stored message %+v", stored)
		}
		return nil
	})

	// Deciding twice says what was decided, and by whom.
	_, err = decide("twilio:SM1", OwnerDecision{Action: DecisionDismiss, By: "paul", At: at})
	if !errors.Is(err, ErrAlreadyDecided) || !strings.Contains(err.Error(), "score 8 by marie") {
		t.Errorf("second decision: %v", err)
	}
	// A message npsd acted on, or none at all, is not the owner's to decide.
	if _, err := decide("twilio:SM3", OwnerDecision{Action: DecisionDismiss, By: "marie", At: at}); !errors.Is(err, ErrInvalid) {
		t.Errorf("deciding a handled message: %v", err)
	}
	if _, err := decide("twilio:SM404", OwnerDecision{Action: DecisionDismiss, By: "marie", At: at}); !errors.Is(err, ErrNotFound) {
		t.Errorf("deciding a missing message: %v", err)
	}
	for name, d := range map[string]OwnerDecision{
		"unknown action":    {Action: "maybe", By: "marie", At: at},
		"score over 10":     {Action: DecisionScore, Score: 11, By: "marie", At: at},
		"negative score":    {Action: DecisionScore, Score: -1, By: "marie", At: at},
		"score on dismiss":  {Action: DecisionDismiss, Score: 3, By: "marie", At: at},
		"nobody":            {Action: DecisionDismiss, By: "  ", At: at},
		"a name too long":   {Action: DecisionDismiss, By: strings.Repeat("m", 300), At: at},
		"no time":           {Action: DecisionDismiss, By: "marie"},
		"empty key (below)": {},
	} {
		key := "twilio:SM2"
		if name == "empty key (below)" {
			key, d = "", OwnerDecision{Action: DecisionDismiss, By: "marie", At: at}
		}
		if _, err := decide(key, d); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}

	// A key from outside is bounded as the store bounds it: the long
	// Message-ID and its stored form name the same message.
	if _, err := decide(long, OwnerDecision{Action: DecisionOptOut, By: "marie", At: at}); err != nil {
		t.Fatalf("deciding by a long key: %v", err)
	}
	if _, err := decide(OutsideKey(long), OwnerDecision{Action: DecisionDismiss, By: "marie", At: at}); !errors.Is(err, ErrAlreadyDecided) {
		t.Errorf("the stored form of a long key: %v", err)
	}

	// Writing a decided message again (as forget does) does not put it
	// back on the list.
	if err := s.Update(ctx, func(tx *Tx) error {
		m, _, err := tx.Inbound("twilio:SM1")
		if err != nil {
			return err
		}
		return tx.PutInbound(m)
	}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(forOwnerKeys(t, s), " "); got != "twilio:SM2" {
		t.Errorf("after rewriting a decided message, the owner's list is %q", got)
	}

	// Newest first, bounded.
	s.Update(ctx, func(tx *Tx) error {
		return tx.PutInbound(InboundMessage{Key: "twilio:SM5", Channel: ChannelSMS, Body: "?", Received: day.Add(time.Hour), NeedsOwner: true})
	})
	var newest []string
	s.View(func(tx *Tx) error {
		return tx.ForEachForOwnerNewest(1, func(m InboundMessage) error { newest = append(newest, m.Key); return nil })
	})
	if strings.Join(newest, " ") != "twilio:SM5" {
		t.Errorf("newest first, one: %v", newest)
	}
}
