package toolkit

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

// Source is a random source whose state a Fit checkpoint keeps, such as
// *rand.PCG or *rand.ChaCha8 of math/rand/v2.
type Source interface {
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}

// A Fit checkpoint is little-endian binary:
//
//	magic      "SGFITCKP"
//	version    uint32 (1)
//	optimizer  string: the optimizer's Go type
//	step       uint64: steps completed
//	history    uint64 count, count × float64: the loss at each step
//	sources    uint32 count, count × string: each Source's MarshalBinary
//	parameters string: nn.Save of the model
//	state      string: nn.Save of the optimizer's state (empty if none)
//	crc        uint32: CRC-32 (IEEE) of everything before it
//
// where a string is a uint64 length and that many bytes.
const (
	fitMagic   = "SGFITCKP"
	fitVersion = 1
)

// fitState is what a Fit checkpoint holds beyond the tensors.
type fitState struct {
	optimizer string
	step      int
	history   []float64
	sources   [][]byte
	params    []byte
	state     []byte
}

func (s *fitState) encode() []byte {
	le := binary.LittleEndian
	str := func(b, s []byte) []byte { return append(le.AppendUint64(b, uint64(len(s))), s...) }
	b := append([]byte(nil), fitMagic...)
	b = le.AppendUint32(b, fitVersion)
	b = str(b, []byte(s.optimizer))
	b = le.AppendUint64(b, uint64(s.step))
	b = le.AppendUint64(b, uint64(len(s.history)))
	for _, v := range s.history {
		b = le.AppendUint64(b, math.Float64bits(v))
	}
	b = le.AppendUint32(b, uint32(len(s.sources)))
	for _, src := range s.sources {
		b = str(b, src)
	}
	b = str(b, s.params)
	b = str(b, s.state)
	return le.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// errTruncated is the reading error of a file that ends inside a field.
var errTruncated = errors.New("the file ends inside a field: it is truncated")

func decodeFitState(data []byte) (*fitState, error) {
	le := binary.LittleEndian
	if len(data) < len(fitMagic) || string(data[:len(fitMagic)]) != fitMagic {
		return nil, errors.New("not a toolkit.Fit checkpoint (bad magic)")
	}
	if len(data) < len(fitMagic)+8 {
		return nil, errTruncated
	}
	body := data[:len(data)-4]
	if crc, sum := le.Uint32(data[len(body):]), crc32.ChecksumIEEE(body); crc != sum {
		return nil, fmt.Errorf("checksum mismatch (stored %08x, computed %08x): the file is corrupt or truncated", crc, sum)
	}
	r := body[len(fitMagic):]
	var bad bool
	take := func(n uint64) []byte {
		if bad || n > uint64(len(r)) {
			bad = true
			return nil
		}
		out := r[:n]
		r = r[n:]
		return out
	}
	u32 := func() uint32 {
		if b := take(4); b != nil {
			return le.Uint32(b)
		}
		return 0
	}
	u64 := func() uint64 {
		if b := take(8); b != nil {
			return le.Uint64(b)
		}
		return 0
	}
	str := func() []byte { return take(u64()) }
	if v := u32(); v != fitVersion {
		return nil, fmt.Errorf("format version %d, this build reads version %d", v, fitVersion)
	}
	s := &fitState{optimizer: string(str())}
	s.step = int(u64())
	n := u64()
	if n > uint64(len(r))/8 {
		return nil, errTruncated
	}
	s.history = make([]float64, n)
	for i := range s.history {
		s.history[i] = math.Float64frombits(u64())
	}
	ns := u32()
	if uint64(ns) > uint64(len(r))/8 { // each source takes at least its length
		return nil, errTruncated
	}
	for range ns {
		s.sources = append(s.sources, str())
	}
	s.params, s.state = str(), str()
	if bad {
		return nil, errTruncated
	}
	if len(r) != 0 {
		return nil, fmt.Errorf("%d bytes after the last field", len(r))
	}
	if s.step != len(s.history) {
		return nil, fmt.Errorf("%d steps but a history of %d", s.step, len(s.history))
	}
	return s, nil
}

// save writes the checkpoint of step to f.Checkpoint atomically, through a
// temporary file in the same directory and a rename, so that an interrupted
// save leaves the previous checkpoint whole.
func (f *Fit[T]) save(step int, params []*ad.Tensor[T], opt optim.Optimizer[T], h History) (err error) {
	s := fitState{optimizer: fmt.Sprintf("%T", opt), step: step, history: h.Loss}
	for i, src := range f.Sources {
		b, err := src.MarshalBinary()
		if err != nil {
			return fmt.Errorf("source %d: %w", i, err)
		}
		s.sources = append(s.sources, b)
	}
	var buf bytes.Buffer
	if err := nn.Save(&buf, nn.ParamList[T](params)); err != nil {
		return err
	}
	s.params = bytes.Clone(buf.Bytes())
	if st, ok := opt.(optim.Stateful[T]); ok {
		buf.Reset()
		if err := nn.Save(&buf, nn.ParamList[T](st.State(params))); err != nil {
			return err
		}
		s.state = buf.Bytes()
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.Checkpoint), filepath.Base(f.Checkpoint)+".*.partial")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(s.encode()); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.Checkpoint)
}

