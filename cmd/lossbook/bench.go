package main

import (
	"bufio"
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
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lossbook/lossbook/internal/bench"
	"github.com/lossbook/lossbook/lib"
)

func init() {
	register("bench", command{
		summary: "measure the CE, bag-of-embeddings and transformer workloads against PyTorch (see -h)",
		run:     runBench,
	})
}

// benchOptions are the flags of `lossbook bench`.
type benchOptions struct {
	workloads  string
	rounds     int
	seconds    float64
	warmup     int
	python     string
	script     string
	threads    int
	noTorch    bool
	small      bool
	kit        string
	torchBLAS  string
	cpuProfile string
	profSecs   float64
}

func runBench(args []string, stdout, stderr io.Writer) error {
	var o benchOptions
	fs := newFlags("bench")
	fs.StringVar(&o.workloads, "workloads", "ce,bag,transformer", "comma-separated workloads to run")
	fs.IntVar(&o.rounds, "rounds", 5, "rounds; each runs lossbook's steps and then PyTorch's (the order alternates)")
	fs.Float64Var(&o.seconds, "seconds", 2, "target seconds of steps per side and round (at least one step)")
	fs.IntVar(&o.warmup, "warmup", 2, "untimed steps per side before the rounds (lossbook's first one compiles)")
	fs.StringVar(&o.python, "python", "/usr/bin/python3", "Python with PyTorch (Debian's python3-torch)")
	fs.StringVar(&o.script, "script", "scripts/bench_torch.py", "PyTorch side of the benchmark")
	fs.IntVar(&o.threads, "threads", runtime.NumCPU(), "torch.set_num_threads")
	fs.BoolVar(&o.noTorch, "notorch", false, "measure lossbook only")
	fs.StringVar(&o.kit, "kit", "lossbook", `loss and optimizer: "lossbook" (lossbook's own) or "gomlx" (GoMLX v0.26's own, the baseline)`)
	fs.BoolVar(&o.small, "small", false, "toy sizes, to check the set-up end to end in seconds (the numbers mean nothing)")
	fs.StringVar(&o.torchBLAS, "torchblas", "", "directory put first in PyTorch's LD_LIBRARY_PATH to choose its libblas.so.3, "+
		"e.g. /usr/lib/x86_64-linux-gnu/blas for Debian's reference BLAS (default: the system's alternative)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "directory for a CPU profile of lossbook's steps per workload (<workload>.pprof)")
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
	if !positiveFinite(o.seconds) {
		return usagef("bench", "-seconds %g: want a positive, finite number of seconds", o.seconds)
	}
	if !positiveFinite(o.profSecs) {
		return usagef("bench", "-profileseconds %g: want a positive, finite number of seconds", o.profSecs)
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
	backend, err := lib.Backend()
	if err != nil {
		return err
	}
	if o.cpuProfile != "" {
		if err := os.MkdirAll(o.cpuProfile, 0o755); err != nil {
			return err
		}
	}

	var torch *torchProcess
	if !o.noTorch {
		if torch, err = startTorch(o, stderr); err != nil {
			return err
		}
		defer torch.close()
	}
	fmt.Fprintf(stdout, "lossbook bench: %d CPUs, GOMAXPROCS %d, backend %s, %s\n", runtime.NumCPU(),
		runtime.GOMAXPROCS(0), backend.Name(), kit.Name)
	if torch != nil {
		fmt.Fprintf(stdout, "torch %s with %d threads (%s %s), BLAS: %s\n", torch.version, torch.threads, o.python,
			o.script, strings.Join(torch.blas, " "))
	}
	fmt.Fprintf(stdout, "rounds %d, about %gs per side and round, %d warm-up steps; load average at start: %s\n",
		o.rounds, o.seconds, o.warmup, loadAverage())

	var results []benchResult
	for _, w := range workloads {
		r, err := measure(w, kit, torch, o, stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", w.Name, err)
		}
		results = append(results, r)
	}
	fmt.Fprintf(stdout, "load average at end: %s\n\n", loadAverage())
	printResults(stdout, results, torch != nil, o.small)
	return nil
}

// benchUsage is the head of `lossbook bench -h`: what it runs, with the workloads' own descriptions.
func benchUsage() string {
	var b strings.Builder
	b.WriteString("Usage: lossbook bench [flags]\n\n" +
		"Runs lossbook's benchmark workloads in lossbook and in PyTorch (-script), alternating, and prints the\n" +
		"median step times, the ratio torch/lossbook (above 1: lossbook is faster), whether each meets its target,\n" +
		"and the peak RSS of both sides. The workloads:\n")
	for _, w := range bench.Workloads() {
		fmt.Fprintf(&b, "  %-12s %s; target: %s\n", w.Name, w.Title, w.TargetText)
	}
	return b.String()
}

func positiveFinite(x float64) bool { return x > 0 && !math.IsInf(x, 1) }

// benchResult is one row of the table.
type benchResult struct {
	w                bench.Workload
	lossbook, torch  []float64 // seconds per step
	lossbookCPU      []float64 // CPU seconds per step (all threads)
	torchCPU         []float64
	peakRSS          int64 // lossbook's, bytes; -1 if unknown
	peakRSSWhole     bool  // peakRSS covers the whole process, not just this workload
	torchPeakRSS     int64
	lossbookLoss     float64
	torchLoss        float64
	lossbookPerRound int
	torchPerRound    int
}

func measure(w bench.Workload, kit bench.Kit, torch *torchProcess, o benchOptions, log io.Writer) (benchResult, error) {
	res := benchResult{w: w, peakRSS: -1}
	runtime.GC()
	debug.FreeOSMemory()
	res.peakRSSWhole = !resetPeakRSS()

	fmt.Fprintf(log, "bench %s: building and warming up lossbook\n", w.Name)
	runner, err := w.Prepare(lib.MustBackend(), kit)
	if err != nil {
		return res, err
	}
	defer runner.Close()
	var lastCPU float64
	lossbookStep := func() (float64, error) {
		start, startCPU := time.Now(), cpuSeconds()
		loss, err := runner.Step()
		res.lossbookLoss = loss
		lastCPU = cpuSeconds() - startCPU
		return time.Since(start).Seconds(), err
	}
	var warm float64
	for range o.warmup {
		if warm, err = lossbookStep(); err != nil {
			return res, err
		}
	}
	res.lossbookPerRound = stepsFor(o.seconds, warm)
	if torch != nil {
		fmt.Fprintf(log, "bench %s: building and warming up PyTorch\n", w.Name)
		if err := torch.setup(w); err != nil {
			return res, err
		}
		times, _, _, err := torch.run(o.warmup)
		if err != nil {
			return res, err
		}
		res.torchPerRound = stepsFor(o.seconds, times[len(times)-1])
	}

	for round := range o.rounds {
		lossbookFirst := round%2 == 0
		for side := range 2 {
			if (side == 0) == lossbookFirst {
				for range res.lossbookPerRound {
					t, err := lossbookStep()
					if err != nil {
						return res, err
					}
					res.lossbook = append(res.lossbook, t)
					res.lossbookCPU = append(res.lossbookCPU, lastCPU)
				}
				runtime.GC() // untimed: the collector must not run beside PyTorch's steps

			} else if torch != nil {
				times, cpu, loss, err := torch.run(res.torchPerRound)
				if err != nil {
					return res, err
				}
				res.torch = append(res.torch, times...)
				res.torchCPU = append(res.torchCPU, cpu...)
				res.torchLoss = loss
			}
		}
		fmt.Fprintf(log, "bench %s: round %d/%d: lossbook %.4fs, torch %.4fs (medians so far)\n", w.Name, round+1,
			o.rounds, bench.Median(res.lossbook), bench.Median(res.torch))
	}
	res.peakRSS = peakRSS()
	if torch != nil {
		res.torchPeakRSS = torch.peakRSS()
	}

	if o.cpuProfile != "" {
		path := filepath.Join(o.cpuProfile, w.Name+".pprof")
		f, err := os.Create(path)
		if err != nil {
			return res, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return res, err
		}
		steps := stepsFor(o.profSecs, bench.Median(res.lossbook))
		for range steps {
			if _, err := lossbookStep(); err != nil {
				pprof.StopCPUProfile()
				return res, err
			}
		}
		pprof.StopCPUProfile()
		fmt.Fprintf(log, "bench %s: CPU profile of %d steps in %s (go tool pprof -top %s)\n", w.Name, steps, path, path)
	}
	return res, nil
}

// stepsFor returns how many steps of the given duration fill the target seconds: at least 1, at most 100.
func stepsFor(target, step float64) int {
	return max(1, min(100, int(math.Round(target/step))))
}

// printResults prints the table; with small (toy sizes) no row is judged against its target.
func printResults(w io.Writer, results []benchResult, withTorch, small bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "workload\tlossbook\ttorch\ttorch/lossbook\ttarget\tmet\tlossbook peak RSS\ttorch peak RSS\tCPU s/step (lossbook, torch)\tsteps (lossbook, torch)")
	for _, r := range results {
		lb, th := bench.Median(r.lossbook), bench.Median(r.torch)
		ratio, met, torchCol := "-", "-", "-"
		if withTorch {
			torchCol = formatStep(th)
			ratio = fmt.Sprintf("%.2f", th/lb)
			met = "no"
			switch {
			case small:
				met = "- (-small)" // toy sizes: the targets are for the real ones
			case th/lb >= r.w.Target && (r.w.Target != 1 || th/lb > 1):
				met = "yes"
			}
		}
		rss := formatBytes(r.peakRSS)
		if r.peakRSSWhole {
			rss += " (whole run)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s (>= %.2f)\t%s\t%s\t%s\t%.3f, %.3f\t%d, %d\n", r.w.Name, formatStep(lb), torchCol,
			ratio, r.w.TargetText, r.w.Target, met, rss, formatBytes(r.torchPeakRSS), bench.Median(r.lossbookCPU),
			bench.Median(r.torchCPU), len(r.lossbook), len(r.torch))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nMedian seconds per step (steps/s in brackets); torch/lossbook = torch's median time / lossbook's; CPU s/step:\n"+
		"median CPU seconds per step of each process, all threads (on a shared machine, less noisy than wall time;\n"+
		"OpenMP threads that spin while waiting count too).")
	for _, r := range results {
		fmt.Fprintf(w, "  %-12s %s; last loss lossbook %.4f, torch %.4f\n", r.w.Name, r.w.Title, r.lossbookLoss, r.torchLoss)
	}
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

// peakRSS reads this process's peak resident set size (VmHWM) from /proc/self/status; -1 if unavailable.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
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

// torchProcess is scripts/bench_torch.py running with --serve.
type torchProcess struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Scanner
	version string
	threads int
	blas    []string
}

func startTorch(o benchOptions, stderr io.Writer) (*torchProcess, error) {
	if _, err := os.Stat(o.script); err != nil {
		return nil, fmt.Errorf("PyTorch script %s not found (run from the repository root, give -script, or -notorch): %w", o.script, err)
	}
	cmd := exec.Command(o.python, o.script, "--serve", "--threads", strconv.Itoa(o.threads))
	cmd.Stderr = stderr
	if o.torchBLAS != "" {
		cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+o.torchBLAS+string(os.PathListSeparator)+os.Getenv("LD_LIBRARY_PATH"))
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
		return nil, fmt.Errorf("starting %s %s (PyTorch comes from Debian's python3-torch): %w", o.python, o.script, err)
	}
	t := &torchProcess{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	t.out.Buffer(make([]byte, 1<<20), 1<<24)
	var info struct {
		Torch   string
		Threads int
		BLAS    []string
	}
	if err := t.call(map[string]any{"cmd": "info"}, &info); err != nil {
		t.close()
		return nil, err
	}
	t.version, t.threads, t.blas = info.Torch, info.Threads, info.BLAS
	return t, nil
}

// call sends one request and decodes the answer into resp.
func (t *torchProcess) call(req map[string]any, resp any) error {
	line, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := t.in.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("PyTorch process: %w", err)
	}
	if !t.out.Scan() {
		return fmt.Errorf("PyTorch process ended without answering %s (see its error above): %v", line, t.out.Err())
	}
	var e struct{ Error string }
	if err := json.Unmarshal(t.out.Bytes(), &e); err != nil {
		return fmt.Errorf("PyTorch process answered %q to %s: %w", t.out.Text(), line, err)
	}
	if e.Error != "" {
		return fmt.Errorf("PyTorch process: %s (request %s)", e.Error, line)
	}
	return json.Unmarshal(t.out.Bytes(), resp)
}

func (t *torchProcess) setup(w bench.Workload) error {
	var ok struct{ OK bool }
	return t.call(map[string]any{"cmd": "setup", "workload": w.Name, "config": w.Config}, &ok)
}

func (t *torchProcess) run(steps int) (times, cpu []float64, loss float64, err error) {
	var resp struct {
		Times, CPU []float64
		Loss       float64
	}
	if err := t.call(map[string]any{"cmd": "run", "steps": steps}, &resp); err != nil {
		return nil, nil, 0, err
	}
	if len(resp.Times) != steps || len(resp.CPU) != steps {
		return nil, nil, 0, fmt.Errorf("PyTorch process ran %d steps, asked for %d", len(resp.Times), steps)
	}
	return resp.Times, resp.CPU, resp.Loss, nil
}

func (t *torchProcess) peakRSS() int64 {
	var info struct {
		PeakRSS int64 `json:"peak_rss"`
	}
	if t.call(map[string]any{"cmd": "info"}, &info) != nil {
		return -1
	}
	return info.PeakRSS
}

func (t *torchProcess) close() {
	t.in.Close()
	_ = t.cmd.Wait()
}
