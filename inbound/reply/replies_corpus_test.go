package reply

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/npsd/npsd/inbound/email"
)

// The reply corpus (inbound/reply/testdata/replies-*.tsv, optout.tsv and
// replies-eml/) was labelled by the rules in
// inbound/reply/testdata/replies-rules.txt before the parser was changed.
// These tests measure the parser against it: accuracy, and the three
// errors that must never happen — a missed opt-out, a false opt-out, a
// score the customer did not give.

type labelled struct {
	where string // file:line
	text  string
	label string // score:N, optout, help, start, unclear, comment, autoreply, bounce, newscore:N
}

func readLabelled(t *testing.T, path string) []labelled {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		label, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("%s:%d: no tab between label and text", path, n)
		}
		out = append(out, labelled{where: fmt.Sprintf("%s:%d", filepath.Base(path), n), label: strings.TrimSpace(label), text: strings.ReplaceAll(text, `\n`, "\n")})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// labelOf is the reading as a corpus label.
func labelOf(r Reply) string {
	switch r.Intent {
	case IntentScore:
		return "score:" + strconv.Itoa(*r.Score)
	case IntentStop:
		return "optout"
	case IntentAutoReply:
		return "autoreply"
	}
	return r.Kind()
}

// tally counts a corpus's results.
type tally struct {
	name                                    string
	total, right                            int
	missedOptOuts, falseOptOuts, wrongScore int
	byLabel                                 map[string][2]int // label -> right, total
	wrong                                   []string
}

func (ty *tally) add(c labelled, got string) {
	if ty.byLabel == nil {
		ty.byLabel = map[string][2]int{}
	}
	kind, _, _ := strings.Cut(c.label, ":")
	n := ty.byLabel[kind]
	n[1]++
	ty.total++
	if got == c.label {
		ty.right++
		n[0]++
		ty.byLabel[kind] = n
		return
	}
	ty.byLabel[kind] = n
	mark := ""
	switch {
	case c.label == "optout":
		ty.missedOptOuts++
		mark = "MISSED OPT-OUT "
	case got == "optout":
		ty.falseOptOuts++
		mark = "FALSE OPT-OUT "
	case strings.HasPrefix(got, "score:") || strings.HasPrefix(got, "newscore:"):
		ty.wrongScore++
		mark = "WRONG SCORE "
	}
	ty.wrong = append(ty.wrong, fmt.Sprintf("%s%s: got %s, want %s: %q", mark, c.where, got, c.label, c.text))
}

func (ty *tally) accuracy() float64 { return 100 * float64(ty.right) / float64(max(ty.total, 1)) }

func (ty *tally) report(t *testing.T, minAccuracy float64) {
	t.Helper()
	var kinds []string
	for k := range ty.byLabel {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d/%d", k, ty.byLabel[k][0], ty.byLabel[k][1]))
	}
	t.Logf("%s: %d cases, %.1f %% right (%s); missed opt-outs %d, false opt-outs %d, wrong scores %d",
		ty.name, ty.total, ty.accuracy(), strings.Join(parts, ", "), ty.missedOptOuts, ty.falseOptOuts, ty.wrongScore)
	for _, w := range ty.wrong {
		t.Log(w)
	}
	if ty.missedOptOuts+ty.falseOptOuts+ty.wrongScore > 0 {
		t.Errorf("%s: %d missed opt-outs, %d false opt-outs, %d wrong scores: there must be none", ty.name, ty.missedOptOuts, ty.falseOptOuts, ty.wrongScore)
	}
	if ty.accuracy() < minAccuracy {
		t.Errorf("%s: %.1f %% right, want at least %.0f %%", ty.name, ty.accuracy(), minAccuracy)
	}
}

// smsCorpora are the first replies to a survey, by SMS.
var smsCorpora = []string{"replies-qc.tsv", "replies-fr-en.tsv", "replies-holdout.tsv", "replies-holdout2.tsv", "replies-holdout3.tsv", "replies-holdout4.tsv", "replies-holdout5.tsv", "replies-holdout6.tsv", "replies-holdout7.tsv", "replies-holdout-optout.tsv", "replies-holdout-optout2.tsv"}

