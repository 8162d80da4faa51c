package datasets

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"testing"
)

// distinctImages returns n 2×2 images whose first pixel identifies them
// (pixel 0 of image i is i/n) and whose other pixels hold grey levels.
func distinctImages(n int) *Images {
	im := &Images{N: n, Rows: 2, Cols: 2, Pixels: make([]float32, 4*n), Labels: make([]uint8, n)}
	for i := range n {
		im.Pixels[4*i] = float32(i) / float32(n)
		im.Pixels[4*i+1], im.Pixels[4*i+2], im.Pixels[4*i+3] = 0.25, 0.5, 1
		im.Labels[i] = uint8(i % 10)
	}
	return im
}

// ids returns the identities (pixel 0 times n) of the images of im.
func ids(im *Images, n int) []int {
	out := make([]int, im.N)
	for i := range out {
		out[i] = int(im.Pixels[4*i]*float32(n) + 0.5)
	}
	return out
}

func TestSplitImagesSeeded(t *testing.T) {
	const n, nValid = 50, 12
	im := distinctImages(n)
	tr, va := SplitImages(im, nValid, rand.New(rand.NewPCG(1, 2)))
	if tr.N != n-nValid || va.N != nValid || len(tr.Labels) != tr.N || len(va.Pixels) != 4*nValid {
		t.Fatalf("sizes %d/%d (labels %d, pixels %d), want %d/%d", tr.N, va.N, len(tr.Labels), len(va.Pixels), n-nValid, nValid)
	}
	seen := make(map[int]bool)
	for _, part := range []*Images{tr, va} {
		for k, id := range ids(part, n) {
			if seen[id] {
				t.Fatalf("image %d in both parts or twice", id)
			}
			seen[id] = true
			if part.Labels[k] != uint8(id%10) {
				t.Fatalf("image %d carries label %d, want %d", id, part.Labels[k], id%10)
			}
		}
	}
	if len(seen) != n {
		t.Fatalf("%d distinct images in the split, want %d", len(seen), n)
	}
	tr2, va2 := SplitImages(im, nValid, rand.New(rand.NewPCG(1, 2)))
	if !equalInts(ids(tr, n), ids(tr2, n)) || !equalInts(ids(va, n), ids(va2, n)) {
		t.Fatal("the same seed gave two different splits")
	}
	tr3, _ := SplitImages(im, nValid, rand.New(rand.NewPCG(3, 4)))
	if equalInts(ids(tr, n), ids(tr3, n)) {
		t.Fatal("two seeds gave the same split")
	}
	// Without rnd the split is the conventional one: the last nValid validate.
	tr, va = SplitImages(im, nValid, nil)
	if got := ids(va, n); got[0] != n-nValid || got[nValid-1] != n-1 || &tr.Pixels[0] != &im.Pixels[0] {
		t.Fatalf("deterministic split: validation %v, want the last %d aliasing im", got, nValid)
	}
	mustPanic(t, "nValid 51", func() { SplitImages(im, 51, nil) })
}

func TestBinarized(t *testing.T) {
	const n = 4000
	im := distinctImages(n)
	b := im.Binarized(rand.New(rand.NewPCG(5, 6)))
	if b.N != n || &b.Pixels[0] == &im.Pixels[0] {
		t.Fatal("Binarized must return a copy of the same size")
	}
	for c, p := range []float64{0.25, 0.5, 1} {
		xs := make([]float64, n)
		for i := range n {
			v := b.Pixels[4*i+c+1]
			if v != 0 && v != 1 {
				t.Fatalf("pixel %v is not binary", v)
			}
			xs[i] = float64(v)
		}
		checkMean(t, "fixed binarisation frequency", xs, p, p*(1-p))
	}
	again := im.Binarized(rand.New(rand.NewPCG(5, 6)))
	if string(f32bytes(again.Pixels)) != string(f32bytes(b.Pixels)) {
		t.Fatal("the same seed gave two different binarisations")
	}
}

