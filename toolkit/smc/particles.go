package smc

import "fmt"

// Particles is a population of K particles in D dimensions, stored row by
// row in one slice: particle i is X[i*D : (i+1)*D].
type Particles struct {
	X    []float64
	K, D int
}

// NewParticles returns K zero particles in D dimensions.
func NewParticles(k, d int) Particles {
	if k <= 0 || d <= 0 {
		panic(fmt.Sprintf("smc.NewParticles: need K > 0 and D > 0, have K=%d D=%d", k, d))
	}
	return Particles{X: make([]float64, k*d), K: k, D: d}
}

// Row returns particle i; it shares storage with p.
func (p Particles) Row(i int) []float64 { return p.X[i*p.D : (i+1)*p.D] }

// Clone returns a deep copy of p.
func (p Particles) Clone() Particles {
	return Particles{X: append([]float64(nil), p.X...), K: p.K, D: p.D}
}

// check panics unless p is consistent.
func (p Particles) check(op string) {
	if p.K <= 0 || p.D <= 0 || len(p.X) != p.K*p.D {
		panic(fmt.Sprintf("%s: particles with K=%d D=%d hold %d values", op, p.K, p.D, len(p.X)))
	}
}

// gather sets dst's rows to src's rows idx[0], idx[1], ...
func gather(dst, src Particles, idx []int) {
	for i, j := range idx {
		copy(dst.Row(i), src.Row(j))
	}
}

// scaleOf writes into s the standard deviation of each dimension across the
// particles, with 1 where the particles agree exactly (a collapsed dimension
// gives no scale to adapt to, and a zero scale would freeze it forever).
func scaleOf(s []float64, p Particles) {
	for j := range s {
		var m, m2 float64
		for i := range p.K {
			v := p.X[i*p.D+j]
			m += v
			m2 += v * v
		}
		m /= float64(p.K)
		v := m2/float64(p.K) - m*m
		if v <= 0 {
			s[j] = 1
			continue
		}
		s[j] = sqrt(v)
	}
}
