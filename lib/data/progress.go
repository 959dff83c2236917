package data

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressMinSize is the smallest download that gets a progress report: small files (npm metadata, tiny
// fixtures) arrive before anyone could read a bar.
const progressMinSize = 1 << 20

// progress reports a download's progress to w: a bar redrawn at most every tick when w is a terminal, a line
// at the start and one at the end otherwise.
type progress struct {
	w        io.Writer
	label    string
	total    int64 // 0 when unknown
	n        int64
	terminal bool
	last     time.Time
	start    time.Time
	quiet    bool
}

const progressTick = 100 * time.Millisecond

func newProgress(w io.Writer, label string, total int64) *progress {
	p := &progress{w: w, label: label, total: total, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	p.quiet = w == io.Discard || (total > 0 && total < progressMinSize)
	if !p.quiet && !p.terminal {
		fmt.Fprintf(w, "lossbook: fetching %s (%s)\n", label, humanBytes(total))
	}
	return p
}

func (p *progress) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	if p.terminal && !p.quiet && time.Since(p.last) >= progressTick {
		p.last = time.Now()
		p.draw()
	}
	return len(b), nil
}

func (p *progress) draw() {
	const width = 30
	if p.total > 0 {
		frac := min(float64(p.n)/float64(p.total), 1)
		filled := int(frac * width)
		fmt.Fprintf(p.w, "\r%s [%s%s] %5.1f%% %s/%s", p.label, strings.Repeat("=", filled),
			strings.Repeat(" ", width-filled), 100*frac, humanBytes(p.n), humanBytes(p.total))
	} else {
		fmt.Fprintf(p.w, "\r%s %s", p.label, humanBytes(p.n))
	}
}

// done ends the report, saying whether the download succeeded.
func (p *progress) done(err error) {
	if p.quiet {
		return
	}
	if p.terminal {
		p.draw()
		fmt.Fprintln(p.w)
	}
	secs := time.Since(p.start).Seconds()
	if err != nil {
		fmt.Fprintf(p.w, "lossbook: fetching %s failed after %s\n", p.label, humanBytes(p.n))
		return
	}
	fmt.Fprintf(p.w, "lossbook: fetched %s, %s in %.1fs\n", p.label, humanBytes(p.n), secs)
}

// humanBytes formats a byte count as B, kB or MB (decimal, as npm and apt print sizes).
func humanBytes(n int64) string {
	switch {
	case n <= 0:
		return "size unknown"
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
}
