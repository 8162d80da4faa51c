#!/usr/bin/env bash
# test.sh runs every check of the repository and prints how long each phase
# took. `make test` calls it after set-up.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

phase() { # phase NAME COMMAND...
	local name=$1 start=$SECONDS
	shift
	echo "== $name"
	"$@"
	echo "== $name: $((SECONDS - start)) s"
}

fmtcheck() {
	local bad
	bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.deps/*'))
	[[ -z $bad ]] || { echo "gofmt would change: $bad"; return 1; }
}

cleared() { # notebooks are committed without outputs
	local nb bad=0
	for nb in notebooks/*.ipynb; do
		[[ -e $nb ]] || continue
		if grep -q '"output_type"' "$nb"; then echo "$nb has outputs: clear them before committing"; bad=1; fi
	done
	return $bad
}

phase "gofmt" fmtcheck
phase "go vet" go vet ./...
phase "notebooks cleared" cleared
# The pure-Go BLAS back end must pass the engine's tests too.
# Backward runs concurrently on graphs that share parameters: race detector.
phase "go test -race (toolkit/ad)" env GOFLAGS= go test -count=1 -race ./toolkit/ad/
phase "go test (gonum BLAS)" env GOFLAGS= go test -count=1 ./toolkit/...
phase "go test (OpenBLAS, all)" go test -count=1 -timeout 80m ./...
