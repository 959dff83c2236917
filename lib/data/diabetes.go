package data

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DiabetesDir is where Debian's python3-sklearn installs the diabetes data files (Diabetes's default directory).
const DiabetesDir = "/usr/lib/python3/dist-packages/sklearn/datasets/data"

// The diabetes data set's size and file names.
const (
	DiabetesPatients     = 442
	DiabetesFeatureCount = 10
	DiabetesDataFile     = "diabetes_data_raw.csv.gz"
	DiabetesTargetFile   = "diabetes_target.csv.gz"
)

// DiabetesFeatures names the ten baseline variables, in column order: age (years), sex (coded 1 or 2), body
// mass index, average blood pressure, and six blood serum measurements: s1 total serum cholesterol (tc), s2
// low-density lipoproteins (ldl), s3 high-density lipoproteins (hdl), s4 total cholesterol / HDL (tch), s5
// possibly the log of serum triglycerides (ltg), s6 blood sugar (glu).
var DiabetesFeatures = []string{"age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"}

// DiabetesSet is the diabetes regression data: X[i] holds patient i's ten baseline variables in their raw
// units (DiabetesFeatures order; not standardised), Y[i] the disease-progression measure one year later
// (integers 25 to 346).
type DiabetesSet struct {
	X [][]float64
	Y []float64
}

// Diabetes reads the diabetes data of Efron, Hastie, Johnstone and Tibshirani, "Least Angle Regression"
// (Annals of Statistics 32(2), 2004): 442 patients, 10 baseline variables, and a quantitative measure of
// disease progression one year after baseline. It reads the two gzip files scikit-learn ships
// (DiabetesDataFile: 442 lines of 10 space-separated numbers, the raw variables; DiabetesTargetFile: 442
// lines of one number) from dir, or from DiabetesDir (Debian's python3-sklearn) when dir is "". The files
// are the same in the scikit-learn wheel on PyPI (sklearn/datasets/data/). It equals sklearn's
// load_diabetes(scaled=False); sklearn's default scaled=True centres each column and divides it by its
// standard deviation times sqrt(442), which callers do themselves as they need (the training split's
// statistics only).
//
// Provenance: the data come from Bradley Efron et al.'s LARS paper (source
// https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html); the files are part of scikit-learn,
// BSD-3-Clause (Copyright 2007-2019 scikit-learn developers, per Debian's copyright file).
//
// A missing file is one error naming it and the Debian package to install; a file of another shape (not
// 442×10 and 442 targets) or a number that does not parse or is not finite is an error naming the file and
// line.
func Diabetes(dir string) (*DiabetesSet, error) {
	if dir == "" {
		dir = DiabetesDir
	}
	x, err := readDiabetesFile(filepath.Join(dir, DiabetesDataFile), DiabetesFeatureCount)
	if err != nil {
		return nil, err
	}
	y, err := readDiabetesFile(filepath.Join(dir, DiabetesTargetFile), 1)
	if err != nil {
		return nil, err
	}
	set := &DiabetesSet{X: x, Y: make([]float64, len(y))}
	for i, row := range y {
		set.Y[i] = row[0]
	}
	return set, nil
}

// readDiabetesFile reads a gzip file of DiabetesPatients lines of cols space-separated finite numbers.
func readDiabetesFile(path string, cols int) ([][]float64, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("data: diabetes: %s not found: install Debian's python3-sklearn (apt-get install "+
			"python3-sklearn) or pass the directory holding %s and %s", path, DiabetesDataFile, DiabetesTargetFile)
	}
	if err != nil {
		return nil, fmt.Errorf("data: diabetes: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("data: diabetes: %s: %w", path, err)
	}
	var rows [][]float64
	sc := bufio.NewScanner(zr)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		fields := strings.Fields(sc.Text())
		if len(fields) != cols {
			return nil, fmt.Errorf("data: diabetes: %s line %d: %d numbers, want %d", path, line, len(fields), cols)
		}
		row := make([]float64, cols)
		for j, s := range fields {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("data: diabetes: %s line %d: %q is not a finite number", path, line, s)
			}
			row[j] = v
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("data: diabetes: %s: %w", path, err)
	}
	if len(rows) != DiabetesPatients {
		return nil, fmt.Errorf("data: diabetes: %s: %d rows, want %d", path, len(rows), DiabetesPatients)
	}
	return rows, nil
}
