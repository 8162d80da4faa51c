package toolkit

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// cacheFiles returns the entry files under the cache directory.
func cacheFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(CacheDir(), "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// captureCacheLog sends Cached's messages to a buffer for the test.
func captureCacheLog(t *testing.T) *bytes.Buffer {
	var b bytes.Buffer
	cacheLog = &b
	t.Cleanup(func() { cacheLog = os.Stderr })
	return &b
}

// TestCachedRejectsAlteredEntry reproduces issue 8, item 1: a digit changed
// in a cache file was returned as the result.
func TestCachedRejectsAlteredEntry(t *testing.T) {
	t.Setenv("STOCHGRAD_CACHE", t.TempDir())
	log := captureCacheLog(t)
	calls := 0
	compute := func() (float64, error) { calls++; return 0.123456, nil }
	if v, err := Cached("estimate", 1, compute); err != nil || v != 0.123456 {
		t.Fatalf("Cached = %v, %v", v, err)
	}
	files := cacheFiles(t)
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	altered := bytes.Replace(b, []byte("0.123456"), []byte("0.923456"), 1)
	if bytes.Equal(altered, b) {
		t.Fatalf("value not found in the entry %s", b)
	}
	if err := os.WriteFile(files[0], altered, 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := Cached("estimate", 1, compute)
	if err != nil || v != 0.123456 || calls != 2 {
		t.Fatalf("altered entry: Cached = %v, %v after %d computations, want the recomputed 0.123456", v, err, calls)
	}
	if !strings.Contains(log.String(), "damaged") || !strings.Contains(log.String(), "recomputing") {
		t.Errorf("no message about the damaged entry: %q", log.String())
	}
	// The rewritten entry is trusted again.
	if v, err := Cached("estimate", 1, compute); err != nil || v != 0.123456 || calls != 2 {
		t.Fatalf("rewritten entry: %v, %v, %d computations", v, err, calls)
	}
}

type resultV1 struct{ Loss float64 }
type resultV2 struct{ Error float64 }

// sameCode is one function for every V, so that only the type differs.
func sameCode[V any](calls *int) func() (V, error) {
	return func() (V, error) { *calls++; var v V; return v, nil }
}

// TestCachedKeyFollowsTypeAndCode reproduces issue 8, item 1: an entry
// outlived a change of the result type or of the computing code.
func TestCachedKeyFollowsTypeAndCode(t *testing.T) {
	t.Setenv("STOCHGRAD_CACHE", t.TempDir())
	t.Setenv("STOCHGRAD_QUICK", "")
	calls := 0
	if _, err := Cached("run", 1, func() (resultV1, error) { calls++; return resultV1{Loss: 2}, nil }); err != nil {
		t.Fatal(err)
	}
	// Another result type, with the same settings and name.
	if _, err := Cached("run", 1, sameCode[resultV1](&calls)); err != nil || calls != 2 {
		t.Fatalf("other code: %v, %d computations, want 2", err, calls)
	}
	if _, err := Cached("run", 1, sameCode[resultV2](&calls)); err != nil || calls != 3 {
		t.Fatalf("other result type: %v, %d computations, want 3", err, calls)
	}
	// The same code and type find their entry.
	for range 2 {
		if _, err := Cached("run", 1, sameCode[resultV2](&calls)); err != nil || calls != 3 {
			t.Fatalf("same code and type: %v, %d computations, want 3", err, calls)
		}
	}
	// The mode: compute may read it, as notebook 03's does.
	t.Setenv("STOCHGRAD_QUICK", "1")
	if _, err := Cached("run", 1, sameCode[resultV2](&calls)); err != nil || calls != 4 {
		t.Fatalf("other mode: %v, %d computations, want 4", err, calls)
	}
	if got := len(cacheFiles(t)); got != 4 {
		t.Errorf("%d entries, want 4", got)
	}
}

func TestFuncSourceIsTheClosure(t *testing.T) {
	f := func() int { return 1 }
	g := func() int {
		return 2
	}
	if a, b := funcSource(f), funcSource(g); a != "func() int { return 1 }" || !strings.Contains(b, "return 2") {
		t.Errorf("funcSource = %q and %q", a, b)
	}
	if s := moduleSum(); !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(s) {
		t.Errorf("moduleSum = %q, want the hash of the module's sources", s)
	}
}

// TestCachedConcurrentWriters reproduces issue 8, item 7: writers of one
// entry shared the temporary name path+".partial", so one of them failed
// with a rename error and lost its result. Run with -race.
func TestCachedConcurrentWriters(t *testing.T) {
	t.Setenv("STOCHGRAD_CACHE", t.TempDir())
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	vals := make([][]int, n)
	for i := range n {
		wg.Go(func() {
			vals[i], errs[i] = Cached("shared", "key", func() ([]int, error) {
				return make([]int, 1<<14), nil
			})
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || len(vals[i]) != 1<<14 {
			t.Fatalf("writer %d: %v (%d values)", i, errs[i], len(vals[i]))
		}
	}
	if files := cacheFiles(t); len(files) != 1 {
		t.Errorf("entries %v, want one", files)
	}
	if left, _ := filepath.Glob(filepath.Join(CacheDir(), "*", "*.partial")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestUncacheAndClearCache(t *testing.T) {
	t.Setenv("STOCHGRAD_CACHE", t.TempDir())
	calls := 0
	compute := func() (int, error) { calls++; return calls, nil }
	for _, name := range []string{"a", "a-b", "a/b"} {
		if _, err := Cached(name, nil, compute); err != nil {
			t.Fatal(err)
		}
	}
	if err := Uncache("a"); err != nil {
		t.Fatal(err)
	}
	// "a-b" and "a/b" are other names, whatever their file names.
	if v, _ := Cached("a-b", nil, compute); v != 2 || calls != 3 {
		t.Errorf("Uncache(\"a\") removed the entry of \"a-b\": %d, %d computations", v, calls)
	}
	if v, _ := Cached("a", nil, compute); v != 4 {
		t.Errorf("Uncache(\"a\") kept its entry: %d", v)
	}
	if err := ClearCache(); err != nil {
		t.Fatal(err)
	}
	if files := cacheFiles(t); len(files) != 0 {
		t.Errorf("ClearCache left %v", files)
	}
}
