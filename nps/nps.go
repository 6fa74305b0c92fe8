// Package nps owns the arithmetic of the Net Promoter Score: which category a
// score falls in, the score of a set of answers, its margin of error and
// whether two periods really differ. It is pure: no I/O, no clock, no state.
package nps

import (
	"fmt"
	"math"
)

// Category is the group a 0–10 answer places a customer in.
type Category int

const (
	Detractor Category = iota // 0–6
	Passive                   // 7–8
	Promoter                  // 9–10
)

func (c Category) String() string {
	switch c {
	case Detractor:
		return "detractor"
	case Passive:
		return "passive"
	case Promoter:
		return "promoter"
	}
	return fmt.Sprintf("Category(%d)", int(c))
}

// MinScore and MaxScore bound a valid answer.
const (
	MinScore = 0
	MaxScore = 10
)

// ValidScore reports whether s is an answer to the 0–10 question.
func ValidScore(s int) bool { return s >= MinScore && s <= MaxScore }

// CategoryOf returns the category of a valid score. Callers validate first:
// an out-of-range score is a programming error upstream, and guessing a
// category for it would silently skew every report.
func CategoryOf(score int) (Category, error) {
	switch {
	case !ValidScore(score):
		return 0, fmt.Errorf("score %d is outside 0-10", score)
	case score >= 9:
		return Promoter, nil
	case score >= 7:
		return Passive, nil
	default:
		return Detractor, nil
	}
}

// z95 is the two-sided 95 % quantile of the normal distribution.
const z95 = 1.959963984540054

// Tally counts answers by category. The zero value is an empty tally.
type Tally struct {
	Promoters  int
	Passives   int
	Detractors int
}

// Add counts one valid score; an invalid one is refused so that a corrupt
// record shows up as an error rather than as a wrong number.
func (t *Tally) Add(score int) error {
	c, err := CategoryOf(score)
	if err != nil {
		return err
	}
	t.AddCategory(c)
	return nil
}

// AddCategory counts one answer whose category is already known.
func (t *Tally) AddCategory(c Category) { t.AddN(c, 1) }

// AddN counts n answers of one category.
func (t *Tally) AddN(c Category, n int) {
	switch c {
	case Promoter:
		t.Promoters += n
	case Passive:
		t.Passives += n
	default:
		t.Detractors += n
	}
}

// Merge adds the counts of u to t.
func (t *Tally) Merge(u Tally) {
	t.Promoters += u.Promoters
	t.Passives += u.Passives
	t.Detractors += u.Detractors
}

// Responses is the number of answers counted.
func (t Tally) Responses() int { return t.Promoters + t.Passives + t.Detractors }

// Share returns the percentage (0–100) that part is of the tally; 0 when the
// tally is empty, since there is nothing to be a share of.
func (t Tally) Share(part int) float64 {
	n := t.Responses()
	if n == 0 {
		return 0
	}
	return 100 * float64(part) / float64(n)
}

// NPS is %promoters − %detractors in [−100, +100]. ok is false for an empty
// tally: a score of 0 would claim a neutral result nobody measured.
func (t Tally) NPS() (score float64, ok bool) {
	n := t.Responses()
	if n == 0 {
		return 0, false
	}
	return 100 * float64(t.Promoters-t.Detractors) / float64(n), true
}

// variance is the variance of the per-answer values +1 (promoter), 0
// (passive) and −1 (detractor), whose mean is NPS/100.
func (t Tally) variance() float64 {
	n := float64(t.Responses())
	p := float64(t.Promoters) / n
	d := float64(t.Detractors) / n
	return p + d - (p-d)*(p-d)
}

// standardError is the standard error of the NPS, in NPS points.
func (t Tally) standardError() float64 {
	return 100 * math.Sqrt(t.variance()/float64(t.Responses()))
}

// MarginOfError is the half-width of the 95 % confidence interval of the NPS,
// in NPS points, from the variance of the +1/0/−1 values. ok is false for an
// empty tally. A unanimous tally has a margin of 0: the normal approximation
// says nothing useful about tiny samples, which is why reports also show the
// number of responses.
func (t Tally) MarginOfError() (moe float64, ok bool) {
	if t.Responses() == 0 {
		return 0, false
	}
	return z95 * t.standardError(), true
}

// Difference compares the NPS of two periods, before and after.
type Difference struct {
	// Change is after − before, in NPS points.
	Change float64
	// Z is the change divided by its standard error.
	Z float64
	// Significant is true when the change is unlikely (p < 0.05, two-sided)
	// to be noise from sampling.
	Significant bool
}

// Compare tests whether the NPS moved between two independent samples. ok is
// false when either period has no responses. When both periods are
// unanimous the standard error is 0; any change is then reported as
// significant only if the two scores differ.
func Compare(before, after Tally) (d Difference, ok bool) {
	b, okB := before.NPS()
	a, okA := after.NPS()
	if !okB || !okA {
		return Difference{}, false
	}
	d.Change = a - b
	se := math.Hypot(before.standardError(), after.standardError())
	if se == 0 {
		d.Significant = d.Change != 0
		if d.Significant {
			d.Z = math.Inf(int(math.Copysign(1, d.Change)))
		}
		return d, true
	}
	d.Z = d.Change / se
	d.Significant = math.Abs(d.Z) > z95
	return d, true
}

// Round1 rounds to one decimal, the precision every report shows, so that
// a report, an export and the weekly email agree to the digit.
func Round1(x float64) float64 { return math.Round(x*10) / 10 }

// Shown returns the NPS and its margin of error as every report shows
// them, rounded with Round1; nil for an empty tally, which has neither.
func (t Tally) Shown() (score, moe *float64) {
	if v, ok := t.NPS(); ok {
		v = Round1(v)
		score = &v
	}
	if v, ok := t.MarginOfError(); ok {
		v = Round1(v)
		moe = &v
	}
	return score, moe
}
