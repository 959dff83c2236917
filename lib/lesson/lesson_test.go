package lesson

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestNumericGradient(t *testing.T) {
	// f = Σ x_ij³ has gradient 3 x_ij².
	f := func(x [][]float64) float64 {
		s := 0.0
		for _, r := range x {
			for _, v := range r {
				s += v * v * v
			}
		}
		return s
	}
	x := [][]float64{{1, -2}, {0.5, 3}}
	got := NumericGradient(f, x, 1e-6)
	want := [][]float64{{3, 12}, {0.75, 27}}
	if d := MaxAbsDiff(got, want); d > 1e-7 {
		t.Errorf("NumericGradient = %v, want %v (max diff %g)", got, want, d)
	}
	if x[0][1] != -2 || x[1][1] != 3 {
		t.Errorf("NumericGradient changed x: %v", x)
	}
}

func TestMaxAbsDiffShapes(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b [][]float64
	}{
		{"rows", [][]float64{{1}}, [][]float64{{1}, {2}}},
		{"columns", [][]float64{{1, 2}}, [][]float64{{1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("MaxAbsDiff(%v, %v) did not panic", tc.a, tc.b)
				}
			}()
			MaxAbsDiff(tc.a, tc.b)
		})
	}
}

func TestLinspace(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		n      int
		want   []float64
	}{
		{0, 1, 5, []float64{0, 0.25, 0.5, 0.75, 1}},
		{-6, 6, 3, []float64{-6, 0, 6}},
		{2, 3, 1, []float64{2}},
	} {
		got := Linspace(tc.lo, tc.hi, tc.n)
		if MaxAbsDiff([][]float64{got}, [][]float64{tc.want}) > 0 {
			t.Errorf("Linspace(%v, %v, %d) = %v, want %v", tc.lo, tc.hi, tc.n, got, tc.want)
		}
	}
}

func TestEntropyKL(t *testing.T) {
	for _, tc := range []struct {
		p, q        []float64
		entropy, kl float64
	}{
		{[]float64{0.5, 0.5}, []float64{0.5, 0.5}, math.Log(2), 0},
		{[]float64{1, 0}, []float64{0.5, 0.5}, 0, math.Log(2)},
		{[]float64{0.7, 0.2, 0.1}, []float64{0.2, 0.3, 0.5}, 0.8018185525433373,
			0.7*math.Log(0.7/0.2) + 0.2*math.Log(0.2/0.3) + 0.1*math.Log(0.1/0.5)},
	} {
		if got := Entropy(tc.p); math.Abs(got-tc.entropy) > 1e-15 {
			t.Errorf("Entropy(%v) = %v, want %v", tc.p, got, tc.entropy)
		}
		if got := KL(tc.p, tc.q); math.Abs(got-tc.kl) > 1e-15 {
			t.Errorf("KL(%v, %v) = %v, want %v", tc.p, tc.q, got, tc.kl)
		}
	}
	if got := KL([]float64{0.5, 0.5}, []float64{1, 0}); !math.IsInf(got, 1) {
		t.Errorf("KL where q = 0 < p = %v, want +Inf", got)
	}
}

func TestLogSoftmax(t *testing.T) {
	got := LogSoftmax([]float64{1000, 1000, 1000 + math.Log(2)})
	want := []float64{math.Log(0.25), math.Log(0.25), math.Log(0.5)}
	if d := MaxAbsDiff([][]float64{got}, [][]float64{want}); d > 1e-12 {
		t.Errorf("LogSoftmax = %v, want %v", got, want)
	}
}

