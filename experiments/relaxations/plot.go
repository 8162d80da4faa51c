package relaxations

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/optim"
	"github.com/stochgrad/stochgrad/viz"
)

// ConcreteSimplex draws n samples of the Concrete (Gumbel-Softmax)
// distribution over three categories with the given logits at each
// temperature and returns them as a scatter in barycentric coordinates:
// one equilateral triangle per temperature, side by side, its corners
// the one-hot vectors (category 1 bottom left, 2 bottom right, 3 top).
// Low temperatures push the samples into the corners, high ones towards
// the centre, as in the simplex figures of Maddison, Mnih and Teh (2017).
func ConcreteSimplex(rnd *rand.Rand, logits, temperatures []float64, n int) (viz.Scatter, error) {
	if len(logits) != 3 {
		return viz.Scatter{}, fmt.Errorf("relaxations: ConcreteSimplex: %d logits; the simplex figure needs 3", len(logits))
	}
	if n < 1 {
		return viz.Scatter{}, fmt.Errorf("relaxations: ConcreteSimplex: %d samples; need ≥ 1", n)
	}
	l := ad.New(append([]float64(nil), logits...), 3)
	corners := viz.Series{Name: "one-hot corners"}
	var series []viz.Series
	for i, tau := range temperatures {
		d, err := distributions.NewRelaxedOneHotCategorical(l, tau)
		if err != nil {
			return viz.Scatter{}, fmt.Errorf("relaxations: ConcreteSimplex: %w", err)
		}
		off := 1.25 * float64(i)
		s := viz.Series{Name: fmt.Sprintf("τ = %g", tau)}
		for range n {
			x, y := simplexXY(d.Sample(rnd).Data)
			s.X, s.Y = append(s.X, x+off), append(s.Y, y)
		}
		series = append(series, s)
		for _, c := range [][]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}} {
			x, y := simplexXY(c)
			corners.X, corners.Y = append(corners.X, x+off), append(corners.Y, y)
		}
	}
	z := math.Exp(logits[0]) + math.Exp(logits[1]) + math.Exp(logits[2])
	return viz.Scatter{
		Title: fmt.Sprintf("Concrete samples on the simplex, probabilities (%.2f, %.2f, %.2f)",
			math.Exp(logits[0])/z, math.Exp(logits[1])/z, math.Exp(logits[2])/z),
		XLabel: "one triangle per temperature", YLabel: "",
		Series: append(series, corners),
	}, nil
}

// simplexXY maps a point of the 3-simplex to the plane.
func simplexXY(p []float64) (x, y float64) {
	return p[1] + p[2]/2, p[2] * math.Sqrt(3) / 2
}

// ConcreteDensity returns the density of the binary Concrete distribution
// (distributions.RelaxedBernoulli) with the given logit on a grid of points in
// (0, 1), one series per temperature, on a logarithmic density axis. For
// τ ≤ 1 the density is log-convex, piling up at 0 and 1; above 1 it is
// unimodal (Maddison et al. 2017, Proposition 1(d)).
func ConcreteDensity(logit float64, temperatures []float64, points int) (viz.Line, error) {
	if points < 2 {
		return viz.Line{}, fmt.Errorf("relaxations: ConcreteDensity: %d points; need ≥ 2", points)
	}
	x := make([]float64, points)
	for i := range x {
		x[i] = (float64(i) + 0.5) / float64(points)
	}
	xs := ad.New(x, points)
	var series []viz.Series
	for _, tau := range temperatures {
		d, err := distributions.NewRelaxedBernoulli(ad.Full(logit, points), tau)
		if err != nil {
			return viz.Line{}, fmt.Errorf("relaxations: ConcreteDensity: %w", err)
		}
		lp := d.LogProb(xs).Data
		y := make([]float64, points)
		for i, v := range lp {
			y[i] = math.Exp(v)
		}
		series = append(series, viz.Series{Name: fmt.Sprintf("τ = %g", tau), X: x, Y: y})
	}
	return viz.Line{
		Title:  fmt.Sprintf("binary Concrete density, logit %g (P(X > ½) = %.3f at every τ)", logit, 1/(1+math.Exp(-logit))),
		XLabel: "x", YLabel: "density", LogY: true, Series: series,
	}, nil
}

