package wakesleep

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/stochgrad/stochgrad/datasets"
)

// barsData returns n images of the 5×5 bars toy as rows of {0,1}.
func barsData(t testing.TB, n int, rnd *rand.Rand) *mat.Dense {
	t.Helper()
	im, _, err := datasets.Bars{}.Generate(n, rnd)
	if err != nil {
		t.Fatal(err)
	}
	x := mat.NewDense(n, im.Rows*im.Cols, nil)
	for i := range n {
		for j, v := range im.Image(i) {
			x.Set(i, j, float64(v))
		}
	}
	return x
}

// meanLL returns the mean exact log-likelihood of the rows of x under m.
func meanLL(t testing.TB, m *Machine, x *mat.Dense) float64 {
	t.Helper()
	ll, err := m.LogLikelihood(x)
	if err != nil {
		t.Fatal(err)
	}
	return stat.Mean(ll, nil)
}
