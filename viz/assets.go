package viz

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/stochgrad/stochgrad/internal/env"
)

// EChartsVersion is the ECharts release viz inlines: the one go-echarts
// v2.6.7 is written for, installed by `make setup`.
const EChartsVersion = "5.4.3"

// ErrNoECharts is wrapped by the error returned when the ECharts library is
// not installed.
var ErrNoECharts = errors.New("viz: ECharts library not installed")

// EChartsPath returns where the ECharts library is expected:
// $STOCHGRAD_ASSETS/echarts.min.js, by default under
// $STOCHGRAD_ROOT/.deps/assets.
func EChartsPath() (string, error) {
	dir, err := env.Dir("STOCHGRAD_ASSETS", "assets")
	if err != nil {
		return "", fmt.Errorf("viz: locating ECharts: %w (set STOCHGRAD_ROOT or STOCHGRAD_ASSETS and run `make setup`)", err)
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
