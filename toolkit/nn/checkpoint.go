package nn

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// A checkpoint is little-endian binary:
//
//	magic   "SGNNCKPT"
//	version uint32 (1)
//	width   uint32: bytes per value, 4 (float32) or 8 (float64)
//	count   uint32: number of tensors
//	count × { rank uint32; rank × dim uint64; values }
//	crc     uint32: CRC-32 (IEEE) of everything before it
const (
	ckptMagic   = "SGNNCKPT"
	ckptVersion = 1
	maxRank     = 64 // larger ranks can only come from a corrupt file
)

var le = binary.LittleEndian

// Save writes the values of the modules' parameters (as Collect lists them)
// to w in the checkpoint format that Load reads.
func Save[T ad.Float](w io.Writer, ms ...Module[T]) error {
	params := Collect(ms...)
	h := crc32.NewIEEE()
	bw := bufio.NewWriter(io.MultiWriter(w, h))
	width := valueWidth[T]()
	var buf []byte
	buf = append(buf, ckptMagic...)
	buf = le.AppendUint32(buf, ckptVersion)
	buf = le.AppendUint32(buf, uint32(width))
	buf = le.AppendUint32(buf, uint32(len(params)))
	for _, p := range params {
		buf = le.AppendUint32(buf, uint32(p.Rank()))
		for _, d := range p.Shape() {
			buf = le.AppendUint64(buf, uint64(d))
		}
		for _, v := range p.Data {
			if width == 4 {
				buf = le.AppendUint32(buf, math.Float32bits(float32(v)))
			} else {
				buf = le.AppendUint64(buf, math.Float64bits(float64(v)))
			}
		}
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("nn: writing checkpoint: %w", err)
		}
		buf = buf[:0]
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("nn: writing checkpoint: %w", err)
	}
	if _, err := w.Write(le.AppendUint32(nil, h.Sum32())); err != nil {
		return fmt.Errorf("nn: writing checkpoint: %w", err)
	}
	return nil
}

// Load reads a checkpoint written by Save into the modules' parameters,
// which must have the same number, order and shapes as when it was saved.
// A float32 checkpoint may be loaded into float64 parameters and the other
// way round, as long as every value fits float32. Load checks the whole
// file, header included, against its checksum before it interprets any of
// it, so a damaged file is reported as damaged and never as a checkpoint of
// another model; bytes after the checksum are an error. On any error the
// parameters keep their values.
func Load[T ad.Float](r io.Reader, ms ...Module[T]) error {
	params := Collect(ms...)
	// A checkpoint of these parameters takes at most limit bytes; a bigger
	// stream is not read into memory.
	limit := int64(len(ckptMagic) + 3*4 + 4)
	for _, p := range params {
		limit += int64(4 + 8*p.Rank() + 8*p.Len())
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return fmt.Errorf("nn: reading checkpoint: %w", err)
	}
	if int64(len(data)) > limit {
		return fmt.Errorf("nn: checkpoint is longer than the %d bytes a checkpoint of this model takes: it was saved from a bigger model or has trailing bytes", limit)
	}
	if len(data) >= len(ckptMagic) && string(data[:len(ckptMagic)]) != ckptMagic {
		return errors.New("nn: not a stochgrad checkpoint (bad magic); was it written by nn.Save?")
	}
	if len(data) < len(ckptMagic)+3*4+4 {
		return errors.New("nn: checkpoint ends inside the header: the file is truncated")
	}
	body := data[:len(data)-4]
	if crc, sum := le.Uint32(data[len(body):]), crc32.ChecksumIEEE(body); crc != sum {
		return fmt.Errorf("nn: checkpoint checksum mismatch (stored %08x, computed %08x): the file is corrupt, truncated or has trailing bytes", crc, sum)
	}

	br := &ckptReader{r: bytes.NewReader(body[len(ckptMagic):])}
	version, width, count := br.u32(), br.u32(), br.u32()
	if version != ckptVersion {
		return fmt.Errorf("nn: checkpoint format version %d, this build reads version %d", version, ckptVersion)
	}
	if width != 4 && width != 8 {
		return fmt.Errorf("nn: checkpoint stores %d-byte values, want 4 or 8", width)
	}
	if int(count) != len(params) {
		return fmt.Errorf("nn: checkpoint holds %d tensors, the model has %d parameters: it was saved from a different model", count, len(params))
	}
	vals := make([][]T, len(params))
	for i, p := range params {
		rank := br.u32()
		if br.err != nil {
			return br.fail(fmt.Sprintf("tensor %d", i))
		}
		if rank > maxRank {
			return fmt.Errorf("nn: checkpoint tensor %d has rank %d, the model's parameter %d has rank %d: it was saved from a different model", i, rank, i, p.Rank())
		}
		shape := make([]int, rank)
		for k := range shape {
			shape[k] = int(br.u64())
		}
		if br.err != nil {
			return br.fail(fmt.Sprintf("tensor %d", i))
		}
		if !equalShape(shape, p.Shape()) {
			return fmt.Errorf("nn: checkpoint tensor %d has shape %v, the model's parameter %d has shape %v: it was saved from a different model", i, shape, i, p.Shape())
		}
		raw := br.bytes(p.Len() * int(width))
		if br.err != nil {
			return br.fail(fmt.Sprintf("values of tensor %d", i))
		}
		v := make([]T, p.Len())
		for k := range v {
			if width == 4 {
				v[k] = T(math.Float32frombits(le.Uint32(raw[4*k:])))
				continue
			}
			f := math.Float64frombits(le.Uint64(raw[8*k:]))
			if valueWidth[T]() == 4 && math.Abs(f) > math.MaxFloat32 && !math.IsInf(f, 0) {
				return fmt.Errorf("nn: checkpoint tensor %d element %d is %g, beyond float32's range: load it into float64 parameters", i, k, f)
			}
			v[k] = T(f)
		}
		vals[i] = v
	}
	if n := br.r.(*bytes.Reader).Len(); n > 0 {
		return fmt.Errorf("nn: checkpoint has %d bytes after its last tensor (written by another version?)", n)
	}
	for i, p := range params {
		copy(p.Data, vals[i])
	}
	return nil
}

