package bench

import (
	"math"
	"testing"

	"github.com/lossbook/lossbook/lib"
)

// TestWorkloadsTrain runs every workload at toy size: the CE gives the same finite loss at every step, and the
// training steps lower the loss on their fixed batch.
func TestWorkloadsTrain(t *testing.T) {
	for _, kit := range []Kit{LossbookKit(), GoMLXKit()} {
		for _, w := range Workloads() {
			t.Run(kit.Name+"/"+w.Name, func(t *testing.T) {
				r, err := w.Small().Prepare(lib.MustBackend(), kit)
				if err != nil {
					t.Fatal(err)
				}
				var losses []float64
				defer r.Close()
				for range 30 {
					loss, err := r.Step()
					if err != nil {
						t.Fatal(err)
					}
					if math.IsNaN(loss) || math.IsInf(loss, 0) {
						t.Fatalf("loss %g after %d steps", loss, len(losses))
					}
					losses = append(losses, loss)
				}
				first, last := losses[0], losses[len(losses)-1]
				t.Logf("loss %.4f -> %.4f", first, last)
				if w.Name == "ce" && first != last {
					t.Errorf("CE loss changed between steps on the same input: %g then %g", first, last)
				}
				if w.Name != "ce" && !(last < first) {
					t.Errorf("30 Adam steps on one batch did not lower the loss: %g -> %g", first, last)
				}
			})
		}
	}
}

func TestFind(t *testing.T) {
	ws, err := Find([]string{"transformer", "ce"})
	if err != nil || len(ws) != 2 || ws[0].Name != "transformer" || ws[1].Name != "ce" {
		t.Errorf("Find(transformer, ce) = %v, %v", ws, err)
	}
	if _, err := Find([]string{"nope"}); err == nil || err.Error() != `unknown workload "nope" (valid: [ce bag transformer])` {
		t.Errorf("Find(nope) error = %v", err)
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}}
	for _, tc := range tests {
		if got := Median(tc.xs); got != tc.want {
			t.Errorf("Median(%v) = %g, want %g", tc.xs, got, tc.want)
		}
	}
}
