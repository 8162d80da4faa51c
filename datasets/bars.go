package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Bars is the bars toy problem of reweighted wake-sleep (Bornschein &
// Bengio 2015; jbornschein/reweighted-ws, learning/dataset.py, BarsData):
// Size×Size binary images made of 2·Size bars, the Size horizontal bars
// (image rows) and the Size vertical bars (image columns), each present
// independently with probability Prob; a pixel is on when a bar through it
// is. The bar indicators are the true latent variables, which makes the
// problem a natural test for sigmoid belief nets and Helmholtz machines,
// and its exact log-likelihood is known (LogProb).
//
// The zero value is the published setting: Size 5 and Prob 1/(2·Size) = 0.1.
type Bars struct {
	Size int     // image side; 0 means 5
	Prob float64 // probability of each bar, in (0, 1); 0 means 1/(2·Size)
}

func (b Bars) withDefaults() (Bars, error) {
	if b.Size == 0 {
		b.Size = 5
	}
	if b.Size < 0 {
		return b, fmt.Errorf("datasets: Bars: Size=%d: want > 0", b.Size)
	}
	if b.Prob == 0 {
		b.Prob = 1 / float64(2*b.Size)
	}
	if !(b.Prob > 0 && b.Prob < 1) {
		return b, fmt.Errorf("datasets: Bars: Prob=%v: want 0 < Prob < 1", b.Prob)
	}
	return b, nil
}

// Generate draws n images. It returns the images (Labels nil) and the bar
// indicators, row-major [n, 2·Size] of 0/1: first the horizontal bars
// top to bottom, then the vertical bars left to right.
func (b Bars) Generate(n int, rnd *rand.Rand) (im *Images, bars []float32, err error) {
	b, err = b.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	if n < 0 {
		return nil, nil, fmt.Errorf("datasets: Bars.Generate: n=%d < 0", n)
	}
	s := b.Size
	im = &Images{N: n, Rows: s, Cols: s, Pixels: make([]float32, n*s*s)}
	bars = make([]float32, n*2*s)
	for i := range n {
		z := bars[i*2*s : (i+1)*2*s]
		for j := range z {
			if rnd.Float64() < b.Prob {
				z[j] = 1
			}
		}
		drawBars(im.Image(i), z, s)
	}
	return im, bars, nil
}

// drawBars sets the pixels of x covered by the bars z.
func drawBars(x, z []float32, s int) {
	for r := range s {
		for c := range s {
			if z[r] == 1 || z[s+c] == 1 {
				x[r*s+c] = 1
			}
		}
	}
}

// LogProb returns the exact log p(x) in nats of a Size×Size binary image x
// under b; it is −Inf for images no bar configuration draws.
//
// A horizontal bar can be on only if its row is fully on, and a vertical
// bar only if its column is. Unless the image is all on, a full row meets a
// column that is not full, so its bar must be on, and likewise for full
// columns: exactly one configuration draws x, provided every on pixel lies
// in a full row or column. The all-on image is drawn by every configuration
// with all horizontal or all vertical bars on, of probability
// 2·Prob^Size − Prob^(2·Size).
func (b Bars) LogProb(x []float32) (float64, error) {
	b, err := b.withDefaults()
	if err != nil {
		return 0, err
	}
	s := b.Size
	if len(x) != s*s {
		panic(fmt.Sprintf("datasets: Bars.LogProb: len(x)=%d != Size²=%d", len(x), s*s))
	}
	fullRow := make([]bool, s)
	fullCol := make([]bool, s)
	for i := range fullRow {
		fullRow[i], fullCol[i] = true, true
	}
	ones := 0
	for r := range s {
		for c := range s {
			switch x[r*s+c] {
			case 1:
				ones++
			case 0:
				fullRow[r], fullCol[c] = false, false
			default:
				panic(fmt.Sprintf("datasets: Bars.LogProb: x[%d]=%v is not binary", r*s+c, x[r*s+c]))
			}
		}
	}
	if ones == s*s {
		q := float64(s) * math.Log(b.Prob)
		return math.Log(2*math.Exp(q) - math.Exp(2*q)), nil
	}
	on := 0
	for i := range s {
		if fullRow[i] {
			on++
		}
		if fullCol[i] {
			on++
		}
	}
	for r := range s {
		for c := range s {
			if x[r*s+c] == 1 && !fullRow[r] && !fullCol[c] {
				return math.Inf(-1), nil
			}
		}
	}
	return float64(on)*math.Log(b.Prob) + float64(2*s-on)*math.Log1p(-b.Prob), nil
}
