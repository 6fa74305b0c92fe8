package csvimport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/internal/i18n"
	"github.com/npsd/npsd/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "npsd.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "import.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func countContacts(t *testing.T, st *store.Store) int {
	t.Helper()
	var n int
	if err := st.View(func(tx *store.Tx) error { n = tx.CountContacts(); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// contactsFile is a contacts file of n good rows, c0 to c(n-1), on lines
// 2 to n+1.
func contactsFile(n int) *strings.Builder {
	var b strings.Builder
	b.WriteString("name,email\n")
	for i := range n {
		fmt.Fprintf(&b, "Client %d,c%d@example.fr\n", i, i)
	}
	return &b
}

var testOptions = Options{Region: "FR", Location: time.UTC}

func runImport(t *testing.T, st *store.Store, kind Kind, content string, o Options) (Result, error) {
	t.Helper()
	return Run(context.Background(), st, kind, writeFile(t, content), o)
}

func TestRunBrokenLastRowWritesNothing(t *testing.T) {
	tests := []struct{ name, last, want string }{
		{"unclosed quote", "\"Zed,zed@example.fr\n", "line 3502: a quote opened in this row is never closed"},
		{"not UTF-8", "Z\xE9d,zed@example.fr\n", "line 3502: the file is not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			b := contactsFile(3500)
			b.WriteString(tt.last)
			_, err := runImport(t, st, Contacts, b.String(), testOptions)
			if !errors.Is(err, ErrUnusable) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want unusable, %q", err, tt.want)
			}
			if n := countContacts(t, st); n != 0 {
				t.Errorf("%d contacts written from a broken file, want none", n)
			}
		})
	}
}

// A quote left open cannot pull the rest of a file into one row: past
// maxCSVRecordBytes the file is refused, naming the row's line.
func TestRunRunawayRowRefusesTheFile(t *testing.T) {
	st := openStore(t)
	b := contactsFile(2)
	b.WriteString("\"Zed,zed@example.fr\n")
	line := strings.Repeat("x", 99) + "\n"
	for range 2 * maxCSVRecordBytes / len(line) {
		b.WriteString(line)
	}
	_, err := runImport(t, st, Contacts, b.String(), testOptions)
	if !errors.Is(err, ErrUnusable) || !strings.Contains(err.Error(), "line 4: a row runs past 8 MiB") {
		t.Fatalf("err = %v", err)
	}
	if n := countContacts(t, st); n != 0 {
		t.Errorf("%d contacts written, want none", n)
	}
}

