//go:build !unix

package main

// cpuSeconds is not measured on this system: the CPU columns of lossbook bench read 0.
func cpuSeconds() float64 { return 0 }
