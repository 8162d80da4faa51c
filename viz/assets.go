package viz

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// EChartsVersion is the ECharts release viz inlines: the one go-echarts
// v2.6.7 is written for, installed by `make setup`.
const EChartsVersion = "5.4.3"

// ErrNoECharts is wrapped by the error returned when the ECharts library is
// not installed.
var ErrNoECharts = errors.New("viz: ECharts library not installed")

const modulePath = "github.com/stochgrad/stochgrad"

// repoRoot returns $STOCHGRAD_ROOT, or else the nearest directory, upward
// from the working directory, whose go.mod declares stochgrad's module.
func repoRoot() (string, error) {
	if r := os.Getenv("STOCHGRAD_ROOT"); r != "" {
		return r, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("viz: cannot find the stochgrad repository: %v; set STOCHGRAD_ROOT", err)
	}
	for {
		if declaresModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("viz: cannot find the stochgrad repository above the working directory; set STOCHGRAD_ROOT (or STOCHGRAD_ASSETS) and run `make setup`")
		}
		dir = parent
	}
}

// declaresModule reports whether the go.mod file at path declares
// stochgrad's module.
func declaresModule(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == modulePath
		}
	}
	return false
}

// EChartsPath returns where the ECharts library is expected:
// $STOCHGRAD_ASSETS/echarts.min.js, by default under
// $STOCHGRAD_ROOT/.deps/assets.
func EChartsPath() (string, error) {
	dir := os.Getenv("STOCHGRAD_ASSETS")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, ".deps", "assets")
	}
	return filepath.Join(dir, "echarts.min.js"), nil
}

// scriptClose matches what would end an inline script early.
var scriptClose = regexp.MustCompile(`(?i)</(script)`)

// EChartsScript returns a <script> element that inlines the ECharts library
// and defines window.echarts. The library runs inside a function whose
// parameters define, module and exports are undefined, so that its UMD
// header neither registers it with require.js (loaded by the classic
// Notebook and nbconvert's HTML, where echarts would stay undefined) nor
// with CommonJS, and always sets the global. A page that already has
// window.echarts skips it.
func EChartsScript() (string, error) {
	path, err := EChartsPath()
	if err != nil {
		return "", err
	}
	src, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s is missing; run `make setup` (it runs scripts/setup-echarts.sh)", ErrNoECharts, path)
	}
	if err != nil {
		return "", fmt.Errorf("viz: reading the ECharts library: %v; run `make setup` to reinstall it", err)
	}
	if len(src) == 0 {
		return "", fmt.Errorf("%w: %s is empty; delete it and run `make setup`", ErrNoECharts, path)
	}
	// In JavaScript strings and regular expressions "<\/" is "</".
	js := scriptClose.ReplaceAllString(string(src), `<\/$1`)
	var b strings.Builder
	b.Grow(len(js) + 512)
	fmt.Fprintf(&b, "<script data-stochgrad-echarts=%q>\n", EChartsVersion)
	b.WriteString(wrapperOpen)
	b.WriteString(js)
	b.WriteString(wrapperClose)
	b.WriteString("</script>\n")
	return b.String(), nil
}

// wrapperOpen and wrapperClose enclose the ECharts source; see EChartsScript.
const (
	wrapperOpen  = "(function (define, module, exports) {\nif (window.echarts) { return; }\n"
	wrapperClose = "\n}).call(window);\n"
)
