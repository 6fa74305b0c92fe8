package main

import (
	"path/filepath"
	"regexp"
	"testing"
)

// englishWords are words the English output of the commands below has and
// a French owner must not read, as whole words.
var englishWords = regexp.MustCompile(`\b(invalid|unsupported|unknown|line|rows|waiting|skipped|imported|would|sent|failed|canceled|contacts|created|updated|unchanged|rejected|recorded|queued|pending|written|forgotten|dry run|due)\b`)

// TestCommandsSpeakFrench runs, for a French business, every command whose
// output is meant for the owner, and reads each answer in French: the
// expected phrases are there and the English words are not.
func TestCommandsSpeakFrench(t *testing.T) {
	e := newEnvIn(t, "fr")
	french := func(r result, code int, stdout, stderr []string) {
		t.Helper()
		e.want(r, code, stdout, stderr)
		for _, out := range []string{r.stdout, r.stderr} {
			if w := englishWords.FindString(out); w != "" {
				t.Errorf("the output reads %q in English:\n%s%s", w, r.stdout, r.stderr)
			}
		}
	}

	french(e.npsd("contacts", "import", e.file("c.csv", "name,email,phone\n"+
		"Ann,ann@example.fr,06 12 34 56 78\n"+ // line 2
		"Bad Phone,bp@example.fr,12\n"+ // line 3: kept without its phone
		"Ann again,ANN@example.fr,\n"+ // line 4: the email of line 2
		"Nobody,,\n"+ // line 5: no way to reach them
		"Short,short@example.fr\n"+ // line 6: a field missing
		"Bob,bob@example.fr,\n")), exitPartial,
		[]string{"c.csv : lignes lues : 6 ; clients créés : 3, mis à jour : 0, inchangés : 0 ; lignes refusées : 3 (lignes gardées sans un champ erroné : 1)"},
		[]string{
			"c.csv ligne 3 : gardée sans le champ téléphone (téléphone \"12\" non valide)",
			"c.csv ligne 4 : courriel ann@example.fr figure aussi à la ligne 2",
			"c.csv ligne 5 : ni courriel, ni téléphone",
			"c.csv ligne 6 : la ligne a 2 champs, l’en-tête en a 3",
		})
	french(e.npsd("contacts", "import", e.file("d.csv", "name,email\nCid,cid@example.fr\n"), "--dry-run"), exitOK,
		[]string{"clients créés : 1", "(simulation : rien n’a été écrit)"}, nil)

	french(e.npsd("events", "import", e.file("e.csv", "contact,type,date\nann@example.fr,achat,20/11/2026\nnobody@example.fr,achat,20/11/2026\nbob@example.fr,,20/11/2026\n")), exitPartial,
		[]string{"événements créés : 1", "lignes refusées : 2"},
		[]string{`e.csv ligne 3 : client "nobody@example.fr" introuvable`, "e.csv ligne 4 : la colonne type est vide"})
	french(e.npsd("events", "add", "--contact", "ann@example.fr", "--type", "achat", "--id", "T1"), exitOK, []string{"événement e2 enregistré : achat pour le client c1 le "}, nil)
	french(e.npsd("events", "add", "--contact", "ann@example.fr", "--type", "achat", "--id", "T1"), exitOK, []string{"était déjà enregistré avec l’identifiant externe T1 : rien n’a changé"}, nil)

	french(e.npsd("responses", "import", e.file("r.csv", "contact,score,date\nann@example.fr,9,2026-11-02\nbob@example.fr,11,2026-11-02\nbob@example.fr,neuf,2026-11-02\n")), exitPartial,
		[]string{"réponses créées : 1", "lignes refusées : 2"},
		[]string{"r.csv ligne 3 : la note 11 n’est pas entre 0 et 10", `r.csv ligne 4 : la note "neuf" n’est pas un nombre entier de 0 à 10`})
	french(e.npsd("responses", "add", "bob@example.fr", "--score", "3", "--at", "2026-11-21 10:00"), exitOK,
		[]string{"Bob (c3) : note 3 donnée en personne (téléphone), saisie par le propriétaire"}, nil)
	french(e.npsd("responses", "add", "bob@example.fr", "--score", "3", "--at", "2026-11-21 10:00"), exitOK, []string{"déjà enregistrée : rien n’a changé"}, nil)

	french(e.npsd("campaign", "plan", "quarterly", "--dry-run"), exitOK,
		[]string{"campagne quarterly, période 2026-10-01T10:00 : 2 sondages mis en file (simulation : rien n’a été écrit)", "premier envoi", "écartés :", "sondé trop récemment  1", "reportés à la prochaine ouverture :", "hors des heures d’envoi  2"}, nil)
	french(e.npsd("campaign", "plan", "quarterly", "--list"), exitOK,
		[]string{"client", "nom <adresse>", "Bob <bob@example.fr>                             écarté : sondé trop récemment", "Ann <ann@example.fr>                             courriel 2026-11-23 09:00 CET"}, nil)
	french(e.npsd("campaign", "plan", "quarterly"), exitOK, []string{"2 sondages mis en file"}, nil)
	french(e.npsd("campaign", "plan", "quarterly"), exitOK, []string{"la période 2026-10-01T10:00 était déjà planifiée : rien n’a été mis en file"}, nil)
	french(e.npsd("outbox"), exitOK, []string{"tâche", "sondage  en attente", "file d’envoi : 2 en attente, 0 en cours d’envoi, 0 envoyé, 0 en échec, 0 annulé (heures du fuseau Europe/Paris)"}, nil)
	french(e.npsd("outbox", "cancel", "j1", "--reason", "client fâché"), exitOK, []string{"j1 (sondage par courriel) annulé"}, nil)
	french(e.npsd("outbox", "cancel", "--campaign", "quarterly", "--reason", "vague arrêtée"), exitOK, []string{`1 message en attente de la campagne "quarterly" annulé`}, nil)
	french(e.npsd("outbox", "--state", "all", "--limit", "1"), exitOK, []string{"(1 autre non affiché ; augmentez --limit)", "2 annulés"}, nil)

	french(e.npsd("messages"), exitOK, []string{"clé", "reçu le", "suite donnée"}, nil)
	french(e.npsd("messages", "decide", "twilio:SM404", "--dismiss"), exitPartial, nil, []string{"npsd messages liste les clés des messages en attente"})

	backup := filepath.Join(e.dir, "copie.db")
	french(e.npsd("backup", backup), exitOK, []string{"sauvegarde de ", "octets écrite dans " + backup}, nil)
	french(e.npsd("forget", "bob@example.fr", "--yes"), exitOK, []string{"client c3 oublié", "fichier de données réécrit", "les sauvegardes faites avant maintenant"}, nil)
	french(e.npsd("check"), exitOK, []string{"configuration valide : ", "langue", "modèles valides : modèles intégrés, chaque type rendu en 2 langues"}, nil)
}

