package main

import "testing"

// TestResponsesAdd enters answers given by phone and at the counter, as
// the owner would, and reads them back in the report and the cases.
func TestResponsesAdd(t *testing.T) {
	e := newEnv(t)
	e.want(e.npsd("contacts", "import", e.file("c.csv", "email,phone,name\ngaetan@example.fr,06 12 34 56 78,Gaëtan Roy\nlea@example.fr,,Léa\n")), exitOK, nil, nil)

	// Found by the phone number as the owner writes it.
	e.want(e.npsd("responses", "add", "06 12 34 56 78", "--score", "3", "--comment", "attente trop longue", "--by", "marie"), exitOK,
		[]string{"Gaëtan Roy (c1): score 3 given by phone, entered by marie"}, nil)
	e.want(e.npsd("responses", "add", "lea@example.fr", "--score", "10", "--channel", "counter", "--at", "2026-11-22 09:30"), exitOK,
		[]string{"score 10 given by counter"}, nil)
	// The same answer entered twice with its time counts once.
	e.want(e.npsd("responses", "add", "lea@example.fr", "--score", "10", "--channel", "counter", "--at", "2026-11-22 09:30"), exitOK,
		[]string{"already recorded"}, nil)
	e.want(e.npsd("report", "--format", "json"), exitOK, []string{`"responses": 2`, `"promoters": 1`, `"detractors": 1`}, nil)
	e.want(e.npsd("cases"), exitOK, []string{"attente trop longue"}, nil)

	for _, bad := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"lea@example.fr", "--score", "11"}, exitPartial, "outside 0-10"},
		{[]string{"lea@example.fr", "--score", "huit"}, exitUnusable, `--score "huit"`},
		{[]string{"lea@example.fr"}, exitUnusable, `--score ""`},
		{[]string{"lea@example.fr", "--score", "8", "--channel", "sms"}, exitPartial, "phone or counter"},
		{[]string{"lea@example.fr", "--score", "8", "--at", "2026-12-25"}, exitPartial, "to come"},
		{[]string{"lea@example.fr", "--score", "8", "--at", "demain"}, exitUnusable, "--at"},
		{[]string{"nobody@example.fr", "--score", "8"}, exitPartial, "nobody@example.fr"},
		{[]string{"--score", "8"}, exitUnusable, "KEY"},
	} {
		e.want(e.npsd(append([]string{"responses", "add"}, bad.args...)...), bad.code, nil, []string{bad.stderr})
	}
	e.want(e.npsd("report", "--format", "json"), exitOK, []string{`"responses": 2`}, nil)
}
