package inbound

import (
	"testing"

	"github.com/npsd/npsd/store"
)

// TestConversationOptOutStories: "Yes! 10" once reopened a customer's texts
// as START and lost the 10; "8 mais stop les textos" recorded the 8 and
// kept texting.
func TestConversationOptOutStories(t *testing.T) {
	r := newInRig(t)
	yes, sv := r.surveyed(store.Contact{Name: "Yves", Phone: "+15145550111"})
	r.sms(yes.Phone, "Yes! 10")
	if _, resp, _, ct := r.state(sv.ID); resp.Score != 10 || ct.ChannelStatus(store.ChannelSMS).State != store.ChannelOK {
		t.Errorf(`after "Yes! 10": score %d, SMS %s; want 10 and texts on`, resp.Score, ct.ChannelStatus(store.ChannelSMS).State)
	}

	mais, sv2 := r.surveyed(store.Contact{Name: "Martine", Phone: "+15145550112"})
	r.sms(mais.Phone, "8 mais stop les textos")
	_, resp, jobs, ct := r.state(sv2.ID)
	if ct.ChannelStatus(store.ChannelSMS).State != store.ChannelOptedOut {
		t.Errorf(`after "8 mais stop les textos" the SMS channel is %s, want opted out`, ct.ChannelStatus(store.ChannelSMS).State)
	}
	if resp.Score == 8 {
		t.Errorf("the 8 of an opt-out was recorded as a score: %+v", resp)
	}
	for _, j := range jobs {
		if j.ContactID == mais.ID && j.State == store.JobPending && j.Channel == store.ChannelSMS {
			t.Errorf("a text still waits for the customer who opted out: %s %s", j.Kind, j.ID)
		}
	}
}