// TestCommandsKeepTheirEnglish: an English business reads the command
// line's words as it always has, which scripts and the other tests read.
func TestCommandsKeepTheirEnglish(t *testing.T) {
	e := newEnv(t)
	e.want(e.npsd("contacts", "import", e.file("c.csv", "name,email,phone\nAnn,ann@example.fr,\nAnn again,ANN@example.fr,\n")), exitPartial,
		[]string{"c.csv: 2 rows: 1 contacts created, 0 updated, 0 unchanged, 1 rejected"}, []string{"c.csv line 3: email ann@example.fr is also on line 2"})
	e.want(e.npsd("campaign", "plan", "quarterly", "--list"), exitOK,
		[]string{"  contact  name <address>                                   channel and due time, or why skipped", "1 surveys queued (dry run: nothing written)"}, nil)
	e.want(e.npsd("outbox"), exitOK, []string{"job  kind  state  channel  contact  survey  due  attempts  reason", "outbox: 0 pending, 0 inflight, 0 sent, 0 failed, 0 canceled (times in Europe/Paris)"}, nil)
	e.want(e.npsd("messages"), exitOK, []string{"key  received  channel  from  kind  outcome  text"}, nil)
	e.want(e.npsd("check"), exitOK, []string{"SMS", "language", "templates OK: built-in, every kind rendered in 2 languages"}, nil)
}

// What a validator refuses in a value (an email, a phone number, a
// language, a time zone) is said in French to a French business, not in
// the validator's English.
func TestImportRefusalsSpeakFrench(t *testing.T) {
	e := newEnvIn(t, "fr")
	r := e.npsd("contacts", "import", e.file("v.csv", "name,email,phone,language,timezone\n"+
		"Zoé,zoe@example,06 12 34 56 70,fr,Europe/Paris\n"+
		"Léa,lea@example.fr,06 12 34 56 71 ext,fr,Europe/Paris\n"+
		"Max,max@example.fr,,espagnol,Europe/Paris\n"+
		"Noé,noe@example.fr,,fr,Mars/Base\n"))
	e.want(r, exitPartial, nil, []string{
		"v.csv ligne 2 : gardée sans le champ courriel (courriel \"zoe@example\" non valide : le domaine n’a pas de point)",
		"v.csv ligne 3 : gardée sans le champ téléphone (téléphone \"06 12 34 56 71 ext\" non valide : un poste a de 1 à 6 chiffres)",
		"langue \"espagnol\" non prise en charge",
		"v.csv ligne 5 : gardée sans le champ fuseau horaire (fuseau horaire \"Mars/Base\" inconnu",
	})
	if w := englishWords.FindString(r.stderr); w != "" {
		t.Errorf("the refusals read %q in English:\n%s", w, r.stderr)
	}
}
