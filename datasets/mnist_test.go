package datasets

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadOrSkip loads a data set, skipping the test when it is not installed,
// unless STOCHGRAD_REQUIRE_SETUP is set (as by `make test`), when a missing
// data set fails the test.
func loadOrSkip(t *testing.T, load func(string) (*Images, error), split string) *Images {
	t.Helper()
	im, err := load(split)
	if errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("STOCHGRAD_REQUIRE_SETUP") != "" {
			t.Fatalf("STOCHGRAD_REQUIRE_SETUP is set but: %v", err)
		}
		t.Skipf("data not installed (run `make setup`): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// checkImageSet checks an MNIST-like split against published facts: its
// size, the class counts, and the pixel mean and standard deviation given
// to four decimals (as used for input normalisation), so the tolerance is
// the rounding half-width 5e-5.
func checkImageSet(t *testing.T, im *Images, n int, counts [10]int, mean, std float64) {
	t.Helper()
	if im.N != n || im.Rows != 28 || im.Cols != 28 || len(im.Pixels) != n*784 || len(im.Labels) != n {
		t.Fatalf("got N=%d %d×%d, len(Pixels)=%d, len(Labels)=%d; want N=%d 28×28", im.N, im.Rows, im.Cols, len(im.Pixels), len(im.Labels), n)
	}
	var got [10]int
	for _, l := range im.Labels {
		if l > 9 {
			t.Fatalf("label %d outside 0..9", l)
		}
		got[l]++
	}
	if got != counts {
		t.Errorf("class counts %v, want %v", got, counts)
	}
	var s, s2 float64
	lo, hi := float32(1), float32(0)
	for _, v := range im.Pixels {
		lo, hi = min(lo, v), max(hi, v)
		s += float64(v)
		s2 += float64(v) * float64(v)
	}
	if lo != 0 || hi != 1 {
		t.Errorf("pixel range [%v, %v], want [0, 1]", lo, hi)
	}
	m := s / float64(len(im.Pixels))
	sd := math.Sqrt(s2/float64(len(im.Pixels)) - m*m)
	if math.Abs(m-mean) > 5e-5 || math.Abs(sd-std) > 5e-5 {
		t.Errorf("pixel mean %.6f, std %.6f; want %.4f, %.4f", m, sd, mean, std)
	}
}

func TestMNIST(t *testing.T) {
	train := loadOrSkip(t, MNIST, Train)
	checkImageSet(t, train, 60000,
		[10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}, 0.1307, 0.3081)
	// The first training digits, as every MNIST tutorial shows them.
	if got := train.Labels[:8]; string(got) != string([]uint8{5, 0, 4, 1, 9, 2, 1, 3}) {
		t.Errorf("first train labels %v, want [5 0 4 1 9 2 1 3]", got)
	}
	test := loadOrSkip(t, MNIST, Test)
	checkImageSet(t, test, 10000,
		[10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, 0.1325, 0.3105)
}

func TestFashionMNIST(t *testing.T) {
	train := loadOrSkip(t, FashionMNIST, Train)
	var c6k, c1k [10]int
	for i := range 10 {
		c6k[i], c1k[i] = 6000, 1000
	}
	checkImageSet(t, train, 60000, c6k, 0.2860, 0.3530)
	test := loadOrSkip(t, FashionMNIST, Test)
	checkImageSet(t, test, 10000, c1k, 0.2868, 0.3524)
}

func TestMissingDataSaysMakeSetup(t *testing.T) {
	t.Setenv("STOCHGRAD_DATA", t.TempDir())
	for name, load := range map[string]func(string) (*Images, error){"MNIST": MNIST, "FashionMNIST": FashionMNIST} {
		_, err := load(Train)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "run `make setup`") || !strings.Contains(err.Error(), name) {
			t.Errorf("%s with empty data dir: %v, want a not-exist error naming it and `make setup`", name, err)
		}
		if _, err := load("validation"); err == nil || !strings.Contains(err.Error(), `"validation"`) {
			t.Errorf("%s(\"validation\"): %v, want an unknown-split error", name, err)
		}
	}
}

// TestMNISTCorruptFile reproduces issue 8, item 3: files with altered
// pixels or a wrong header loaded without error, and a small gzip whose
// header declared a huge array was expanded.
func TestMNISTCorruptFile(t *testing.T) {
	realData, realErr := DataDir()
	data := t.TempDir()
	t.Setenv("STOCHGRAD_DATA", data)
	dir := filepath.Join(data, "mnist")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	images := filepath.Join(dir, "t10k-images-idx3-ubyte.gz")
	labels := filepath.Join(dir, "t10k-labels-idx1-ubyte")
	writeFile(t, labels, encodeIDX(t, IDXUint8, []int{10000}, make([]float64, 10000)))
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"another shape", gzipBytes(t, encodeIDX(t, IDXUint8, []int{10000, 56, 14}, make([]float64, 10000*784))),
			"header declares uint8 [10000 56 14], the installed file holds uint8 [10000 28 28]"},
		{"another type", gzipBytes(t, encodeIDX(t, IDXInt8, []int{10000, 28, 28}, nil)), "header declares int8"},
		// 64 MiB of zeros in 64 KiB of gzip: refused from its header.
		{"gzip bomb", gzipBytes(t, append(encodeIDX(t, IDXUint8, []int{1 << 16, 32, 32}, nil), make([]byte, 1<<26)...)),
			"header declares uint8 [65536 32 32]"},
		{"truncated", gzipBytes(t, encodeIDX(t, IDXUint8, []int{10000, 28, 28}, make([]float64, 1000))), "truncated IDX data"},
		// The right size, other pixels: only the checksum can tell.
		{"altered pixels", gzipBytes(t, encodeIDX(t, IDXUint8, []int{10000, 28, 28}, make([]float64, 10000*784))),
			"set-up pinned 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7: the file is damaged"},
	} {
		writeFile(t, images, tc.file)
		_, err := MNIST(Test)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), images) || !strings.Contains(err.Error(), "make setup") {
			t.Errorf("%s: %v, want an error naming the file, %q and `make setup`", tc.name, err, tc.want)
		}
	}
	if _, err := MNIST(Test); errors.Is(err, ErrTruncated) {
		t.Errorf("altered pixels reported as truncation: %v", err)
	}
	// Labels are checked too.
	writeFile(t, images, installedFile(t, realData, realErr, "mnist/t10k-images-idx3-ubyte"))
	writeFile(t, labels, encodeIDX(t, IDXUint8, []int{10000}, make([]float64, 10000)))
	if _, err := MNIST(Test); err == nil || !strings.Contains(err.Error(), labels) || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("altered labels: %v, want a checksum error naming %s", err, labels)
	}
}

