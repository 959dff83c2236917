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

import "github.com/lossbook/lossbook/losses/internal/paritycli"

// checker is the Keras oracle's parity check.
var checker = paritycli.Checker{
	Command:    "kerasparity",
	Oracle:     "Keras",
	Framework:  "keras",
	Script:     "losses/internal/kerasparity/gen_cases.py",
	CasesFile:  "keras-cases-%d.json",
	Env:        []string{"KERAS_BACKEND=jax"},
	Versions:   []string{"keras", "jax"},
	NameWidth:  36,
	Python:     "build/kerasenv/bin/python",
	PythonHelp: "python with Keras 3 and JAX (make kerasenv)",
	LossesHelp: "comma-separated Keras class names (default: all)",
	Setup:      "create the environment with make kerasenv",
}

func main() { checker.Main() }