// resume loads f.Checkpoint into params, opt and f.Sources and returns the
// steps completed and their history. Nothing changes on error.
func (f *Fit[T]) resume(params []*ad.Tensor[T], opt optim.Stateful[T]) (int, History, error) {
	data, err := os.ReadFile(f.Checkpoint)
	if err != nil {
		return 0, History{}, err
	}
	s, err := decodeFitState(data)
	if err != nil {
		return 0, History{}, err
	}
	if typ := fmt.Sprintf("%T", opt); s.optimizer != typ {
		return 0, History{}, fmt.Errorf("it was written with optimizer %s, this Fit has %s", s.optimizer, typ)
	}
	if s.step > f.Steps {
		return 0, History{}, fmt.Errorf("it is at step %d, beyond this Fit's %d steps", s.step, f.Steps)
	}
	if len(s.sources) != len(f.Sources) {
		return 0, History{}, fmt.Errorf("it holds %d random sources, this Fit has %d", len(s.sources), len(f.Sources))
	}
	// Load into copies first, so that a bad section changes nothing.
	values := make([]*ad.Tensor[T], len(params))
	for i, p := range params {
		values[i] = ad.Zeros[T](p.Shape()...)
	}
	if err := nn.Load(bytes.NewReader(s.params), nn.ParamList[T](values)); err != nil {
		return 0, History{}, fmt.Errorf("parameters: %w", err)
	}
	state := opt.State(params)
	if err := nn.Load(bytes.NewReader(s.state), nn.ParamList[T](state)); err != nil {
		return 0, History{}, fmt.Errorf("optimizer state: %w", err)
	}
	// Each source's old state is kept to undo a failure further on.
	olds := make([][]byte, len(f.Sources))
	undo := func() {
		for i, b := range olds {
			if b != nil {
				f.Sources[i].UnmarshalBinary(b)
			}
		}
	}
	for i, src := range f.Sources {
		old, err := src.MarshalBinary()
		if err == nil {
			olds[i] = old
			err = src.UnmarshalBinary(s.sources[i])
		}
		if err != nil {
			undo()
			return 0, History{}, fmt.Errorf("random source %d: %w", i, err)
		}
	}
	if err := opt.SetState(params, state); err != nil {
		undo()
		return 0, History{}, fmt.Errorf("optimizer state: %w", err)
	}
	for i, p := range params {
		copy(p.Data, values[i].Data)
	}
	return s.step, History{Loss: s.history}, nil
}

// LoadFitted reads the parameters of a Fit checkpoint file into model,
// which must have the shapes of the model that was trained. On error the
// model keeps its values.
func LoadFitted[T ad.Float](path string, model nn.Module[T]) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("toolkit: %w (run the training first)", err)
	}
	s, err := decodeFitState(data)
	if err != nil {
		return fmt.Errorf("toolkit: checkpoint %s: %v", path, err)
	}
	if err := nn.Load(bytes.NewReader(s.params), model); err != nil {
		return fmt.Errorf("toolkit: checkpoint %s: %w", path, err)
	}
	return nil
}
