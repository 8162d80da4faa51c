package estimators_test

import (
	"fmt"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// An I-MLE top-2 layer without noise: the forward pass is MAP(θ), and the
// backward pass compares it with the MAP state of θ − λ·dy. Here the loss
// wants item 3 in the subset (dy = −1 there), and with λ = 4 the target
// θ − λ·dy = (3, 1, 2, 4) swaps item 2 for it: the gradient (z − z')/λ is
// +1/4 on item 2 and −1/4 on item 3, so a descent step raises θ₃.
func ExampleIMLE() {
	layer := estimators.IMLE[float64]{
		Solver: solvers.TopK[float64]{K: 2},
		Target: estimators.PerturbationTarget[float64]{Alpha: 1, Lambda: 4},
	}
	theta := ad.Param(ad.New([]float64{3, 1, 2, 0}, 1, 4))
	z := layer.Apply(nil, theta) // [1 instance, 1 sample, 4]
	fmt.Println(z.Data)
	z.BackwardWith(ad.New([]float64{0, 0, 0, -1}, 1, 1, 4))
	fmt.Println(theta.Grad)
	// Output:
	// [1 0 1 0]
	// [0 0 0.25 -0.25]
}
