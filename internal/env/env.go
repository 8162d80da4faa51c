// Package env locates the stochgrad repository and the directories that set-up
// installs into, from the environment variables the Makefile and the
// `stochgrad` kernel spec set. It sits below every floor, so that the
// packages of one floor (datasets, viz, kernel) need not copy it.
package env

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ModulePath is the module path of the stochgrad repository.
const ModulePath = "github.com/stochgrad/stochgrad"

// ErrNoRoot is matched (with errors.Is) by the error of Root when no
// repository can be found. The error is one line and gives no advice, which
// the caller adds.
var ErrNoRoot = errors.New("cannot find the stochgrad repository")

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
			// No advice here: each caller says which variable to set.
			return "", fmt.Errorf("%w: none at or above %s", ErrNoRoot, wd)
		}
	}
}

// Dir returns the directory named by the environment variable name when it
// is set, and otherwise .deps/sub under the repository root: where `make
// setup` installs assets, data and the cache.
func Dir(name, sub string) (string, error) {
	if d := os.Getenv(name); d != "" {
		return d, nil
	}
	root, err := Root()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".deps", sub), nil
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
