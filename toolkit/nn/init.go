package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// fans returns the fan-in and fan-out of a weight tensor stored as
// [..., in, out]: the fan-out is the last dimension and the fan-in the
// product of the others.
func fans[T ad.Float](op string, w *ad.Tensor[T]) (in, out int) {
	if w.Rank() < 2 {
		panic(fmt.Sprintf("nn.%s: weight of shape %v needs at least 2 dimensions", op, w.Shape()))
	}
	out = w.Dim(-1)
	in = w.Len() / max(out, 1)
	if in == 0 || out == 0 {
		panic(fmt.Sprintf("nn.%s: weight of shape %v is empty", op, w.Shape()))
	}
	return in, out
}

func fillUniform[T ad.Float](rnd *rand.Rand, w *ad.Tensor[T], limit float64) {
	for i := range w.Data {
		w.Data[i] = T(limit * (2*rnd.Float64() - 1))
	}
}

func fillNormal[T ad.Float](rnd *rand.Rand, w *ad.Tensor[T], std float64) {
	for i := range w.Data {
		w.Data[i] = T(std * rnd.NormFloat64())
	}
}

// GlorotUniform fills w, of shape [..., in, out], with draws from
// U(−a, a), a = √(6/(in+out)), so that Var = 2/(in+out) (Glorot & Bengio,
// 2010). It suits tanh, sigmoid and linear layers.
func GlorotUniform[T ad.Float](rnd *rand.Rand, w *ad.Tensor[T]) {
	in, out := fans("GlorotUniform", w)
	fillUniform(rnd, w, math.Sqrt(6/float64(in+out)))
}

// GlorotNormal fills w, of shape [..., in, out], with draws from
// N(0, 2/(in+out)).
func GlorotNormal[T ad.Float](rnd *rand.Rand, w *ad.Tensor[T]) {
	in, out := fans("GlorotNormal", w)
	fillNormal(rnd, w, math.Sqrt(2/float64(in+out)))
}

// HeUniform fills w, of shape [..., in, out], with draws from U(−a, a),
// a = √(6/in), so that Var = 2/in (He et al., 2015). It keeps the scale of
// activations through ReLU layers.
func HeUniform[T ad.Float](rnd *rand.Rand, w *ad.Tensor[T]) {
	in, _ := fans("HeUniform", w)
	fillUniform(rnd, w, math.Sqrt(6/float64(in)))
}

// HeNormal fills w, of shape [..., in, out], with draws from N(0, 2/in).
func HeNormal[T ad.Float](rnd *rand.Rand, w *ad.Tensor[T]) {
	in, _ := fans("HeNormal", w)
	fillNormal(rnd, w, math.Sqrt(2/float64(in)))
}
