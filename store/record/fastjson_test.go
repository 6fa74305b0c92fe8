package record

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// plainSurvey is a survey as encoding/json alone writes and reads it.
type plainSurvey Survey

// randomText draws strings from the characters encoding/json treats
// apart: quotes, backslashes, HTML's three, control characters, U+2028
// and U+2029, accents, and invalid UTF-8.
func randomText(rnd *rand.Rand) string {
	pieces := []string{"a", "Z", "0", " ", "é", "€", "😀", `"`, `\`, "<", ">", "&", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f", "\u2028", "\u2029", "\xff", "\xe2\x82", "/", "'"}
	var b strings.Builder
	for range rnd.IntN(6) {
		b.WriteString(pieces[rnd.IntN(len(pieces))])
	}
	return b.String()
}

// randomTime draws zero times, times in UTC and in other zones, with and
// without nanoseconds.
func randomTime(rnd *rand.Rand) time.Time {
	zones := []*time.Location{time.UTC, time.FixedZone("", 3600), time.FixedZone("", -5*3600-1800)}
	switch rnd.IntN(5) {
	case 0:
		return time.Time{}
	case 1:
		return time.Unix(rnd.Int64N(4e9), 0).In(zones[rnd.IntN(len(zones))])
	default:
		return time.Unix(rnd.Int64N(4e9), rnd.Int64N(1e9)).In(zones[rnd.IntN(len(zones))])
	}
}

func randomID(rnd *rand.Rand) uint64 {
	return []uint64{0, 1, 9, 10, 12345, math.MaxUint64, rnd.Uint64()}[rnd.IntN(7)]
}

func randomSurvey(rnd *rand.Rand) Survey {
	s := Survey{
		ID: SurveyID(randomID(rnd)), ContactID: ContactID(randomID(rnd)),
		Campaign: randomText(rnd), Channel: Channel(randomText(rnd)), State: SurveyState(randomText(rnd)), Reason: randomText(rnd),
		Planned: randomTime(rnd), Due: randomTime(rnd), Sent: randomTime(rnd), Reminded: randomTime(rnd),
		Delivered: randomTime(rnd), Opened: randomTime(rnd), Answered: randomTime(rnd),
		ResponseID: ResponseID(randomID(rnd)), Reasked: rnd.IntN(2) == 0, Alerted: rnd.IntN(2) == 0,
		Created: randomTime(rnd), Updated: randomTime(rnd),
	}
	for range rnd.IntN(4) {
		s.Attempts = append(s.Attempts, Attempt{At: randomTime(rnd), Error: randomText(rnd), Temporary: rnd.IntN(2) == 0, MessageID: randomText(rnd), Uncertain: rnd.IntN(2) == 0})
	}
	return s
}

// A survey is written byte for byte as encoding/json writes it, and read
// back as encoding/json reads it, by the parser of that form and not by
// encoding/json.
func TestSurveyJSONIsEncodingJSONs(t *testing.T) {
	rnd := rand.New(rand.NewPCG(15, 3))
	for range 5000 {
		s := randomSurvey(rnd)
		got, err := s.MarshalJSON()
		want, wantErr := json.Marshal(plainSurvey(s))
		if err != nil || wantErr != nil || !bytes.Equal(got, want) {
			t.Fatalf("survey %#v:\nwritten %s (%v)\nencoding/json %s (%v)", s, got, err, want, wantErr)
		}
		var back, wantBack Survey
		if err := back.UnmarshalJSON(got); err != nil {
			t.Fatalf("reading %s: %v", got, err)
		}
		if err := json.Unmarshal(got, (*plainSurvey)(&wantBack)); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, wantBack) {
			t.Fatalf("read %s as\n%#v\nencoding/json reads\n%#v", got, back, wantBack)
		}
		if _, fast := readSurvey(got, Survey{}); !fast {
			t.Fatalf("%s was left to encoding/json", got)
		}
	}
}

// A survey's time outside the years 0 to 9999 fails to be written, as
// with encoding/json.
func TestSurveyJSONTimeOutOfRange(t *testing.T) {
	s := Survey{Planned: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := s.MarshalJSON(); err == nil {
		t.Error("a survey planned in the year 10000 was written")
	}
	if _, err := json.Marshal(plainSurvey(s)); err == nil {
		t.Error("encoding/json wrote it: the test no longer says what it means")
	}
}

// Every other form of a survey (an older field order, white space, an
// escape, a null, a key in capitals, an unknown key, a number with a sign
// or an exponent, a damaged record) is read as encoding/json reads it,
// over a survey that already holds values, and is refused when
// encoding/json refuses it.
func TestSurveyJSONReadsEveryForm(t *testing.T) {
	rnd := rand.New(rand.NewPCG(15, 4))
	mutations := []func(string) string{
		func(s string) string { return strings.Replace(s, ":", ": ", 1) },
		func(s string) string { return " " + s + "\n" },
		func(s string) string { return strings.Replace(s, `"state":`, `"State":`, 1) },
		func(s string) string { return strings.Replace(s, `{"id":`, `{"extra":[1,{"a":null}],"id":`, 1) },
		func(s string) string { return strings.Replace(s, `"reason":`, `"reason":null,"x":`, 1) },
		func(s string) string { return strings.Replace(s, `"contact_id":`, `"contact_id":-`, 1) },
		func(s string) string { return strings.Replace(s, `"contact_id":`, `"contact_id":0`, 1) },
		func(s string) string { return strings.Replace(s, `,"created"`, `,"created":null,"created"`, 1) },
		func(s string) string { return strings.Replace(s, `"attempts":[`, `"attempts":null,"attempts":[`, 1) },
		func(s string) string { return strings.Replace(s, `"campaign":"`, `"campaign":"\u00e9\/`, 1) },
		func(s string) string {
			return strings.Replace(s, `"campaign":"`, `"campaign":"\ud83d\ude00 \ud800 \u00E9\u0000`, 1)
		},
		func(s string) string { return strings.Replace(s, `"reason":"`, `"reason":"\u12`, 1) },
		func(s string) string { return strings.Replace(s, `"state":"`, `"state":"\x`, 1) },
		func(s string) string { return strings.Replace(s, `"id":`, `"id":1e3,"i":`, 1) },
		func(s string) string { return strings.Replace(s, `"planned":"`, `"planned":"x`, 1) },
		func(s string) string { return strings.Replace(s, `"alerted":true`, `"alerted":"true"`, 1) },
		func(s string) string { return s[:len(s)/2] },
		func(s string) string { return s + "{}" },
		func(s string) string { return strings.Replace(s, `}`, `,}`, 1) },
		func(s string) string { return strings.Replace(s, `"id":`, `"id":"`, 1) },
		func(s string) string { return `{}` },
		func(s string) string { return `null` },
		func(s string) string { return `{"attempts":[]}` },
		func(s string) string { return `{"attempts":[{}],"id":7}` },
		func(s string) string {
			// The keys in another order: encoding/json sorts a map's.
			var fields map[string]json.RawMessage
			if json.Unmarshal([]byte(s), &fields) != nil {
				return s
			}
			sorted, _ := json.Marshal(fields)
			return string(sorted)
		},
	}
	for range 1500 {
		s := randomSurvey(rnd)
		written, err := json.Marshal(plainSurvey(s))
		if err != nil {
			continue
		}
		for i, mutate := range mutations {
			form := []byte(mutate(string(written)))
			before := randomSurvey(rnd)
			if rnd.IntN(2) == 0 {
				before.Attempts = nil // the parser reads only over a survey without attempts
			}
			got, want := before, before
			got.Attempts, want.Attempts = append([]Attempt(nil), before.Attempts...), append([]Attempt(nil), before.Attempts...)
			gotErr := got.UnmarshalJSON(form)
			wantErr := json.Unmarshal(form, (*plainSurvey)(&want))
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("mutation %d of %s: error %v, encoding/json %v", i, form, gotErr, wantErr)
			}
			if wantErr == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("mutation %d: read %s as\n%#v\nencoding/json reads\n%#v", i, form, got, want)
			}
		}
	}
}

