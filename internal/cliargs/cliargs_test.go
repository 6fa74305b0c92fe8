package cliargs

import (
	"bytes"
	"flag"
	"slices"
	"strings"
	"testing"
)

// TestParse: flags anywhere among the arguments; the wrong number of
// arguments names the ones expected and shows the command's line; --help
// shows the line with its arguments, then the flags.
func TestParse(t *testing.T) {
	newFS := func() (*flag.FlagSet, *bool, *bytes.Buffer) {
		var out bytes.Buffer
		fs := flag.NewFlagSet("npsd contacts import", flag.ContinueOnError)
		fs.SetOutput(&out)
		return fs, fs.Bool("dry-run", false, "check only"), &out
	}
	for _, args := range [][]string{{"a.csv", "--dry-run"}, {"--dry-run", "a.csv"}} {
		fs, dry, _ := newFS()
		pos, err := Parse(fs, args, "FILE.csv")
		if err != nil || !slices.Equal(pos, []string{"a.csv"}) || !*dry {
			t.Errorf("Parse(%q) = %q, %v, dry-run %v", args, pos, err, *dry)
		}
	}
	fs, _, out := newFS()
	if _, err := Parse(fs, []string{"a.csv", "b.csv"}, "FILE.csv"); err == nil ||
		!strings.Contains(out.String(), "takes FILE.csv, got 2 argument(s)") || !strings.Contains(out.String(), "usage: npsd contacts import FILE.csv [flags]") {
		t.Errorf("two files: %v; printed %q", err, out.String())
	}
	fs, _, out = newFS()
	if _, err := Parse(fs, []string{"--help"}, "FILE.csv"); err != flag.ErrHelp ||
		!strings.HasPrefix(out.String(), "usage: npsd contacts import FILE.csv [flags]\n") || !strings.Contains(out.String(), "-dry-run") {
		t.Errorf("--help: %v; printed %q", err, out.String())
	}
}
