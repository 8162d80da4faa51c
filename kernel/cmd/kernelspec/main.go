// Command kernelspec installs the `stochgrad` Jupyter kernel spec: GoNB
// from the repository's .deps/bin, with the environment notebooks expect
// (see kernel.NewSpec). scripts/setup-jupyter.sh runs it.
//
// Usage:
//
//	go run ./kernel/cmd/kernelspec [-root DIR] [-data-dir DIR]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/stochgrad/stochgrad/kernel"
)

func main() {
	root := flag.String("root", "", "repository root (default: $STOCHGRAD_ROOT or the enclosing stochgrad module)")
	dataDir := flag.String("data-dir", "", "Jupyter data directory (default: $JUPYTER_DATA_DIR or ~/.local/share/jupyter)")
	flag.Parse()
	if err := run(*root, *dataDir); err != nil {
		fmt.Fprintln(os.Stderr, "kernelspec:", err)
		os.Exit(1)
	}
}

func run(root, dataDir string) error {
	var err error
	if root == "" {
		if root, err = kernel.Root(); err != nil {
			return err
		}
	}
	if root, err = filepath.Abs(root); err != nil {
		return err
	}
	if dataDir == "" {
		if dataDir, err = kernel.UserDataDir(); err != nil {
			return err
		}
	}
	goBin, err := kernel.GoBin()
	if err != nil {
		return err
	}
	gonb := filepath.Join(root, ".deps", "bin", "gonb")
	if _, err := os.Stat(gonb); err != nil {
		fmt.Fprintf(os.Stderr, "kernelspec: warning: %s is missing: run scripts/setup-jupyter.sh\n", gonb)
	}
	// Jupyter runs one checkout per spec name: say when it changes. nbrun
	// and the tests run their own checkout whatever the spec says.
	if old, err := kernel.ReadSpec(filepath.Join(dataDir, "kernels", kernel.SpecName, "kernel.json")); err == nil {
		if prev := old.Env["STOCHGRAD_ROOT"]; prev != "" && prev != root {
			fmt.Printf("kernelspec: Jupyter's %q kernel ran the checkout at %s; it now runs %s\n", kernel.SpecName, prev, root)
		}
	}
	path, changed, err := kernel.InstallSpec(dataDir, kernel.SpecName, kernel.NewSpec(root, goBin))
	if err != nil {
		return err
	}
	if changed {
		fmt.Printf("installed Jupyter kernel spec %q in %s\n", kernel.SpecName, path)
	} else {
		fmt.Printf("Jupyter kernel spec %q is up to date in %s\n", kernel.SpecName, path)
	}
	return nil
}
