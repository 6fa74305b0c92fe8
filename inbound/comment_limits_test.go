package inbound

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/npsd/npsd/store"
)

// longComment is 100,000 characters, multi-byte ones included, so that a
// cut in the middle of a rune would show as invalid UTF-8.
var longComment = strings.Repeat("é", 50_000) + strings.Repeat("x", 50_000)

func checkCapped(t *testing.T, comment string) {
	t.Helper()
	if n := utf8.RuneCountInString(comment); n > maxCommentRunes {
		t.Fatalf("stored comment has %d characters, want at most %d", n, maxCommentRunes)
	}
	if !utf8.ValidString(comment) || !strings.HasSuffix(comment, "…") || !strings.HasPrefix(comment, "éé") {
		t.Errorf("stored comment is not the first part with a marker: %q…%q", comment[:10], comment[len(comment)-10:])
	}
}

func TestCommentCapEmailScoreWithComment(t *testing.T) {
	r := newInRig(t)
	_, sv := r.surveyed(store.Contact{Name: "Ann", Email: "ann@example.fr", Language: "fr"})
	score := 8
	_, err := r.opts.Conversation.Handle(context.Background(), Incoming{
		Key: "email:<long@example.fr>", Channel: store.ChannelEmail, From: "ann@example.fr", Survey: sv.ID,
		Text: "8 " + longComment, Reply: Reply{Intent: IntentScore, Score: &score, Comment: longComment},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, resp, _, _ := r.state(sv.ID)
	checkCapped(t, resp.Comment)
}

func TestCommentCapSMSCommentAfterScore(t *testing.T) {
	r := newInRig(t)
	_, sv := r.surveyed(store.Contact{Name: "Zoé", Phone: "+15145550100", Language: "fr"})
	cv := r.opts.Conversation
	ctx := context.Background()
	if _, err := cv.Handle(ctx, Incoming{Key: "twilio:SMscore", Channel: store.ChannelSMS, From: "+15145550100", Text: "9", Reply: ParseText("9")}); err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(10 * time.Minute)
	// Two long messages: the comment they add up to is capped as well.
	for _, key := range []string{"twilio:SMlong1", "twilio:SMlong2"} {
		if _, err := cv.Handle(ctx, Incoming{Key: key, Channel: store.ChannelSMS, From: "+15145550100", Text: longComment, Reply: ParseText(longComment)}); err != nil {
			t.Fatal(err)
		}
	}
	_, resp, _, _ := r.state(sv.ID)
	if resp.Score != 9 {
		t.Fatalf("response %+v", resp.Score)
	}
	checkCapped(t, resp.Comment)
}

func TestCommentCapKeepsShortComments(t *testing.T) {
	for _, s := range []string{"", "Le pain est bon", strings.Repeat("é", maxCommentRunes)} {
		if got := capComment(s); got != s {
			t.Errorf("capComment changed a comment of %d characters", utf8.RuneCountInString(s))
		}
	}
}
