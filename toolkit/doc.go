// Package toolkit is stochgrad's facade for notebooks: training loops with
// live progress, NaN checks and checkpoints (Fit), results cached on disk
// across notebook cells (Cached), the quick/full mode switch (Quick), and
// estimator diagnostics. It is the only library package that draws, through
// viz; everything below it computes.
package toolkit
