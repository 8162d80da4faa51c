package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Defaults of the Runner fields.
const (
	DefaultCellTimeout  = 10 * time.Minute
	DefaultStartTimeout = time.Minute
	DefaultDrain        = 200 * time.Millisecond
)

// interruptGrace is how long a timed-out cell gets to stop after the
// interrupt before the kernel is shut down. GoNB kills a cell program 5s
// after interrupting it.
var interruptGrace = 8 * time.Second

// shutdownGrace is how long the kernel gets to exit after a
// shutdown_request before its process group is killed.
const shutdownGrace = 5 * time.Second

// Runner executes notebooks headlessly on a Jupyter kernel, one kernel
// process per notebook, and writes the executed copies.
type Runner struct {
	// Spec is the kernel to run. Nil means CheckoutSpec(Root()): GoNB
	// running the checkout the runner is started from.
	Spec *Spec

	// Quick sets STOCHGRAD_QUICK=1 in the kernel's environment; otherwise
	// STOCHGRAD_QUICK is removed from it.
	Quick bool

	// Env holds extra "KEY=VALUE" entries for the kernel's environment.
	Env []string

	// CellTimeout bounds the execution of each cell; zero means
	// DefaultCellTimeout.
	CellTimeout time.Duration

	// StartTimeout bounds the kernel's start-up; zero means
	// DefaultStartTimeout.
	StartTimeout time.Duration

	// Drain is how long iopub must stay quiet, after a cell's reply and
	// idle status, before the cell counts as done: GoNB v0.10.6 can send a
	// large display output after idle. Zero means DefaultDrain.
	Drain time.Duration

	// OutDir, when set, receives the executed copy of each notebook under
	// its base name, also when a cell fails; never a copy of a notebook
	// whose kernel did not start. Run checks that it is writable before
	// it starts the kernel.
	OutDir string

	// Log, when set, receives one line per executed cell as it finishes.
	Log io.Writer

	// KernelLog, when set, receives the kernel process's own output
	// (GoNB's log) once the kernel has stopped.
	KernelLog io.Writer
}

// Result is the outcome of executing one notebook.
type Result struct {
	Path      string    // the notebook executed
	OutPath   string    // where the executed copy was written, if anywhere
	Notebook  *Notebook // the executed notebook, with outputs
	Cells     []CellResult
	Startup   time.Duration // from starting the kernel to its first reply
	Duration  time.Duration // in all, start-up and shutdown included
	KernelPID int           // process id and process group of the kernel

	started bool // the kernel started and the cells were sent to it
}

// CellResult is the outcome of one executed code cell.
type CellResult struct {
	Index          int    // position in Notebook.Cells
	FirstLine      string // first non-blank line of its source, "%%" skipped
	ExecutionCount int
	Duration       time.Duration // from the request to the idle status
}

// CellError reports a cell that failed: an error output, a cell program
// that exited non-zero (a panic, say), a timeout or a dead kernel.
type CellError struct {
	Notebook  string // path of the notebook
	Index     int    // position of the cell in the notebook's cells, from 0
	FirstLine string // first non-blank line of its source, "%%" skipped
	Reason    string
	Detail    string // traceback or the end of stderr, if any
}

func (e *CellError) Error() string {
	msg := fmt.Sprintf("kernel: notebook %s: cell %d (%s): %s", e.Notebook, e.Index, e.FirstLine, e.Reason)
	if e.Detail != "" {
		msg += "\n" + indent(e.Detail)
	}
	return msg
}

// exitStatusPattern matches the line GoNB writes to stderr when a cell
// program fails: GoNB reports a panic or os.Exit(1) only this way, with an
// "ok" execute_reply.
var exitStatusPattern = regexp.MustCompile(`^(?:\^C\n)?((?:exit status -?\d+)|(?:signal: [^\n]+))\n$`)

// firstLine returns the first non-blank line of src other than GoNB's
// "%%" (which starts main), trimmed and shortened.
func firstLine(src string) string {
	for _, l := range strings.Split(src, "\n") {
		if l = strings.TrimSpace(l); l != "" && l != "%%" {
			if len(l) > 80 {
				l = l[:77] + "..."
			}
			return l
		}
	}
	return ""
}

