package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

func ExampleMLP() {
	rnd := rand.New(rand.NewPCG(1, 2))
	net := nn.NewMLP[float32](rnd, []int{784, 256, 10}, ad.Tanh)
	x := ad.Zeros[float32](32, 784) // a batch of 32 images
	logits := net.Forward(x)
	fmt.Println("output shape:", logits.Shape())
	fmt.Println("parameters:", nn.Count(net))
	// Output:
	// output shape: [32 10]
	// parameters: 203530
}
