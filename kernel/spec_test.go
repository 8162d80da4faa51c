package kernel

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestNewSpec(t *testing.T) {
	s := NewSpec("/repo", "/go/bin")
	want := []string{"/repo/.deps/bin/gonb", "--kernel", "{connection_file}", "--raw_error"}
	if !reflect.DeepEqual(s.Argv, want) {
		t.Errorf("argv = %q, want %q", s.Argv, want)
	}
	if s.DisplayName != "Go (stochgrad)" || s.Language != "go" || s.InterruptMode != "message" {
		t.Errorf("spec = %+v", s)
	}
	env := map[string]string{
		"PATH":             "/repo/.deps/bin:/go/bin:${PATH}",
		"GOFLAGS":          "-tags=openblas",
		"STOCHGRAD_ROOT":   "/repo",
		"STOCHGRAD_ASSETS": "/repo/.deps/assets",
		"STOCHGRAD_DATA":   "/repo/.deps/data",
		"STOCHGRAD_CACHE":  "/repo/.deps/cache",
	}
	if !reflect.DeepEqual(s.Env, env) {
		t.Errorf("env = %v, want %v", s.Env, env)
	}
}

func TestInstallAndFindSpec(t *testing.T) {
	data := t.TempDir()
	t.Setenv("JUPYTER_PATH", "")
	t.Setenv("JUPYTER_DATA_DIR", data)
	spec := NewSpec("/repo", "/go/bin")
	path, changed, err := InstallSpec(data, SpecName, spec)
	if err != nil || !changed {
		t.Fatalf("InstallSpec = %q, %v, %v", path, changed, err)
	}
	if want := filepath.Join(data, "kernels", "stochgrad", "kernel.json"); path != want {
		t.Errorf("installed at %s, want %s", path, want)
	}
	st, _ := os.Stat(path)
	if _, changed, _ := InstallSpec(data, SpecName, spec); changed {
		t.Error("second InstallSpec rewrote an identical spec")
	}
	if st2, _ := os.Stat(path); !st2.ModTime().Equal(st.ModTime()) {
		t.Error("second InstallSpec touched the file")
	}
	got, where, err := FindSpec(SpecName)
	if err != nil || where != path || !reflect.DeepEqual(got, spec) {
		t.Fatalf("FindSpec = %+v, %q, %v", got, where, err)
	}
	// Jupyter reads the file too: it must be plain kernel.json fields.
	var raw map[string]any
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"argv", "display_name", "language", "env", "interrupt_mode"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("kernel.json lacks %q", k)
		}
	}
	// JUPYTER_PATH comes first.
	other := t.TempDir()
	spec2 := NewSpec("/elsewhere", "/go/bin")
	if _, _, err := InstallSpec(other, SpecName, spec2); err != nil {
		t.Fatal(err)
	}
	t.Setenv("JUPYTER_PATH", other)
	if got, _, _ := FindSpec(SpecName); got.Env["STOCHGRAD_ROOT"] != "/elsewhere" {
		t.Errorf("JUPYTER_PATH not searched first: %v", got.Env["STOCHGRAD_ROOT"])
	}

	if _, _, err := InstallSpec(data, "../evil", spec); err == nil {
		t.Error("InstallSpec accepted a name with a path")
	}
	if _, _, err := InstallSpec(data, "x", &Spec{}); err == nil {
		t.Error("InstallSpec accepted an empty argv")
	}
}

func TestFindSpecMissing(t *testing.T) {
	t.Setenv("JUPYTER_PATH", "")
	t.Setenv("JUPYTER_DATA_DIR", t.TempDir())
	_, _, err := FindSpec("no-such-kernel-spec")
	if err == nil || !strings.Contains(err.Error(), "run `make setup`") {
		t.Errorf("FindSpec of a missing spec: %v, want an error saying to run make setup", err)
	}
	// A broken kernel.json is reported, not skipped.
	dir := filepath.Join(os.Getenv("JUPYTER_DATA_DIR"), "kernels", "broken")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "kernel.json"), []byte("{"), 0o644)
	if _, _, err := FindSpec("broken"); err == nil || !strings.Contains(err.Error(), "make setup") {
		t.Errorf("FindSpec of a broken spec: %v", err)
	}
}

func TestExpandEnv(t *testing.T) {
	env := map[string]string{"PATH": "/bin:/usr/bin", "HOME": "/root", "X_1": "x"}
	cases := map[string]string{
		"/a:${PATH}":   "/a:/bin:/usr/bin",
		"$HOME/.cache": "/root/.cache",
		"${UNSET}/y":   "${UNSET}/y",
		"$UNSET":       "$UNSET",
		"cost $$5":     "cost $5",
		"$X_1$X_1":     "xx",
		"$ alone":      "$ alone",
		"${HOME":       "${HOME",
	}
	for in, want := range cases {
		if got := expandEnv(in, env); got != want {
			t.Errorf("expandEnv(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKernelEnv(t *testing.T) {
	base := []string{"PATH=/bin", "HOME=/root", "STOCHGRAD_QUICK=1", "GOFLAGS=-buildvcs=false"}
	spec := map[string]string{"PATH": "/deps:${PATH}", "GOFLAGS": "-tags=openblas"}
	env := kernelEnv(base, spec, []string{"A=1", "HOME=/home/x"}, []string{"STOCHGRAD_QUICK"})
	want := []string{"PATH=/deps:/bin", "HOME=/home/x", "GOFLAGS=-tags=openblas", "A=1"}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("kernelEnv = %q, want %q", env, want)
	}
	if slices.ContainsFunc(env, func(s string) bool { return strings.HasPrefix(s, "STOCHGRAD_QUICK") }) {
		t.Error("unset variable kept")
	}
}

func TestRoot(t *testing.T) {
	t.Setenv("STOCHGRAD_ROOT", "")
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "kernel", "root.go")); err != nil {
		t.Errorf("Root() = %s does not hold this package: %v", root, err)
	}
	t.Setenv("STOCHGRAD_ROOT", "/some/where")
	if r, _ := Root(); r != "/some/where" {
		t.Errorf("Root() with STOCHGRAD_ROOT = %s", r)
	}
}
