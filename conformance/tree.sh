#!/usr/bin/env bash
# conformance/tree.sh — compare `libvet tree` with lddtree (pax-utils) and libtree on real binaries
# of this machine.
#
# What it does (run from anywhere, as root on a Debian or Ubuntu machine):
#   1. installs lddtree and libtree if missing: `apt-get install -y pax-utils libtree`;
#   2. builds libvet into conformance/.cache/libvet;
#   3. picks ~30 binaries: programs of /usr/bin, shared libraries (some with DT_RPATH or
#      DT_RUNPATH, found with readelf) and Python extension modules of
#      /usr/lib/python3/dist-packages;
#   4. for each, runs `lddtree FILE`, `libtree -vvv FILE` + `libtree -vvv -p FILE` and
#      `libvet tree --format json FILE`, and conformance/tree/compare.py compares the sets of
#      resolved (soname -> real path) pairs, printing agreements and every difference with its
#      explanation (docs/differences.md ("libvet tree") explains each kind).
# Differences are data: the script exits 0 when it ran to the end.
# Options: --no-install (do not apt-get), --libvet PATH (use this binary), -n N (binaries, default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=conformance/lib.sh
. conformance/lib.sh
install=1 libvet="" n=30
while [ $# -gt 0 ]; do
	case "$1" in
	--no-install) install=0 ;;
	--libvet) libvet=$2; shift ;;
	-n) n=$2; shift ;;
	-h | --help) sed -n '2,16p' "$0"; exit 0 ;;
	*) echo "tree.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
if [ $install = 1 ] && ! { command -v lddtree && command -v libtree; } >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y pax-utils libtree >/dev/null
fi
mkdir -p conformance/.cache/tree
# Debian's lddtree is a Python script that needs the system's pyelftools.
lddtree=lddtree
[ -x /usr/bin/python3 ] && lddtree="/usr/bin/python3 $(command -v lddtree)"
if [ -z "$libvet" ]; then
	libvet=$CONF_CACHE/libvet
	build_libvet "$libvet" || { cat "$libvet-build.log" >&2; exit 1; }
fi

# The binaries: a fixed list of common programs and libraries when present, then
# libraries with RPATH/RUNPATH and Python extensions, up to n, sorted for stable output.
pick() {
	for f in /usr/bin/curl /usr/bin/git /usr/bin/ssh /usr/bin/python3 /usr/bin/gpg /usr/bin/tar /usr/bin/ls \
		/usr/bin/perl /usr/bin/openssl /usr/bin/wget /usr/bin/xz /usr/bin/zstd /usr/bin/gcc /usr/bin/patchelf \
		/usr/lib/x86_64-linux-gnu/libcurl.so.4 /usr/lib/x86_64-linux-gnu/libssl.so.3 \
		/usr/lib/x86_64-linux-gnu/libgnutls.so.30 /usr/lib/x86_64-linux-gnu/libstdc++.so.6; do
		[ -f "$f" ] && echo "$f"
	done
	find /usr/lib /usr/libexec -name '*.so*' -type f 2>/dev/null | sort | while read -r f; do
		readelf -d "$f" 2>/dev/null | grep -qE '\((RPATH|RUNPATH)\)' && echo "$f"
	done | head -6
	find /usr/lib/python3/dist-packages -name '*.so' -type f 2>/dev/null | sort | head -6
}
files=$(pick | awk '!seen[$0]++' | head -"$n")

out=conformance/.cache/tree
: >"$out/runs.jsonl"
for f in $files; do
	key=$(echo "$f" | tr / _)
	$lddtree "$f" >"$out/$key.lddtree" 2>&1 || true
	libtree -vvv "$f" >"$out/$key.libtree" 2>&1 || true
	libtree -vvv -p "$f" >"$out/$key.libtree-p" 2>&1 || true
	"$libvet" tree --format json --no-owners "$f" >"$out/$key.libvet.json" 2>/dev/null || true
	printf '{"file": "%s", "key": "%s"}\n' "$f" "$key" >>"$out/runs.jsonl"
done
python3 conformance/tree/compare.py "$out"
