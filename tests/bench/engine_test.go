package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

// mlp is the benchmark network 784-512-256-20 with ReLU, written directly on
// the engine so that the benchmark measures the engine alone. Its layers
// are the fused ad.Linear, as nn.Linear's; the PyTorch twin uses addmm, as
// torch.nn.Linear does.
type mlp[T ad.Float] struct {
	ws, bs []*ad.Tensor[T]
	params []*ad.Tensor[T]
	opt    optim.SGD[T]
}

func newMLP[T ad.Float](rnd *rand.Rand, widths ...int) *mlp[T] {
	m := &mlp[T]{}
	for i := 1; i < len(widths); i++ {
		w := ad.Randn[T](rnd, widths[i-1], widths[i])
		scale := T(1 / float64(widths[i-1]))
		for j := range w.Data {
			w.Data[j] *= scale
		}
		m.ws = append(m.ws, ad.Param(w))
		m.bs = append(m.bs, ad.Param(ad.Zeros[T](widths[i])))
		m.params = append(m.params, m.ws[i-1], m.bs[i-1])
	}
	m.opt.LR = 1e-4
	return m
}

// step is one training step in a Scope, the engine's arena for a step's
// outputs, as a training loop should run it.
func (m *mlp[T]) step(x, y *ad.Tensor[T]) T {
	s := new(ad.Scope)
	defer s.Release()
	h := ad.In(s, x)
	for i := range m.ws {
		h = ad.Linear(h, m.ws[i], m.bs[i])
		if i < len(m.ws)-1 {
			h = ad.ReLU(h)
		}
	}
	loss := ad.Sum(ad.BCEWithLogits(h, y))
	loss.Backward()
	if err := m.opt.Step(m.params); err != nil {
		panic(err)
	}
	for _, p := range m.params {
		p.ZeroGrad()
	}
	return loss.Item()
}

func benchMLPStep[T ad.Float](b *testing.B) {
	rnd := rand.New(rand.NewPCG(1, 2))
	m := newMLP[T](rnd, 784, 512, 256, 20)
	x := ad.Randn[T](rnd, 100, 784)
	y := ad.Zeros[T](100, 20)
	for i := range y.Data {
		if rnd.IntN(2) == 1 {
			y.Data[i] = 1
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		m.step(x, y)
	}
}

// BenchmarkMLPStep is one SGD step (optim.SGD, which also checks the
// gradients for NaN) of an MLP 784-512-256-20 with ReLU and the summed
// sigmoid binary cross-entropy over a batch of 100.
func BenchmarkMLPStep(b *testing.B) {
	b.Logf("BLAS back end: %s", ad.Backend())
	b.Run("float32", benchMLPStep[float32])
	b.Run("float64", benchMLPStep[float64])
}

// BenchmarkMLPStepGEMMs runs the matrix products of one BenchmarkMLPStep on
// raw BLAS into preallocated buffers, nothing else: the floor of that step.
// Per layer, forward x·W, backward xᵀ·g for W and g·Wᵀ for the layer's
// input (not for the first layer, whose input is data).
func BenchmarkMLPStepGEMMs(b *testing.B) {
	b.Run("float32", benchMLPGEMMs[float32])
	b.Run("float64", benchMLPGEMMs[float64])
}

func benchMLPGEMMs[T ad.Float](b *testing.B) {
	const batch = 100
	widths := []int{784, 512, 256, 20}
	rnd := rand.New(rand.NewPCG(1, 2))
	var ws, acts, grads [][]T
	acts = append(acts, ad.Randn[T](rnd, batch, widths[0]).Data)
	grads = append(grads, nil)
	for i := 1; i < len(widths); i++ {
		ws = append(ws, ad.Randn[T](rnd, widths[i-1], widths[i]).Data)
		acts = append(acts, make([]T, batch*widths[i]))
		grads = append(grads, ad.Randn[T](rnd, batch, widths[i]).Data)
	}
	dws := make([][]T, len(ws))
	for i, w := range ws {
		dws[i] = make([]T, len(w))
	}
	dx := make([][]T, len(widths))
	for i := 1; i < len(widths)-1; i++ {
		dx[i] = make([]T, batch*widths[i])
	}
	for b.Loop() {
		for i, w := range ws {
			k, n := widths[i], widths[i+1]
			ad.Gemm(false, false, batch, n, k, acts[i], k, w, n, 0, acts[i+1], n)
		}
		for i := len(ws) - 1; i >= 0; i-- {
			k, n := widths[i], widths[i+1]
			ad.Gemm(true, false, k, n, batch, acts[i], k, grads[i+1], n, 1, dws[i], n)
			if i > 0 {
				ad.Gemm(false, true, batch, k, n, grads[i+1], n, ws[i], n, 1, dx[i], k)
			}
		}
	}
}

// BenchmarkGEMM compares a float32 matrix product through the engine (output
// allocation and graph bookkeeping included, in a Scope as a training step
// runs it) with the raw BLAS call into a preallocated buffer: the engine's
// overhead.
func BenchmarkGEMM(b *testing.B) {
	for _, s := range [][3]int{{100, 784, 512}, {512, 512, 512}} {
		m, k, n := s[0], s[1], s[2]
		rnd := rand.New(rand.NewPCG(3, 4))
		a := ad.Randn[float32](rnd, m, k)
		w := ad.Param(ad.Randn[float32](rnd, k, n))
		name := fmt.Sprintf("%dx%dx%d", m, k, n)
		flops := 2 * float64(m*k*n)
		b.Run("engine/"+name, func(b *testing.B) {
			for b.Loop() {
				s := new(ad.Scope)
				ad.MatMul(ad.In(s, a), w)
				s.Release()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run("raw/"+name, func(b *testing.B) {
			c := make([]float32, m*n)
			for b.Loop() {
				ad.Gemm(false, false, m, n, k, a.Data, k, w.Data, n, 0, c, n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkOpChain runs 1,000 small elementwise ops on 8-element tensors,
// forward and backward; ns/op-elem is the time per op.
func BenchmarkOpChain(b *testing.B) {
	const ops = 1000
	rnd := rand.New(rand.NewPCG(5, 6))
	x := ad.Param(ad.Randn[float32](rnd, 8))
	c := ad.Full[float32](0.999, 8)
	b.ReportAllocs()
	for b.Loop() {
		h := x
		for i := range ops {
			switch i % 4 {
			case 0:
				h = ad.Mul(h, c)
			case 1:
				h = ad.Tanh(h)
			case 2:
				h = ad.Add(h, c)
			case 3:
				h = ad.Sub(h, c)
			}
		}
		ad.Sum(h).Backward()
		x.ZeroGrad()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/ops, "ns/op-elem")
}