// Run executes the notebook at path. The returned Result is non-nil
// whenever the notebook could be read, so a failed run still has its
// partial outputs (and, once its kernel started, is written to OutDir).
func (r *Runner) Run(ctx context.Context, path string) (*Result, error) {
	nb, err := ReadNotebookFile(path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("kernel: %w", err)
	}
	if r.OutDir != "" {
		if err := checkWritable(r.OutDir); err != nil {
			return nil, err
		}
	}
	res, err := r.RunNotebook(ctx, nb, path, filepath.Dir(abs))
	if r.OutDir != "" && res.started {
		out := filepath.Join(r.OutDir, filepath.Base(path))
		if werr := WriteNotebookFile(out, nb); werr != nil {
			return res, errors.Join(err, werr)
		}
		res.OutPath = out
	}
	return res, err
}

// Check reports, before anything runs, what would make running the
// notebooks at paths fail or lose work: a notebook that does not read or
// is not a Go notebook, two notebooks whose executed copies would land on
// one path of OutDir, and an OutDir that cannot be written.
func (r *Runner) Check(paths ...string) error {
	var errs []error
	outs := make(map[string]string)
	for _, p := range paths {
		nb, err := ReadNotebookFile(p)
		if err == nil {
			err = checkGoNotebook(nb, p)
		}
		if err != nil {
			errs = append(errs, err)
		}
		if r.OutDir == "" {
			continue
		}
		out := filepath.Join(r.OutDir, filepath.Base(p))
		if first, ok := outs[out]; ok {
			errs = append(errs, fmt.Errorf("kernel: notebooks %s and %s would both be written to %s: run them with different -out directories", first, p, out))
		}
		outs[out] = p
	}
	if r.OutDir != "" {
		if err := checkWritable(r.OutDir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkWritable makes dir if needed and checks that a file can be created
// in it.
func checkWritable(dir string) error {
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		var f *os.File
		if f, err = os.CreateTemp(dir, ".nbrun-check-*"); err == nil {
			f.Close()
			err = os.Remove(f.Name())
		}
	}
	if err != nil {
		return fmt.Errorf("kernel: output directory %s is not writable: %w", dir, err)
	}
	return nil
}

// checkGoNotebook returns an error if the notebook's metadata names a kernel
// of another language than Go.
func checkGoNotebook(nb *Notebook, name string) error {
	var md struct {
		KernelSpec struct {
			Name     string `json:"name"`
			Language string `json:"language"`
		} `json:"kernelspec"`
		LanguageInfo struct {
			Name string `json:"name"`
		} `json:"language_info"`
	}
	if len(nb.Metadata) == 0 || json.Unmarshal(nb.Metadata, &md) != nil {
		return nil // no metadata to go by: GoNB will say
	}
	lang := md.KernelSpec.Language
	if lang == "" {
		lang = md.LanguageInfo.Name
	}
	if lang != "" && !strings.EqualFold(lang, "go") {
		return fmt.Errorf("kernel: notebook %s is not a Go notebook: its metadata names kernel %q, language %q; this runner runs Go notebooks on GoNB", name, md.KernelSpec.Name, lang)
	}
	return nil
}

// checkRootSet returns an error if a cell of nb uses $STOCHGRAD_ROOT
// (the wiring cell does) and the kernel's environment env does not set it.
func checkRootSet(nb *Notebook, name string, env []string, spec *Spec) error {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "STOCHGRAD_ROOT="); ok && v != "" {
			return nil
		}
	}
	for i, c := range nb.Cells {
		if c.Type == "code" && strings.Contains(c.Source, "STOCHGRAD_ROOT") {
			return fmt.Errorf("kernel: notebook %s: cell %d uses $STOCHGRAD_ROOT, which neither the kernel spec (%s) nor the environment sets: set STOCHGRAD_ROOT to the repository, or run with the stochgrad kernel spec of `make setup`", name, i, spec.Argv[0])
		}
	}
	return nil
}

