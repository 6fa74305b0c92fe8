package record

import (
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// The records written and read on every send (a survey, a job without a
// payload, and their attempts) have their JSON made by hand, byte for byte
// what encoding/json makes of them, and read by a parser of that form
// alone. Anything else the parser meets (a key it does not know, a null,
// white space, an escape in a key or a time, a surrogate escape, a number
// that is not a plain unsigned integer) makes it give up, and the record
// goes to encoding/json, which reads every form an older npsd wrote and
// says what is wrong with a damaged one. encoding/json spends most of a
// send's JSON time on reflection and on a first pass that checks the
// whole record before it decodes it.

// appendJSONString appends s as encoding/json writes a string: HTML's
// <, > and & escaped, as are control characters, U+2028 and U+2029, and
// invalid UTF-8 replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONTime appends t as time.Time's MarshalJSON writes it.
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	return append(b, '"'), err
}

// jsonReader reads the one form of a record jsonWriter writes. Its
// methods do nothing once it has failed, and failed says so at the end:
// the caller then decodes the record with encoding/json.
type jsonReader struct {
	b      []byte
	at     int
	failed bool
}

// next reports whether the byte at the reader is c, and if so moves past
// it; it fails the reader when fail is set and the byte is another.
func (r *jsonReader) next(c byte, fail bool) bool {
	if !r.failed && r.at < len(r.b) && r.b[r.at] == c {
		r.at++
		return true
	}
	if fail {
		r.failed = true
	}
	return false
}

// raw reads a string without escapes and returns its bytes, unquoted.
func (r *jsonReader) raw() []byte {
	if !r.next('"', true) {
		return nil
	}
	start := r.at
	for ; r.at < len(r.b); r.at++ {
		switch c := r.b[r.at]; {
		case c == '"':
			s := r.b[start:r.at]
			r.at++
			return s
		case c == '\\' || c < 0x20:
			r.failed = true
			return nil
		}
	}
	r.failed = true
	return nil
}

// key reads an object's key and its colon. It is compared as
// string(key), which does not copy it.
func (r *jsonReader) key() []byte {
	k := r.raw()
	r.next(':', true)
	return k
}

// string reads a string value, with its escapes: encoding/json writes
// the < and > of every Message-ID as \u003c and \u003e. Invalid UTF-8,
// which encoding/json would replace, and a surrogate escape, which it
// would pair, fail the reader.
func (r *jsonReader) string() string {
	if !r.next('"', true) {
		return ""
	}
	start := r.at
	var out []byte // the value, once an escape is met
	for r.at < len(r.b) && !r.failed {
		switch c := r.b[r.at]; {
		case c == '"':
			raw := r.b[start:r.at]
			r.at++
			switch {
			case !utf8.Valid(raw):
				r.failed = true
			case out == nil:
				return string(raw)
			default:
				return string(out)
			}
		case c == '\\':
			if out == nil {
				// Room for what was read and a Message-ID's escapes.
				out = append(make([]byte, 0, r.at-start+64), r.b[start:r.at]...)
			}
			out = r.unescape(out)
		case c < 0x20:
			r.failed = true
		default:
			if out != nil {
				out = append(out, c)
			}
			r.at++
		}
	}
	r.failed = true
	return ""
}

// unescape appends the value of the escape at the reader and moves past
// it.
func (r *jsonReader) unescape(out []byte) []byte {
	if r.at+1 >= len(r.b) {
		r.failed = true
		return out
	}
	c := r.b[r.at+1]
	r.at += 2
	switch c {
	case '"', '\\', '/':
		return append(out, c)
	case 'b':
		return append(out, '\b')
	case 'f':
		return append(out, '\f')
	case 'n':
		return append(out, '\n')
	case 'r':
		return append(out, '\r')
	case 't':
		return append(out, '\t')
	case 'u':
		if r.at+4 <= len(r.b) {
			code, err := strconv.ParseUint(string(r.b[r.at:r.at+4]), 16, 16)
			r.at += 4
			if err == nil && !utf16.IsSurrogate(rune(code)) {
				return utf8.AppendRune(out, rune(code))
			}
		}
	}
	r.failed = true
	return out
}

