package wakesleep_test

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/toolkit/wakesleep"
)

// Natural reweighted wake-sleep on the bars toy, scored by the exact
// log-likelihood of held-out images.
func Example() {
	rnd := rand.New(rand.NewPCG(1, 2))
	im, _, err := datasets.Bars{}.Generate(700, rnd)
	if err != nil {
		panic(err)
	}
	train, test := im.Split(200)
	xTrain, _ := wakesleep.FromImages(train)
	xTest, _ := wakesleep.FromImages(test)

	m, err := wakesleep.New([]int{25, 15}, wakesleep.PlusMinusOne, rnd)
	if err != nil {
		panic(err)
	}
	tr, err := wakesleep.NewTrainer(m, wakesleep.Config{Algorithm: wakesleep.NRWS, Batch: 10})
	if err != nil {
		panic(err)
	}
	before, _ := m.LogLikelihood(xTest)
	for range 2 {
		if err := tr.Epoch(xTrain, rnd); err != nil {
			panic(err)
		}
	}
	after, _ := m.LogLikelihood(xTest)
	fmt.Println("log-likelihood rose by more than 3 nats:", stat.Mean(after, nil)-stat.Mean(before, nil) > 3)
	// Output: log-likelihood rose by more than 3 nats: true
}
