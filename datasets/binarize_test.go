package datasets

import (
	"math/rand/v2"
	"testing"
)

func TestBinarizeThreshold(t *testing.T) {
	src := []float32{0, 0.2, 0.5, 0.50001, 0.9, 1}
	dst := make([]float32, len(src))
	BinarizeThreshold(dst, src, 0.5)
	want := []float32{0, 0, 0, 1, 1, 1}
	for i := range want {
		if dst[i] != want[i] {
			t.Errorf("threshold 0.5: dst[%d] = %v for %v, want %v", i, dst[i], src[i], want[i])
		}
	}
	// In place.
	BinarizeThreshold(src, src, 0.1)
	want = []float32{0, 1, 1, 1, 1, 1}
	for i := range want {
		if src[i] != want[i] {
			t.Errorf("in place, threshold 0.1: src[%d] = %v, want %v", i, src[i], want[i])
		}
	}
	mustPanic(t, "len(dst)=2 != len(src)=3", func() { BinarizeThreshold(make([]float32, 2), make([]float32, 3), 0.5) })
}

func TestBinarizeStochastic(t *testing.T) {
	probs := []float32{0, 0.1, 0.5, 0.73, 1}
	const reps = 20000
	src := make([]float32, 0, len(probs)*reps)
	for range reps {
		src = append(src, probs...)
	}
	dst := make([]float32, len(src))
	BinarizeStochastic(dst, src, rand.New(rand.NewPCG(1, 2)))
	for j, p := range probs {
		xs := make([]float64, reps)
		for r := range reps {
			v := dst[r*len(probs)+j]
			if v != 0 && v != 1 {
				t.Fatalf("non-binary output %v", v)
			}
			xs[r] = float64(v)
		}
		switch p {
		case 0, 1:
			for _, x := range xs {
				if x != float64(p) {
					t.Fatalf("p=%v gave %v", p, x)
				}
			}
		default:
			pp := float64(p)
			checkMean(t, "frequency of ones", xs, pp, pp*(1-pp))
		}
	}

	// Same seed, same draws; in place works.
	again := append([]float32(nil), src...)
	BinarizeStochastic(again, again, rand.New(rand.NewPCG(1, 2)))
	for i := range dst {
		if again[i] != dst[i] {
			t.Fatalf("not deterministic at %d", i)
		}
	}
	mustPanic(t, "src[1]=1.5 outside [0, 1]", func() {
		BinarizeStochastic(make([]float32, 2), []float32{0.5, 1.5}, rand.New(rand.NewPCG(1, 2)))
	})
	mustPanic(t, "len(dst)=1 != len(src)=2", func() {
		BinarizeStochastic(make([]float32, 1), make([]float32, 2), rand.New(rand.NewPCG(1, 2)))
	})
}
