package main

import (
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/lossbook/lossbook/internal/bench"
	"github.com/lossbook/lossbook/lib"
)

// TestBenchSmall runs `lossbook bench -small` end to end, with PyTorch when Debian's python3-torch is installed
// and JAX when build/jaxenv exists, and checks the report's sections. It checks the plumbing only: tests never
// judge times, and toy sizes are never judged against a target.
func TestBenchSmall(t *testing.T) {
	args := []string{"bench", "-small", "-rounds", "2", "-warmup", "1", "-seconds", "0.001", "-maxload", "1000",
		"-script", "../../scripts/bench_torch.py", "-jaxpython", "../../build/jaxenv/bin/python", "-jaxscript", "../../scripts/bench_jax.py"}
	withTorch := exec.Command("/usr/bin/python3", "-c", "import torch").Run() == nil
	if !withTorch {
		t.Log("no PyTorch at /usr/bin/python3 (Debian's python3-torch): measuring lossbook only")
		args = append(args, "-notorch")
	}
	_, err := os.Stat("../../build/jaxenv/bin/python")
	withJAX := err == nil
	var stdout, stderr bytes.Buffer
	if status := run(args, &stdout, &stderr); status != 0 {
		t.Fatalf("lossbook %s: status %d\n%s", strings.Join(args, " "), status, stderr.String())
	}
	out := stdout.String()
	t.Log(out)
	want := []string{"\nce ", "\nbag ", "\ntransformer ", "lossbook go: ", "CPU s/step (cores)", "peak RSS (at start)",
		"Same model, same data", "  bag step 1: lossbook go ", "Ratios of step times within each round",
		"  transformer round 2: 1 steps each, ", "load average at end"}
	if withTorch {
		want = append(want, "torch: torch ", "BLAS ", "torch/lossbook go ", "not judged (-small sizes")
	}
	if withJAX {
		want = append(want, "jax: jax 0.8.1", "device(s)", "jax/lossbook go ")
	} else {
		want = append(want, "jax: skipped: no Python at -jaxpython")
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
	if strings.Contains(out, ": met") {
		t.Errorf("a -small run says a target is met: toy sizes are never judged")
	}
}

func TestBenchErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"bench", "-workloads", "nope"}, `unknown workload "nope" (valid: [ce bag transformer mlm-dense mlm-sparse])`},
		{[]string{"bench", "-rounds", "0"}, "-rounds 0 and -warmup 2 must be at least 1"},
		{[]string{"bench", "extra"}, `unexpected arguments ["extra"]`},
		{[]string{"bench", "-maxothers", "0"}, "-maxothers 0: want a positive, finite number of cores"},
		{[]string{"bench", "-backends", "go,go"}, `-backends names "go" twice`},
		{[]string{"bench", "-backends", "tpu"}, `-backends: backend "tpu" names an unknown backend`},
		{[]string{"bench", "-small", "-maxload", "1000", "-script", "/nonexistent.py"}, "PyTorch script /nonexistent.py not found"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		if status := run(tc.args, &stdout, &stderr); status == 0 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("lossbook %s: status %d, stderr %q, want an error containing %q", strings.Join(tc.args, " "), status,
				stderr.String(), tc.want)
		}
	}
}

func TestCheckLoad(t *testing.T) {
	if err := checkLoad(0.4, 0.25, 2); err != nil {
		t.Errorf("load 0.4 on 2 cores at -maxload 0.25: %v", err)
	}
	err := checkLoad(10.5, 0.25, 2)
	if err == nil || !strings.Contains(err.Error(), "load average 10.50 is above -maxload 0.25 per core x 2 cores = 0.50") {
		t.Errorf("load 10.5 on 2 cores at -maxload 0.25: error %v", err)
	}
}

// TestBenchHeader checks that the header names each peer's BLAS and threads, warns about the reference BLAS, and
// says when JAX is skipped.
func TestBenchHeader(t *testing.T) {
	b, err := lib.New("go")
	if err != nil {
		t.Fatal(err)
	}
	choice, _ := lib.Resolve("go")
	lbs := []lbBackend{{config: "go", name: "lossbook go", backend: b, choice: choice}}
	o := benchOptions{rounds: 6, seconds: 2, warmup: 2, maxLoad: 0.25, maxOthers: 0.2}
	tests := []struct {
		name      string
		info      peerInfo
		want, not []string
	}{
		{"openblas", peerInfo{Header: "torch 1.13.0a0, 2 intra-op threads; BLAS openblas (libopenblasp-r0.3.21.so, 2 OpenBLAS threads); MKL no, oneDNN yes", BLASKind: "openblas"},
			[]string{"torch: torch 1.13.0a0, 2 intra-op threads; BLAS openblas", "rounds 6 (order reversed every round)",
				"lossbook go: ", "threads: up to GOMAXPROCS", "jax: skipped: no Python at -jaxpython"},
			[]string{"WARNING"}},
		{"reference", peerInfo{Header: "torch 1.13.0a0, 2 intra-op threads; BLAS reference (/usr/lib/x86_64-linux-gnu/blas/libblas.so.3)", BLASKind: "reference"},
			[]string{"WARNING: PyTorch runs on the reference BLAS, not OpenBLAS: its times are shown but no target is judged"},
			nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			writeBenchHeader(&buf, o, bench.LossbookKit(), lbs, []peerSpec{{name: "torch", python: "/usr/bin/python3", script: "s.py"}},
				[]peerInfo{tc.info}, []string{"jax: skipped: no Python at -jaxpython build/jaxenv/bin/python"})
			out := buf.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("header lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(out, n) {
					t.Errorf("header has %q:\n%s", n, out)
				}
			}
		})
	}
	if !strings.Contains(backendThreads(lbs[0]), "1 device") || runtime.NumCPU() < 1 {
		t.Errorf("backendThreads(go) = %q", backendThreads(lbs[0]))
	}
}

