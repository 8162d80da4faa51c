package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stochgrad/stochgrad/kernel"
)

// descendants returns the live processes below pid.
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 2 || f[0] == "Z" {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	stack := []int{pid}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range children[p] {
			out = append(out, c)
			stack = append(stack, c)
		}
	}
	return out
}

func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z"
}

// TestMakeNotebooksStopsOnSIGTERM reproduces issue 8, item 9: `make
// notebooks` ran nbrun through `go run`, which does not pass SIGTERM on, so
// nbrun, GoNB and the running cell outlived a terminated make.
func TestMakeNotebooksStopsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("runs make notebooks with a GoNB kernel; skipped with -short")
	}
	root, err := kernel.Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kernel.CheckoutSpec(root); err != nil {
		if os.Getenv("STOCHGRAD_REQUIRE_SETUP") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	os.Mkdir(tmp, 0o755)
	nb := &kernel.Notebook{NBFormat: 4, NBFormatMinor: 5, Cells: []*kernel.Cell{
		{Type: "code", Source: "%%\nfmt.Println(\"ready\")"},
		{Type: "code", Source: "%%\ntime.Sleep(10 * time.Minute)"},
	}}
	path := filepath.Join(dir, "sleep.ipynb")
	if err := kernel.WriteNotebookFile(path, nb); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(makeBin, "-C", root, "-o", "setup", "notebooks", "NOTEBOOKS="+path, "OUT="+filepath.Join(dir, "out"), "TIMEOUT=10m")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var procs []int
	t.Cleanup(func() {
		for _, p := range append(procs, cmd.Process.Pid) {
			syscall.Kill(p, syscall.SIGKILL)
		}
	})
	// Wait for the first cell to finish: the second is then starting.
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			t.Log(sc.Text())
			if strings.Contains(sc.Text(), "fmt.Println(\"ready\")") {
				ready <- true
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("make notebooks ended before the first cell finished")
		}
	case <-time.After(4 * time.Minute):
		t.Fatal("the first cell did not finish within 4 minutes")
	}
	time.Sleep(5 * time.Second) // the sleeping cell compiles and starts
	procs = descendants(cmd.Process.Pid)
	if len(procs) < 2 {
		t.Fatalf("processes under make: %v, want nbrun, GoNB and the cell", procs)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("make did not exit within 30s of SIGTERM")
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var left []int
		for _, p := range procs {
			if alive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes %v of the run outlived a terminated make by 20s", left)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "stochgrad-*")); len(left) != 0 {
		t.Errorf("temporary directories left: %v", left)
	}
}
