package datasets

import (
	"fmt"
	"math/rand/v2"
)

// BinarizeThreshold sets dst[i] to 1 where src[i] > threshold and to 0
// elsewhere: the fixed binarisation of MNIST (threshold 0.5) used by many
// discrete-VAE papers. dst and src may be the same slice.
func BinarizeThreshold(dst, src []float32, threshold float32) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("datasets: BinarizeThreshold: len(dst)=%d != len(src)=%d", len(dst), len(src)))
	}
	for i, v := range src {
		if v > threshold {
			dst[i] = 1
		} else {
			dst[i] = 0
		}
	}
}

// BinarizeStochastic sets dst[i] to 1 with probability src[i] and to 0
// otherwise, independently, drawing from rnd: the stochastic binarisation
// of Salakhutdinov & Murray (2008). Calling it afresh on every mini-batch
// gives the "dynamic" binarisation of IWAE (Burda et al. 2016) and later
// papers. src values must lie in [0, 1]. dst and src may be the same slice.
func BinarizeStochastic(dst, src []float32, rnd *rand.Rand) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("datasets: BinarizeStochastic: len(dst)=%d != len(src)=%d", len(dst), len(src)))
	}
	for i, p := range src {
		if !(p >= 0 && p <= 1) {
			panic(fmt.Sprintf("datasets: BinarizeStochastic: src[%d]=%v outside [0, 1]", i, p))
		}
		// Float32 is in [0, 1): p = 0 never fires, p = 1 always does.
		if rnd.Float32() < p {
			dst[i] = 1
		} else {
			dst[i] = 0
		}
	}
}
