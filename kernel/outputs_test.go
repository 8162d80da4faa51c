package kernel

import (
	"encoding/json"
	"testing"
)

func TestCollectorMergesStreams(t *testing.T) {
	var c collector
	c.addStream("stdout", "a")
	c.addStream("stdout", "b\n")
	c.addStream("stderr", "e1\n")
	c.addStream("stderr", "e2\n")
	c.addStream("stdout", "c\n")
	c.add(&Output{Type: "display_data", Data: map[string]any{"text/plain": "d"}})
	c.addStream("stdout", "after\n")
	want := []struct{ typ, name, text string }{
		{"stream", "stdout", "ab\n"},
		{"stream", "stderr", "e1\ne2\n"},
		{"stream", "stdout", "c\n"},
		{"display_data", "", ""},
		{"stream", "stdout", "after\n"},
	}
	got := c.outputs()
	if len(got) != len(want) {
		t.Fatalf("%d outputs, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Type != w.typ || got[i].Name != w.name || got[i].Text != w.text {
			t.Errorf("output %d = %+v, want %+v", i, got[i], w)
		}
	}
	// outputs is idempotent, and a stream can go on after it.
	c.addStream("stdout", "more\n")
	if got := c.outputs(); len(got) != 5 || got[4].Text != "after\nmore\n" {
		t.Errorf("after a second outputs(): %+v", got[len(got)-1])
	}
}

func TestCollectorClearOutput(t *testing.T) {
	var c collector
	c.addStream("stdout", "old\n")
	c.clear(false)
	if n := len(c.outputs()); n != 0 {
		t.Fatalf("clear_output(wait=false) left %d outputs", n)
	}
	c.addStream("stdout", "frame 1\n")
	c.clear(true)
	if n := len(c.outputs()); n != 1 {
		t.Fatalf("clear_output(wait=true) cleared before the next output: %d outputs", n)
	}
	c.addStream("stdout", "frame 2\n")
	got := c.outputs()
	if len(got) != 1 || got[0].Text != "frame 2\n" {
		t.Errorf("after wait clear and new output: %+v", got)
	}
	c.clear(true)
	c.add(&Output{Type: "display_data"})
	if got := c.outputs(); len(got) != 1 || got[0].Type != "display_data" {
		t.Errorf("wait clear before display_data: %+v", got)
	}
}

func TestFoldCarriageReturns(t *testing.T) {
	cases := map[string]string{
		"plain\n":                        "plain\n",
		"10%\r50%\r100%\ndone\n":         "100%\ndone\n",
		"a\r\nb\r\n":                     "a\nb\n",
		"progress 1\rprogress 2\r":       "progress 2\r",
		"x\ry\rz\nkeep\rthis\n":          "z\nthis\n",
		"RESULT a 1\nstep 1\rstep 2\n":   "RESULT a 1\nstep 2\n",
		"\r\rlead\n":                     "lead\n",
		"no newline at end\rfinal words": "final words",
	}
	for in, want := range cases {
		if got := foldCarriageReturns(in); got != want {
			t.Errorf("foldCarriageReturns(%q) = %q, want %q", in, got, want)
		}
	}
}

// iopub builds an iopub message of type typ with the given parent id.
func iopub(t *testing.T, parent, typ string, content any) *message {
	t.Helper()
	m, err := newMessage("s", typ, content)
	if err != nil {
		t.Fatal(err)
	}
	m.Parent = header{MsgID: parent}
	return m
}

