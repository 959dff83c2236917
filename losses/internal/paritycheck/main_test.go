package main

import "testing"

// TestSample runs the checker on a small committed sample (testdata/sample.json, made with
// `/usr/bin/python3 losses/internal/paritycheck/gen_cases.py --seed 0 --per-loss 2 --out
// losses/internal/paritycheck/testdata/sample.json`), so that go test exercises it without Python.
func TestSample(t *testing.T) {
	if err := run(0, 0, "", "testdata/sample.json", "", 1e-7, false); err != nil {
		t.Fatal(err)
	}
}
