package wakesleep

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/datasets"
)

// FromImages returns the images as the rows of a matrix, the form Trainer
// and the log-likelihoods take. The pixels must be 0 or 1: binarise grey
// images first (datasets.BinarizeStochastic or BinarizeThreshold).
func FromImages(im *datasets.Images) (*mat.Dense, error) {
	d := im.Dim()
	x := mat.NewDense(im.N, d, nil)
	for i := range im.N {
		row := x.RawRowView(i)
		for j, v := range im.Image(i) {
			if v != 0 && v != 1 {
				return nil, fmt.Errorf("wakesleep: FromImages: pixel %d of image %d is %v, not binary; binarise with datasets.BinarizeStochastic or BinarizeThreshold", j, i, v)
			}
			row[j] = float64(v)
		}
	}
	return x, nil
}
