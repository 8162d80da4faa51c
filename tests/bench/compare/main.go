// Command compare pairs Go benchmark results with their PyTorch twins and
// prints the time ratios against stochgrad's targets.
//
//	go run ./tests/bench/compare GO_OUTPUT TORCH_OUTPUT
//
// Both files hold lines in Go's benchmark format; a PyTorch line carries
// the Go name with the suffix "-torch". A benchmark run several times
// counts with its fastest run, since noise on a shared machine only adds
// time. It exits non-zero only when an input
// cannot be read: a missed target is reported, not fatal, because these
// machines are shared and noisy.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// target is a bound on a ratio of two timings.
type target struct {
	name, num, den string // ratio num/den of benchmark names (den may be a torch result)
	max            float64
	min            float64
	what           string
}

var targets = []target{
	{name: "MLP step float32 / PyTorch", num: "BenchmarkMLPStep/float32", den: "BenchmarkMLPStep/float32-torch", max: 0.8, what: "≤ 0.8"},
	{name: "MLP step float64 / PyTorch", num: "BenchmarkMLPStep/float64", den: "BenchmarkMLPStep/float64-torch", max: 0.8, what: "≤ 0.8"},
	{name: "MLP step float32 / its GEMMs", num: "BenchmarkMLPStep/float32", den: "BenchmarkMLPStepGEMMs/float32", max: 1.15, what: "≤ 1.15"},
	{name: "MLP step float64 / its GEMMs", num: "BenchmarkMLPStep/float64", den: "BenchmarkMLPStepGEMMs/float64", max: 1.15, what: "≤ 1.15"},
	{name: "GEMM 100x784x512 raw / engine", num: "BenchmarkGEMM/raw/100x784x512", den: "BenchmarkGEMM/engine/100x784x512", min: 0.95, what: "≥ 0.95 (engine at least 95% of raw BLAS)"},
	{name: "GEMM 512x512x512 raw / engine", num: "BenchmarkGEMM/raw/512x512x512", den: "BenchmarkGEMM/engine/512x512x512", min: 0.95, what: "≥ 0.95 (engine at least 95% of raw BLAS)"},
	{name: "GEMM 100x784x512 engine / PyTorch", num: "BenchmarkGEMM/engine/100x784x512", den: "BenchmarkGEMM/engine/100x784x512-torch", what: "(information)"},
	{name: "GEMM 512x512x512 engine / PyTorch", num: "BenchmarkGEMM/engine/512x512x512", den: "BenchmarkGEMM/engine/512x512x512-torch", what: "(information)"},
	{name: "VAE epoch / PyTorch", num: "BenchmarkVAEEpoch", den: "BenchmarkVAEEpoch-torch", max: 0.9, what: "≤ 0.9"},
	{name: "Cat. VAE epoch, Gumbel-Softmax / PyTorch", num: "BenchmarkCatVAEEpoch/gumbel", den: "BenchmarkCatVAEEpoch/gumbel-torch", max: 0.9, what: "≤ 0.9"},
	{name: "Cat. VAE epoch, score function / PyTorch", num: "BenchmarkCatVAEEpoch/score", den: "BenchmarkCatVAEEpoch/score-torch", max: 0.9, what: "≤ 0.9"},
	{name: "IWAE step / PyTorch", num: "BenchmarkIWAEStep", den: "BenchmarkIWAEStep-torch", max: 0.9, what: "≤ 0.9"},
	{name: "op chain per op / PyTorch", num: "BenchmarkOpChain", den: "BenchmarkOpChain-torch", max: 0.2, what: "≤ 0.2"},
	{name: "I-MLE top-k / PyTorch", num: "BenchmarkIMLETopK", den: "BenchmarkIMLETopK-torch", max: 0.5, what: "≤ 0.5"},
	{name: "tempered SMC / PyTorch", num: "BenchmarkTemperedSMC", den: "BenchmarkTemperedSMC-torch", max: 0.5, what: "≤ 0.5"},
	{name: "K-FAC step / PyTorch", num: "BenchmarkKFACStep", den: "BenchmarkKFACStep-torch", max: 1.0, what: "≤ 1.0"},
}

var line = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+([0-9.e+]+) ns/op`)

// parse reads ns/op by benchmark name, keeping the fastest of repeated
// runs; the -N GOMAXPROCS suffix is dropped, a "-torch" suffix kept.
func parse(r io.Reader, into map[string]float64) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		name := m[1]
		if m[2] == "-torch" {
			name += m[2]
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			return fmt.Errorf("compare: bad timing %q: %v", m[3], err)
		}
		if old, ok := into[name]; !ok || v < old {
			into[name] = v // the fastest of repeated runs: noise only adds time
		}
	}
	return sc.Err()
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compare GO_OUTPUT [TORCH_OUTPUT...]")
		os.Exit(2)
	}
	ns := map[string]float64{}
	for _, path := range os.Args[1:] {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "compare: %v (run `make bench`)\n", err)
			os.Exit(1)
		}
		err = parse(f, ns)
		f.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	names := make([]string, 0, len(ns))
	for n := range ns {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Println("timings (ns/op):")
	for _, n := range names {
		fmt.Printf("  %-48s %14.0f\n", n, ns[n])
	}
	fmt.Println("ratios:")
	for _, t := range targets {
		a, okA := ns[t.num]
		b, okB := ns[t.den]
		if !okA || !okB {
			fmt.Printf("  %-44s  missing (%s or %s)\n", t.name, t.num, t.den)
			continue
		}
		r := a / b
		verdict := ""
		switch {
		case t.max > 0 && r <= t.max, t.min > 0 && r >= t.min:
			verdict = "met"
		case t.max > 0 || t.min > 0:
			verdict = "MISSED"
		}
		fmt.Printf("  %-44s %7.3f  target %s %s\n", t.name, r, t.what, verdict)
	}
}
