package env

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRootAndDir(t *testing.T) {
	repo := t.TempDir()
	os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module "+ModulePath+"\n\ngo 1.26\n"), 0o644)
	sub := filepath.Join(repo, "a", "b")
	os.MkdirAll(sub, 0o755)
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/other\n"), 0o644)
	t.Setenv("STOCHGRAD_ROOT", "")
	t.Setenv("STOCHGRAD_DATA", "")

	t.Chdir(sub)
	if r, err := Root(); err != nil || r != repo {
		t.Fatalf("Root from %s = %q, %v; want %q", sub, r, err, repo)
	}
	if d, err := Dir("STOCHGRAD_DATA", "data"); err != nil || d != filepath.Join(repo, ".deps", "data") {
		t.Fatalf("Dir = %q, %v", d, err)
	}
	t.Setenv("STOCHGRAD_DATA", "/elsewhere")
	if d, _ := Dir("STOCHGRAD_DATA", "data"); d != "/elsewhere" {
		t.Fatalf("Dir ignores STOCHGRAD_DATA: %q", d)
	}
	t.Chdir(other)
	_, err := Root()
	if !errors.Is(err, ErrNoRoot) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "STOCHGRAD_ROOT") {
		t.Fatalf("Root outside any stochgrad repository: %q, want one line without advice", err)
	}
	t.Setenv("STOCHGRAD_ROOT", repo)
	if r, err := Root(); err != nil || r != repo {
		t.Fatalf("Root with STOCHGRAD_ROOT = %q, %v", r, err)
	}
}
