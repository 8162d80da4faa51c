package datasets

import (
	"fmt"
	"iter"
	"math/rand/v2"
)

// Float is the element type of a mini-batch buffer: float32 or float64, the
// element types of package ad's tensors.
type Float interface{ ~float32 | ~float64 }

// GatherBatch copies the images idx of im, one row of im.Dim() pixels each,
// into dst converted to T, and returns the len(idx)·im.Dim() elements
// written; dst is reused when it has the capacity and reallocated
// otherwise. With binarize non-nil every pixel is replaced by a draw from
// Bernoulli(grey level) taken from binarize (one rnd.Float32 per pixel, in
// order): called on each batch of each epoch, this is the dynamic
// binarisation of the IWAE paper, a fresh binary image each time an image
// is seen. The result is laid out row-major, so that
//
//	x := ad.New(buf, len(idx), im.Dim())
//
// wraps it without a further copy.
func GatherBatch[T Float](dst []T, im *Images, idx []int, binarize *rand.Rand) []T {
	d := im.Dim()
	if cap(dst) < len(idx)*d {
		dst = make([]T, len(idx)*d)
	}
	dst = dst[:len(idx)*d]
	for k, i := range idx {
		if i < 0 || i >= im.N {
			panic(fmt.Sprintf("datasets: GatherBatch: index %d out of range [0, %d)", i, im.N))
		}
		row, out := im.Pixels[i*d:(i+1)*d], dst[k*d:(k+1)*d]
		if binarize == nil {
			for j, p := range row {
				out[j] = T(p)
			}
			continue
		}
		for j, p := range row {
			if !(p >= 0 && p <= 1) {
				panic(fmt.Sprintf("datasets: GatherBatch: pixel %d of image %d is %v, outside [0, 1]", j, i, p))
			}
			// Float32 is in [0, 1): p = 0 never fires, p = 1 always does.
			if binarize.Float32() < p {
				out[j] = 1
			} else {
				out[j] = 0
			}
		}
	}
	return dst
}

// MiniBatches returns an iterator over one epoch of mini-batches of im:
// the image indices of each batch (shuffled by rnd as Batches does, in
// order when rnd is nil) and their pixels gathered by GatherBatch into
// *buf, which is grown as needed and reused from batch to batch, so the
// yielded pixels are valid only until the next batch. With binarize
// non-nil the pixels are binarised afresh (dynamic binarisation). Ranging
// over the iterator again gives the next epoch.
//
//	var buf []float32
//	for idx, px := range datasets.MiniBatches(train, 100, &buf, rnd, rnd) {
//		x := ad.New(px, len(idx), train.Dim())
//		...
//	}
func MiniBatches[T Float](im *Images, size int, buf *[]T, shuffle, binarize *rand.Rand) iter.Seq2[[]int, []T] {
	if buf == nil {
		panic("datasets: MiniBatches: buf is nil")
	}
	batches := Batches(im.N, size, shuffle)
	return func(yield func([]int, []T) bool) {
		for idx := range batches {
			*buf = GatherBatch(*buf, im, idx, binarize)
			if !yield(idx, *buf) {
				return
			}
		}
	}
}
