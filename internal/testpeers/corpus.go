package testpeers

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// TSV reads a labelled corpus: tab-separated rows of exactly columns
// cells, lines starting with # and blank lines skipped. Lines are not
// trimmed: a cell's own spaces are part of the case.
func TSV(t *testing.T, path string, columns int) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		row := strings.Split(line, "\t")
		if len(row) != columns {
			t.Fatalf("%s:%d: %d columns, want %d", path, n, len(row), columns)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}