// ScoreVariance returns the exact total variance E‖ĝ − ∇‖² of REINFORCE
// with the given number of samples on the problem, by enumeration of its
// states: without a baseline (1/S)·(E[f²‖s‖²] − ‖a‖²), with s = ∇log p(z)
// and a = E[f·s] the exact gradient; with leaveOneOut the estimator with
// the leave-one-out baseline (estimators.LeaveOneOut, S ≥ 2), whose
// variance, with μ = E f,
//
//	(1/S)·(E[f²‖s‖²] − 2μ·E[f‖s‖²] + (E[f²] + (S−2)μ²)·E‖s‖²/(S−1))
//	  − ‖a‖²·(S−2)/(S(S−1))
//
// tends to that of the optimal constant baseline, (1/S)·(E[(f−μ)²‖s‖²] −
// ‖a‖²), as S grows.
func (p Problem) ScoreVariance(samples int, leaveOneOut bool) (float64, error) {
	if samples < 1 || leaveOneOut && samples < 2 {
		return 0, fmt.Errorf("relaxations: ScoreVariance: %d samples (leave-one-out %v); need ≥ 1, or ≥ 2 with leave-one-out", samples, leaveOneOut)
	}
	var mu, f2, s2, fs2, f2s2 float64
	a := make([]float64, len(p.Params))
	err := p.forStates(func(prob, f float64, score []float64) {
		ss := 0.0
		for i, v := range score {
			ss += v * v
			a[i] += prob * f * v
		}
		mu += prob * f
		f2 += prob * f * f
		s2 += prob * ss
		fs2 += prob * f * ss
		f2s2 += prob * f * f * ss
	})
	if err != nil {
		return 0, err
	}
	a2 := 0.0
	for _, v := range a {
		a2 += v * v
	}
	n := float64(samples)
	if !leaveOneOut {
		return (f2s2 - a2) / n, nil
	}
	return (f2s2-2*mu*fs2+(f2+(n-2)*mu*mu)*s2/(n-1))/n - a2*(n-2)/(n*(n-1)), nil
}

// forStates calls visit with the probability, the objective and the score
// ∇log p(z) of every state of the problem.
func (p Problem) forStates(visit func(prob, f float64, score []float64)) error {
	n := len(p.Params)
	k := 2 // Bernoulli: one binary variable per logit
	vars := n
	if p.Categorical {
		if len(p.Shape) != 2 || p.Shape[0]*p.Shape[1] != n {
			return fmt.Errorf("relaxations: problem %q: categorical shape %v for %d logits", p.Name, p.Shape, n)
		}
		vars, k = p.Shape[0], p.Shape[1]
	}
	total := 1
	for range vars {
		total *= k
		if total > maxStates {
			return fmt.Errorf("relaxations: problem %q: more than %d states", p.Name, maxStates)
		}
	}
	var mean []float64 // E z: σ(l) or softmax(l) per row
	if p.Categorical {
		mean = ad.Softmax(ad.New(append([]float64(nil), p.Params...), vars, k), -1).Data
	} else {
		mean = ad.Sigmoid(ad.New(slices.Clone(p.Params), n)).Data
	}
	states := ad.Zeros[float64](append([]int{total}, p.Shape...)...)
	probs := make([]float64, total)
	for s := range total {
		z := states.Data[s*n : (s+1)*n]
		pr, r := 1.0, s
		for v := range vars {
			switch {
			case p.Categorical:
				z[v*k+r%k] = 1
				pr *= mean[v*k+r%k]
			case r%2 == 1:
				z[v] = 1
				pr *= mean[v]
			default:
				pr *= 1 - mean[v]
			}
			r /= k
		}
		probs[s] = pr
	}
	fv := p.F(states)
	if fv.Rank() != 1 || fv.Dim(0) != total {
		return fmt.Errorf("relaxations: problem %q: F returned shape %v for %d states", p.Name, fv.Shape(), total)
	}
	score := make([]float64, n)
	for s := range total {
		for i := range score {
			score[i] = states.Data[s*n+i] - mean[i]
		}
		visit(probs[s], fv.Data[s], score)
	}
	return nil
}

// RELAXTuning configures Problem.TuneRELAX. The zero value is
// usable.
type RELAXTuning struct {
	// Steps of Adam on the variance gradient. Zero means 1000.
	Steps int
	// Hidden is the width of the residual network's tanh layer. Zero
	// means 16.
	Hidden int
	// LearningRate is Adam's step size. Zero means 0.01.
	LearningRate float64
	// Samples per tuning step. Zero means 1.
	Samples int
	// Seed seeds the initialisation and the tuning draws.
	Seed uint64
}

