package solvers

import "fmt"

// Execution traces of recursive argmin algorithms, for the recursive
// Gumbel-Max trick with stochastic invariants (Struminsky et al. 2021).
//
// The MAP solvers TopK, SpanningTree and Arborescence maximise ⟨θ, z⟩. Their
// Trace methods run the same combinatorial algorithm as a sequence of argmins
// over exponential variables E_e (one per item or edge), reducing the
// candidates' values by each step's minimum, and record the steps: which
// candidates each argmin looked at and which it chose. With E_e =
// exp(−θ_e)·ε_e the structure is a sample of the Gumbel-Max distribution over
// structures with logits θ, and the trace has a closed-form probability;
// package estimators builds its estimators on it.

// TraceStep is one step of a recursive argmin algorithm: Arg is the index of
// the smallest exponential (reduced by earlier minima) among Candidates.
type TraceStep struct {
	Candidates []int
	Arg        int
}

// Trace is the execution trace of a recursive argmin algorithm: its steps in
// the order they ran. The structure is a function of the trace.
type Trace struct {
	Steps []TraceStep
}

// Args returns the argmin of each step, in order. For the structures here
// the sequence of argmins determines the whole trace.
func (tr Trace) Args() []int {
	a := make([]int, len(tr.Steps))
	for s, st := range tr.Steps {
		a[s] = st.Arg
	}
	return a
}

// Equal reports whether two traces have the same steps.
func (tr Trace) Equal(u Trace) bool {
	if len(tr.Steps) != len(u.Steps) {
		return false
	}
	for s, st := range tr.Steps {
		v := u.Steps[s]
		if st.Arg != v.Arg || len(st.Candidates) != len(v.Candidates) {
			return false
		}
		for i, c := range st.Candidates {
			if v.Candidates[i] != c {
				return false
			}
		}
	}
	return true
}

// Used returns, for n variables, which ones appear in some candidate set.
// The others never influence the algorithm (the diagonal and the edges into
// the root of an arborescence); the estimators give them zero score.
func (tr Trace) Used(n int) []bool {
	u := make([]bool, n)
	for _, st := range tr.Steps {
		for _, c := range st.Candidates {
			u[c] = true
		}
	}
	return u
}

// Tracer is a combinatorial structure computed by a recursive argmin
// algorithm over exponential variables: TopK, SpanningTree and Arborescence
// implement it.
type Tracer interface {
	// Trace runs the algorithm on the exponentials e, writes the structure's
	// 0/1 indicator into z (both of the same length, the number of items
	// or edges) and returns the trace.
	Trace(z, e []float64) Trace
}

// argminOf returns the candidate with the smallest w, the first on ties.
func argminOf(w []float64, cands []int) int {
	best := cands[0]
	for _, k := range cands[1:] {
		if w[k] < w[best] {
			best = k
		}
	}
	return best
}

// checkTraceLen panics unless z and e have length n.
func checkTraceLen(op string, n int, z, e []float64) {
	if len(z) != n || len(e) != n {
		panic(fmt.Sprintf("solvers: %s: indicator of length %d and exponentials of length %d for %d variables", op, len(z), len(e), n))
	}
}