func TestGatherBatch(t *testing.T) {
	im := distinctImages(10)
	idx := []int{7, 2, 2}
	got := GatherBatch[float64](nil, im, idx, nil)
	if len(got) != 12 {
		t.Fatalf("len %d, want 12", len(got))
	}
	for k, i := range idx {
		for j := range 4 {
			if got[4*k+j] != float64(im.Pixels[4*i+j]) {
				t.Fatalf("row %d pixel %d = %v, want %v", k, j, got[4*k+j], im.Pixels[4*i+j])
			}
		}
	}
	// A buffer with the capacity is reused.
	buf := make([]float64, 0, 100)
	if out := GatherBatch(buf, im, idx, nil); &out[0] != &buf[:1][0] {
		t.Fatal("GatherBatch reallocated a buffer that had the capacity")
	}
	mustPanic(t, "index 10 out of range", func() { GatherBatch[float32](nil, im, []int{10}, nil) })
	bad := distinctImages(1)
	bad.Pixels[1] = 2
	mustPanic(t, "outside [0, 1]", func() { GatherBatch[float32](nil, bad, []int{0}, rand.New(rand.NewPCG(1, 1))) })
}

// TestMiniBatchesDynamicBinarisation checks that an epoch visits every image
// once, that the buffer is reused, and that dynamic binarisation draws a
// fresh Bernoulli(p) image each epoch: the frequency of ones of a pixel of
// grey level p over epochs is p, and two epochs differ.
func TestMiniBatchesDynamicBinarisation(t *testing.T) {
	const n, size, epochs = 20, 6, 2000
	im := distinctImages(n)
	rnd := rand.New(rand.NewPCG(7, 8))
	var buf []float32
	ones := make([]float64, 0, n*epochs)
	var first *float32
	var prev []float32
	changed := false
	for e := range epochs {
		seen := make([]int, n)
		cur := make([]float32, n)
		for idx, px := range MiniBatches(im, size, &buf, rnd, rnd) {
			if len(px) != 4*len(idx) {
				t.Fatalf("%d pixels for %d images", len(px), len(idx))
			}
			if first == nil {
				first = &buf[:1][0]
			} else if len(idx) == size && &px[0] != first {
				t.Fatal("MiniBatches reallocated its buffer")
			}
			for k, i := range idx {
				seen[i]++
				ones = append(ones, float64(px[4*k+2])) // grey level 0.5
				cur[i] = px[4*k+2]
				if px[4*k+3] != 1 || px[4*k] != 0 && px[4*k] != 1 {
					t.Fatalf("pixels %v: a grey level of 1 must give 1, any pixel 0 or 1", px[4*k:4*k+4])
				}
			}
		}
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("epoch %d saw image %d %d times", e, i, c)
			}
		}
		if prev != nil && string(f32bytes(prev)) != string(f32bytes(cur)) {
			changed = true
		}
		prev = cur
	}
	if !changed {
		t.Fatal("dynamic binarisation drew the same images every epoch")
	}
	checkMean(t, "dynamic binarisation frequency", ones, 0.5, 0.25)
}

// TestMNISTSplit checks the 50k/10k/10k split of the installed MNIST: the
// sizes, that validation and training together are the official training
// set (by class counts and total ink), and that a seed fixes the split.
func TestMNISTSplit(t *testing.T) {
	tr, va, te, err := MNISTSplit(rand.New(rand.NewPCG(1, 2)))
	if errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("STOCHGRAD_REQUIRE_SETUP") != "" {
			t.Fatalf("STOCHGRAD_REQUIRE_SETUP is set but: %v", err)
		}
		t.Skipf("data not installed (run `make setup`): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if tr.N != 50000 || va.N != 10000 || te.N != 10000 {
		t.Fatalf("split sizes %d/%d/%d, want 50000/10000/10000", tr.N, va.N, te.N)
	}
	full := loadOrSkip(t, MNIST, Train)
	var counts, want [10]int
	for _, part := range []*Images{tr, va} {
		for _, l := range part.Labels {
			counts[l]++
		}
	}
	for _, l := range full.Labels {
		want[l]++
	}
	if counts != want {
		t.Fatalf("class counts of train+valid %v, want the training set's %v", counts, want)
	}
	// The conventional split differs from the seeded one.
	tr0, va0, _, err := MNISTSplit(nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr0.N != 50000 || va0.N != 10000 || string(f32bytes(va0.Pixels[:784])) == string(f32bytes(va.Pixels[:784])) {
		t.Fatal("the seeded split must differ from the conventional one")
	}
	if tr, va, te, err := FashionMNISTSplit(nil); err == nil && (tr.N != 50000 || va.N != 10000 || te.N != 10000) {
		t.Fatalf("Fashion-MNIST split sizes %d/%d/%d, want 50000/10000/10000", tr.N, va.N, te.N)
	}
}
