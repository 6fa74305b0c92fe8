package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/store/record"
)

// FunnelStat is one channel's surveys, stage by stage: how many were
// planned, sent (accepted by the provider), delivered (the carrier said
// so: SMS only), opened in a browser and answered, in a period.
type FunnelStat struct {
	Channel                                     string
	Planned, Sent, Delivered, Clicked, Answered int
}

// AnswerRate is the share of the surveys sent that were answered, in
// percent; 0 when none was sent.
func (f FunnelStat) AnswerRate() float64 {
	if f.Sent == 0 {
		return 0
	}
	return 100 * float64(f.Answered) / float64(f.Sent)
}

// funnelChannels orders the funnel's rows.
var funnelChannels = []string{"email", "sms", "phone", "counter"}

// Funnel counts the surveys that reached each stage in [from, to), by
// channel, for one campaign when campaign is set. It reads the funnel's
// counts by hour, so its cost grows with the period, never with the
// history.
func Funnel(st Viewer, from, to time.Time, campaign string) (out []FunnelStat, err error) {
	err = st.View(func(tx *store.Tx) (err error) {
		out, err = funnelIn(tx, from, to, campaign)
		return err
	})
	return out, err
}

// funnelIn is Funnel inside a transaction.
func funnelIn(tx *store.Tx, from, to time.Time, campaign string) ([]FunnelStat, error) {
	rows := map[string]*FunnelStat{}
	err := tx.FunnelBetween(from, to, func(c record.FunnelCount) error {
		if campaign != "" && c.Campaign != campaign {
			return nil
		}
		r := rows[string(c.Channel)]
		if r == nil {
			r = &FunnelStat{Channel: string(c.Channel)}
			rows[string(c.Channel)] = r
		}
		n := int(c.N)
		switch c.Stage {
		case record.StagePlanned:
			r.Planned += n
		case record.StageSent:
			r.Sent += n
		case record.StageDelivered:
			r.Delivered += n
		case record.StageClicked:
			r.Clicked += n
		case record.StageAnswered:
			r.Answered += n
		}
		return nil
	})
	out := make([]FunnelStat, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	order := func(ch string) int {
		if i := slices.Index(funnelChannels, ch); i >= 0 {
			return i
		}
		return len(funnelChannels)
	}
	slices.SortFunc(out, func(a, b FunnelStat) int {
		return cmp.Or(cmp.Compare(order(a.Channel), order(b.Channel)), strings.Compare(a.Channel, b.Channel))
	})
	return out, err
}
