package wakesleep

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

func TestMeasure(t *testing.T) {
	rnd := rand.New(rand.NewPCG(100, 1))
	train := barsData(t, 1000, rnd)
	test := barsData(t, 200, rnd)
	var truth []float64
	for i := range 200 {
		x := make([]float32, 25)
		for j := range x {
			x[j] = float32(test.At(i, j))
		}
		v, _ := datasets.Bars{}.LogProb(x)
		truth = append(truth, v)
	}
	fmt.Printf("true mean log p(x) on test: %.3f\n", stat.Mean(truth, nil))
	type run struct {
		name string
		cfg  Config
	}
	runs := []run{
		{"WS", Config{Algorithm: WS}},
		{"RWS", Config{Algorithm: RWS}},
		{"NRWS", Config{Algorithm: NRWS}},
		{"NRWS k=10", Config{Algorithm: NRWS, Every: 10}},
		{"BiHM", Config{Algorithm: BiHM}},
		{"NBiHM", Config{Algorithm: NBiHM}},
		{"RWS Adam1e-3", Config{Algorithm: RWS, Optimizer: &optim.Adam[float64]{LR: 1e-3}}},
	}
	targets := []float64{-10, -8, -7}
	for seed := uint64(1); seed <= 1; seed++ {
		for _, r := range runs {
			m, _ := New([]int{25, 15}, PlusMinusOne, rand.New(rand.NewPCG(seed, 7)))
			cfg := r.cfg
			cfg.Batch = 10
			if cfg.Optimizer != nil {
				cfg.Optimizer = &optim.Adam[float64]{LR: 1e-3}
			}
			tr, err := NewTrainer(m, cfg)
			if err != nil {
				t.Fatal(err)
			}
			rr := rand.New(rand.NewPCG(seed, 9))
			var elapsed time.Duration
			hit := map[float64]string{}
			var ll float64
			for e := 1; e <= 30; e++ {
				start := time.Now()
				if err := tr.Epoch(train, rr); err != nil {
					t.Fatal(err)
				}
				elapsed += time.Since(start)
				ll = meanLL(t, m, test)
				for _, tg := range targets {
					if _, ok := hit[tg]; !ok && ll >= tg {
						hit[tg] = fmt.Sprintf("ep %d / %.2fs", e, elapsed.Seconds())
					}
				}
			}
			fmt.Printf("seed %d %-13s final %.3f  %.3fs/epoch  ", seed, r.name, ll, elapsed.Seconds()/30)
			for _, tg := range targets {
				fmt.Printf(" [%.0f: %s]", tg, hit[tg])
			}
			fmt.Println()
		}
	}
}