// SaveFile writes a checkpoint of the modules to path atomically: it writes
// a temporary file in the same directory and renames it, so an interrupted
// save leaves the previous checkpoint intact.
func SaveFile[T ad.Float](path string, ms ...Module[T]) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("nn: saving checkpoint: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := Save(f, ms...); err != nil {
		return fmt.Errorf("%w (file %s)", err, path)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("nn: saving checkpoint %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("nn: saving checkpoint %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("nn: saving checkpoint %s: %w", path, err)
	}
	return nil
}

// LoadFile reads the checkpoint at path into the modules, as Load does.
func LoadFile[T ad.Float](path string, ms ...Module[T]) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("nn: loading checkpoint: %w", err)
	}
	defer f.Close()
	if err := Load(f, ms...); err != nil {
		return fmt.Errorf("%w (file %s)", err, path)
	}
	return nil
}

func valueWidth[T ad.Float]() int {
	var z T
	if _, ok := any(z).(float32); ok {
		return 4
	}
	return 8
}

func equalShape(a, b []int) bool {
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

// ckptReader reads little-endian fields and remembers the first error.
type ckptReader struct {
	r   io.Reader
	err error
	buf [8]byte
}

func (c *ckptReader) bytes(n int) []byte {
	if c.err != nil {
		return nil
	}
	b := make([]byte, n)
	_, c.err = io.ReadFull(c.r, b)
	return b
}

func (c *ckptReader) u32() uint32 {
	if c.err != nil {
		return 0
	}
	_, c.err = io.ReadFull(c.r, c.buf[:4])
	return le.Uint32(c.buf[:4])
}

func (c *ckptReader) u64() uint64 {
	if c.err != nil {
		return 0
	}
	_, c.err = io.ReadFull(c.r, c.buf[:8])
	return le.Uint64(c.buf[:8])
}

func (c *ckptReader) fail(what string) error {
	if errors.Is(c.err, io.EOF) || errors.Is(c.err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("nn: checkpoint ends inside the %s: the file is truncated", what)
	}
	return fmt.Errorf("nn: reading checkpoint %s: %w", what, c.err)
}
