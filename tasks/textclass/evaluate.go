package textclass

import (
	"context"
	"fmt"
	"html"
	"strings"

	"github.com/lossbook/lossbook/metrics"
)

// ECEBins is the number of equal-width confidence bins of Evaluation.ECE (Guo et al.'s 15).
const ECEBins = 15

// ClassMetrics is one class's line of a classification report.
type ClassMetrics struct {
	Class     string  `json:"class"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// Evaluation is a model's score on a set of examples: scikit-learn's classification_report as numbers, the
// confusion matrix, and the calibration of its probabilities.
type Evaluation struct {
	Split      string         `json:"split,omitempty"` // "test", "validation", or "" for other examples
	N          int            `json:"n"`
	Accuracy   float64        `json:"accuracy"`
	Classes    []ClassMetrics `json:"classes"`
	MacroF1    float64        `json:"macro_f1"`
	WeightedF1 float64        `json:"weighted_f1"`
	// Confusion[i][j] counts the examples of class i predicted as class j.
	Confusion [][]int `json:"confusion_matrix"`
	// ECE is the expected calibration error of the top-class probability (metrics.ExpectedCalibrationError,
	// ECEBins bins).
	ECE float64 `json:"ece"`
	// LogLoss is the mean negative log-likelihood of the true class (metrics.LogLoss), in nats.
	LogLoss float64 `json:"log_loss"`

	// Labels, Predicted and Probabilities are the true classes, the predicted ones and the probabilities, per
	// example (not written to metrics.json).
	Labels        []int       `json:"-"`
	Predicted     []int       `json:"-"`
	Probabilities [][]float64 `json:"-"`
	report        metrics.Report
}

// F1 returns the F1 score of the class named name (0 if there is none).
func (e *Evaluation) F1(name string) float64 {
	for _, c := range e.Classes {
		if c.Class == name {
			return c.F1
		}
	}
	return 0
}

// String lays the evaluation out as scikit-learn's classification_report, followed by the confusion matrix
// and the calibration error.
func (e *Evaluation) String() string {
	var b strings.Builder
	b.WriteString(e.report.Format(4))
	b.WriteString("\nconfusion matrix (rows: true class, columns: predicted)\n")
	w := 8
	for _, c := range e.Classes {
		w = max(w, len(c.Class)+2)
	}
	fmt.Fprintf(&b, "%*s", w, "")
	for _, c := range e.Classes {
		fmt.Fprintf(&b, "%*s", w, c.Class)
	}
	b.WriteString("\n")
	for i, row := range e.Confusion {
		fmt.Fprintf(&b, "%*s", w, e.Classes[i].Class)
		for _, n := range row {
			fmt.Fprintf(&b, "%*d", w, n)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nexpected calibration error (%d bins): %.4f   log loss: %.4f\n", ECEBins, e.ECE, e.LogLoss)
	return b.String()
}

// Evaluate scores the model on its held-out test split (loaded again, by the run's data and seed, after Load).
func (m *Model) Evaluate() (*Evaluation, error) {
	split, err := m.Split()
	if err != nil {
		return nil, err
	}
	ev, err := m.EvaluateExamples(split.Test)
	if err != nil {
		return nil, err
	}
	ev.Split = "test"
	return ev, nil
}

// EvaluateExamples scores the model on xs, whose labels index Model.Classes.
func (m *Model) EvaluateExamples(xs []Example) (*Evaluation, error) {
	if len(xs) == 0 {
		return nil, fmt.Errorf("textclass: EvaluateExamples: no examples")
	}
	texts := make([]string, len(xs))
	labels := make([]int, len(xs))
	for i, x := range xs {
		if x.Label < 0 || x.Label >= len(m.Classes) {
			return nil, fmt.Errorf("textclass: EvaluateExamples: example %d has label %d, want [0, %d)", i, x.Label,
				len(m.Classes))
		}
		texts[i], labels[i] = x.Text, x.Label
	}
	preds, err := m.Predict(texts)
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{N: len(xs), Labels: labels}
	for _, p := range preds {
		ev.Predicted = append(ev.Predicted, p.Label)
		ev.Probabilities = append(ev.Probabilities, p.Probabilities)
	}
	if err := ev.score(m.Classes); err != nil {
		return nil, err
	}
	return ev, nil
}

// score fills the metrics from Labels, Predicted and Probabilities.
func (e *Evaluation) score(classes []string) error {
	all := make([]int, len(classes))
	for i := range all {
		all[i] = i
	}
	rep, err := metrics.ClassificationReport(e.Labels, e.Predicted, metrics.WithLabels(all...),
		metrics.WithTargetNames(classes...))
	if err != nil {
		return fmt.Errorf("textclass: %w", err)
	}
	e.report = rep
	e.Accuracy, err = metrics.Accuracy(e.Labels, e.Predicted)
	if err != nil {
		return fmt.Errorf("textclass: %w", err)
	}
	e.Classes = e.Classes[:0]
	for _, r := range rep.Labels {
		e.Classes = append(e.Classes, ClassMetrics{Class: r.Name, Precision: r.Precision, Recall: r.Recall,
			F1: r.F1, Support: int(r.Support)})
	}
	for _, r := range rep.Averages {
		switch r.Name {
		case "macro avg":
			e.MacroF1 = r.F1
		case "weighted avg":
			e.WeightedF1 = r.F1
		}
	}
	conf, err := metrics.ConfusionMatrix(e.Labels, e.Predicted, metrics.WithLabels(all...))
	if err != nil {
		return fmt.Errorf("textclass: %w", err)
	}
	e.Confusion = make([][]int, len(conf.Counts))
	for i, row := range conf.Counts {
		e.Confusion[i] = make([]int, len(row))
		for j, v := range row {
			e.Confusion[i][j] = int(v)
		}
	}
	if e.ECE, err = metrics.ExpectedCalibrationError(e.Labels, e.Probabilities, ECEBins); err != nil {
		return fmt.Errorf("textclass: %w", err)
	}
	if e.LogLoss, err = metrics.LogLoss(e.Labels, e.Probabilities, metrics.WithLabels(all...)); err != nil {
		return fmt.Errorf("textclass: %w", err)
	}
	return nil
}

// Split returns the model's data split: the one it was trained on, or, after Load, the same split loaded again
// from its data set and seed.
func (m *Model) Split() (*Split, error) {
	if m.split == nil {
		s, err := LoadSplit(context.Background(), m.Config)
		if err != nil {
			return nil, err
		}
		m.split = s
	}
	return m.split, nil
}

// ConfusionHTML draws the confusion matrix as an HTML table whose cells are shaded by their share of their row
// (the true class), for nb.HTML in a notebook: a picture that survives export and untrusted viewers.
func (e *Evaluation) ConfusionHTML() string {
	var b strings.Builder
	b.WriteString(`<table style="border-collapse:collapse;font-family:sans-serif;font-size:13px">`)
	b.WriteString(`<tr><th style="padding:4px">true \ predicted</th>`)
	for _, c := range e.Classes {
		fmt.Fprintf(&b, `<th style="padding:4px">%s</th>`, html.EscapeString(c.Class))
	}
	b.WriteString("</tr>")
	for i, row := range e.Confusion {
		total := 0
		for _, n := range row {
			total += n
		}
		fmt.Fprintf(&b, `<tr><th style="padding:4px;text-align:right">%s</th>`, html.EscapeString(e.Classes[i].Class))
		for _, n := range row {
			share := 0.0
			if total > 0 {
				share = float64(n) / float64(total)
			}
			color := "#000"
			if share > 0.5 {
				color = "#fff"
			}
			fmt.Fprintf(&b, `<td style="padding:6px 10px;text-align:center;border:1px solid #ccc;`+
				`background:rgba(31,119,180,%.3f);color:%s">%d</td>`, share, color, n)
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	return b.String()
}

// ReportRows returns the per-class metrics and the averages as table rows (class, precision, recall, F1,
// support), for nb.Table.
func (e *Evaluation) ReportRows() (header []string, rows [][]string) {
	header = []string{"class", "precision", "recall", "F1", "support"}
	for _, c := range e.Classes {
		rows = append(rows, []string{c.Class, fmt.Sprintf("%.4f", c.Precision), fmt.Sprintf("%.4f", c.Recall),
			fmt.Sprintf("%.4f", c.F1), fmt.Sprint(c.Support)})
	}
	rows = append(rows, []string{"accuracy", "", "", fmt.Sprintf("%.4f", e.Accuracy), fmt.Sprint(e.N)})
	for _, r := range e.report.Averages {
		rows = append(rows, []string{r.Name, fmt.Sprintf("%.4f", r.Precision), fmt.Sprintf("%.4f", r.Recall),
			fmt.Sprintf("%.4f", r.F1), fmt.Sprint(int(r.Support))})
	}
	return header, rows
}