// RunNotebook executes the code cells of nb in order, in a new kernel
// started in directory dir, and fills in their outputs and execution
// counts. It stops at the first failing cell and returns a *CellError.
// name names the notebook in errors.
func (r *Runner) RunNotebook(ctx context.Context, nb *Notebook, name, dir string) (*Result, error) {
	start := time.Now()
	res := &Result{Path: name, Notebook: nb}
	defer func() { res.Duration = time.Since(start) }()

	if err := checkGoNotebook(nb, name); err != nil {
		return res, err
	}
	spec := r.Spec
	if spec == nil {
		root, err := Root()
		if err != nil {
			return res, err
		}
		if spec, err = CheckoutSpec(root); err != nil {
			return res, err
		}
	}
	env := append([]string(nil), r.Env...)
	var unset []string
	if r.Quick {
		env = append(env, "STOCHGRAD_QUICK=1")
	} else {
		// The mode is the runner's, not an inherited variable's.
		unset = append(unset, "STOCHGRAD_QUICK")
	}
	if err := checkRootSet(nb, name, kernelEnv(os.Environ(), spec.Env, env, unset), spec); err != nil {
		return res, err
	}
	s, err := startSession(ctx, spec, dir, env, unset, orDefault(r.StartTimeout, DefaultStartTimeout))
	if s != nil {
		res.KernelPID = s.pgid
	}
	if err != nil {
		return res, fmt.Errorf("kernel: notebook %s: %w", name, err)
	}
	res.Startup = time.Since(start)
	res.started = true
	ex := &execution{r: r, s: s, nb: nb, name: name, cells: make(map[string]*cellRun), displays: make(map[string][]*Output)}
	defer func() {
		grace := shutdownGrace
		if ctx.Err() != nil {
			grace = time.Second
		}
		s.close(grace)
		if r.KernelLog != nil {
			if f, err := os.Open(s.logPath); err == nil {
				_, _ = io.Copy(r.KernelLog, f)
				f.Close()
			}
		}
	}()
	return res, ex.run(ctx, res)
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// execution is the state of one notebook's run.
type execution struct {
	r        *Runner
	s        *session
	nb       *Notebook
	name     string
	cells    map[string]*cellRun  // by execute_request msg_id
	displays map[string][]*Output // by display_id
}

// cellRun is the state of one cell's execution.
type cellRun struct {
	index      int
	cell       *Cell
	out        collector
	reply      *executeReply
	idle       bool
	exitStatus string        // GoNB's report of a failed cell program
	elapsed    time.Duration // from the request to the reply and idle status
}

// executeReply is the content of an execute_reply.
type executeReply struct {
	Status         string   `json:"status"`
	ExecutionCount *int     `json:"execution_count"`
	EName          string   `json:"ename"`
	EValue         string   `json:"evalue"`
	Traceback      []string `json:"traceback"`
}

func (ex *execution) run(ctx context.Context, res *Result) error {
	// Sync outputs into the notebook whatever happens, so a failed run is
	// written with what it printed.
	defer func() {
		for _, cr := range ex.cells {
			cr.cell.Outputs = cr.out.outputs()
			if cr.reply != nil && cr.reply.ExecutionCount != nil {
				cr.cell.ExecutionCount = cr.reply.ExecutionCount
			}
		}
	}()
	for _, c := range ex.nb.Cells {
		c.Outputs, c.ExecutionCount = nil, nil
	}
	for i, c := range ex.nb.Cells {
		// Like nbclient, leave blank cells unexecuted.
		if c.Type != "code" || strings.TrimSpace(c.Source) == "" {
			continue
		}
		cr, err := ex.execute(ctx, i, c)
		var d time.Duration
		if cr != nil {
			d = cr.elapsed
			count := 0
			if cr.reply != nil && cr.reply.ExecutionCount != nil {
				count = *cr.reply.ExecutionCount
			}
			res.Cells = append(res.Cells, CellResult{Index: i, FirstLine: firstLine(c.Source), ExecutionCount: count, Duration: d})
		}
		if ex.r.Log != nil {
			status := "ok"
			if err != nil {
				status = "FAILED"
			}
			fmt.Fprintf(ex.r.Log, "  cell %3d %8.2fs %-6s %s\n", i, d.Seconds(), status, firstLine(c.Source))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// cellError returns a CellError for cell i.
func (ex *execution) cellError(i int, reason, detail string) *CellError {
	return &CellError{
		Notebook:  ex.name,
		Index:     i,
		FirstLine: firstLine(ex.nb.Cells[i].Source),
		Reason:    reason,
		Detail:    strings.TrimRight(stripANSI(detail), "\n"),
	}
}

// execute runs cell i and waits for its reply, its idle status and a quiet
// iopub.
func (ex *execution) execute(ctx context.Context, i int, c *Cell) (*cellRun, error) {
	id, err := ex.s.request(ex.s.shell, "execute_request", map[string]any{
		"code":             c.Source,
		"silent":           false,
		"store_history":    true,
		"user_expressions": map[string]any{},
		"allow_stdin":      false,
		"stop_on_error":    true,
	})
	if err != nil {
		return nil, ex.cellError(i, err.Error(), "")
	}
	cr := &cellRun{index: i, cell: c}
	ex.cells[id] = cr
	t0 := time.Now()
	defer func() {
		if cr.elapsed == 0 {
			cr.elapsed = time.Since(t0)
		}
	}()
	timeout := orDefault(ex.r.CellTimeout, DefaultCellTimeout)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for cr.reply == nil || !cr.idle {
		if err := ex.step(ctx, timer.C); err != nil {
			if errors.Is(err, errTimer) {
				return cr, ex.timeout(ctx, cr, timeout)
			}
			return cr, ex.cellError(i, strings.TrimPrefix(err.Error(), "kernel: "), cr.stderrTail())
		}
	}
	cr.elapsed = time.Since(t0)
	if err := ex.drain(ctx); err != nil {
		return cr, ex.cellError(i, strings.TrimPrefix(err.Error(), "kernel: "), cr.stderrTail())
	}
	return cr, ex.check(cr)
}

// errTimer is returned by step when the given timer fires.
var errTimer = errors.New("timer")

// step handles one event: a message from the kernel, the kernel's death,
// a protocol error, the timer or the context's end.
func (ex *execution) step(ctx context.Context, timer <-chan time.Time) error {
	s := ex.s
	select {
	case m := <-s.iopubC:
		ex.handleIOPub(m)
	case m := <-s.shellC:
		ex.handleShell(m)
	case <-s.controlC:
		// interrupt_reply and shutdown_reply need no action.
	case err := <-s.protoErr:
		return err
	case <-s.exited:
		// Take what the kernel sent before it died.
		ex.drainFor(ctx, 100*time.Millisecond)
		return s.deathError("while running the cell")
	case <-timer:
		return errTimer
	case <-ctx.Done():
		return fmt.Errorf("runner interrupted: %w", ctx.Err())
	}
	return nil
}

// drain handles iopub messages until none has arrived for the Drain
// period, or at most a few seconds.
func (ex *execution) drain(ctx context.Context) error {
	quiet := orDefault(ex.r.Drain, DefaultDrain)
	limit := time.NewTimer(max(10*quiet, 2*time.Second))
	defer limit.Stop()
	for {
		t := time.NewTimer(quiet)
		err := ex.step(ctx, t.C)
		t.Stop()
		if errors.Is(err, errTimer) {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case <-limit.C:
			return nil
		default:
		}
	}
}

// drainFor handles iopub messages already sent, for at most d, after the
// kernel died.
func (ex *execution) drainFor(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case m := <-ex.s.iopubC:
			ex.handleIOPub(m)
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// timeout interrupts the cell that ran out of time and waits briefly for
// it to stop, so the outputs it printed are kept; the caller then shuts the
// kernel down.
func (ex *execution) timeout(ctx context.Context, cr *cellRun, after time.Duration) error {
	reason := fmt.Sprintf("timed out after %v", after)
	if err := ex.s.interrupt(); err == nil {
		grace := time.NewTimer(interruptGrace)
		defer grace.Stop()
		for cr.reply == nil || !cr.idle {
			if err := ex.step(ctx, grace.C); err != nil {
				break
			}
		}
	}
	return ex.cellError(cr.index, reason, cr.stderrTail())
}

// check returns an error if the cell failed.
func (ex *execution) check(cr *cellRun) error {
	for _, o := range cr.out.outputs() {
		if o.Type == "error" {
			reason := o.EName
			if o.EValue != "" {
				reason += ": " + o.EValue
			}
			return ex.cellError(cr.index, "error output: "+reason, strings.Join(o.Traceback, "\n"))
		}
	}
	if cr.exitStatus != "" {
		return ex.cellError(cr.index, "cell program failed: "+cr.exitStatus, cr.stderrTail())
	}
	if cr.reply.Status != "ok" {
		return ex.cellError(cr.index, fmt.Sprintf("execute_reply status %q: %s: %s", cr.reply.Status, cr.reply.EName, cr.reply.EValue),
			strings.Join(cr.reply.Traceback, "\n"))
	}
	return nil
}

// stderrTail returns the last lines the cell wrote to stderr.
func (cr *cellRun) stderrTail() string {
	var b strings.Builder
	for _, o := range cr.out.outputs() {
		if o.Type == "stream" && o.Name == "stderr" {
			b.WriteString(o.Text)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return lastLines(b.String(), 20)
}

func (ex *execution) handleShell(m *message) {
	cr := ex.cells[m.Parent.MsgID]
	if cr == nil || m.Header.MsgType != "execute_reply" {
		return
	}
	var rep executeReply
	if err := json.Unmarshal(m.Content, &rep); err != nil {
		rep = executeReply{Status: "error", EName: "runner", EValue: "malformed execute_reply: " + err.Error()}
	}
	cr.reply = &rep
}

func (ex *execution) handleIOPub(m *message) {
	cr := ex.cells[m.Parent.MsgID]
	if cr == nil {
		return // kernel_info, or not ours
	}
	switch m.Header.MsgType {
	case "status":
		var st struct {
			State string `json:"execution_state"`
		}
		if json.Unmarshal(m.Content, &st) == nil && st.State == "idle" {
			cr.idle = true
		}
	case "stream":
		var st struct {
			Name string `json:"name"`
			Text string `json:"text"`
		}
		if json.Unmarshal(m.Content, &st) != nil {
			return
		}
		if st.Name == "stderr" {
			if sm := exitStatusPattern.FindStringSubmatch(st.Text); sm != nil {
				cr.exitStatus = sm[1]
			}
		}
		cr.out.addStream(st.Name, st.Text)
	case "display_data", "execute_result":
		var dc displayContent
		if json.Unmarshal(m.Content, &dc) != nil {
			return
		}
		o := &Output{Type: m.Header.MsgType, Data: bundle(dc.Data), Metadata: dc.Metadata, displayID: dc.Transient.DisplayID}
		if o.Type == "execute_result" {
			o.ExecutionCount = dc.ExecutionCount
		}
		cr.out.add(o)
		if o.displayID != "" {
			ex.displays[o.displayID] = append(ex.displays[o.displayID], o)
		}
	case "update_display_data":
		var dc displayContent
		if json.Unmarshal(m.Content, &dc) != nil {
			return
		}
		// Like Jupyter, update every output shown under this id, in any
		// cell; an unknown id is ignored.
		for _, o := range ex.displays[dc.Transient.DisplayID] {
			o.Data, o.Metadata = bundle(dc.Data), dc.Metadata
		}
	case "error":
		var ec struct {
			EName     string   `json:"ename"`
			EValue    string   `json:"evalue"`
			Traceback []string `json:"traceback"`
		}
		if json.Unmarshal(m.Content, &ec) != nil {
			return
		}
		cr.out.add(&Output{Type: "error", EName: ec.EName, EValue: ec.EValue, Traceback: ec.Traceback})
	case "clear_output":
		var cc struct {
			Wait bool `json:"wait"`
		}
		_ = json.Unmarshal(m.Content, &cc)
		cr.out.clear(cc.Wait)
	}
}
