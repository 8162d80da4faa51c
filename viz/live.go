package viz

import (
	"fmt"
	"html"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// Progress is a snapshot of a running loop: what a progress bar shows.
type Progress struct {
	// Step is the number of steps done; Steps the total, zero if unknown.
	Step, Steps int
	// First is the step at which the timing started, Elapsed the time
	// since.
	First   int
	Elapsed time.Duration
	// Loss is the last loss recorded.
	Loss float64
}

// Rate returns the speed in steps per second since step First, or zero
// before any step has been timed.
func (p Progress) Rate() float64 {
	if p.Elapsed <= 0 || p.Step <= p.First {
		return 0
	}
	return float64(p.Step-p.First) / p.Elapsed.Seconds()
}

// Left returns the time the remaining steps take at the current rate, and
// false when it cannot be told: total unknown or no rate yet.
func (p Progress) Left() (time.Duration, bool) {
	r := p.Rate()
	if p.Steps <= 0 || r == 0 {
		return 0, false
	}
	rest := max(p.Steps-p.Step, 0)
	return time.Duration(float64(rest) / r * float64(time.Second)), true
}

// String returns the progress as one line of text, such as
// "step 120/1000 (12.0%), 35.2 steps/s, 25s left, loss 0.1234".
func (p Progress) String() string {
	parts := []string{fmt.Sprintf("step %d", p.Step)}
	if p.Steps > 0 {
		parts[0] = fmt.Sprintf("step %d/%d (%.1f%%)", p.Step, p.Steps, 100*float64(p.Step)/float64(p.Steps))
	}
	switch r := p.Rate(); {
	case r >= 1:
		parts = append(parts, fmt.Sprintf("%.3g steps/s", r))
	case r > 0:
		parts = append(parts, fmt.Sprintf("%.3g s/step", 1/r))
	}
	if left, ok := p.Left(); ok {
		parts = append(parts, left.Round(time.Second).String()+" left")
	}
	parts = append(parts, fmt.Sprintf("loss %.4g", p.Loss))
	return strings.Join(parts, ", ")
}

// Live shows the progress of a training loop while it runs: in a
// notebook, a progress bar (step, rate, time left, last loss) above a loss
// chart, both updated in place; elsewhere, progress lines on Out. Redraws
// are throttled, so Step can be called every iteration. A Live must not be
// copied after first use; its methods may be called concurrently.
//
//	live := &viz.Live{Title: "ELBO", Steps: n}
//	for i := range n {
//		loss := step()
//		live.Step(i+1, loss)
//	}
//	live.Done()
type Live struct {
	Title string
	// Steps is the total number of steps, zero if unknown.
	Steps int
	// Every is the least time between redraws of the progress bar or
	// progress lines; zero means one second in a notebook and ten seconds
	// elsewhere.
	Every time.Duration
	// ChartEvery is the least time between redraws of the loss chart;
	// zero means five seconds.
	ChartEvery time.Duration
	// LogY makes the loss axis logarithmic.
	LogY bool
	// MaxPoints bounds the points kept per series: past twice as many,
	// neighbouring pairs are averaged. Zero means 1000.
	MaxPoints int
	// Out receives progress lines outside a notebook; nil means os.Stderr.
	Out io.Writer

	mu         sync.Mutex
	started    bool
	t0         time.Time
	first      int
	progress   Progress
	series     []liveSeries
	lastText   time.Time
	lastChart  time.Time
	progressID string
	chartID    string

	// now and ui are replaced by tests.
	now func() time.Time
	ui  notebookUI
}

// liveSeries is a recorded series: step and value pairs.
type liveSeries struct {
	name string
	x, y []float64
}

// notebookUI is what Live needs from the notebook: gonbui, or a fake in
// tests.
type notebookUI interface {
	display(html string)
	update(id, html string)
	sync()
}

type gonbUI struct{}

func (gonbUI) display(h string)    { gonbui.DisplayHTML(h) }
func (gonbUI) update(id, h string) { gonbui.UpdateHTML(id, h) }
func (gonbUI) sync()               { gonbui.Sync() }

// inNotebook reports whether l draws in a notebook (or a test's fake).
func (l *Live) inNotebook() bool { return l.ui != nil || gonbui.IsNotebook }

func (l *Live) clock() time.Time {
	if l.now != nil {
		return l.now()
	}
	return time.Now()
}

// Step records the loss after step steps (counted from 1) and redraws what
// is due.
func (l *Live) Step(step int, loss float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock()
	first := !l.started
	if first {
		l.started, l.t0, l.first = true, now, step
	}
	l.progress = Progress{Step: step, Steps: l.Steps, First: l.first, Elapsed: now.Sub(l.t0), Loss: loss}
	l.record("loss", step, loss)
	l.refresh(now, first, false)
}

// Add records value v of another series, such as a validation loss, at
// step. It appears in the loss chart at its next redraw.
func (l *Live) Add(name string, step int, v float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.record(name, step, v)
}

// Done draws the final state, whatever the throttling, and in a notebook
// waits until it has been sent.
func (l *Live) Done() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started {
		return
	}
	l.refresh(l.clock(), false, true)
}

