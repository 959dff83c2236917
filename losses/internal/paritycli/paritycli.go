// Package paritycli is the random parity checker behind the commands paritycheck (lossbook's losses against
// PyTorch 1.13) and kerasparity (its Keras losses against Keras 3 on JAX): for a seed, the oracle's gen_cases.py
// draws random shapes, options and inputs for every loss and evaluates them in float64; the checker evaluates the
// same cases with package parity and reports the worst relative errors of the values and gradients, per loss.
//
// A command is a Checker, which says what differs between the oracles (the script, its Python, the case file's
// name, the provenance it prints); the flags, the comparison and the report are the same for both.
package paritycli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"

	"github.com/lossbook/lossbook/lib"
	"github.com/lossbook/lossbook/losses/parity"
)

// Checker is one oracle's parity command.
type Checker struct {
	Command   string   // the command's name, which starts its report and errors: "paritycheck"
	Oracle    string   // the oracle's name in the report: "PyTorch"
	Framework string   // parity.Case.Framework of the oracle's cases: "" for PyTorch, "keras"
	Script    string   // the case generator, relative to the repository root
	CasesFile string   // the generated cases' file name under build/parity, with a %d for the seed
	Env       []string // the generator's environment, beyond this process's: "KERAS_BACKEND=jax"
	Versions  []string // the provenance entries the report's first line names: "torch"
	NameWidth int      // the width of the report's loss column (a case's line, with -v, is 2 wider)

	Python     string // the default of -python: the oracle's interpreter
	PythonHelp string // what -python needs
	LossesHelp string // what -losses takes
	Setup      string // how to set the oracle up, said when the generator fails ("" if nothing to say)
}

// Options are a check's settings: Main's flags.
type Options struct {
	Seed    int     // -seed: random seed of the cases
	PerLoss int     // -per-loss: random cases per loss
	Losses  string  // -losses: comma-separated names (default: all)
	Cases   string  // -cases: read these cases instead of generating them
	Python  string  // -python: the oracle's interpreter (a relative path with a directory is from the repository)
	Tol     float64 // -tol: tolerance, relative to the magnitude of each compared tensor
	Verbose bool    // -v: print every case
}

// noiseFloor is the smallest magnitude errors are relative to: a value or gradient that is 0 in exact arithmetic
// (the cosine loss of 1-D vectors, say) comes out as rounding noise of ~1e-13 on both sides, and is not compared
// relative to its own noise.
const noiseFloor = 1e-6

// Main parses the command line, runs the check and exits with status 1 if it fails.
func (ch Checker) Main() {
	var o Options
	flag.IntVar(&o.Seed, "seed", 1, "random seed of the cases")
	flag.IntVar(&o.PerLoss, "per-loss", 20, "random cases per loss")
	flag.StringVar(&o.Losses, "losses", "", ch.LossesHelp)
	flag.StringVar(&o.Cases, "cases", "", "read these cases instead of generating them")
	flag.StringVar(&o.Python, "python", ch.Python, ch.PythonHelp)
	flag.Float64Var(&o.Tol, "tol", 1e-7, "tolerance, relative to the magnitude of each compared tensor")
	flag.BoolVar(&o.Verbose, "v", false, "print every case")
	flag.Parse()
	if err := ch.Run(o, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", ch.Command, err)
		os.Exit(1)
	}
}

