package csvimport

import "testing"

// FuzzReadCSV: no file, however broken, makes the CSV reader panic, and a
// row it returns has a line number.
func FuzzReadCSV(f *testing.F) {
	for _, seed := range []string{
		"name,email\nAnn,a@example.fr\n",
		"\xEF\xBB\xBFnom;courriel\n\"Dupont; Jean\";j@example.fr\n",
		"name,email\n\"broken,a@example.fr\n",
		"email,courriel\n",
		"",
		"\xFF\xFEn\x00",
		"a,b\n\"x\ny\",z\n",
	} {
		f.Add([]byte(seed), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, latin1 bool) {
		enc := "utf-8"
		if latin1 {
			enc = "latin1"
		}
		table, err := readCSV("fuzz.csv", data, enc, contactColumns)
		if err != nil {
			return
		}
		for _, r := range table.rows {
			if r.line < 2 {
				t.Fatalf("row with line %d", r.line)
			}
		}
	})
}
