package optim_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

// Minimise (x − 3)² + (y + 1)² with Adam.
func ExampleAdam() {
	xy := ad.Param(ad.New([]float64{0, 0}, 2))
	target := ad.New([]float64{3, -1}, 2)
	opt := &optim.Adam[float64]{LR: 0.1}
	for range 500 {
		xy.ZeroGrad()
		ad.Sum(ad.Square(ad.Sub(xy, target))).Backward()
		if err := opt.Step([]*ad.Tensor[float64]{xy}); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Printf("x = %.3f, y = %.3f\n", xy.Data[0], xy.Data[1])
	// Output: x = 3.000, y = -1.000
}

// RMSprop is SGD on gradients preconditioned by their running RMS.
func ExamplePreconditioned() {
	xy := ad.Param(ad.New([]float64{0, 0}, 2))
	opt := &optim.Preconditioned[float64]{
		Base: &optim.SGD[float64]{LR: 0.01, Momentum: 0.9},
		P:    &optim.RMS[float64]{},
	}
	for range 1000 {
		xy.ZeroGrad()
		// An ill-conditioned bowl: curvatures 2 and 2000.
		loss := ad.Sum(ad.Mul(ad.New([]float64{1, 1000}, 2), ad.Square(ad.Sub(xy, ad.New([]float64{3, -1}, 2)))))
		loss.Backward()
		if err := opt.Step([]*ad.Tensor[float64]{xy}); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Printf("x = %.2f, y = %.2f\n", xy.Data[0], xy.Data[1])
	// Output: x = 3.00, y = -1.00
}

// A NaN gradient stops the step with an error naming the parameter.
func ExampleNonFiniteError() {
	w := ad.Param(ad.New([]float32{1, 2, 3}, 3))
	w.Grad = []float32{0.1, float32(math.NaN()), 0.3}
	err := (&optim.SGD[float32]{}).Step([]*ad.Tensor[float32]{w})
	fmt.Println(err)
	fmt.Println(w.Data)
	// Output:
	// optim: gradient of parameter 0 (shape [3]) is NaN at entry 1; parameters not updated
	// [1 2 3]
}

// K-FAC on a small regression network: the recorder gives the
// preconditioner each layer's inputs and output gradients.
func ExampleKFACStep() {
	rnd := rand.New(rand.NewPCG(1, 2))
	net := nn.NewMLP[float64](rnd, []int{2, 8, 1}, ad.Tanh[float64])
	x := ad.Randn[float64](rnd, 32, 2)
	y := ad.Sum(ad.Square(x), 1)
	y = ad.Reshape(y, 32, 1)
	loss := func() *ad.Tensor[float64] {
		return ad.Mean(ad.Square(ad.Sub(net.Forward(x), y)))
	}
	opt := &optim.KFACStep[float64]{
		Rec:  nn.Record(net),
		KFAC: optim.KFAC[float64]{Damping: 1}, // the initial λ, adapted
		Loss: func() float64 { return loss().Item() },
	}
	first := loss().Item()
	for range 50 {
		nn.ZeroGrad(net)
		loss().Backward()
		if err := opt.Step(net.Params()); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println("loss fell tenfold:", loss().Item() < first/10)
	// Output: loss fell tenfold: true
}
