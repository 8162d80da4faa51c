package solvers

import "fmt"

// Trace computes the k-subset of len(e) items by K successive argmins of the
// exponentials e: the K items of smallest E (largest Gumbel-perturbed
// logit), which is sampling K items without replacement. Step s takes the
// argmin over the items not chosen yet, so the trace is the chosen items in
// order and log p(T) is the Plackett-Luce probability of that ordered
// prefix. The indicator z gets a one at each chosen item. It panics unless
// 1 ≤ K ≤ len(e) = len(z).
func (s TopK[T]) Trace(z, e []float64) Trace {
	n := len(e)
	if s.K < 1 || s.K > n {
		panic(fmt.Sprintf("solvers: TopK.Trace: K = %d for %d items; it needs 1 ≤ K ≤ %d", s.K, n, n))
	}
	checkTraceLen("TopK.Trace", n, z, e)
	clear(z)
	steps := make([]TraceStep, s.K)
	cands := make([]int, n)
	for i := range cands {
		cands[i] = i
	}
	for t := range s.K {
		arg := argminOf(e, cands)
		steps[t] = TraceStep{Candidates: append([]int(nil), cands...), Arg: arg}
		z[arg] = 1
		// Remove arg, keeping the candidates in index order.
		for i, c := range cands {
			if c == arg {
				cands = append(cands[:i], cands[i+1:]...)
				break
			}
		}
	}
	return Trace{Steps: steps}
}
