package main

import (
	"fmt"
	"strings"
	"testing"
)

// A field of 1 MB refuses its row only, named by line and column; the
// other rows are imported.
func TestCSVLimitLongFieldRejectsItsRow(t *testing.T) {
	e := newEnv(t)
	f := e.file("contacts.csv", "name,email,notes\n"+
		"Ann,ann@example.com,fine\n"+ // line 2
		"Huge,huge@example.com,"+strings.Repeat("x", 1<<20)+"\n"+ // line 3
		"Bob,bob@example.com,fine too\n") // line 4
	r := e.npsd("contacts", "import", f)
	e.want(r, exitPartial, []string{"3 rows: 2 contacts created", "1 rejected"}, []string{
		`contacts.csv line 3: column 3 ("notes") has a field of 1048576 bytes, more than the 4096`,
	})
	got := e.contacts()
	if len(got) != 2 || got["ann@example.com"].Name != "Ann" || got["bob@example.com"].Name != "Bob" {
		t.Errorf("stored = %+v; want exactly Ann and Bob", got)
	}
}

// A header of 1,000 columns makes the file unusable: exit 2, nothing
// written.
func TestCSVLimitTooManyColumns(t *testing.T) {
	e := newEnv(t)
	var header, row []string
	header = append(header, "name", "email")
	row = append(row, "Ann", "ann@example.com")
	for i := range 998 {
		header = append(header, fmt.Sprintf("attr%d", i))
		row = append(row, "v")
	}
	f := e.file("contacts.csv", strings.Join(header, ",")+"\n"+strings.Join(row, ",")+"\n")
	r := e.npsd("contacts", "import", f)
	e.want(r, exitUnusable, nil, []string{"contacts.csv line 1: the header has 1000 columns, more than the 200"})
	if n := len(e.contacts()); n != 0 {
		t.Errorf("%d contacts written from a 1,000-column file, want none", n)
	}
}
