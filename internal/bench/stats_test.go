package bench

import (
	"slices"
	"testing"
)

func TestSpreadOf(t *testing.T) {
	tests := []struct {
		xs   []float64
		want Spread
		text string
	}{
		{nil, Spread{}, "-"},
		{[]float64{1.5}, Spread{1.5, 1.5, 1.5, 1}, "1.50 [1.50-1.50] over 1 rounds"},
		{[]float64{1.2, 0.9, 1.4, 1.0}, Spread{1.1, 0.9, 1.4, 4}, "1.10 [0.90-1.40] over 4 rounds"},
	}
	for _, tc := range tests {
		got := SpreadOf(tc.xs)
		if got != tc.want || got.String() != tc.text {
			t.Errorf("SpreadOf(%v) = %+v %q, want %+v %q", tc.xs, got, got, tc.want, tc.text)
		}
	}
}

// TestRoundRatios checks that the ratio is taken within each round: a slow round that hits both sides cancels,
// where the ratio of pooled medians would not.
func TestRoundRatios(t *testing.T) {
	torch := []float64{0.2, 0.4, 0.2, 0.4} // the machine was twice as slow in rounds 2 and 4
	lossbook := []float64{0.1, 0.2, 0.1, 0.2}
	got := RoundRatios(torch, lossbook)
	if want := []float64{2, 2, 2, 2}; !slices.Equal(got, want) {
		t.Errorf("RoundRatios = %v, want %v", got, want)
	}
	if s := SpreadOf(got); s.Min != 2 || s.Max != 2 {
		t.Errorf("spread %v, want 2 in every round", s)
	}
	defer func() {
		if recover() == nil {
			t.Error("RoundRatios of 2 rounds against 1 did not panic")
		}
	}()
	RoundRatios([]float64{1, 2}, []float64{1})
}

func TestRoundOrder(t *testing.T) {
	sides := []string{"lossbook go", "lossbook xla:cpu", "torch", "jax"}
	first := map[string]int{}
	for r := range 6 {
		order := RoundOrder(sides, r)
		first[order[0]]++
		if r%2 == 0 && !slices.Equal(order, sides) {
			t.Errorf("round %d: %v", r, order)
		}
		if r%2 == 1 && !slices.Equal(order, []string{"jax", "torch", "lossbook xla:cpu", "lossbook go"}) {
			t.Errorf("round %d: %v", r, order)
		}
	}
	if first["lossbook go"] != 3 || first["jax"] != 3 {
		t.Errorf("over 6 rounds, first: %v; want lossbook go and jax 3 times each", first)
	}
	if !slices.Equal(sides, []string{"lossbook go", "lossbook xla:cpu", "torch", "jax"}) {
		t.Errorf("RoundOrder changed its argument: %v", sides)
	}
}

func TestStepsPerRound(t *testing.T) {
	tests := []struct {
		target float64
		warm   []float64
		want   int
	}{
		{2, []float64{0.1, 0.5}, 4},        // the slowest side fills the target
		{2, []float64{0.001, 0.0001}, 100}, // capped
		{2, []float64{5, 0.1}, 1},          // at least one
		{2, []float64{0, 0}, 100},          // unmeasurably fast
	}
	for _, tc := range tests {
		if got := StepsPerRound(tc.target, tc.warm); got != tc.want {
			t.Errorf("StepsPerRound(%g, %v) = %d, want %d", tc.target, tc.warm, got, tc.want)
		}
	}
}
