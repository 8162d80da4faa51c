package imle

import (
	"fmt"
	"math"

	"github.com/stochgrad/stochgrad/viz"
)

// FidelityFigure draws the gradient-fidelity experiment as the AIMLE
// paper does: the mean cosine similarity to the exact gradient against the
// number of samples on a logarithmic axis, one line per estimator.
func FidelityFigure(title string, f *Fidelity) viz.Line {
	x := make([]float64, len(f.Samples))
	for i, s := range f.Samples {
		x[i] = float64(s)
	}
	l := viz.Line{Title: title, XLabel: "samples S", YLabel: "cosine similarity", LogX: true}
	for e, name := range f.Names {
		l.Series = append(l.Series, viz.Series{Name: name, X: x, Y: f.Mean[e]})
	}
	return l
}

// OptimisationFigure draws the optimisation experiment as the I-MLE
// paper does: the optimality gap E[L] − min L against the SGD step, one
// line per run. A run longer than the shortest is thinned to every k-th
// point and labelled "(steps ×k)", as the paper shows the score function
// run for ten times as many steps.
func OptimisationFigure(title string, o *Optimisation) viz.Line {
	shortest := math.MaxInt
	for _, g := range o.Gap {
		shortest = min(shortest, len(g))
	}
	l := viz.Line{Title: title, XLabel: "SGD step", YLabel: "optimality gap"}
	for r, g := range o.Gap {
		name, k := o.Names[r], 1
		if len(g) > shortest && shortest > 1 {
			k = (len(g) - 1) / (shortest - 1)
			name = fmt.Sprintf("%s (steps ×%d)", name, k)
		}
		s := viz.Series{Name: name}
		for t := 0; t < shortest; t++ {
			s.X = append(s.X, float64(t))
			s.Y = append(s.Y, g[t*k])
		}
		l.Series = append(l.Series, s)
	}
	return l
}
