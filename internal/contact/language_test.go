package contact

import (
	"strings"
	"testing"

	"github.com/npsd/npsd/internal/testpeers"
)

// TestLanguageCorpus reads testdata/languages.tsv: a customer's language
// as owners' spreadsheets write it, labelled from the rules at its head,
// not from the code. EMPTY is a cell that says there is none.
func TestLanguageCorpus(t *testing.T) {
	for _, name := range []string{"languages.tsv", "languages-holdout.tsv"} {
		t.Run(name, func(t *testing.T) { languageCorpus(t, name) })
	}
}

func languageCorpus(t *testing.T, name string) {
	rows := corpusRows(t, name, 2)
	wrong := 0
	for _, row := range rows {
		in, want := row[0], row[1]
		got, err := LanguageOf(in)
		switch {
		case want == "ERROR" && err == nil:
			t.Errorf("LanguageOf(%q) = %q, want an error", in, got)
		case want == "ERROR" && !strings.Contains(err.Error(), strings.TrimSpace(in)):
			t.Errorf("LanguageOf(%q): %v, want the error to name the value", in, err)
		case want == "ERROR":
			continue
		case err != nil:
			t.Errorf("LanguageOf(%q): %v, want %s", in, err, want)
		case want == "EMPTY" && got != "", want != "EMPTY" && got != want:
			t.Errorf("LanguageOf(%q) = %q, want %s", in, got, want)
		default:
			continue
		}
		wrong++
	}
	t.Logf("%d of %d languages read as labelled", len(rows)-wrong, len(rows))
}

// corpusRows reads a corpus in testdata (see testpeers.TSV).
func corpusRows(t *testing.T, name string, columns int) [][]string {
	return testpeers.TSV(t, "testdata/"+name, columns)
}

// TestPhoneCorpus reads testdata/phones.tsv: phone numbers as owners'
// spreadsheets write them, extensions included, labelled from the rules
// at its head, not from the code.
func TestPhoneCorpus(t *testing.T) {
	for _, name := range []string{"phones.tsv", "phones-holdout.tsv"} {
		t.Run(name, func(t *testing.T) { phoneCorpus(t, name) })
	}
}

func phoneCorpus(t *testing.T, name string) {
	rows := corpusRows(t, name, 4)
	wrong := 0
	for _, row := range rows {
		in, region, want, wantExt := row[0], row[1], row[2], row[3]
		if wantExt == "-" {
			wantExt = ""
		}
		got, ext, err := PhoneWithExtension(in, region)
		switch {
		case want == "ERROR" && err == nil:
			t.Errorf("PhoneWithExtension(%q, %s) = %s ext %q, want an error", in, region, got, ext)
		case want == "ERROR":
			continue
		case err != nil:
			t.Errorf("PhoneWithExtension(%q, %s): %v, want %s ext %q", in, region, err, want, wantExt)
		case got != want || ext != wantExt:
			t.Errorf("PhoneWithExtension(%q, %s) = %s ext %q, want %s ext %q", in, region, got, ext, want, wantExt)
		default:
			continue
		}
		wrong++
	}
	t.Logf("%d of %d phones read as labelled", len(rows)-wrong, len(rows))
}
