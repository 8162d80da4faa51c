package nn

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

func randomize[T ad.Float](rnd *rand.Rand, ms ...Module[T]) {
	for _, p := range Collect(ms...) {
		for i := range p.Data {
			p.Data[i] = T(rnd.NormFloat64())
		}
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	src := NewMLP[float32](rnd, []int{5, 4, 3}, nil)
	head := NewLinear[float32](rnd, 3, 2)
	randomize[float32](rnd, src, head)
	var buf bytes.Buffer
	if err := Save(&buf, src, head); err != nil {
		t.Fatal(err)
	}
	// 20 header bytes; per tensor 4 + 8·rank + 4·values; 4 checksum bytes.
	wantLen := 20 + 4
	for _, shape := range [][]int{{5, 4}, {4}, {4, 3}, {3}, {3, 2}, {2}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		wantLen += 4 + 8*len(shape) + 4*n
	}
	if buf.Len() != wantLen {
		t.Fatalf("checkpoint is %d bytes, want %d", buf.Len(), wantLen)
	}

	dst := NewMLP[float32](rnd, []int{5, 4, 3}, nil)
	dhead := NewLinear[float32](rnd, 3, 2)
	if err := Load(bytes.NewReader(buf.Bytes()), dst, dhead); err != nil {
		t.Fatal(err)
	}
	want, got := Collect[float32](src, head), Collect[float32](dst, dhead)
	for i := range want {
		for k := range want[i].Data {
			if got[i].Data[k] != want[i].Data[k] {
				t.Fatalf("tensor %d entry %d: loaded %v, saved %v", i, k, got[i].Data[k], want[i].Data[k])
			}
		}
	}

	// A float32 checkpoint loads into a float64 model exactly.
	wide := NewMLP[float64](rnd, []int{5, 4, 3}, nil)
	wideHead := NewLinear[float64](rnd, 3, 2)
	if err := Load(bytes.NewReader(buf.Bytes()), wide, wideHead); err != nil {
		t.Fatal(err)
	}
	for i, p := range Collect[float64](wide, wideHead) {
		for k, v := range p.Data {
			if v != float64(want[i].Data[k]) {
				t.Fatalf("float64 tensor %d entry %d: %v, want %v", i, k, v, want[i].Data[k])
			}
		}
	}
}

func TestSaveFileLoadFile(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	path := filepath.Join(t.TempDir(), "model.ckpt")
	src := NewMLP[float64](rnd, []int{3, 2, 1}, nil)
	randomize[float64](rnd, src)
	if err := SaveFile(path, src); err != nil {
		t.Fatal(err)
	}
	// Overwriting leaves exactly one file: the temporary one was renamed.
	if err := SaveFile(path, src); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("directory holds %d files after two saves, want 1", len(entries))
	}
	dst := NewMLP[float64](rnd, []int{3, 2, 1}, nil)
	if err := LoadFile(path, dst); err != nil {
		t.Fatal(err)
	}
	for i, p := range dst.Params() {
		for k, v := range p.Data {
			if v != src.Params()[i].Data[k] {
				t.Fatalf("tensor %d entry %d differs after a file round trip", i, k)
			}
		}
	}
	err := LoadFile(filepath.Join(t.TempDir(), "missing.ckpt"), dst)
	if err == nil || !strings.Contains(err.Error(), "nn: loading checkpoint") || !os.IsNotExist(unwrapAll(err)) {
		t.Fatalf("loading a missing file: error %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}

// TestLoadRejectsBadCheckpoints checks that each kind of bad file gives an
// error that says what is wrong, and leaves the parameters unchanged.
func TestLoadRejectsBadCheckpoints(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	src := NewMLP[float32](rnd, []int{4, 3, 2}, nil)
	randomize[float32](rnd, src)
	var buf bytes.Buffer
	if err := Save(&buf, src); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x40
		return b
	}
	// resum returns good changed by edit, with a valid checksum.
	resum := func(edit func([]byte)) []byte {
		b := bytes.Clone(good)
		edit(b)
		binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.ChecksumIEEE(b[:len(b)-4]))
		return b
	}

	for _, tc := range []struct {
		name   string
		data   []byte
		widths []int
		want   string
	}{
		{"empty", nil, []int{4, 3, 2}, "truncated"},
		{"not a checkpoint", []byte("PK\x03\x04 a zip file, say, long enough"), []int{4, 3, 2}, "not a stochgrad checkpoint"},
		{"truncated values", good[:len(good)-10], []int{4, 3, 2}, "truncated"},
		{"missing checksum", good[:len(good)-4], []int{4, 3, 2}, "checksum"},
		{"corrupt value", flip(60), []int{4, 3, 2}, "checksum mismatch"},
		// Damage anywhere, header included, is reported as damage (issue 8,
		// item 5), never as a checkpoint of another model.
		{"corrupt version", flip(8), []int{4, 3, 2}, "checksum mismatch"},
		{"corrupt shape", flip(25), []int{4, 3, 2}, "checksum mismatch"},
		{"corrupt count", flip(16), []int{4, 3, 2}, "checksum mismatch"},
		{"trailing bytes", append(bytes.Clone(good), 0), []int{4, 3, 2}, "checksum mismatch"},
		{"trailing checksum", append(bytes.Clone(good), good[len(good)-4:]...), []int{4, 3, 2}, "checksum mismatch"},
		{"other version", resum(func(b []byte) { b[8] = 2 }), []int{4, 3, 2}, "format version 2"},
		{"other widths", good, []int{4, 5, 2}, "tensor 0 has shape [4 3], the model's parameter 0 has shape [4 5]"},
		{"other depth", good, []int{4, 3, 3, 2}, "holds 4 tensors, the model has 6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := NewMLP[float32](rnd, tc.widths, nil)
			before := make([][]float32, 0)
			for _, p := range dst.Params() {
				before = append(before, append([]float32(nil), p.Data...))
			}
			err := Load(bytes.NewReader(tc.data), dst)
			if err == nil {
				t.Fatal("Load accepted a bad checkpoint")
			}
			if !strings.HasPrefix(err.Error(), "nn: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to mention %q", err, tc.want)
			}
			for i, p := range dst.Params() {
				for k, v := range p.Data {
					if v != before[i][k] {
						t.Fatalf("a failed Load changed parameter %d", i)
					}
				}
			}
		})
	}
}

// TestLoadFloat64BeyondFloat32 checks that a float64 checkpoint value that
// float32 cannot hold is an error, not a silent ±Inf (issue 8, item 4),
// while infinities saved as such still load.
func TestLoadFloat64BeyondFloat32(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	src := NewLinear[float64](rnd, 2, 2)
	src.Params()[0].Data[3] = 1e39
	var buf bytes.Buffer
	if err := Save(&buf, src); err != nil {
		t.Fatal(err)
	}
	dst := NewLinear[float32](rnd, 2, 2)
	err := Load(bytes.NewReader(buf.Bytes()), dst)
	if err == nil || !strings.Contains(err.Error(), "tensor 0 element 3 is 1e+39, beyond float32's range") {
		t.Fatalf("Load of 1e39 into float32: %v", err)
	}
	src.Params()[0].Data[3] = math.Inf(-1)
	buf.Reset()
	if err := Save(&buf, src); err != nil {
		t.Fatal(err)
	}
	if err := Load(bytes.NewReader(buf.Bytes()), dst); err != nil || !math.IsInf(float64(dst.Params()[0].Data[3]), -1) {
		t.Fatalf("Load of -Inf into float32: %v, %v", err, dst.Params()[0].Data[3])
	}
}
