package optim

import (
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/internal/simd"
	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// BenchmarkStep times the optimizers' updates, gradient check included, over
// the parameters of the MLP 784-512-256-20 of tests/bench's MLP step
// (about 535k float32 values), with the AVX2 kernels and without.
func BenchmarkStep(b *testing.B) {
	rnd := rand.New(rand.NewPCG(1, 2))
	var params []*ad.Tensor[float32]
	widths := []int{784, 512, 256, 20}
	for i := 1; i < len(widths); i++ {
		for _, shape := range [][]int{{widths[i-1], widths[i]}, {widths[i]}} {
			p := ad.Param(ad.Randn[float32](rnd, shape...))
			p.Grad = ad.Randn[float32](rnd, shape...).Data
			params = append(params, p)
		}
	}
	for _, c := range []struct {
		name string
		opt  Optimizer[float32]
	}{
		{"SGD", &SGD[float32]{LR: 1e-6}},
		{"SGDMomentum", &SGD[float32]{LR: 1e-6, Momentum: 0.9}},
		{"Adam", &Adam[float32]{LR: 1e-6}},
	} {
		for _, vector := range []bool{true, false} {
			name := c.name + "/scalar"
			if vector {
				name = c.name + "/avx2"
			}
			b.Run(name, func(b *testing.B) {
				saved := simd.Enabled
				simd.Enabled = simd.Enabled && vector
				defer func() { simd.Enabled = saved }()
				for b.Loop() {
					if err := c.opt.Step(params); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
