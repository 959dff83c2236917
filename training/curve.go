package training

import "github.com/lossbook/lossbook/nb"

// This file is the one place where training talks to package nb: the live loss curve Train draws in a notebook.
// Outside a notebook nb.Curve only records the points.

// lossCurve is what Train needs from a live plot.
type lossCurve interface {
	Add(series string, step int, value float64)
	Done()
}

// newLossCurve returns a live curve of the training (and evaluation) losses.
func newLossCurve(title string) lossCurve {
	c := nb.NewCurve(title)
	c.Plot.Labels("step", "loss")
	c.Plot.AutoLogY = true // a log axis once the loss has fallen by more than AutoLogRatio
	return c
}

// inNotebook reports whether the program runs as a GoNB notebook cell.
func inNotebook() bool { return nb.IsNotebook() }

// noCurve draws nothing.
type noCurve struct{}

func (noCurve) Add(string, int, float64) {}
func (noCurve) Done()                    {}
