package viz

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func TestProgress(t *testing.T) {
	cases := []struct {
		p    Progress
		rate float64
		left time.Duration
		ok   bool
		text string
	}{
		// 20 steps in 4 s: 5 steps/s; 80 steps to go: 16 s.
		{Progress{Step: 30, Steps: 110, First: 10, Elapsed: 4 * time.Second, Loss: 0.5},
			5, 16 * time.Second, true, "step 30/110 (27.3%), 5 steps/s, 16s left, loss 0.5"},
		// 2 steps in 4 s: 0.5 steps/s, shown as 2 s/step; 98 to go: 196 s.
		{Progress{Step: 12, Steps: 110, First: 10, Elapsed: 4 * time.Second, Loss: 1.23456},
			0.5, 196 * time.Second, true, "step 12/110 (10.9%), 2 s/step, 3m16s left, loss 1.235"},
		// Unknown total: a rate but no time left.
		{Progress{Step: 300, First: 0, Elapsed: 3 * time.Second, Loss: math.NaN()},
			100, 0, false, "step 300, 100 steps/s, loss NaN"},
		// First step: no rate yet.
		{Progress{Step: 1, Steps: 10, First: 1, Loss: 2},
			0, 0, false, "step 1/10 (10.0%), loss 2"},
		// Past the end: nothing left.
		{Progress{Step: 12, Steps: 10, First: 2, Elapsed: time.Second, Loss: 2},
			10, 0, true, "step 12/10 (120.0%), 10 steps/s, 0s left, loss 2"},
	}
	for _, c := range cases {
		if r := c.p.Rate(); math.Abs(r-c.rate) > 1e-12*c.rate {
			t.Errorf("%+v: rate %v, want %v", c.p, r, c.rate)
		}
		left, ok := c.p.Left()
		if ok != c.ok || left != c.left {
			t.Errorf("%+v: left %v, %v; want %v, %v", c.p, left, ok, c.left, c.ok)
		}
		if s := c.p.String(); s != c.text {
			t.Errorf("%+v:\n got %q\nwant %q", c.p, s, c.text)
		}
	}
}

// fakeClock advances by dt at each reading after the first.
type fakeClock struct {
	t  time.Time
	dt time.Duration
	n  int
}

func (c *fakeClock) now() time.Time {
	if c.n > 0 {
		c.t = c.t.Add(c.dt)
	}
	c.n++
	return c.t
}

// TestLiveTerminal runs 100 steps, 100 ms apart, with progress lines due
// every second: lines at 0, 1, ..., 9 s, then the final one.
func TestLiveTerminal(t *testing.T) {
	var out bytes.Buffer
	clock := &fakeClock{t: time.Unix(0, 0), dt: 100 * time.Millisecond}
	l := &Live{Title: "fit", Steps: 100, Every: time.Second, Out: &out, now: clock.now}
	for i := range 100 {
		l.Step(i+1, 1/float64(i+1))
	}
	l.Done()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 11 {
		t.Fatalf("%d lines, want 11:\n%s", len(lines), out.String())
	}
	// Step k+1 is read at (k) × 100 ms; the line at 1 s is step 11, with
	// 10 steps timed in 1 s.
	if want := "fit: step 11/100 (11.0%), 10 steps/s, 9s left, loss 0.09091"; lines[1] != want {
		t.Errorf("second line %q, want %q", lines[1], want)
	}
	// Done shows the progress of the last step: 99 steps timed in 9.9 s.
	if want := "fit: done, step 100/100 (100.0%), 10 steps/s, 0s left, loss 0.01"; lines[10] != want {
		t.Errorf("last line %q, want %q", lines[10], want)
	}
	if p := l.Snapshot(); p.Step != 100 || p.First != 1 || p.Elapsed != 9900*time.Millisecond {
		t.Errorf("snapshot %+v", p)
	}
	// A Live never started prints nothing when done.
	out.Reset()
	(&Live{Out: &out}).Done()
	if out.Len() != 0 {
		t.Errorf("idle Live printed %q", out.String())
	}
}

// fakeUI records what Live sends to the notebook.
type fakeUI struct {
	displays []string
	updates  map[string][]string
	order    []string
	syncs    int
}

func (f *fakeUI) display(h string) { f.displays = append(f.displays, h) }
func (f *fakeUI) update(id, h string) {
	if f.updates == nil {
		f.updates = map[string][]string{}
	}
	f.updates[id] = append(f.updates[id], h)
	f.order = append(f.order, id)
}
func (f *fakeUI) sync() { f.syncs++ }

