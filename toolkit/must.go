package toolkit

// Must returns v, and panics with err when err is not nil: notebooks call
// constructors that validate their parameters as
//
//	p := toolkit.Must(distributions.NewBernoulliProbs(probs))
//
// rather than repeating "if err != nil { panic(err) }". A panic in a cell
// fails the cell, which is what a notebook wants from an invalid setting;
// library code returns the error instead.
func Must[V any](v V, err error) V {
	if err != nil {
		panic(err)
	}
	return v
}
