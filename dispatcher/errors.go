package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/npsd/npsd/store"
)

// SendError is a failed send, classified where it happened: whether trying
// again later may work, and what the failure says about the recipient's
// address on that channel.
type SendError struct {
	Err error
	// Temporary errors are retried with backoff; the others end the job.
	Temporary bool
	// Uncertain means the message may have left before the failure (a
	// connection lost after the request was sent): the next attempt first
	// checks whether it did.
	Uncertain bool
	// Contact is the channel state the failure proves, if any: opted out
	// (Twilio 21610) or undeliverable (SMTP 5.1.1, Twilio 21211/21614).
	Contact store.ChannelState
	// Code is the provider's code, for the log and the job's record.
	Code string
}

func (e *SendError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s: %v", e.Code, e.Err)
	}
	return e.Err.Error()
}

func (e *SendError) Unwrap() error { return e.Err }

// IsTemporary is the retry contract of a send error. It honours a
// Temporary() method anywhere in the chain, so a transport's own errors
// work unwrapped.
func IsTemporary(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Temporary
	}
	var t interface{ Temporary() bool }
	if errors.As(err, &t) {
		return t.Temporary()
	}
	return isNetwork(err)
}

func temporary(err error, code string) *SendError {
	return &SendError{Err: err, Temporary: true, Code: code}
}

func permanent(err error, code string, contact store.ChannelState) *SendError {
	return &SendError{Err: err, Code: code, Contact: contact}
}

// isNetwork reports errors of the connection itself: refused, reset,
// timed out, closed. Libraries report them as not temporary; for a sender
// they are the very model of temporary.
func isNetwork(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, context.DeadlineExceeded)
}
