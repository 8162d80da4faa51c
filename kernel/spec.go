package kernel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// SpecName is the name of the Jupyter kernel spec notebooks run with.
const SpecName = "stochgrad"

// Spec is a Jupyter kernel spec, the kernel.json of
// https://jupyter-client.readthedocs.io/en/stable/kernels.html#kernel-specs.
type Spec struct {
	// Argv starts the kernel; the argument {connection_file} is replaced
	// by the path of the connection file.
	Argv        []string `json:"argv"`
	DisplayName string   `json:"display_name"`
	Language    string   `json:"language"`
	// InterruptMode is "message" (an interrupt_request on the control
	// channel) or "signal" (SIGINT); empty means "signal", as in Jupyter.
	InterruptMode string `json:"interrupt_mode,omitempty"`
	// Env is added to the kernel's environment. As in jupyter_client,
	// $NAME and ${NAME} in a value are replaced by the variable's value in
	// the environment the kernel is started from, when it is set.
	Env      map[string]string `json:"env,omitempty"`
	Metadata map[string]any    `json:"metadata,omitempty"`
}

// NewSpec returns the stochgrad kernel spec for the repository at root: it
// runs GoNB from root/.deps/bin with raw-text errors, finds goimports there
// and the Go toolchain in goBin, builds cells with the OpenBLAS back end and
// points the STOCHGRAD_* variables at root/.deps.
func NewSpec(root, goBin string) *Spec {
	deps := filepath.Join(root, ".deps")
	return &Spec{
		Argv:          []string{filepath.Join(deps, "bin", "gonb"), "--kernel", "{connection_file}", "--raw_error"},
		DisplayName:   "Go (stochgrad)",
		Language:      "go",
		InterruptMode: "message",
		Env: map[string]string{
			"PATH":             filepath.Join(deps, "bin") + ":" + goBin + ":${PATH}",
			"GOFLAGS":          "-tags=openblas",
			"STOCHGRAD_ROOT":   root,
			"STOCHGRAD_ASSETS": filepath.Join(deps, "assets"),
			"STOCHGRAD_DATA":   filepath.Join(deps, "data"),
			"STOCHGRAD_CACHE":  filepath.Join(deps, "cache"),
		},
	}
}

// UserDataDir returns the user's Jupyter data directory: $JUPYTER_DATA_DIR,
// else $XDG_DATA_HOME/jupyter, else ~/.local/share/jupyter, as jupyter_core
// computes it on Linux.
func UserDataDir() (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "jupyter"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("kernel: no Jupyter data directory: %w", err)
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

// dataDirs returns the directories Jupyter searches for kernel specs, most
// specific first.
func dataDirs() []string {
	var dirs []string
	for _, d := range filepath.SplitList(os.Getenv("JUPYTER_PATH")) {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	if d, err := UserDataDir(); err == nil {
		dirs = append(dirs, d)
	}
	return append(dirs, "/usr/local/share/jupyter", "/usr/share/jupyter")
}

// InstallSpec writes spec as dataDir/kernels/name/kernel.json. It rewrites
// the file only when its content changes, and reports whether it did.
func InstallSpec(dataDir, name string, spec *Spec) (path string, changed bool, err error) {
	if !regexp.MustCompile(`^[a-zA-Z0-9._-]+$`).MatchString(name) {
		return "", false, fmt.Errorf("kernel: invalid kernel spec name %q", name)
	}
	if len(spec.Argv) == 0 {
		return "", false, errors.New("kernel: kernel spec with an empty argv")
	}
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return "", false, fmt.Errorf("kernel: encode kernel spec: %w", err)
	}
	data = append(data, '\n')
	dir := filepath.Join(dataDir, "kernels", name)
	path = filepath.Join(dir, "kernel.json")
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return path, false, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, fmt.Errorf("kernel: install kernel spec: %w", err)
	}
	if err := writeFileAtomic(path, data); err != nil {
		return "", false, fmt.Errorf("kernel: install kernel spec: %w", err)
	}
	return path, true, nil
}

// FindSpec reads the kernel spec called name from the first Jupyter data
// directory that has it ($JUPYTER_PATH, the user data directory, then
// /usr/local/share/jupyter and /usr/share/jupyter).
func FindSpec(name string) (*Spec, string, error) {
	dirs := dataDirs()
	for _, d := range dirs {
		path := filepath.Join(d, "kernels", name, "kernel.json")
		spec, err := ReadSpec(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		return spec, path, err
	}
	return nil, "", fmt.Errorf("kernel: Jupyter kernel spec %q not found in %s: run `make setup`",
		name, strings.Join(dirs, ", "))
}

// ReadSpec reads a kernel.json file.
func ReadSpec(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var spec Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, fmt.Errorf("kernel: kernel spec %s: %w: run `make setup` to rewrite it", path, err)
	}
	if len(spec.Argv) == 0 {
		return nil, fmt.Errorf("kernel: kernel spec %s has an empty argv: run `make setup` to rewrite it", path)
	}
	return &spec, nil
}

// envVarPattern matches $$, $NAME and ${NAME}, the substitutions of
// Python's string.Template that jupyter_client applies to spec env values.
var envVarPattern = regexp.MustCompile(`\$(\$|[_a-zA-Z][_a-zA-Z0-9]*|\{[_a-zA-Z][_a-zA-Z0-9]*\})`)

// expandEnv substitutes variables of env into v like string.Template's
// safe_substitute: unknown names are left as they are.
func expandEnv(v string, env map[string]string) string {
	return envVarPattern.ReplaceAllStringFunc(v, func(m string) string {
		if m == "$$" {
			return "$"
		}
		name := strings.Trim(m[1:], "{}")
		if val, ok := env[name]; ok {
			return val
		}
		return m
	})
}

// GoBin returns the directory of the Go toolchain's commands, $(go env
// GOROOT)/bin, which kernel specs put on the kernel's PATH.
func GoBin() (string, error) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("kernel: cannot find the Go toolchain (go env GOROOT): %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "bin"), nil
}

// CheckoutSpec returns the kernel spec that runs the checkout at root:
// NewSpec(root, GoBin()), with GoNB from root/.deps/bin. The installed
// `stochgrad` spec is not used, since it runs whichever checkout last ran
// `make setup`. Without GoNB in root/.deps/bin, CheckoutSpec refuses, and
// names the checkout the installed spec would have run instead.
func CheckoutSpec(root string) (*Spec, error) {
	gonb := filepath.Join(root, ".deps", "bin", "gonb")
	if _, err := os.Stat(gonb); err != nil {
		msg := fmt.Sprintf("kernel: %s is missing: run `make setup` in %s", gonb, root)
		if spec, path, ferr := FindSpec(SpecName); ferr == nil {
			if other := spec.Env["STOCHGRAD_ROOT"]; other != "" && filepath.Clean(other) != filepath.Clean(root) {
				msg += fmt.Sprintf(" (the installed kernel spec %s runs the checkout at %s, not %s)", path, other, root)
			}
		}
		return nil, errors.New(msg)
	}
	goBin, err := GoBin()
	if err != nil {
		return nil, err
	}
	return NewSpec(root, goBin), nil
}
