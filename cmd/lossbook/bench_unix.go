//go:build unix

package main

import (
	"syscall"
	"time"
)

// cpuSeconds is the user and system CPU time of this process so far, all threads together.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
