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

# staticcheck, pinned in tools/go.mod and built into .deps/bin by set-up.
lint() {
	local sc=.deps/bin/staticcheck
	[[ -x $sc ]] || { echo "$sc is missing: run \`make setup\`"; return 1; }
	"$sc" ./...
}

# racepkgs prints the packages whose code starts goroutines (a go statement
# or sync.WaitGroup.Go), and those that import such a package of internal/
# (a helper that runs their loops on several goroutines).
racepkgs() {
	local dirs spawn
	dirs=$(grep -rlE --include='*.go' --exclude='*_test.go' --exclude-dir=.deps --exclude-dir=out --exclude-dir=testdata \
		'(^|[[:space:]])go (func|[[:alpha:]_][[:alnum:]_.]*\()|\.Go\(' . | xargs -r -n1 dirname | sort -u)
	[[ -n $dirs ]] || return 0
	spawn=$(go list $dirs)
	go list -f '{{.ImportPath}}{{range .Imports}} {{.}}{{end}}' ./... |
		awk -v spawn="$spawn" '
			BEGIN { n = split(spawn, s, "\n"); for (i = 1; i <= n; i++) if (s[i] ~ /\/internal\//) helper[s[i]] = 1; else own[s[i]] = 1 }
			$1 in own || $1 in helper { print $1; next }
			{ for (i = 2; i <= NF; i++) if ($i in helper) { print $1; next } }'
}

race() {
	local pkgs
	pkgs=$(racepkgs)
	echo "packages that run goroutines:" $pkgs
	[[ -z $pkgs ]] || go test -race -count=1 -timeout 30m $pkgs
}

phase "gofmt" fmtcheck
phase "go vet" go vet ./...
phase "staticcheck" lint
phase "notebooks cleared" cleared
# The pure-Go BLAS back end must pass the engine's tests too.
phase "go test (gonum BLAS)" env GOFLAGS= go test -count=1 ./toolkit/...
# Writers that race for one cache entry (issue 8): the facade starts no
# goroutine itself, so racepkgs does not list it. (Backward on graphs that
# share parameters, toolkit/ad, and the runner's writers, kernel, are in
# the race phase below.)
phase "go test -race (concurrent cache writers)" env GOFLAGS= go test -count=1 -race -run 'Concurrent' ./toolkit/
phase "go test (OpenBLAS, all)" go test -count=1 -timeout 80m ./...
phase "go test -race" race