// Snapshot returns the current progress.
func (l *Live) Snapshot() Progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.progress
}

// Chart returns the loss chart as it stands.
func (l *Live) Chart() Line {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.chart()
}

// HTML returns the progress bar and loss chart as they stand, without the
// ECharts library (see HTML).
func (l *Live) HTML() (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, err := HTML(l.chart())
	return l.progressHTML() + c, err
}

func (l *Live) maxPoints() int { return orDefault(l.MaxPoints, 1000) }

// record appends a point to the named series, halving the series by
// averaging neighbouring pairs when it outgrows twice MaxPoints.
func (l *Live) record(name string, step int, v float64) {
	i := 0
	for i < len(l.series) && l.series[i].name != name {
		i++
	}
	if i == len(l.series) {
		l.series = append(l.series, liveSeries{name: name})
	}
	s := &l.series[i]
	s.x, s.y = append(s.x, float64(step)), append(s.y, v)
	if len(s.y) > 2*l.maxPoints() {
		s.x, s.y = halve(s.x), halve(s.y)
	}
}

// halve returns the means of neighbouring pairs of v, the odd last
// element kept as it is.
func halve(v []float64) []float64 {
	h := v[:0:0]
	for i := 0; i+1 < len(v); i += 2 {
		h = append(h, (v[i]+v[i+1])/2)
	}
	if len(v)%2 == 1 {
		h = append(h, v[len(v)-1])
	}
	return h
}

func (l *Live) chart() Line {
	c := Line{Title: l.Title, XLabel: "step", LogY: l.LogY, animationOff: true}
	for _, s := range l.series {
		c.Series = append(c.Series, Series{Name: s.name, X: append([]float64(nil), s.x...), Y: append([]float64(nil), s.y...)})
	}
	return c
}

func (l *Live) progressHTML() string {
	var b strings.Builder
	b.WriteString(`<div class="stochgrad-progress" style="font-family:monospace;font-size:13px;padding:4px 0;">`)
	if l.Title != "" {
		fmt.Fprintf(&b, "<b>%s</b> ", html.EscapeString(l.Title))
	}
	if l.Steps > 0 {
		fmt.Fprintf(&b, `<progress value="%d" max="%d" style="width:240px;vertical-align:middle;"></progress> `, min(max(l.progress.Step, 0), l.Steps), l.Steps)
	}
	b.WriteString(html.EscapeString(l.progress.String()))
	b.WriteString("</div>\n")
	return b.String()
}

// refresh redraws what is due at now: everything at the first step and at
// the end, otherwise what its interval allows.
func (l *Live) refresh(now time.Time, first, final bool) {
	notebook := l.inNotebook()
	every := l.Every
	if every == 0 {
		every = 10 * time.Second
		if notebook {
			every = time.Second
		}
	}
	textDue := first || final || now.Sub(l.lastText) >= every
	if !notebook {
		if !textDue {
			return
		}
		l.lastText = now
		out := l.Out
		if out == nil {
			out = os.Stderr
		}
		prefix := ""
		if l.Title != "" {
			prefix = l.Title + ": "
		}
		if final {
			prefix += "done, "
		}
		fmt.Fprintf(out, "%s%s\n", prefix, l.progress)
		return
	}
	ui := l.ui
	if ui == nil {
		ui = gonbUI{}
	}
	if first {
		l.progressID = "stochgrad-progress-" + gonbui.UniqueId()
		l.chartID = "stochgrad-chart-" + gonbui.UniqueId()
		// The library goes in an output of its own: outputs with a
		// display id are replaced, and it must stay in saved notebooks.
		marker := sessionMarker()
		if lib, added, err := withLibrary("", marker); err != nil {
			ui.display(errorHTML(err))
		} else if added {
			ui.display(lib)
			ui.sync()
			markLoaded(marker)
		}
	}
	if textDue {
		l.lastText = now
		ui.update(l.progressID, l.progressHTML())
	}
	chartEvery := l.ChartEvery
	if chartEvery == 0 {
		chartEvery = 5 * time.Second
	}
	if first || final || now.Sub(l.lastChart) >= chartEvery {
		l.lastChart = now
		h, err := HTML(l.chart())
		if err != nil {
			h = errorHTML(err)
		}
		ui.update(l.chartID, h)
	}
	if final {
		ui.sync()
	}
}

// errorHTML shows an error in a notebook output.
func errorHTML(err error) string {
	return `<pre style="color:#b00020;white-space:pre-wrap;">` + html.EscapeString(err.Error()) + "</pre>\n"
}
