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

// TestChoiceAndOneOf: a choice flag refuses what it does not offer,
// naming what it does; OneOf says which one action was given, or what was
// wrong with them.
func TestChoiceAndOneOf(t *testing.T) {
	var out bytes.Buffer
	fs := flag.NewFlagSet("npsd report", flag.ContinueOnError)
	fs.SetOutput(&out)
	format := Choice(fs, "format", "table, json or csv", "table", "json", "csv")
	if _, err := Parse(fs, nil); err != nil || *format != "table" {
		t.Errorf("default: %q, %v", *format, err)
	}
	if _, err := Parse(fs, []string{"--format", "csv"}); err != nil || *format != "csv" {
		t.Errorf("--format csv: %q, %v", *format, err)
	}
	if _, err := Parse(fs, []string{"--format", "xml"}); err == nil || !strings.Contains(out.String(), `must be table, json or csv, not "xml"`) {
		t.Errorf("--format xml: %v; printed %q", err, out.String())
	}

	for _, tt := range []struct {
		args      []string
		want, err string
	}{
		{[]string{"--score", "7"}, "score", ""},
		{[]string{"--dismiss"}, "dismiss", ""},
		{nil, "", "give exactly one of --score N, --opt-out or --dismiss (none was given)"},
		{[]string{"--score", "7", "--dismiss"}, "", "(--dismiss and --score were given)"},
		{[]string{"--opt-out=false"}, "", "--opt-out=false decides nothing"},
	} {
		fs := flag.NewFlagSet("npsd messages decide", flag.ContinueOnError)
		fs.String("score", "", "the score `N`")
		fs.Bool("opt-out", false, "opt out")
		fs.Bool("dismiss", false, "dismiss")
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		got, err := OneOf(fs, "score", "opt-out", "dismiss")
		if got != tt.want || (tt.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("OneOf(%q) = %q, %v; want %q, %q", tt.args, got, err, tt.want, tt.err)
		}
	}
}
