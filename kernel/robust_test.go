package kernel

// Regression tests of issue 8: the runner runs the checkout it is started
// from, checks before it runs, never writes a copy it did not execute, and
// cleans up after runs killed with SIGKILL.

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// installOtherSpec installs, in a private Jupyter data directory, a
// stochgrad kernel spec for another checkout, as `make setup` in a second
// clone leaves it.
func installOtherSpec(t *testing.T, other string) {
	t.Helper()
	data := t.TempDir()
	t.Setenv("JUPYTER_PATH", "")
	t.Setenv("JUPYTER_DATA_DIR", data)
	if _, _, err := InstallSpec(data, SpecName, NewSpec(other, "/usr/bin")); err != nil {
		t.Fatal(err)
	}
}

// TestCheckoutSpecRunsThisCheckout reproduces issue 8, item 2: the
// installed spec ran whichever checkout last ran `make setup`.
func TestCheckoutSpecRunsThisCheckout(t *testing.T) {
	installOtherSpec(t, "/other/clone")
	here := t.TempDir()
	gonb := filepath.Join(here, ".deps", "bin", "gonb")
	os.MkdirAll(filepath.Dir(gonb), 0o755)
	if err := os.WriteFile(gonb, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	spec, err := CheckoutSpec(here)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Env["STOCHGRAD_ROOT"] != here || spec.Argv[0] != gonb {
		t.Errorf("spec for %s runs %s with STOCHGRAD_ROOT %s", here, spec.Argv[0], spec.Env["STOCHGRAD_ROOT"])
	}
	// Without GoNB here, refuse and name both checkouts.
	bare := t.TempDir()
	_, err = CheckoutSpec(bare)
	if err == nil || !strings.Contains(err.Error(), "runs the checkout at /other/clone, not "+bare) || !strings.Contains(err.Error(), "make setup") {
		t.Errorf("checkout without GoNB: %v, want a refusal naming /other/clone and %s", err, bare)
	}
}

// TestRunRunsThisCheckout runs a notebook through the default spec while
// the installed one names another checkout: the kernel must see this one.
func TestRunRunsThisCheckout(t *testing.T) {
	gonbSpec(t) // skips without GoNB
	root, _ := Root()
	installOtherSpec(t, "/other/clone")
	t.Setenv("STOCHGRAD_ROOT", root)
	path := writeNotebook(t, t.TempDir(), "root.ipynb", "%%\nfmt.Println(os.Getenv(\"STOCHGRAD_ROOT\"))")
	res, err := (&Runner{CellTimeout: 2 * time.Minute}).Run(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if o := res.Notebook.Cells[1].Outputs; len(o) != 1 || o[0].Text != root+"\n" {
		t.Errorf("the kernel ran with STOCHGRAD_ROOT %s, want %s", outputsJSON(o), root)
	}
}

// markerSpec returns a kernel that creates marker and dies: whether the
// marker exists says whether the runner started the kernel.
func markerSpec(marker string) *Spec {
	return &Spec{
		Argv: []string{"/bin/sh", "-c", "touch " + marker + "; exit 3", "{connection_file}"},
		Env:  map[string]string{"STOCHGRAD_ROOT": "/repo"},
	}
}

func started(marker string) bool {
	_, err := os.Stat(marker)
	return err == nil
}

// TestRunChecksFirst reproduces issue 8, items 7, 8 and the "Also" list:
// problems found only after a notebook ran, or never.
func TestRunChecksFirst(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "started")
	spec := markerSpec(marker)
	good := writeNotebook(t, dir, "good.ipynb", WireCell, "%%\nfmt.Println(1)")

	// An output directory that cannot be made: found before the kernel
	// starts (as root, permissions cannot make one unwritable).
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o644)
	r := &Runner{Spec: spec, OutDir: filepath.Join(blocker, "out")}
	if err := r.Check(good); err == nil || !strings.Contains(err.Error(), "not writable") {
		t.Errorf("Check with an unwritable -out: %v", err)
	}
	if _, err := r.Run(context.Background(), good); err == nil || !strings.Contains(err.Error(), "not writable") || started(marker) {
		t.Errorf("Run with an unwritable -out: %v (kernel started: %v)", err, started(marker))
	}

	// Two notebooks with one output path are refused before anything runs.
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	twin := writeNotebook(t, sub, "good.ipynb", "%%\nfmt.Println(2)")
	r = &Runner{Spec: spec, OutDir: filepath.Join(dir, "out")}
	if err := r.Check(good, twin); err == nil || !strings.Contains(err.Error(), "would both be written to "+filepath.Join(dir, "out", "good.ipynb")) {
		t.Errorf("Check of two notebooks with one output path: %v", err)
	}
	if err := r.Check(good); err != nil {
		t.Errorf("Check of one good notebook: %v", err)
	}

	// A kernel that does not start leaves no copy: the input's old outputs
	// must not pass for this run's.
	nb, _ := ReadNotebookFile(good)
	one := 1
	nb.Cells[2].ExecutionCount = &one
	nb.Cells[2].Outputs = []*Output{{Type: "stream", Name: "stdout", Text: "RESULT stale 1\n"}}
	stale := filepath.Join(dir, "stale.ipynb")
	WriteNotebookFile(stale, nb)
	res, err := r.Run(context.Background(), stale)
	if err == nil || !started(marker) {
		t.Fatalf("dying kernel: %v (started: %v)", err, started(marker))
	}
	if _, serr := os.Stat(filepath.Join(dir, "out", "stale.ipynb")); res.OutPath != "" || serr == nil {
		t.Errorf("a copy of a notebook whose kernel did not start was written to %q", res.OutPath)
	}
	os.Remove(marker)

	// A notebook of another language is named as such, not run.
	py := filepath.Join(dir, "python.ipynb")
	nb.Metadata = json.RawMessage(`{"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}`)
	WriteNotebookFile(py, nb)
	for _, err := range []error{r.Check(py), func() error { _, err := r.Run(context.Background(), py); return err }()} {
		if err == nil || !strings.Contains(err.Error(), "is not a Go notebook") || !strings.Contains(err.Error(), `"python3"`) {
			t.Errorf("python notebook: %v", err)
		}
	}

	// A kernel spec without STOCHGRAD_ROOT (plain GoNB) and none in the
	// environment: say what to set rather than fail in the wiring cell.
	t.Setenv("STOCHGRAD_ROOT", "")
	plain := &Spec{Argv: spec.Argv}
	_, err = (&Runner{Spec: plain}).Run(context.Background(), good)
	if err == nil || !strings.Contains(err.Error(), "cell 1 uses $STOCHGRAD_ROOT") || !strings.Contains(err.Error(), "set STOCHGRAD_ROOT") || started(marker) {
		t.Errorf("kernel spec without STOCHGRAD_ROOT: %v (started: %v)", err, started(marker))
	}
}

