// Package prompt reads what a person types for a command: a secret, not
// shown on the screen, given up when the command is stopped.
package prompt

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// MaxLine bounds a line read from a pipe or a file: a password is short,
// and a stream that never ends a line must not fill the memory.
const MaxLine = 4096

// Password reads one line from in and returns it without its line end.
// When in is a terminal it writes label to echo first, turns the
// terminal's echo off while the line is typed, and leaves the terminal as
// it found it, also when ctx ends (Ctrl-C) before the line is complete.
// From a pipe or a file it reads the line as it comes. It returns ctx's
// error when ctx ends first.
func Password(ctx context.Context, in io.Reader, echo io.Writer, label string) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return fromTerminal(ctx, int(f.Fd()), echo, label)
	}
	return wait(ctx, func() (string, error) {
		line, err := bufio.NewReader(io.LimitReader(in, MaxLine)).ReadString('\n')
		if err == io.EOF && line != "" {
			err = nil
		}
		return strings.TrimRight(line, "\r\n"), err
	}, nil)
}

func fromTerminal(ctx context.Context, fd int, echo io.Writer, label string) (string, error) {
	state, err := term.GetState(fd)
	if err != nil {
		return "", fmt.Errorf("reading the terminal: %w", err)
	}
	fmt.Fprint(echo, label)
	// The newline typed is not shown either: end the prompt's line.
	defer fmt.Fprintln(echo)
	return wait(ctx, func() (string, error) {
		b, err := term.ReadPassword(fd)
		return string(b), err
	}, func() { _ = term.Restore(fd, state) })
}

// wait runs read and returns what it read, or ctx's error as soon as ctx
// ends, after calling abandon (when not nil). The read itself cannot be
// interrupted; the command ends right after and takes it with it.
func wait(ctx context.Context, read func() (string, error), abandon func()) (string, error) {
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := read()
		done <- result{line, err}
	}()
	select {
	case r := <-done:
		return r.line, r.err
	case <-ctx.Done():
		if abandon != nil {
			abandon()
		}
		return "", ctx.Err()
	}
}

// Confirm writes question to echo and reads the answer from in: yes (y,
// yes, o, oui, in any case) is true, anything else, or a stop, false.
func Confirm(ctx context.Context, in io.Reader, echo io.Writer, question string) bool {
	fmt.Fprint(echo, question)
	answer, err := wait(ctx, func() (string, error) {
		return bufio.NewReader(io.LimitReader(in, MaxLine)).ReadString('\n')
	}, nil)
	if err != nil && answer == "" {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes", "o", "oui":
		return true
	}
	return false
}
