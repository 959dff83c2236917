package bench

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lossbook/lossbook/lib"
)

// readNPZ reads back what WriteNPZ wrote: the header dict of each member and its raw values.
func readNPZ(t *testing.T, path string) map[string]struct {
	header string
	raw    []byte
} {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string]struct {
		header string
		raw    []byte
	}{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte("\x93NUMPY\x01\x00")) {
			t.Fatalf("%s: no .npy v1.0 magic: % x", f.Name, data[:8])
		}
		n := int(binary.LittleEndian.Uint16(data[8:10]))
		if (10+n)%64 != 0 || data[10+n-1] != '\n' {
			t.Errorf("%s: header of %d bytes: the data does not start at a multiple of 64 after a newline", f.Name, n)
		}
		out[f.Name] = struct {
			header string
			raw    []byte
		}{strings.TrimSpace(string(data[10 : 10+n])), data[10+n:]}
	}
	return out
}

func TestWriteNPZ(t *testing.T) {
	s := &Shared{
		Inputs: []Array{{"tokens", []int{2, 3}, []int32{1, 2, 3, 4, 5, -6}}, {"mask", []int{2, 3}, []bool{true, false, true, true, true, false}}},
		Weights: []Array{{"output/dense/biases", []int{2}, []float32{0.5, -1.25}},
			{"scalarish", []int{1}, []float32{float32(math.Inf(-1))}}},
	}
	path := filepath.Join(t.TempDir(), "w.npz")
	if err := s.WriteNPZ(path); err != nil {
		t.Fatal(err)
	}
	got := readNPZ(t, path)
	tests := []struct {
		member, header string
		raw            []byte
	}{
		{"inputs/tokens.npy", "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }",
			[]byte{1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 0xfa, 0xff, 0xff, 0xff}},
		{"inputs/mask.npy", "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 3), }", []byte{1, 0, 1, 1, 1, 0}},
		{"weights/output/dense/biases.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
			[]byte{0, 0, 0, 0x3f, 0, 0, 0xa0, 0xbf}},
		{"weights/scalarish.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", []byte{0, 0, 0x80, 0xff}},
	}
	if len(got) != len(tests) {
		t.Errorf("%d members, want %d", len(got), len(tests))
	}
	for _, tc := range tests {
		m, ok := got[tc.member]
		if !ok {
			t.Errorf("no member %s", tc.member)
			continue
		}
		if m.header != tc.header || !bytes.Equal(m.raw, tc.raw) {
			t.Errorf("%s: header %q, data % x; want %q, % x", tc.member, m.header, m.raw, tc.header, tc.raw)
		}
	}
	bad := &Shared{Inputs: []Array{{"x", []int{3}, []float32{1, 2}}}}
	if err := bad.WriteNPZ(filepath.Join(t.TempDir(), "bad.npz")); err == nil || !strings.Contains(err.Error(), "2 values for shape [3]") {
		t.Errorf("WriteNPZ with 2 values for shape [3]: error %v", err)
	}
}

