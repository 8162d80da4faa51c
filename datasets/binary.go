package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// BinaryData generates binary images from a random mixture of Bernoulli
// prototypes: a small stand-in for binarised MNIST whose exact
// log-likelihood is known, so that an end-to-end test can check that a
// VAE's ELBO approaches it. Each of Components prototypes switches every
// pixel on or off with probability ½; an image picks a prototype uniformly
// at random and copies it, flipping each pixel independently with
// probability Flip. Per image the entropy lies between
// Rows·Cols·H(Flip) and Rows·Cols·H(Flip) + log Components nats, far below
// the Rows·Cols·log 2 of a model that learnt nothing.
//
// The zero value gives 28×28 images, 10 components and Flip 0.05.
type BinaryData struct {
	Rows, Cols int     // image size; 0 means 28
	Components int     // number of prototypes, at most 256; 0 means 10
	Flip       float64 // pixel flip probability in (0, 0.5]; 0 means 0.05
}

// BernoulliMixture is the distribution BinaryData draws from.
type BernoulliMixture struct {
	Dim int // pixels per image
	// Weights are the mixing weights, one per component.
	Weights []float64
	// Probs are the pixel-on probabilities, row-major [len(Weights), Dim].
	Probs []float64
}

func (c BinaryData) withDefaults() (BinaryData, error) {
	if c.Rows == 0 {
		c.Rows = 28
	}
	if c.Cols == 0 {
		c.Cols = 28
	}
	if c.Components == 0 {
		c.Components = 10
	}
	if c.Flip == 0 {
		c.Flip = 0.05
	}
	switch {
	case c.Rows < 0 || c.Cols < 0:
		return c, fmt.Errorf("datasets: BinaryData: image size %d×%d: want positive sizes", c.Rows, c.Cols)
	case c.Components < 0 || c.Components > 256:
		return c, fmt.Errorf("datasets: BinaryData: Components=%d: want 1..256 (labels are uint8)", c.Components)
	case !(c.Flip > 0 && c.Flip <= 0.5):
		return c, fmt.Errorf("datasets: BinaryData: Flip=%v: want 0 < Flip <= 0.5", c.Flip)
	}
	return c, nil
}

// Generate draws the prototypes and then n images. The label of an image is
// the index of its prototype.
func (c BinaryData) Generate(n int, rnd *rand.Rand) (*Images, *BernoulliMixture, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	if n < 0 {
		return nil, nil, fmt.Errorf("datasets: BinaryData.Generate: n=%d < 0", n)
	}
	d := c.Rows * c.Cols
	m := &BernoulliMixture{
		Dim:     d,
		Weights: make([]float64, c.Components),
		Probs:   make([]float64, c.Components*d),
	}
	for k := range m.Weights {
		m.Weights[k] = 1 / float64(c.Components)
	}
	for i := range m.Probs {
		if rnd.Uint64()&1 == 1 {
			m.Probs[i] = 1 - c.Flip
		} else {
			m.Probs[i] = c.Flip
		}
	}
	im := &Images{N: n, Rows: c.Rows, Cols: c.Cols, Pixels: make([]float32, n*d), Labels: make([]uint8, n)}
	for i := range n {
		k := rnd.IntN(c.Components)
		im.Labels[i] = uint8(k)
		probs := m.Probs[k*d : (k+1)*d]
		x := im.Pixels[i*d : (i+1)*d]
		for j, p := range probs {
			if rnd.Float64() < p {
				x[j] = 1
			}
		}
	}
	return im, m, nil
}

// LogProb returns log p(x) in nats for a binary vector x of length Dim
// (values 0 or 1).
func (m *BernoulliMixture) LogProb(x []float32) float64 {
	if len(x) != m.Dim {
		panic(fmt.Sprintf("datasets: BernoulliMixture.LogProb: len(x)=%d != Dim=%d", len(x), m.Dim))
	}
	terms := make([]float64, len(m.Weights))
	for k, w := range m.Weights {
		lp := math.Log(w)
		for j, p := range m.Probs[k*m.Dim : (k+1)*m.Dim] {
			switch x[j] {
			case 1:
				lp += math.Log(p)
			case 0:
				lp += math.Log1p(-p)
			default:
				panic(fmt.Sprintf("datasets: BernoulliMixture.LogProb: x[%d]=%v is not binary", j, x[j]))
			}
		}
		terms[k] = lp
	}
	return floats.LogSumExp(terms)
}
