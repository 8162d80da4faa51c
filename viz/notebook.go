package viz

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/janpfeifer/gonb/gonbui"
)

// Show displays fig in the notebook cell that runs it, inlining the ECharts
// library first if this kernel session has not yet done so. Outside a
// notebook it prints a one-line summary of fig to standard output.
//
// In a notebook an error is also written to the cell's standard error, so
// that it shows even if the caller drops it.
func Show(fig Figure) error {
	if !gonbui.IsNotebook {
		fmt.Println(summary(fig))
		return nil
	}
	err := display(fig)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return err
}

func display(fig Figure) error {
	h, err := HTML(fig)
	if err != nil {
		return err
	}
	marker := sessionMarker()
	h, added, err := withLibrary(h, marker)
	if err != nil {
		return err
	}
	gonbui.DisplayHTML(h)
	// GoNB v0.10.6 may report the cell done before a large output is sent.
	gonbui.Sync()
	if err := gonbui.Error(); err != nil {
		return fmt.Errorf("viz: sending the figure to the notebook: %v", err)
	}
	if added {
		markLoaded(marker)
	}
	return nil
}

// LoadECharts inlines the ECharts library in the notebook now, even if this
// kernel session already did. Run it when charts say that ECharts is not
// loaded, which happens when the output that loaded it was cleared. Outside
// a notebook it only checks that the library is installed.
func LoadECharts() error {
	lib, err := EChartsScript()
	if err != nil || !gonbui.IsNotebook {
		return err
	}
	gonbui.DisplayHTML(lib)
	gonbui.Sync()
	if err := gonbui.Error(); err != nil {
		return fmt.Errorf("viz: sending ECharts to the notebook: %v", err)
	}
	markLoaded(sessionMarker())
	return nil
}

// markerName is the file, in GoNB's per-kernel directory, whose presence
// means that this kernel session has inlined ECharts.
const markerName = "stochgrad-viz-echarts-" + EChartsVersion

// sessionMarker returns the marker file of the running kernel session, or
// "" when not run by GoNB. GoNB creates a fresh $GONB_TMP_DIR for each
// kernel and passes it to every cell process, so the marker lives exactly
// as long as the session.
func sessionMarker() string {
	dir := os.Getenv("GONB_TMP_DIR")
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, markerName)
}

// withLibrary returns body preceded by the ECharts library unless the
// session of marker already loaded it, and whether it added the library.
// An empty marker means no known session: the library is always added.
func withLibrary(body, marker string) (string, bool, error) {
	if marker != "" {
		if _, err := os.Stat(marker); err == nil {
			return body, false, nil
		}
	}
	lib, err := EChartsScript()
	if err != nil {
		return "", false, err
	}
	return lib + body, true, nil
}

// markLoaded records that the session of marker has loaded ECharts. A
// failure to write it only costs inlining the library again.
func markLoaded(marker string) {
	if marker != "" {
		_ = os.WriteFile(marker, []byte(EChartsVersion+"\n"), 0o600)
	}
}
