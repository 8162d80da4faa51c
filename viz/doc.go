// Package viz draws the figures stochgrad's notebooks need: interactive
// ECharts charts inline in Jupyter through the GoNB kernel, and the same
// figures as static PNG, SVG or PDF files through gonum/plot.
//
// A figure is a plain struct whose zero-valued fields mean sensible
// defaults:
//
//	viz.Show(viz.Line{
//		Title:  "training loss",
//		XLabel: "step",
//		LogY:   true,
//		Series: []viz.Series{{Name: "ELBO", Y: losses}},
//	})
//
// The figure types are [Line], [Scatter], [Bar], [Histogram], [Heatmap],
// [ImageGrid] and [Graph]; [Live] is a training view (progress bar and loss
// chart) that updates in place while a loop runs.
//
// # Inline display
//
// [Show] displays a figure in the notebook cell running it. The ECharts
// library is never fetched from the network: it is read from
// $STOCHGRAD_ASSETS/echarts.min.js (default $STOCHGRAD_ROOT/.deps/assets,
// installed by `make setup`) and inlined once per kernel session. Each GoNB
// cell runs as a new process, so the session is remembered by a marker file
// in GoNB's per-kernel directory ($GONB_TMP_DIR); later charts wait for the
// already loaded window.echarts. The library is wrapped so that require.js's
// define, present in the classic Notebook and in nbconvert's HTML, does not
// capture it. Outside a notebook, Show prints a one-line summary instead.
//
// # Static files
//
// [Save] writes a figure to a file chosen by extension (.png, .svg, .pdf, or
// .html for a self-contained interactive page).
//
// # Errors
//
// Shape mistakes (X and Y of different lengths, a ragged matrix, an edge to
// a missing node) panic with a message naming the figure and the sizes. Bad
// data (a non-positive value on a logarithmic axis) and a missing ECharts
// library are reported as errors; the latter says to run `make setup`.
// Non-finite values (NaN, ±Inf) are treated as missing: gaps in lines,
// absent points, empty heatmap cells. A figure with no data draws empty
// axes rather than failing, so a chart that is filled later still shows.
package viz
