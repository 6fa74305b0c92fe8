package csvimport

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

// utf8BOM is the byte order mark some tools write at the start of UTF-8.
var utf8BOM = []byte("\xEF\xBB\xBF")

// encodingError is text that is not in the file's encoding: a byte that is
// not UTF-8, or a whole file in UTF-16.
type encodingError struct {
	line  int
	utf16 bool
}

func (e *encodingError) Error() string {
	if e.utf16 {
		return "UTF-16 text"
	}
	return fmt.Sprintf("line %d is not UTF-8", e.line)
}

// utf8Text checks UTF-8 text as it streams: it passes the text through
// without its byte order mark, and stops at the first byte that is not
// UTF-8, naming its line, so that a file is refused before anything of it
// is written without being held whole.
type utf8Text struct {
	started bool
	line    int // the line of the next byte, 1-based
}

// Reset implements transform.Transformer.
func (t *utf8Text) Reset() { *t = utf8Text{} }

// Transform implements transform.Transformer. A rune or a byte order mark
// cut by the end of src waits for the next call.
func (t *utf8Text) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	if !t.started {
		if len(src) < len(utf8BOM) && !atEOF {
			return 0, 0, transform.ErrShortSrc
		}
		if bytes.HasPrefix(src, []byte{0xFF, 0xFE}) || bytes.HasPrefix(src, []byte{0xFE, 0xFF}) {
			return 0, 0, &encodingError{utf16: true}
		}
		t.started, t.line = true, 1
		if bytes.HasPrefix(src, utf8BOM) {
			nSrc = len(utf8BOM)
		}
	}
	n := min(len(dst), len(src)-nSrc)
	valid := validPrefix(src[nSrc : nSrc+n])
	nDst = copy(dst, src[nSrc:nSrc+valid])
	t.line += bytes.Count(dst[:nDst], []byte{'\n'})
	nSrc += valid
	rest := src[nSrc:]
	switch {
	case len(rest) == 0:
		return nDst, nSrc, nil
	case valid == n && n == len(dst):
		return nDst, nSrc, transform.ErrShortDst
	case !utf8.FullRune(rest) && !atEOF:
		return nDst, nSrc, transform.ErrShortSrc
	}
	if r, size := utf8.DecodeRune(rest); r != utf8.RuneError || size > 1 {
		// A whole rune that dst has no room for.
		return nDst, nSrc, transform.ErrShortDst
	}
	return nDst, nSrc, &encodingError{line: t.line}
}

// validPrefix returns the length of the longest start of b made of whole
// UTF-8 runes. The usual case, valid text cut at most inside its last rune,
// takes two scans; only a bad byte is looked for rune by rune.
func validPrefix(b []byte) int {
	if utf8.Valid(b) {
		return len(b)
	}
	last := len(b) - 1
	for last > 0 && last > len(b)-utf8.UTFMax && !utf8.RuneStart(b[last]) {
		last--
	}
	if last >= 0 && !utf8.FullRune(b[last:]) && utf8.Valid(b[:last]) {
		return last
	}
	n := 0
	for n < len(b) {
		r, size := utf8.DecodeRune(b[n:])
		if r == utf8.RuneError && size == 1 {
			return n
		}
		n += size
	}
	return n
}
