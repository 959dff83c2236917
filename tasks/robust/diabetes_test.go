package robust

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/lossbook/lossbook/lib/data"
)

func skipWithoutDiabetes(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(data.DiabetesDir, data.DiabetesDataFile)); err != nil {
		t.Skipf("diabetes data not installed (%v): apt-get install python3-sklearn to run this test", err)
	}
}

// TestDiabetes: on the real diabetes regression with 10% of the training targets shifted by about +400, the
// robust losses' clean test RMSE beats MSE's by a margin, and the adaptive loss's α ends lower than on the
// uncorrupted training set. It logs the whole table (go test -v):
//
//	GOMLX_BACKEND=go go test ./tasks/robust -run TestDiabetes -v
func TestDiabetes(t *testing.T) {
	skipWithoutDiabetes(t)
	if testing.Short() {
		t.Skip("-short: trains 10 small models")
	}
	alpha := map[float64]float64{}
	for _, frac := range []float64{0.1, 0} {
		cfg := DefaultDiabetesConfig()
		cfg.Steps = 1000
		cfg.OutlierFraction = frac
		res, err := CompareDiabetes(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]*Result{}
		for _, r := range res {
			by[r.Loss] = r
			if r.Loss == Adaptive {
				alpha[frac] = r.Alpha[len(r.Alpha)-1]
				t.Logf("outliers %2.0f%% %-14s test RMSE %6.2f MAE %6.2f α %.3f c %.2f", 100*frac, r.Loss, r.TestRMSE,
					r.TestMAE, alpha[frac], r.Scale[len(r.Scale)-1])
			} else {
				t.Logf("outliers %2.0f%% %-14s test RMSE %6.2f MAE %6.2f", 100*frac, r.Loss, r.TestRMSE, r.TestMAE)
			}
		}
		if frac == 0 {
			continue
		}
		for _, name := range []string{"L1Loss", "HuberLoss", "SmoothL1Loss", Adaptive} {
			if got, mse := by[name].TestRMSE, by["MSELoss"].TestRMSE; got > mse-5 {
				t.Errorf("with outliers: %s test RMSE %.2f, want at least 5 below MSE's %.2f", name, got, mse)
			}
		}
	}
	if alpha[0.1] >= alpha[0]-0.2 {
		t.Errorf("final α %.3f with outliers, %.3f without: want it lower with outliers (by 0.2)", alpha[0.1], alpha[0])
	}
}

func TestDiabetesData(t *testing.T) {
	skipWithoutDiabetes(t)
	cfg := DefaultDiabetesConfig()
	d, err := DiabetesData(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.X) != 354 || len(d.TestX) != 88 || len(d.TestY) != 88 || d.Outliers != 35 || d.W != nil {
		t.Fatalf("%d train, %d test, %d outliers", len(d.X), len(d.TestX), d.Outliers)
	}
	clean := cfg
	clean.OutlierFraction = 0
	c, err := DiabetesData(clean)
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.TestY { // the same split, and test targets untouched (up to each set's target scaling)
		a, b := (d.TestY[i]-d.TestY[0])*d.TargetScale, (c.TestY[i]-c.TestY[0])*c.TargetScale
		if math.Abs(a-b) > 1e-9 {
			t.Fatalf("test target %d: %g from the first with outliers, %g without", i, a, b)
		}
	}
	for _, bad := range []func(*DiabetesConfig){
		func(c *DiabetesConfig) { c.TestFraction = 1 },
		func(c *DiabetesConfig) { c.OutlierFraction = -0.1 },
		func(c *DiabetesConfig) { c.Dir = t.TempDir() },
	} {
		c := cfg
		bad(&c)
		if _, err := DiabetesData(c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}