func TestBigram(t *testing.T) {
	sentences := [][]string{{"the", "cat", "sat"}, {"The", "dog", "sat"}, {"a", "cat"}}
	m := NewBigram(sentences, 3, 0.5)
	// Words by frequency: cat 2, sat 2, the 2 (ties alphabetical), then a, dog outside a vocabulary of 3.
	if want := []string{Boundary, Unknown, "cat", "sat", "the"}; fmt.Sprint(m.Vocab) != fmt.Sprint(want) {
		t.Fatalf("Vocab = %v, want %v", m.Vocab, want)
	}
	prev, next := m.Pairs([][]string{{"the", "dog"}})
	if fmt.Sprint(prev, next) != "[0 4 1] [4 1 0]" {
		t.Errorf("Pairs = %v %v, want [0 4 1] [4 1 0]", prev, next)
	}
	// "the" is followed by cat once and <unk> (dog) once: (1 + 0.5) / (2 + 0.5·5).
	for _, tc := range []struct {
		prev, next int
		want       float64
	}{
		{m.ID("the"), m.ID("cat"), 1.5 / 4.5},
		{m.ID("the"), m.ID("dog"), 1.5 / 4.5},
		{m.ID("the"), m.ID("sat"), 0.5 / 4.5},
		{0, m.ID("the"), 2.5 / 5.5}, // sentences start with the, the, <unk>
		{m.ID("sat"), 0, 2.5 / 4.5},
	} {
		if got := math.Exp(m.LogProbs(tc.prev)[tc.next]); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("P(%s | %s) = %v, want %v", m.Vocab[tc.next], m.Vocab[tc.prev], got, tc.want)
		}
	}
	for prev := range m.Vocab {
		sum := 0.0
		for _, lp := range m.LogProbs(prev) {
			sum += math.Exp(lp)
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("P(· | %s) sums to %v", m.Vocab[prev], sum)
		}
	}
	uni, sum := m.Unigram(), 0.0
	for _, p := range uni {
		sum += p
	}
	if math.Abs(sum-1) > 1e-12 || math.Abs(uni[0]-(3+0.5)/(11+2.5)) > 1e-15 {
		t.Errorf("Unigram = %v (sum %v), want P(</s>) = %v", uni, sum, 3.5/13.5)
	}
}

func TestFitGaussian(t *testing.T) {
	xs := Linspace(-6, 6, 121)
	p := Mixture(0.5, Gaussian(xs, -2.5, 0.7), Gaussian(xs, 2.5, 0.7))
	fmu, fsigma, q := FitGaussian(xs, p, false)
	rmu, rsigma, _ := FitGaussian(xs, p, true)
	// Forward KL matches the moments on the grid: mean 0, and q's variance on the grid is p's (about 0.7² + 2.5²;
	// fsigma itself is larger, as the grid cuts q's tails).
	variance := func(d []float64) float64 {
		v := 0.0
		for i, x := range xs {
			v += d[i] * x * x
		}
		return v
	}
	if math.Abs(fmu) > 0.1 || math.Abs(variance(q)-variance(p)) > 0.05*variance(p) {
		t.Errorf("forward fit N(%v, %v) has variance %v on the grid, want mean 0 and p's %v", fmu, fsigma, variance(q),
			variance(p))
	}
	// Reverse KL picks one peak.
	if math.Abs(math.Abs(rmu)-2.5) > 0.1 || math.Abs(rsigma-0.7) > 0.15 {
		t.Errorf("reverse fit N(%v, %v), want about N(±2.5, 0.7)", rmu, rsigma)
	}
}

func ExampleKL() {
	p, q := []float64{0.9, 0.1}, []float64{0.5, 0.5}
	fmt.Printf("KL(p‖q) = %.4f, KL(q‖p) = %.4f, H(p) = %.4f\n", KL(p, q), KL(q, p), Entropy(p))
	// Output: KL(p‖q) = 0.3681, KL(q‖p) = 0.5108, H(p) = 0.3251
}

