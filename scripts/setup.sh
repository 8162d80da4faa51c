#!/usr/bin/env bash
# setup.sh installs everything stochgrad's notebooks, tests and benchmarks
# need, and only what is missing; safe to re-run. `make setup` runs it, and
# `make notebooks`, `make test` and `make bench` depend on that.
#
#   setup.sh          Debian packages for building, notebooks and tests, then
#                     GoNB and the kernel spec, ECharts, and the data sets
#   setup.sh bench    also Debian python3-torch for the PyTorch twins
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { echo "setup: $*"; }
start=$SECONDS
trap 'say "took $((SECONDS - start)) s"' EXIT

# Debian packages, in one apt run: OpenBLAS for the cgo back end, Jupyter for
# people and nbconvert, Chromium for the browser tests, npm for the npm packs,
# Fashion-MNIST.
pkgs=(libopenblas-dev jupyter-notebook jupyter-nbconvert chromium npm dataset-fashion-mnist)
if [[ "${1:-}" == bench ]]; then
	pkgs+=(python3-torch)
fi
missing=()
for p in "${pkgs[@]}"; do
	# npm may come with Node.js from elsewhere; do not fight it.
	if [[ $p == npm ]] && command -v npm >/dev/null; then continue; fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	sudo=()
	[[ $(id -u) -eq 0 ]] || sudo=(sudo)
	say "apt-get install ${missing[*]}"
	"${sudo[@]}" apt-get update -q
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	say "Debian packages present: ${pkgs[*]}"
fi

bash "$root/scripts/setup-jupyter.sh"
bash "$root/scripts/setup-echarts.sh"
bash "$root/scripts/setup-data.sh"
