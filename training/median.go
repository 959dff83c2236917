package training

import "slices"

// Median returns the median of xs (the mean of the two middle values for an even count); 0 for none. xs is not
// changed. The benchmarks summarise step times with it, and robust statistics (a median and a median absolute
// deviation) scale targets with it.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
