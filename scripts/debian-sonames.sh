#!/bin/sh
# debian-sonames.sh: regenerate externaldeps/data/debian.txt, the table of Debian packages
# that ship the shared libraries of libvet's soname knowledge base
# (externaldeps/data/sonames.txt), then check the knowledge base against it.
#
# Where the facts come from: Debian publishes, per suite, component and architecture, a
# Contents index that lists every file of every package:
#   https://deb.debian.org/debian/dists/<suite>/<component>/Contents-amd64.gz
# This script downloads the indexes of bookworm's main, contrib and non-free (about 12 MB;
# non-free brings CUDA, cuBLAS and MKL) into a cache and runs
# externaldeps/internal/debgen on them. debgen keeps only the library file names that a
# Linux pattern of sonames.txt matches (see externaldeps/data/README.md for why), so run this
# script again after adding Linux names to sonames.txt.
#
# With --apt-file, the Contents indexes that apt-file keeps on this machine
# (/var/lib/apt/lists, after `apt-file update`) are used instead of downloading. They are
# the host's suites and components, so the table then says what this machine's
# distribution ships (the header records the labels apt gives them), and the test that
# follows fails for the knowledge base's names from components the host lacks (CUDA and
# MKL are in non-free). The committed table is the bookworm download.
#
# Usage: scripts/debian-sonames.sh [--check] [--refresh] [--apt-file]
#   --check     write nothing; exit 1 if the committed table differs from what the (cached)
#               indexes give
#   --refresh   download the indexes again even if they are cached
#   --apt-file  use apt-file's local Contents indexes
# Environment: DEBIAN_SUITE (bookworm), DEBIAN_MIRROR (https://deb.debian.org/debian),
# DEBIAN_COMPONENTS ("main contrib non-free"), LIBVET_CACHE (${XDG_CACHE_HOME:-~/.cache}/libvet).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

suite=${DEBIAN_SUITE:-bookworm}
mirror=${DEBIAN_MIRROR:-https://deb.debian.org/debian}
components=${DEBIAN_COMPONENTS:-main contrib non-free}
cache=${LIBVET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libvet}/debian-contents/$suite

check=''
refresh=''
aptfile=''
for arg in "$@"; do
	case "$arg" in
	--check) check=-check ;;
	--refresh) refresh=1 ;;
	--apt-file) aptfile=1 ;;
	*)
		echo "usage: scripts/debian-sonames.sh [--check] [--refresh] [--apt-file]" >&2
		exit 2
		;;
	esac
done

# The Contents files as LABEL=FILE arguments for debgen, built in "$@".
set --
if [ -n "$aptfile" ]; then
	command -v apt-get >/dev/null || { echo "debian-sonames: apt-get not found" >&2; exit 1; }
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	# One line per index: the file and a label (codename-component). The $(...) are apt's
	# format fields, not the shell's.
	# shellcheck disable=SC2016
	apt-get indextargets --format '$(FILENAME) $(CODENAME)-$(COMPONENT)' 'Identifier: Contents-deb' 'Architecture: amd64' >"$tmp/targets"
	n=0
	while read -r file label; do
		[ -f "$file" ] || continue
		n=$((n + 1))
		/usr/lib/apt/apt-helper cat-file "$file" >"$tmp/$n"
		set -- "$@" -contents "$label=$tmp/$n"
	done <"$tmp/targets"
	if [ "$n" -eq 0 ]; then
		echo "debian-sonames: no Contents indexes from apt-file (install apt-file and run apt-file update)" >&2
		exit 1
	fi
	# shellcheck disable=SC2016
	suite=$(apt-get indextargets --format '$(CODENAME)' 'Identifier: Contents-deb' | sort -u | tr '\n' ' ' | sed 's/ $//; s/ /+/g')
else
	mkdir -p "$cache"
	for c in $components; do
		f=$cache/$c-Contents-amd64.gz
		if [ -n "$refresh" ] || [ ! -s "$f" ]; then
			echo "debian-sonames: downloading $mirror/dists/$suite/$c/Contents-amd64.gz" >&2
			curl -fsSL --retry 3 -o "$f.tmp" "$mirror/dists/$suite/$c/Contents-amd64.gz"
			mv "$f.tmp" "$f"
		fi
		set -- "$@" -contents "$c=$f"
	done
fi

go run ./externaldeps/internal/debgen $check -suite "$suite" "$@" -out externaldeps/data

if [ -z "$check" ]; then
	# Every Linux name of the knowledge base against the new table, and the table's bounds.
	go test -count=1 -run '^(TestSonamesDebian|TestDebianTable)$' ./externaldeps/
fi
