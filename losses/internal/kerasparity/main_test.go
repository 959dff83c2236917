package main

import (
	"io"
	"testing"

	"github.com/lossbook/lossbook/losses/internal/paritycli"
)

// TestSample runs the checker on a small committed sample (testdata/sample.json, made with
// `KERAS_BACKEND=jax build/kerasenv/bin/python losses/internal/kerasparity/gen_cases.py --seed 0 --per-loss 3
// --out losses/internal/kerasparity/testdata/sample.json`), so that go test exercises it without Python.
func TestSample(t *testing.T) {
	if err := checker.Run(paritycli.Options{Cases: "testdata/sample.json", Tol: 1e-7}, io.Discard); err != nil {
		t.Fatal(err)
	}
}
