package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/lossbook/lossbook/internal/bench"
	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/training"
)

func init() {
	register("bench", command{
		summary: "measure the CE, bag-of-embeddings and transformer workloads on each backend against PyTorch and JAX (see -h)",
		run:     runBench,
	})
}

// jaxVenvCommand creates the virtual environment that the JAX peer runs in (jax and jaxlib pinned: 0.8.1 is the
// release whose XLA is closest to the CPU plugin lossbook installs, PJRT C API 0.81).
const jaxVenvCommand = "python3 -m venv build/jaxenv && build/jaxenv/bin/pip install 'jax[cpu]==0.8.1'"

// benchOptions are the flags of `lossbook bench`.
type benchOptions struct {
	workloads  string
	backends   string
	rounds     int
	seconds    float64
	warmup     int
	python     string
	script     string
	jaxPython  string
	jaxScript  string
	threads    int
	noTorch    bool
	noJAX      bool
	small      bool
	kit        string
	torchBLAS  string
	maxLoad    float64
	maxOthers  float64
	sharedDir  string
	cpuProfile string
	profSecs   float64
}

func runBench(args []string, stdout, stderr io.Writer) error {
	var o benchOptions
	fs := newFlags("bench")
	fs.StringVar(&o.workloads, "workloads", "ce,bag,transformer", "comma-separated workloads to run")
	fs.StringVar(&o.backends, "backends", defaultBenchBackends(), `comma-separated lossbook backends, each run on every workload `+
		`("go", "xla:cpu", any GOMLX_BACKEND value, or xla:cpu/N for the CPU plugin with N devices instead of its 4; `+
		`default: "go", plus "xla:cpu" where its plugin is found)`)
	fs.IntVar(&o.rounds, "rounds", 6, "rounds; in each, every side runs the same number of steps, in an order reversed every round (keep it even)")
	fs.Float64Var(&o.seconds, "seconds", 2, "target seconds of steps per side and round, for the slowest side (at least one step)")
	fs.IntVar(&o.warmup, "warmup", 2, "untimed steps per side before the rounds, after compilation")
	fs.StringVar(&o.python, "python", "/usr/bin/python3", "Python with PyTorch (Debian's python3-torch)")
	fs.StringVar(&o.script, "script", "scripts/bench_torch.py", "PyTorch side of the benchmark")
	fs.StringVar(&o.jaxPython, "jaxpython", "build/jaxenv/bin/python", "Python with jax and jaxlib (create it with: "+jaxVenvCommand+")")
	fs.StringVar(&o.jaxScript, "jaxscript", "scripts/bench_jax.py", "JAX side of the benchmark")
	fs.IntVar(&o.threads, "threads", runtime.NumCPU(), "torch.set_num_threads")
	fs.BoolVar(&o.noTorch, "notorch", false, "leave PyTorch out")
	fs.BoolVar(&o.noJAX, "nojax", false, "leave JAX out (it is left out, with a line saying so, when -jaxpython is missing)")
	fs.StringVar(&o.kit, "kit", "lossbook", `loss and optimizer: "lossbook" (lossbook's own) or "gomlx" (GoMLX v0.26's own, the baseline)`)
	fs.BoolVar(&o.small, "small", false, "toy sizes, to check the set-up end to end in seconds (the numbers mean nothing)")
	fs.StringVar(&o.torchBLAS, "torchblas", "", "directory put first in PyTorch's LD_LIBRARY_PATH to choose its libblas.so.3, "+
		"e.g. /usr/lib/x86_64-linux-gnu/blas for Debian's reference BLAS (default: the system's alternative)")
	fs.Float64Var(&o.maxLoad, "maxload", 0.25, "refuse to start when the 1-minute load average per core is above this (other work would distort the times)")
	fs.Float64Var(&o.maxOthers, "maxothers", 0.2, "mark a round LOADED, and judge no target from it, when other processes used more than this many cores during it")
	fs.StringVar(&o.sharedDir, "shared", "", "keep each workload's inputs and initial weights here as <workload>.npz (default: a temporary folder, removed)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "directory for a CPU profile of lossbook's steps per workload and backend (<workload>-<backend>.pprof)")
	fs.Float64Var(&o.profSecs, "profileseconds", 5, "seconds of lossbook steps profiled per workload with -cpuprofile, after the rounds (at least one step)")
	if err := parseFlags(fs, args, benchUsage(), stdout); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("bench", "unexpected arguments %q", fs.Args())
	}
	if o.rounds < 1 || o.warmup < 1 {
		return usagef("bench", "-rounds %d and -warmup %d must be at least 1", o.rounds, o.warmup)
	}
	for _, f := range []struct {
		name, unit string
		v          float64
	}{{"-seconds", " of seconds", o.seconds}, {"-profileseconds", " of seconds", o.profSecs}, {"-maxload", "", o.maxLoad},
		{"-maxothers", " of cores", o.maxOthers}} {
		if !positiveFinite(f.v) {
			return usagef("bench", "%s %g: want a positive, finite number%s", f.name, f.v, f.unit)
		}
	}
	if o.threads < 1 {
		return usagef("bench", "-threads %d must be at least 1", o.threads)
	}
	kit, ok := bench.Kits()[o.kit]
	if !ok {
		return usagef("bench", `unknown -kit %q (valid: "lossbook", "gomlx")`, o.kit)
	}
	workloads, err := bench.Find(strings.Split(o.workloads, ","))
	if err != nil {
		return usagef("bench", "-workloads: %s", trimPackagePrefix(err.Error()))
	}
	if o.small {
		for i, w := range workloads {
			workloads[i] = w.Small()
		}
	}
	lbs, err := openBackends(o.backends)
	if err != nil {
		return err
	}
	if o.rounds%2 == 1 {
		fmt.Fprintf(stderr, "bench: -rounds %d is odd: the sides that run first in even rounds run first once more often\n", o.rounds)
	}
	if err := checkLoad(training.LoadAverage(), o.maxLoad, runtime.NumCPU()); err != nil {
		return err
	}
	if o.cpuProfile != "" {
		if err := os.MkdirAll(o.cpuProfile, 0o755); err != nil {
			return err
		}
	}
	sharedDir := o.sharedDir
	if sharedDir == "" {
		if sharedDir, err = os.MkdirTemp("", "lossbook-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(sharedDir)
	} else if err := os.MkdirAll(sharedDir, 0o755); err != nil {
		return err
	}

	// The peers: probed once for the header; each workload then gets a fresh process, so that its peak RSS is
	// the workload's.
	var peers []peerSpec
	var skipped []string
	if !o.noTorch {
		if _, err := os.Stat(o.script); err != nil {
			return fmt.Errorf("PyTorch script %s not found (run from the repository root, give -script, or -notorch): %w", o.script, err)
		}
		spec := peerSpec{name: "torch", python: o.python, script: o.script, args: []string{"--threads", strconv.Itoa(o.threads)}}
		if o.torchBLAS != "" {
			spec.env = []string{"LD_LIBRARY_PATH=" + o.torchBLAS + string(os.PathListSeparator) + os.Getenv("LD_LIBRARY_PATH")}
		}
		peers = append(peers, spec)
	}
	if !o.noJAX {
		if _, err := os.Stat(o.jaxPython); err != nil {
			skipped = append(skipped, fmt.Sprintf("jax: skipped: no Python at -jaxpython %s (create it with: %s; or give -nojax)",
				o.jaxPython, jaxVenvCommand))
		} else if _, err := os.Stat(o.jaxScript); err != nil {
			return fmt.Errorf("JAX script %s not found (run from the repository root, give -jaxscript, or -nojax): %w", o.jaxScript, err)
		} else {
			peers = append(peers, peerSpec{name: "jax", python: o.jaxPython, script: o.jaxScript})
		}
	}
	infos := make([]peerInfo, len(peers))
	for i, spec := range peers {
		p, err := startPeer(spec, stderr)
		if err != nil {
			return err
		}
		infos[i] = p.info
		p.close()
	}
	writeBenchHeader(stdout, o, kit, lbs, peers, infos, skipped)

	var results []*workloadResult
	for _, w := range workloads {
		r, err := measure(w, kit, lbs, peers, o, sharedDir, stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", w.Name, err)
		}
		results = append(results, r)
	}
	fmt.Fprintf(stdout, "load average at end: %s\n\n", loadAverage())
	blasKind := ""
	for i, spec := range peers {
		if spec.name == "torch" {
			blasKind = infos[i].BLASKind
		}
	}
	printResults(stdout, results, judgeContext{small: o.small, maxOthers: o.maxOthers, torchBLAS: blasKind})
	return nil
}

// checkLoad refuses a start at a 1-minute load average above maxLoad per core.
func checkLoad(load, maxLoad float64, cpus int) error {
	if limit := maxLoad * float64(cpus); load > limit {
		return fmt.Errorf("load average %.2f is above -maxload %g per core x %d cores = %.2f: other processes "+
			"would distort the times; run on an idle machine, or raise -maxload to measure anyway (rounds where others "+
			"use more than -maxothers cores are marked LOADED and not judged)", load, maxLoad, cpus, limit)
	}
	return nil
}

// defaultBenchBackends is "go", plus "xla:cpu" where its plugin is found and usable.
func defaultBenchBackends() string {
	if _, err := lib.Resolve("xla:cpu"); err == nil {
		return "go,xla:cpu"
	}
	return "go"
}

// lbBackend is one lossbook backend of the run.
type lbBackend struct {
	config  string // as given in -backends
	name    string // "lossbook go", "lossbook xla:cpu"
	backend backends.Backend
	choice  lib.Choice
	devices int // the device count asked of the XLA CPU plugin (xla:cpu/N); 0: its default
}

func openBackends(list string) ([]lbBackend, error) {
	var out []lbBackend
	for _, config := range strings.Split(list, ",") {
		config = strings.TrimSpace(config)
		if slices.ContainsFunc(out, func(b lbBackend) bool { return b.config == config }) {
			return nil, usagef("bench", "-backends names %q twice", config)
		}
		if base, n, ok := strings.Cut(config, "/"); ok { // "xla:cpu/1": the CPU plugin with n devices
			devices, err := strconv.Atoi(n)
			if base != "xla:cpu" || err != nil || devices < 1 {
				return nil, usagef("bench", "-backends: %q: only xla:cpu takes a device count, as xla:cpu/N with N >= 1", config)
			}
			choice, err := lib.Resolve(base)
			if err != nil {
				return nil, usagef("bench", "-backends: %s", trimPackagePrefix(err.Error()))
			}
			b, err := lib.NewXLAWithDevices(devices)
			if err != nil {
				return nil, err
			}
			out = append(out, lbBackend{config: config, name: "lossbook " + config, backend: b, choice: choice, devices: devices})
			continue
		}
		choice, err := lib.Resolve(config)
		if err != nil {
			return nil, usagef("bench", "-backends: %s", trimPackagePrefix(err.Error()))
		}
		b, err := lib.New(config)
		if err != nil {
			return nil, err
		}
		out = append(out, lbBackend{config: config, name: "lossbook " + config, backend: b, choice: choice})
	}
	return out, nil
}

// benchUsage is the head of `lossbook bench -h`: what it runs, with the workloads' own descriptions.
func benchUsage() string {
	var b strings.Builder
	b.WriteString("Usage: lossbook bench [flags]\n\n" +
		"Runs lossbook's benchmark workloads on each lossbook backend (-backends), in PyTorch (-script) and in JAX\n" +
		"(-jaxscript), every side on the same inputs and initial weights (exported from lossbook's first backend), the\n" +
		"same number of steps per round, in an order reversed every round. It prints each side's median step time and\n" +
		"CPU seconds per step, compile time apart, peak RSS per workload, the loss after the same steps on every side,\n" +
		"the ratio of step times within each round (median and range over the rounds), the load around each round,\n" +
		"and whether each target is met (never from -small sizes, LOADED rounds, or PyTorch on the reference BLAS).\n" +
		"The workloads:\n")
	for _, w := range bench.Workloads() {
		fmt.Fprintf(&b, "  %-12s %s; target: %s\n", w.Name, w.Title, w.TargetText)
	}
	return b.String()
}

func positiveFinite(x float64) bool { return x > 0 && !math.IsInf(x, 1) }

// writeBenchHeader says what runs where: the machine, each lossbook backend with its devices and threads, each
// peer with its library versions, BLAS and threads, and how the rounds run.
func writeBenchHeader(w io.Writer, o benchOptions, kit bench.Kit, lbs []lbBackend, peers []peerSpec, infos []peerInfo, skipped []string) {
	fmt.Fprintf(w, "lossbook bench: %d CPUs, GOMAXPROCS %d, %s, kit %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0),
		runtime.Version(), kit.Name)
	for _, b := range lbs {
		fmt.Fprintf(w, "%s: %s\n", b.name, backendThreads(b))
	}
	for i, spec := range peers {
		fmt.Fprintf(w, "%s: %s (%s %s)\n", spec.name, infos[i].Header, spec.python, spec.script)
		if spec.name == "torch" && infos[i].BLASKind != "openblas" && infos[i].BLASKind != "mkl" {
			fmt.Fprintf(w, "WARNING: PyTorch runs on the %s BLAS, not OpenBLAS: its times are shown but no target is judged "+
				"against it (install Debian's libopenblas0-pthread, or give -torchblas /usr/lib/x86_64-linux-gnu/openblas-pthread)\n",
				infos[i].BLASKind)
		}
	}
	for _, line := range skipped {
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "rounds %d (order reversed every round), about %gs per round for the slowest side, the same steps on "+
		"every side, %d warm-up steps after compiling; load average at start %s (refused above %.2f, -maxload); rounds "+
		"where other processes use more than %g cores are marked LOADED\n", o.rounds, o.seconds, o.warmup,
		loadAverage(), o.maxLoad*float64(runtime.NumCPU()), o.maxOthers)
}

// backendThreads says how many devices and threads a lossbook backend uses.
func backendThreads(b lbBackend) string {
	devices := b.backend.NumDevices()
	if p := b.choice.Plugin; p != nil {
		asked := "the plugin's default"
		if b.devices > 0 {
			asked = "cpu_device_count " + strconv.Itoa(b.devices)
		}
		return fmt.Sprintf("%s, plugin %s (PJRT C API %s); %d devices (%s), GoMLX runs on device 0 "+
			"only; threads: XLA's CPU thread pool, one per core (%d)", b.config, p.Path, cmp.Or(p.Version, "unknown"),
			devices, asked, runtime.NumCPU())
	}
	config := b.choice.Config
	if b.choice.Reason != "" {
		config += " (" + b.choice.Reason + ")"
	}
	return fmt.Sprintf("%s, %s; %d device; threads: up to GOMAXPROCS (%d) goroutines", config, b.backend.Description(),
		devices, runtime.GOMAXPROCS(0))
}

// side is one participant of a workload's rounds: a lossbook backend or a peer process.
type side struct {
	name    string
	runner  *bench.Runner // lossbook's
	peer    *peerProcess  // PyTorch's or JAX's
	compile float64       // seconds to compile (and, for lossbook, initialise the variables)
	params  int           // parameters of the model, as the side counts them

	losses           []float64 // every step's loss, warm-up included
	roundTime        []float64 // per round: median seconds per step
	roundCPU         []float64 // per round: median CPU seconds per step
	peakRSS, baseRSS int64
}

// run runs n steps and returns their wall and CPU seconds.
func (s *side) run(n int) (times, cpu []float64, err error) {
	if s.peer != nil {
		times, cpu, losses, err := s.peer.run(n)
		s.losses = append(s.losses, losses...)
		return times, cpu, err
	}
	for range n {
		start, startCPU := time.Now(), cpuSeconds()
		loss, err := s.runner.Step()
		if err != nil {
			return nil, nil, err
		}
		cpu = append(cpu, cpuSeconds()-startCPU)
		times = append(times, time.Since(start).Seconds())
		s.losses = append(s.losses, loss)
	}
	return times, cpu, nil
}

// roundRecord is what happened in one round.
type roundRecord struct {
	order     []string
	load      bench.Load
	idleSides float64 // the most cores that the waiting sides used during another side's turn
}

func sum(xs []float64) float64 {
	total := 0.0
	for _, x := range xs {
		total += x
	}
	return total
}

// workloadResult is everything measured on one workload.
type workloadResult struct {
	w          bench.Workload
	sides      []*side
	rounds     []roundRecord
	steps      int // per side and round
	warmup     int
	sharedFrom string
	sharedPath string
	rssWhole   bool // lossbook's peak RSS covers the whole run: the kernel's peak could not be reset
}

func measure(w bench.Workload, kit bench.Kit, lbs []lbBackend, peers []peerSpec, o benchOptions, sharedDir string,
	log io.Writer) (*workloadResult, error) {
	res := &workloadResult{w: w, warmup: o.warmup, sharedFrom: lbs[0].name}
	runtime.GC()
	debug.FreeOSMemory()
	res.rssWhole = !resetPeakRSS()
	baseRSS := procStatus("VmRSS")

	// lossbook's first backend makes the inputs and initial weights; every other side loads them.
	var shared *bench.Shared
	for _, b := range lbs {
		fmt.Fprintf(log, "bench %s: building and compiling on %s\n", w.Name, b.name)
		runner, err := w.PrepareWith(b.backend, kit, shared)
		if err != nil {
			return nil, err
		}
		defer runner.Close()
		start := time.Now()
		if err := runner.Compile(); err != nil {
			return nil, fmt.Errorf("%s: %w", b.name, err)
		}
		s := &side{name: b.name, runner: runner, compile: time.Since(start).Seconds(), baseRSS: baseRSS}
		if shared == nil {
			if shared, err = runner.Shared(); err != nil {
				return nil, err
			}
			res.sharedPath = filepath.Join(sharedDir, w.Name+".npz")
			if err := shared.WriteNPZ(res.sharedPath); err != nil {
				return nil, err
			}
		}
		for _, a := range shared.Weights {
			n := 1
			for _, d := range a.Shape {
				n *= d
			}
			s.params += n
		}
		res.sides = append(res.sides, s)
	}
	if w.LossbookOnly {
		peers = nil // the peers' scripts do not run it
	}
	for _, spec := range peers {
		fmt.Fprintf(log, "bench %s: starting %s\n", w.Name, spec.name)
		p, err := startPeer(spec, log)
		if err != nil {
			return nil, err
		}
		defer p.close()
		compile, params, err := p.setup(w, res.sharedPath)
		if err != nil {
			return nil, err
		}
		res.sides = append(res.sides, &side{name: spec.name, peer: p, compile: compile, params: params, baseRSS: p.info.BaseRSS})
	}
	names := make([]string, len(res.sides))
	for i, s := range res.sides {
		names[i] = s.name
	}

	fmt.Fprintf(log, "bench %s: %d warm-up steps per side\n", w.Name, o.warmup)
	warm := make([]float64, len(res.sides))
	for i, s := range res.sides {
		times, _, err := s.run(o.warmup)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		warm[i] = times[len(times)-1]
	}
	res.steps = bench.StepsPerRound(o.seconds, warm)

	for r := range o.rounds {
		order := bench.RoundOrder(names, r)
		rec := roundRecord{order: order, load: bench.Load{Before: training.LoadAverage()}, idleSides: -1}
		busy0, own0, peers0 := bench.MachineBusySeconds(), cpuSeconds(), peersCPU(res.sides)
		start := time.Now()
		for _, name := range order {
			s := res.sides[slices.Index(names, name)]
			lb0, p0, turn := cpuSeconds(), peersCPU(res.sides), time.Now()
			times, cpu, err := s.run(res.steps)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
			// The bench's other processes should be idle during this side's turn (a peer's OpenMP threads may spin).
			// Below half a second per turn the 10 ms ticks of /proc/<pid>/stat say nothing: not measured.
			if lb1, p1 := cpuSeconds(), peersCPU(res.sides); p0 >= 0 && p1 >= 0 && time.Since(turn) >= time.Second/2 {
				others := (lb1 - lb0) + (p1 - p0) - sum(cpu)
				rec.idleSides = max(rec.idleSides, others/time.Since(turn).Seconds())
			}
			if s.runner != nil {
				runtime.GC() // untimed: the collector must not run beside the next side's steps
			}
			s.roundTime = append(s.roundTime, training.Median(times))
			s.roundCPU = append(s.roundCPU, training.Median(cpu))
		}
		wall := time.Since(start).Seconds()
		busy1, own1, peers1 := bench.MachineBusySeconds(), cpuSeconds(), peersCPU(res.sides)
		rec.load.After = training.LoadAverage()
		rec.load.OthersCores = -1
		if busy0 >= 0 && busy1 >= 0 && peers0 >= 0 && peers1 >= 0 {
			rec.load.OthersCores = bench.OthersCores(busy1-busy0, (own1-own0)+(peers1-peers0), wall)
		}
		res.rounds = append(res.rounds, rec)
		var medians []string
		for _, s := range res.sides {
			medians = append(medians, fmt.Sprintf("%s %.4fs", s.name, s.roundTime[r]))
		}
		fmt.Fprintf(log, "bench %s: round %d/%d: %s; %s\n", w.Name, r+1, o.rounds, strings.Join(medians, ", "), rec.load)
	}
	lossbookPeak := procStatus("VmHWM")
	for _, s := range res.sides {
		if s.peer != nil {
			s.peakRSS, s.baseRSS = s.peer.peakRSS()
		} else {
			s.peakRSS = lossbookPeak
		}
	}

	if o.cpuProfile != "" {
		for _, s := range res.sides {
			if s.runner == nil {
				continue
			}
			name := strings.NewReplacer(":", "_", "/", "_", " ", "_").Replace(strings.TrimPrefix(s.name, "lossbook "))
			if err := profile(s, filepath.Join(o.cpuProfile, w.Name+"-"+name+".pprof"), training.Median(s.roundTime), o.profSecs, log); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

// profile writes a CPU profile of a lossbook side's steps (after the rounds: their losses are not compared).
func profile(s *side, path string, step, seconds float64, log io.Writer) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	steps := max(1, int(math.Round(seconds/step)))
	for range steps {
		if _, err := s.runner.Step(); err != nil {
			pprof.StopCPUProfile()
			return err
		}
	}
	pprof.StopCPUProfile()
	fmt.Fprintf(log, "bench: CPU profile of %d steps of %s in %s (go tool pprof -top %s)\n", steps, s.name, path, path)
	return nil
}

// peersCPU is the CPU seconds that the peer processes have used so far; -1 if any is unknown.
func peersCPU(sides []*side) float64 {
	total := 0.0
	for _, s := range sides {
		if s.peer == nil {
			continue
		}
		v := bench.ProcessCPUSeconds(s.peer.cmd.Process.Pid)
		if v < 0 {
			return -1
		}
		total += v
	}
	return total
}

// judgeContext holds what decides whether a target may be judged at all.
type judgeContext struct {
	small     bool
	maxOthers float64
	torchBLAS string // the BLAS kind PyTorch loaded, "" without PyTorch
}

// verdict says whether a ratio's rounds meet the target: "met (every round)", "met (median; lowest round
// 0.93)", "not met", or "not judged (why)". A target of exactly 1 ("faster") needs a ratio above 1.
func verdict(ratio bench.Spread, target float64, notJudged []string) string {
	if len(notJudged) > 0 {
		return "not judged (" + strings.Join(notJudged, "; ") + ")"
	}
	meets := func(x float64) bool { return x >= target && (target != 1 || x > 1) }
	switch {
	case meets(ratio.Min):
		return "met (every round)"
	case meets(ratio.Median):
		return fmt.Sprintf("met (median; lowest round %.2f)", ratio.Min)
	}
	return "not met"
}

// notJudged lists why no target of the workload may be judged: toy sizes, loaded rounds, and (for comparisons
// with PyTorch) a BLAS other than OpenBLAS or MKL.
func notJudged(r *workloadResult, j judgeContext, withTorch bool) []string {
	var why []string
	if j.small {
		why = append(why, "-small sizes")
	}
	loaded := 0
	for _, rec := range r.rounds {
		if rec.load.Loaded(j.maxOthers) {
			loaded++
		}
	}
	if loaded > 0 {
		why = append(why, fmt.Sprintf("%d of %d rounds LOADED", loaded, len(r.rounds)))
	}
	if withTorch && j.torchBLAS != "openblas" && j.torchBLAS != "mkl" {
		why = append(why, "PyTorch on the "+j.torchBLAS+" BLAS")
	}
	return why
}

// printResults prints, per workload: each side's times, CPU, compile time, memory and losses; the per-round
// ratios with their verdicts; and the rounds themselves.
func printResults(w io.Writer, results []*workloadResult, j judgeContext) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "workload\tside\tstep (median of rounds)\tCPU s/step (cores)\tcompile\tpeak RSS (at start)\tparams")
	for _, r := range results {
		for _, s := range r.sides {
			step, cpu := training.Median(s.roundTime), training.Median(s.roundCPU)
			rss := formatBytes(s.peakRSS)
			if s.peer == nil && sideCount(r, true) > 1 {
				rss += " (all lossbook backends)"
			}
			if s.peer == nil && r.rssWhole {
				rss += " (whole run)"
			}
			compile := "-"
			if s.compile >= 0 {
				compile = fmt.Sprintf("%.2fs", s.compile)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%.4f (%.2f)\t%s\t%s (%s)\t%d\n", r.w.Name, s.name, formatStep(step), cpu,
				cpu/step, compile, rss, formatBytes(s.baseRSS), s.params)
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "\nstep: the median over rounds of each round's median seconds per step (steps/s in brackets). CPU s/step:\n"+
		"the same for CPU seconds per step of the side's process, all threads (cores = CPU/wall; spinning OpenMP threads\n"+
		"count too). compile: building and compiling the step (lossbook: and initialising the variables; JAX: jit's\n"+
		"lower+compile; PyTorch: none), before the warm-up. peak RSS: per workload; lossbook's is its process's peak\n"+
		"(VmHWM, reset before each workload), its backends together; each peer runs every workload in a fresh\n"+
		"process (its VmHWM); at start: the RSS before the workload (a peer's after its imports).")

	fmt.Fprintln(w, "\nSame model, same data: the inputs and initial weights come from the first lossbook backend, and every side\n"+
		"runs the same steps; the loss after the first and after the last step on each side:")
	for _, r := range results {
		first, last := make([]string, len(r.sides)), make([]string, len(r.sides))
		worst := 0.0
		n := len(r.sides[0].losses)
		for i, s := range r.sides {
			first[i] = fmt.Sprintf("%s %.6f", s.name, s.losses[0])
			last[i] = fmt.Sprintf("%s %.6f", s.name, s.losses[len(s.losses)-1])
			if len(s.losses) != n {
				last[i] += fmt.Sprintf(" (after %d steps, not %d)", len(s.losses), n)
			}
			worst = max(worst, math.Abs(s.losses[0]-r.sides[0].losses[0]), math.Abs(s.losses[len(s.losses)-1]-r.sides[0].losses[n-1]))
		}
		fmt.Fprintf(w, "  %s step 1: %s\n  %s step %d: %s; largest difference from %s: %.2g\n", r.w.Name,
			strings.Join(first, ", "), strings.Repeat(" ", len(r.w.Name)), n, strings.Join(last, ", "), r.sharedFrom, worst)
	}

	fmt.Fprintln(w, "\nRatios of step times within each round (A/B = A's median step / B's; above 1: B is faster), median [range]:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range results {
		for _, lb := range r.sides {
			if lb.peer != nil {
				continue
			}
			for _, p := range r.sides {
				if p.peer == nil {
					continue
				}
				ratio := bench.SpreadOf(bench.RoundRatios(p.roundTime, lb.roundTime))
				target, targetText := 0.0, ""
				switch p.name {
				case "torch":
					target, targetText = r.w.Target, fmt.Sprintf("%s (>= %.2f)", r.w.TargetText, r.w.Target)
				case "jax":
					if r.w.JAXTarget > 0 && strings.HasPrefix(lb.name, "lossbook xla") {
						target, targetText = r.w.JAXTarget, fmt.Sprintf(">= %.2f", r.w.JAXTarget)
					}
				}
				line := fmt.Sprintf("%s\t%s/%s\t%s", r.w.Name, p.name, lb.name, ratio)
				if target > 0 {
					line += fmt.Sprintf("\ttarget %s: %s", targetText, verdict(ratio, target, notJudged(r, j, p.name == "torch")))
				}
				fmt.Fprintln(tw, line)
			}
		}
		var goSide, xlaSide *side
		for _, s := range r.sides {
			switch {
			case s.name == "lossbook go":
				goSide = s
			case s.name == "lossbook xla:cpu":
				xlaSide = s
			}
		}
		if goSide != nil && xlaSide != nil {
			ratio := bench.SpreadOf(bench.RoundRatios(goSide.roundTime, xlaSide.roundTime))
			line := fmt.Sprintf("%s\t%s/%s\t%s", r.w.Name, goSide.name, xlaSide.name, ratio)
			if r.w.XLASpeedup > 0 {
				line += fmt.Sprintf("\ttarget XLA >= %gx pure Go: %s", r.w.XLASpeedup, verdict(ratio, r.w.XLASpeedup, notJudged(r, j, false)))
			}
			fmt.Fprintln(tw, line)
		}
	}
	tw.Flush()

	fmt.Fprintln(w, "\nRounds (order; 1-minute load average before->after, which counts the bench's own threads; other processes'\n"+
		"CPU during the round, from /proc/stat less the bench's and its peers' own; waiting sides: the most CPU that the sides\n"+
		"not running used during another side's turn, e.g. spinning OpenMP threads):")
	for _, r := range results {
		for i, rec := range r.rounds {
			mark := ""
			if rec.load.Loaded(j.maxOthers) {
				mark = "  LOADED"
			}
			waiting := "unmeasured (turns under 0.5 s)"
			if rec.idleSides >= 0 {
				waiting = fmt.Sprintf("%.2f cores", rec.idleSides)
			}
			fmt.Fprintf(w, "  %s round %d: %d steps each, %s; %s; waiting sides %s%s\n", r.w.Name, i+1, r.steps,
				strings.Join(rec.order, " > "), rec.load, waiting, mark)
		}
	}
}

// sideCount counts the lossbook sides (lossbook true) or the peers.
func sideCount(r *workloadResult, lossbook bool) int {
	n := 0
	for _, s := range r.sides {
		if (s.peer == nil) == lossbook {
			n++
		}
	}
	return n
}

func formatStep(s float64) string {
	return fmt.Sprintf("%.4fs (%.2f/s)", s, 1/s)
}

func formatBytes(b int64) string {
	if b <= 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f MB", float64(b)/1e6)
}

// resetPeakRSS resets the kernel's peak resident set size of this process (VmHWM), so that the next reading
// covers only what follows. It reports whether it could.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// procStatus reads a memory field ("VmHWM", "VmRSS") of this process from /proc/self/status, in bytes; -1 if
// unavailable.
func procStatus(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return -1
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(data))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], " ")
}

