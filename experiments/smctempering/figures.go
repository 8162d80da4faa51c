package smctempering

import (
	"fmt"

	"github.com/stochgrad/stochgrad/viz"
)

// Schedules returns the temperature and the ESS (as a fraction of K,
// after weighting and before resampling) against the stage, one series
// per traced run; stage 0 is the prior at temperature 0 with ESS K.
func Schedules(traces []Trace) (temperature, ess viz.Line) {
	temperature = viz.Line{Title: "adaptive temperature schedules", XLabel: "stage", YLabel: "temperature τ"}
	ess = viz.Line{Title: "ESS after weighting (resampled below 0.5)", XLabel: "stage", YLabel: "ESS / K"}
	for _, tr := range traces {
		ts := viz.Series{Name: tr.Model, X: []float64{0}, Y: []float64{0}}
		es := viz.Series{Name: tr.Model, X: []float64{0}, Y: []float64{1}}
		k := float64(tr.K)
		for _, in := range tr.Infos {
			ts.X, ts.Y = append(ts.X, float64(in.Stage)), append(ts.Y, in.Temperature)
			es.X, es.Y = append(es.X, float64(in.Stage)), append(es.Y, in.ESS/k)
		}
		temperature.Series, ess.Series = append(temperature.Series, ts), append(ess.Series, es)
	}
	return temperature, ess
}

// OrderFigure returns E[Ẑ/Z] on the 1-D model for both orderings against
// K, with METHODS.md §4's measurements beside them.
func OrderFigure(rows []OrderRow) viz.Bar {
	b := viz.Bar{Title: "E[Ẑ/Z] on the 1-D Gaussian (5 random-walk moves per stage, sd 0.3)", XLabel: "particles K", YLabel: "E[Ẑ/Z]"}
	std, ref := viz.Series{Name: "standard (weight, resample, move)"}, viz.Series{Name: "reference (move, then weight)"}
	for _, r := range rows {
		if r.Order == "standard" {
			b.Labels = append(b.Labels, fmt.Sprint(r.K))
			std.Y = append(std.Y, r.ZRatio)
		} else {
			ref.Y = append(ref.Y, r.ZRatio)
		}
	}
	b.Series = []viz.Series{std, ref}
	return b
}

// ResamplingFigures returns the offspring variance of each scheme and
// the variance of log Ẑ for each scheme and number of moves per stage.
func ResamplingFigures(rows []ResampleRow) (offspring, logZ viz.Bar) {
	offspring = viz.Bar{Title: "offspring variance per particle (one weight vector, ESS = K/2)", XLabel: "scheme", YLabel: "mean Var(N_i)"}
	logZ = viz.Bar{Title: "variance of log Ẑ over runs (1-D Gaussian, resampling every stage)", XLabel: "scheme", YLabel: "Var(log Ẑ)"}
	os := viz.Series{Name: "offspring variance"}
	var ls []viz.Series
	for _, r := range rows {
		if r.Moves == rows[0].Moves {
			offspring.Labels = append(offspring.Labels, r.Scheme)
			logZ.Labels = append(logZ.Labels, r.Scheme)
			os.Y = append(os.Y, r.OffspringVar)
		}
		name := fmt.Sprintf("%d moves per stage", r.Moves)
		if len(ls) == 0 || ls[len(ls)-1].Name != name {
			ls = append(ls, viz.Series{Name: name})
		}
		ls[len(ls)-1].Y = append(ls[len(ls)-1].Y, r.LogZVar)
	}
	offspring.Series, logZ.Series = []viz.Series{os}, ls
	return offspring, logZ
}

// MovesFigure returns log Ẑ − log Z and the posterior-mean error against
// the random-walk moves per stage in the high-dimensional model.
func MovesFigure(rows []Summary) viz.Line {
	l := viz.Line{Title: "log Ẑ − log Z against moves per stage", XLabel: "random-walk moves per stage", YLabel: "mean over runs", LogX: true}
	lz, me := viz.Series{Name: "log Ẑ − log Z"}, viz.Series{Name: "posterior-mean error ‖μ̂ − μ‖"}
	for _, r := range rows {
		lz.X, lz.Y = append(lz.X, float64(r.Moves)), append(lz.Y, r.LogZErr)
		me.X, me.Y = append(me.X, float64(r.Moves)), append(me.Y, r.MeanErr)
	}
	if len(rows) > 0 {
		l.Title += fmt.Sprintf(" (%s, K=%d)", rows[0].Model, rows[0].K)
	}
	l.Series = []viz.Series{lz, me}
	return l
}
