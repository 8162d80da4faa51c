package toolkit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/stochgrad/stochgrad/internal/env"
)

// Cached returns the result of compute for the given name and settings,
// computing it only when no valid result is cached on disk. Each GoNB cell
// runs as a new process, so results that later cells need go through here.
// The result must survive a JSON round trip.
//
// An entry is found again only when all of these are unchanged:
//   - the name;
//   - the settings, any JSON-encodable value, as JSON;
//   - the mode, quick or full (Quick), since compute may read it;
//   - the result type V: its name, and the names, types and tags of its
//     fields, recursively;
//   - the source text of compute, read from its source file when that is
//     readable (as GoNB's is while a cell runs), else compute's name;
//   - the Go sources and go.mod of the stochgrad module the program was
//     built from.
//
// Nothing else is keyed: not the code of functions outside this module
// that compute calls, nor other environment variables, nor data files.
// Uncache removes one name's entries and ClearCache all of them.
//
// Each entry carries a SHA-256 of its value. An entry that fails that check
// or does not decode as V is recomputed, with a message on standard error.
// Concurrent calls for one entry, from goroutines or processes, each
// compute and write it whole: a reader sees an old entry or a new one.
func Cached[V any](name string, settings any, compute func() (V, error)) (V, error) {
	var zero V
	path, err := cachePath(name, settings, reflect.TypeFor[V](), compute)
	if err != nil {
		return zero, err
	}
	if b, err := os.ReadFile(path); err == nil {
		v, err := decodeEntry[V](b)
		if err == nil {
			return v, nil
		}
		fmt.Fprintf(cacheLog, "toolkit: cache entry %s of %q is damaged (%v): recomputing it\n", path, name, err)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return zero, fmt.Errorf("toolkit: reading cache %s: %w", path, err)
	}
	v, err := compute()
	if err != nil {
		return zero, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return zero, fmt.Errorf("toolkit: cache %q: result does not encode as JSON: %w", name, err)
	}
	if err := writeEntry(path, name, b); err != nil {
		return zero, fmt.Errorf("toolkit: cache %q: %w", name, err)
	}
	return v, nil
}

// cacheLog receives the message about a damaged entry.
var cacheLog io.Writer = os.Stderr

// entry is the content of a cache file.
type entry struct {
	Name   string          `json:"name"`
	SHA256 string          `json:"sha256"` // of Value
	Value  json.RawMessage `json:"value"`
}

func decodeEntry[V any](b []byte) (V, error) {
	var v V
	var e entry
	if err := json.Unmarshal(b, &e); err != nil {
		return v, err
	}
	if sum := sha256.Sum256(e.Value); hex.EncodeToString(sum[:]) != e.SHA256 {
		return v, errors.New("its value does not match its SHA-256")
	}
	if err := json.Unmarshal(e.Value, &v); err != nil {
		return v, err
	}
	return v, nil
}

// writeEntry writes the entry through a temporary file of its own and a
// rename, so that concurrent writers never meet half-written files.
func writeEntry(path, name string, value []byte) (err error) {
	sum := sha256.Sum256(value)
	b, err := json.Marshal(entry{Name: name, SHA256: hex.EncodeToString(sum[:]), Value: value})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.partial")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(b); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// Uncache removes the cached results for name, whatever their settings.
func Uncache(name string) error {
	if err := os.RemoveAll(nameDir(name)); err != nil {
		return fmt.Errorf("toolkit: %w", err)
	}
	return nil
}

// entryDirPattern matches the directories Cached keeps one name's entries in.
var entryDirPattern = regexp.MustCompile(`^[-_.0-9A-Za-z]+-[0-9a-f]{8}$`)

// ClearCache removes every cached result from CacheDir.
func ClearCache() error {
	dir := CacheDir()
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("toolkit: %w", err)
	}
	for _, de := range des {
		if de.IsDir() && entryDirPattern.MatchString(de.Name()) {
			if err := os.RemoveAll(filepath.Join(dir, de.Name())); err != nil {
				return fmt.Errorf("toolkit: %w", err)
			}
		}
	}
	return nil
}

// nameDir is the directory of name's entries: its readable form and a hash,
// so that names differing only in characters safeName replaces stay apart.
func nameDir(name string) string {
	h := sha256.Sum256([]byte(name))
	return filepath.Join(CacheDir(), safeName(name)+"-"+hex.EncodeToString(h[:4]))
}