func BenchmarkSurveyJSON(b *testing.B) {
	at := time.Date(2026, 12, 1, 13, 0, 0, 123456789, time.UTC)
	s := Survey{ID: 123456, ContactID: 98765, Campaign: "printemps", Channel: ChannelEmail, State: SurveySent,
		Planned: at, Due: at, Sent: at, Created: at, Updated: at,
		Attempts: []Attempt{{At: at, MessageID: "<npsd.1.ac825d7fe8b3af4a@bench.test>"}}}
	data, err := json.Marshal(plainSurvey(s))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			s.MarshalJSON()
		}
	})
	b.Run("encode/encoding-json", func(b *testing.B) {
		for b.Loop() {
			json.Marshal(plainSurvey(s))
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			var s Survey
			s.UnmarshalJSON(data)
		}
	})
	b.Run("decode/encoding-json", func(b *testing.B) {
		for b.Loop() {
			var s plainSurvey
			json.Unmarshal(data, &s)
		}
	})
}

func randomJob(rnd *rand.Rand) Job {
	j := Job{
		ID: JobID(randomID(rnd)), Kind: JobKind(randomText(rnd)), SurveyID: SurveyID(randomID(rnd)), ContactID: ContactID(randomID(rnd)),
		Channel: Channel(randomText(rnd)), To: randomText(rnd), State: JobState(randomText(rnd)), Due: randomTime(rnd),
		MessageID: randomText(rnd), Reason: randomText(rnd), Created: randomTime(rnd), Updated: randomTime(rnd),
	}
	for range rnd.IntN(4) {
		j.Attempts = append(j.Attempts, Attempt{At: randomTime(rnd), Error: randomText(rnd), Temporary: rnd.IntN(2) == 0, MessageID: randomText(rnd), Uncertain: rnd.IntN(2) == 0})
	}
	switch rnd.IntN(4) {
	case 0:
		j.Payload = Payload{Score: IntPtr(rnd.IntN(11)), Category: randomText(rnd), Comment: randomText(rnd)}
	case 1:
		j.Payload = Payload{SummaryWeek: randomText(rnd), NoReview: true, InReplyTo: randomText(rnd)}
	}
	return j
}