// TestWriteNotebookFileConcurrent reproduces issue 8, item 7: writers of
// one output path shared path+".tmp" and failed with rename errors. Run
// with -race.
func TestWriteNotebookFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nb.ipynb")
	nb := &Notebook{NBFormat: 4, NBFormatMinor: 5, Cells: []*Cell{{Type: "code", Source: strings.Repeat("x", 1<<16)}}}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() { errs <- WriteNotebookFile(path, nb) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if _, err := ReadNotebookFile(path); err != nil {
		t.Error(err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*.tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestRemoveStaleTempDirs reproduces issue 8, item 9: a run killed with
// SIGKILL left its directories (and GoNB's inside) for ever.
func TestRemoveStaleTempDirs(t *testing.T) {
	if os.Getenv("KERNEL_TEST_TEMPDIR_HELPER") == "1" {
		dir, _, err := TempDir("kernel")
		if err != nil {
			os.Exit(1)
		}
		os.MkdirAll(filepath.Join(dir, "tmp", "gonb_123"), 0o755)
		os.Stdout.WriteString(dir + "\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	t.Setenv("TMPDIR", t.TempDir())
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestRemoveStaleTempDirs$")
	cmd.Env = append(os.Environ(), "KERNEL_TEST_TEMPDIR_HELPER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatal(err)
	}
	dead := strings.TrimSpace(line)
	live, release, err := TempDir("cache")
	if err != nil {
		t.Fatal(err)
	}
	// While its owner lives, the directory stays.
	if err := RemoveStaleTempDirs(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); err != nil {
		t.Fatalf("the directory of a live run was removed: %v", err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if err := RemoveStaleTempDirs(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the directory of a killed run is still there: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("this run's own directory was removed: %v", err)
	}
	release()
	if _, err := os.Stat(live); !os.IsNotExist(err) {
		t.Errorf("release left %s", live)
	}
}
