package kernel

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// ModulePath is the module path of the stochgrad repository.
const ModulePath = "github.com/stochgrad/stochgrad"

// Root returns the repository root: $STOCHGRAD_ROOT when set, else the
// nearest directory at or above the working directory whose go.mod declares
// module github.com/stochgrad/stochgrad.
func Root() (string, error) {
	if r := os.Getenv("STOCHGRAD_ROOT"); r != "" {
		return filepath.Abs(r)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if isRoot(dir) {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("kernel: no stochgrad repository at or above " + wd +
				": run from inside the repository or set STOCHGRAD_ROOT")
		}
	}
}

// isRoot reports whether dir/go.mod declares the stochgrad module.
func isRoot(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`) == ModulePath
		}
	}
	return false
}
