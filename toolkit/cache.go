package toolkit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Cached returns the result of compute for the given name and settings,
// computing it only when no result is cached on disk. Each GoNB cell runs as
// a new process, so results that later cells need go through here. The key
// is the name, the settings (any JSON-encodable value) and the quick/full
// mode; a different setting is a different entry. The result must survive a
// JSON round trip. A corrupt entry is recomputed, not trusted.
func Cached[V any](name string, settings any, compute func() (V, error)) (V, error) {
	var zero V
	path, err := cachePath(name, settings)
	if err != nil {
		return zero, err
	}
	if b, err := os.ReadFile(path); err == nil {
		var v V
		if json.Unmarshal(b, &v) == nil {
			return v, nil
		}
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
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return zero, fmt.Errorf("toolkit: cache directory: %w", err)
	}
	tmp := path + ".partial"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return zero, fmt.Errorf("toolkit: writing cache: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return zero, fmt.Errorf("toolkit: writing cache: %w", err)
	}
	return v, nil
}

// Uncache removes the cached results for name, whatever their settings.
func Uncache(name string) error {
	matches, err := filepath.Glob(filepath.Join(CacheDir(), safeName(name)+"-*.json"))
	if err != nil {
		return err
	}
	for _, m := range matches {
		if err := os.Remove(m); err != nil {
			return fmt.Errorf("toolkit: %w", err)
		}
	}
	return nil
}

func cachePath(name string, settings any) (string, error) {
	if name == "" {
		return "", errors.New("toolkit: Cached needs a name")
	}
	s, err := json.Marshal(settings)
	if err != nil {
		return "", fmt.Errorf("toolkit: cache %q: settings do not encode as JSON: %w", name, err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%t\x00", name, Quick())
	h.Write(s)
	return filepath.Join(CacheDir(), safeName(name)+"-"+hex.EncodeToString(h.Sum(nil))[:16]+".json"), nil
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
	return string(b)
}
