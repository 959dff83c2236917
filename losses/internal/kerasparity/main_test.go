package main

import "testing"

// TestSample runs the checker on a small committed sample (testdata/sample.json, made with
// `KERAS_BACKEND=jax build/kerasenv/bin/python losses/internal/kerasparity/gen_cases.py --seed 0 --per-loss 3
// --out losses/internal/kerasparity/testdata/sample.json`), so that go test exercises it without Python.
func TestSample(t *testing.T) {
	if err := run(0, 0, "", "testdata/sample.json", "", 1e-7, false); err != nil {
		t.Fatal(err)
	}
}
