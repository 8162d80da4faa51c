package distributions

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// The reference log-densities, entropies and variances of the scalar
// distributions come from gonum's stat/distuv, an independent implementation.

// scalarRef is the gonum distribution of one element.
type scalarRef interface {
	LogProb(x float64) float64
	Entropy() float64
	Mean() float64
	Variance() float64
}

// continuousCase is a factorised distribution with its gonum twin at each
// element of the broadcast parameter shape.
type continuousCase[T ad.Float] struct {
	name  string
	d     moments[T]
	ref   func(i int) scalarRef
	shape []int
}

func continuousCases[T ad.Float]() []continuousCase[T] {
	mu := vec[T](-1, 0, 2.5)
	sigma := ad.New([]T{0.5, 2}, 2, 1)
	lo := vec[T](-1, 0, 1.5)
	hi := ad.New([]T{0.5, 4}, 2, 1)
	hi = ad.Add(hi, ad.Full(T(1.5), 2, 3))       // [[2, 2, 2], [5.5, 5.5, 5.5]] broadcast to [2, 3]
	at := func(t *ad.Tensor[T], i int) float64 { // element of t broadcast to [2, 3]
		return float64(broadcastTo(t, []int{2, 3}).Data[i])
	}
	return []continuousCase[T]{
		{"Normal", Normal[T]{mu, sigma}, func(i int) scalarRef {
			return distuv.Normal{Mu: at(mu, i), Sigma: at(sigma, i)}
		}, []int{2, 3}},
		{"Uniform", Uniform[T]{lo, hi}, func(i int) scalarRef {
			return distuv.Uniform{Min: at(lo, i), Max: at(hi, i)}
		}, []int{2, 3}},
		{"Gumbel", Gumbel[T]{mu, sigma}, func(i int) scalarRef {
			return distuv.GumbelRight{Mu: at(mu, i), Beta: at(sigma, i)}
		}, []int{2, 3}},
	}
}

func TestContinuous(t *testing.T) {
	t.Run("float64", testContinuous[float64])
	t.Run("float32", testContinuous[float32])
}

func testContinuous[T ad.Float](t *testing.T) {
	for _, c := range continuousCases[T]() {
		t.Run(c.name, func(t *testing.T) {
			// Closed forms against gonum at points drawn from the distribution.
			rnd := newRand(10)
			for range 5 {
				x := c.d.Sample(rnd)
				if !sameShape(x.Shape(), c.shape) {
					t.Fatalf("Sample shape %v, want %v", x.Shape(), c.shape)
				}
				lp := c.d.LogProb(x)
				for i, v := range x.Data {
					near(t, "LogProb", float64(lp.Data[i]), c.ref(i).LogProb(float64(v)), 5*tol[T]())
				}
			}
			for i := range c.d.Entropy().Data {
				near(t, "Entropy", float64(c.d.Entropy().Data[i]), c.ref(i).Entropy(), tol[T]())
				near(t, "Mean", float64(c.d.Mean().Data[i]), c.ref(i).Mean(), tol[T]())
			}
			// Sample means, variances and −LogProb against the closed forms.
			checkMoments(t, c.name, c.d, newRand(11), 20000)
			xs := make([][]float64, 6)
			for range 20000 {
				for i, v := range c.d.Sample(rnd).Data {
					xs[i] = append(xs[i], float64(v))
				}
			}
			for i := range xs {
				checkVar(t, c.name+" variance", xs[i], c.ref(i).Variance())
			}
			// Sample and RSample draw the same numbers.
			rs := c.d.(RSampler[T]).RSample(newRand(12))
			s := c.d.Sample(newRand(12))
			for i := range s.Data {
				if s.Data[i] != rs.Data[i] {
					t.Fatalf("Sample %v and RSample %v differ with equal seeds", s.Data, rs.Data)
				}
			}
		})
	}
}