// uint reads an unsigned integer written without sign, fraction or
// exponent.
func (r *jsonReader) uint() uint64 {
	start := r.at
	for r.at < len(r.b) && '0' <= r.b[r.at] && r.b[r.at] <= '9' {
		r.at++
	}
	digits := r.b[start:r.at]
	if r.failed || len(digits) == 0 || (digits[0] == '0' && len(digits) > 1) {
		r.failed = true
		return 0
	}
	n, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil {
		r.failed = true
	}
	return n
}

// bool reads true or false.
func (r *jsonReader) bool() bool {
	for _, word := range []string{"true", "false"} {
		if !r.failed && len(r.b)-r.at >= len(word) && string(r.b[r.at:r.at+len(word)]) == word {
			r.at += len(word)
			return word == "true"
		}
	}
	r.failed = true
	return false
}

// time reads a time as time.Time's UnmarshalJSON does.
func (r *jsonReader) time() time.Time {
	start := r.at
	r.raw()
	var t time.Time
	if r.failed || t.UnmarshalJSON(r.b[start:r.at]) != nil {
		r.failed = true
	}
	return t
}

// object calls field for each key of an object, which must read its value.
func (r *jsonReader) object(field func(key []byte)) {
	if !r.next('{', true) || r.next('}', false) {
		return
	}
	for !r.failed {
		field(r.key())
		if !r.next(',', false) {
			r.next('}', true)
			return
		}
	}
}

// done says whether the reader read one whole record and nothing after.
func (r *jsonReader) done() bool {
	return !r.failed && r.at == len(r.b)
}

// jsonWriter appends a record's fields, keeping the first error.
type jsonWriter struct {
	b   []byte
	err error
}

func (w *jsonWriter) uint(key string, n uint64) {
	w.b = strconv.AppendUint(append(w.b, key...), n, 10)
}

// string writes a string field; omitEmpty leaves out an empty one, as the
// omitempty option does.
func (w *jsonWriter) string(key, s string, omitEmpty bool) {
	if s != "" || !omitEmpty {
		w.b = appendJSONString(append(w.b, key...), s)
	}
}

// time writes a time field; omitZero leaves out a zero one, as the
// omitzero option does.
func (w *jsonWriter) time(key string, t time.Time, omitZero bool) {
	if omitZero && t.IsZero() {
		return
	}
	var err error
	if w.b, err = appendJSONTime(append(w.b, key...), t); err != nil && w.err == nil {
		w.err = err
	}
}

// bool writes a field whose option is omitempty: only when it is true.
func (w *jsonWriter) bool(key string, v bool) {
	if v {
		w.b = append(append(w.b, key...), "true"...)
	}
}

// attempts writes an omitempty list of attempts.
func (w *jsonWriter) attempts(key string, as []Attempt) {
	if len(as) == 0 {
		return
	}
	w.b = append(w.b, key...)
	for i, a := range as {
		w.b = append(w.b, "[,"[min(i, 1)])
		w.time(`{"at":`, a.At, false)
		w.string(`,"error":`, a.Error, true)
		w.bool(`,"temporary":`, a.Temporary)
		w.string(`,"message_id":`, a.MessageID, true)
		w.bool(`,"uncertain":`, a.Uncertain)
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, ']')
}

// attempts reads a list of attempts.
func (r *jsonReader) attempts() []Attempt {
	var as []Attempt
	if !r.next('[', true) || r.next(']', false) {
		return []Attempt{}
	}
	for !r.failed {
		var a Attempt
		r.object(func(key []byte) {
			switch string(key) {
			case "at":
				a.At = r.time()
			case "error":
				a.Error = r.string()
			case "temporary":
				a.Temporary = r.bool()
			case "message_id":
				a.MessageID = r.string()
			case "uncertain":
				a.Uncertain = r.bool()
			default:
				r.failed = true
			}
		})
		as = append(as, a)
		if !r.next(',', false) {
			r.next(']', true)
			break
		}
	}
	return as
}
