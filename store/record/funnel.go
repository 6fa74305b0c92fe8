package record

import (
	"encoding/binary"
	"strings"
	"time"
)

// The stages of the response funnel: a survey planned, sent (accepted by
// the provider), delivered (the carrier said so: SMS only), its page
// opened in a browser, answered.
const (
	StagePlanned   = "planned"
	StageSent      = "sent"
	StageDelivered = "delivered"
	StageClicked   = "clicked"
	StageAnswered  = "answered"
)

// Stages are the funnel's stages in order; a stage's index is its byte in
// a funnel key.
var Stages = []string{StagePlanned, StageSent, StageDelivered, StageClicked, StageAnswered}

// FunnelCount is how many surveys of a channel and a campaign reached a
// stage in one hour.
type FunnelCount struct {
	Hour     time.Time
	Stage    string
	Channel  Channel
	Campaign string
	N        uint64
}

// FunnelSteps are the stages a survey reaches as it changes from old to
// next (old is zero for a new survey), each counted once, at the time it
// was reached: a stage is reached when its time is first set.
func FunnelSteps(old, next Survey) []FunnelCount {
	var steps []FunnelCount
	for i, t := range [][2]time.Time{{old.Created, next.Created}, {old.Sent, next.Sent}, {old.Delivered, next.Delivered}, {old.Opened, next.Opened}, {old.Answered, next.Answered}} {
		if t[0].IsZero() && !t[1].IsZero() {
			steps = append(steps, FunnelCount{Hour: t[1].UTC().Truncate(time.Hour), Stage: Stages[i], Channel: next.Channel, Campaign: next.Campaign, N: 1})
		}
	}
	return steps
}

// FunnelHour is the start of a funnel key for the hour of t: hours since
// 1970, four bytes, so that keys sort by time. Counting by the hour, in
// UTC, lets a report count the days of any time zone a whole number of
// hours from UTC.
func FunnelHour(t time.Time) []byte {
	return binary.BigEndian.AppendUint32(nil, uint32(max(t.Unix(), 0)/3600))
}

// FunnelKey is the key of a count: its hour, its stage, its channel, a
// zero byte, its campaign.
func FunnelKey(c FunnelCount) []byte {
	for i, s := range Stages {
		if s == c.Stage {
			k := append(append(FunnelHour(c.Hour), byte(i)), c.Channel...)
			return append(append(k, 0), c.Campaign...)
		}
	}
	return nil
}

// ParseFunnel reads a count from its key and value; ok is false for an
// entry that is not one.
func ParseFunnel(k, v []byte) (FunnelCount, bool) {
	if len(k) < 5 || int(k[4]) >= len(Stages) || len(v) != 8 {
		return FunnelCount{}, false
	}
	hour := time.Unix(int64(binary.BigEndian.Uint32(k[:4]))*3600, 0).UTC()
	channel, campaign, _ := strings.Cut(string(k[5:]), "\x00")
	return FunnelCount{Hour: hour, Stage: Stages[k[4]], Channel: Channel(channel), Campaign: campaign, N: binary.BigEndian.Uint64(v)}, true
}

// AddCount returns a stored count (8 bytes, big-endian; none is zero)
// with delta added, never below zero.
func AddCount(v []byte, delta int64) []byte {
	var n int64
	if len(v) == 8 {
		n = int64(binary.BigEndian.Uint64(v))
	}
	return binary.BigEndian.AppendUint64(nil, uint64(max(n+delta, 0)))
}
