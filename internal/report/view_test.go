package report

import (
	"net/url"
	"strings"
	"testing"
)

// TestFilterBounds: a filter's values are cut to a bound, never kept whole
// from a query of megabytes, and a segment takes a bounded number of pairs.
func TestFilterBounds(t *testing.T) {
	f := FilterFrom(url.Values{"campaign": {strings.Repeat("é", 1<<20)}, "channel": {"sms"}})
	if len(f.Campaign) > maxFilterBytes || !strings.HasPrefix(f.Campaign, "éé") || strings.ContainsRune(f.Campaign, '\uFFFD') || f.Channel != "sms" {
		t.Errorf("campaign of %d bytes, channel %q", len(f.Campaign), f.Channel)
	}
	if q := (Filter{Channel: "sms", Segment: "city=Lyon"}).Query(); q != "channel=sms&segment=city%3DLyon" {
		t.Errorf("query %q", q)
	}
	if _, err := ParseSegment(strings.Repeat("a=b,", maxSegmentPairs+1)); err == nil {
		t.Error("a segment of too many pairs was taken")
	}
	for _, bad := range []string{"city", "=Lyon", "city=Lyon,,"} {
		if _, err := ParseSegment(bad); err == nil {
			t.Errorf("ParseSegment(%q) took it", bad)
		}
	}
	if seg, err := ParseSegment(" City = Lyon ,plan=pro"); err != nil || seg["city"] != "Lyon" || seg["plan"] != "pro" {
		t.Errorf("ParseSegment: %v %v", seg, err)
	}
}
