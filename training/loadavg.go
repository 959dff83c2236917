package training

import (
	"fmt"
	"math"
	"os"
)

// LoadAverage is the machine's 1-minute load average, from /proc/loadavg, or -1 where it cannot be read (not
// Linux, or an unexpected format). Run records (the tasks' metrics.json and comparison reports) store it at the
// start and the end of a run, so that a reader can tell a quiet machine's times from a loaded one's.
func LoadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	var v float64
	if _, err := fmt.Sscan(string(b), &v); err != nil || math.IsNaN(v) {
		return -1
	}
	return v
}
