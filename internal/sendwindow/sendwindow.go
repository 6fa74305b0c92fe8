// Package sendwindow owns when a message may reach someone: the days and
// hours of the send window read in the person's own time zone, the
// business's closures, and the hours no text goes out whatever the config
// says. The scheduler plans into it, the dispatcher holds a message until
// it opens, inbound queues its answers by it; the config is read into it
// here too, so there is one meaning of "mon" and "09:00".
package sendwindow

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/npsd/npsd/store"
)

// Window is when surveys may reach people, in their own local time: some
// days of the week, between two times of day.
type Window struct {
	// Days holds the allowed weekdays, indexed by time.Weekday.
	Days [7]bool
	// Start and End are times of day as offsets from midnight: 9h, 19h.
	Start, End time.Duration
}

// DefaultWindow is 09:00–19:00, Monday to Saturday.
func DefaultWindow() Window {
	w := Window{Start: 9 * time.Hour, End: 19 * time.Hour}
	for d := time.Monday; d <= time.Saturday; d++ {
		w.Days[d] = true
	}
	return w
}

// smsEarliest and smsLatest bound every SMS, whatever the configured window
// says: a text that buzzes at 7:30 or 22:00 costs more goodwill than any
// answer is worth.
const (
	smsEarliest = 8 * time.Hour
	smsLatest   = 21 * time.Hour
)

// Date is a calendar day, without a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

func dateOf(t time.Time) Date { return Date{t.Year(), t.Month(), t.Day()} }

func (d Date) before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Blackout is a closure (holidays, vacation) during which nobody is
// surveyed, From and To included, in the business's calendar.
type Blackout struct {
	From, To Date
	Reason   string
}

// Timing decides when a message may go out.
type Timing struct {
	Window    Window
	Blackouts []Blackout
	// Business is the business's time zone: blackouts are its dates, and it
	// is the last resort for contacts of unknown zone.
	Business *time.Location
	// Zones keeps the contacts' zones once loaded; nil loads each from the
	// system's zone files every time.
	Zones *Zones
}

// Zones keeps the time zones loaded by name. Loading one reads and parses
// its file; a wave asks for a zone per contact, thousands of times the
// same few. Only zones that loaded are kept, so there are at most as many
// as the system has zone files.
type Zones struct{ loaded sync.Map }

// Load is time.LoadLocation, each zone read once.
func (z *Zones) Load(name string) (*time.Location, error) {
	if z == nil {
		return time.LoadLocation(name)
	}
	if loc, ok := z.loaded.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err == nil {
		z.loaded.Store(name, loc)
	}
	return loc, err
}

// Reasons a due time was moved, as Next reports them.
const (
	MovedWindow   = "outside_send_window"
	MovedBlackout = "blackout"
)

// maxSearchDays bounds the search for an opening: a window with no day at
// all is refused by config validation, and a year of blackouts is a mistake
// to report, not a loop.
const maxSearchDays = 400

// Next returns the first instant at or after t when a message on ch may
// reach someone living in loc, and why t itself was not (empty when it
// was). The window is read in loc's wall-clock time, so a survey planned
// for 09:00 in Toronto goes at 09:00 in Toronto on both sides of a DST
// change.
func (tm Timing) Next(t time.Time, loc *time.Location, ch store.Channel) (time.Time, string, error) {
	start, end := tm.Window.Start, tm.Window.End
	if ch == store.ChannelSMS {
		start, end = max(start, smsEarliest), min(end, smsLatest)
	}
	if start >= end {
		return time.Time{}, "", fmt.Errorf("the send window is empty (%s to %s)", start, end)
	}
	moved := ""
	move := func(reason string) {
		if moved != MovedBlackout {
			moved = reason
		}
	}
	cur := t.In(loc)
	for range maxSearchDays {
		if b, ok := tm.blackoutAt(cur); ok {
			// Resume at the first midnight after the closure ends.
			cur = time.Date(b.To.Year, b.To.Month, b.To.Day+1, 0, 0, 0, 0, tm.Business).In(loc)
			move(MovedBlackout)
			continue
		}
		y, m, d := cur.Date()
		open, close := wallClock(y, m, d, start, loc), wallClock(y, m, d, end, loc)
		switch {
		case !tm.Window.Days[cur.Weekday()] || !cur.Before(close):
			cur = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
			move(MovedWindow)
		case cur.Before(open):
			cur = open
			move(MovedWindow)
		default:
			return cur.In(t.Location()), moved, nil
		}
	}
	return time.Time{}, "", fmt.Errorf("no opening in the send window within %d days of %s: check surveys.send_window and surveys.blackout", maxSearchDays, t.Format(time.RFC3339))
}

