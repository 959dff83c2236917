package training

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"
)

// progressBar draws Train's progress: on a terminal one line redrawn in place (carriage return), elsewhere (a
// file, a pipe, a notebook) a new line every tenth of the run and at every evaluation.
type progressBar struct {
	w           io.Writer
	inPlace     bool
	total       int
	firstStep   int // step the run started at (after a resume)
	start       time.Time
	lastDraw    time.Time
	lastTenth   int
	lastLineLen int
	evals       map[string]float64
}

// progressWidth is the number of cells of the bar.
const progressWidth = 20

// redrawEvery limits in-place redraws.
const redrawEvery = 100 * time.Millisecond

func newProgressBar(w io.Writer, total, firstStep int) *progressBar {
	return &progressBar{w: w, inPlace: isTerminal(w), total: total, firstStep: firstStep, start: time.Now(),
		lastTenth: firstStep * 10 / max(total, 1)}
}

// isTerminal reports whether w is a character device (a terminal), where redrawing in place works.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// update reports the state after step (1-based) with its loss; evals, if not nil, are the latest evaluation.
func (p *progressBar) update(step int, loss, lr float64, evals map[string]float64, final bool) {
	if p.w == nil {
		return
	}
	if evals != nil {
		p.evals = evals
	}
	now := time.Now()
	tenth := step * 10 / max(p.total, 1)
	var draw bool
	if p.inPlace {
		draw = final || evals != nil || now.Sub(p.lastDraw) >= redrawEvery
	} else {
		draw = final || evals != nil || tenth > p.lastTenth
	}
	if !draw {
		return
	}
	p.lastDraw, p.lastTenth = now, tenth
	line := p.line(step, loss, lr, now)
	if p.inPlace {
		pad := max(0, p.lastLineLen-len(line))
		fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
		p.lastLineLen = len(line)
		if final {
			fmt.Fprintln(p.w)
		}
		return
	}
	fmt.Fprintln(p.w, line)
}

// line formats: "[#####...............]  25/100 loss 0.4321 eval_loss 0.5123 lr 0.001 | 12.3 steps/s, ETA 6s".
func (p *progressBar) line(step int, loss, lr float64, now time.Time) string {
	filled := step * progressWidth / max(p.total, 1)
	var b strings.Builder
	b.WriteString("[" + strings.Repeat("#", filled) + strings.Repeat(".", progressWidth-filled) + "] ")
	width := len(fmt.Sprint(p.total))
	fmt.Fprintf(&b, "%*d/%d loss %.4g", width, step, p.total, loss)
	keys := make([]string, 0, len(p.evals))
	for k := range p.evals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s %.4g", k, p.evals[k])
	}
	fmt.Fprintf(&b, " lr %.3g", lr)
	elapsed := now.Sub(p.start).Seconds()
	done := step - p.firstStep
	if done > 0 && elapsed > 0 {
		rate := float64(done) / elapsed
		eta := time.Duration(float64(p.total-step) / rate * float64(time.Second)).Round(time.Second)
		fmt.Fprintf(&b, " | %s steps/s, ETA %s", formatRate(rate), eta)
	}
	return b.String()
}

// formatRate prints a rate with 3 significant digits.
func formatRate(r float64) string {
	switch {
	case math.IsInf(r, 0) || math.IsNaN(r):
		return "-"
	case r >= 100:
		return fmt.Sprintf("%.0f", r)
	case r >= 10:
		return fmt.Sprintf("%.1f", r)
	}
	return fmt.Sprintf("%.2f", r)
}
