package textdist

import "testing"

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"stop", "stop", 0},
		{"sotp", "stop", 1},                  // a swap
		{"UNSUSBCRIBE", "UNSUBSCRIBE", 1},    // a swap
		{"UNSBSCRIBE", "UNSUBSCRIBE", 1},     // a letter left out
		{"DESABONEMENT", "DESABONNEMENT", 1}, // a letter left out
		{"listne", "listen", 1}, {"timezon", "timezone", 1}, {"kitten", "sitting", 3},
	} {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}
