package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// TestInitialiserVariance compares the mean and the second moment of 60 000
// initial weights with the formulas by z-tests. With mean zero known, the
// mean of w² estimates σ² with standard error √((μ₄ − σ⁴)/n), where μ₄ is
// 9σ⁴/5 for a uniform law and 3σ⁴ for a normal one. |z| < 4 fails a correct
// initialiser with probability 6e-5 (and the seeds are fixed).
func TestInitialiserVariance(t *testing.T) {
	const in, out = 300, 200
	for _, tc := range []struct {
		name    string
		init    func(*rand.Rand, *ad.Tensor[float64])
		init32  func(*rand.Rand, *ad.Tensor[float32])
		vari    float64
		uniform bool
	}{
		{"GlorotUniform", GlorotUniform[float64], GlorotUniform[float32], 2.0 / (in + out), true},
		{"GlorotNormal", GlorotNormal[float64], GlorotNormal[float32], 2.0 / (in + out), false},
		{"HeUniform", HeUniform[float64], HeUniform[float32], 2.0 / in, true},
		{"HeNormal", HeNormal[float64], HeNormal[float32], 2.0 / in, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := ad.Zeros[float64](in, out)
			tc.init(rand.New(rand.NewPCG(11, 12)), w)
			w32 := ad.Zeros[float32](in, out)
			tc.init32(rand.New(rand.NewPCG(13, 14)), w32)
			for _, data := range [][]float64{w.Data, w32.Float64s()} {
				checkMoments(t, data, tc.vari, tc.uniform)
			}
		})
	}
}

func checkMoments(t *testing.T, data []float64, vari float64, uniform bool) {
	t.Helper()
	n := float64(len(data))
	kurt := 3.0
	if uniform {
		kurt = 9.0 / 5
		limit := math.Sqrt(3 * vari)
		for i, v := range data {
			if math.Abs(v) > limit*(1+1e-6) {
				t.Fatalf("w[%d] = %v outside ±%v", i, v, limit)
			}
		}
	}
	var s1, s2 float64
	for _, v := range data {
		s1 += v
		s2 += v * v
	}
	mean, m2 := s1/n, s2/n
	if z := mean / math.Sqrt(vari/n); math.Abs(z) > 4 {
		t.Errorf("mean %.3g is %.1f standard errors from 0", mean, z)
	}
	if z := (m2 - vari) / math.Sqrt((kurt-1)*vari*vari/n); math.Abs(z) > 4 {
		t.Errorf("variance %.5g, want %.5g (z = %.1f)", m2, vari, z)
	}
}

func TestFansOfHigherRankWeights(t *testing.T) {
	// [2, 3, 4]: fan-in 2·3 = 6, fan-out 4, so He-uniform draws lie in ±√(6/6).
	w := ad.Zeros[float64](2, 3, 4)
	HeUniform(rand.New(rand.NewPCG(1, 1)), w)
	in, out := fans("test", w)
	if in != 6 || out != 4 {
		t.Fatalf("fans of [2 3 4] = %d, %d, want 6, 4", in, out)
	}
	big := 0
	for _, v := range w.Data {
		if math.Abs(v) > 1 {
			t.Fatalf("He-uniform weight %v outside ±1", v)
		}
		if math.Abs(v) > 0.5 {
			big++
		}
	}
	if big == 0 {
		t.Fatal("no weight beyond ±0.5 among 24 draws from U(−1, 1)")
	}
}

func TestInitialiserPanicsOnVector(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("GlorotUniform of a vector did not panic")
		}
	}()
	GlorotUniform(rand.New(rand.NewPCG(1, 1)), ad.Zeros[float32](5))
}
