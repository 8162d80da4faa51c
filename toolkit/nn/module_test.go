package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

func TestCollectCountZeroGrad(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	enc := NewMLP[float32](rnd, []int{6, 4, 2}, nil)
	dec := NewMLP[float32](rnd, []int{2, 4, 6}, nil)
	// Tie a weight: the shared tensor must be listed and counted once.
	tied := &Linear[float32]{W: enc.Layers[0].W}
	extra := ParamList[float32]{ad.Param(ad.Zeros[float32](3))}

	ps := Collect(enc, dec, tied, extra)
	if len(ps) != 4+4+1 {
		t.Fatalf("Collect returned %d tensors, want 9", len(ps))
	}
	if ps[0] != enc.Layers[0].W || ps[8] != extra[0] {
		t.Fatal("Collect changed the order of the parameters")
	}
	want := (6*4 + 4 + 4*2 + 2) + (2*4 + 4 + 4*6 + 6) + 3
	if n := Count(enc, dec, tied, extra); n != want {
		t.Fatalf("Count = %d, want %d", n, want)
	}

	x := ad.Ones[float32](3, 6)
	ad.Sum(dec.Forward(enc.Forward(x))).Backward()
	for i, p := range ps[:8] {
		if p.Grad == nil {
			t.Fatalf("parameter %d got no gradient", i)
		}
	}
	ZeroGrad(enc, dec)
	for i, p := range ps {
		for _, g := range p.Grad { // nil or zeros, depending on the engine
			if g != 0 {
				t.Fatalf("parameter %d has gradient %v after ZeroGrad", i, p.Grad)
			}
		}
	}
}