func TestBlobs(t *testing.T) {
	x, y := Blobs(3000, 42)
	x2, _ := Blobs(3000, 42)
	if MaxAbsDiff(x, x2) != 0 {
		t.Errorf("Blobs is not deterministic for a seed")
	}
	centres := [][2]float64{{0, 2}, {-2, -1}, {2, -1}}
	var sum [3][2]float64
	for i := range x {
		if y[i] != int32(i%3) {
			t.Fatalf("y[%d] = %d, want %d", i, y[i], i%3)
		}
		sum[y[i]][0] += x[i][0]
		sum[y[i]][1] += x[i][1]
	}
	for c := range centres {
		for d := range 2 {
			if mean := sum[c][d] / 1000; math.Abs(mean-centres[c][d]) > 0.1 {
				t.Errorf("class %d: mean of coordinate %d is %v, want about %v", c, d, mean, centres[c][d])
			}
		}
	}
}

func TestExpLog(t *testing.T) {
	got := Exp(Log([]float64{0.25, 1, 3}))
	if d := MaxAbsDiff([][]float64{got}, [][]float64{{0.25, 1, 3}}); d > 1e-15 {
		t.Errorf("Exp(Log(x)) = %v", got)
	}
	if l := Log([]float64{0}); !math.IsInf(l[0], -1) {
		t.Errorf("Log(0) = %v, want -Inf", l[0])
	}
}

func TestInt32s(t *testing.T) {
	if got := Int32s([]int{0, -100, 7}); fmt.Sprint(got) != "[0 -100 7]" {
		t.Errorf("Int32s = %v", got)
	}
}

func TestReadOptimTrace(t *testing.T) {
	trace, err := ReadOptimTrace("../../training/testdata/optim.json")
	if err != nil {
		t.Fatal(err)
	}
	if trace.TorchVersion == "" || len(trace.Problem.X) != 8 || len(trace.Problem.Weight) != 3 {
		t.Errorf("trace: torch %q, X %d rows, weight %d rows; want a version, 8 and 3", trace.TorchVersion,
			len(trace.Problem.X), len(trace.Problem.Weight))
	}
	names := map[string]bool{}
	for _, c := range trace.Cases {
		names[c.Name] = len(c.Trace) > 0 && len(c.Trace[0].Weight) == 6
	}
	for _, want := range []string{"GD", "SGD", "SGD momentum", "Adam", "AdamW"} {
		if !names[want] {
			t.Errorf("case %q missing or without a 6-weight trace", want)
		}
	}
	for _, bad := range []string{"lesson.go", "missing.json"} {
		if _, err := ReadOptimTrace(bad); err == nil {
			t.Errorf("ReadOptimTrace(%q) gave no error", bad)
		}
	}
}

// TestRepoPath: a notebook in the repository's notebooks/ reads the repository's files; one anywhere else reads
// those of the tree lesson was compiled from (here the working tree, under the kernel the module cache's copy).
func TestRepoPath(t *testing.T) {
	repo := t.TempDir()
	if err := os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module github.com/lossbook/lossbook\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GONB_DIR", filepath.Join(repo, "notebooks"))
	if got, want := RepoPath("training", "x.json"), filepath.Join(repo, "training", "x.json"); got != want {
		t.Errorf("RepoPath in the repository = %q, want %q", got, want)
	}
	t.Setenv("GONB_DIR", t.TempDir()) // a notebook outside the repository
	got := RepoPath("training", "testdata", "optim.json")
	if _, err := os.Stat(got); err != nil {
		t.Errorf("RepoPath outside the repository = %q, which cannot be read: %v", got, err)
	}
}

func TestEvenlySpaced(t *testing.T) {
	prev, next := []int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, []int32{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}
	for _, tc := range []struct {
		n    int
		want string
	}{{3, "[0 3 6] [10 13 16]"}, {5, "[0 2 4 6 8] [10 12 14 16 18]"}, {10, fmt.Sprint(prev, next)}, {20, fmt.Sprint(prev, next)}} {
		p, q := EvenlySpaced(prev, next, tc.n)
		if got := fmt.Sprint(p, q); got != tc.want {
			t.Errorf("EvenlySpaced(n=%d) = %s, want %s", tc.n, got, tc.want)
		}
	}
}
