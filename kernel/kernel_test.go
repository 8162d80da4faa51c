package kernel

// Tests against a real GoNB kernel, built by scripts/setup-jupyter.sh.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// gonbSpec returns the stochgrad kernel spec of this checkout. Without an
// installed GoNB the test is skipped, or fails when STOCHGRAD_REQUIRE_SETUP
// is set (as `make test` does).
func gonbSpec(t *testing.T) *Spec {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a GoNB kernel; skipped with -short")
	}
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"gonb", "goimports"} {
		if _, err := os.Stat(filepath.Join(root, ".deps", "bin", tool)); err != nil {
			msg := fmt.Sprintf("%s not installed in %s/.deps/bin: run `make setup`", tool, root)
			if os.Getenv("STOCHGRAD_REQUIRE_SETUP") != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	return NewSpec(root, filepath.Join(strings.TrimSpace(string(out)), "bin"))
}

// writeNotebook writes a notebook of the given code cells into dir.
func writeNotebook(t *testing.T, dir, name string, cells ...string) string {
	t.Helper()
	nb := &Notebook{NBFormat: 4, NBFormatMinor: 5}
	nb.Cells = append(nb.Cells, &Cell{Type: "markdown", Source: "# " + name})
	for _, src := range cells {
		nb.Cells = append(nb.Cells, &Cell{Type: "code", Source: src})
	}
	path := filepath.Join(dir, name)
	if err := WriteNotebookFile(path, nb); err != nil {
		t.Fatal(err)
	}
	return path
}

// groupMembers returns the live (not zombie) processes in process group
// pgid.
func groupMembers(pgid int) []string {
	var live []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces.
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 3 || f[0] == "Z" {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g == pgid {
			live = append(live, fmt.Sprintf("%d %s", pid, s[strings.IndexByte(s, '('):i+1]))
		}
	}
	return live
}

// checkNoOrphans fails if any process of the kernel's group is alive.
func checkNoOrphans(t *testing.T, res *Result) {
	t.Helper()
	if res == nil || res.KernelPID == 0 {
		t.Fatal("no kernel pid in the result")
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		live := groupMembers(res.KernelPID)
		if len(live) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes of the kernel's group %d still alive: %v", res.KernelPID, live)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func cellError(t *testing.T, err error) *CellError {
	t.Helper()
	var ce *CellError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T), want a *CellError", err, err)
	}
	return ce
}

