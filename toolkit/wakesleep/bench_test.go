package wakesleep

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// mnistSized returns the reference's MNIST machine, 784-200-100-10, and a
// random binary batch of 32 images.
func mnistSized(b *testing.B) (*Machine, *mat.Dense) {
	rnd := rand.New(rand.NewPCG(1, 1))
	m, err := New([]int{784, 200, 100, 10}, PlusMinusOne, rnd)
	if err != nil {
		b.Fatal(err)
	}
	x := mat.NewDense(32, 784, nil)
	x.Apply(func(_, _ int, _ float64) float64 {
		if rnd.Float64() < 0.13 {
			return 1
		}
		return 0
	}, x)
	return m, x
}

// BenchmarkStep times one step of the reference's MNIST configuration
// (B = 32, K = 5, SGD) for each algorithm.
func BenchmarkStep(b *testing.B) {
	for _, cfg := range []Config{{Algorithm: WS}, {Algorithm: RWS}, {Algorithm: NRWS}, {Algorithm: NRWS, Every: 10}} {
		name := cfg.Algorithm.String()
		if cfg.Every > 0 {
			name += "/every10"
		}
		b.Run(name, func(b *testing.B) {
			m, x := mnistSized(b)
			tr, err := NewTrainer(m, cfg)
			if err != nil {
				b.Fatal(err)
			}
			rnd := rand.New(rand.NewPCG(2, 2))
			for b.Loop() {
				if err := tr.Step(x, rnd); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkImportanceLogLikelihood times the held-out estimate with
// K = 5000 for one MNIST-sized image.
func BenchmarkImportanceLogLikelihood(b *testing.B) {
	m, x := mnistSized(b)
	rnd := rand.New(rand.NewPCG(3, 3))
	one := x.Slice(0, 1, 0, 784).(*mat.Dense)
	for b.Loop() {
		m.ImportanceLogLikelihood(one, 5000, rnd)
	}
}