func TestRunDuplicateFarApart(t *testing.T) {
	st := openStore(t)
	b := contactsFile(4000)
	b.WriteString("Again,C7@Example.fr\n") // line 4002 repeats line 9
	res, err := runImport(t, st, Contacts, b.String(), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 4000 || len(res.Rejected) != 1 || res.Rejected[0].Line != 4002 {
		t.Fatalf("result = %+v; want 4000 created, line 4002 refused", res)
	}
	if got := res.Rejected[0].Err.Error(); got != "email c7@example.fr is also on line 9" {
		t.Errorf("refusal = %q", got)
	}
}

// Two values that share a hash are both imported; a real duplicate of one
// of them is still refused with the right line.
func TestRunHashCollisionRefusesNothing(t *testing.T) {
	st := openStore(t)
	o := testOptions
	fallback := newClaims().hash
	o.keyHash = func(field, value string) uint64 {
		if value == "c5@example.fr" || value == "c3005@example.fr" || value == "+33612345678" {
			return 42
		}
		return fallback(field, value)
	}
	b := contactsFile(3500)
	b.WriteString("Phone,,06 12 34 56 78\n")   // line 3502: a third value of hash 42
	b.WriteString("Again,c3005@example.fr,\n") // line 3503: a real duplicate of line 3007
	content := strings.Replace(b.String(), "name,email\n", "name,email,phone\n", 1)
	content = strings.ReplaceAll(content, ".fr\n", ".fr,\n")
	res, err := runImport(t, st, Contacts, content, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 3501 || res.Refused() != 1 || res.Rejected[0].Line != 3503 {
		t.Fatalf("result = %+v; want 3501 created, line 3503 refused", res)
	}
	if got := res.Rejected[0].Err.Error(); got != "email c3005@example.fr is also on line 3007" {
		t.Errorf("refusal = %q", got)
	}
	for _, key := range []string{"c5@example.fr", "c3005@example.fr"} {
		if _, err := st.ContactByKey(key, ""); err != nil {
			t.Errorf("%s: %v", key, err)
		}
	}
}

func TestStreamEncodings(t *testing.T) {
	long := strings.Repeat("Zoé,z@example.fr,€ ok\n", 500) // runes cut by every buffer size
	tests := []struct {
		name, encoding, data string
		want                 [][]string
	}{
		{"windows-1252", "windows-1252", "nom;ville\nZo\xE9;Besan\xE7on \x80\n", [][]string{{"Zoé", "Besançon €"}}},
		{"iso-8859-15", "iso-8859-15", "nom;ville\nZo\xE9;\xA4\n", [][]string{{"Zoé", "€"}}},
		{"BOM", "utf-8", "\xEF\xBB\xBFname,email\nAnn,a@example.fr\n", [][]string{{"Ann", "a@example.fr"}}},
		{"BOM only", "utf-8", "\xEF\xBB\xBFname\n", nil},
		{"long UTF-8", "utf-8", "name,email,note\n" + long, nil},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/%v", tt.name, oneByte), func(t *testing.T) {
				table, rows, err := readAll([]byte(tt.data), tt.encoding, contactColumns, oneByte)
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := table.columns["name"]; !ok {
					t.Errorf("header %q: no name column", table.header)
				}
				var got [][]string
				for _, r := range rows {
					got = append(got, r.fields)
				}
				if tt.want == nil && tt.name == "long UTF-8" {
					if len(rows) != 500 || rows[499].fields[2] != "€ ok" || rows[499].line != 501 {
						t.Errorf("%d rows, last %+v", len(rows), rows[len(rows)-1])
					}
					return
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("rows = %q; want %q", got, tt.want)
				}
			})
		}
	}
}

// A bad byte is named by its line however the text is cut into buffers.
func TestStreamNotUTF8(t *testing.T) {
	data := "name,email\n" + strings.Repeat("Zoé,z@example.fr\n", 400) + "Bad\xE9,b@example.fr\n"
	for _, oneByte := range []bool{false, true} {
		_, _, err := readAll([]byte(data), "utf-8", contactColumns, oneByte)
		if err == nil || !strings.Contains(err.Error(), "line 402: the file is not UTF-8") {
			t.Errorf("one byte at a time %v: err = %v", oneByte, err)
		}
	}
}