func TestRunPassingNotebook(t *testing.T) {
	spec := gonbSpec(t)
	dir := t.TempDir()
	path := writeNotebook(t, dir, "pass.ipynb",
		WireCell,
		"import \"github.com/stochgrad/stochgrad/kernel\"\n\n%%\nfmt.Println(kernel.ModulePath)\nfmt.Fprintln(os.Stderr, \"to stderr\")",
		"import \"github.com/janpfeifer/gonb/gonbui\"\n\n%%\ngonbui.UpdateHTML(\"bar\", \"<b>0%</b>\")\ngonbui.Sync()",
		"",
		"%%\ngonbui.UpdateHTML(\"bar\", \"<b>100%</b>\")\ngonbui.Sync()\nwd, _ := os.Getwd()\nfmt.Println(\"quick=\" + os.Getenv(\"STOCHGRAD_QUICK\"), \"flags=\" + os.Getenv(\"GOFLAGS\"), \"dir=\" + filepath.Base(wd))\nfmt.Println(\"RESULT answer 42\")\nfmt.Println(\"RESULT tol 1.5e-3\")",
	)
	out := filepath.Join(dir, "out")
	var log strings.Builder
	r := &Runner{Spec: spec, Quick: true, OutDir: out, Log: &log, CellTimeout: 2 * time.Minute}
	res, err := r.Run(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("startup %v, total %v\n%s", res.Startup, res.Duration, log.String())
	checkNoOrphans(t, res)

	if len(res.Cells) != 4 {
		t.Fatalf("%d executed cells, want 4 (the blank one is skipped)", len(res.Cells))
	}
	for i, c := range res.Cells {
		if c.ExecutionCount != i+1 || c.Duration <= 0 {
			t.Errorf("cell result %d: %+v", i, c)
		}
	}
	if res.Cells[3].Index != 5 {
		t.Errorf("last cell index %d, want 5", res.Cells[3].Index)
	}
	lines, err := res.ResultLines()
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[0] != (ResultLine{"answer", 42}) || lines[1] != (ResultLine{"tol", 1.5e-3}) {
		t.Errorf("RESULT lines %v", lines)
	}

	// The executed copy on disk, read back.
	if res.OutPath != filepath.Join(out, "pass.ipynb") {
		t.Errorf("OutPath = %s", res.OutPath)
	}
	nb, err := ReadNotebookFile(res.OutPath)
	if err != nil {
		t.Fatal(err)
	}
	validateNBFormat(t, res.OutPath)
	c := nb.Cells
	if c[0].Type != "markdown" || c[0].ExecutionCount != nil {
		t.Errorf("markdown cell: %+v", c[0])
	}
	if c[1].ExecutionCount == nil || *c[1].ExecutionCount != 1 || len(c[1].Outputs) != 0 {
		t.Errorf("wiring cell: count %v, outputs %s", c[1].ExecutionCount, outputsJSON(c[1].Outputs))
	}
	// GoNB reads stdout and stderr on two goroutines: their order varies.
	o := c[2].Outputs
	streams := map[string]string{}
	for _, x := range o {
		streams[x.Name] += x.Text
	}
	if len(o) != 2 || streams["stdout"] != ModulePath+"\n" || streams["stderr"] != "to stderr\n" {
		t.Errorf("cell 2 outputs: %s", outputsJSON(o))
	}
	// The display created in cell 3 was updated from cell 5, as in Jupyter.
	o = c[3].Outputs
	if len(o) != 1 || o[0].Type != "display_data" || o[0].Data["text/html"] != "<b>100%</b>" {
		t.Errorf("cell 3 outputs: %s", outputsJSON(o))
	}
	if c[4].ExecutionCount != nil || len(c[4].Outputs) != 0 {
		t.Errorf("blank cell executed: %+v", c[4])
	}
	o = c[5].Outputs
	want := "quick=1 flags=-tags=openblas dir=" + filepath.Base(dir) + "\nRESULT answer 42\nRESULT tol 1.5e-3\n"
	if len(o) != 1 || o[0].Text != want {
		t.Errorf("last cell outputs %s, want the text %q", outputsJSON(o), want)
	}

	// Without Quick, an inherited STOCHGRAD_QUICK does not leak in.
	t.Setenv("STOCHGRAD_QUICK", "1")
	path = writeNotebook(t, dir, "full.ipynb", "%%\nfmt.Printf(\"quick=%q\\n\", os.Getenv(\"STOCHGRAD_QUICK\"))")
	res, err = (&Runner{Spec: spec}).Run(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Notebook.Cells[1].Outputs; len(got) != 1 || got[0].Text != "quick=\"\"\n" {
		t.Errorf("full mode: %s", outputsJSON(got))
	}
}

func TestRunCompileError(t *testing.T) {
	spec := gonbSpec(t)
	dir := t.TempDir()
	path := writeNotebook(t, dir, "compile.ipynb",
		"%%\nfmt.Println(\"fine\")",
		"\n%%\nx := undefinedThing + 1\nfmt.Println(x)",
		"%%\nfmt.Println(\"never runs\")",
	)
	res, err := (&Runner{Spec: spec, OutDir: filepath.Join(dir, "out")}).Run(context.Background(), path)
	ce := cellError(t, err)
	if ce.Index != 2 || ce.FirstLine != "x := undefinedThing + 1" || ce.Notebook != path {
		t.Errorf("CellError %+v, want cell 2 of %s", ce, path)
	}
	if !strings.Contains(err.Error(), "undefinedThing") {
		t.Errorf("error does not show the compiler's message: %v", err)
	}
	if !strings.Contains(err.Error(), "compile.ipynb: cell 2 (x := undefinedThing + 1)") {
		t.Errorf("error does not name the notebook and cell: %v", err)
	}
	// The failed notebook is written, with the error output, and the cell
	// after it not executed.
	nb, rerr := ReadNotebookFile(res.OutPath)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if o := nb.Cells[2].Outputs; len(o) == 0 || o[len(o)-1].Type != "error" {
		t.Errorf("failed cell outputs: %s", outputsJSON(o))
	}
	if nb.Cells[3].ExecutionCount != nil || len(nb.Cells[3].Outputs) != 0 {
		t.Errorf("cell after the failure: %+v", nb.Cells[3])
	}
	checkNoOrphans(t, res)
}

func TestRunPanic(t *testing.T) {
	spec := gonbSpec(t)
	path := writeNotebook(t, t.TempDir(), "panic.ipynb",
		"func explode() {\n\tpanic(\"boom in the cell\")\n}\n\n%%\nfmt.Println(\"before\")\nexplode()",
	)
	res, err := (&Runner{Spec: spec}).Run(context.Background(), path)
	ce := cellError(t, err)
	if ce.Index != 1 || ce.FirstLine != "func explode() {" {
		t.Errorf("CellError %+v", ce)
	}
	if ce.Reason != "cell program failed: exit status 2" || !strings.Contains(ce.Detail, "panic: boom in the cell") {
		t.Errorf("reason %q, detail %q", ce.Reason, ce.Detail)
	}
	// stdout and stderr arrive on separate pipes, so the panic's trace may
	// come before or after the line printed ahead of it.
	o := res.Notebook.Cells[1].Outputs
	var sawBefore, sawPanic bool
	for _, out := range o {
		sawBefore = sawBefore || out.Name == "stdout" && out.Text == "before\n"
		sawPanic = sawPanic || out.Name == "stderr" && strings.Contains(out.Text, "panic: boom in the cell")
	}
	if !sawBefore || !sawPanic {
		t.Errorf("outputs: %s", outputsJSON(o))
	}
	checkNoOrphans(t, res)
}

// TestRunTimeout runs a cell that ignores SIGINT and leaves a child
// process behind: the runner must stop at the timeout and leave no process
// of the kernel's group alive.
func TestRunTimeout(t *testing.T) {
	spec := gonbSpec(t)
	defer func(g time.Duration) { interruptGrace = g }(interruptGrace)
	interruptGrace = 2 * time.Second
	path := writeNotebook(t, t.TempDir(), "hang.ipynb",
		"import \"os/signal\"\n\n%%\nsignal.Ignore(os.Interrupt)\nexec.Command(\"sleep\", \"600\").Start()\nfmt.Println(\"hanging\")\nfor {\n\ttime.Sleep(time.Hour)\n}",
	)
	t0 := time.Now()
	res, err := (&Runner{Spec: spec, CellTimeout: 5 * time.Second}).Run(context.Background(), path)
	elapsed := time.Since(t0)
	ce := cellError(t, err)
	if ce.Index != 1 || !strings.HasPrefix(ce.Reason, "timed out after 5s") {
		t.Errorf("CellError %+v", ce)
	}
	if o := res.Notebook.Cells[1].Outputs; len(o) == 0 || o[0].Text != "hanging\n" {
		t.Errorf("outputs before the timeout lost: %s", outputsJSON(o))
	}
	// 5s timeout + 2s interrupt grace + 5s shutdown grace at most.
	if elapsed > 20*time.Second {
		t.Errorf("run took %v after a 5s timeout", elapsed)
	}
	checkNoOrphans(t, res)
}

// TestRunKernelDies runs a cell that kills its kernel.
func TestRunKernelDies(t *testing.T) {
	spec := gonbSpec(t)
	path := writeNotebook(t, t.TempDir(), "die.ipynb",
		"%%\nfmt.Println(\"about to kill the kernel\")\ntime.Sleep(200 * time.Millisecond)\nsyscall.Kill(os.Getppid(), syscall.SIGKILL)\ntime.Sleep(time.Hour)",
		"%%\nfmt.Println(\"never runs\")",
	)
	t0 := time.Now()
	res, err := (&Runner{Spec: spec, CellTimeout: time.Minute}).Run(context.Background(), path)
	ce := cellError(t, err)
	if ce.Index != 1 || !strings.Contains(ce.Reason, "kernel process exited (signal: killed) while running the cell") {
		t.Errorf("CellError %+v", ce)
	}
	if d := time.Since(t0); d > 30*time.Second {
		t.Errorf("death noticed after %v", d)
	}
	checkNoOrphans(t, res)
}

// TestRunInterrupted cancels the runner's context during a cell.
func TestRunInterrupted(t *testing.T) {
	spec := gonbSpec(t)
	path := writeNotebook(t, t.TempDir(), "long.ipynb", "%%\nfmt.Println(\"working\")\ntime.Sleep(time.Hour)")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(3*time.Second, cancel)
	t0 := time.Now()
	res, err := (&Runner{Spec: spec}).Run(ctx, path)
	if err == nil || !errors.Is(ctx.Err(), context.Canceled) || !strings.Contains(err.Error(), "runner interrupted") {
		t.Errorf("error %v, want the interruption", err)
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Errorf("interrupted run returned after %v", d)
	}
	checkNoOrphans(t, res)
}

// TestRunLargeOutput executes, 20 times, a cell printing several MB on
// stdout and displaying a 2 MB HTML block, and checks every byte arrives
// where it belongs.
func TestRunLargeOutput(t *testing.T) {
	spec := gonbSpec(t)
	const runs = 20
	const lines, width = 40000, 99 // 4 MB of stdout
	const htmlSize = 2 << 20
	cell := fmt.Sprintf("import \"github.com/janpfeifer/gonb/gonbui\"\n\n%%%%\n"+
		"w := bufio.NewWriterSize(os.Stdout, 1<<16)\n"+
		"pad := strings.Repeat(\"x\", %d)\n"+
		"for i := range %d {\n\tfmt.Fprintf(w, \"%%08d %%s\\n\", i, pad)\n}\n"+
		"w.Flush()\n"+
		"gonbui.DisplayHTML(\"<pre>\" + strings.Repeat(\"0123456789abcdef\", %d) + \"</pre>\")\n"+
		"gonbui.Sync()\n"+
		"fmt.Fprintln(os.Stderr, \"done\")",
		width-9, lines, htmlSize/16)
	cells := []string{WireCell}
	for range runs {
		cells = append(cells, cell)
	}
	path := writeNotebook(t, t.TempDir(), "large.ipynb", cells...)
	var wantOut strings.Builder
	for i := range lines {
		fmt.Fprintf(&wantOut, "%08d %s\n", i, strings.Repeat("x", width-9))
	}
	wantHTML := "<pre>" + strings.Repeat("0123456789abcdef", htmlSize/16) + "</pre>"

	res, err := (&Runner{Spec: spec, CellTimeout: 2 * time.Minute}).Run(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	for i := 2; i < len(res.Notebook.Cells); i++ {
		o := res.Notebook.Cells[i].Outputs
		if len(o) != 3 {
			t.Errorf("run %d: %d outputs, want stdout, display, stderr", i-1, len(o))
			continue
		}
		if o[0].Name != "stdout" || o[0].Text != wantOut.String() {
			t.Errorf("run %d: stdout has %d bytes, want %d", i-1, len(o[0].Text), wantOut.Len())
		}
		if o[1].Type != "display_data" || o[1].Data["text/html"] != wantHTML {
			html, _ := o[1].Data["text/html"].(string)
			t.Errorf("run %d: display has %d bytes of HTML, want %d", i-1, len(html), len(wantHTML))
		}
		if o[2].Name != "stderr" || o[2].Text != "done\n" {
			t.Errorf("run %d: stderr %q", i-1, o[2].Text)
		}
	}
	for _, c := range res.Cells[1:] {
		total += c.Duration
	}
	t.Logf("%d runs of %.1f MB stdout + %.1f MB display: %v per cell", runs, float64(lines*width)/(1<<20), float64(htmlSize)/(1<<20), total/runs)
}

func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	r := &Runner{Spec: NewSpec("/nonexistent", "/nonexistent")}
	_, err := r.Run(context.Background(), filepath.Join(dir, "missing.ipynb"))
	if err == nil || !strings.Contains(err.Error(), "missing.ipynb does not exist") {
		t.Errorf("missing notebook: %v", err)
	}
	bad := filepath.Join(dir, "bad.ipynb")
	os.WriteFile(bad, []byte(`{"cells": [{"cell_type": "code", "source": 1}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`), 0o644)
	_, err = r.Run(context.Background(), bad)
	if err == nil || !strings.Contains(err.Error(), "bad.ipynb: cell 0: source") {
		t.Errorf("malformed notebook: %v", err)
	}
	// A kernel that is not installed says what to run.
	good := writeNotebook(t, dir, "good.ipynb", "%%\nfmt.Println(1)")
	_, err = r.Run(context.Background(), good)
	if err == nil || !strings.Contains(err.Error(), "make setup") {
		t.Errorf("missing kernel binary: %v", err)
	}
	// A kernel that dies at start-up is reported with the end of its log.
	dying := &Spec{Argv: []string{"/bin/sh", "-c", "echo gonb: cannot bind the ports >&2; exit 3", "{connection_file}"}}
	_, err = (&Runner{Spec: dying}).Run(context.Background(), good)
	if err == nil || !strings.Contains(err.Error(), "good.ipynb: the kernel process exited (exit status 3) while starting") ||
		!strings.Contains(err.Error(), "gonb: cannot bind the ports") {
		t.Errorf("kernel dying at start-up: %v", err)
	}
	// A checkout without GoNB says what to run where.
	t.Setenv("JUPYTER_PATH", "")
	t.Setenv("JUPYTER_DATA_DIR", t.TempDir())
	t.Setenv("STOCHGRAD_ROOT", dir)
	_, err = (&Runner{}).Run(context.Background(), good)
	if err == nil || !strings.Contains(err.Error(), "run `make setup` in "+dir) {
		t.Errorf("checkout without GoNB: %v", err)
	}
}
