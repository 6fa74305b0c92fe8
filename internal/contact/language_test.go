package contact

import (
	"bufio"
	"os"
	"strings"
	"testing"
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
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	rows, wrong := 0, 0
	for n := 1; sc.Scan(); n++ {
		line := sc.Text() // not trimmed: a cell's own spaces are part of the case
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		in, want, ok := strings.Cut(line, "\t")
		if !ok || strings.Contains(want, "\t") {
			t.Fatalf("%s:%d: want two columns", name, n)
		}
		rows++
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
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d languages read as labelled", rows-wrong, rows)
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
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	rows, wrong := 0, 0
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 4 {
			t.Fatalf("%s:%d: want four columns", name, n)
		}
		in, region, want, wantExt := cols[0], cols[1], cols[2], cols[3]
		if wantExt == "-" {
			wantExt = ""
		}
		rows++
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
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d phones read as labelled", rows-wrong, rows)
}
