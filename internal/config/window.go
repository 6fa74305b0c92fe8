package config

import (
	"fmt"

	"github.com/npsd/npsd/internal/sendwindow"
)

// Window reads surveys.send_window.
func (c SendWindowConfig) Window() (sendwindow.Window, error) {
	return sendwindow.ParseWindow(c.Days, c.Start, c.End)
}

// Blackout reads one of surveys.blackout.
func (c BlackoutConfig) Blackout() (sendwindow.Blackout, error) {
	return sendwindow.ParseBlackout(c.From, c.To, c.Reason)
}

// Timing is the send window, the closures and the business's time zone:
// when a message may reach someone, built in this one place from the file.
func (c *Config) Timing() (sendwindow.Timing, error) {
	window, err := c.Surveys.SendWindow.Window()
	if err != nil {
		return sendwindow.Timing{}, fmt.Errorf("surveys.send_window: %w", err)
	}
	timing := sendwindow.Timing{Window: window, Business: c.Location(), Zones: &sendwindow.Zones{}}
	for i, b := range c.Surveys.Blackout {
		bo, err := b.Blackout()
		if err != nil {
			return sendwindow.Timing{}, fmt.Errorf("surveys.blackout[%d]: %w", i, err)
		}
		timing.Blackouts = append(timing.Blackouts, bo)
	}
	return timing, nil
}
