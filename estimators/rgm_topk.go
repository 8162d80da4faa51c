package estimators

import "fmt"

// TopKSubset is the k-subset of N items computed by K successive argmins of
// exponentials: the K items of smallest E (largest Gumbel-perturbed logit),
// which is sampling K items without replacement. Step s takes the argmin
// over the items not chosen yet, so the trace is the chosen items in order
// and log p(T) is the Plackett-Luce probability of that ordered prefix. The
// indicator z has a one at each chosen item.
type TopKSubset struct {
	N, K int
}

// NewTopKSubset returns the k-subsets of n items, rejecting sizes outside
// 1 ≤ k ≤ n.
func NewTopKSubset(n, k int) (TopKSubset, error) {
	s := TopKSubset{N: n, K: k}
	return s, s.check()
}

func (s TopKSubset) check() error {
	if s.K < 1 || s.K > s.N {
		return fmt.Errorf("estimators: TopKSubset needs 1 ≤ K ≤ N, got N = %d, K = %d", s.N, s.K)
	}
	return nil
}

// Len returns N.
func (s TopKSubset) Len() int { return s.N }

// Trace implements Structure.
func (s TopKSubset) Trace(z, e []float64) Trace {
	if err := s.check(); err != nil {
		panic(err.Error())
	}
	rgmCheckLen("TopKSubset.Trace", s.N, z, e)
	clear(z)
	steps := make([]TraceStep, s.K)
	cands := make([]int, s.N)
	for i := range cands {
		cands[i] = i
	}
	for t := range s.K {
		arg := rgmArgmin(e, cands)
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

// rgmCheckLen panics unless z and e have length n.
func rgmCheckLen(op string, n int, z, e []float64) {
	if len(z) != n || len(e) != n {
		panic(fmt.Sprintf("estimators.%s: indicator of length %d and exponentials of length %d for %d variables", op, len(z), len(e), n))
	}
}