// TunedRELAX is a RELAX estimator whose control variate was tuned on a
// problem by TuneRELAX.
type TunedRELAX struct {
	Eta, Temperature float64
	// SquaredNorm is the running mean of ‖ĝ‖² over the tuning steps (an
	// exponential average with weight 0.98 on the past), which tuning
	// minimises: E‖ĝ‖² is the total variance plus ‖∇‖².
	SquaredNorm []float64
	// New returns the estimator with the tuned η, λ and residual, frozen.
	New func(samples int) estimators.Estimator[float64]
}

// TuneRELAX tunes RELAX (Grathwohl et al. 2018) on the problem at its
// logits, held fixed: the control variate c(z) = η·f(σ_λ(z)) + r(z), with
// r(z) = w₂·tanh(W₁z + b₁) + b₂ a one-hidden-layer network of the
// flattened pre-activations, starts from REBAR's η = 1, λ = ½ and r ≈ 0,
// and Adam descends the variance gradient that RELAX's Surrogate carries.
func (p Problem) TuneRELAX(set RELAXTuning) (TunedRELAX, error) {
	steps, hidden, lr, samples := set.Steps, set.Hidden, set.LearningRate, set.Samples
	if steps == 0 {
		steps = 1000
	}
	if hidden == 0 {
		hidden = 16
	}
	if lr == 0 {
		lr = 0.01
	}
	if samples == 0 {
		samples = 1
	}
	if steps < 0 || hidden < 0 || !(lr > 0) || samples < 0 {
		return TunedRELAX{}, fmt.Errorf("relaxations: TuneRELAX: Steps %d, Hidden %d, LearningRate %v, Samples %d; want ≥ 0 and a positive learning rate", set.Steps, set.Hidden, set.LearningRate, set.Samples)
	}
	n := len(p.Params)
	rnd := rand.New(rand.NewPCG(set.Seed, 0x5e1a))
	w1 := ad.Randn[float64](rnd, n, hidden)
	for i := range w1.Data {
		w1.Data[i] /= math.Sqrt(float64(n))
	}
	w2 := ad.Zeros[float64](hidden, 1) // r starts at zero: REBAR
	params := []*ad.Tensor[float64]{ad.Param(ad.Scalar(1.0)), ad.Param(ad.Scalar(math.Log(0.5))),
		ad.Param(w1), ad.Param(ad.Zeros[float64](hidden)), ad.Param(w2), ad.Param(ad.Zeros[float64](1))}
	residual := func(ps []*ad.Tensor[float64]) estimators.Func[float64] {
		return func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
			h := ad.Tanh(ad.Add(ad.MatMul(ad.Reshape(z, z.Dim(0), n), ps[2]), ps[3]))
			return ad.Reshape(ad.Add(ad.MatMul(h, ps[4]), ps[5]), z.Dim(0))
		}
	}
	relax := func(ps []*ad.Tensor[float64], s int) estimators.RELAX[float64] {
		return estimators.RELAX[float64]{Samples: s, Eta: ps[0], LogTemperature: ps[1], Residual: residual(ps)}
	}
	run := func(r estimators.RELAX[float64], rnd *rand.Rand, l *ad.Tensor[float64]) estimators.Estimate[float64] {
		return r.Estimate(rnd, p.Dist(l), p.F)
	}
	opt := &optim.Adam[float64]{LR: lr}
	out := TunedRELAX{SquaredNorm: make([]float64, 0, steps)}
	avg := 0.0
	for t := range steps {
		l := ad.Param(ad.New(append([]float64(nil), p.Params...), p.Shape...))
		run(relax(params, samples), rnd, l).Surrogate.Backward()
		g2 := 0.0
		for _, v := range l.Grad {
			g2 += v * v
		}
		if t == 0 {
			avg = g2
		}
		avg = 0.98*avg + 0.02*g2
		out.SquaredNorm = append(out.SquaredNorm, avg)
		if err := opt.Step(params); err != nil {
			return TunedRELAX{}, fmt.Errorf("relaxations: TuneRELAX: step %d: %w", t, err)
		}
		for _, q := range params {
			q.ZeroGrad()
		}
	}
	frozen := make([]*ad.Tensor[float64], len(params))
	for i, q := range params {
		frozen[i] = ad.New(append([]float64(nil), q.Data...), q.Shape()...)
	}
	out.Eta, out.Temperature = frozen[0].Data[0], math.Exp(frozen[1].Data[0])
	out.New = func(s int) estimators.Estimator[float64] { return relax(frozen, s) }
	return out, nil
}
