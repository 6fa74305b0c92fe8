package sendwindow

import (
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestTimingNext(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	toronto := mustLoad(t, "America/Toronto")
	everyDay := DefaultWindow()
	everyDay.Days[time.Sunday] = true
	early := everyDay
	early.Start = 2*time.Hour + 30*time.Minute
	wide := DefaultWindow()
	wide.Start, wide.End = 7*time.Hour, 23*time.Hour
	holidays := []Blackout{{From: Date{2026, 12, 24}, To: Date{2027, 1, 2}, Reason: "fermeture"}}

	tests := []struct {
		name      string
		window    Window
		blackouts []Blackout
		loc       *time.Location
		ch        store.Channel
		at        time.Time
		want      time.Time
		wantMoved string
	}{
		{name: "inside the window", window: DefaultWindow(), loc: paris, ch: store.ChannelEmail,
			at: time.Date(2026, 11, 24, 10, 15, 0, 0, paris), want: time.Date(2026, 11, 24, 10, 15, 0, 0, paris)},
		{name: "before opening", window: DefaultWindow(), loc: paris, ch: store.ChannelEmail,
			at: time.Date(2026, 11, 24, 6, 0, 0, 0, paris), want: time.Date(2026, 11, 24, 9, 0, 0, 0, paris), wantMoved: MovedWindow},
		{name: "Saturday evening goes to Monday", window: DefaultWindow(), loc: paris, ch: store.ChannelEmail,
			at: time.Date(2026, 11, 28, 20, 0, 0, 0, paris), want: time.Date(2026, 11, 30, 9, 0, 0, 0, paris), wantMoved: MovedWindow},
		{name: "closing time is closed", window: DefaultWindow(), loc: paris, ch: store.ChannelEmail,
			at: time.Date(2026, 11, 24, 19, 0, 0, 0, paris), want: time.Date(2026, 11, 25, 9, 0, 0, 0, paris), wantMoved: MovedWindow},
		{name: "SMS never before 8:00 whatever the window", window: wide, loc: paris, ch: store.ChannelSMS,
			at: time.Date(2026, 11, 24, 7, 30, 0, 0, paris), want: time.Date(2026, 11, 24, 8, 0, 0, 0, paris), wantMoved: MovedWindow},
		{name: "SMS never after 21:00 whatever the window", window: wide, loc: paris, ch: store.ChannelSMS,
			at: time.Date(2026, 11, 24, 21, 30, 0, 0, paris), want: time.Date(2026, 11, 25, 8, 0, 0, 0, paris), wantMoved: MovedWindow},
		{name: "email may use the wide window", window: wide, loc: paris, ch: store.ChannelEmail,
			at: time.Date(2026, 11, 24, 21, 30, 0, 0, paris), want: time.Date(2026, 11, 24, 21, 30, 0, 0, paris)},
		// The contact's wall clock, not the business's: 07:00 in Paris is
		// 01:00 in Toronto.
		{name: "the contact's zone", window: DefaultWindow(), loc: toronto, ch: store.ChannelEmail,
			at: time.Date(2026, 11, 24, 7, 0, 0, 0, paris), want: time.Date(2026, 11, 24, 9, 0, 0, 0, toronto), wantMoved: MovedWindow},
		// Toronto springs forward on Sunday 2026-03-08: Saturday 20:00 EST
		// goes to Monday 09:00 EDT, 13:00 UTC, not 14:00.
		{name: "Toronto across spring-forward", window: DefaultWindow(), loc: toronto, ch: store.ChannelSMS,
			at: time.Date(2026, 3, 7, 20, 0, 0, 0, toronto), want: time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC), wantMoved: MovedWindow},
		// Toronto falls back on Sunday 2026-11-01.
		{name: "Toronto across fall-back", window: DefaultWindow(), loc: toronto, ch: store.ChannelEmail,
			at: time.Date(2026, 10, 31, 20, 0, 0, 0, toronto), want: time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC), wantMoved: MovedWindow},
		// Paris springs forward at 02:00 on Sunday 2026-03-29: a window
		// opening at 02:30 opens at 03:30 that day.
		{name: "Paris opening in the spring-forward gap", window: early, loc: paris, ch: store.ChannelEmail,
			at: time.Date(2026, 3, 29, 0, 30, 0, 0, paris), want: time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), wantMoved: MovedWindow},
		// Paris falls back on 2026-10-25: 09:00 CET is 08:00 UTC.
		{name: "Paris after fall-back", window: everyDay, loc: paris, ch: store.ChannelEmail,
			at: time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), want: time.Date(2026, 10, 25, 8, 0, 0, 0, time.UTC), wantMoved: MovedWindow},
		{name: "holiday closure", window: DefaultWindow(), blackouts: holidays, loc: paris, ch: store.ChannelEmail,
			at: time.Date(2026, 12, 23, 20, 0, 0, 0, paris), want: time.Date(2027, 1, 4, 9, 0, 0, 0, paris), wantMoved: MovedBlackout},
		{name: "day before the closure is open", window: DefaultWindow(), blackouts: holidays, loc: paris, ch: store.ChannelEmail,
			at: time.Date(2026, 12, 23, 10, 0, 0, 0, paris), want: time.Date(2026, 12, 23, 10, 0, 0, 0, paris)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := Timing{Window: tt.window, Blackouts: tt.blackouts, Business: paris}
			got, moved, err := tm.Next(tt.at, tt.loc, tt.ch)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) || moved != tt.wantMoved {
				t.Errorf("Next(%s) = %s (%q), want %s (%q)", tt.at, got.In(tt.loc), moved, tt.want.In(tt.loc), tt.wantMoved)
			}
		})
	}
}

func TestTimingWithoutOpening(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	closed := Timing{Window: Window{Start: 9 * time.Hour, End: 19 * time.Hour}, Business: paris}
	if _, _, err := closed.Next(time.Now(), paris, store.ChannelEmail); err == nil {
		t.Error("a window with no day found an opening")
	}
	empty := Timing{Window: DefaultWindow(), Business: paris}
	empty.Window.End = empty.Window.Start
	if _, _, err := empty.Next(time.Now(), paris, store.ChannelEmail); err == nil {
		t.Error("an empty window found an opening")
	}
}

func TestContactLocation(t *testing.T) {
	business := mustLoad(t, "America/Toronto")
	tests := []struct {
		c    store.Contact
		want string
	}{
		{store.Contact{TimeZone: "America/Vancouver", Phone: "+33612345678"}, "America/Vancouver"},
		{store.Contact{Phone: "+33612345678"}, "Europe/Paris"},
		{store.Contact{Phone: "+12125550100"}, "America/New_York"},
		// A toll-free number spans the continent: the business's zone.
		{store.Contact{Phone: "+18005550100"}, "America/Toronto"},
		{store.Contact{Email: "a@example.com"}, "America/Toronto"},
		{store.Contact{TimeZone: "Mars/Olympus", Phone: "+33612345678"}, "Europe/Paris"},
	}
	// Each contact is placed twice over one set of zones, and once without
	// any: a zone kept from a first load gives the same answer.
	zones := &Zones{}
	for _, timing := range []Timing{{Business: business, Zones: zones}, {Business: business, Zones: zones}, {Business: business}} {
		for _, tt := range tests {
			if got := timing.ContactLocation(tt.c).String(); got != tt.want {
				t.Errorf("ContactLocation(%+v) = %s, want %s", tt.c, got, tt.want)
			}
		}
	}
}
