package toolkit

import (
	"os"
	"path/filepath"
)

// Quick reports whether notebooks run in quick mode (STOCHGRAD_QUICK=1, as
// in CI) rather than with the papers' full settings.
func Quick() bool { return os.Getenv("STOCHGRAD_QUICK") == "1" }

// Pick returns quick in quick mode and full otherwise.
func Pick[V any](quick, full V) V {
	if Quick() {
		return quick
	}
	return full
}

// CacheDir is where Cached keeps results: $STOCHGRAD_CACHE, else .deps/cache
// under $STOCHGRAD_ROOT, else the user's cache directory.
func CacheDir() string {
	if d := os.Getenv("STOCHGRAD_CACHE"); d != "" {
		return d
	}
	if r := os.Getenv("STOCHGRAD_ROOT"); r != "" {
		return filepath.Join(r, ".deps", "cache")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "stochgrad")
	}
	return filepath.Join(os.TempDir(), "stochgrad-cache")
}
