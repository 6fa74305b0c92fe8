package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/npsd/npsd/scheduler"
)

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

// Window reads surveys.send_window.
func (c SendWindowConfig) Window() (scheduler.Window, error) {
	var w scheduler.Window
	if len(c.Days) == 0 {
		return w, errors.New("days must list at least one day (mon, tue, wed, thu, fri, sat, sun)")
	}
	for _, d := range c.Days {
		wd, ok := weekdays[strings.ToLower(strings.TrimSpace(d))]
		if !ok {
			return w, fmt.Errorf("unknown day %q (use mon, tue, wed, thu, fri, sat, sun)", d)
		}
		w.Days[wd] = true
	}
	var err error
	if w.Start, err = clockTime(c.Start); err != nil {
		return w, fmt.Errorf("start: %w", err)
	}
	if w.End, err = clockTime(c.End); err != nil {
		return w, fmt.Errorf("end: %w", err)
	}
	if w.Start >= w.End {
		return w, fmt.Errorf("start %s must be before end %s", c.Start, c.End)
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

// Blackout reads one of surveys.blackout.
func (c BlackoutConfig) Blackout() (scheduler.Blackout, error) {
	from, err := scheduler.ParseDate(c.From)
	if err != nil {
		return scheduler.Blackout{}, fmt.Errorf("from: %w", err)
	}
	to, err := scheduler.ParseDate(c.To)
	if err != nil {
		return scheduler.Blackout{}, fmt.Errorf("to: %w", err)
	}
	if to.String() < from.String() {
		return scheduler.Blackout{}, fmt.Errorf("to (%s) is before from (%s)", to, from)
	}
	return scheduler.Blackout{From: from, To: to, Reason: c.Reason}, nil
}

// Timing is the send window, the closures and the business's time zone:
// when a message may reach someone, built in this one place from the file.
func (c *Config) Timing() (scheduler.Timing, error) {
	window, err := c.Surveys.SendWindow.Window()
	if err != nil {
		return scheduler.Timing{}, fmt.Errorf("surveys.send_window: %w", err)
	}
	timing := scheduler.Timing{Window: window, Business: c.Location()}
	for i, b := range c.Surveys.Blackout {
		bo, err := b.Blackout()
		if err != nil {
			return scheduler.Timing{}, fmt.Errorf("surveys.blackout[%d]: %w", i, err)
		}
		timing.Blackouts = append(timing.Blackouts, bo)
	}
	return timing, nil
}
