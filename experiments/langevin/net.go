package langevin

import (
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

// Net is the classifier of both studies: Linear layers with ReLU between
// them and, when set, batch normalisation before each ReLU and dropout
// before every layer (InputDropout on the pixels, Dropout on the hidden
// units): with widths 784-1024-1024-10, InputDropout 0.2, Dropout 0.5 and
// BatchNorm it is the mnistfc network of Chaudhari et al. (2017).
type Net struct {
	Layers []*nn.Linear[float32]
	Norms  []*batchNorm // one per hidden layer, or nil

	InputDropout, Dropout float64
}

// NewNet returns a network of the given widths with He-normal weights.
func NewNet(rnd *rand.Rand, widths []int, inputDropout, dropout float64, batchNorm bool) *Net {
	n := &Net{InputDropout: inputDropout, Dropout: dropout}
	for i := 1; i < len(widths); i++ {
		l := nn.NewLinear[float32](rnd, widths[i-1], widths[i])
		nn.HeNormal(rnd, l.W)
		n.Layers = append(n.Layers, l)
		if batchNorm && i < len(widths)-1 {
			n.Norms = append(n.Norms, newBatchNorm(widths[i]))
		}
	}
	return n
}

// Params returns the trainable parameters.
func (n *Net) Params() []*ad.Tensor[float32] {
	var ps []*ad.Tensor[float32]
	for i, l := range n.Layers {
		ps = append(ps, l.Params()...)
		if i < len(n.Norms) {
			ps = append(ps, n.Norms[i].Gain, n.Norms[i].Shift)
		}
	}
	return ps
}

// Forward returns the logits of x, [B, 784]. With rnd non-nil it is the
// training pass: dropout masks drawn from rnd, batch statistics (which
// update the running ones); with rnd nil the evaluation pass.
func (n *Net) Forward(x *ad.Tensor[float32], rnd *rand.Rand) *ad.Tensor[float32] {
	h := x
	for i, l := range n.Layers {
		p := n.Dropout
		if i == 0 {
			p = n.InputDropout
		}
		if rnd != nil && p > 0 {
			h = ad.Mul(h, dropoutMask(rnd, h.Shape(), p))
		}
		h = l.Forward(h)
		if i == len(n.Layers)-1 {
			break
		}
		if i < len(n.Norms) {
			h = n.Norms[i].forward(h, rnd != nil)
		}
		h = ad.ReLU(h)
	}
	return h
}

// dropoutMask returns inverted-dropout multipliers: 0 with probability p,
// 1/(1−p) otherwise.
func dropoutMask(rnd *rand.Rand, shape []int, p float64) *ad.Tensor[float32] {
	m := ad.Zeros[float32](shape...)
	keep := float32(1 / (1 - p))
	for i := range m.Data {
		if rnd.Float64() >= p {
			m.Data[i] = keep
		}
	}
	return m
}

// NLL returns the mean negative log-likelihood of labels under logits.
func NLL(logits *ad.Tensor[float32], labels []int) *ad.Tensor[float32] {
	return ad.Neg(ad.Mean(ad.Gather(ad.LogSoftmax(logits, 1), 1, labels)))
}

// batchNorm normalises each feature by its batch mean and deviation in
// training, and by running averages of them in evaluation (momentum 0.1,
// as PyTorch's BatchNorm1d), then scales and shifts.
type batchNorm struct {
	Gain, Shift *ad.Tensor[float32]
	mean, vari  []float64
}

func newBatchNorm(c int) *batchNorm {
	b := &batchNorm{Gain: ad.Param(ad.Ones[float32](c)), Shift: ad.Param(ad.Zeros[float32](c)), mean: make([]float64, c), vari: make([]float64, c)}
	for i := range b.vari {
		b.vari[i] = 1
	}
	return b
}

const bnEps = 1e-5

func (b *batchNorm) forward(h *ad.Tensor[float32], train bool) *ad.Tensor[float32] {
	c := h.Dim(1)
	if train {
		mu := ad.MeanKeep(h, 0)
		d := ad.Sub(h, mu)
		v := ad.MeanKeep(ad.Square(d), 0)
		n := float64(h.Dim(0))
		for j := range c {
			b.mean[j] = 0.9*b.mean[j] + 0.1*float64(mu.Data[j])
			b.vari[j] = 0.9*b.vari[j] + 0.1*float64(v.Data[j])*n/max(n-1, 1)
		}
		return ad.Add(ad.Mul(ad.Div(d, ad.Sqrt(ad.AddScalar(v, bnEps))), b.Gain), b.Shift)
	}
	scale, shift := ad.Zeros[float32](c), ad.Zeros[float32](c)
	for j := range c {
		s := float64(b.Gain.Data[j]) / math.Sqrt(b.vari[j]+bnEps)
		scale.Data[j] = float32(s)
		shift.Data[j] = b.Shift.Data[j] - float32(s*b.mean[j])
	}
	return ad.Add(ad.Mul(h, scale), shift)
}
