package datasets

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestBatches(t *testing.T) {
	const n, size = 103, 10
	rnd := rand.New(rand.NewPCG(3, 4))
	var epochs [][]int
	for range 3 {
		var all []int
		var sizes []int
		for idx := range Batches(n, size, rnd) {
			sizes = append(sizes, len(idx))
			all = append(all, idx...)
		}
		if want := []int{10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3}; !slices.Equal(sizes, want) {
			t.Fatalf("batch sizes %v, want %v", sizes, want)
		}
		sorted := slices.Sorted(slices.Values(all))
		for i, v := range sorted {
			if v != i {
				t.Fatalf("epoch is not a permutation of 0..%d: sorted %v", n-1, sorted)
			}
		}
		epochs = append(epochs, all)
	}
	if slices.Equal(epochs[0], epochs[1]) || slices.Equal(epochs[1], epochs[2]) {
		t.Error("consecutive epochs have the same order")
	}
	// Determinism: the same seed replays the same epochs.
	rnd = rand.New(rand.NewPCG(3, 4))
	for e := range 3 {
		var all []int
		for idx := range Batches(n, size, rnd) {
			all = append(all, idx...)
		}
		if !slices.Equal(all, epochs[e]) {
			t.Fatalf("epoch %d differs under the same seed", e)
		}
	}

	// nil rnd: in order; stopping early is honoured.
	var got [][]int
	for idx := range Batches(7, 3, nil) {
		got = append(got, idx)
		if len(got) == 2 {
			break
		}
	}
	if len(got) != 2 || !slices.Equal(got[0], []int{0, 1, 2}) || !slices.Equal(got[1], []int{3, 4, 5}) {
		t.Errorf("ordered batches with early stop: %v", got)
	}
	// Batches do not alias: appending to one leaves the next intact.
	var prev []int
	for idx := range Batches(6, 2, nil) {
		if prev != nil {
			_ = append(prev, -1)
			if idx[0] == -1 {
				t.Fatal("batches alias each other")
			}
		}
		prev = idx
	}
	mustPanic(t, "size=0", func() { Batches(5, 0, nil) })
}

func TestSplitIndices(t *testing.T) {
	train, valid := SplitIndices(10, 3, nil)
	if !slices.Equal(train, []int{0, 1, 2, 3, 4, 5, 6}) || !slices.Equal(valid, []int{7, 8, 9}) {
		t.Errorf("deterministic split: %v %v", train, valid)
	}
	train, valid = SplitIndices(1000, 200, rand.New(rand.NewPCG(5, 6)))
	if len(train) != 800 || len(valid) != 200 {
		t.Fatalf("sizes %d %d", len(train), len(valid))
	}
	all := slices.Sorted(slices.Values(append(append([]int{}, train...), valid...)))
	for i, v := range all {
		if v != i {
			t.Fatal("split is not a partition of 0..999")
		}
	}
	// The validation part of a random split is a uniform sample: its mean
	// index is (n-1)/2 with the variance of sampling without replacement.
	xs := make([]float64, len(valid))
	for i, v := range valid {
		xs[i] = float64(v)
	}
	n, k := 1000.0, 200.0
	popVar := (n*n - 1) / 12
	// checkMean divides by k; fold in the finite-population correction.
	checkMean(t, "mean validation index", xs, (n-1)/2, popVar*(n-k)/(n-1))
	tr2, va2 := SplitIndices(1000, 200, rand.New(rand.NewPCG(5, 6)))
	if !slices.Equal(tr2, train) || !slices.Equal(va2, valid) {
		t.Error("random split not deterministic for a fixed seed")
	}
	mustPanic(t, "nValid=11", func() { SplitIndices(10, 11, nil) })
}

func TestGatherRows(t *testing.T) {
	src := []float32{0, 1, 2, 10, 11, 12, 20, 21, 22}
	buf := make([]float32, 0, 100)
	got := GatherRows(buf, src, 3, []int{2, 0, 2})
	if want := []float32{20, 21, 22, 0, 1, 2, 20, 21, 22}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if &got[0] != &buf[:1][0] {
		t.Error("buffer with enough capacity was not reused")
	}
	if got := GatherRows(nil, src, 3, nil); len(got) != 0 {
		t.Errorf("no indices: %v", got)
	}
	mustPanic(t, "index 3 out of range [0, 3)", func() { GatherRows(nil, src, 3, []int{3}) })
	mustPanic(t, "not a multiple of dim=4", func() { GatherRows(nil, src, 4, []int{0}) })
}

func TestImagesSplitSubset(t *testing.T) {
	im := &Images{N: 5, Rows: 1, Cols: 2, Pixels: []float32{0, 0.1, 1, 1.1, 2, 2.1, 3, 3.1, 4, 4.1}, Labels: []uint8{0, 1, 2, 3, 4}}
	train, valid := im.Split(2)
	if train.N != 3 || valid.N != 2 || !slices.Equal(valid.Pixels, []float32{3, 3.1, 4, 4.1}) || !slices.Equal(valid.Labels, []uint8{3, 4}) {
		t.Errorf("Split(2): train %+v valid %+v", train, valid)
	}
	if !slices.Equal(train.Image(2), []float32{2, 2.1}) || train.Labels[2] != 2 {
		t.Errorf("train image 2: %v label %d", train.Image(2), train.Labels[2])
	}
	// Appending to the training part must not overwrite validation data.
	_ = append(train.Pixels, -1)
	_ = append(train.Labels, 99)
	if valid.Pixels[0] != 3 || valid.Labels[0] != 3 {
		t.Error("Split parts alias beyond their length")
	}
	sub := im.Subset([]int{4, 1, 4})
	if sub.N != 3 || !slices.Equal(sub.Pixels, []float32{4, 4.1, 1, 1.1, 4, 4.1}) || !slices.Equal(sub.Labels, []uint8{4, 1, 4}) {
		t.Errorf("Subset: %+v", sub)
	}
	sub.Pixels[0] = -5
	if im.Pixels[8] != 4 {
		t.Error("Subset does not copy")
	}
	unlabelled := &Images{N: 2, Rows: 1, Cols: 1, Pixels: []float32{0, 1}}
	if s := unlabelled.Subset([]int{1}); s.Labels != nil || s.Pixels[0] != 1 {
		t.Errorf("unlabelled Subset: %+v", s)
	}
	mustPanic(t, "nValid 6 outside [0, 5]", func() { im.Split(6) })
	mustPanic(t, "index 5 out of range", func() { im.Subset([]int{5}) })
	mustPanic(t, "index -1 out of range", func() { im.Image(-1) })
}
