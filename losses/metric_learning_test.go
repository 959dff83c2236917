package losses

import (
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's idiom.
)

// TestMetricLearningPanics: shape and option mistakes of the contrastive and triplet family panic with the
// "losses:" prefix, the loss, the shapes and what was expected.
func TestMetricLearningPanics(t *testing.T) {
	for _, tc := range []struct {
		name   string
		f      func(in []*Node)
		shapes [][]int
		want   []string
	}{
		{"MNRL fewer candidates than anchors", func(in []*Node) { MultipleNegativesRanking(in[0], in[1]) },
			[][]int{{4, 3}, {3, 3}}, []string{"losses: MultipleNegativesRanking: candidates (Float32)[3 3] do not fit anchors (Float32)[4 3]", "M >= 4"}},
		{"MNRL dims differ", func(in []*Node) { MultipleNegativesSymmetricRanking(in[0], in[1]) },
			[][]int{{4, 3}, {4, 2}}, []string{"losses: MultipleNegativesSymmetricRanking: candidates (Float32)[4 2]", "want [M, 3]"}},
		{"MNRL rank 1", func(in []*Node) { MultipleNegativesRanking(in[0], in[1]) },
			[][]int{{4}, {4}}, []string{"losses: MultipleNegativesRanking: anchors (Float32)[4] must be [batch, dim]"}},
		{"MNRL integer anchors", func(in []*Node) { MultipleNegativesRanking(in[0], in[0]) },
			[][]int{{-4, 3}}, []string{"losses: MultipleNegativesRanking: anchors (Int32)[4 3] must have a float dtype"}},
		{"MNRL scale 0", func(in []*Node) { MultipleNegativesRanking(in[0], in[0], WithScale(0)) },
			[][]int{{4, 3}}, []string{"losses: MultipleNegativesRanking: WithScale: scale 0 must be > 0 and finite"}},
		{"NTXent labels of the wrong size", func(in []*Node) { NTXent(in[0], in[1]) },
			[][]int{{4, 3}, {-5}}, []string{"losses: NTXent: labels (Int32)[5] do not match embeddings (Float32)[4 3] (want [4])"}},
		{"NTXent temperature NaN", func(in []*Node) { NTXent(in[0], in[1], WithTemperature(math.NaN())) },
			[][]int{{4, 3}, {-4}}, []string{"losses: NTXent: WithTemperature: temperature NaN must be > 0 and finite"}},
		{"NTXent margin does not apply", func(in []*Node) { NTXent(in[0], in[1], WithMargin(1)) },
			[][]int{{4, 3}, {-4}}, []string{"losses: NTXent: option WithMargin does not apply (valid: WithReduction, WithTemperature)"}},
		{"Contrastive target of the wrong shape", func(in []*Node) { Contrastive(in[0], in[1], in[2]) },
			[][]int{{4, 3}, {4, 3}, {3}}, []string{"losses: Contrastive: target (Float32)[3] does not match inputs (Float32)[4 3] (want [4])"}},
		{"Contrastive unknown distance", func(in []*Node) { Contrastive(in[0], in[1], in[2], WithDistance("manhattan")) },
			[][]int{{4, 3}, {4, 3}, {4}}, []string{`losses: Contrastive: WithDistance: unknown distance "manhattan" (valid: "euclidean", "cosine")`}},
		{"BatchHard labels rank 2", func(in []*Node) { BatchHardTriplet(in[0], in[1]) },
			[][]int{{4, 3}, {-4, 1}}, []string{"losses: BatchHardTriplet: labels (Int32)[4 1] do not match embeddings (Float32)[4 3]"}},
		{"BatchAll embeddings rank 3", func(in []*Node) { BatchAllTriplet(in[0], in[1]) },
			[][]int{{4, 3, 2}, {-4}}, []string{"losses: BatchAllTriplet: embeddings (Float32)[4 3 2] must be [batch, dim]"}},
		{"BatchSemiHard batchmean", func(in []*Node) { BatchSemiHardTriplet(in[0], in[1], WithReduction(ReductionBatchMean)) },
			[][]int{{4, 3}, {-4}}, []string{"losses: BatchSemiHardTriplet: reduction \"batchmean\" is only for KLDivLoss"}},
		{"CoSENT x2 of another shape", func(in []*Node) { CoSENT(in[0], in[1], in[2]) },
			[][]int{{4, 3}, {4, 2}, {4}}, []string{"losses: CoSENT: x2 (Float32)[4 2] and x1 (Float32)[4 3] must have the same shape"}},
		{"CoSENT reduction does not apply", func(in []*Node) { CoSENT(in[0], in[1], in[2], WithReduction(ReductionSum)) },
			[][]int{{4, 3}, {4, 3}, {4}}, []string{"losses: CoSENT: option WithReduction does not apply (valid: WithScale)"}},
		{"TripletMarginWithDistance margin 0", func(in []*Node) { TripletMarginWithDistance(in[0], in[0], in[0], WithMargin(0)) },
			[][]int{{4, 3}}, []string{"losses: TripletMarginWithDistance: margin 0 must be > 0"}},
		{"TripletMarginWithDistance negative of another shape", func(in []*Node) { TripletMarginWithDistance(in[0], in[0], in[1]) },
			[][]int{{4, 3}, {4, 2}}, []string{"losses: TripletMarginWithDistance: negative (Float32)[4 2] and anchor (Float32)[4 3] must have the same shape"}},
	} {
		msg := buildPanic(t, tc.f, tc.shapes...)
		if msg == "" {
			t.Errorf("%s: no panic", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: panic %q lacks %q", tc.name, msg, w)
			}
		}
	}
}

