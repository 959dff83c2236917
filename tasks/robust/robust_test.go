package robust

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

// TestCompare: with 20% one-sided gross outliers, MSE's fit is pulled (large test error) while L1 and the
// adaptive loss stay near the noise floor, and the adaptive loss's α falls below 1 (robust); without outliers its
// α rises towards 2 (Gaussian noise).
func TestCompare(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: trains 6 small models")
	}
	cfg := DefaultConfig()
	cfg.N, cfg.Steps = 300, 600
	res, err := Compare(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]*Result{}
	for _, r := range res {
		by[r.Loss] = r
		t.Logf("%-14s weight error %.3f, test RMSE %.3f", r.Loss, r.WeightError, r.TestRMSE)
	}
	if by["MSELoss"].TestRMSE < 2 {
		t.Errorf("MSE test RMSE %.3f: the outliers should pull it (want >= 2)", by["MSELoss"].TestRMSE)
	}
	for _, name := range []string{"L1Loss", Adaptive} {
		if r := by[name]; r.TestRMSE > 1 {
			t.Errorf("%s test RMSE %.3f, want <= 1 (noise floor %.1f)", name, r.TestRMSE, cfg.NoiseStd)
		}
	}
	a := by[Adaptive]
	if last := a.Alpha[len(a.Alpha)-1]; last > 1 || len(a.Alpha) != len(a.Scale) || a.RecordedSteps[0] != 1 {
		t.Errorf("with outliers: final α %.3f (want < 1), %d α, %d scales", last, len(a.Alpha), len(a.Scale))
	}
	clean := cfg
	clean.OutlierFraction = 0
	clean.Loss = Adaptive
	r, err := Run(context.Background(), clean)
	if err != nil {
		t.Fatal(err)
	}
	last := r.Alpha[len(r.Alpha)-1]
	t.Logf("no outliers: α %.3f, scale %.3f, test RMSE %.3f", last, r.Scale[len(r.Scale)-1], r.TestRMSE)
	if last < 1.5 {
		t.Errorf("without outliers: final α %.3f, want >= 1.5", last)
	}
	if s := r.Scale[len(r.Scale)-1]; math.Abs(s-cfg.NoiseStd) > 0.2 {
		t.Errorf("without outliers: scale %.3f, want about the noise std %.1f", s, cfg.NoiseStd)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.N = 1 }, "N 1"},
		{func(c *Config) { c.OutlierFraction = 1 }, "OutlierFraction 1 must be in [0, 1)"},
		{func(c *Config) { c.Loss = "MSE" }, `unknown loss "MSE"`},
		{func(c *Config) { c.LR = 0 }, "LR 0"},
		{func(c *Config) { c.NoiseStd = math.NaN() }, "NoiseStd NaN"},
	} {
		cfg := DefaultConfig()
		tc.change(&cfg)
		if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want it to contain %q", err, tc.want)
		}
	}
}

// TestReport prints the full-size study (DefaultConfig, with and without outliers) for the closing note; it runs
// only with LOSSBOOK_ROBUST_REPORT=1:
//
//	LOSSBOOK_ROBUST_REPORT=1 GOMLX_BACKEND=go go test ./tasks/robust -run TestReport -v
func TestReport(t *testing.T) {
	if os.Getenv("LOSSBOOK_ROBUST_REPORT") != "1" {
		t.Skip("set LOSSBOOK_ROBUST_REPORT=1 to run the full-size study")
	}
	for _, frac := range []float64{0.2, 0} {
		cfg := DefaultConfig()
		cfg.OutlierFraction = frac
		res, err := Compare(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			line := fmt.Sprintf("outliers %.0f%% %-14s weight error %.3f test RMSE %.3f", 100*frac, r.Loss, r.WeightError,
				r.TestRMSE)
			if len(r.Alpha) > 0 {
				line += fmt.Sprintf(" α %.3f scale %.3f", r.Alpha[len(r.Alpha)-1], r.Scale[len(r.Scale)-1])
			}
			t.Log(line)
		}
	}
}

// TestTwoTasks: uncertainty weighting learns each task's noise level (σ_k close to the noise std).
func TestTwoTasks(t *testing.T) {
	res, err := TwoTasks(context.Background(), [2]float64{0.2, 2}, 400, 800, 0.05, 1)
	if err != nil {
		t.Fatal(err)
	}
	for k, noise := range []float64{0.2, 2} {
		s := res.Sigmas[k][len(res.Sigmas[k])-1]
		t.Logf("task %d: noise %.2f, learned σ %.3f, sqrt(MSE) %.3f", k, noise, s, math.Sqrt(res.MSE[k]))
		if math.Abs(s-math.Sqrt(res.MSE[k])) > 0.05*noise {
			t.Errorf("task %d: learned σ %.3f, want sqrt(MSE) %.3f", k, s, math.Sqrt(res.MSE[k]))
		}
	}
	if _, err := TwoTasks(context.Background(), [2]float64{0, 1}, 10, 1, 0.1, 1); err == nil {
		t.Error("noise 0: no error")
	}
}
