package estimators

import (
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// The toy objectives of experiments/rgm, which imports this package, as
// black-box losses for the tests here: the spanning-tree edges off node 0,
// and minus the largest out-degree of an arborescence.

func RGMSpanningTreeLoss(n int) Func[float64] {
	m := solvers.NumEdges(n)
	return func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		out := ad.Zeros[float64](z.Dim(0))
		for i := range out.Data {
			for k := range m {
				if u, _ := solvers.EdgeNodes(n, k); u != 0 {
					out.Data[i] += z.Data[i*m+k]
				}
			}
		}
		return out
	}
}

func RGMArborescenceLoss(n int) Func[float64] {
	return func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		out := ad.Zeros[float64](z.Dim(0))
		for i := range out.Data {
			for u := range n {
				deg := 0.0
				for v := range n {
					deg += z.Data[i*n*n+u*n+v]
				}
				out.Data[i] = min(out.Data[i], -deg)
			}
		}
		return out
	}
}
