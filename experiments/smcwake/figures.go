package smcwake

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/stochgrad/stochgrad/viz"
)

// TraceFigure draws metric k of each method's fit against the step.
func TraceFigure(rows []Row, k int, logY bool) viz.Line {
	name := Metrics[rows[0].Problem][k]
	l := viz.Line{Title: fmt.Sprintf("%s: %s during the fit", rows[0].Problem, name), XLabel: "gradient step", YLabel: name, LogY: logY}
	for _, r := range rows {
		s := viz.Series{Name: r.Method}
		for _, p := range r.Trace {
			s.X, s.Y = append(s.X, float64(p.Step)), append(s.Y, p.Metrics[k])
		}
		l.Series = append(l.Series, s)
	}
	return l
}

// MoonsFigure draws θ from the exact posterior of the first evaluation
// observation beside draws from each method's q.
func MoonsFigure(res Result, n int) viz.Scatter {
	x := res.MoonsX0
	sc := viz.Scatter{Title: fmt.Sprintf("two moons: p(θ | x) and q(θ | x) at x = (%.3f, %.3f)", x[0], x[1]), XLabel: "θ₁", YLabel: "θ₂"}
	post := viz.Series{Name: "exact posterior (grid)"}
	for _, t := range res.MoonsPosterior[:min(n, len(res.MoonsPosterior))] {
		post.X, post.Y = append(post.X, t[0]), append(post.Y, t[1])
	}
	sc.Series = append(sc.Series, post)
	rnd := rand.New(rand.NewPCG(3, 3))
	for _, r := range res.Moons {
		s := viz.Series{Name: "q, " + r.Method}
		for range n {
			t := drawTheta(rnd, r.W, r.Mu, r.SD)
			s.X, s.Y = append(s.X, t[0]), append(s.Y, t[1])
		}
		sc.Series = append(sc.Series, s)
	}
	return sc
}

// ConsistencyFigure draws each estimator's relative bias against the
// number of SMC runs, with the noise floor of estimator (a)'s.
func ConsistencyFigure(rows []ConsistencyRow) viz.Line {
	l := viz.Line{Title: "bias of the SMC-Wake gradient estimators, ‖E ĝ − g‖/‖g‖", XLabel: "SMC runs M", YLabel: "relative bias", LogX: true, LogY: true}
	var floor viz.Series
	for _, name := range Estimators {
		s := viz.Series{Name: name}
		for _, r := range rows {
			if r.Estimator != name {
				continue
			}
			s.X, s.Y = append(s.X, float64(r.M)), append(s.Y, r.Bias)
			if name == "(a)" {
				floor.X, floor.Y = append(floor.X, float64(r.M)), append(floor.Y, r.Floor)
			}
		}
		l.Series = append(l.Series, s)
	}
	floor.Name = "noise floor of (a)'s bias"
	l.Series = append(l.Series, floor)
	return l
}

// NaiveKFigure draws the naive estimator's relative bias after one run
// against the number of particles, with its noise floor.
func NaiveKFigure(rows []ConsistencyRow) viz.Line {
	l := viz.Line{Title: "bias of the naive estimator after one SMC run", XLabel: "particles K", YLabel: "relative bias", LogX: true, LogY: true}
	b, f := viz.Series{Name: "naive"}, viz.Series{Name: "noise floor"}
	for _, r := range rows {
		b.X, b.Y = append(b.X, float64(r.K)), append(b.Y, r.Bias)
		f.X, f.Y = append(f.X, float64(r.K)), append(f.Y, r.Floor)
	}
	l.Series = []viz.Series{b, f}
	return l
}

// Find returns the row of estimator e after m runs.
func Find(rows []ConsistencyRow, e string, m int) ConsistencyRow {
	for _, r := range rows {
		if r.Estimator == e && r.M == m {
			return r
		}
	}
	panic(fmt.Sprintf("smcwake.Find: no row for %s after %d runs", e, m))
}

// Table returns the final metrics of rows as aligned text, one line per
// method, with wall time and SMC runs.
func Table(rows []Row) string {
	var b strings.Builder
	names := Metrics[rows[0].Problem]
	fmt.Fprintf(&b, "%-9s", "method")
	for _, n := range names {
		fmt.Fprintf(&b, " %34s", n)
	}
	fmt.Fprintf(&b, " %9s %9s\n", "seconds", "SMC runs")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-9s", r.Method)
		for _, v := range r.Final {
			fmt.Fprintf(&b, " %34.4f", v)
		}
		fmt.Fprintf(&b, " %9.1f %9d\n", r.Seconds, r.SMCRuns)
	}
	return b.String()
}
