package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is Linux's USER_HZ, the unit of /proc/stat and /proc/<pid>/stat: 100 on every architecture Go
// supports (sysconf(_SC_CLK_TCK) needs cgo).
const clockTicks = 100

// Load is what the machine did around one round: the 1-minute load average before and after it (which counts the
// benchmark's own threads as well), and the CPU that every other process used during it, in cores (the machine's
// busy CPU time from /proc/stat, less the benchmark's and its peers' own, over the round's wall time).
type Load struct {
	Before, After float64 // 1-minute load averages
	OthersCores   float64 // -1 when unknown
}

// Loaded reports whether other processes used more than maxOthers cores during the round.
func (l Load) Loaded(maxOthers float64) bool { return l.OthersCores > maxOthers }

// String formats the load as "load 0.12->1.85, others 0.03 cores".
func (l Load) String() string {
	others := "unknown"
	if l.OthersCores >= 0 {
		others = fmt.Sprintf("%.2f cores", l.OthersCores)
	}
	return fmt.Sprintf("load %.2f->%.2f, others %s", l.Before, l.After, others)
}

// OthersCores returns the cores used by other processes: the machine's busy CPU seconds during an interval, less
// the seconds of the processes measured (ours), over the interval's wall seconds; never below 0.
func OthersCores(machineBusy, ours, wall float64) float64 {
	if wall <= 0 {
		return 0
	}
	return max(0, (machineBusy-ours)/wall)
}

// MachineBusySeconds returns the CPU seconds that all cores have spent busy since boot (user, nice, system, irq,
// softirq and steal in /proc/stat's "cpu" line; idle and iowait are not busy); -1 where unavailable.
func MachineBusySeconds() float64 {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return -1
	}
	v, err := parseProcStat(string(data))
	if err != nil {
		return -1
	}
	return v
}

func parseProcStat(s string) (float64, error) {
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || f[0] != "cpu" {
			continue
		}
		var busy int64
		// user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user and nice]
		for _, i := range []int{1, 2, 3, 6, 7, 8} {
			v, err := strconv.ParseInt(f[i], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("bench: /proc/stat cpu line %q: %w", line, err)
			}
			busy += v
		}
		return float64(busy) / clockTicks, nil
	}
	return 0, fmt.Errorf("bench: /proc/stat has no cpu line")
}

// ProcessCPUSeconds returns the user and system CPU seconds of process pid, all its threads, from
// /proc/<pid>/stat; -1 where unavailable.
func ProcessCPUSeconds(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	v, err := parsePidStat(string(data))
	if err != nil {
		return -1
	}
	return v
}

func parsePidStat(s string) (float64, error) {
	// The command name (field 2) is in parentheses and may hold spaces: the fields after it start at the last ')'.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("bench: /proc/<pid>/stat %q: no command name", s)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("bench: /proc/<pid>/stat %q: %d fields after the name", s, len(f))
	}
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bench: /proc/<pid>/stat %q: bad utime or stime", s)
	}
	return float64(utime+stime) / clockTicks, nil
}
