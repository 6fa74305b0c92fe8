package record

// A job without a payload (a survey, a reminder: most of the outbox) is
// written and read on every send: its JSON is made by hand, byte for byte
// what encoding/json makes of it, and read by the parser of that form
// (see fastjson.go). A job with a payload, or one in a form the parser
// does not read, goes through encoding/json as before.

// empty says whether the payload is written as {}, which a job leaves
// out. TestPayloadEmpty sets each field in turn, so that a field added
// later cannot be left out of this list unnoticed.
func (p Payload) empty() bool {
	return p.Score == nil && p.Category == "" && p.Comment == "" && p.CaseURL == "" && !p.NoReview &&
		p.InReplyTo == "" && p.SummaryWeek == "" && len(p.Webhook) == 0 && len(p.LegacySummary) == 0
}

// appendJSON writes a job whose payload is empty, in the order
// encoding/json writes MarshalJSON's struct: the job's own fields, then
// the payload and data it leaves out.
func (j Job) appendJSON() ([]byte, error) {
	w := jsonWriter{b: make([]byte, 0, 320+96*len(j.Attempts))}
	w.uint(`{"id":`, uint64(j.ID))
	w.string(`,"kind":`, string(j.Kind), false)
	if j.SurveyID != 0 {
		w.uint(`,"survey_id":`, uint64(j.SurveyID))
	}
	if j.ContactID != 0 {
		w.uint(`,"contact_id":`, uint64(j.ContactID))
	}
	w.string(`,"channel":`, string(j.Channel), false)
	w.string(`,"to":`, j.To, true)
	w.string(`,"state":`, string(j.State), false)
	w.time(`,"due":`, j.Due, false)
	w.string(`,"message_id":`, j.MessageID, true)
	w.attempts(`,"attempts":`, j.Attempts)
	w.string(`,"reason":`, j.Reason, true)
	w.time(`,"created":`, j.Created, false)
	w.time(`,"updated":`, j.Updated, false)
	w.b = append(w.b, '}')
	return w.b, w.err
}

// readJob reads a job in appendJSON's form: ok is false for any other,
// a job with a payload among them.
func readJob(b []byte) (j Job, ok bool) {
	r := jsonReader{b: b}
	r.object(func(key []byte) {
		switch string(key) {
		case "id":
			j.ID = JobID(r.uint())
		case "kind":
			j.Kind = JobKind(r.string())
		case "survey_id":
			j.SurveyID = SurveyID(r.uint())
		case "contact_id":
			j.ContactID = ContactID(r.uint())
		case "channel":
			j.Channel = Channel(r.string())
		case "to":
			j.To = r.string()
		case "state":
			j.State = JobState(r.string())
		case "due":
			j.Due = r.time()
		case "message_id":
			j.MessageID = r.string()
		case "attempts":
			r.failed = r.failed || j.Attempts != nil // see readSurvey
			j.Attempts = r.attempts()
		case "reason":
			j.Reason = r.string()
		case "created":
			j.Created = r.time()
		case "updated":
			j.Updated = r.time()
		default:
			r.failed = true
		}
	})
	return j, r.done()
}