func TestReplyCorpusSMS(t *testing.T) {
	all := tally{name: "SMS, first replies"}
	for _, name := range smsCorpora {
		cases := readLabelled(t, filepath.Join("testdata", name))
		one := tally{name: name}
		for _, c := range cases {
			r := ParseText(c.text)
			if Rules[r.Rule] == "" {
				t.Errorf("%s: the rule %q that read %q has no explanation in Rules", c.where, r.Rule, c.text)
			}
			got := labelOf(r)
			one.add(c, got)
			all.add(c, got)
		}
		t.Logf("%s: %d cases, %.1f %% right", name, one.total, one.accuracy())
	}
	if all.total < 600 {
		t.Errorf("the SMS corpus has %d cases, the issue asks for 600 at least", all.total)
	}
	all.report(t, 98)
}

// The opt-out corpus is read the same way: there an opt-out is missed or
// false, or not.
func TestReplyCorpusOptOutsInFull(t *testing.T) {
	ty := tally{name: "optout.tsv through ParseText"}
	for _, c := range readLabelled(t, filepath.Join("testdata", "optout.tsv")) {
		got := ParseText(c.text)
		switch {
		case c.label == "optout" && got.Intent != IntentStop:
			ty.missedOptOuts++
			ty.wrong = append(ty.wrong, fmt.Sprintf("MISSED OPT-OUT %s: %q read as %s", c.where, c.text, got.Reading()))
		case c.label == "not" && got.Intent == IntentStop:
			ty.falseOptOuts++
			ty.wrong = append(ty.wrong, fmt.Sprintf("FALSE OPT-OUT %s: %q read as %s", c.where, c.text, got.Reading()))
		}
		ty.total++
	}
	ty.right = ty.total - ty.missedOptOuts - ty.falseOptOuts
	ty.report(t, 0)
}

// Follow-ups come after a score: only a lone number or an explicit change
// replaces it, the rest is a comment (Reply.ChangesScore).
func TestReplyCorpusFollowUps(t *testing.T) {
	ty := tally{name: "SMS, after a score"}
	var cases []labelled
	for _, name := range []string{"replies-followup.tsv", "replies-followup-holdout.tsv"} {
		cases = append(cases, readLabelled(t, filepath.Join("testdata", name))...)
	}
	for _, c := range cases {
		r := ParseText(c.text)
		got := "comment"
		switch {
		case r.Intent == IntentStop:
			got = "optout"
		case r.Intent == IntentHelp:
			got = "help"
		case r.ChangesScore():
			got = "newscore:" + strconv.Itoa(*r.Score)
		case r.Unreadable:
			got = "unclear"
		}
		ty.add(c, got)
	}
	ty.report(t, 98)
}

// emailCorpora are folders of raw email replies, each with its labels.tsv.
var emailCorpora = []string{"replies-eml", "replies-eml-holdout", "replies-eml-holdout2", "replies-eml-holdout3"}

func TestReplyCorpusEmail(t *testing.T) {
	ty := tally{name: "email, first replies"}
	for _, name := range emailCorpora {
		one := ty.total
		right := ty.right
		readEmailCorpus(t, filepath.Join("testdata", name), &ty)
		t.Logf("%s: %d messages, %.1f %% right", name, ty.total-one, 100*float64(ty.right-right)/float64(max(ty.total-one, 1)))
	}
	if ty.total < 40 {
		t.Errorf("the email corpus has %d messages, the issue asks for 40 at least", ty.total)
	}
	ty.report(t, 97)
}

func readEmailCorpus(t *testing.T, dir string, ty *tally) {
	t.Helper()
	cases := readLabelled(t, filepath.Join(dir, "labels.tsv"))
	for _, c := range cases {
		// labels.tsv is FILE<TAB>LABEL.
		file, label := c.label, strings.TrimSpace(c.text)
		c.label = label
		f, err := os.Open(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		m, err := email.ReadMessage(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		c.text = file
		c.where = filepath.Base(dir) + "/" + c.where
		r := ParseMessage(m)
		if Rules[r.Rule] == "" {
			t.Errorf("%s: the rule %q has no explanation in Rules", c.where, r.Rule)
		}
		ty.add(c, labelOf(r))
	}
}