// peerSpec says how to start a peer: scripts/bench_torch.py or scripts/bench_jax.py with --serve.
type peerSpec struct {
	name, python, script string
	args, env            []string
}

// peerInfo is a peer's answer to "info".
type peerInfo struct {
	Name, Version, Header string
	Threads, Devices      int
	BLASKind              string `json:"blas_kind"`
	PeakRSS               int64  `json:"peak_rss"`
	BaseRSS               int64  `json:"base_rss"`
}

// peerProcess is a peer script running with --serve.
type peerProcess struct {
	spec peerSpec
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Scanner
	info peerInfo
}

func startPeer(spec peerSpec, stderr io.Writer) (*peerProcess, error) {
	cmd := exec.Command(spec.python, append([]string{spec.script, "--serve"}, spec.args...)...)
	cmd.Stderr = stderr
	if len(spec.env) > 0 {
		cmd.Env = append(os.Environ(), spec.env...)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s %s (%s): %w", spec.python, spec.script, spec.name, err)
	}
	p := &peerProcess{spec: spec, cmd: cmd, in: in, out: bufio.NewScanner(out)}
	p.out.Buffer(make([]byte, 1<<20), 1<<24)
	if err := p.call(map[string]any{"cmd": "info"}, &p.info); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// call sends one request and decodes the answer into resp.
func (p *peerProcess) call(req map[string]any, resp any) error {
	line, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := p.in.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("%s process: %w", p.spec.name, err)
	}
	if !p.out.Scan() {
		return fmt.Errorf("%s process (%s %s) ended without answering %s (see its error above): %v", p.spec.name,
			p.spec.python, p.spec.script, line, p.out.Err())
	}
	var e struct{ Error string }
	if err := json.Unmarshal(p.out.Bytes(), &e); err != nil {
		return fmt.Errorf("%s process answered %q to %s: %w", p.spec.name, p.out.Text(), line, err)
	}
	if e.Error != "" {
		return fmt.Errorf("%s process: %s (request %s)", p.spec.name, e.Error, line)
	}
	return json.Unmarshal(p.out.Bytes(), resp)
}

