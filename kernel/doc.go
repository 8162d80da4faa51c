// Package kernel is the Jupyter side of stochgrad: it installs the
// `stochgrad` kernel spec (GoNB with the repository's environment) and
// executes notebooks headlessly on it, with no Python in the loop.
//
// # The kernel spec
//
// scripts/setup-jupyter.sh builds GoNB and goimports into .deps/bin from the
// versions pinned in tools/go.mod and installs the spec with
// `go run ./kernel/cmd/kernelspec` (see NewSpec and InstallSpec). The spec
// runs GoNB with --raw_error and sets PATH (.deps/bin and the Go
// toolchain), GOFLAGS=-tags=openblas, STOCHGRAD_ROOT, STOCHGRAD_ASSETS,
// STOCHGRAD_DATA and STOCHGRAD_CACHE. GoNB builds every cell with `go
// build` and runs `go get` before it, and both read GOFLAGS, so every cell
// uses the OpenBLAS back end; `%goflags` is not needed.
//
// # The first cell of every notebook
//
// GoNB compiles each cell as a main package of a throwaway module in its
// own temporary directory. To import the repository's packages, the first
// code cell of a notebook must make that module require this one, replaced
// by the checkout at $STOCHGRAD_ROOT (the constant WireCell):
//
//	!*go mod edit -replace github.com/stochgrad/stochgrad=${STOCHGRAD_ROOT} -require github.com/stochgrad/stochgrad@v0.0.0-00010101000000-000000000000
//
// `!*` runs the line with bash in GoNB's temporary directory, so
// ${STOCHGRAD_ROOT} comes from the kernel spec. A replace directive alone
// is not enough: `go get` would then look the module up on the proxy. With
// the require, `go get` takes the repository's own requirements (gonum,
// go-echarts, GoNB's gonbui, ...) from its go.mod, and the go.sum entries
// resolve from the module cache: it works with GOPROXY=off once `go mod
// download` has run in the repository. Re-running the cell is harmless.
// The cells that follow import packages as usual:
//
//	import "github.com/stochgrad/stochgrad/toolkit/ad"
//
//	%%
//	fmt.Println(ad.Backend()) // openblas
//
// A cell that displays rich output should end with gonbui.Sync(). GoNB
// v0.10.6 publishes displays from a goroutine reading a named pipe, and
// answers the cell once the program has exited: without Sync a large
// display can arrive after the cell's idle status (measured: 1 to 4 of 20
// cells displaying 2 MB, 3 to 15 ms late), and GoNB closes the pipe then,
// so what it has not read yet could be lost. The Runner keeps reading
// iopub until it has been quiet for Runner.Drain and files late outputs
// under the cell that sent them.
//
// # Running notebooks
//
// A Runner starts one kernel per notebook, in its own process group, from
// the kernel spec's argv and env; by default the spec of the checkout it is
// started from (CheckoutSpec), never the installed one, which runs whichever
// checkout last ran `make setup`. It refuses notebooks of other languages
// and, before starting the kernel, an output directory it cannot write;
// Runner.Check also refuses two notebooks whose copies would land on one
// path. A notebook whose kernel did not start is not written. The kernel's
// private directory (TempDir) is held locked while the run lives, so that
// RemoveStaleTempDirs can remove what a run killed with SIGKILL left. It speaks the Jupyter messaging protocol
// (5.3) to it over ZeroMQ: HMAC-SHA256 signed messages on the shell,
// control and iopub channels. It sends one execute_request per code cell
// and collects the outputs as Jupyter front ends do (merged streams,
// display updates by display_id, clear_output), then writes the executed
// notebook in nbformat 4. A cell fails on an error output, on a cell
// program that exits non-zero (GoNB reports a panic only as "exit status 2"
// on stderr), on its timeout (interrupt, shutdown, then SIGKILL to the
// process group) and when the kernel process dies; the error is a
// *CellError naming the notebook and the cell.
//
// The command kernel/cmd/nbrun runs notebooks from the command line:
//
//	go run ./kernel/cmd/nbrun [-quick] [-out DIR] [-timeout D] [-html] NOTEBOOK...
package kernel

// WireCell is the first code cell of every notebook: it makes GoNB's
// module require this repository, replaced by $STOCHGRAD_ROOT.
const WireCell = "!*go mod edit -replace " + ModulePath + "=${STOCHGRAD_ROOT} -require " + ModulePath + "@v0.0.0-00010101000000-000000000000"
