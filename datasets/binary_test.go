package datasets

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestBinaryDataDefaults(t *testing.T) {
	const n = 2000
	im, m, err := BinaryData{}.Generate(n, rand.New(rand.NewPCG(21, 22)))
	if err != nil {
		t.Fatal(err)
	}
	if im.N != n || im.Rows != 28 || im.Cols != 28 || len(im.Pixels) != n*784 || len(im.Labels) != n {
		t.Fatalf("shape N=%d %d×%d len %d labels %d", im.N, im.Rows, im.Cols, len(im.Pixels), len(im.Labels))
	}
	if m.Dim != 784 || len(m.Weights) != 10 || len(m.Probs) != 7840 {
		t.Fatalf("mixture Dim %d, %d weights, %d probs", m.Dim, len(m.Weights), len(m.Probs))
	}
	const f = 0.05
	var flips []float64
	counts := make([]float64, 10)
	for i := range n {
		k := int(im.Labels[i])
		if k >= 10 {
			t.Fatalf("label %d", k)
		}
		counts[k]++
		for j, x := range im.Image(i) {
			if x != 0 && x != 1 {
				t.Fatalf("pixel %v not binary", x)
			}
			p := m.Probs[k*784+j]
			if p != f && p != 1-f {
				t.Fatalf("prototype probability %v, want %v or %v", p, f, 1-f)
			}
			// A flip is a pixel that disagrees with its prototype.
			flipped := 0.0
			if (x == 1) != (p > 0.5) {
				flipped = 1
			}
			flips = append(flips, flipped)
		}
	}
	checkMean(t, "flip frequency", flips, f, f*(1-f))
	for i := range 10 {
		ind := make([]float64, n)
		for j := range n {
			if int(im.Labels[j]) == i {
				ind[j] = 1
			}
		}
		checkMean(t, "component frequency", ind, 0.1, 0.09)
	}
	var on []float64
	for _, p := range m.Probs {
		if p > 0.5 {
			on = append(on, 1)
		} else {
			on = append(on, 0)
		}
	}
	checkMean(t, "prototype pixels on", on, 0.5, 0.25)

	// The entropy per image, E[-log p(x)], lies between D·H(f) and
	// D·H(f) + log K; check the sample mean against both ends.
	h := -(f*math.Log(f) + (1-f)*math.Log(1-f))
	nll := make([]float64, n)
	for i := range n {
		nll[i] = -m.LogProb(im.Image(i))
	}
	mean, se := meanSE(nll)
	lo, hi := 784*h, 784*h+math.Log(10)
	if mean < lo-zTol*se || mean > hi+zTol*se {
		t.Errorf("mean -log p(x) = %.2f ± %.2f, want within [%.2f, %.2f]", mean, se, lo, hi)
	}
	if mean > 0.5*784*math.Log(2) {
		t.Errorf("mean -log p(x) = %.1f nats is not far below the %.1f of a uniform model", mean, 784*math.Log(2))
	}
}

func meanSE(xs []float64) (mean, se float64) {
	n := float64(len(xs))
	for _, x := range xs {
		mean += x
	}
	mean /= n
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / (n - 1) / n)
}

func TestBernoulliMixtureNormalised(t *testing.T) {
	// Over all 2^6 images of a 2×3 mixture the probabilities sum to 1.
	_, m, err := BinaryData{Rows: 2, Cols: 3, Components: 3, Flip: 0.2}.Generate(0, rand.New(rand.NewPCG(1, 5)))
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 6)
	var sum float64
	for mask := range 1 << 6 {
		for j := range x {
			x[j] = float32(mask >> j & 1)
		}
		// Against the mixture formula written out directly.
		var direct float64
		for k := range 3 {
			pk := m.Weights[k]
			for j := range 6 {
				p := m.Probs[k*6+j]
				if x[j] == 1 {
					pk *= p
				} else {
					pk *= 1 - p
				}
			}
			direct += pk
		}
		lp := m.LogProb(x)
		if math.Abs(lp-math.Log(direct)) > 1e-12 {
			t.Fatalf("LogProb %v, direct %v", lp, math.Log(direct))
		}
		sum += math.Exp(lp)
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("probabilities sum to %v", sum)
	}
	mustPanic(t, "len(x)=5 != Dim=6", func() { m.LogProb(make([]float32, 5)) })
	mustPanic(t, "not binary", func() { m.LogProb([]float32{0, 0, 0.5, 0, 0, 0}) })
}

func TestBinaryDataDeterministicAndInvalid(t *testing.T) {
	a, ma, _ := BinaryData{Rows: 4, Cols: 4}.Generate(30, rand.New(rand.NewPCG(3, 3)))
	b, mb, _ := BinaryData{Rows: 4, Cols: 4}.Generate(30, rand.New(rand.NewPCG(3, 3)))
	if !slices.Equal(a.Pixels, b.Pixels) || !slices.Equal(a.Labels, b.Labels) || !slices.Equal(ma.Probs, mb.Probs) {
		t.Error("same seed, different data")
	}
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, c := range []BinaryData{{Rows: -1}, {Components: 257}, {Components: -1}, {Flip: 0.6}, {Flip: -0.1}} {
		if _, _, err := c.Generate(1, rnd); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}