// TestContinuousGrad checks LogProb (with x of shape [S, 2, 3] against
// parameters broadcasting to [2, 3]), RSample paths with a fixed seed,
// Entropy and Mean against finite differences, with respect to every
// parameter.
func TestContinuousGrad(t *testing.T) {
	rnd := newRand(13)
	loc := ad.Randn[float64](rnd, 3)
	scale := ad.New([]float64{0.7, 1.6}, 2, 1)
	x := ad.Randn[float64](rnd, 2, 2, 3)
	mk := map[string]func(a, b *ad.Tensor[float64]) moments[float64]{
		"Normal":  func(a, b *ad.Tensor[float64]) moments[float64] { return Normal[float64]{a, b} },
		"Gumbel":  func(a, b *ad.Tensor[float64]) moments[float64] { return Gumbel[float64]{a, b} },
		"Uniform": func(a, b *ad.Tensor[float64]) moments[float64] { return Uniform[float64]{a, ad.Add(a, b)} },
	}
	for name, f := range mk {
		xx := x
		if name == "Uniform" { // points inside the support
			xx = ad.Add(loc, ad.Mul(scale, ad.New([]float64{0.1, 0.5, 0.9, 0.3, 0.7, 0.2}, 2, 1, 3)))
		}
		gradCheck(t, name+".LogProb", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
			return f(p[0], p[1]).LogProb(p[2])
		}, loc, scale, xx)
		gradCheck(t, name+".RSample", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
			return f(p[0], p[1]).(RSampler[float64]).RSample(newRand(14))
		}, loc, scale)
		gradCheck(t, name+".Entropy", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
			return f(p[0], p[1]).Entropy()
		}, loc, scale)
		gradCheck(t, name+".Mean", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
			return f(p[0], p[1]).Mean()
		}, loc, scale)
	}
}

func TestUniformSupport(t *testing.T) {
	lo := ad.Param(vec[float64](0, 0, 0, 0))
	hi := ad.Param(vec[float64](2, 2, 2, 2))
	lp := Uniform[float64]{lo, hi}.LogProb(vec[float64](-0.1, 0, 2, 2.1))
	want := []float64{math.Inf(-1), -math.Log(2), -math.Log(2), math.Inf(-1)}
	for i := range want {
		near(t, "LogProb", lp.Data[i], want[i], 1e-15)
	}
	ad.Sum(lp).Backward()
	wantLo := []float64{0, 0.5, 0.5, 0} // ∂(−log(h−l))/∂l = 1/(h−l) inside, 0 outside
	for i := range wantLo {
		near(t, "∂LogProb/∂Low", lo.Grad[i], wantLo[i], 1e-15)
		near(t, "∂LogProb/∂High", hi.Grad[i], -wantLo[i], 1e-15)
	}
}

// TestGumbelNoise checks that StandardGumbel noise is Gumbel{0, 1} draw for
// draw and that its Mean is γ.
func TestGumbelNoise(t *testing.T) {
	g := StandardGumbel[float64]{}.Noise(newRand(15), 4, 5)
	s := Gumbel[float64]{ad.Scalar(0.0), ad.Full(1.0, 4, 5)}.Sample(newRand(15))
	for i := range g.Data {
		if g.Data[i] != s.Data[i] {
			t.Fatalf("StandardGumbel %v and Gumbel{0,1} %v differ", g.Data, s.Data)
		}
	}
	near(t, "StandardGumbel.Mean", StandardGumbel[float64]{}.Mean().Item(), distuv.GumbelRight{Mu: 0, Beta: 1}.Mean(), 1e-15)
	xs := StandardGumbel[float32]{}.Noise(newRand(16), 50000).Float64s()
	checkMean(t, "StandardGumbel mean", xs, eulerGamma)
	checkVar(t, "StandardGumbel variance", xs, math.Pi*math.Pi/6)
}

func TestContinuousErrors(t *testing.T) {
	one := vec[float64](1)
	_, err := NewNormal(one, vec[float64](0))
	wantErr(t, "Sigma = 0", err, "dist", "NewNormal", "Sigma")
	_, err = NewNormal(one, vec[float64](-1))
	wantErr(t, "Sigma < 0", err, "dist", "Sigma")
	_, err = NewNormal(vec[float64](math.NaN()), one)
	wantErr(t, "Mu NaN", err, "dist", "Mu")
	_, err = NewUniform(one, one)
	wantErr(t, "Low = High", err, "dist", "NewUniform", "Low < High")
	_, err = NewUniform(vec[float64](0, 3), vec[float64](2))
	wantErr(t, "Low > High", err, "dist", "Low < High")
	_, err = NewGumbel(one, vec[float64](0))
	wantErr(t, "Scale = 0", err, "dist", "NewGumbel", "Scale")
	wantPanic(t, "shapes", "distributions.NewNormal", func() { NewNormal(vec[float64](1, 2), vec[float64](1, 2, 3)) })
	if _, err := NewNormal(vec[float64](1, 2), ad.New([]float64{1, 2}, 2, 1)); err != nil {
		t.Error(err)
	}
	if _, err := NewUniform(vec[float64](0, 1), vec[float64](1, 2)); err != nil {
		t.Error(err)
	}
	if _, err := NewGumbel(vec[float64](0), vec[float64](1)); err != nil {
		t.Error(err)
	}
}
