package main

import "testing"

// TestImportAnOwnersFrenchFile imports a French export as the owner runs
// it: a row with a bad field is kept without it (exit 1, the line named),
// --strict refuses it whole, --map Ville=city makes the column the segment
// a report groups by, and a report by a key no contact has says which
// keys there are.
func TestImportAnOwnersFrenchFile(t *testing.T) {
	e := newEnv(t)
	f := e.file("clients.csv", "\ufeffNom;Courriel;Téléphone;Langue;Ville\r\n"+
		"Gaëtan Roy;gaetan@example.fr;06 12 34 56 78 poste 204;Français;Lyon\r\n"+
		"Ann;ann@example.fr;pas de tel;Anglais;Paris\r\n")
	e.want(e.npsd("contacts", "import", f, "--strict"), exitPartial, []string{"1 contacts created", "1 rejected"}, []string{`line 3: invalid phone "pas de tel"`})
	e.want(e.npsd("contacts", "import", f, "--map", "Ville=city"), exitPartial,
		[]string{"1 contacts created, 1 updated", "0 rejected (1 kept without a wrong field)"},
		[]string{`line 3: kept without its phone (invalid phone "pas de tel"`})
	e.want(e.npsd("contacts", "import", f, "--map", "Town=city"), exitUnusable, nil, []string{`--map names a column "Town"`, "Ville"})
	e.want(e.npsd("contacts", "import", f, "--map", "Ville"), exitUnusable, nil, []string{"--map", "HEADER=NAME"})

	e.want(e.npsd("events", "import", e.file("achats.csv", "client;date;montant;type\ngaetan@example.fr;03/04/2026;12,50 €;achat\n"), "--date-format", "MM/DD/YYYY"), exitOK, []string{"1 events created"}, nil)
	e.want(e.npsd("events", "import", e.file("bad.csv", "client;date;type\ngaetan@example.fr;03/04/2026;achat\n"), "--date-format", "YYYY"), exitUnusable, nil, []string{"--date-format"})

	e.want(e.npsd("responses", "add", "ann@example.fr", "--score", "9"), exitOK, nil, nil)
	e.speak("fr")
	e.want(e.npsd("report", "--by", "city"), exitOK, []string{"Paris"}, nil)
	r := e.npsd("report", "--by", "region")
	e.want(r, exitOK, []string{`aucune réponse ne vient d’un client ayant l’attribut "region"`, "city", "phone_extension"}, nil)
	e.want(e.npsd("report", "--by", "region", "--format", "json"), exitOK, []string{`"note": "no answer comes from`, `"keys_known": [`}, nil)
}
