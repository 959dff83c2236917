package bench

import (
	"math"
	"testing"
)

func TestParseProcStat(t *testing.T) {
	// user nice system idle iowait irq softirq steal guest guest_nice
	stat := "cpu  1000 50 300 9000 400 20 30 5 100 0\ncpu0 500 25 150 4500 200 10 15 2 50 0\nintr 1 2 3\n"
	got, err := parseProcStat(stat)
	if want := (1000 + 50 + 300 + 20 + 30 + 5) / 100.0; err != nil || got != want {
		t.Errorf("parseProcStat = %g, %v; want %g (idle, iowait and guest not counted)", got, err, want)
	}
	if _, err := parseProcStat("intr 1 2\n"); err == nil {
		t.Error("parseProcStat without a cpu line: no error")
	}
}

func TestParsePidStat(t *testing.T) {
	// The command name may hold spaces and parentheses; utime and stime are fields 14 and 15.
	stat := "4242 (python3 (x) y) S 1 4242 4242 0 -1 4194304 1000 0 0 0 250 75 0 0 20 0 3 0 100 1000000 5000\n"
	got, err := parsePidStat(stat)
	if err != nil || got != 3.25 {
		t.Errorf("parsePidStat = %g, %v; want 3.25", got, err)
	}
	if _, err := parsePidStat("4242 python3 S 1"); err == nil {
		t.Error("parsePidStat without a name in parentheses: no error")
	}
}

// TestLoadMarking checks the LOADED mark: other processes' CPU is the machine's busy time less ours, per wall
// second, and a round is loaded above the threshold.
func TestLoadMarking(t *testing.T) {
	tests := []struct {
		busy, ours, wall float64
		others           float64
		loaded           bool
	}{
		{4.0, 3.9, 2, 0.05, false}, // idle machine: we used what was busy
		{4.0, 2.0, 2, 1.0, true},   // another process took a core
		{3.9, 4.0, 2, 0, false},    // tick rounding can make ours exceed the machine's: never below 0
		{1, 1, 0, 0, false},
	}
	for _, tc := range tests {
		others := OthersCores(tc.busy, tc.ours, tc.wall)
		l := Load{Before: 0.1, After: 1.9, OthersCores: others}
		if math.Abs(others-tc.others) > 1e-12 || l.Loaded(0.2) != tc.loaded {
			t.Errorf("OthersCores(%g, %g, %g) = %g, loaded %v; want %g, %v", tc.busy, tc.ours, tc.wall, others,
				l.Loaded(0.2), tc.others, tc.loaded)
		}
	}
	if got := (Load{Before: 0.12, After: 1.85, OthersCores: 0.031}).String(); got != "load 0.12->1.85, others 0.03 cores" {
		t.Errorf("Load.String = %q", got)
	}
	if got := (Load{OthersCores: -1}).String(); got != "load 0.00->0.00, others unknown" {
		t.Errorf("Load.String = %q", got)
	}
}
