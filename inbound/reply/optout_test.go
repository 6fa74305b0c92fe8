package reply

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// TestOptOutCorpus reads testdata/optout.tsv: SMS replies labelled optout,
// not or unclear by the rules written at its top, before the parser was
// read. Any missed opt-out or false one fails the test; unclear cases are
// only counted.
func TestOptOutCorpus(t *testing.T) {
	f, err := os.Open("testdata/optout.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	counts := map[string]int{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		label, msg, ok := strings.Cut(text, "\t")
		if !ok {
			t.Fatalf("optout.tsv line %d: no tab between the label and the text", line)
		}
		msg = strings.ReplaceAll(msg, `\n`, "\n")
		got := ParseText(msg).Intent == IntentStop
		counts[label]++
		switch {
		case label == "optout" && !got:
			counts["missed"]++
			t.Errorf("line %d: missed opt-out: %q (read as %s)", line, msg, ParseText(msg).Intent)
		case label == "not" && got:
			counts["false"]++
			t.Errorf("line %d: false opt-out: %q", line, msg)
		case label == "unclear":
			if got {
				counts["unclear read as opt-out"]++
			}
		case label != "optout" && label != "not":
			t.Errorf("line %d: unknown label %q", line, label)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("opt-out corpus: %v", counts)
}

// TestOptOutKinds are the kinds the issue names, and the ones that must
// stay what they are.
func TestOptOutKinds(t *testing.T) {
	optOut := []string{
		"STOP STOP", "Stop please", "stop pls", "STOP SMS", "Arrêtez", "ARRETER", "Désabonnez-moi", "Unsub",
		"svp retirez-moi de votre liste", "Ne m'écrivez plus", "J'veux pu recevoir vos textos", "Remove me from your list",
		"Don't text me again", "8 mais stop les textos", "10. Stop sending me these though", "STOOOOP", "stop!!!",
		"arrêtez de m'envoyer des messages", "Please take me off your list", "no more texts please", "opt out",
		"Enlevez mon numéro svp", "je ne veux plus recevoir de sms", "Lâchez-moi avec vos sondages",
	}
	not := []string{
		"don't stop the great work", "je vais arrêter au magasin", "arrêtez pas, c'est parfait", "Stop & Shop",
		"Yes! 10", "10", "9/10 le service est top", "I'll stop by tomorrow, 9", "non-stop service, 10!",
		"j'arrête pas d'en parler à mes amis, 10", "can't stop eating your croissants 10/10", "l'arrêt d'autobus est juste devant, 8",
		"START", "AIDE",
	}
	for _, m := range optOut {
		if r := ParseText(m); r.Intent != IntentStop {
			t.Errorf("%q read as %s, want an opt-out", m, r.Intent)
		}
	}
	for _, m := range not {
		if r := ParseText(m); r.Intent == IntentStop {
			t.Errorf("%q read as an opt-out", m)
		}
	}
	if r := ParseText("Yes! 10"); r.Intent != IntentScore || r.Score == nil || *r.Score != 10 {
		t.Errorf(`"Yes! 10" read as %s, want the score 10 (not START)`, r.Intent)
	}
}

// TestOptOutMoreKinds are cases written after the rules, to see that they
// reach past the corpus they were tuned on.
func TestOptOutMoreKinds(t *testing.T) {
	yes := []string{"STOP!", "Stop svp", "stop merci", "Arrêt", "arret svp", "ARRÊTEZ SVP", "Désinscription", "désabonnement svp",
		"Retirez mon numéro", "Enlevez-moi de votre liste svp", "please remove me", "Remove me", "unsubscribe me please",
		"I don't want these texts anymore", "no more messages", "stop texting me", "Stop messaging me!!", "Cancel", "QUIT",
		"je veux plus recevoir vos messages", "Veuillez cesser de m'envoyer des textos", "arrêtez de me texter", "9 mais arrêtez les textos",
		"10/10 but please stop texting", "7. STOP", "Stop. Merci", "Stop ✋", "STOP 🙏", "Ne m'envoyez plus de messages", "ne me textez plus",
		"Do not contact me again", "please don't message me", "STOP ALL", "End", "stop stop stop", "Arretez svp merci", "UNSUBSCRIBE", "optout",
		"opt-out", "Take me off the list", "Merci de me retirer de votre liste", "Pu de textos svp", "j'en veux pu de vos sms"}
	no := []string{"8", "neuf", "10!!", "9/10 super service", "Service impeccable, 10", "Un peu cher mais bon, 7", "C'était correct",
		"Don't stop!", "N'arrêtez jamais de faire ce pain 10", "the end result was great, 9", "J'ai failli arrêter de venir mais 8",
		"We stopped by on Sunday, 9", "Stop the presses, best bakery ever 10", "Il a fallu arrêter la voiture devant, 8",
		"Fin de semaine parfaite, 10", "Merci! 10", "HELP", "Info", "Aide", "Oui", "Quel est votre adresse?", "Top!",
		"I'll cancel my Tim Hortons order and come to you, 10", "Sans arrêt je recommande, 10", "stoppé au feu rouge devant chez vous, 9"}
	for _, m := range yes {
		if ParseText(m).Intent != IntentStop {
			t.Errorf("missed: %q (%s)", m, ParseText(m).Intent)
		}
	}
	for _, m := range no {
		if ParseText(m).Intent == IntentStop {
			t.Errorf("false: %q", m)
		}
	}
}
