package templates

import (
	"strings"
	"testing"
)

// TestTidy: template output is trimmed line by line and a "--" line
// becomes the signature separator; the rule, and the string one, as
// strings.Split and strings.Join wrote it before tidy read the buffer.
func TestTidy(t *testing.T) {
	splitJoin := func(s string) string {
		lines := strings.Split(strings.TrimSpace(s), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " \t\r")
			if lines[i] == "--" {
				lines[i] = "-- "
			}
		}
		return strings.Join(lines, "\n")
	}
	for _, in := range []string{
		"", " ", "\n\n", "a", "--", "-- ", " --", "--\n", "\n--\n",
		"Hello Ann,  \n\n  indented stays\t\n--\nfooter \r\n",
		"a\r\nb\r\n", "x\n\n\n\ny", "\t\ttabbed start\n--  \n-- x\n---\n",
		"é à  \n  ü\u00a0\n", "last line no newline   ",
	} {
		if got, want := tidy([]byte(in)), splitJoin(in); got != want {
			t.Errorf("tidy(%q) = %q, want %q", in, got, want)
		}
	}
	if got := tidy([]byte("Thanks\n--\nBakery")); got != "Thanks\n-- \nBakery" {
		t.Errorf("signature line: %q", got)
	}
}