// TestMetricLearningNewErrors: the family's keyword arguments are checked by New, with one error each.
func TestMetricLearningNewErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args map[string]any
		want string
	}{
		{"MultipleNegativesRankingLoss", map[string]any{"scale": -1.0}, `"scale": scale -1 must be > 0 and finite`},
		{"NTXentLoss", map[string]any{"temperature": 0.0}, `"temperature": temperature 0 must be > 0 and finite`},
		{"BatchHardTripletLoss", map[string]any{"distance_metric": "l1"}, `"distance_metric": unknown distance "l1" (valid: "euclidean", "cosine")`},
		{"ContrastiveLoss", map[string]any{"distance_metric": 2.0}, `"distance_metric" must be a string, got 2 (float64)`},
		{"TripletMarginWithDistanceLoss", map[string]any{"distance_metric": "cosine"}, `unknown argument "distance_metric" (valid: distance_function`},
		{"CoSENTLoss", map[string]any{"reduction": "sum"}, `unknown argument "reduction" (valid: scale)`},
	} {
		_, err := New(tc.name, tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%q, %v) = %v, want an error containing %q", tc.name, tc.args, err, tc.want)
		}
	}
}

// TestMetricLearningProperties checks identities that tie the family to the rest of the catalogue, in float64.
func TestMetricLearningProperties(t *testing.T) {
	backend := backendForTest(t)
	a := [][]float64{{1, 0.5, -0.3}, {0.2, -1, 0.4}, {-0.7, 0.1, 0.9}, {0.3, 0.3, 0.3}}
	p := [][]float64{{0.9, 0.4, -0.1}, {0.1, -0.8, 0.6}, {-0.5, 0.3, 0.7}, {0.5, 0.2, 0.1}}
	labels := []int32{0, 1, 0, 1}
	for _, tc := range []struct {
		name string
		f    func(a, p *Node) (got, want *Node)
	}{
		// MNRL is CrossEntropy on the scaled cosine matrix with targets 0..N-1.
		{"MNRL = CE(scale·cos, arange)", func(a, p *Node) (*Node, *Node) {
			logits := MulScalar(cosineMatrix(a, p, normalizeEps), 7)
			return MultipleNegativesRanking(a, p, WithScale(7)), CrossEntropy(logits, Const(a.Graph(), []int32{0, 1, 2, 3}))
		}},
		// The symmetric loss of (a, p) equals that of (p, a) when there are no extra negatives (CLIP's symmetry).
		{"symmetric in its arguments", func(a, p *Node) (*Node, *Node) {
			return MultipleNegativesSymmetricRanking(a, p), MultipleNegativesSymmetricRanking(p, a)
		}},
		// NT-Xent with two views per example is the mean of the per-anchor CE over the other 2N-1 rows (SimCLR),
		// which holds here because each anchor has one positive.
		{"NT-Xent of pairs = SimCLR's CE", func(a, p *Node) (*Node, *Node) {
			x := Concatenate([]*Node{a, p}, 0) // rows i and i+4 are views of example i
			ids := Const(a.Graph(), []int32{0, 1, 2, 3, 0, 1, 2, 3})
			s := DivScalar(cosineMatrix(x, x, 1e-12), 0.5)
			s = Where(Diagonal(a.Graph(), 8), AddScalar(ZerosLike(s), -1e30), s) // no self-similarity
			targets := Const(a.Graph(), []int32{4, 5, 6, 7, 0, 1, 2, 3})
			return NTXent(x, ids, WithTemperature(0.5)), CrossEntropy(s, targets)
		}},
		{"Contrastive euclidean on y=1 is half the squared pairwise distance", func(a, p *Node) (*Node, *Node) {
			ones := OnesLike(ReduceSum(a, -1))
			d := rowDistance(a, p, DistanceEuclidean)
			return Contrastive(a, p, ones, WithDistance(DistanceEuclidean), WithReduction(ReductionSum)),
				MulScalar(ReduceAllSum(Mul(d, d)), 0.5)
		}},
		// TripletMarginWithDistance with the Euclidean distance is TripletMargin (p = 2, eps 1e-6).
		{"TripletMarginWithDistance = TripletMargin", func(a, p *Node) (*Node, *Node) {
			n := Sub(MulScalar(p, -0.5), MulScalar(a, 0.2))
			return TripletMarginWithDistance(a, p, n, WithSwap(true)), TripletMargin(a, p, n, WithSwap(true))
		}},
		// Batch-all's sum is the sum of the explicit triplet hinges over the valid triplets.
		{"BatchAll sum = Σ explicit triplets", func(a, _ *Node) (*Node, *Node) {
			ls := Const(a.Graph(), labels)
			var terms []*Node
			// valid (anchor, positive, negative) with labels 0 1 0 1: positives are i±2, negatives i±1, i±3.
			for _, trip := range [][3]int{{0, 2, 1}, {0, 2, 3}, {2, 0, 1}, {2, 0, 3}, {1, 3, 0}, {1, 3, 2}, {3, 1, 0}, {3, 1, 2}} {
				row := func(i int) *Node { return Slice(a, AxisRange(i, i+1)) }
				dp := distanceMatrix(Concatenate([]*Node{row(trip[0]), row(trip[1])}, 0), DistanceEuclidean)
				dn := distanceMatrix(Concatenate([]*Node{row(trip[0]), row(trip[2])}, 0), DistanceEuclidean)
				terms = append(terms, MaxScalar(AddScalar(Sub(ReduceAllMax(dp), ReduceAllMax(dn)), 1), 0))
			}
			return BatchAllTriplet(a, ls, WithMargin(1), WithReduction(ReductionSum)), ReduceAllSum(Stack(terms, 0))
		}},
	} {
		out := MustExecOnceN(backend, func(a, p *Node) []*Node {
			got, want := tc.f(a, p)
			return []*Node{got, want}
		}, a, p)
		got, want := flat64(out[0]), flat64(out[1])
		if ok, msg := closeTo(got, want, 1e-12, 1); !ok {
			t.Errorf("%s: %s", tc.name, msg)
		}
	}
}
