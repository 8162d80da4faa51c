package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// encodeIDX is the test's writer: it builds an IDX stream by hand, following
// the format description (two zero bytes, type, number of dimensions,
// big-endian uint32 sizes, big-endian elements).
func encodeIDX(t *testing.T, typ IDXType, dims []int, values []float64) []byte {
	t.Helper()
	var b bytes.Buffer
	b.Write([]byte{0, 0, byte(typ), byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	for _, v := range values {
		switch typ {
		case IDXUint8:
			b.WriteByte(uint8(v))
		case IDXInt8:
			b.WriteByte(byte(int8(v)))
		case IDXInt16:
			binary.Write(&b, binary.BigEndian, int16(v))
		case IDXInt32:
			binary.Write(&b, binary.BigEndian, int32(v))
		case IDXFloat32:
			binary.Write(&b, binary.BigEndian, float32(v))
		case IDXFloat64:
			binary.Write(&b, binary.BigEndian, v)
		default:
			t.Fatalf("encodeIDX: unknown type %v", typ)
		}
	}
	return b.Bytes()
}

func gzipBytes(t *testing.T, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadIDXRoundTrip(t *testing.T) {
	dims := []int{2, 3, 2}
	cases := []struct {
		typ    IDXType
		values []float64
	}{
		{IDXUint8, []float64{0, 1, 2, 127, 128, 255, 3, 4, 5, 6, 7, 8}},
		{IDXInt8, []float64{-128, -1, 0, 1, 127, 5, -5, 6, -6, 7, -7, 8}},
		{IDXInt16, []float64{-32768, -1, 0, 1, 32767, 300, -300, 6, 7, 8, 9, 10}},
		{IDXInt32, []float64{math.MinInt32, -1, 0, 1, math.MaxInt32, 1 << 20, 6, 7, 8, 9, 10, 11}},
		{IDXFloat32, []float64{-1.5, 0, 0.25, 1 << 35, -7.125, 1, 2, 3, 4, 5, 6, 7}},
		{IDXFloat64, []float64{math.Pi, -math.E, 0, 1e-300, 1e300, 1, 2, 3, 4, 5, 6, 7}},
	}
	for _, c := range cases {
		raw := encodeIDX(t, c.typ, dims, c.values)
		for _, zipped := range []bool{false, true} {
			in := raw
			if zipped {
				in = gzipBytes(t, raw)
			}
			x, err := ReadIDX(bytes.NewReader(in))
			if err != nil {
				t.Fatalf("%v gzip=%v: %v", c.typ, zipped, err)
			}
			if x.Type != c.typ || !equalInts(x.Dims, dims) || x.Len() != len(c.values) {
				t.Fatalf("%v gzip=%v: got type %v dims %v len %d", c.typ, zipped, x.Type, x.Dims, x.Len())
			}
			if len(x.Data) != len(c.values)*c.typ.Size() {
				t.Fatalf("%v gzip=%v: len(Data)=%d, want %d", c.typ, zipped, len(x.Data), len(c.values)*c.typ.Size())
			}
			for i, want := range c.values {
				if got := x.Float64(i); got != want {
					t.Errorf("%v gzip=%v: element %d = %v, want %v", c.typ, zipped, i, got, want)
				}
			}
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadIDXMalformed(t *testing.T) {
	good := encodeIDX(t, IDXUint8, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6})
	cases := []struct {
		name      string
		data      []byte
		truncated bool
		msg       string
	}{
		{"empty", nil, true, "magic number"},
		{"short magic", good[:3], true, "magic number"},
		{"short dims", good[:6], true, "dimension sizes"},
		{"short data", good[:len(good)-1], true, "stream holds 5 bytes"},
		{"no data", good[:12], true, "stream holds 0 bytes"},
		{"bad magic", append([]byte{0, 1}, good[2:]...), false, "bad magic number"},
		{"text file", []byte("hello, world\n"), false, "bad magic number"},
		{"unknown type", append([]byte{0, 0, 0x0A}, good[3:]...), false, "unknown element type 0x0a"},
		{"zero dims", []byte{0, 0, 0x08, 0}, false, "zero dimensions"},
		{"trailing", append(append([]byte{}, good...), 9), false, "trailing bytes"},
		{"huge dims", encodeIDX(t, IDXFloat64, []int{1 << 31, 1 << 31}, nil), false, "declare more than"},
	}
	for _, c := range cases {
		for _, zipped := range []bool{false, true} {
			in := c.data
			if zipped {
				in = gzipBytes(t, c.data)
			}
			_, err := ReadIDX(bytes.NewReader(in))
			if err == nil {
				t.Errorf("%s gzip=%v: no error", c.name, zipped)
				continue
			}
			var ie *IDXError
			if !errors.As(err, &ie) {
				t.Errorf("%s gzip=%v: error %T %v is not an *IDXError", c.name, zipped, err, err)
				continue
			}
			if got := errors.Is(err, ErrTruncated); got != c.truncated {
				t.Errorf("%s gzip=%v: errors.Is(err, ErrTruncated)=%v, want %v (%v)", c.name, zipped, got, c.truncated, err)
			}
			if !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), "datasets: ") {
				t.Errorf("%s gzip=%v: error %q does not start with \"datasets: \" and mention %q", c.name, zipped, err, c.msg)
			}
		}
	}
}

func TestReadIDXTruncatedGzip(t *testing.T) {
	raw := encodeIDX(t, IDXUint8, []int{100}, make([]float64, 100))
	z := gzipBytes(t, raw)
	// Cut the compressed stream itself, not the content.
	_, err := ReadIDX(bytes.NewReader(z[:len(z)-10]))
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("cut gzip stream: got %v, want a truncation error", err)
	}
}

func TestReadIDXFileNamesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "broken-idx1-ubyte.gz")
	raw := encodeIDX(t, IDXUint8, []int{10}, make([]float64, 10))
	if err := os.WriteFile(path, gzipBytes(t, raw[:len(raw)-3]), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadIDXFile(path)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, ErrTruncated) {
		t.Fatalf("ReadIDXFile(%s) = %v, want a truncation error naming the file", path, err)
	}
	_, err = ReadIDXFile(filepath.Join(dir, "absent"))
	if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "datasets: ") {
		t.Fatalf("missing file: got %v, want a datasets error wrapping os.ErrNotExist", err)
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadImages(t *testing.T) {
	dir := t.TempDir()
	pix := make([]float64, 3*2*2)
	for i := range pix {
		pix[i] = float64(i * 20)
	}
	images := filepath.Join(dir, "images.gz")
	labels := filepath.Join(dir, "labels")
	writeFile(t, images, gzipBytes(t, encodeIDX(t, IDXUint8, []int{3, 2, 2}, pix)))
	writeFile(t, labels, encodeIDX(t, IDXUint8, []int{3}, []float64{7, 0, 9}))
	im, err := LoadImages(images, labels)
	if err != nil {
		t.Fatal(err)
	}
	if im.N != 3 || im.Rows != 2 || im.Cols != 2 || len(im.Pixels) != 12 || len(im.Labels) != 3 {
		t.Fatalf("got N=%d Rows=%d Cols=%d len(Pixels)=%d len(Labels)=%d", im.N, im.Rows, im.Cols, len(im.Pixels), len(im.Labels))
	}
	for i, v := range im.Pixels {
		if want := float32(pix[i]) / 255; v != want {
			t.Errorf("pixel %d = %v, want %v", i, v, want)
		}
	}
	if im.Labels[0] != 7 || im.Labels[1] != 0 || im.Labels[2] != 9 {
		t.Errorf("labels %v, want [7 0 9]", im.Labels)
	}

	// Wrong dimensions, wrong type, mismatched counts: each error names
	// the offending file.
	flat := filepath.Join(dir, "flat")
	writeFile(t, flat, encodeIDX(t, IDXUint8, []int{3, 4}, pix))
	floats := filepath.Join(dir, "floats")
	writeFile(t, floats, encodeIDX(t, IDXFloat32, []int{3, 2, 2}, pix))
	twoLabels := filepath.Join(dir, "two-labels")
	writeFile(t, twoLabels, encodeIDX(t, IDXUint8, []int{2}, []float64{1, 2}))
	matLabels := filepath.Join(dir, "matrix-labels")
	writeFile(t, matLabels, encodeIDX(t, IDXUint8, []int{3, 1}, []float64{1, 2, 3}))
	for _, c := range []struct{ images, labels, named string }{
		{flat, labels, flat},
		{floats, labels, floats},
		{images, twoLabels, twoLabels},
		{images, matLabels, matLabels},
	} {
		_, err := LoadImages(c.images, c.labels)
		if err == nil || !strings.Contains(err.Error(), c.named) {
			t.Errorf("LoadImages(%s, %s) = %v, want an error naming %s", c.images, c.labels, err, c.named)
		}
	}
}
