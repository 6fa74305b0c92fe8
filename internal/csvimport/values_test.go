package csvimport

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/npsd/npsd/internal/testpeers"
)

// corpusRows reads a corpus in testdata (see testpeers.TSV).
func corpusRows(t *testing.T, name string, columns int) [][]string {
	return testpeers.TSV(t, filepath.Join("testdata", name), columns)
}

// TestAmountCorpus reads testdata/amounts.tsv, amounts as owners' exports
// write them (French, Québec, English, Swiss), labelled from the rules at
// its head, not from the parser, and amounts-holdout.tsv, written by
// another hand from the same rules after the parser was done.
func TestAmountCorpus(t *testing.T) {
	for _, name := range []string{"amounts.tsv", "amounts-holdout.tsv"} {
		t.Run(name, func(t *testing.T) { amountCorpus(t, name) })
	}
}

func amountCorpus(t *testing.T, name string) {
	rows := corpusRows(t, name, 2)
	wrong := 0
	for _, row := range rows {
		in, want := row[0], row[1]
		got, err := ParseAmount(in)
		switch {
		case want == "ERROR" && err == nil:
			t.Errorf("ParseAmount(%q) = %v, want an error", in, got)
		case want == "ERROR":
			continue
		case err != nil:
			t.Errorf("ParseAmount(%q): %v, want %s", in, err, want)
		default:
			w, perr := strconv.ParseFloat(want, 64)
			if perr != nil {
				t.Fatalf("corpus: %q is not a number", want)
			}
			if got != w {
				t.Errorf("ParseAmount(%q) = %v, want %v", in, got, w)
			} else {
				continue
			}
		}
		wrong++
	}
	t.Logf("%d of %d amounts read as labelled", len(rows)-wrong, len(rows))
}

// TestDateCorpus reads testdata/dates.tsv: dates as a French or an English
// business's spreadsheet writes them, labelled from the rules at its head.
func TestDateCorpus(t *testing.T) {
	for _, name := range []string{"dates.tsv", "dates-holdout.tsv"} {
		t.Run(name, func(t *testing.T) { dateCorpus(t, name) })
	}
}

func dateCorpus(t *testing.T, name string) {
	loc, err := time.LoadLocation("America/Montreal")
	if err != nil {
		t.Fatal(err)
	}
	rows := corpusRows(t, name, 3)
	wrong := 0
	for _, row := range rows {
		in, lang, want := row[0], row[1], row[2]
		if lang != "fr" && lang != "en" {
			t.Fatalf("corpus: language %q", lang)
		}
		got, err := ParseDate(in, loc, lang == "fr")
		switch {
		case want == "ERROR" && err == nil:
			t.Errorf("ParseDate(%q, %s) = %s, want an error", in, lang, got.Format("2006-01-02 15:04"))
		case want == "ERROR":
			continue
		case err != nil:
			t.Errorf("ParseDate(%q, %s): %v, want %s", in, lang, err, want)
		case got.In(loc).Format("2006-01-02 15:04") != want:
			// Expected times are the business's wall clock.
			t.Errorf("ParseDate(%q, %s) = %s, want %s", in, lang, got.In(loc).Format("2006-01-02 15:04"), want)
		default:
			continue
		}
		wrong++
	}
	t.Logf("%d of %d dates read as labelled", len(rows)-wrong, len(rows))
}
