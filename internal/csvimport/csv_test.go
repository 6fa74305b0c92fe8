package csvimport

import (
	"bytes"
	"io"
	"reflect"
	"slices"
	"testing"
	"testing/iotest"
)

// readAll reads data as one pass of an import does, its rows copied out of
// the reader. With oneByte the file arrives a byte at a time, so every
// rune, byte order mark and line is cut by a buffer's end somewhere.
func readAll(data []byte, encoding string, aliases map[string]string, oneByte bool) (*csvTable, []csvRow, error) {
	src, err := newSource("test.csv", encoding, func() (io.Reader, error) {
		if oneByte {
			return iotest.OneByteReader(bytes.NewReader(data)), nil
		}
		return bytes.NewReader(data), nil
	})
	if err != nil {
		return nil, nil, err
	}
	rs, err := src.open(aliases, nil)
	if err != nil {
		return nil, nil, err
	}
	var rows []csvRow
	for {
		r, err := rs.next()
		if err == io.EOF {
			return rs.table, rows, nil
		}
		if err != nil {
			return rs.table, rows, err
		}
		r.fields = slices.Clone(r.fields)
		rows = append(rows, r)
	}
}

// FuzzReadCSV: no file, however broken, makes the CSV reader panic, a row
// it returns has a line number, and a file read a byte at a time reads the
// same as one read in large blocks.
func FuzzReadCSV(f *testing.F) {
	for _, seed := range []string{
		"name,email\nAnn,a@example.fr\n",
		"\xEF\xBB\xBFnom;courriel\n\"Dupont; Jean\";j@example.fr\n",
		"name,email\n\"broken,a@example.fr\n",
		"email,courriel\n",
		"",
		"\xFF\xFEn\x00",
		"a,b\n\"x\ny\",z\n",
		"a,b\n\"x\",y\n\xC9,z\n",
		" \n\t\n",
	} {
		f.Add([]byte(seed), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, latin1 bool) {
		enc := "utf-8"
		if latin1 {
			enc = "latin1"
		}
		table, rows, err := readAll(data, enc, contactColumns, false)
		for _, r := range rows {
			if r.line < 2 {
				t.Fatalf("row with line %d", r.line)
			}
		}
		table1, rows1, err1 := readAll(data, enc, contactColumns, true)
		if (err == nil) != (err1 == nil) || err != nil && err.Error() != err1.Error() {
			t.Fatalf("read in blocks: %v; a byte at a time: %v", err, err1)
		}
		if !reflect.DeepEqual(rows, rows1) || (table == nil) != (table1 == nil) {
			t.Fatalf("read in blocks: %+v; a byte at a time: %+v", rows, rows1)
		}
	})
}