func cachePath(name string, settings any, typ reflect.Type, compute any) (string, error) {
	if name == "" {
		return "", errors.New("toolkit: Cached needs a name")
	}
	s, err := json.Marshal(settings)
	if err != nil {
		return "", fmt.Errorf("toolkit: cache %q: settings do not encode as JSON: %w", name, err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%t\x00", name, s, Quick())
	if typ != nil {
		writeType(h, typ, map[reflect.Type]bool{})
	}
	fmt.Fprintf(h, "\x00%s\x00%s", funcSource(compute), moduleSum())
	return filepath.Join(nameDir(name), hex.EncodeToString(h.Sum(nil))[:32]+".json"), nil
}

// CheckpointFile returns the path of a Fit checkpoint for the computation
// that Cached(name, settings, compute) would run, so that a long Fit inside
// compute, with Checkpoint set to it and Resume on, continues where a killed
// kernel or an error left it rather than starting afresh. The path is keyed
// as Cached's entry is (name, settings, mode, compute's source, the module's
// sources) except for the result type: a change that makes Cached recompute
// also starts a new checkpoint. Uncache and ClearCache remove it.
func CheckpointFile(name string, settings any, compute any) (string, error) {
	p, err := cachePath(name, settings, nil, compute)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(p, ".json") + ".fitckpt", nil
}

// writeType writes a description of t to h: its name and the structure
// under it, so that a field added or renamed changes the key.
func writeType(h hash.Hash, t reflect.Type, seen map[reflect.Type]bool) {
	fmt.Fprintf(h, "%s.%s:%s", t.PkgPath(), t.Name(), t.Kind())
	if seen[t] {
		return
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Array {
			fmt.Fprintf(h, "[%d]", t.Len())
		}
		writeType(h, t.Elem(), seen)
	case reflect.Map:
		writeType(h, t.Key(), seen)
		writeType(h, t.Elem(), seen)
	case reflect.Struct:
		h.Write([]byte("{"))
		for i := range t.NumField() {
			f := t.Field(i)
			fmt.Fprintf(h, "%s %q ", f.Name, f.Tag)
			writeType(h, f.Type, seen)
			h.Write([]byte(";"))
		}
		h.Write([]byte("}"))
	}
}

// funcSource returns the source text of the function f, found through the
// file and line of its entry, or its name when the source is not readable.
func funcSource(f any) string {
	fn := runtime.FuncForPC(reflect.ValueOf(f).Pointer())
	if fn == nil {
		return ""
	}
	file, line := fn.FileLine(fn.Entry())
	src, err := os.ReadFile(file)
	if err != nil {
		return fn.Name()
	}
	fset := token.NewFileSet()
	af, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
	if err != nil {
		return fn.Name()
	}
	// The innermost function around the entry's line: the entry is on the
	// line of the func keyword or, in some builds, of the first statement.
	var best ast.Node
	ast.Inspect(af, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			if fset.Position(n.Pos()).Line <= line && line <= fset.Position(n.End()).Line {
				best = n // Inspect visits outer functions first
			}
		}
		return true
	})
	if best == nil {
		return fn.Name()
	}
	return string(src[fset.Position(best.Pos()).Offset:fset.Position(best.End()).Offset])
}

// moduleSum returns a hash of the Go sources and go.mod of the stochgrad
// module this program was built from, computed once per process.
var moduleSum = sync.OnceValue(func() string {
	// This file's compile-time path locates the module's sources.
	_, file, _, ok := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(file))
	if ok {
		if sum, err := sourceSum(root); err == nil {
			return sum
		}
	}
	// Built with -trimpath or moved: the module's version, if it has one.
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range append([]*debug.Module{&bi.Main}, bi.Deps...) {
			if m.Path == env.ModulePath {
				return m.Version + " " + m.Sum
			}
		}
	}
	return "unknown"
})

// sourceSum hashes the non-test Go files and go.mod of the module at root,
// skipping hidden directories and nested modules.
func sourceSum(root string) (string, error) {
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", err
	}
	h := sha256.New()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || fileExists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if name != "go.mod" && (!strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		fmt.Fprintf(h, "%s\x00%d\x00", rel, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// safeName keeps a cache name readable in a file name.
func safeName(name string) string {
	b := []byte(name)
	for i, c := range b {
		ok := c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !ok {
			b[i] = '_'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	if b = bytes.Trim(b, "."); len(b) == 0 {
		return "_"
	}
	return string(b)
}