func TestLiveNotebook(t *testing.T) {
	useFakeAssets(t)
	t.Setenv("GONB_TMP_DIR", t.TempDir())
	run := func() (*fakeUI, *Live) {
		ui := &fakeUI{}
		clock := &fakeClock{t: time.Unix(0, 0), dt: 100 * time.Millisecond}
		l := &Live{Title: "fit", Steps: 100, Every: time.Second, ChartEvery: 5 * time.Second, ui: ui, now: clock.now}
		for i := range 100 {
			l.Step(i+1, 1/float64(i+1))
			if (i+1)%20 == 0 {
				l.Add("validation", i+1, 2/float64(i+1))
			}
		}
		l.Done()
		return ui, l
	}
	ui, l := run()
	// The library goes first, in an output of its own, once a session.
	if len(ui.displays) != 1 || !strings.Contains(ui.displays[0], wrapperOpen) {
		t.Fatalf("displays %d, want the library once", len(ui.displays))
	}
	if len(ui.updates) != 2 {
		t.Fatalf("%d display ids, want 2 (progress and chart)", len(ui.updates))
	}
	progress, chart := ui.updates[l.progressID], ui.updates[l.chartID]
	// Progress at 0, 1, ..., 9 s and at the end; chart at 0 and 5 s and at the end.
	if len(progress) != 11 || len(chart) != 3 {
		t.Errorf("%d progress and %d chart updates, want 11 and 3", len(progress), len(chart))
	}
	if ui.order[0] != l.progressID {
		t.Errorf("first update to %s, want the progress bar", ui.order[0])
	}
	last := progress[len(progress)-1]
	if !strings.Contains(last, `<progress value="100" max="100"`) || !strings.Contains(last, "step 100/100 (100.0%)") {
		t.Errorf("final progress bar: %s", last)
	}
	if ui.syncs < 2 { // after the library and at Done
		t.Errorf("%d syncs, want at least 2", ui.syncs)
	}
	// The final chart holds every loss and the validation points.
	m := optionRE.FindStringSubmatch(chart[len(chart)-1])
	if m == nil {
		t.Fatalf("final chart has no option")
	}
	for _, want := range []string{`"name":"loss"`, `"name":"validation"`, `"animation":false`, `{"value":[100,0.01]}`, `{"value":[100,0.02]}`} {
		if !strings.Contains(m[1], want) {
			t.Errorf("final chart option lacks %s", want)
		}
	}
	for _, h := range append(progress, chart...) {
		if strings.Contains(h, wrapperOpen) {
			t.Errorf("an updated output carries the library; it would vanish on the next update")
		}
	}

	// A second training view in the same kernel session reuses it.
	ui, _ = run()
	if len(ui.displays) != 0 {
		t.Errorf("second Live displayed %d outputs, want none (library already loaded)", len(ui.displays))
	}
}

// TestLiveDecimation checks that the recorded series stays bounded and
// that averaging neighbours keeps points on a straight line on it.
func TestLiveDecimation(t *testing.T) {
	l := &Live{MaxPoints: 10, Out: &bytes.Buffer{}}
	for i := range 1001 {
		l.Step(i+1, 2*float64(i+1)+1)
	}
	s := l.Chart().Series[0]
	if len(s.Y) > 20 || len(s.Y) < 10 {
		t.Errorf("%d points kept, want 10 to 20", len(s.Y))
	}
	for i := range s.Y {
		if s.Y[i] != 2*s.X[i]+1 {
			t.Errorf("point %d (%v, %v) is off y = 2x + 1", i, s.X[i], s.Y[i])
		}
		if i > 0 && s.X[i] <= s.X[i-1] {
			t.Errorf("steps not increasing at %d: %v after %v", i, s.X[i], s.X[i-1])
		}
	}
	if s.X[len(s.X)-1] != 1001 {
		t.Errorf("last step kept %v, want 1001", s.X[len(s.X)-1])
	}
	if got := fmt.Sprint(halve([]float64{1, 3, 5, 7, 9})); got != "[2 6 9]" {
		t.Errorf("halve: %s", got)
	}
}

// TestLiveLogErrorShown checks that a loss chart that cannot be drawn on
// a log axis says why in its place.
func TestLiveLogErrorShown(t *testing.T) {
	useFakeAssets(t)
	t.Setenv("GONB_TMP_DIR", t.TempDir())
	ui := &fakeUI{}
	l := &Live{LogY: true, ui: ui}
	l.Step(1, -3)
	l.Done()
	c := ui.updates[l.chartID]
	if len(c) == 0 || !strings.Contains(c[len(c)-1], "LogY needs positive Y") {
		t.Errorf("chart output %q, want the log-axis error", c)
	}
}

func ExampleProgress() {
	p := Progress{Step: 250, Steps: 1000, Elapsed: 10 * time.Second, Loss: 0.4321}
	fmt.Println(p)
	// Output: step 250/1000 (25.0%), 25 steps/s, 30s left, loss 0.4321
}
