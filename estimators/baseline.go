package estimators

import (
	"fmt"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Baseline is a control variate for the score-function estimator: a value
// b subtracted from f(z) in the learning signal (f(z) − b)·∇log p(z).
// Because E[∇log p(z)] = 0, any b that does not depend on the sample it is
// subtracted from leaves the estimate unbiased; a b close to f(z) lowers
// its variance.
//
// The values come as a [samples, examples] table, row-major with the
// sample axis first (f[s·E + e] is sample s of example e), so that every
// example of a minibatch gets its own baseline from its own samples; an
// objective with one value per sample is the table with one column.
type Baseline interface {
	// Baselines writes into dst the baseline of each entry of f, a table of
	// the given number of samples. It is called once per estimate, so
	// baselines with memory update it here, after computing dst.
	Baselines(dst, f []float64, samples int)
}

// NoBaseline is the plain score-function estimator's baseline: zero.
type NoBaseline struct{}

// Baselines sets dst to zero.
func (NoBaseline) Baselines(dst, f []float64, samples int) {
	checkBaselineLen("NoBaseline", dst, f, samples)
	clear(dst)
}

// LeaveOneOut gives each sample the mean of the same example's other
// samples, b_s = (Σ_{j≠s} f_j)/(S−1) (Kool, van Hoof and Welling 2019, "Buy
// 4 REINFORCE samples, get a baseline for free"). It needs at least two
// samples: Check reports fewer, and Baselines panics.
type LeaveOneOut struct{}

// Baselines writes the leave-one-out means into dst.
func (LeaveOneOut) Baselines(dst, f []float64, samples int) {
	cols := checkBaselineLen("LeaveOneOut", dst, f, samples)
	if samples < 2 {
		panic(fmt.Sprintf("estimators.LeaveOneOut: %d sample(s); the baseline needs at least 2", samples))
	}
	for c := range cols {
		sum := 0.0
		for s := range samples {
			sum += f[s*cols+c]
		}
		for s := range samples {
			dst[s*cols+c] = (sum - f[s*cols+c]) / float64(samples-1)
		}
	}
}

// MovingAverage is an exponential moving average of past estimates' mean
// values, b ← Decay·b + (1−Decay)·mean(f), applied to every entry of the
// next estimate. With per-example objectives the mean is over samples and
// examples: one average for the whole minibatch, as the examples change
// from one minibatch to the next. The first estimate, which has no past,
// gets zero, and the average then starts at its mean. It keeps state, so
// use it through a pointer: &MovingAverage{Decay: 0.9}; Value is readable
// at any time.
type MovingAverage struct {
	// Decay in [0, 1) is the weight of the past. Zero means 0.9.
	Decay float64
	// Value is the current average and Count the number of estimates it has
	// seen; both start at zero.
	Value float64
	Count int
}

// Baselines writes the current average into dst, then folds in mean(f).
func (m *MovingAverage) Baselines(dst, f []float64, samples int) {
	checkBaselineLen("MovingAverage", dst, f, samples)
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
// Σ_e mean_s (f_e(z_s) − b_e)², with f stopped, so the same Backward that
// carries the gradient estimate also trains the prediction's parameters
// towards E[f]. Those parameters must not be shared with the
// distribution's.
type LearnedBaseline[T ad.Float] struct {
	// Predict returns the prediction computed from parameters that require
	// gradients: one element shared by all examples, or one per example
	// (any shape of that many elements). It is called once per estimate.
	Predict func() *ad.Tensor[T]
}

// Baselines writes the current prediction into dst (without training it;
// the score-function estimator calls baselineTensor instead).
func (l LearnedBaseline[T]) Baselines(dst, f []float64, samples int) {
	cols := checkBaselineLen("LearnedBaseline", dst, f, samples)
	b := l.predict(cols)
	for i := range dst {
		dst[i] = float64(b.Data[(i%cols)%b.Len()])
	}
}

func (l LearnedBaseline[T]) predict(cols int) *ad.Tensor[T] {
	if l.Predict == nil {
		panic("estimators.LearnedBaseline: Predict is nil")
	}
	b := l.Predict()
	if b.Len() != 1 && b.Len() != cols {
		panic(fmt.Sprintf("estimators.LearnedBaseline: Predict returned shape %v for %d examples; it must have one element or one per example", b.Shape(), cols))
	}
	return b
}

// baselineTensor returns the baselines of the entries of f, a table of the
// given number of samples, and the squared-error loss that trains the
// prediction.
func (l LearnedBaseline[T]) baselineTensor(f []float64, samples int) (dst []float64, loss *ad.Tensor[T]) {
	cols := len(f) / samples
	b := ad.Reshape(l.predict(cols), 1, -1) // [1, 1] or [1, cols]
	dst = make([]float64, len(f))
	fs := make([]T, len(f))
	for i, x := range f {
		dst[i] = float64(b.Data[(i%cols)%b.Len()])
		fs[i] = T(x)
	}
	sq := ad.Square(ad.Sub(ad.New(fs, samples, cols), b))
	loss = ad.MulScalar(ad.Sum(sq), T(1)/T(samples))
	return dst, loss
}

// tensorBaseline is implemented by baselines trained through the Surrogate.
type tensorBaseline[T ad.Float] interface {
	baselineTensor(f []float64, samples int) (dst []float64, loss *ad.Tensor[T])
}

// checkBaselineLen checks the table's size and returns its number of
// columns (examples).
func checkBaselineLen(op string, dst, f []float64, samples int) int {
	if len(dst) != len(f) || samples < 1 || len(f)%samples != 0 {
		panic(fmt.Sprintf("estimators.%s: %d baselines for %d values in %d samples", op, len(dst), len(f), samples))
	}
	return len(f) / samples
}