// wallClock is the instant when clocks in loc show the time of day offset
// on that date. In a spring-forward gap Go moves the time forward, which
// is what a window opening at 02:30 should do.
func wallClock(y int, m time.Month, d int, offset time.Duration, loc *time.Location) time.Time {
	h := int(offset / time.Hour)
	mi := int(offset % time.Hour / time.Minute)
	return time.Date(y, m, d, h, mi, 0, 0, loc)
}

func (tm Timing) blackoutAt(t time.Time) (Blackout, bool) {
	day := dateOf(t.In(tm.Business))
	for _, b := range tm.Blackouts {
		if !day.before(b.From) && !b.To.before(day) {
			return b, true
		}
	}
	return Blackout{}, false
}

// ContactLocation is the zone a contact lives in: the one they were given,
// else the one their phone number implies when it maps to a single zone
// (a French mobile, not a Canadian one), else the business's.
func (tm Timing) ContactLocation(c store.Contact) *time.Location {
	if c.TimeZone != "" {
		if loc, err := tm.Zones.Load(c.TimeZone); err == nil {
			return loc
		}
	}
	if c.Phone != "" {
		if n, err := phonenumbers.Parse(c.Phone, ""); err == nil {
			if zones, err := phonenumbers.GetTimezonesForNumber(n); err == nil && len(zones) == 1 {
				if loc, err := tm.Zones.Load(zones[0]); err == nil {
					return loc
				}
			}
		}
	}
	return tm.Business
}

// weekdays accepts English and French day names, short or whole.
var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	"dim": time.Sunday, "lun": time.Monday, "mar": time.Tuesday, "mer": time.Wednesday,
	"jeu": time.Thursday, "ven": time.Friday, "sam": time.Saturday,
	"dimanche": time.Sunday, "lundi": time.Monday, "mardi": time.Tuesday, "mercredi": time.Wednesday,
	"jeudi": time.Thursday, "vendredi": time.Friday, "samedi": time.Saturday,
}

// ParseWindow reads a window as the config writes it: day names in
// English or French, short or whole, and times of day as HH:MM.
func ParseWindow(days []string, start, end string) (Window, error) {
	var w Window
	if len(days) == 0 {
		return w, errors.New("days must list at least one day (mon, tue, wed, thu, fri, sat, sun)")
	}
	for _, d := range days {
		wd, ok := weekdays[strings.ToLower(strings.TrimSpace(d))]
		if !ok {
			return w, fmt.Errorf("unknown day %q (use mon, tue, wed, thu, fri, sat, sun)", d)
		}
		w.Days[wd] = true
	}
	var err error
	if w.Start, err = clockTime(start); err != nil {
		return w, fmt.Errorf("start: %w", err)
	}
	if w.End, err = clockTime(end); err != nil {
		return w, fmt.Errorf("end: %w", err)
	}
	if w.Start >= w.End {
		return w, fmt.Errorf("start %s must be before end %s", start, end)
	}
	return w, nil
}

// clockTime reads a time of day, HH:MM, as an offset from midnight.
func clockTime(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		if s == "24:00" {
			return 24 * time.Hour, nil
		}
		return 0, fmt.Errorf("%q is not a time of day (HH:MM)", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// ParseBlackout reads a closure from its first and last days
// (YYYY-MM-DD, both included).
func ParseBlackout(fromDay, toDay, reason string) (Blackout, error) {
	from, err := ParseDate(fromDay)
	if err != nil {
		return Blackout{}, fmt.Errorf("from: %w", err)
	}
	to, err := ParseDate(toDay)
	if err != nil {
		return Blackout{}, fmt.Errorf("to: %w", err)
	}
	if to.String() < from.String() {
		return Blackout{}, fmt.Errorf("to (%s) is before from (%s)", to, from)
	}
	return Blackout{From: from, To: to, Reason: reason}, nil
}

// PerContact reads a timing in each contact's own time zone: what the
// dispatcher and the conversation ask of a send window.
type PerContact struct{ Timing Timing }

// Next is the first instant at or after t when a message on ch may reach
// c.
func (p PerContact) Next(t time.Time, c store.Contact, ch store.Channel) (time.Time, error) {
	next, _, err := p.Timing.Next(t, p.Timing.ContactLocation(c), ch)
	return next, err
}
