#!/bin/sh
# setup-echarts.sh installs what the viz package and its browser tests need,
# and only what is missing:
#   - ECharts 5.4.3 (the version go-echarts v2.6.7 is written for), from the
#     npm registry, as $STOCHGRAD_ROOT/.deps/assets/echarts.min.js;
#   - Debian's chromium, which tests/browser_test.go drives headlessly.
# It is idempotent and prints what it does. The asset is third-party code:
# it lives under .deps/ (gitignored) and is never committed.
set -eu

ECHARTS_VERSION=5.4.3

root=${STOCHGRAD_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
assets=${STOCHGRAD_ASSETS:-$root/.deps/assets}
target=$assets/echarts.min.js

if [ -s "$target" ]; then
	echo "setup-echarts: $target already present"
else
	command -v npm >/dev/null 2>&1 || {
		echo "setup-echarts: npm not found; install it with: apt-get install npm" >&2
		exit 1
	}
	echo "setup-echarts: fetching echarts@$ECHARTS_VERSION with npm pack"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && npm pack --silent "echarts@$ECHARTS_VERSION" >/dev/null)
	tarball=$tmp/echarts-$ECHARTS_VERSION.tgz
	[ -f "$tarball" ] || {
		echo "setup-echarts: npm pack did not produce $tarball" >&2
		exit 1
	}
	tar -xzf "$tarball" -C "$tmp" package/dist/echarts.min.js
	mkdir -p "$assets"
	# Write to a temporary name first so an interrupted run leaves no
	# truncated file that a later run would take as installed.
	cp "$tmp/package/dist/echarts.min.js" "$target.partial"
	mv "$target.partial" "$target"
	echo "setup-echarts: installed $target ($(wc -c <"$target") bytes)"
fi

if dpkg -s chromium >/dev/null 2>&1; then
	echo "setup-echarts: chromium already installed"
else
	echo "setup-echarts: installing Debian chromium (for the browser tests)"
	if [ "$(id -u)" -eq 0 ]; then
		apt-get install -y --no-install-recommends chromium
	else
		sudo apt-get install -y --no-install-recommends chromium
	fi
fi
