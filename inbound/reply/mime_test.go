package reply

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/npsd/npsd/inbound/email"
)

func TestReadFixtures(t *testing.T) {
	tests := []struct {
		file      string
		from      string
		intent    Intent
		score     int
		comment   string
		refs      []string
		bounced   []string
		toContain string
	}{
		{file: "gmail.eml", from: "zoe.lefevre@gmail.com", intent: IntentScore, score: 9, comment: "le pain est toujours frais et l’accueil très sympa",
			refs: []string{"npsd.1.7d1a32a0936aa26e@boulangerie-martin.fr"}, toContain: "avis+s1@boulangerie-martin.fr"},
		{file: "outlook-desktop.eml", from: "paul.durand@outlook.fr", intent: IntentScore, score: 4, comment: "trop d'attente le samedi matin, et la vendeuse était désagréable.\n\nPaul",
			refs: []string{"npsd.2.aa@boulangerie-martin.fr"}},
		{file: "outlook-web-html-only.eml", from: "sam.smith@hotmail.com", intent: IntentScore, score: 8, comment: "Great coffee, slow service."},
		{file: "iphone.eml", from: "camille.roy@icloud.com", intent: IntentScore, score: 10, comment: "Merci pour les croissants"},
		{file: "apple-mail.eml", from: "ana@example.com", intent: IntentScore, score: 7, comment: "because parking is hard\n\nAna"},
		{file: "android-base64-utf8.eml", from: "marc.petit@gmail.com", intent: IntentScore, score: 6, comment: ""},
		{file: "quoted-printable-latin1.eml", from: "helene.faure@orange.fr", intent: IntentScore, score: 8, comment: "très bonne qualité mais un peu cher."},
		{file: "thunderbird-windows-1252.eml", from: "luc@example.org", intent: IntentScore, score: 3, comment: "le pain était rassis, déçu."},
		{file: "auto-reply.eml", from: "jean@entreprise.fr", intent: IntentAutoReply, score: -1},
		{file: "bounce.eml", from: "mailer-daemon@mail.boulangerie-martin.fr", intent: IntentBounce, score: -1, bounced: []string{"ancien.client@example.net"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "eml", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			m, err := email.ReadMessage(f)
			if err != nil {
				t.Fatal(err)
			}
			if m.From != tt.from {
				t.Errorf("from = %q, want %q", m.From, tt.from)
			}
			r := ParseMessage(m)
			if r.Intent != tt.intent {
				t.Fatalf("intent = %s (%s); text:\n%s", r.Intent, describe(r), m.Text)
			}
			if tt.score >= 0 && (r.Score == nil || *r.Score != tt.score || r.Comment != tt.comment) {
				t.Errorf("read %s; want %d with %q; text:\n%s", describe(r), tt.score, tt.comment, m.Text)
			}
			for _, ref := range tt.refs {
				if !slices.Contains(m.Refs, ref) {
					t.Errorf("refs = %v, want %s among them", m.Refs, ref)
				}
			}
			if !slices.Equal(m.Bounced, tt.bounced) {
				t.Errorf("bounced = %v, want %v", m.Bounced, tt.bounced)
			}
			if tt.toContain != "" && !slices.Contains(m.To, tt.toContain) {
				t.Errorf("to = %v", m.To)
			}
		})
	}
}

// FuzzReadMessage: no message, however broken, makes the MIME path panic.
func FuzzReadMessage(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "eml", "*.eml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := email.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			return
		}
		_ = ParseMessage(m)
	})
}
