// Package tests holds the integration tests: every notebook executed
// headlessly with its results checked, browser rendering, cross-checks and
// (in tests/bench) benchmarks.
package tests

import (
	"fmt"
	"math"

	"github.com/stochgrad/stochgrad/kernel"
)

// Expectation bounds one result a notebook prints, as the line
// "RESULT <Name> <value>" of its last cell, in quick mode.
type Expectation struct {
	Name     string
	Min, Max float64 // the value must lie in [Min, Max]
	// Source is where the bound comes from: the paper's figure or table
	// the notebook reproduces, or the derivation of an exact value and
	// its tolerance.
	Source string
}

// Expectations lists, by notebook file name, every result the notebook
// prints in quick mode (STOCHGRAD_QUICK=1). A notebook must print exactly
// these names, each once, with values inside the bounds.
var Expectations = map[string][]Expectation{
	// Bounds as the notebooks' Results sections state them.
	"00_tour.ipynb": {
		{Name: "gradcheck_max_error", Min: 0, Max: 1e-6,
			Source: "toolkit/ad's finite-difference gradient check tolerance (1e-6)"},
		{Name: "vae_neg_elbo", Min: 155.6, Max: 333.2,
			Source: "at least the lower bound 784·H(0.05) = 155.6 nats per image on the data's entropy; below 333.2, " +
				"the midpoint between the upper bound 155.6 + ln 10 = 157.9 on that entropy and the best model " +
				"without a latent variable (508.5 nats), as in toolkit/models' VAE test"},
	},
	"03_recursive_gumbel_max.ipynb": rgmExpectations(),
}

// rgmExpectations are the variance ratios of Struminsky et al. (2021),
// Leveraging Recursive Gumbel-Max Trick for Approximate Inference in
// Combinatorial Spaces, on each structure of the notebook.
func rgmExpectations() []Expectation {
	var exps []Expectation
	for _, s := range []string{"spanning_tree", "arborescence", "topk"} {
		exps = append(exps,
			Expectation{Name: s + "_var_ratio_treinforce_plus", Min: 0, Max: 1,
				Source: "Struminsky et al. 2021, the variance ordering of their figures: T-REINFORCE+ below E-REINFORCE"},
			Expectation{Name: s + "_var_ratio_treinforce", Min: 0, Max: 1,
				Source: "Rao-Blackwellisation: T-REINFORCE is E-REINFORCE conditioned on the trace"},
		)
	}
	// The toys' optima and their expected loss at zero logits, where the
	// quick runs start; the full runs reach the optima (0.000, −9.00,
	// 0.003 for T-REINFORCE+).
	return append(exps,
		Expectation{Name: "spanning_tree_final_loss_treinforce_plus", Min: 0, Max: 0.5,
			Source: "optimum 0 (no tree edge off node 0); from 4.36 at zero logits, 2000 quick steps reach 0.115"},
		Expectation{Name: "arborescence_final_loss_treinforce_plus", Min: -9, Max: -8.5,
			Source: "optimum −9 on 10 nodes; from −2.53 at zero logits, 2000 quick steps reach −8.79"},
		Expectation{Name: "topk_final_loss_treinforce_plus", Min: 0, Max: 2.9,
			Source: "optimum 0; within 20% of the loss 14.7 at zero logits after 1000 quick steps (measured 1.39)"},
	)
}

// CheckNotebook checks the RESULT lines of an executed notebook against
// exps. It returns one error per problem: no RESULT line at all, a
// malformed line, a result without an expectation, an expectation without
// a result, or a value outside its bounds (NaN included).
func CheckNotebook(res *kernel.Result, exps []Expectation) []error {
	lines, err := res.ResultLines()
	if err != nil {
		return []error{err}
	}
	if len(lines) == 0 {
		return []error{fmt.Errorf("notebook %s prints no RESULT line in its last cell", res.Path)}
	}
	want := make(map[string]Expectation, len(exps))
	for _, e := range exps {
		want[e.Name] = e
	}
	var errs []error
	got := make(map[string]bool, len(lines))
	for _, l := range lines {
		got[l.Name] = true
		e, ok := want[l.Name]
		if !ok {
			errs = append(errs, fmt.Errorf("notebook %s: RESULT %s %g has no expectation in tests/expectations.go", res.Path, l.Name, l.Value))
			continue
		}
		// Written so that NaN fails.
		if !(l.Value >= e.Min && l.Value <= e.Max) {
			errs = append(errs, fmt.Errorf("notebook %s: RESULT %s = %g, want it in [%g, %g] (%s)", res.Path, l.Name, l.Value, e.Min, e.Max, e.Source))
		}
	}
	for _, e := range exps {
		if !got[e.Name] {
			errs = append(errs, fmt.Errorf("notebook %s does not print RESULT %s (expected in [%g, %g], %s)", res.Path, e.Name, e.Min, e.Max, e.Source))
		}
	}
	return errs
}

// checkExpectations returns the problems of an expectation list itself:
// an empty or repeated name, an empty or inverted interval, NaN bounds, or
// no source.
func checkExpectations(notebook string, exps []Expectation) []error {
	var errs []error
	seen := make(map[string]bool)
	for _, e := range exps {
		switch {
		case e.Name == "":
			errs = append(errs, fmt.Errorf("%s: expectation without a name", notebook))
		case seen[e.Name]:
			errs = append(errs, fmt.Errorf("%s: expectation %s listed twice", notebook, e.Name))
		case math.IsNaN(e.Min) || math.IsNaN(e.Max) || e.Min > e.Max:
			errs = append(errs, fmt.Errorf("%s: expectation %s has bounds [%g, %g]", notebook, e.Name, e.Min, e.Max))
		case e.Source == "":
			errs = append(errs, fmt.Errorf("%s: expectation %s does not say where its bounds come from", notebook, e.Name))
		}
		seen[e.Name] = true
	}
	return errs
}
