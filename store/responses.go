package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/npsd/npsd/nps"
)

// Layout of the responses_by_time index. The key orders answers by when
// they were received; the value carries what a report needs (score,
// contact, campaign) so that reports over a period read only this index,
// never the full records.
//
//	key:   time (8 bytes, sign-flipped Unix ns) | response id (8)
//	value: score (1) | contact id (8) | campaign (rest)
const (
	timeIndexKeyLen    = 16
	timeIndexValueHead = 9
)

// timeKey maps a time onto 8 bytes that sort like the time, before 1970
// included.
func timeKey(t time.Time) uint64 { return uint64(t.UnixNano()) ^ 1<<63 }

func responseTimeKey(r Response) []byte {
	k := make([]byte, 0, timeIndexKeyLen)
	k = binary.BigEndian.AppendUint64(k, timeKey(r.Received))
	return binary.BigEndian.AppendUint64(k, uint64(r.ID))
}

func responseTimeValue(r Response) []byte {
	v := make([]byte, 0, timeIndexValueHead+len(r.Campaign))
	v = append(v, byte(r.Score))
	v = binary.BigEndian.AppendUint64(v, uint64(r.ContactID))
	return append(v, r.Campaign...)
}

// HasResponseKey reports whether an answer with that Key is stored.
func (t *Tx) HasResponseKey(key string) bool {
	return t.bucket(bucketResponsesByKey).Get(outsideKey(key)) != nil
}

// AddResponse stores an answer. A response whose Key is already stored is
// the same answer arriving again: the stored one is returned with created
// false and nothing changes.
func (t *Tx) AddResponse(r Response) (Response, bool, error) {
	if !nps.ValidScore(r.Score) {
		return Response{}, false, fmt.Errorf("%w: score %d is outside 0-10", ErrInvalid, r.Score)
	}
	if r.Received.IsZero() {
		return Response{}, false, fmt.Errorf("%w: response has no received time", ErrInvalid)
	}
	if r.Source == "" {
		return Response{}, false, fmt.Errorf("%w: response has no source", ErrInvalid)
	}
	byKey := t.bucket(bucketResponsesByKey)
	responses := t.bucket(bucketResponses)
	if r.Key != "" {
		if v := byKey.Get(outsideKey(r.Key)); v != nil {
			var old Response
			if err := getJSON(responses, v, &old); err != nil {
				return Response{}, false, fmt.Errorf("response %s: %w", ResponseID(keyID(v)), err)
			}
			return old, false, nil
		}
	}
	if err := t.requireContact(r.ContactID); err != nil {
		return Response{}, false, err
	}
	if r.SurveyID != 0 {
		s, err := t.Survey(r.SurveyID)
		if err != nil {
			return Response{}, false, err
		}
		if s.ContactID != r.ContactID {
			return Response{}, false, fmt.Errorf("%w: survey %s was sent to %s, not %s", ErrInvalid, s.ID, s.ContactID, r.ContactID)
		}
		r.Campaign = s.Campaign
	}
	seq, err := responses.NextSequence()
	if err != nil {
		return Response{}, false, err
	}
	r.ID = ResponseID(seq)
	r.Received = r.Received.UTC()
	r.Created = t.nowUTC()
	key := idKey(seq)
	if err := putJSON(responses, key, r); err != nil {
		return Response{}, false, err
	}
	if err := t.bucket(bucketResponsesByTime).Put(responseTimeKey(r), responseTimeValue(r)); err != nil {
		return Response{}, false, err
	}
	if err := t.bucket(bucketResponsesByContact).Put(pairKey(uint64(r.ContactID), seq), nil); err != nil {
		return Response{}, false, err
	}
	if r.Key != "" {
		if err := byKey.Put(outsideKey(r.Key), key); err != nil {
			return Response{}, false, err
		}
	}
	return r, true, nil
}

// UpdateResponse replaces a stored response's score, comment and received
// time (a customer who changes their mind), moving its time index entry.
func (t *Tx) UpdateResponse(r Response) (Response, error) {
	old, err := t.Response(r.ID)
	if err != nil {
		return Response{}, err
	}
	if !nps.ValidScore(r.Score) {
		return Response{}, fmt.Errorf("%w: score %d is outside 0-10", ErrInvalid, r.Score)
	}
	if r.ContactID != old.ContactID || r.SurveyID != old.SurveyID {
		return Response{}, fmt.Errorf("%w: response %s cannot move to another contact or survey", ErrInvalid, r.ID)
	}
	r.Received = r.Received.UTC()
	r.Created, r.Key, r.Campaign = old.Created, old.Key, old.Campaign
	byTime := t.bucket(bucketResponsesByTime)
	if err := byTime.Delete(responseTimeKey(old)); err != nil {
		return Response{}, err
	}
	if err := byTime.Put(responseTimeKey(r), responseTimeValue(r)); err != nil {
		return Response{}, err
	}
	return r, putJSON(t.bucket(bucketResponses), idKey(uint64(r.ID)), r)
}