// TestHandleIOPub drives the message handling of a run with synthetic
// messages: display updates across cells, execute results, errors, the
// exit status GoNB reports for a failed cell program, and messages for
// no known request.
func TestHandleIOPub(t *testing.T) {
	nb := &Notebook{Cells: []*Cell{{Type: "code", Source: "a"}, {Type: "code", Source: "b"}}}
	ex := &execution{nb: nb, name: "t.ipynb", cells: map[string]*cellRun{}, displays: map[string][]*Output{}}
	c0 := &cellRun{index: 0, cell: nb.Cells[0]}
	c1 := &cellRun{index: 1, cell: nb.Cells[1]}
	ex.cells["r0"], ex.cells["r1"] = c0, c1

	disp := func(id, html string) map[string]any {
		return map[string]any{"data": map[string]any{"text/html": html}, "metadata": map[string]any{}, "transient": map[string]any{"display_id": id}}
	}
	ex.handleIOPub(iopub(t, "r0", "display_data", disp("bar", "0%")))
	ex.handleIOPub(iopub(t, "r0", "stream", map[string]string{"name": "stdout", "text": "started\n"}))
	ex.handleIOPub(iopub(t, "r0", "status", map[string]string{"execution_state": "idle"}))
	ex.handleIOPub(iopub(t, "r1", "update_display_data", disp("bar", "100%")))
	ex.handleIOPub(iopub(t, "r1", "update_display_data", disp("unknown", "ignored")))
	ex.handleIOPub(iopub(t, "r1", "execute_result", map[string]any{"execution_count": 2, "data": map[string]any{"text/plain": "42"}, "metadata": map[string]any{}}))
	ex.handleIOPub(iopub(t, "r1", "stream", map[string]string{"name": "stderr", "text": "panic: boom\n"}))
	ex.handleIOPub(iopub(t, "r1", "stream", map[string]string{"name": "stderr", "text": "exit status 2\n"}))
	ex.handleIOPub(iopub(t, "elsewhere", "stream", map[string]string{"name": "stdout", "text": "not ours\n"}))

	if !c0.idle || c1.idle {
		t.Errorf("idle: cell 0 %v, cell 1 %v", c0.idle, c1.idle)
	}
	o0 := c0.out.outputs()
	if len(o0) != 2 || o0[0].Data["text/html"] != "100%" || o0[1].Text != "started\n" {
		t.Errorf("cell 0 outputs after the update from cell 1: %s", outputsJSON(o0))
	}
	o1 := c1.out.outputs()
	if len(o1) != 2 || o1[0].Type != "execute_result" || o1[0].ExecutionCount == nil || *o1[0].ExecutionCount != 2 {
		t.Errorf("cell 1 outputs: %s", outputsJSON(o1))
	}
	if c1.exitStatus != "exit status 2" || c0.exitStatus != "" {
		t.Errorf("exit status: cell 0 %q, cell 1 %q", c0.exitStatus, c1.exitStatus)
	}
	c1.reply = &executeReply{Status: "ok"}
	err := ex.check(c1)
	ce, ok := err.(*CellError)
	if !ok || ce.Index != 1 || ce.FirstLine != "b" || ce.Reason != "cell program failed: exit status 2" || ce.Detail != "panic: boom\nexit status 2" {
		t.Errorf("check(cell 1) = %#v", err)
	}

	// An error message fails the cell even with an "ok" reply.
	c0.reply = &executeReply{Status: "ok"}
	if err := ex.check(c0); err != nil {
		t.Errorf("check(cell 0) = %v", err)
	}
	ex.handleIOPub(iopub(t, "r0", "error", map[string]any{"ename": "ERROR", "evalue": "undefined: x", "traceback": []string{"\x1b[31mline 1\x1b[0m"}}))
	err = ex.check(c0)
	if ce, ok := err.(*CellError); !ok || ce.Reason != "error output: ERROR: undefined: x" || ce.Detail != "line 1" {
		t.Errorf("check(cell 0) after error = %#v", err)
	}
}

func outputsJSON(o []*Output) string {
	data, _ := json.Marshal(o)
	return string(data)
}

func TestExitStatusPattern(t *testing.T) {
	match := []string{"exit status 1\n", "exit status 2\n", "^C\nsignal: interrupt\n", "signal: killed\n", "exit status -1\n"}
	for _, s := range match {
		if !exitStatusPattern.MatchString(s) {
			t.Errorf("%q not recognised as a failed cell program", s)
		}
	}
	for _, s := range []string{"exit status 1", "the exit status 1\n", "exit status 1\nmore\n", "exit status x\n"} {
		if exitStatusPattern.MatchString(s) {
			t.Errorf("%q taken for a failed cell program", s)
		}
	}
}
