package nps

import (
	"math"
	"testing"
)

func TestCategoryOf(t *testing.T) {
	tests := []struct {
		score   int
		want    Category
		wantErr bool
	}{
		{-1, 0, true},
		{0, Detractor, false},
		{6, Detractor, false},
		{7, Passive, false},
		{8, Passive, false},
		{9, Promoter, false},
		{10, Promoter, false},
		{11, 0, true},
	}
	for _, tt := range tests {
		got, err := CategoryOf(tt.score)
		if (err != nil) != tt.wantErr {
			t.Errorf("CategoryOf(%d) error = %v, wantErr %v", tt.score, err, tt.wantErr)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("CategoryOf(%d) = %v, want %v", tt.score, got, tt.want)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestTally(t *testing.T) {
	tests := []struct {
		name    string
		tally   Tally
		wantNPS float64
		wantMoE float64
		wantOK  bool
	}{
		{name: "empty", tally: Tally{}, wantOK: false},
		// The design's example: 70 % promoters, 20 % detractors → +50.
		// Variance = 0.7 + 0.2 − 0.5² = 0.65; MoE = 1.96·√(0.65/100)·100.
		{name: "design example", tally: Tally{Promoters: 70, Passives: 10, Detractors: 20}, wantNPS: 50, wantMoE: z95 * 100 * math.Sqrt(0.65/100), wantOK: true},
		{name: "all promoters", tally: Tally{Promoters: 5}, wantNPS: 100, wantMoE: 0, wantOK: true},
		{name: "all detractors", tally: Tally{Detractors: 3}, wantNPS: -100, wantMoE: 0, wantOK: true},
		{name: "all passives", tally: Tally{Passives: 4}, wantNPS: 0, wantMoE: 0, wantOK: true},
		// Half promoters, half detractors: the widest spread, variance 1.
		{name: "split", tally: Tally{Promoters: 50, Detractors: 50}, wantNPS: 0, wantMoE: z95 * 100 * math.Sqrt(1.0/100), wantOK: true},
		{name: "one of each", tally: Tally{Promoters: 1, Passives: 1, Detractors: 1}, wantNPS: 0, wantMoE: z95 * 100 * math.Sqrt((2.0/3)/3), wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.tally.NPS()
			if ok != tt.wantOK || (ok && !near(got, tt.wantNPS)) {
				t.Errorf("NPS() = %v, %v; want %v, %v", got, ok, tt.wantNPS, tt.wantOK)
			}
			moe, ok := tt.tally.MarginOfError()
			if ok != tt.wantOK || (ok && !near(moe, tt.wantMoE)) {
				t.Errorf("MarginOfError() = %v, %v; want %v, %v", moe, ok, tt.wantMoE, tt.wantOK)
			}
		})
	}
}

func TestTallyAddAndShare(t *testing.T) {
	var tl Tally
	for _, s := range []int{0, 3, 6, 7, 8, 9, 10, 10} {
		if err := tl.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := tl.Add(11); err == nil {
		t.Fatal("Add(11) accepted an out-of-range score")
	}
	want := Tally{Promoters: 3, Passives: 2, Detractors: 3}
	if tl != want {
		t.Fatalf("tally = %+v, want %+v", tl, want)
	}
	if got := tl.Share(tl.Promoters); !near(got, 37.5) {
		t.Errorf("Share(promoters) = %v, want 37.5", got)
	}
	if got := (Tally{}).Share(0); got != 0 {
		t.Errorf("empty Share = %v, want 0", got)
	}
	var merged Tally
	merged.Merge(tl)
	merged.Merge(tl)
	if merged.Responses() != 16 || merged.Promoters != 6 {
		t.Errorf("Merge gave %+v", merged)
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name            string
		before, after   Tally
		wantChange      float64
		wantSignificant bool
		wantOK          bool
	}{
		{name: "empty before", before: Tally{}, after: Tally{Promoters: 1}, wantOK: false},
		{name: "empty after", before: Tally{Promoters: 1}, after: Tally{}, wantOK: false},
		// 10 answers each, +20 → +40: well inside the noise of such samples.
		{name: "small samples are noise",
			before:     Tally{Promoters: 4, Passives: 4, Detractors: 2},
			after:      Tally{Promoters: 5, Passives: 4, Detractors: 1},
			wantChange: 20, wantSignificant: false, wantOK: true},
		// 1,000 answers each, +10 → +40: far outside the noise.
		{name: "large samples are significant",
			before:     Tally{Promoters: 400, Passives: 300, Detractors: 300},
			after:      Tally{Promoters: 550, Passives: 300, Detractors: 150},
			wantChange: 30, wantSignificant: true, wantOK: true},
		{name: "unchanged", before: Tally{Promoters: 50, Detractors: 50}, after: Tally{Promoters: 50, Detractors: 50},
			wantChange: 0, wantSignificant: false, wantOK: true},
		{name: "unanimous and different", before: Tally{Detractors: 3}, after: Tally{Promoters: 3},
			wantChange: 200, wantSignificant: true, wantOK: true},
		{name: "unanimous and equal", before: Tally{Promoters: 3}, after: Tally{Promoters: 8},
			wantChange: 0, wantSignificant: false, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := Compare(tt.before, tt.after)
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tt.wantOK)
			}
			if !ok {
				return
			}
			if !near(d.Change, tt.wantChange) || d.Significant != tt.wantSignificant {
				t.Errorf("Compare = %+v; want change %v significant %v", d, tt.wantChange, tt.wantSignificant)
			}
		})
	}
}

func TestCompareZ(t *testing.T) {
	// A hand-computed case: before 40/30/30 (NPS 10, var 0.69), after
	// 55/30/15 (NPS 40, var 0.54), n = 1000 each.
	before := Tally{Promoters: 400, Passives: 300, Detractors: 300}
	after := Tally{Promoters: 550, Passives: 300, Detractors: 150}
	d, _ := Compare(before, after)
	se := 100 * math.Sqrt(0.69/1000+0.54/1000)
	if !near(d.Z, 30/se) {
		t.Errorf("Z = %v, want %v", d.Z, 30/se)
	}
}

func TestShown(t *testing.T) {
	if s, m := (Tally{}).Shown(); s != nil || m != nil {
		t.Errorf("empty tally shown as %v ± %v", s, m)
	}
	s, m := Tally{Promoters: 2, Detractors: 1}.Shown()
	if s == nil || *s != 33.3 || m == nil || *m != Round1(*m) {
		t.Errorf("Shown = %v ± %v, want 33.3 and a one-decimal margin", s, m)
	}
}
