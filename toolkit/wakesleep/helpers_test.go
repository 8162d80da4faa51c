package wakesleep

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/datasets"
)

// barsData returns n images of the 5×5 bars toy as rows of {0,1}.
func barsData(t testing.TB, n int, rnd *rand.Rand) *mat.Dense {
	t.Helper()
	im, _, err := datasets.Bars{}.Generate(n, rnd)
	if err != nil {
		t.Fatal(err)
	}
	x, err := FromImages(im)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestFromImagesRejectsGrey(t *testing.T) {
	im := &datasets.Images{N: 1, Rows: 1, Cols: 2, Pixels: []float32{1, 0.5}}
	if _, err := FromImages(im); err == nil {
		t.Error("grey pixel accepted")
	}
}
