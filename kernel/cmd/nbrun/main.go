// Command nbrun executes Jupyter notebooks headlessly on the `stochgrad`
// kernel (GoNB) and writes the executed copies.
//
// Usage:
//
//	go run ./kernel/cmd/nbrun [-quick] [-out DIR] [-timeout D] [-html] NOTEBOOK...
//
// Each notebook runs in a kernel of its own. nbrun prints the time of each
// notebook and cell and the RESULT lines of the last cell, writes
// DIR/NAME.ipynb (also for a failed notebook) and, with -html,
// DIR/NAME.html through /usr/bin/jupyter nbconvert. It goes on with the
// next notebook after a failure and exits with status 1 if any notebook
// failed, naming the notebook and the cell.
//
// Before running anything it refuses (status 2) a notebook that does not
// read or is not a Go notebook, two notebooks whose executed copies would
// land on one path, and an output directory it cannot write. It runs the
// checkout it is started from (kernel.CheckoutSpec), stops its kernels on
// SIGINT, SIGTERM and the death of its parent, and removes what runs killed
// with SIGKILL left in the temporary directory.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/stochgrad/stochgrad/kernel"
)

// jupyter is Debian's jupyter; a python3 on PATH may be another interpreter
// without nbconvert.
const jupyter = "/usr/bin/jupyter"

func main() { os.Exit(run()) }

func run() int {
	quick := flag.Bool("quick", false, "quick mode: STOCHGRAD_QUICK=1 in the kernel's environment")
	out := flag.String("out", "out", "directory for the executed notebooks")
	timeout := flag.Duration("timeout", kernel.DefaultCellTimeout, "time limit of each cell")
	html := flag.Bool("html", false, "also export each executed notebook to HTML with "+jupyter+" nbconvert")
	verbose := flag.Bool("v", false, "print the kernel's own log after each notebook")
	cache := flag.String("cache", "", "directory for results the notebooks cache across cells (STOCHGRAD_CACHE); empty means a fresh directory for this run, removed at the end, so that no result of an earlier run is reused")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: nbrun [-quick] [-out DIR] [-timeout D] [-html] [-cache DIR] [-v] NOTEBOOK...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		return 2
	}
	// Interrupting nbrun stops the kernel and its process group first.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// So does the death of the process that started it (make, say).
	if err := dieWithParent(); err != nil {
		fmt.Fprintf(os.Stderr, "nbrun: %v\n", err)
		return 1
	}
	// A run killed with SIGKILL left its directories behind.
	if err := kernel.RemoveStaleTempDirs(); err != nil {
		fmt.Fprintf(os.Stderr, "nbrun: warning: %v\n", err)
	}

	r := &kernel.Runner{Quick: *quick, CellTimeout: *timeout, OutDir: *out, Log: os.Stdout}
	// Refuse before anything runs what would fail or lose work later.
	if err := r.Check(flag.Args()...); err != nil {
		fmt.Fprintf(os.Stderr, "nbrun: %v\n", err)
		return 2
	}
	if *cache == "" {
		dir, release, err := kernel.TempDir("cache")
		if err != nil {
			fmt.Fprintf(os.Stderr, "nbrun: %v\n", err)
			return 1
		}
		defer release()
		*cache = dir
	}
	r.Env = []string{"STOCHGRAD_CACHE=" + *cache}
	if *verbose {
		r.KernelLog = os.Stderr
	}
	var failed []string
	t0 := time.Now()
	for _, path := range flag.Args() {
		if ctx.Err() != nil {
			break
		}
		if err := runOne(ctx, r, path, *html); err != nil {
			fmt.Fprintf(os.Stderr, "nbrun: %v\n", err)
			failed = append(failed, path)
		}
	}
	fmt.Printf("nbrun: %d notebook(s) in %.1fs, %d failed\n", flag.NArg(), time.Since(t0).Seconds(), len(failed))
	if len(failed) > 0 || ctx.Err() != nil {
		return 1
	}
	return 0
}

func runOne(ctx context.Context, r *kernel.Runner, path string, html bool) error {
	fmt.Printf("%s\n", path)
	res, err := r.Run(ctx, path)
	if res != nil {
		fmt.Printf("  %s: kernel start %.2fs, total %.2fs", filepath.Base(path), res.Startup.Seconds(), res.Duration.Seconds())
		if res.OutPath != "" {
			fmt.Printf(", wrote %s", res.OutPath)
		}
		fmt.Println()
		if err == nil {
			lines, lerr := res.ResultLines()
			for _, l := range lines {
				fmt.Printf("  RESULT %s %g\n", l.Name, l.Value)
			}
			err = lerr
		}
		if html && res.OutPath != "" && ctx.Err() == nil {
			if herr := exportHTML(res.OutPath); herr != nil {
				err = errors.Join(err, herr)
			}
		}
	}
	return err
}

// exportHTML writes the HTML export of the notebook beside it.
func exportHTML(path string) error {
	cmd := exec.Command(jupyter, "nbconvert", "--to", "html", "--log-level", "WARN", path)
	var stderr limitedBuffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s is missing: run `make setup` (Debian jupyter-nbconvert)", jupyter)
		}
		return fmt.Errorf("nbconvert --to html %s: %v\n%s", path, err, stderr.String())
	}
	fmt.Printf("  wrote %s\n", path[:len(path)-len(filepath.Ext(path))]+".html")
	return nil
}

// limitedBuffer keeps the first 8 KiB written to it.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 8<<10 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }

// dieWithParent asks Linux to send nbrun SIGTERM when its parent exits, so
// that a runner whose parent was killed stops its kernels rather than
// running on with parent 1.
func dieWithParent() error {
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0); e != 0 {
		return fmt.Errorf("prctl(PR_SET_PDEATHSIG): %w", e)
	}
	// The parent may have died before the call.
	if os.Getppid() == 1 {
		return errors.New("the process that started nbrun has exited")
	}
	return nil
}
