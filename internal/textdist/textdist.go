// Package textdist owns the measure of how far apart two words are, and
// the folding of their accents, for the places that forgive a typo or a
// missing accent: a misspelt config key ("did you mean …?"), a misspelt
// opt-out keyword ("unsusbcribe"), a month or a language written without
// its accents (fevrier, Francais).
package textdist

// Distance is the number of letters to insert, delete, replace or swap
// with their neighbour to turn a into b (the optimal string alignment
// distance), counted in bytes: the words compared are ASCII keys and
// folded keywords.
func Distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
