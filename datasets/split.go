package datasets

import (
	"fmt"
	"math/rand/v2"
)

// MNISTValidation is the number of MNIST training images held out for
// validation in the 50 000 / 10 000 / 10 000 split of the IWAE paper (Burda
// et al. 2016) and the discrete-VAE papers.
const MNISTValidation = 10000

// SplitImages splits im into n−nValid training and nValid validation
// images. With rnd nil the split is the deterministic one of Images.Split
// (the last nValid images validate) and both parts alias im; otherwise the
// images are first permuted by a permutation drawn from rnd (SplitIndices),
// so the same seed gives the same split, and both parts are copies.
func SplitImages(im *Images, nValid int, rnd *rand.Rand) (train, valid *Images) {
	if nValid < 0 || nValid > im.N {
		panic(fmt.Sprintf("datasets: SplitImages: nValid %d outside [0, %d]", nValid, im.N))
	}
	if rnd == nil {
		return im.Split(nValid)
	}
	tr, va := SplitIndices(im.N, nValid, rnd)
	return im.Subset(tr), im.Subset(va)
}

// MNISTSplit loads MNIST and returns its 50 000 / 10 000 / 10 000
// training, validation and test sets: the 60 000 official training images
// split by SplitImages with MNISTValidation images for validation (at a
// permutation drawn from rnd, or the last 10 000 with rnd nil), and the
// 10 000 official test images. Pixels are grey levels in [0, 1]; binarise
// them with Binarized (fixed) or with GatherBatch (dynamic).
func MNISTSplit(rnd *rand.Rand) (train, valid, test *Images, err error) {
	return splitSet(MNIST, rnd)
}

// FashionMNISTSplit is MNISTSplit for Fashion-MNIST.
func FashionMNISTSplit(rnd *rand.Rand) (train, valid, test *Images, err error) {
	return splitSet(FashionMNIST, rnd)
}

func splitSet(load func(string) (*Images, error), rnd *rand.Rand) (train, valid, test *Images, err error) {
	full, err := load(Train)
	if err != nil {
		return nil, nil, nil, err
	}
	test, err = load(Test)
	if err != nil {
		return nil, nil, nil, err
	}
	train, valid = SplitImages(full, MNISTValidation, rnd)
	return train, valid, test, nil
}

// Binarized returns a copy of im whose pixels are drawn once, each 1 with
// probability equal to its grey level and 0 otherwise, from rnd: the fixed
// stochastic binarisation of Salakhutdinov & Murray (2008), the same for
// the same seed. For a fresh draw on every pass over the data (dynamic
// binarisation) gather batches with GatherBatch instead.
func (im *Images) Binarized(rnd *rand.Rand) *Images {
	out := &Images{N: im.N, Rows: im.Rows, Cols: im.Cols, Pixels: make([]float32, len(im.Pixels)), Labels: im.Labels}
	BinarizeStochastic(out.Pixels, im.Pixels, rnd)
	return out
}
