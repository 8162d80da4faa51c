#!/usr/bin/env bash
# bench.sh runs the Go benchmarks and their PyTorch twins in one go and
# prints the ratios (tests/bench/compare). PyTorch is Debian's python3-torch,
# run with two threads and a passive OpenMP wait policy so that its threads
# do not fight over the two cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p out
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=2 TORCH_THREADS=2

echo "== Go benchmarks"
go test -tags openblas -run '^$' -bench "${BENCH:-.}" -benchmem -benchtime "${BENCHTIME:-2s}" ./tests/bench | tee out/bench-go.txt
echo "== PyTorch twins"
: >out/bench-torch.txt
for py in tests/bench/torch_*.py tests/bench/imle_topk.py; do
	[[ -e $py ]] || continue
	/usr/bin/python3 "$py" | tee -a out/bench-torch.txt
done
echo "== ratios"
go run ./tests/bench/compare out/bench-go.txt out/bench-torch.txt