// A job is written byte for byte as encoding/json writes it, and read back
// as encoding/json reads it; one without a payload by hand and by the
// parser of that form.
func TestJobJSONIsEncodingJSONs(t *testing.T) {
	rnd := rand.New(rand.NewPCG(15, 5))
	for range 5000 {
		j := randomJob(rnd)
		got, err := j.MarshalJSON()
		want, wantErr := j.marshalWithPayload()
		if err != nil || wantErr != nil || !bytes.Equal(got, want) {
			t.Fatalf("job %#v:\nwritten %s (%v)\nencoding/json %s (%v)", j, got, err, want, wantErr)
		}
		var back, wantBack Job
		if err := back.UnmarshalJSON(got); err != nil {
			t.Fatalf("reading %s: %v", got, err)
		}
		if err := wantBack.unmarshalWithPayload(got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, wantBack) {
			t.Fatalf("read %s as\n%#v\nencoding/json reads\n%#v", got, back, wantBack)
		}
		if _, fast := readJob(got); fast != j.Payload.empty() {
			t.Fatalf("%s: read by the parser %v, with a payload %v", got, fast, !j.Payload.empty())
		}
	}
	if _, err := (Job{Due: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}).MarshalJSON(); err == nil {
		t.Error("a job due in the year -1 was written")
	}
}

