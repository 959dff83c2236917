// Command kerasparity compares lossbook's Keras losses (losses.NewKeras) with Keras 3 on random cases, as
// paritycheck does for PyTorch: for a seed, gen_cases.py draws random shapes, arguments, sample weights and
// inputs for every Keras loss and evaluates them with Keras 3 on JAX in float64; kerasparity evaluates the same
// cases with losses.NewKeras and reports the worst relative errors of the values and gradients, per loss.
//
// Run from the repository root (needs the Keras environment: make kerasenv):
//
//	go run ./losses/internal/kerasparity -seed 7
//	go run ./losses/internal/kerasparity -seed 7 -per-loss 50 -losses CategoricalCrossentropy,Dice
//	go run ./losses/internal/kerasparity -cases build/parity/keras-cases-7.json   # cases generated before
//
// It exits with status 1 if any case differs by more than -tol (default 1e-7) relative to the magnitude of the
// compared tensor, or if Keras refused a drawn case.
package main

import (
	"flag"
	"fmt"
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

func main() {
	seed := flag.Int("seed", 1, "random seed of the cases")
	perLoss := flag.Int("per-loss", 20, "random cases per loss")
	only := flag.String("losses", "", "comma-separated Keras class names (default: all)")
	casesPath := flag.String("cases", "", "read these cases instead of generating them")
	python := flag.String("python", "build/kerasenv/bin/python", "python with Keras 3 and JAX (make kerasenv)")
	tol := flag.Float64("tol", 1e-7, "tolerance, relative to the magnitude of each compared tensor")
	verbose := flag.Bool("v", false, "print every case")
	flag.Parse()
	if err := run(*seed, *perLoss, *only, *casesPath, *python, *tol, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "kerasparity:", err)
		os.Exit(1)
	}
}

func run(seed, perLoss int, only, casesPath, python string, tol float64, verbose bool) error {
	if casesPath == "" {
		root, err := repoRoot()
		if err != nil {
			return err
		}
		casesPath = filepath.Join(root, "build", "parity", fmt.Sprintf("keras-cases-%d.json", seed))
		script := filepath.Join(root, "losses", "internal", "kerasparity", "gen_cases.py")
		args := []string{script, "--seed", strconv.Itoa(seed), "--per-loss", strconv.Itoa(perLoss), "--out", casesPath}
		if only != "" {
			args = append(args, "--losses", only)
		}
		if !filepath.IsAbs(python) {
			python = filepath.Join(root, python)
		}
		cmd := exec.Command(python, args...)
		cmd.Env = append(os.Environ(), "KERAS_BACKEND=jax")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("generating cases with %s %s (create the environment with make kerasenv): %w", python,
				strings.Join(args, " "), err)
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
	fmt.Printf("kerasparity: %d cases from %s (keras %v, jax %v, seed %v), tolerance %g relative, float64\n",
		len(file.Cases), casesPath, file.Provenance["keras"], file.Provenance["jax"], file.Provenance["seed"], tol)
	perName := map[string]*parity.Summary{}
	var failures []string
	for _, c := range file.Cases {
		if c.Framework != "keras" {
			return fmt.Errorf("case %s: framework %q, want \"keras\"", c.Name, c.Framework)
		}
		s := perName[c.Loss]
		if s == nil {
			s = &parity.Summary{Loss: c.Loss}
			perName[c.Loss] = s
		}
		s.Cases++
		var one parity.Summary
		msg := parity.CheckSummary(backend, c, dtypes.Float64, tol, noiseFloor, &one)
		s.WorstValue, s.WorstGrad = max(s.WorstValue, one.WorstValue), max(s.WorstGrad, one.WorstGrad)
		if msg != "" {
			s.Failed = append(s.Failed, c.Name)
			failures = append(failures, fmt.Sprintf("%s %v: %s", c.Name, c.Kwargs, msg))
		}
		if verbose {
			fmt.Printf("  %-38s value %-9.3g gradient %-9.3g %v %s\n", c.Name, one.WorstValue, one.WorstGrad, c.Kwargs, msg)
		}
	}
	names := make([]string, 0, len(perName))
	for name := range perName {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Printf("%-36s %6s %7s %14s %14s\n", "loss", "cases", "failed", "worst value", "worst gradient")
	total, failed := 0, 0
	for _, name := range names {
		s := perName[name]
		total += s.Cases
		failed += len(s.Failed)
		fmt.Printf("%-36s %6d %7d %14.3g %14.3g\n", name, s.Cases, len(s.Failed), s.WorstValue, s.WorstGrad)
	}
	for _, f := range failures {
		fmt.Println("FAIL", f)
	}
	skipped, _ := file.Provenance["skipped"].([]any)
	for _, s := range skipped {
		fmt.Println("REFUSED BY KERAS", s)
	}
	fmt.Printf("kerasparity: %d/%d cases agree", total-failed, total)
	if len(skipped) > 0 {
		fmt.Printf(", %d drawn cases refused by Keras", len(skipped))
	}
	fmt.Println()
	if failed > 0 || len(skipped) > 0 {
		return fmt.Errorf("%d cases differ, %d refused", failed, len(skipped))
	}
	return nil
}

// noiseFloor is the smallest magnitude errors are relative to (as paritycheck's): a value or gradient that is 0
// in exact arithmetic comes out as rounding noise on both sides and is not compared relative to its own noise.
const noiseFloor = 1e-6

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
