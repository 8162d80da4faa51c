package estimators

import (
	"fmt"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Baseline is a control variate for the score-function estimator: a value
// b_s subtracted from f(z_s) in the learning signal (f(z_s) − b_s)·∇log p(z_s).
// Because E[∇log p(z)] = 0, any b_s that does not depend on z_s leaves the
// estimate unbiased; a b_s close to f(z_s) lowers its variance.
type Baseline interface {
	// Baselines writes into dst the baseline of each of the len(f) samples
	// whose objective values are f. It is called once per estimate, so
	// baselines with memory update it here, after computing dst.
	Baselines(dst, f []float64)
}

// NoBaseline is the plain score-function estimator's baseline: zero.
type NoBaseline struct{}

// Baselines sets dst to zero.
func (NoBaseline) Baselines(dst, f []float64) {
	checkBaselineLen("NoBaseline", dst, f)
	clear(dst)
}

// LeaveOneOut gives each sample the mean of the other samples' values,
// b_s = (Σ_{j≠s} f_j)/(S−1) (Kool, van Hoof and Welling 2019, "Buy 4
// REINFORCE samples, get a baseline for free"). It needs at least two
// samples and panics with fewer.
type LeaveOneOut struct{}

// Baselines writes the leave-one-out means into dst.
func (LeaveOneOut) Baselines(dst, f []float64) {
	checkBaselineLen("LeaveOneOut", dst, f)
	s := len(f)
	if s < 2 {
		panic(fmt.Sprintf("estimators.LeaveOneOut: %d sample(s); the baseline needs at least 2", s))
	}
	sum := 0.0
	for _, v := range f {
		sum += v
	}
	for i, v := range f {
		dst[i] = (sum - v) / float64(s-1)
	}
}

// MovingAverage is an exponential moving average of past estimates' mean
// values, b ← Decay·b + (1−Decay)·mean(f), applied to every sample of the
// next estimate. The first estimate, which has no past, gets zero, and the
// average then starts at its mean. It keeps state, so use it through a
// pointer: &MovingAverage{Decay: 0.9}.
type MovingAverage struct {
	// Decay in [0, 1) is the weight of the past. Zero means 0.9.
	Decay float64
	// Value is the current average and Count the number of estimates it has
	// seen; both start at zero.
	Value float64
	Count int
}

// Baselines writes the current average into dst, then folds in mean(f).
func (m *MovingAverage) Baselines(dst, f []float64) {
	checkBaselineLen("MovingAverage", dst, f)
	d := m.Decay
	if d == 0 {
		d = 0.9
	}
	if !(d > 0 && d < 1) {
		panic(fmt.Sprintf("estimators.MovingAverage: Decay is %v; it must be in [0, 1)", m.Decay))
	}
	for i := range dst {
		dst[i] = m.Value
	}
	avg := 0.0
	for _, v := range f {
		avg += v
	}
	avg /= float64(len(f))
	if m.Count == 0 {
		m.Value = avg
	} else {
		m.Value = d*m.Value + (1-d)*avg
	}
	m.Count++
}

// LearnedBaseline is a learned control variate: a prediction b of f that
// does not look at the samples, typically a small network of the input as
// in NVIL (Mnih and Gregor 2014). The score-function estimator uses it as
// the baseline of every sample and adds to its Surrogate the squared error
// mean_s (f(z_s) − b)², with f stopped, so the same Backward that carries
// the gradient estimate also trains the prediction's parameters towards
// E[f]. Those parameters must not be shared with the distribution's.
type LearnedBaseline[T ad.Float] struct {
	// Predict returns the prediction, a one-element tensor computed from
	// parameters that require gradients. It is called once per estimate.
	Predict func() *ad.Tensor[T]
}

// Baselines writes the current prediction into dst (without training it;
// the score-function estimator calls baselineTensor instead).
func (l LearnedBaseline[T]) Baselines(dst, f []float64) {
	checkBaselineLen("LearnedBaseline", dst, f)
	v := float64(l.predict().Item())
	for i := range dst {
		dst[i] = v
	}
}

func (l LearnedBaseline[T]) predict() *ad.Tensor[T] {
	if l.Predict == nil {
		panic("estimators.LearnedBaseline: Predict is nil")
	}
	b := l.Predict()
	if b.Len() != 1 {
		panic(fmt.Sprintf("estimators.LearnedBaseline: Predict returned shape %v; it must have one element", b.Shape()))
	}
	return b
}

// baselineTensor returns the baseline values of the S samples with values f
// and the squared-error loss that trains the prediction.
func (l LearnedBaseline[T]) baselineTensor(f []float64) (dst []float64, loss *ad.Tensor[T]) {
	b := ad.Reshape(l.predict())
	dst = make([]float64, len(f))
	v := float64(b.Item())
	fs := make([]T, len(f))
	for i, x := range f {
		dst[i] = v
		fs[i] = T(x)
	}
	loss = ad.Mean(ad.Square(ad.Sub(ad.New(fs, len(f)), b)))
	return dst, loss
}

// tensorBaseline is implemented by baselines trained through the Surrogate.
type tensorBaseline[T ad.Float] interface {
	baselineTensor(f []float64) (dst []float64, loss *ad.Tensor[T])
}

func checkBaselineLen(op string, dst, f []float64) {
	if len(dst) != len(f) {
		panic(fmt.Sprintf("estimators.%s: %d baselines for %d values", op, len(dst), len(f)))
	}
}
