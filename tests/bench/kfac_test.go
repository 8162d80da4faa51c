package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

// BenchmarkKFACStep is one step of optim.KFACStep on the deep autoencoder
// of Martens & Grosse (2015), 784-1000-500-250-30-250-500-1000-784 with
// sigmoid units, in float32 on a batch of 100: forward and backward
// passes, the Kronecker factors updated every step and inverted (damped,
// in float64) every 10, the quadratic-model step size and momentum, and
// the Levenberg-Marquardt damping adapted every 5 steps from two extra
// forward passes. The loss is the batch mean of the summed sigmoid
// cross-entropy of the reconstruction. The inputs are uniform pixels: the
// timing does not depend on them. The twin is torch_kfac.py.
//
// One op is a cycle of 10 steps, which holds exactly one inversion
// whatever the number of ops the benchmark time allows; ns/step is the
// time per step. A first cycle, which allocates the optimizer's state,
// runs before the timing, as the twin's warm-up does.
func BenchmarkKFACStep(b *testing.B) {
	b.Logf("BLAS back end: %s", ad.Backend())
	rnd := rand.New(rand.NewPCG(7, 8))
	net := nn.NewMLP[float32](rnd, []int{784, 1000, 500, 250, 30, 250, 500, 1000, 784}, ad.Sigmoid[float32])
	params := net.Params()
	x := ad.Zeros[float32](100, 784)
	for i := range x.Data {
		x.Data[i] = rnd.Float32()
	}
	loss := func() *ad.Tensor[float32] {
		return ad.Mean(ad.Sum(ad.BCEWithLogits(net.Forward(x), x), 1))
	}
	opt := &optim.KFACStep[float32]{
		Rec:        nn.Record(net),
		KFAC:       optim.KFAC[float32]{Damping: 1, InvEvery: kfacCycle},
		AdaptEvery: 5,
		Loss:       func() float64 { return float64(loss().Item()) },
	}
	cycle := func() {
		for range kfacCycle {
			nn.ZeroGrad(net)
			loss().Backward()
			if err := opt.Step(params); err != nil {
				b.Fatal(err)
			}
		}
	}
	cycle()
	b.ReportAllocs()
	for b.Loop() {
		cycle()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*kfacCycle), "ns/step")
}

// kfacCycle is the number of K-FAC steps between inversions.
const kfacCycle = 10
