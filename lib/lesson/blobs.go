package lesson

import "math/rand/v2"

// Blobs returns n points in 2-D around three centres, (0, 2), (−2, −1) and (2, −1), with unit-variance Gaussian
// noise; point i has class i mod 3. The same seed gives the same points.
func Blobs(n int, seed uint64) (x [][]float64, y []int32) {
	rng := rand.New(rand.NewPCG(seed, 1))
	centres := [][2]float64{{0, 2}, {-2, -1}, {2, -1}}
	x, y = make([][]float64, n), make([]int32, n)
	for i := range n {
		c := i % 3
		x[i] = []float64{centres[c][0] + rng.NormFloat64(), centres[c][1] + rng.NormFloat64()}
		y[i] = int32(c)
	}
	return x, y
}
