// Package cliargs reads a command's line: its flags, placed anywhere among
// its positional arguments, and a usage that names both.
package cliargs

import (
	"flag"
	"fmt"
	"strings"
)

// Parse parses flags placed before, between or after the positional
// arguments, as people type them ("import file.csv --dry-run"), and checks
// that there are as many positional arguments as positional names them.
// --help prints the command's line with those names, then its flags.
func Parse(fs *flag.FlagSet, args []string, positional ...string) ([]string, error) {
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s\n", Line(fs.Name(), positional...))
		fs.PrintDefaults()
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != len(positional) {
		want := "no argument"
		if len(positional) > 0 {
			want = strings.Join(positional, " ")
		}
		err := fmt.Errorf("%s takes %s, got %d argument(s)", fs.Name(), want, len(pos))
		fmt.Fprintln(fs.Output(), err)
		fs.Usage()
		return nil, err
	}
	return pos, nil
}

// Line is how a command is typed: its name, its arguments, its flags.
func Line(name string, positional ...string) string {
	return strings.Join(append(append([]string{name}, positional...), "[flags]"), " ")
}
