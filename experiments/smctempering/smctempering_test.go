package smctempering

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/smc"
)

// Quadrature reproduces the closed-form evidence and posterior moments of
// a 2-D conjugate Gaussian, and the banana's evidence does not move when
// the grid is halved.
func TestQuadrature(t *testing.T) {
	x := []float64{1.5, -0.7}
	m := Isotropic(x, 0.5)
	q := Quadrature(func(z1, z2 float64) float64 {
		r1, r2 := (x[0]-z1)/0.5, (x[1]-z2)/0.5
		return -0.5*(z1*z1+z2*z2+r1*r1+r2*r2) - 2*log2Pi - 2*math.Log(0.5)
	}, -8, 8, 801)
	if math.Abs(q.LogZ-m.LogZ) > 1e-8 {
		t.Errorf("log Z by quadrature %.10f, closed form %.10f", q.LogZ, m.LogZ)
	}
	for j := range 2 {
		if math.Abs(q.Mean[j]-m.Mean[j]) > 1e-8 || math.Abs(q.Var[j]-m.Var[j]) > 1e-8 {
			t.Errorf("coordinate %d: mean %g var %g, want %g %g", j, q.Mean[j], q.Var[j], m.Mean[j], m.Var[j])
		}
	}
	b := Banana()
	c := Quadrature(func(z1, z2 float64) float64 {
		r := (1 - z2 - z1*z1) / 0.3
		return -0.5*r*r - math.Log(0.3) - 0.5*log2Pi - 0.5*(z1*z1+z2*z2) - log2Pi
	}, -8, 8, 601)
	if math.Abs(b.LogZ-c.LogZ) > 1e-6 || math.Abs(b.Mean[0]) > 1e-9 {
		t.Errorf("banana: log Z %.8f on 1201² points, %.8f on 601²; E[z₁] = %g (0 by symmetry)", b.LogZ, c.LogZ, b.Mean[0])
	}
}

// The multinomial offspring variance is K·w_i(1 − w_i) on average over
// particles (within 5%, far above the Monte Carlo error of 4000
// resamplings), and the other three schemes have less.
func TestOffspringVariance(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	w := make([]float64, 40)
	var s float64
	for i := range w {
		w[i] = rnd.ExpFloat64()
		s += w[i]
	}
	var want float64
	for i := range w {
		w[i] /= s
		want += 40 * w[i] * (1 - w[i]) / 40
	}
	mult := OffspringVariance(rnd, smc.Multinomial{}, w, 4000)
	if math.Abs(mult/want-1) > 0.05 {
		t.Errorf("multinomial offspring variance %.4f, want %.4f", mult, want)
	}
	for _, sc := range Schemes[1:] {
		if v := OffspringVariance(rnd, sc.R, w, 4000); !(v < 0.8*mult) {
			t.Errorf("%s offspring variance %.4f, multinomial %.4f", sc.Name, v, mult)
		}
	}
}

// A small study runs; the reference ordering's Ẑ is low and the
// standard's is not (METHODS.md §4: 0.63 and 1.016 at K = 20); and 50
// moves per stage in 50 dimensions do far better than 5.
func TestRunSmall(t *testing.T) {
	cfg := Config{K: 50, Runs: 20, Moves: 5, OrderK: []int{20}, OrderRuns: 600,
		ResampleK: 20, ResampleRuns: 20, OffspringReps: 100,
		HighDim: 50, HighDimK: 100, HighDimRuns: 2, HighDimMoves: []int{5, 50}, Seed: 1}
	res, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	std, ref := res.Orders[0], res.Orders[1]
	t.Logf("E[Ẑ/Z]: standard %.3f ± %.3f, reference %.3f ± %.3f", std.ZRatio, std.ZRatioSE, ref.ZRatio, ref.ZRatioSE)
	if math.Abs(std.ZRatio-1) > 4*std.ZRatioSE || ref.ZRatio+4*ref.ZRatioSE > 0.8 {
		t.Errorf("E[Ẑ/Z]: standard %.3f ± %.3f, reference %.3f ± %.3f", std.ZRatio, std.ZRatioSE, ref.ZRatio, ref.ZRatioSE)
	}
	h5, h50 := res.HighDim[0], res.HighDim[1]
	t.Logf("d=50: log Ẑ − log Z %.2f with 5 moves, %.2f with 50", h5.LogZErr, h50.LogZErr)
	if !(h5.LogZErr < -5 && h50.LogZErr > -3) {
		t.Errorf("d=50: log Ẑ − log Z %.2f with 5 moves, %.2f with 50", h5.LogZErr, h50.LogZErr)
	}
	temp, ess := Schedules(res.Traces)
	if len(temp.Series) != 4 || len(ess.Series) != 4 {
		t.Errorf("schedules: %d and %d series", len(temp.Series), len(ess.Series))
	}
	for _, s := range temp.Series {
		if s.Y[len(s.Y)-1] != 1 {
			t.Errorf("%s: schedule ends at %g", s.Name, s.Y[len(s.Y)-1])
		}
	}
	if len(OrderFigure(res.Orders).Labels) != 1 || len(MovesFigure(res.HighDim).Series) != 2 {
		t.Error("figures: wrong shape")
	}
	if _, err := Run(Config{}); err == nil {
		t.Error("empty config: no error")
	}
}