// Run checks the cases of o.Cases, or generates them first (into build/parity), and writes the report to w. It
// fails if any case differs by more than o.Tol, or if the oracle refused a drawn case.
func (ch Checker) Run(o Options, w io.Writer) error {
	casesPath := o.Cases
	if casesPath == "" {
		var err error
		if casesPath, err = ch.generate(o); err != nil {
			return err
		}
	}
	file, err := parity.Load(casesPath)
	if err != nil {
		return err
	}
	backend, err := lib.Backend()
	if err != nil {
		return err
	}
	var versions []string
	for _, v := range ch.Versions {
		versions = append(versions, fmt.Sprintf("%s %v", v, file.Provenance[v]))
	}
	fmt.Fprintf(w, "%s: %d cases from %s (%s, seed %v), tolerance %g relative, float64\n", ch.Command,
		len(file.Cases), casesPath, strings.Join(versions, ", "), file.Provenance["seed"], o.Tol)
	perName := map[string]*parity.Summary{}
	var failures []string
	for _, c := range file.Cases {
		if c.Framework != ch.Framework {
			return fmt.Errorf("case %s: framework %q, want %q", c.Name, c.Framework, ch.Framework)
		}
		s := perName[c.Loss]
		if s == nil {
			s = &parity.Summary{Loss: c.Loss}
			perName[c.Loss] = s
		}
		s.Cases++
		var one parity.Summary
		msg := parity.CheckSummary(backend, c, dtypes.Float64, o.Tol, noiseFloor, &one)
		s.WorstValue, s.WorstGrad = max(s.WorstValue, one.WorstValue), max(s.WorstGrad, one.WorstGrad)
		if msg != "" {
			s.Failed = append(s.Failed, c.Name)
			failures = append(failures, fmt.Sprintf("%s %v: %s", c.Name, c.Kwargs, msg))
		}
		if o.Verbose {
			fmt.Fprintf(w, "  %-*s value %-9.3g gradient %-9.3g %v %s\n", ch.NameWidth+2, c.Name, one.WorstValue,
				one.WorstGrad, c.Kwargs, msg)
		}
	}
	names := make([]string, 0, len(perName))
	for name := range perName {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "%-*s %6s %7s %14s %14s\n", ch.NameWidth, "loss", "cases", "failed", "worst value",
		"worst gradient")
	total, failed := 0, 0
	for _, name := range names {
		s := perName[name]
		total += s.Cases
		failed += len(s.Failed)
		fmt.Fprintf(w, "%-*s %6d %7d %14.3g %14.3g\n", ch.NameWidth, name, s.Cases, len(s.Failed), s.WorstValue,
			s.WorstGrad)
	}
	for _, f := range failures {
		fmt.Fprintln(w, "FAIL", f)
	}
	skipped, _ := file.Provenance["skipped"].([]any)
	for _, s := range skipped {
		fmt.Fprintln(w, "REFUSED BY "+strings.ToUpper(ch.Oracle), s)
	}
	fmt.Fprintf(w, "%s: %d/%d cases agree", ch.Command, total-failed, total)
	if len(skipped) > 0 {
		fmt.Fprintf(w, ", %d drawn cases refused by %s", len(skipped), ch.Oracle)
	}
	fmt.Fprintln(w)
	if failed > 0 || len(skipped) > 0 {
		return fmt.Errorf("%d cases differ, %d refused", failed, len(skipped))
	}
	return nil
}

// generate runs the oracle's script for o and returns the path of the cases it wrote.
func (ch Checker) generate(o Options) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	casesPath := filepath.Join(root, "build", "parity", fmt.Sprintf(ch.CasesFile, o.Seed))
	args := []string{filepath.Join(root, ch.Script), "--seed", strconv.Itoa(o.Seed), "--per-loss",
		strconv.Itoa(o.PerLoss), "--out", casesPath}
	if o.Losses != "" {
		args = append(args, "--losses", o.Losses)
	}
	python := o.Python
	if !filepath.IsAbs(python) && strings.ContainsRune(python, filepath.Separator) {
		python = filepath.Join(root, python)
	}
	cmd := exec.Command(python, args...)
	if len(ch.Env) > 0 {
		cmd.Env = append(os.Environ(), ch.Env...)
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		setup := ""
		if ch.Setup != "" {
			setup = " (" + ch.Setup + ")"
		}
		return "", fmt.Errorf("generating cases with %s %s%s: %w", python, strings.Join(args, " "), setup, err)
	}
	return casesPath, nil
}

// repoRoot finds the directory of go.mod above the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory: run from the repository")
		}
		dir = parent
	}
}
