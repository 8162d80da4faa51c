package wakesleep

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/stochgrad/stochgrad/datasets"
)

func TestMeasureMNIST(t *testing.T) {
	im, err := datasets.MNIST("train")
	if err != nil {
		t.Skip(err)
	}
	te, err := datasets.MNIST("test")
	if err != nil {
		t.Skip(err)
	}
	rnd := rand.New(rand.NewPCG(1, 1))
	bin := func(im *datasets.Images, n int) *mat.Dense {
		sub := im.Subset(rnd.Perm(im.N)[:n])
		datasets.BinarizeStochastic(sub.Pixels, sub.Pixels, rnd)
		x, err := FromImages(sub)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	train := bin(im, 3200)
	test := bin(te, 20)
	for _, r := range []struct {
		name string
		cfg  Config
	}{
		{"RWS", Config{Algorithm: RWS}},
		{"NRWS k=0", Config{Algorithm: NRWS}},
		{"NRWS k=10", Config{Algorithm: NRWS, Every: 10}},
		{"WS", Config{Algorithm: WS}},
	} {
		m, _ := New([]int{784, 200, 100, 10}, PlusMinusOne, rand.New(rand.NewPCG(2, 2)))
		tr, err := NewTrainer(m, r.cfg)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := tr.Epoch(train, rand.New(rand.NewPCG(3, 3))); err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		s2 := time.Now()
		ll := m.ImportanceLogLikelihood(test, 5000, rnd)
		fmt.Printf("%-10s %d steps: %.1f ms/step; IS(K=5000) %.2f s/image, test LL after 100 steps %.2f\n", r.name, tr.Steps(), el.Seconds()*1000/float64(tr.Steps()), time.Since(s2).Seconds()/20, stat.Mean(ll, nil))
	}
}
