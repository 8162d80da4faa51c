package datasets

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// enumLogProb computes log p(x) for Bars by brute force over all bar
// configurations, independently of Bars.LogProb's case analysis.
func enumLogProb(s int, q float64, x []float32) float64 {
	var p float64
	for mask := range 1 << (2 * s) {
		match := true
		for r := range s {
			for c := range s {
				on := mask>>r&1 == 1 || mask>>(s+c)&1 == 1
				if on != (x[r*s+c] == 1) {
					match = false
				}
			}
		}
		if match {
			k := 0
			for j := range 2 * s {
				k += mask >> j & 1
			}
			p += math.Pow(q, float64(k)) * math.Pow(1-q, float64(2*s-k))
		}
	}
	return math.Log(p)
}

func TestBarsLogProbExact(t *testing.T) {
	for _, c := range []struct {
		s int
		q float64
	}{{3, 0}, {3, 0.3}, {2, 0.5}, {1, 0.2}} {
		b := Bars{Size: c.s, Prob: c.q}
		q := c.q
		if q == 0 {
			q = 1 / float64(2*c.s)
		}
		x := make([]float32, c.s*c.s)
		var sum float64
		for mask := range 1 << (c.s * c.s) {
			for j := range x {
				x[j] = float32(mask >> j & 1)
			}
			got, err := b.LogProb(x)
			if err != nil {
				t.Fatal(err)
			}
			want := enumLogProb(c.s, q, x)
			if !(got == want || math.Abs(got-want) < 1e-12) {
				t.Fatalf("Size %d Prob %v image %0*b: LogProb %v, enumeration %v", c.s, q, c.s*c.s, mask, got, want)
			}
			sum += math.Exp(got)
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("Size %d: probabilities sum to %v", c.s, sum)
		}
	}
}

func TestBarsGenerate(t *testing.T) {
	const n = 20000
	im, z, err := Bars{}.Generate(n, rand.New(rand.NewPCG(31, 32)))
	if err != nil {
		t.Fatal(err)
	}
	if im.N != n || im.Rows != 5 || im.Cols != 5 || len(im.Pixels) != n*25 || im.Labels != nil || len(z) != n*10 {
		t.Fatalf("shape N=%d %d×%d len %d labels %v bars %d", im.N, im.Rows, im.Cols, len(im.Pixels), im.Labels != nil, len(z))
	}
	zs := make([]float64, len(z))
	empty := make([]float64, n)
	for i := range n {
		zi := z[i*10 : (i+1)*10]
		for r := range 5 {
			for c := range 5 {
				want := float32(0)
				if zi[r] == 1 || zi[5+c] == 1 {
					want = 1
				}
				if got := im.Pixels[i*25+r*5+c]; got != want {
					t.Fatalf("image %d pixel (%d,%d) = %v, bars %v", i, r, c, got, zi)
				}
			}
		}
		if !slices.Contains(im.Image(i), 1) {
			empty[i] = 1
		}
	}
	for i, v := range z {
		zs[i] = float64(v)
	}
	checkMean(t, "bar frequency", zs, 0.1, 0.09)
	pe := math.Pow(0.9, 10)
	checkMean(t, "empty images", empty, pe, pe*(1-pe))

	// The sample mean of -log p(x) estimates the entropy; compare with the
	// exact entropy over all images that can occur, found by enumerating
	// configurations.
	seen := map[string]float64{}
	b := Bars{}
	x := make([]float32, 25)
	for mask := range 1 << 10 {
		clear(x)
		zz := make([]float32, 10)
		for j := range zz {
			zz[j] = float32(mask >> j & 1)
		}
		drawBars(x, zz, 5)
		lp, _ := b.LogProb(x)
		seen[string(f32bytes(x))] = lp
	}
	var entropy float64
	for _, lp := range seen {
		entropy -= math.Exp(lp) * lp
	}
	nll := make([]float64, n)
	for i := range n {
		lp, _ := b.LogProb(im.Image(i))
		nll[i] = -lp
	}
	checkMean(t, "-log p(x)", nll, entropy, 0)

	a, za, _ := Bars{}.Generate(50, rand.New(rand.NewPCG(31, 32)))
	if !slices.Equal(a.Pixels, im.Pixels[:50*25]) || !slices.Equal(za, z[:500]) {
		t.Error("not deterministic / not prefix-stable for a fixed seed")
	}
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, c := range []Bars{{Size: -1}, {Prob: 1}, {Prob: -0.5}, {Prob: math.NaN()}} {
		if _, _, err := c.Generate(1, rnd); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

func f32bytes(x []float32) []byte {
	b := make([]byte, len(x))
	for i, v := range x {
		b[i] = byte(v)
	}
	return b
}
