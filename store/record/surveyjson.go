package record

import "encoding/json"

// MarshalJSON writes the survey as encoding/json writes its fields (see
// fastjson.go).
func (s Survey) MarshalJSON() ([]byte, error) {
	w := jsonWriter{b: make([]byte, 0, 384+96*len(s.Attempts))}
	w.uint(`{"id":`, uint64(s.ID))
	w.uint(`,"contact_id":`, uint64(s.ContactID))
	w.string(`,"campaign":`, s.Campaign, false)
	w.string(`,"channel":`, string(s.Channel), false)
	w.string(`,"state":`, string(s.State), false)
	w.string(`,"reason":`, s.Reason, true)
	w.time(`,"planned":`, s.Planned, false)
	w.time(`,"due":`, s.Due, false)
	w.time(`,"sent":`, s.Sent, true)
	w.time(`,"reminded":`, s.Reminded, true)
	w.time(`,"delivered":`, s.Delivered, true)
	w.time(`,"opened":`, s.Opened, true)
	w.time(`,"answered":`, s.Answered, true)
	if s.ResponseID != 0 {
		w.uint(`,"response_id":`, uint64(s.ResponseID))
	}
	w.bool(`,"reasked":`, s.Reasked)
	w.bool(`,"alerted":`, s.Alerted)
	w.attempts(`,"attempts":`, s.Attempts)
	w.time(`,"created":`, s.Created, false)
	w.time(`,"updated":`, s.Updated, false)
	w.b = append(w.b, '}')
	return w.b, w.err
}

// UnmarshalJSON reads a survey in the form MarshalJSON writes, or in any
// other through encoding/json.
func (s *Survey) UnmarshalJSON(b []byte) error {
	// encoding/json reads a list into the elements of the one it reads
	// over, keeping what a record's element does not name: the parser
	// reads only over a survey without attempts, as stores do.
	if cap(s.Attempts) == 0 {
		if fast, ok := readSurvey(b, *s); ok {
			*s = fast
			return nil
		}
	}
	type plain Survey
	return json.Unmarshal(b, (*plain)(s))
}

// readSurvey reads b over s, as encoding/json does: a field b does not
// name keeps its value. ok is false when b is not in MarshalJSON's form.
func readSurvey(b []byte, s Survey) (_ Survey, ok bool) {
	r := jsonReader{b: b}
	r.object(func(key []byte) {
		switch string(key) {
		case "id":
			s.ID = SurveyID(r.uint())
		case "contact_id":
			s.ContactID = ContactID(r.uint())
		case "campaign":
			s.Campaign = r.string()
		case "channel":
			s.Channel = Channel(r.string())
		case "state":
			s.State = SurveyState(r.string())
		case "reason":
			s.Reason = r.string()
		case "planned":
			s.Planned = r.time()
		case "due":
			s.Due = r.time()
		case "sent":
			s.Sent = r.time()
		case "reminded":
			s.Reminded = r.time()
		case "delivered":
			s.Delivered = r.time()
		case "opened":
			s.Opened = r.time()
		case "answered":
			s.Answered = r.time()
		case "response_id":
			s.ResponseID = ResponseID(r.uint())
		case "reasked":
			s.Reasked = r.bool()
		case "alerted":
			s.Alerted = r.bool()
		case "attempts":
			// encoding/json reads a second list into the first one's
			// elements: that is left to it.
			r.failed = r.failed || s.Attempts != nil
			s.Attempts = r.attempts()
		case "created":
			s.Created = r.time()
		case "updated":
			s.Updated = r.time()
		default:
			r.failed = true
		}
	})
	return s, r.done()
}
