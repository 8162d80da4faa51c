package toolkit

import (
	"os"
	"path/filepath"

	"github.com/stochgrad/stochgrad/internal/env"
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
// in the repository, else (outside any checkout) the user's cache directory.
func CacheDir() string {
	if d, err := env.Dir("STOCHGRAD_CACHE", "cache"); err == nil {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "stochgrad")
	}
	return filepath.Join(os.TempDir(), "stochgrad-cache")
}
