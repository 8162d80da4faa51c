package datasets_test

import (
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/datasets"
)

func ExampleMNIST() {
	train, err := datasets.MNIST(datasets.Train)
	if err != nil {
		log.Fatal(err) // e.g. "datasets: MNIST is not installed: ...; run `make setup`"
	}
	train, valid := train.Split(10000) // the usual 50000/10000 split
	datasets.BinarizeThreshold(train.Pixels, train.Pixels, 0.5)

	rnd := rand.New(rand.NewPCG(1, 2))
	var x []float32
	for idx := range datasets.Batches(train.N, 100, rnd) {
		x = datasets.GatherRows(x, train.Pixels, train.Dim(), idx)
		// ... a training step on the [len(idx), 784] batch x
	}
	_ = valid
}

func ExampleBatches() {
	// With a nil *rand.Rand the batches come in order; pass one to shuffle.
	for idx := range datasets.Batches(7, 3, nil) {
		fmt.Println(idx)
	}
	// Output:
	// [0 1 2]
	// [3 4 5]
	// [6]
}

func ExampleGridShortestPaths() {
	g := datasets.GridShortestPaths{Degree: 4, NoiseHalfWidth: 0.5}
	data, err := g.Generate(1000, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("features [%d, %d], vertex costs [%d, %d×%d], B [%d, %d]\n",
		data.N, data.Features, data.N, data.Rows, data.Cols, len(data.B)/data.Features, data.Features)
	train, test := datasets.SplitIndices(data.N, 200, nil)
	fmt.Println(data.Subset(train).N, data.Subset(test).N)
	// Output:
	// features [1000, 5], vertex costs [1000, 5×5], B [25, 5]
	// 800 200
}

func ExampleBars_LogProb() {
	var b datasets.Bars // 5×5, each of the 10 bars on with probability 0.1
	empty := make([]float32, 25)
	lp, _ := b.LogProb(empty)
	fmt.Printf("log p(empty) = 10·log 0.9 = %.4f\n", lp)

	full := make([]float32, 25)
	for i := range full {
		full[i] = 1
	}
	lp, _ = b.LogProb(full)
	fmt.Printf("log p(full) = log(2·0.1⁵ − 0.1¹⁰) = %.4f\n", lp)
	// Output:
	// log p(empty) = 10·log 0.9 = -1.0536
	// log p(full) = log(2·0.1⁵ − 0.1¹⁰) = -10.8198
}
