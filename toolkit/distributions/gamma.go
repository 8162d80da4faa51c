package distributions

import (
	"math"
	"math/rand/v2"
)

// gammaVariate returns a Gamma(shape a, rate 1) draw, a > 0, by the method of
// Marsaglia and Tsang (2000): a squeezed rejection from a transformed normal,
// exact for a ≥ 1; shapes below 1 are boosted, G(a) = G(a+1)·U^{1/a}, with
// the power taken in logarithms so that tiny shapes, whose draws are often
// below the smallest float64, give 0 instead of NaN.
//
// Each attempt draws one rnd.NormFloat64 and, if 1 + c·x > 0, one
// rnd.Uint64; the boost draws one more rnd.Uint64 after the G(a+1) draw.
func gammaVariate(rnd *rand.Rand, a float64) float64 {
	if a < 1 {
		g := gammaVariate(rnd, a+1)
		return math.Exp(math.Log(g) + math.Log(uniformOpen(rnd))/a)
	}
	return newMarsagliaTsang(a).draw(rnd)
}

// marsagliaTsang draws Gamma(a, 1) for one fixed shape a ≥ 1 with the
// constants of Marsaglia and Tsang's method computed once.
type marsagliaTsang struct{ d, c float64 }

func newMarsagliaTsang(a float64) marsagliaTsang {
	d := a - 1.0/3
	return marsagliaTsang{d: d, c: 1 / math.Sqrt(9*d)}
}

// draw returns one Gamma(a, 1) draw.
func (m marsagliaTsang) draw(rnd *rand.Rand) float64 {
	for {
		x := rnd.NormFloat64()
		v := 1 + m.c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := uniformOpen(rnd)
		x2 := x * x
		if u < 1-0.0331*x2*x2 { // squeeze: accepts most draws without a logarithm
			return m.d * v
		}
		if math.Log(u) < 0.5*x2+m.d*(1-v+math.Log(v)) {
			return m.d * v
		}
	}
}

// powInt returns u^k for an integer k ≥ 0 by repeated squaring.
func powInt(u float64, k int) float64 {
	r := 1.0
	for ; k > 0; k >>= 1 {
		if k&1 == 1 {
			r *= u
		}
		u *= u
	}
	return r
}