// The kept refusals are the first MaxRejected in line order, whichever
// pass refused them, and the rest are counted.
func TestRunCapsRejected(t *testing.T) {
	st := openStore(t)
	if _, _, err := st.UpsertContact(context.Background(), store.Contact{Email: "ann@example.fr"}); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("contact,type,date\n")
	for i := range 3000 {
		switch i % 3 {
		case 0: // refused while checking: a bad date
			fmt.Fprintf(&b, "ann@example.fr,purchase,someday %d\n", i)
		case 1: // refused while writing: nobody has this email
			fmt.Fprintf(&b, "nobody%d@example.fr,purchase,2026-11-30\n", i)
		default:
			fmt.Fprintf(&b, "ann@example.fr,purchase,2026-11-%02d\n", 1+i%28)
		}
	}
	res, err := runImport(t, st, Events, b.String(), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 3000 || res.Created != 1000 || len(res.Rejected) != MaxRejected || res.RejectedMore != 1000 || res.Refused() != 2000 {
		t.Fatalf("rows %d, created %d, kept %d, more %d", res.Rows, res.Created, len(res.Rejected), res.RejectedMore)
	}
	for i, r := range res.Rejected {
		// Lines 2, 3, 5, 6, 8, 9…: two refused rows in every three.
		if want := 2 + i/2*3 + i%2; r.Line != want {
			t.Fatalf("refusal %d is line %d, want %d: %v", i, r.Line, want, r.Err)
		}
	}
	lines := res.Refusals(i18n.For("en", nil), "events.csv")
	if last := lines[len(lines)-1]; last != "events.csv: … and 1000 more rows refused" {
		t.Errorf("last line = %q", last)
	}
}

// A dry run counts what the import then does, and writes nothing.
func TestDryRunCountsMatchTheImport(t *testing.T) {
	st := openStore(t)
	var before strings.Builder
	before.WriteString("name,email,phone\n")
	for i := range 2500 {
		fmt.Fprintf(&before, "Client %d,c%d@example.fr,%s\n", i, i, testPhone(i))
	}
	if _, err := runImport(t, st, Contacts, before.String(), testOptions); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("name,email,phone,city\n")
	for i := range 4200 {
		switch i % 6 {
		case 0: // unchanged
			fmt.Fprintf(&b, "Client %d,c%d@example.fr,,\n", i, i)
		case 1: // updated
			fmt.Fprintf(&b, "Client %d,c%d@example.fr,,Lyon\n", i, i)
		case 2: // created
			fmt.Fprintf(&b, "New %d,n%d@example.fr,,\n", i, i)
		case 3: // refused while checking
			fmt.Fprintf(&b, "Bad %d,not-an-email,,\n", i)
		case 4: // refused as a duplicate of the row before last
			fmt.Fprintf(&b, "Again %d,n%d@example.fr,,\n", i, i-2)
		default: // refused by the store: the email of one, the phone of another
			fmt.Fprintf(&b, "Mixed %d,c%d@example.fr,%s,\n", i, i, testPhone(i+1))
		}
	}
	content := b.String()
	o := testOptions
	o.DryRun = true
	dry, err := runImport(t, st, Contacts, content, o)
	if err != nil {
		t.Fatal(err)
	}
	if n := countContacts(t, st); n != 2500 {
		t.Fatalf("dry run left %d contacts, want 2500", n)
	}
	real, err := runImport(t, st, Contacts, content, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if dry.Rows != real.Rows || dry.Created != real.Created || dry.Updated != real.Updated || dry.Unchanged != real.Unchanged || dry.Refused() != real.Refused() {
		t.Fatalf("dry run %+v\nimport  %+v", counts(dry), counts(real))
	}
	if real.Created == 0 || real.Updated == 0 || real.Unchanged == 0 || real.Refused() == 0 {
		t.Errorf("the file does not try every outcome: %+v", counts(real))
	}
	if !reflect.DeepEqual(refusalLines(dry), refusalLines(real)) {
		t.Errorf("dry run refused %v\nimport refused  %v", refusalLines(dry), refusalLines(real))
	}
}

func testPhone(i int) string { return fmt.Sprintf("06 00 00 %02d %02d", i/100, i%100) }

func counts(r Result) []int {
	return []int{r.Rows, r.Created, r.Updated, r.Unchanged, r.Refused()}
}

func refusalLines(r Result) []string {
	var lines []string
	for _, e := range r.Rejected {
		lines = append(lines, fmt.Sprintf("%d: %v", e.Line, e.Err))
	}
	return lines
}

// A file that changes between the pass that checks it and the pass that
// writes it stops the import at the first chunk that differs.
func TestRunStopsWhenTheFileChanges(t *testing.T) {
	st := openStore(t)
	first := contactsFile(2500).String()
	second := strings.Replace(first, "c1500@example.fr", "changed@example.fr", 1)
	reads := 0
	src, err := newSource("contacts.csv", "utf-8", func() (io.Reader, error) {
		reads++
		if reads == 1 {
			return strings.NewReader(first), nil
		}
		return bytes.NewReader([]byte(second)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	imp := newImporter(src, contactColumns, buildContactRows, testOptions)
	res, err := imp.run(context.Background(), st, "contacts")
	if !errors.Is(err, errFileChanged) || errors.Is(err, ErrUnusable) {
		t.Fatalf("err = %v; want the file changed", err)
	}
	if res.Created != Chunk || countContacts(t, st) != Chunk {
		t.Errorf("created %d, stored %d; want the first chunk only", res.Created, countContacts(t, st))
	}
	if _, err := st.ContactByKey("changed@example.fr", ""); err == nil {
		t.Error("a row the first pass never checked was written")
	}
}
