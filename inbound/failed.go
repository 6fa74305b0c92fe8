package inbound

import (
	"context"

	"github.com/npsd/npsd/store"
)

// maxKeptText bounds the text kept of each message that came in: enough
// for the owner to read what a customer wrote (a comment is capped at
// maxCommentRunes), not a copy of a huge body.
const maxKeptText = 10000

// RecordFailed keeps a message that could not be handled for a reason
// another try would not mend, with that reason, for the owner to look at
// (npsd messages lists it). It is recorded once: the same message again
// changes nothing, so a reader that meets it after a restart passes over
// it as well.
func (cv *Conversation) RecordFailed(ctx context.Context, in Incoming, reason error) error {
	now := cv.o.Now().UTC()
	return cv.st.Update(ctx, func(tx *store.Tx) error {
		if _, seen, err := tx.Inbound(in.Key); err != nil || seen {
			return err
		}
		return tx.PutInbound(store.InboundMessage{
			Key: in.Key, Channel: in.Channel, From: clipRunes(in.From, 320), Body: clipRunes(in.Text, maxKeptText),
			Received: now, Outcome: "failed: " + clipRunes(reason.Error(), 500), NeedsOwner: true,
		})
	})
}