// TestPrepareWithShared checks that a runner prepared from another's Shared trains the same model: the same loss
// at every step (same backend, so bit for bit), and that a Shared of another model is refused.
func TestPrepareWithShared(t *testing.T) {
	for _, w := range Workloads() {
		t.Run(w.Name, func(t *testing.T) {
			w := w.Small()
			a, err := w.Prepare(lib.MustBackend(), LossbookKit())
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			shared, err := a.Shared()
			if err != nil {
				t.Fatal(err)
			}
			if w.Name != "ce" && len(shared.Weights) == 0 {
				t.Fatal("no weights shared")
			}
			b, err := w.PrepareWith(lib.MustBackend(), LossbookKit(), shared)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			for step := range 5 {
				la, errA := a.Step()
				lb, errB := b.Step()
				if errA != nil || errB != nil {
					t.Fatal(errA, errB)
				}
				if la != lb {
					t.Errorf("step %d: loss %g from the original, %g from its shared copy", step+1, la, lb)
				}
			}
		})
	}
	bag, transformer := Workloads()[1].Small(), Workloads()[2].Small()
	r, err := transformer.Prepare(lib.MustBackend(), LossbookKit())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	shared, err := r.Shared()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bag.PrepareWith(lib.MustBackend(), LossbookKit(), shared); err == nil ||
		!strings.Contains(err.Error(), "shared input tokens [4 10], want tokens [6 12]") {
		t.Errorf("bag from the transformer's Shared: error %v", err)
	}
	bag2, err := bag.Prepare(lib.MustBackend(), LossbookKit())
	if err != nil {
		t.Fatal(err)
	}
	defer bag2.Close()
	bagShared, _ := bag2.Shared()
	bagShared.Weights = bagShared.Weights[1:]
	b3, err := bag.PrepareWith(lib.MustBackend(), LossbookKit(), bagShared)
	if err != nil {
		t.Fatal(err)
	}
	defer b3.Close()
	if err := b3.Compile(); err == nil || !strings.Contains(err.Error(), "shared weights lack the model's variable embeddings/embeddings") {
		t.Errorf("bag without its embeddings: error %v", err)
	}
}

// TestPeersTrainTheSameModel is the identical-weights check: PyTorch (and JAX, where build/jaxenv exists) load
// lossbook's inputs and initial weights from the .npz and train 15 steps; their losses match lossbook's at every
// step. It checks that the peers' models, losses and Adam are lossbook's: the benchmark compares the same work.
func TestPeersTrainTheSameModel(t *testing.T) {
	peers := []struct{ name, python, script string }{
		{"torch", "/usr/bin/python3", "../../scripts/bench_torch.py"},
		{"jax", "../../build/jaxenv/bin/python", "../../scripts/bench_jax.py"},
	}
	const steps = 15
	// float32 throughout, summed in different orders: the transformer's 15 steps drift the most.
	const tolerance = 1e-4
	for _, w := range Workloads() {
		if w.LossbookOnly {
			continue
		}
		w := w.Small()
		r, err := w.Prepare(lib.MustBackend(), LossbookKit())
		if err != nil {
			t.Fatal(err)
		}
		shared, err := r.Shared()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), w.Name+".npz")
		if err := shared.WriteNPZ(path); err != nil {
			t.Fatal(err)
		}
		var want []float64
		for range steps {
			loss, err := r.Step()
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, loss)
		}
		r.Close()
		config, _ := json.Marshal(w.Config)
		for _, p := range peers {
			t.Run(p.name+"/"+w.Name, func(t *testing.T) {
				if _, err := os.Stat(p.python); err != nil {
					t.Skipf("no %s (see scripts/bench_jax.py for the virtual environment)", p.python)
				}
				if p.name == "torch" && exec.Command(p.python, "-c", "import torch").Run() != nil {
					t.Skip("no PyTorch at /usr/bin/python3 (Debian's python3-torch)")
				}
				out, err := exec.Command(p.python, p.script, "--workload", w.Name, "--config", string(config), "--shared", path,
					"--steps", strconv.Itoa(steps), "--json").Output()
				if err != nil {
					t.Fatalf("%s %s: %v\n%s", p.python, p.script, err, out)
				}
				var got struct{ Losses []float64 }
				if err := json.Unmarshal(out, &got); err != nil || len(got.Losses) != steps {
					t.Fatalf("%s answered %q: %v", p.script, out, err)
				}
				for i := range steps {
					if math.Abs(got.Losses[i]-want[i]) > tolerance {
						t.Errorf("step %d: %s loss %.6f, lossbook %.6f", i+1, p.name, got.Losses[i], want[i])
					}
				}
				t.Logf("losses match to %g over %d steps: first %.6f, last %.6f", tolerance, steps, want[0], want[steps-1])
			})
		}
	}
}
