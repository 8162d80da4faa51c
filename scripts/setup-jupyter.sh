#!/usr/bin/env bash
# setup-jupyter.sh installs what running the notebooks needs, only what is
# missing, and says what it does:
#   - Debian jupyter-notebook and jupyter-nbconvert (for people and HTML export);
#   - GoNB and goimports, and staticcheck for scripts/test.sh, built from the
#     versions pinned in tools/go.mod into .deps/bin (rebuilt when a pin or
#     the Go toolchain changes);
#   - the `stochgrad` Jupyter kernel spec (go run ./kernel/cmd/kernelspec).
# Safe to re-run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.deps/bin"
say() { echo "setup-jupyter: $*"; }

# Debian packages.
missing=()
for pkg in jupyter-notebook jupyter-nbconvert; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$pkg")
	fi
done
if ((${#missing[@]})); then
	sudo=()
	if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
	say "apt-get install ${missing[*]}"
	if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; then
		say "apt-get update, then retry"
		"${sudo[@]}" apt-get update -q
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
	fi
else
	say "jupyter-notebook and jupyter-nbconvert are installed"
fi

# GoNB, goimports and staticcheck. A binary is current when it was built by this Go
# toolchain from the module version tools/go.mod pins.
goversion="$(go env GOVERSION)"
current() { # current BINARY MODULE
	local want
	want="$(cd "$root/tools" && go list -m -f '{{.Version}}' "$2")"
	[[ -x "$1" ]] || return 1
	go version -m "$1" 2>/dev/null | awk -v gv="$goversion" -v mod="$2" -v want="$want" '
		NR == 1 { ok_go = ($2 == gv) }
		$1 == "mod" && $2 == mod { ok_mod = ($3 == want) }
		END { exit !(ok_go && ok_mod) }'
}
if current "$bin/gonb" github.com/janpfeifer/gonb && current "$bin/goimports" golang.org/x/tools &&
	current "$bin/staticcheck" honnef.co/go/tools; then
	say "gonb, goimports and staticcheck in $bin are current"
else
	say "building gonb, goimports and staticcheck (pinned in tools/go.mod) into $bin"
	mkdir -p "$bin"
	(cd "$root/tools" && GOBIN="$bin" GOFLAGS=-buildvcs=false go install tool)
fi

# The kernel spec.
(cd "$root" && go run ./kernel/cmd/kernelspec -root "$root")