// TestVerdict checks that a target is judged from the per-round ratios, and never from toy sizes, loaded rounds
// or PyTorch on the reference BLAS.
func TestVerdict(t *testing.T) {
	spread := func(xs ...float64) bench.Spread { return bench.SpreadOf(xs) }
	tests := []struct {
		ratio  bench.Spread
		target float64
		why    []string
		want   string
	}{
		{spread(1.2, 1.1, 1.3, 1.25), 1, nil, "met (every round)"},
		{spread(1.2, 0.95, 1.3, 1.25), 1, nil, "met (median; lowest round 0.95)"},
		{spread(1.0, 1.0), 1, nil, "not met"}, // "faster" needs a ratio above 1
		{spread(0.7, 0.7), 1 / 1.5, nil, "met (every round)"},
		{spread(1.7, 1.7), 1, []string{"PyTorch on the reference BLAS"}, "not judged (PyTorch on the reference BLAS)"},
	}
	for _, tc := range tests {
		if got := verdict(tc.ratio, tc.target, tc.why); got != tc.want {
			t.Errorf("verdict(%v, %g, %v) = %q, want %q", tc.ratio, tc.target, tc.why, got, tc.want)
		}
	}

	loaded := bench.Load{OthersCores: 0.9}
	quiet := bench.Load{OthersCores: 0.05}
	r := &workloadResult{rounds: []roundRecord{{load: quiet}, {load: loaded}, {load: quiet}, {load: quiet}}}
	whyTests := []struct {
		j         judgeContext
		withTorch bool
		want      string
	}{
		{judgeContext{maxOthers: 0.2, torchBLAS: "openblas"}, true, "1 of 4 rounds LOADED"},
		{judgeContext{maxOthers: 1, torchBLAS: "openblas"}, true, ""},
		{judgeContext{maxOthers: 1, torchBLAS: "reference"}, true, "PyTorch on the reference BLAS"},
		{judgeContext{maxOthers: 1, torchBLAS: "reference"}, false, ""},
		{judgeContext{maxOthers: 1, torchBLAS: "openblas", small: true}, true, "-small sizes"},
	}
	for _, tc := range whyTests {
		if got := strings.Join(notJudged(r, tc.j, tc.withTorch), "; "); got != tc.want {
			t.Errorf("notJudged(%+v, torch %v) = %q, want %q", tc.j, tc.withTorch, got, tc.want)
		}
	}
}

// TestTorchPeerInfo checks what the PyTorch peer says of itself. It names the BLAS its sgemm_ binds to: with
// -torchblas pointing at Debian's reference BLAS it says "reference" although Debian's OpenBLAS LAPACK loads
// libopenblas beside it. And its peak RSS is its own: started from a process holding 600 MB more, it reports
// less than that (ru_maxrss would carry the spawning process's peak across exec).
func TestTorchPeerInfo(t *testing.T) {
	const reference = "/usr/lib/x86_64-linux-gnu/blas"
	if _, err := os.Stat(reference + "/libblas.so.3"); err != nil {
		t.Skipf("no Debian reference BLAS in %s (libblas3)", reference)
	}
	if exec.Command("/usr/bin/python3", "-c", "import torch").Run() != nil {
		t.Skip("no PyTorch at /usr/bin/python3 (Debian's python3-torch)")
	}
	ballast := make([]byte, 600<<20)
	for i := range ballast {
		ballast[i] = 1
	}
	var stderr bytes.Buffer
	p, err := startPeer(peerSpec{name: "torch", python: "/usr/bin/python3", script: "../../scripts/bench_torch.py",
		env: []string{"LD_LIBRARY_PATH=" + reference}}, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	defer p.close()
	if p.info.BLASKind != "reference" || !strings.Contains(p.info.Header, "sgemm_ from "+reference+"/libblas.so.3") {
		t.Errorf("PyTorch on the reference BLAS reports kind %q, header %q", p.info.BLASKind, p.info.Header)
	}
	// PyTorch itself takes about 240 MB: a peak above the ballast alone is this process's.
	if p.info.PeakRSS <= 0 || p.info.PeakRSS >= int64(len(ballast)) {
		t.Errorf("the peer's peak RSS is %d bytes, this process's RSS %d: not its own", p.info.PeakRSS, procStatus("VmRSS"))
	}
	runtime.KeepAlive(ballast)
}
