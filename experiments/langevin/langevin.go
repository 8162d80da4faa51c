// Package langevin is the study of notebook 13: Langevin dynamics inside
// training and as posterior sampling. Entropy-SGD (Chaudhari et al., 2017)
// against SGD with Nesterov momentum and Adam on an MNIST fully connected
// network, in effective epochs (Entropy-SGD's L Langevin steps count as L
// gradient evaluations); and SGLD (Welling & Teh, 2011) against structured
// SG-MCMC (Alexos, Boyd & Mandt, 2022) on a Bayesian neural network
// classifier of MNIST: test log-likelihood of the posterior predictive and
// calibration.
package langevin

import (
	"fmt"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Config is the notebook's whole setting.
type Config struct {
	Opt OptConfig
	BNN BNNConfig
}

// Quick and Full are the notebook's two settings. Quick trains a 784-200-
// 200-10 network without dropout or batch normalisation on 8 000 MNIST
// images for 10 effective epochs per optimiser (tested on 5 000), and
// samples a 784-100-10 Bayesian network fitted to 4 000 images (tested on
// 4 000). Entropy-SGD's InnerLR and OuterLR were picked on the quick run
// among (0.1, 0.1), (0.3, 0.1), (0.5, 0.1), (0.3, 0.3), (0.5, 0.3) and
// (0.3, 1), the reference code's (0.1, 0.1) being the slowest; SGD's and
// Adam's rates were not tuned. Full is the paper's mnistfc:
// 784-1024-1024-10 with batch normalisation, dropout 0.2 on the pixels and
// 0.5 on the hidden units, all 60 000 images, 120 effective epochs (the
// paper's Entropy-SGD budget); and a 784-400-400-10 Bayesian network on all
// 60 000 images.
var (
	Quick = Config{
		Opt: OptConfig{Train: 8000, Test: 5000, Widths: []int{784, 200, 200, 10}, Batch: 128, Epochs: 10, L: 20,
			SGDLR: 0.05, AdamLR: 1e-3, Gamma: 0.03, InnerLR: 0.3, OuterLR: 0.3, Seed: 1},
		BNN: BNNConfig{Train: 4000, Test: 4000, Widths: []int{784, 100, 10}, PriorSD: 1, Batch: 100, WarmEpochs: 10,
			Gradients: 2000, LR: 1e-5, Thin: 40, BurnIn: 0.25, Pool: 50, Dropout: 0.5, Bins: 10, Seed: 1},
	}
	Full = Config{
		Opt: OptConfig{Widths: []int{784, 1024, 1024, 10}, InputDropout: 0.2, Dropout: 0.5, BatchNorm: true, Batch: 128, Epochs: 120, L: 20,
			SGDLR: 0.1, AdamLR: 1e-3, Gamma: 0.03, InnerLR: 0.3, OuterLR: 0.3, Seed: 1},
		BNN: BNNConfig{Widths: []int{784, 400, 400, 10}, PriorSD: 1, Batch: 100, WarmEpochs: 10,
			Gradients: 60000, LR: 1e-6, Thin: 200, BurnIn: 0.25, Pool: 100, Dropout: 0.5, Bins: 10, Seed: 1},
	}
)

// data loads n training and m test images of MNIST (zero means all) with
// their labels.
func data(n, m int) (train, test *datasets.Images, err error) {
	tr, err := datasets.MNIST(datasets.Train)
	if err != nil {
		return nil, nil, err
	}
	te, err := datasets.MNIST(datasets.Test)
	if err != nil {
		return nil, nil, err
	}
	return head(tr, n), head(te, m), nil
}

// head returns the first n images of im (all with n zero).
func head(im *datasets.Images, n int) *datasets.Images {
	if n <= 0 || n >= im.N {
		return im
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return im.Subset(idx)
}

// labels returns the labels of images idx as ints.
func labels(im *datasets.Images, idx []int) []int {
	y := make([]int, len(idx))
	for k, i := range idx {
		y[k] = int(im.Labels[i])
	}
	return y
}

// stream hands out mini-batches of a training set for ever, reshuffling at
// each epoch, and counts them.
type stream struct {
	im    *datasets.Images
	size  int
	rnd   *rand.Rand
	order []int
	pos   int
	buf   []float32
	n     int // batches handed out
}

func newStream(im *datasets.Images, size int, rnd *rand.Rand) *stream {
	return &stream{im: im, size: size, rnd: rnd, pos: im.N}
}

// perEpoch is the number of batches in one pass over the data.
func (s *stream) perEpoch() int { return (s.im.N + s.size - 1) / s.size }

// next returns the pixels, [B, 784], and labels of the next batch.
func (s *stream) next() (*ad.Tensor[float32], []int) {
	if s.pos >= s.im.N {
		s.order = s.rnd.Perm(s.im.N)
		s.pos = 0
	}
	idx := s.order[s.pos:min(s.pos+s.size, s.im.N)]
	s.pos += len(idx)
	s.n++
	s.buf = datasets.GatherBatch(s.buf, s.im, idx, nil)
	return ad.New(s.buf, len(idx), s.im.Dim()), labels(s.im, idx)
}

// predict returns the class probabilities, [N×10] row-major, of every
// image of im under net in evaluation mode.
func predict(net *Net, im *datasets.Images) []float64 {
	const chunk = 1000
	out := make([]float64, 0, im.N*10)
	var buf []float32
	for lo := 0; lo < im.N; lo += chunk {
		idx := make([]int, min(chunk, im.N-lo))
		for k := range idx {
			idx[k] = lo + k
		}
		s := &ad.Scope{NoGrad: true}
		buf = datasets.GatherBatch(buf, im, idx, nil)
		p := ad.Softmax(net.Forward(ad.In(s, ad.New(buf, len(idx), im.Dim())), nil), 1)
		for _, v := range p.Data {
			out = append(out, float64(v))
		}
		s.Release()
	}
	return out
}

// errorRate returns the percentage of images of im whose most probable
// class under probs is not their label.
func errorRate(probs []float64, im *datasets.Images) float64 {
	wrong := 0
	for i := range im.N {
		if argmax(probs[i*10:(i+1)*10]) != int(im.Labels[i]) {
			wrong++
		}
	}
	return 100 * float64(wrong) / float64(im.N)
}

func argmax(p []float64) int {
	k := 0
	for j, v := range p {
		if v > p[k] {
			k = j
		}
	}
	return k
}

func checkWidths(w []int) error {
	if len(w) < 2 || w[0] != 784 || w[len(w)-1] != 10 {
		return fmt.Errorf("langevin: widths %v, want 784, ..., 10", w)
	}
	return nil
}