// installedFile returns the contents of an installed data file, skipping
// the test when it is not installed (failing under STOCHGRAD_REQUIRE_SETUP).
func installedFile(t *testing.T, data string, err error, name string) []byte {
	t.Helper()
	var b []byte
	if err == nil {
		b, err = os.ReadFile(filepath.Join(data, name))
	}
	if err != nil {
		if os.Getenv("STOCHGRAD_REQUIRE_SETUP") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return b
}

func TestDataDir(t *testing.T) {
	t.Setenv("STOCHGRAD_DATA", "/some/data")
	t.Setenv("STOCHGRAD_ROOT", "/some/root")
	if d, err := DataDir(); err != nil || d != "/some/data" {
		t.Errorf("with STOCHGRAD_DATA: %q, %v", d, err)
	}
	t.Setenv("STOCHGRAD_DATA", "")
	if d, err := DataDir(); err != nil || d != filepath.Join("/some/root", ".deps", "data") {
		t.Errorf("with STOCHGRAD_ROOT: %q, %v", d, err)
	}

	// Without either, look upward for this module's go.mod, skipping
	// other modules' go.mod files on the way.
	t.Setenv("STOCHGRAD_ROOT", "")
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "go.mod"), []byte("// stochgrad\nmodule github.com/stochgrad/stochgrad\n\ngo 1.26\n"))
	inner := filepath.Join(root, "notebooks", "other")
	if err := os.MkdirAll(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(inner, "go.mod"), []byte("module example.com/other\n"))
	t.Chdir(inner)
	if d, err := DataDir(); err != nil || d != filepath.Join(root, ".deps", "data") {
		t.Errorf("from %s: %q, %v; want %s", inner, d, err, filepath.Join(root, ".deps", "data"))
	}

	// Outside the repository: one line that says once what to set (issue 8).
	t.Chdir(t.TempDir())
	_, err := DataDir()
	if err == nil || strings.Contains(err.Error(), "\n") || strings.Count(err.Error(), "STOCHGRAD_ROOT") != 1 {
		t.Errorf("outside the repository: %q, want one line naming STOCHGRAD_ROOT once", err)
	}
}
