package metrics

import (
	"fmt"
	"math"
)

// ReliabilityBin is one bin of a reliability diagram: the examples whose confidence falls in (Lo, Hi].
type ReliabilityBin struct {
	// Lo and Hi bound the bin's confidences: Lo < confidence ≤ Hi (the first bin also holds 0).
	Lo, Hi float64
	// Confidence is the mean confidence of the bin's examples (NaN for an empty bin).
	Confidence float64
	// Accuracy is the fraction of the bin's examples whose prediction is right (NaN for an empty bin).
	Accuracy float64
	// Count is the number of examples in the bin.
	Count int
}

// ReliabilityDiagram is the data of a reliability diagram (Guo et al., "On Calibration of Modern Neural
// Networks", 2017): each example's prediction is its most probable label (the first on ties) and its confidence
// that probability; the confidences are put into bins equal-width bins (b/bins, (b+1)/bins], and each bin reports
// its mean confidence, its accuracy and its count. A calibrated model has accuracy = confidence in every bin;
// plot accuracy against confidence beside the diagonal.
//
// probs holds one row per example and one column per label, labels being the column indices 0..C−1 (yTrue holds
// column indices). Rows need not sum to 1; a row of one column is the probability of label 1 against label 0
// (confidence max(p, 1 − p)). It returns an error for bins < 1, probabilities outside [0, 1], a true label that is
// not a column, or mismatched lengths.
func ReliabilityDiagram(yTrue []int, probs [][]float64, bins int) ([]ReliabilityBin, error) {
	return reliability("ReliabilityDiagram", yTrue, probs, bins)
}

// ExpectedCalibrationError is the gap between confidence and accuracy, averaged over the examples:
//
//	ECE = Σ_b (n_b / N) · |accuracy_b − confidence_b|
//
// over the bins of ReliabilityDiagram (same arguments, same errors). 0 is perfectly calibrated; Guo et al. use 15
// bins. Bins are equal-width and include their upper edge, as Guo et al.'s reference code (temperature_scaling's
// _ECELoss); other libraries use other edges or equal-count bins, and their values differ.
func ExpectedCalibrationError(yTrue []int, probs [][]float64, bins int) (float64, error) {
	diagram, err := reliability("ExpectedCalibrationError", yTrue, probs, bins)
	if err != nil {
		return 0, err
	}
	ece := 0.0
	for _, b := range diagram {
		if b.Count > 0 {
			ece += float64(b.Count) / float64(len(yTrue)) * math.Abs(b.Accuracy-b.Confidence)
		}
	}
	return ece, nil
}

func reliability(fn string, yTrue []int, probs [][]float64, bins int) ([]ReliabilityBin, error) {
	cols, err := checkRows(fn, len(yTrue), probs, nil)
	if err != nil {
		return nil, err
	}
	if bins < 1 {
		return nil, fmt.Errorf("metrics: %s: bins must be >= 1, got %d", fn, bins)
	}
	out := make([]ReliabilityBin, bins)
	sumConf, sumHit := make([]float64, bins), make([]float64, bins)
	for b := range out {
		out[b].Lo, out[b].Hi = float64(b)/float64(bins), float64(b+1)/float64(bins)
	}
	for n, y := range yTrue {
		width := max(cols, 2)
		if y < 0 || y >= width {
			return nil, fmt.Errorf("metrics: %s: true label %d of example %d is not a column index in [0, %d)", fn, y,
				n, width)
		}
		row := probs[n]
		for _, p := range row {
			if p < 0 || p > 1 {
				return nil, fmt.Errorf("metrics: %s: row %d holds %v: probabilities must be in [0, 1]", fn, n, p)
			}
		}
		pred, conf := 0, row[0]
		if cols == 1 {
			pred, conf = 0, 1-row[0]
			if row[0] > 1-row[0] {
				pred, conf = 1, row[0]
			}
		}
		for c := 1; c < cols; c++ {
			if row[c] > conf {
				pred, conf = c, row[c]
			}
		}
		b := 0
		for b < bins-1 && conf > out[b].Hi {
			b++
		}
		out[b].Count++
		sumConf[b] += conf
		if pred == y {
			sumHit[b]++
		}
	}
	for b := range out {
		out[b].Confidence, out[b].Accuracy = math.NaN(), math.NaN()
		if out[b].Count > 0 {
			out[b].Confidence = sumConf[b] / float64(out[b].Count)
			out[b].Accuracy = sumHit[b] / float64(out[b].Count)
		}
	}
	return out, nil
}
