package tests

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// devtools is a client of the Chrome DevTools Protocol on the pipe that
// --remote-debugging-pipe opens: JSON messages, each ended by a NUL byte,
// commands on the browser's file descriptor 3 and replies and events on
// its descriptor 4. Calls are sequential; events read while waiting for a
// reply are kept for wait.
type devtools struct {
	w      io.Writer
	r      *bufio.Reader
	id     int
	events []devtoolsMessage
}

// devtoolsMessage is a reply (ID set) or an event (Method set).
type devtoolsMessage struct {
	ID        int             `json:"id"`
	Method    string          `json:"method"`
	SessionID string          `json:"sessionId"`
	Result    json.RawMessage `json:"result"`
	Error     *struct {
		Message string `json:"message"`
	} `json:"error"`
}

func (d *devtools) read() (devtoolsMessage, error) {
	b, err := d.r.ReadBytes(0)
	if err != nil {
		return devtoolsMessage{}, err
	}
	var m devtoolsMessage
	if err := json.Unmarshal(b[:len(b)-1], &m); err != nil {
		return m, fmt.Errorf("devtools message %.100q: %v", b, err)
	}
	return m, nil
}

// call sends method with params to the target of session ("" for the
// browser) and decodes the reply's result into result, if not nil.
func (d *devtools) call(session, method string, params, result any) error {
	d.id++
	msg := map[string]any{"id": d.id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := d.w.Write(append(b, 0)); err != nil {
		return fmt.Errorf("%s: %v", method, err)
	}
	for {
		m, err := d.read()
		if err != nil {
			return fmt.Errorf("%s: %v", method, err)
		}
		switch {
		case m.ID == 0:
			d.events = append(d.events, m)
		case m.ID != d.id:
			// A reply to an earlier call that gave up: not ours.
		case m.Error != nil:
			return fmt.Errorf("%s: %s", method, m.Error.Message)
		case result != nil:
			return json.Unmarshal(m.Result, result)
		default:
			return nil
		}
	}
}

// wait returns once the event method has arrived for session.
func (d *devtools) wait(session, method string) error {
	for i, m := range d.events {
		if m.Method == method && m.SessionID == session {
			d.events = d.events[i+1:]
			return nil
		}
	}
	d.events = d.events[:0]
	for {
		m, err := d.read()
		if err != nil {
			return fmt.Errorf("waiting for %s: %v", method, err)
		}
		if m.Method == method && m.SessionID == session {
			return nil
		}
	}
}

// chartsSettled is a promise for the page's DOM as HTML, once every chart
// viz put on it holds a canvas or the message of a chart that gave up
// waiting for ECharts, or after %d milliseconds of real time.
const chartsSettled = `new Promise(function (resolve) {
  var t0 = Date.now();
  (function poll() {
    var pending = 0;
    document.querySelectorAll(".stochgrad-viz").forEach(function (el) {
      if (!el.querySelector("canvas") && el.textContent === "") { pending++; }
    });
    if (pending === 0 || Date.now() - t0 > %d) {
      resolve(document.documentElement.outerHTML);
      return;
    }
    setTimeout(poll, 50);
  })();
})`

// loadedDOM opens the page at url in headless Chromium, waits for its load
// event and then for its charts to settle (see chartsSettled), at most
// settle, and returns the DOM as HTML. Time here is real time: Chromium's
// --virtual-time-budget, used before, stalled for minutes on notebook
// pages running MathJax, with the CPU idle.
func loadedDOM(ctx context.Context, url string, settle time.Duration, userDataDir string) (dom string, stderr string, err error) {
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		return "", "", err
	}
	resR, resW, err := os.Pipe()
	if err != nil {
		cmdR.Close()
		cmdW.Close()
		return "", "", err
	}
	defer cmdW.Close()
	defer resR.Close()
	cmd := exec.CommandContext(ctx, ChromiumPath,
		"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--no-first-run",
		"--user-data-dir="+userDataDir,
		"--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{cmdR, resW} // descriptors 3 and 4
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	// Chromium's renderers and helpers are its children: a timeout kills
	// the whole process group, not only the browser process.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Start()
	cmdR.Close()
	resW.Close()
	if err != nil {
		return "", "", err
	}
	// A read blocked on the pipe returns once the pipe is closed.
	stop := context.AfterFunc(ctx, func() { resR.Close() })
	defer stop()

	d := &devtools{w: cmdW, r: bufio.NewReader(resR)}
	dom, err = d.load(url, settle)
	if err == nil {
		// Browser.close ends the process; its reply may never come.
		d.id++
		msg, _ := json.Marshal(map[string]any{"id": d.id, "method": "Browser.close", "params": struct{}{}})
		cmdW.Write(append(msg, 0))
	} else {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	werr := cmd.Wait()
	if ctx.Err() != nil {
		err = errors.Join(err, ctx.Err())
	} else if err == nil && werr != nil {
		err = fmt.Errorf("chromium exited: %v", werr)
	}
	return dom, errBuf.String(), err
}

// load runs the steps of loadedDOM on an open DevTools connection.
func (d *devtools) load(url string, settle time.Duration) (string, error) {
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := d.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return "", err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := d.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return "", err
	}
	s := attached.SessionID
	if err := d.call(s, "Page.enable", struct{}{}, nil); err != nil {
		return "", err
	}
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := d.call(s, "Page.navigate", map[string]any{"url": url}, &nav); err != nil {
		return "", err
	}
	if nav.ErrorText != "" {
		return "", fmt.Errorf("navigating to %s: %s", url, nav.ErrorText)
	}
	if err := d.wait(s, "Page.loadEventFired"); err != nil {
		return "", err
	}
	var eval struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	expr := fmt.Sprintf(chartsSettled, settle.Milliseconds())
	if err := d.call(s, "Runtime.evaluate", map[string]any{"expression": expr, "awaitPromise": true, "returnByValue": true}, &eval); err != nil {
		return "", err
	}
	if eval.ExceptionDetails != nil {
		return "", fmt.Errorf("reading the DOM: %s", eval.ExceptionDetails.Text)
	}
	dom, ok := eval.Result.Value.(string)
	if !ok {
		return "", fmt.Errorf("reading the DOM: got %T, want a string", eval.Result.Value)
	}
	return dom, nil
}

// TestLoadedDOMFailsLoudly checks the paths where Chromium cannot give a
// DOM: a missing file, and a page whose script never returns, which must
// end at the deadline with the browser and its renderers killed.
func TestLoadedDOMFailsLoudly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	RequireChromium(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, _, err := loadedDOM(ctx, "file://"+filepath.Join(dir, "missing.html"), time.Second, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "ERR_FILE_NOT_FOUND") {
		t.Errorf("missing page: got error %v, want one naming ERR_FILE_NOT_FOUND", err)
	}

	hang := filepath.Join(dir, "hang.html")
	if err := os.WriteFile(hang, []byte("<html><body><script>for (;;) {}</script></body></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	t0 := time.Now()
	_, _, err = loadedDOM(ctx, "file://"+hang, time.Second, t.TempDir())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("page that never loads: got error %v, want the deadline's", err)
	}
	// The deadline is 5 s, and cmd.WaitDelay allows 5 s more.
	if d := time.Since(t0); d > 15*time.Second {
		t.Errorf("page that never loads: loadedDOM returned after %v, want about 5 s", d)
	}
}
