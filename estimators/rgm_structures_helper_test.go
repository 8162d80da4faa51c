package estimators

import (
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// The structures of the tests: the solvers' traces with the number of
// variables (items or edges) that the enumerations need.

type structure interface {
	solvers.Tracer
	Len() int
}

// Trace and TraceStep name the solvers' types in the tests.
type (
	Trace     = solvers.Trace
	TraceStep = solvers.TraceStep
)

// kruskalTree is the spanning tree of the complete graph on N nodes.
type kruskalTree struct{ N int }

func (s kruskalTree) Len() int              { return solvers.NumEdges(s.N) }
func (s kruskalTree) Edge(k int) (u, v int) { return solvers.EdgeNodes(s.N, k) }
func (s kruskalTree) Trace(z, e []float64) Trace {
	return solvers.SpanningTree[float64]{N: s.N}.Trace(z, e)
}

// topKSubset is the K-subset of N items.
type topKSubset struct{ N, K int }

func (s topKSubset) Len() int                   { return s.N }
func (s topKSubset) Trace(z, e []float64) Trace { return solvers.TopK[float64]{K: s.K}.Trace(z, e) }

// edmondsArborescence is the arborescence of the complete digraph on N
// nodes rooted at Root.
type edmondsArborescence struct{ N, Root int }

func (s edmondsArborescence) Len() int { return s.N * s.N }
func (s edmondsArborescence) Trace(z, e []float64) Trace {
	return solvers.Arborescence[float64]{N: s.N, Root: s.Root}.Trace(z, e)
}

// rgmEst is an estimator at the logits of a structure.
type rgmEst func(rnd *rand.Rand, logits *ad.Tensor[float64], f Func[float64]) Estimate[float64]

// onStructure returns e at the logits of st.
func onStructure[T ad.Float](st solvers.Tracer, e Estimator[T]) func(*rand.Rand, *ad.Tensor[T], Func[T]) Estimate[T] {
	return func(rnd *rand.Rand, logits *ad.Tensor[T], f Func[T]) Estimate[T] {
		return e.Estimate(rnd, Structured[T]{Logits: logits, Structure: st}, f)
	}
}

// rgmCritic returns the reference's critic for n variables as RELAX's
// residual, with its parameters.
func rgmCritic[T ad.Float](rnd *rand.Rand, n, hidden int) (Func[T], []*ad.Tensor[T]) {
	m := nn.NewMLP(rnd, []int{n, hidden, 1}, ad.ReLU[T])
	return Critic(m), m.Params()
}
