// Package cliargs reads a command's line: its flags, placed anywhere among
// its positional arguments, and a usage that names both.
package cliargs

import (
	"flag"
	"fmt"
	"slices"
	"strings"
)

// Parse parses flags placed before, between or after the positional
// arguments, as people type them ("import file.csv --dry-run"), and checks
// that there are as many positional arguments as positional names them; a
// name in brackets ("[JOB]"), last, is one that may be left out.
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
	optional := 0
	for _, name := range positional {
		if strings.HasPrefix(name, "[") {
			optional++
		}
	}
	if len(pos) > len(positional) || len(pos) < len(positional)-optional {
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

// OneOf returns which one of the named flags was given, when exactly one
// was: a command that does one of several things takes one of them. A
// boolean flag given as false counts as not given.
func OneOf(fs *flag.FlagSet, names ...string) (string, error) {
	var given, off []string
	fs.Visit(func(f *flag.Flag) {
		switch {
		case !slices.Contains(names, f.Name):
		case f.Value.String() == "false":
			off = append(off, "--"+f.Name+"=false")
		default:
			given = append(given, "--"+f.Name)
		}
	})
	if len(given) == 1 {
		return given[0][2:], nil
	}
	// The choice as usage writes it: "--score N, --opt-out or --dismiss".
	var options []string
	for _, name := range names {
		option := "--" + name
		if f := fs.Lookup(name); f != nil {
			if placeholder, _ := flag.UnquoteUsage(f); placeholder != "" {
				option += " " + placeholder
			}
		}
		options = append(options, option)
	}
	choice := "give exactly one of " + strings.Join(options, ", ")
	if len(options) > 1 {
		choice = "give exactly one of " + strings.Join(options[:len(options)-1], ", ") + " or " + options[len(options)-1]
	}
	switch {
	case len(given) > 1:
		return "", fmt.Errorf("%s (%s were given)", choice, strings.Join(given, " and "))
	case len(off) > 0:
		return "", fmt.Errorf("%s decides nothing: %s", off[0], choice)
	}
	return "", fmt.Errorf("%s (none was given)", choice)
}

// Choice defines a string flag that takes one of choices, the first being
// its default. Any other value is refused as the line is parsed, with the
// choices named: "--format must be table or json, not "xml"".
func Choice(fs *flag.FlagSet, name, usage string, choices ...string) *string {
	c := &choice{value: choices[0], choices: choices}
	fs.Var(c, name, usage)
	return &c.value
}

type choice struct {
	value   string
	choices []string
}

func (c *choice) String() string {
	if c == nil {
		return ""
	}
	return c.value
}

func (c *choice) Set(s string) error {
	if !slices.Contains(c.choices, s) {
		return fmt.Errorf("must be %s, not %q", orList(c.choices), s)
	}
	c.value = s
	return nil
}

// orList writes "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
