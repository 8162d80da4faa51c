package datasets

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
)

// IDXType is the element type code of an IDX file, the third byte of its
// magic number.
type IDXType byte

// The element types of the IDX format. All multi-byte values are big-endian.
const (
	IDXUint8   IDXType = 0x08
	IDXInt8    IDXType = 0x09
	IDXInt16   IDXType = 0x0B
	IDXInt32   IDXType = 0x0C
	IDXFloat32 IDXType = 0x0D
	IDXFloat64 IDXType = 0x0E
)

// Size returns the size of one element in bytes, or 0 for an unknown type.
func (t IDXType) Size() int {
	switch t {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

func (t IDXType) String() string {
	switch t {
	case IDXUint8:
		return "uint8"
	case IDXInt8:
		return "int8"
	case IDXInt16:
		return "int16"
	case IDXInt32:
		return "int32"
	case IDXFloat32:
		return "float32"
	case IDXFloat64:
		return "float64"
	}
	return fmt.Sprintf("IDXType(%#02x)", byte(t))
}

// IDX is the content of an IDX file: a dense row-major array.
type IDX struct {
	Type IDXType
	Dims []int
	// Data holds the elements as stored: big-endian, Type.Size() bytes each.
	// For IDXUint8 it is the values themselves.
	Data []byte
}

// Len returns the number of elements, the product of Dims.
func (x *IDX) Len() int {
	n := 1
	for _, d := range x.Dims {
		n *= d
	}
	return n
}

// Float64 returns element i (in row-major order) converted to float64.
func (x *IDX) Float64(i int) float64 {
	s := x.Type.Size()
	b := x.Data[i*s : (i+1)*s]
	switch x.Type {
	case IDXUint8:
		return float64(b[0])
	case IDXInt8:
		return float64(int8(b[0]))
	case IDXInt16:
		return float64(int16(binary.BigEndian.Uint16(b)))
	case IDXInt32:
		return float64(int32(binary.BigEndian.Uint32(b)))
	case IDXFloat32:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
	case IDXFloat64:
		return math.Float64frombits(binary.BigEndian.Uint64(b))
	}
	panic(fmt.Sprintf("datasets: IDX.Float64: unknown element type %v", x.Type))
}

// ErrTruncated is matched (with errors.Is) by the error of an IDX stream that
// ends before the data its header declares.
var ErrTruncated = errors.New("datasets: truncated IDX data")

// IDXError reports a malformed or truncated IDX stream.
type IDXError struct {
	File      string // path of the file, when it was opened by path
	Truncated bool   // the stream ended early
	Detail    string
}

func (e *IDXError) Error() string {
	s := "datasets: "
	if e.File != "" {
		s += e.File + ": "
	}
	if e.Truncated {
		s += "truncated IDX data: "
	} else {
		s += "malformed IDX data: "
	}
	return s + e.Detail
}

// Is makes errors.Is(err, ErrTruncated) true for truncated streams.
func (e *IDXError) Is(target error) bool { return target == ErrTruncated && e.Truncated }

// maxIDXBytes bounds the data size a header may declare (16 GiB); a larger
// value is taken for a damaged header rather than allocated.
const maxIDXBytes = 1 << 34

// ReadIDX reads one IDX array from r. A gzip stream (magic bytes 1f 8b) is
// decompressed transparently. The stream must hold exactly the data its
// header declares: a short stream is an error matching ErrTruncated, and
// trailing bytes are an error too.
func ReadIDX(r io.Reader) (*IDX, error) { return readIDX(r) }

// ReadIDXFile reads the IDX file at path, gzipped or not. Its errors name the
// file.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	x, err := readIDX(f)
	if err != nil {
		if e, ok := err.(*IDXError); ok {
			e.File = path
		}
		return nil, err
	}
	return x, nil
}

// idxPin is what a loader knows of an installed IDX file before reading
// it: the element type and dimensions, and the SHA-256 of its contents
// (decompressed), as scripts/setup-data.sh pins them.
type idxPin struct {
	typ    IDXType
	dims   []int
	sha256 string
}

// readIDXFilePinned reads the IDX file at path, checking its header against
// pin before reading any data, so that a damaged header cannot make it
// expand a gzip stream beyond the known size, and its contents against the
// pinned checksum.
func readIDXFilePinned(path string, pin *idxPin) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	x, err := readIDXCheck(f, h, pin)
	if err != nil {
		if e, ok := err.(*IDXError); ok {
			e.File = path
		}
		return nil, err
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != pin.sha256 {
		return nil, fmt.Errorf("datasets: %s: contents have SHA-256 %s, set-up pinned %s: the file is damaged", path, sum, pin.sha256)
	}
	return x, nil
}

func readIDX(r io.Reader) (*IDX, error) { return readIDXCheck(r, nil, nil) }

// readIDXCheck reads one IDX array from r, writing the decompressed stream
// to h when h is not nil and checking the header against pin when pin is
// not nil.
func readIDXCheck(r io.Reader, h io.Writer, pin *idxPin) (*IDX, error) {
	br := bufio.NewReader(r)
	var in io.Reader = br
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, streamError("gzip header", err)
		}
		defer zr.Close()
		in = zr
	}
	if h != nil {
		in = io.TeeReader(in, h)
	}

	var head [4]byte
	if _, err := io.ReadFull(in, head[:]); err != nil {
		return nil, streamError("magic number", err)
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, &IDXError{Detail: fmt.Sprintf("bad magic number % x: an IDX file starts with two zero bytes", head)}
	}
	typ := IDXType(head[2])
	if typ.Size() == 0 {
		return nil, &IDXError{Detail: fmt.Sprintf("unknown element type %#02x", head[2])}
	}
	ndims := int(head[3])
	if ndims == 0 {
		return nil, &IDXError{Detail: "zero dimensions"}
	}

	dimBytes := make([]byte, 4*ndims)
	if _, err := io.ReadFull(in, dimBytes); err != nil {
		return nil, streamError(fmt.Sprintf("%d dimension sizes", ndims), err)
	}
	dims := make([]int, ndims)
	size := int64(typ.Size())
	for i := range dims {
		d := int64(binary.BigEndian.Uint32(dimBytes[4*i:]))
		dims[i] = int(d)
		if d != 0 && size > maxIDXBytes/d {
			return nil, &IDXError{Detail: fmt.Sprintf("dimension sizes % x declare more than %d bytes of data", dimBytes, int64(maxIDXBytes))}
		}
		size *= d
	}
	if pin != nil && (typ != pin.typ || !slices.Equal(dims, pin.dims)) {
		return nil, &IDXError{Detail: fmt.Sprintf("header declares %v %v, the installed file holds %v %v", typ, dims, pin.typ, pin.dims)}
	}

	// Grow the buffer as data arrive rather than trusting the header with
	// one big allocation, and read one byte more to detect trailing data.
	var buf bytes.Buffer
	buf.Grow(int(min(size, 1<<26)))
	if _, err := buf.ReadFrom(io.LimitReader(in, size+1)); err != nil {
		return nil, streamError("data", err)
	}
	switch n := int64(buf.Len()); {
	case n < size:
		return nil, &IDXError{Truncated: true, Detail: fmt.Sprintf("header declares %v %v elements (%d bytes), stream holds %d bytes", dims, typ, size, n)}
	case n > size:
		return nil, &IDXError{Detail: fmt.Sprintf("trailing bytes after the %d bytes of %v %v elements", size, dims, typ)}
	}
	return &IDX{Type: typ, Dims: dims, Data: buf.Bytes()}, nil
}

// streamError turns an error met while reading part of the stream into an
// IDXError, marking early ends as truncation.
func streamError(part string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &IDXError{Truncated: true, Detail: "stream ends in the " + part}
	}
	return &IDXError{Detail: part + ": " + err.Error()}
}