// setup builds the workload from lossbook's inputs and initial weights; it returns the compile seconds the
// peer reports and its parameter count.
func (p *peerProcess) setup(w bench.Workload, shared string) (compile float64, params int, err error) {
	var resp struct {
		Compile float64
		Params  int
	}
	err = p.call(map[string]any{"cmd": "setup", "workload": w.Name, "config": w.Config, "shared": shared}, &resp)
	return resp.Compile, resp.Params, err
}

func (p *peerProcess) run(steps int) (times, cpu, losses []float64, err error) {
	var resp struct {
		Times, CPU, Losses []float64
	}
	if err := p.call(map[string]any{"cmd": "run", "steps": steps}, &resp); err != nil {
		return nil, nil, nil, err
	}
	if len(resp.Times) != steps || len(resp.CPU) != steps || len(resp.Losses) != steps {
		return nil, nil, nil, fmt.Errorf("%s process ran %d steps, asked for %d", p.spec.name, len(resp.Times), steps)
	}
	return resp.Times, resp.CPU, resp.Losses, nil
}

// peakRSS returns the peer process's peak RSS and its RSS after its imports; -1 where unknown.
func (p *peerProcess) peakRSS() (peak, base int64) {
	var info peerInfo
	if p.call(map[string]any{"cmd": "info"}, &info) != nil {
		return -1, -1
	}
	return info.PeakRSS, info.BaseRSS
}

func (p *peerProcess) close() {
	p.in.Close()
	_ = p.cmd.Wait()
}
