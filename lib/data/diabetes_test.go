package data

import (
	"compress/gzip"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiabetesReal reads Debian's copy and checks it against sklearn's load_diabetes(scaled=False) (column sums,
// target sum and range, the last row), values printed by /usr/bin/python3 with scikit-learn 1.2.1.
func TestDiabetesReal(t *testing.T) {
	if _, err := os.Stat(filepath.Join(DiabetesDir, DiabetesDataFile)); err != nil {
		t.Skipf("diabetes data not installed (%v): apt-get install python3-sklearn to run this test", err)
	}
	d, err := Diabetes("")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.X) != DiabetesPatients || len(d.Y) != DiabetesPatients || len(d.X[0]) != len(DiabetesFeatures) {
		t.Fatalf("%d rows, %d targets, %d columns", len(d.X), len(d.Y), len(d.X[0]))
	}
	wantSums := []float64{21445, 649, 11658.1, 41833.98, 83600, 51024.1, 22006.5, 1799.05, 2051.5036, 40337}
	for j, want := range wantSums {
		sum := 0.0
		for _, row := range d.X {
			sum += row[j]
		}
		if math.Abs(sum-want) > 1e-6 {
			t.Errorf("column %s: sum %.6f, want %.6f", DiabetesFeatures[j], sum, want)
		}
	}
	sum, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
	for _, y := range d.Y {
		sum, lo, hi = sum+y, math.Min(lo, y), math.Max(hi, y)
	}
	if sum != 67243 || lo != 25 || hi != 346 {
		t.Errorf("targets: sum %g min %g max %g, want 67243, 25, 346", sum, lo, hi)
	}
	if got, want := fmt.Sprint(d.X[441]), "[36 1 19.6 71 250 133.2 97 3 4.5951 92]"; got != want {
		t.Errorf("last row %s, want %s", got, want)
	}
}

func writeGz(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDiabetesErrors: files made for the test, in the real format, each with one fault.
func TestDiabetesErrors(t *testing.T) {
	row := "59 2 32.1 101.0 157 93.2 38.0 4.0 4.8598 87\n"
	good, goodY := strings.Repeat(row, DiabetesPatients), strings.Repeat("1.510000000000000000e+02\n", DiabetesPatients)
	for _, tc := range []struct {
		name, x, y, want string
	}{
		{"ok", good, goodY, ""},
		{"missing", "", goodY, "install Debian's python3-sklearn"},
		{"columns", strings.Repeat(row, 3) + "1 2 3\n", goodY, "line 4: 3 numbers, want 10"},
		{"rows", strings.Repeat(row, 441), goodY, "441 rows, want 442"},
		{"targets", good, goodY + "1\n", "443 rows, want 442"},
		{"nan", good, "nan\n" + goodY, `line 1: "nan" is not a finite number`},
		{"text", "age" + row[2:] + good, goodY, `line 1: "age" is not a finite number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.x != "" {
				writeGz(t, filepath.Join(dir, DiabetesDataFile), tc.x)
			}
			writeGz(t, filepath.Join(dir, DiabetesTargetFile), tc.y)
			d, err := Diabetes(dir)
			if tc.want == "" {
				if err != nil || len(d.X) != DiabetesPatients || d.Y[0] != 151 || d.X[0][9] != 87 {
					t.Fatalf("error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
