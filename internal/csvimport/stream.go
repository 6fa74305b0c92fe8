package csvimport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// headBytes is how much of a file's start is looked at before its rows are
// read: the delimiter is picked from it, and a file whose text ends within
// it can be told empty.
const headBytes = 64 << 10

// maxCSVRecordBytes bounds one row as the reader collects it. No row that
// could be imported comes near it (maxCSVColumns fields of
// maxCSVFieldBytes), but a quote left open collects every line after it
// into one field: past this size the file is refused whole rather than
// read into memory, since the reader cannot find where the row should have
// ended.
const maxCSVRecordBytes = 8 << 20

// source is an import file that is read from its start once per pass, so
// that no pass holds more of it than a row and the reader's buffers.
type source struct {
	name string
	// rewind returns the file's bytes from the start.
	rewind func() (io.Reader, error)
	// decoder returns a fresh decoder of the file's encoding to UTF-8.
	decoder func() transform.Transformer
	// comma is the delimiter, picked on the first pass and kept for the
	// others, which must read the file the same way.
	comma rune
	// size is the file's size in bytes, 0 when unknown.
	size int64
}

// openSource opens the file at path for reading in passes; the caller
// closes the file.
func openSource(path, encoding string) (*source, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, unusable("%v", err)
	}
	src, err := newSource(path, encoding, func() (io.Reader, error) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return f, nil
	})
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	if fi, err := f.Stat(); err == nil {
		src.size = fi.Size()
	}
	return src, f, nil
}

func newSource(name, encoding string, rewind func() (io.Reader, error)) (*source, error) {
	dec, err := textDecoder(encoding)
	if err != nil {
		return nil, err
	}
	return &source{name: name, rewind: rewind, decoder: dec}, nil
}

// textDecoder returns what turns a file in encoding into UTF-8 text.
func textDecoder(encoding string) (func() transform.Transformer, error) {
	var cm *charmap.Charmap
	switch strings.ToLower(encoding) {
	case "", "utf-8", "utf8":
		return func() transform.Transformer { return &utf8Text{} }, nil
	case "windows-1252", "cp1252":
		cm = charmap.Windows1252
	case "latin1", "iso-8859-1":
		cm = charmap.ISO8859_1
	case "iso-8859-15", "latin9":
		cm = charmap.ISO8859_15
	default:
		return nil, unusable("unknown encoding %q: use utf-8, windows-1252, latin1 or iso-8859-15", encoding)
	}
	return func() transform.Transformer { return cm.NewDecoder() }, nil
}

// rowStream is one pass over a file's rows.
type rowStream struct {
	name string
	// text is the decoded text under the reader, kept to look for an
	// encoding error past the place where the reader stopped.
	text   *bufio.Reader
	budget *recordBudget
	csv    *csv.Reader
	table  *csvTable
	// nextLine is the line after the last row read, where a row that runs
	// past maxCSVRecordBytes starts (unless blank lines come between).
	nextLine int
}

// open starts a pass: it decodes the file from its start, picks the
// delimiter on the first pass, and reads the header.
func (s *source) open(aliases, rename map[string]string) (*rowStream, error) {
	raw, err := s.rewind()
	if err != nil {
		return nil, unusable("%s: %v", s.name, err)
	}
	text := bufio.NewReaderSize(transform.NewReader(raw, s.decoder()), headBytes)
	head, err := text.Peek(headBytes)
	atEOF := errors.Is(err, io.EOF)
	if err != nil && !atEOF {
		return nil, csvError(s.name, 1, err)
	}
	if atEOF && len(bytes.TrimSpace(head)) == 0 {
		return nil, emptyFile(s.name)
	}
	if s.comma == 0 {
		s.comma = sniffDelimiter(wholeLines(head, atEOF))
	}
	rs := &rowStream{name: s.name, text: text, budget: &recordBudget{r: text}, nextLine: 1}
	rs.csv = csv.NewReader(rs.budget)
	rs.csv.Comma = s.comma
	rs.csv.FieldsPerRecord = -1 // a row with a wrong count is that row's error, not the file's
	// A row's strings are fresh for each row; only the slice holding them
	// is reused, and no row is kept past the next read.
	rs.csv.ReuseRecord = true
	header, err := rs.read()
	header = slices.Clone(header) // the reader reuses the slice
	if errors.Is(err, io.EOF) {
		return nil, rs.fail(emptyFile(s.name))
	}
	if err != nil {
		return nil, rs.fail(err)
	}
	if rs.table, err = newTable(s.name, header, aliases, rename); err != nil {
		return nil, rs.fail(err)
	}
	return rs, nil
}

func emptyFile(name string) error {
	return unusable("%s: the file is empty: expected a header line", name)
}

// wholeLines cuts head after its last line break unless it is the whole
// file, so the delimiter is not picked from half a line.
func wholeLines(head []byte, whole bool) []byte {
	if i := bytes.LastIndexByte(head, '\n'); !whole && i >= 0 {
		return head[:i+1]
	}
	return head
}

// read reads the next record, blank or not, and notes where the one after
// it starts.
func (rs *rowStream) read() ([]string, error) {
	rs.budget.n = 0
	fields, err := rs.csv.Read()
	if err != nil {
		return nil, err
	}
	last := len(fields) - 1
	line, _ := rs.csv.FieldPos(last)
	rs.nextLine = line + strings.Count(fields[last], "\n") + 1
	return fields, nil
}

// next returns the next row that is not blank, and io.EOF after the last.
// Its fields are valid until the next call.
func (rs *rowStream) next() (csvRow, error) {
	for {
		fields, err := rs.read()
		if errors.Is(err, io.EOF) {
			return csvRow{}, io.EOF
		}
		if err != nil {
			return csvRow{}, rs.fail(err)
		}
		if allBlank(fields) {
			continue
		}
		line, _ := rs.csv.FieldPos(0)
		return checkFieldSizes(csvRow{line: line, fields: fields}, rs.table.header), nil
	}
}

// fail explains why the pass cannot go on. A file that is not in its
// encoding is reported as such wherever that shows, as when the whole file
// was decoded before it was parsed: the rest of the text is read to look
// for it.
func (rs *rowStream) fail(err error) error {
	var enc *encodingError
	if !errors.As(err, &enc) {
		if _, derr := io.Copy(io.Discard, rs.text); errors.As(derr, &enc) {
			err = derr
		}
	}
	return csvError(rs.name, rs.nextLine, err)
}

// recordBudget counts what the CSV reader takes for one row and refuses to
// give it more than maxCSVRecordBytes, so that a quote left open cannot
// pull the rest of a file into memory.
type recordBudget struct {
	r io.Reader
	n int
}

// errRowTooLong stops a row that grew past maxCSVRecordBytes.
var errRowTooLong = errors.New("row too long")

func (b *recordBudget) Read(p []byte) (int, error) {
	if b.n > maxCSVRecordBytes {
		return 0, errRowTooLong
	}
	n, err := b.r.Read(p)
	b.n += n
	return n, err
}
