#!/usr/bin/env bash
# bench.sh runs the Go benchmarks and their PyTorch twins in one go and
# prints the ratios (tests/bench/compare). The two sides alternate ROUNDS
# times (default 3) and each benchmark counts with its fastest round, so
# that a burst of load on a shared machine does not decide a ratio.
# PyTorch is Debian's python3-torch, run with two threads and a passive
# OpenMP wait policy so that its threads do not fight over the two cores.
# BENCH_STEPS=N cuts the epoch benchmarks to N training steps on both sides
# (the per-step cost is what they compare), for a loaded machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p out
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=2 TORCH_THREADS=2

go test -c -tags openblas -o out/bench.test ./tests/bench
: >out/bench-go.txt
: >out/bench-torch.txt
for round in $(seq "${ROUNDS:-3}"); do
	echo "== round $round: Go"
	out/bench.test -test.run '^$' -test.bench "${BENCH:-.}" -test.benchmem -test.benchtime "${BENCHTIME:-2s}" -bench.steps "${BENCH_STEPS:-0}" | tee -a out/bench-go.txt
	echo "== round $round: PyTorch"
	for py in tests/bench/torch_*.py tests/bench/imle_topk.py; do
		[[ -e $py ]] || continue
		/usr/bin/python3 "$py" ${BENCH_STEPS:+"$BENCH_STEPS"} | tee -a out/bench-torch.txt
	done
done
echo "== ratios"
go run ./tests/bench/compare out/bench-go.txt out/bench-torch.txt
