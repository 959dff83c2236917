package bench

import (
	"fmt"
	"slices"

	"github.com/lossbook/lossbook/training"
)

// Spread is the median and the range of one quantity over the rounds of a run.
type Spread struct {
	Median, Min, Max float64
	N                int // rounds
}

// SpreadOf returns the median, minimum and maximum of xs; the zero Spread for none.
func SpreadOf(xs []float64) Spread {
	if len(xs) == 0 {
		return Spread{}
	}
	return Spread{Median: training.Median(xs), Min: slices.Min(xs), Max: slices.Max(xs), N: len(xs)}
}

// String formats the spread as "1.23 [1.10-1.31] over 6 rounds".
func (s Spread) String() string {
	if s.N == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f [%.2f-%.2f] over %d rounds", s.Median, s.Min, s.Max, s.N)
}

// RoundRatios returns num[i]/den[i] for each round i: the ratio of two sides' median step times within the same
// round, so that a slow spell of the machine that hits both sides of a round cancels out. Both slices hold one
// value per round and must have the same length.
func RoundRatios(num, den []float64) []float64 {
	if len(num) != len(den) {
		panic(fmt.Sprintf("bench: RoundRatios: %d rounds against %d", len(num), len(den)))
	}
	out := make([]float64, len(num))
	for i := range num {
		out[i] = num[i] / den[i]
	}
	return out
}

// RoundOrder returns the order in which the sides run in round r (counted from 0): the given order in even rounds,
// reversed in odd ones, so that over an even number of rounds every side runs first, and last, equally often.
func RoundOrder(sides []string, r int) []string {
	out := slices.Clone(sides)
	if r%2 == 1 {
		slices.Reverse(out)
	}
	return out
}

// StepsPerRound returns how many steps every side runs per round: enough for the slowest side's step (from the
// warm-up) to fill target seconds, at least 1 and at most 100. Every side runs the same number, so that the
// losses after the same step can be compared and no side's median rests on fewer samples.
func StepsPerRound(target float64, warmStepSeconds []float64) int {
	slowest := slices.Max(warmStepSeconds)
	if slowest <= 0 {
		return 100
	}
	return max(1, min(100, int(target/slowest+0.5)))
}