// Every other form of a job is read as encoding/json reads it, payloads of
// both forms and damaged records among them.
func TestJobJSONReadsEveryForm(t *testing.T) {
	rnd := rand.New(rand.NewPCG(15, 6))
	mutations := []func(string) string{
		func(s string) string { return strings.Replace(s, `,"created"`, `,"payload":{"score":3},"created"`, 1) },
		func(s string) string { return strings.Replace(s, `,"created"`, `,"payload":null,"created"`, 1) },
		func(s string) string {
			return strings.Replace(s, `,"created"`, `,"payload":{"score":"nine"},"created"`, 1)
		},
		func(s string) string {
			return strings.Replace(s, `,"created"`, `,"data":{"score":"7","week":"2026-W47"},"created"`, 1)
		},
		func(s string) string { return strings.Replace(s, `"kind":`, `"Kind":`, 1) },
		func(s string) string { return strings.Replace(s, `"state":"`, `"state":"\u00e9`, 1) },
		func(s string) string { return strings.Replace(s, `{"id":`, `{ "id":`, 1) },
		func(s string) string { return strings.Replace(s, `"id":`, `"id":-`, 1) },
		func(s string) string { return s[:len(s)-3] },
		func(s string) string { return `{}` },
		func(s string) string { return `[]` },
	}
	for range 1500 {
		written, err := randomJob(rnd).marshalWithPayload()
		if err != nil {
			continue
		}
		for i, mutate := range mutations {
			form := []byte(mutate(string(written)))
			var got, want Job
			gotErr := got.UnmarshalJSON(form)
			wantErr := want.unmarshalWithPayload(form)
			if (gotErr == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
				t.Fatalf("mutation %d of %s:\nread %#v (%v)\nencoding/json %#v (%v)", i, form, got, gotErr, want, wantErr)
			}
		}
	}
}

// A payload with any one field set is not empty: a field added to Payload
// and not to empty would otherwise be dropped from every job that has it.
func TestPayloadEmpty(t *testing.T) {
	if !(Payload{}).empty() {
		t.Fatal("the zero payload is not empty")
	}
	typ := reflect.TypeFor[Payload]()
	for i := range typ.NumField() {
		var p Payload
		f := reflect.ValueOf(&p).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("x")
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		case reflect.Slice:
			f.SetBytes([]byte(`{}`))
		default:
			t.Fatalf("field %s is a %s: teach this test and Payload.empty about it", typ.Field(i).Name, f.Kind())
		}
		if p.empty() {
			t.Errorf("a payload with only %s set is empty", typ.Field(i).Name)
		}
	}
}

func BenchmarkJobJSON(b *testing.B) {
	at := time.Date(2026, 12, 1, 13, 0, 0, 123456789, time.UTC)
	j := Job{ID: 5, Kind: JobSurvey, Channel: ChannelEmail, ContactID: 9, SurveyID: 7, State: JobInflight, Due: at, Created: at, Updated: at,
		MessageID: "<npsd.1.ac825d7fe8b3af4a@bench.test>", Attempts: []Attempt{{At: at, MessageID: "<npsd.1.ac825d7fe8b3af4a@bench.test>"}}}
	data, err := j.marshalWithPayload()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			j.MarshalJSON()
		}
	})
	b.Run("encode/encoding-json", func(b *testing.B) {
		for b.Loop() {
			j.marshalWithPayload()
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			var j Job
			j.UnmarshalJSON(data)
		}
	})
	b.Run("decode/encoding-json", func(b *testing.B) {
		for b.Loop() {
			var j Job
			j.unmarshalWithPayload(data)
		}
	})
}

// FuzzSurveyJSON: whatever the bytes, a survey is read as encoding/json
// reads it, and refused when encoding/json refuses it. The store calls
// UnmarshalJSON directly, without encoding/json's check of the whole
// record first, so the parser must refuse on its own what is not JSON.
func FuzzSurveyJSON(f *testing.F) {
	rnd := rand.New(rand.NewPCG(15, 7))
	for range 20 {
		b, err := json.Marshal(plainSurvey(randomSurvey(rnd)))
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"attempts":[{"error":"x"}],"attempts":[{"temporary":true}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var got, want Survey
		gotErr := got.UnmarshalJSON(b)
		wantErr := json.Unmarshal(b, (*plainSurvey)(&want))
		if (gotErr == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nread %#v (%v)\nencoding/json %#v (%v)", b, got, gotErr, want, wantErr)
		}
	})
}

// FuzzJobJSON: the same for a job.
func FuzzJobJSON(f *testing.F) {
	rnd := rand.New(rand.NewPCG(15, 8))
	for range 20 {
		b, err := randomJob(rnd).marshalWithPayload()
		if err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got, want Job
		gotErr := got.UnmarshalJSON(b)
		wantErr := want.unmarshalWithPayload(b)
		if (gotErr == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nread %#v (%v)\nencoding/json %#v (%v)", b, got, gotErr, want, wantErr)
		}
	})
}