// ResponsesOf calls fn for each of the contact's responses, oldest first,
// reading that contact's only, through their index.
func (t *Tx) ResponsesOf(contact ContactID, fn func(Response) error) error {
	for _, id := range t.idsUnder(bucketResponsesByContact, uint64(contact)) {
		r, err := t.Response(ResponseID(id))
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Response returns the response with that id.
func (t *Tx) Response(id ResponseID) (Response, error) {
	var r Response
	if err := getJSON(t.bucket(bucketResponses), idKey(uint64(id)), &r); err != nil {
		return Response{}, fmt.Errorf("response %s: %w", id, err)
	}
	return r, nil
}

// ResponseSummary is what the time index knows of a response.
type ResponseSummary struct {
	ID        ResponseID
	Received  time.Time
	Score     int
	ContactID ContactID
	Campaign  string
}

// ScanResponses calls fn for each response received in [from, to), oldest
// first, reading only that range of the time index. A zero from or to leaves
// that end open.
func (t *Tx) ScanResponses(from, to time.Time, fn func(ResponseSummary) error) error {
	return t.scanTimeIndex(from, to, func(k, v []byte) error {
		return fn(ResponseSummary{
			ID:        ResponseID(binary.BigEndian.Uint64(k[8:])),
			Received:  time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])^1<<63)).UTC(),
			Score:     int(v[0]),
			ContactID: ContactID(binary.BigEndian.Uint64(v[1:9])),
			Campaign:  string(v[timeIndexValueHead:]),
		})
	})
}

func (t *Tx) scanTimeIndex(from, to time.Time, fn func(k, v []byte) error) error {
	c := t.bucket(bucketResponsesByTime).Cursor()
	var k, v []byte
	if from.IsZero() {
		k, v = c.First()
	} else {
		k, v = c.Seek(binary.BigEndian.AppendUint64(nil, timeKey(from)))
	}
	var end uint64
	if !to.IsZero() {
		end = timeKey(to)
	}
	for ; k != nil; k, v = c.Next() {
		if len(k) != timeIndexKeyLen || len(v) < timeIndexValueHead {
			return fmt.Errorf("responses_by_time: damaged entry %x", k)
		}
		if end != 0 && binary.BigEndian.Uint64(k[:8]) >= end {
			break
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// NoGroup is the group of responses whose contact lacks the attribute a
// report is grouped by (or was forgotten).
const NoGroup = "(none)"

// TallyQuery selects the responses a report counts.
type TallyQuery struct {
	// From and To bound the received time, [From, To); zero is open.
	From, To time.Time
	// Campaign keeps only that campaign's responses when not empty.
	Campaign string
	// By groups the responses by this contact attribute when not empty.
	By string
}

// TallyResult is the count by category of the selected responses, in all
// and by group.
type TallyResult struct {
	Total  nps.Tally
	Groups map[string]nps.Tally
}

// Tally counts the responses a query selects. It reads the time index, and
// the contacts once when grouping, so its cost grows with the number of
// responses in the period, not with the size of the database.
func (t *Tx) Tally(q TallyQuery) (TallyResult, error) {
	var res TallyResult
	var groupOf map[ContactID]string
	if q.By != "" {
		res.Groups = map[string]nps.Tally{}
		groupOf = map[ContactID]string{}
		if err := t.ForEachContact(func(c Contact) error {
			if v, ok := c.Attributes[q.By]; ok && v != "" {
				groupOf[c.ID] = v
			}
			return nil
		}); err != nil {
			return TallyResult{}, err
		}
	}
	// Counting into fixed arrays first keeps the hot loop free of map
	// writes and of string allocations.
	var total [nps.MaxScore + 1]int
	groupIndex := map[string]int{}
	var groupNames []string
	var groupCounts [][nps.MaxScore + 1]int
	err := t.scanTimeIndex(q.From, q.To, func(k, v []byte) error {
		if q.Campaign != "" && string(v[timeIndexValueHead:]) != q.Campaign {
			return nil
		}
		score := int(v[0])
		if !nps.ValidScore(score) {
			return fmt.Errorf("response %s has score %d in the time index", ResponseID(binary.BigEndian.Uint64(k[8:])), score)
		}
		total[score]++
		if groupOf == nil {
			return nil
		}
		g, ok := groupOf[ContactID(binary.BigEndian.Uint64(v[1:9]))]
		if !ok {
			g = NoGroup
		}
		i, ok := groupIndex[g]
		if !ok {
			i = len(groupNames)
			groupIndex[g] = i
			groupNames = append(groupNames, g)
			groupCounts = append(groupCounts, [nps.MaxScore + 1]int{})
		}
		groupCounts[i][score]++
		return nil
	})
	if err != nil {
		return TallyResult{}, err
	}
	res.Total = tallyOf(total)
	for i, g := range groupNames {
		res.Groups[g] = tallyOf(groupCounts[i])
	}
	return res, nil
}

func tallyOf(byScore [nps.MaxScore + 1]int) nps.Tally {
	var t nps.Tally
	for score, n := range byScore {
		c, _ := nps.CategoryOf(score)
		t.AddN(c, n)
	}
	return t
}

// Tally is Tx.Tally in its own read transaction.
func (s *Store) Tally(q TallyQuery) (res TallyResult, err error) {
	err = s.View(func(tx *Tx) error {
		res, err = tx.Tally(q)
		return err
	})
	return res, err
}

// AddResponse is Tx.AddResponse in its own group-committed write.
func (s *Store) AddResponse(ctx context.Context, in Response) (r Response, created bool, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		r, created, err = tx.AddResponse(in)
		return err
	})
	return r, created, err
}
