// Command paritycheck compares lossbook's losses with PyTorch on random cases: for a seed, gen_cases.py draws
// random shapes, options and inputs for every loss of the registry and evaluates them with PyTorch 1.13 in
// float64; paritycheck evaluates the same cases with losses.New and reports the worst relative errors of the
// values and gradients, per loss.
//
// Run from the repository root (needs Debian's python with torch, /usr/bin/python3):
//
//	go run ./losses/internal/paritycheck -seed 7
//	go run ./losses/internal/paritycheck -seed 7 -per-loss 50 -losses CrossEntropyLoss,KLDivLoss
//	go run ./losses/internal/paritycheck -cases build/parity/cases-7.json   # cases generated before
//
// It exits with status 1 if any case differs by more than -tol (default 1e-7) relative to the magnitude of the
// compared tensor, or if PyTorch refused a drawn case.
package main

import "github.com/lossbook/lossbook/losses/internal/paritycli"

// checker is the PyTorch oracle's parity check.
var checker = paritycli.Checker{
	Command:    "paritycheck",
	Oracle:     "PyTorch",
	Framework:  "",
	Script:     "losses/internal/paritycheck/gen_cases.py",
	CasesFile:  "cases-%d.json",
	Versions:   []string{"torch"},
	NameWidth:  26,
	Python:     "/usr/bin/python3",
	PythonHelp: "python with torch 1.13",
	LossesHelp: "comma-separated registry names (default: all)",
}

func main() { checker.Main() }
