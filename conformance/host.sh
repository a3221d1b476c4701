#!/usr/bin/env bash
# conformance/host.sh — check `libvet host` and `libvet tree` against a real Debian 12 root made by debootstrap.
#
# What it does (run from anywhere, as root on a Debian or Ubuntu machine that reaches deb.debian.org):
#   1. installs debootstrap if missing: `apt-get install -y debootstrap`;
#   2. creates once (cached; the stamp ROOT.stamp marks it complete) a minbase Debian 12 root:
#      `debootstrap --variant=minbase bookworm conformance/.cache/roots/bookworm http://deb.debian.org/debian`;
#   3. unless --no-extra, adds a few library packages into it, once, and says so:
#      `chroot ROOT apt-get install -y --no-install-recommends libpq5 libxml2` (EXTRA_PACKAGES);
#   4. builds libvet into conformance/.cache/libvet;
#   5. libvet host: runs `libvet host --root ROOT --format json` on every wheel with ELF binaries of
#      testdata/wheels and conformance/.cache/wheels; every library reported found must exist in the
#      root, be owned by the package `chroot ROOT dpkg -S` names (merged-/usr aliases tried), and, when
#      found through ld.so.cache, be the file `chroot ROOT ldconfig -p` lists; every library reported
#      missing must be absent from the root's ld.so search (ldconfig -p, then the system directories);
#   6. libvet tree: runs `libvet tree --root ROOT --format json` on ~N binaries of ROOT/usr/bin and
#      ROOT/usr/lib/x86_64-linux-gnu and compares the resolved soname -> path pairs with
#      `chroot ROOT ldd` (ldd runs inside the chroot here; libvet never executes anything);
#   7. conformance/host/compare.py prints agreements, every difference and a summary (counts; also
#      written to conformance/.cache/host/summary.json). docs/differences.md ("libvet host" section) explains each kind.
# Differences are data: the script exits 0 when it ran to the end, non-zero only when it failed.
# Options: --no-install (do not apt-get install debootstrap), --no-extra (leave EXTRA_PACKAGES out; a root
# that has them already keeps them), --libvet PATH (use this binary), -n N (binaries for step 6, default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=conformance/lib.sh
. conformance/lib.sh

# Pins. The root is whatever bookworm's archive holds on the day it is made: the stamp records the
# date and `dpkg-query -W` of the root, and removing conformance/.cache/roots makes a new one.
SUITE=bookworm
VARIANT=minbase
MIRROR=http://deb.debian.org/debian
EXTRA_PACKAGES=(libpq5 libxml2)
ROOT=$CONF_CACHE/roots/$SUITE
OUT=$CONF_CACHE/host

install=1 extra=1 libvet="" n=20
while [ $# -gt 0 ]; do
	case "$1" in
	--no-install) install=0 ;;
	--no-extra) extra=0 ;;
	--libvet) libvet=$2; shift ;;
	-n) n=$2; shift ;;
	-h | --help) sed -n '2,25p' "$0"; exit 0 ;;
	*) echo "host.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { echo "host.sh: debootstrap and chroot need root; run it as root" >&2; exit 1; }

if ! command -v debootstrap >/dev/null; then
	[ $install = 1 ] || { echo "host.sh: debootstrap not found (apt-get install -y debootstrap)" >&2; exit 1; }
	log "apt-get install -y debootstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >/dev/null
fi

if [ ! -f "$ROOT.stamp" ]; then
	# no stamp: absent, or an earlier debootstrap did not finish
	rm -rf "$ROOT"
	mkdir -p "$(dirname "$ROOT")"
	log "debootstrap --variant=$VARIANT $SUITE $ROOT $MIRROR (log: $ROOT.debootstrap.log)"
	debootstrap --variant="$VARIANT" "$SUITE" "$ROOT" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1 || {
		tail -20 "$ROOT.debootstrap.log" >&2
		exit 1
	}
	{
		echo "debootstrap --variant=$VARIANT $SUITE $ROOT $MIRROR"
		echo "made $(date -u +%Y-%m-%dT%H:%M:%SZ) with $(debootstrap --version)"
		chroot "$ROOT" dpkg-query -W
	} >"$ROOT.stamp"
else
	log "using the cached root $ROOT (made $(sed -n 2p "$ROOT.stamp" | cut -d' ' -f2))"
fi

# shellcheck disable=SC2016  # ${Status} is dpkg-query's format, not the shell's
have_extra() { chroot "$ROOT" dpkg-query -W -f '${Status}\n' "${EXTRA_PACKAGES[@]}" 2>/dev/null | grep -c '^install ok installed$' || true; }
if [ $extra = 1 ]; then
	if [ "$(have_extra)" != "${#EXTRA_PACKAGES[@]}" ]; then
		log "adding ${EXTRA_PACKAGES[*]} to the root: chroot $ROOT apt-get install -y --no-install-recommends ${EXTRA_PACKAGES[*]}"
		chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			"${EXTRA_PACKAGES[@]}" >"$ROOT.extra.log" 2>&1 || {
			tail -20 "$ROOT.extra.log" >&2
			exit 1
		}
	fi
	log "the root has minbase plus ${EXTRA_PACKAGES[*]} (and their dependencies)"
elif [ "$(have_extra)" != 0 ]; then
	log "--no-extra, but the cached root already has some of ${EXTRA_PACKAGES[*]}: checking it as it is"
else
	log "the root is plain minbase (--no-extra)"
fi

if [ -z "$libvet" ]; then
	libvet=$CONF_CACHE/libvet
	build_libvet "$libvet" || { cat "$libvet-build.log" >&2; exit 1; }
fi

rm -rf "$OUT"
mkdir -p "$OUT"
: >"$OUT/runs.jsonl"
key() { printf '%s' "$1" | tr '/' '_'; }

# 5. libvet host on the wheels with ELF binaries
shopt -s nullglob
wheels=$(python3 conformance/host/compare.py pick-wheels testdata/wheels/*.whl "$CONF_WHEELS"/*.whl)
shopt -u nullglob
nw=0
for w in $wheels; do
	k=$(key "$w")
	rc=0
	"$libvet" host --root "$ROOT" --format json "$w" >"$OUT/$k.host.json" 2>"$OUT/$k.host.err" || rc=$?
	printf '{"kind": "host", "wheel": "%s", "key": "%s", "rc": %d}\n' "$w" "$k" "$rc" >>"$OUT/runs.jsonl"
	nw=$((nw + 1))
done
log "libvet host ran on $nw wheels"

# 6. libvet tree and chroot ldd on binaries of the root
files=$(python3 conformance/host/compare.py pick-binaries "$ROOT" "$n")
nb=0
for f in $files; do
	k=$(key "$f")
	rc=0
	"$libvet" tree --root "$ROOT" --format json "$ROOT/$f" >"$OUT/$k.tree.json" 2>"$OUT/$k.tree.err" || rc=$?
	chroot "$ROOT" ldd "/$f" >"$OUT/$k.ldd" 2>&1 || true
	printf '{"kind": "tree", "file": "/%s", "key": "%s", "rc": %d}\n' "$f" "$k" "$rc" >>"$OUT/runs.jsonl"
	nb=$((nb + 1))
done
log "libvet tree and chroot ldd ran on $nb binaries"

python3 conformance/host/compare.py compare "$ROOT" "$OUT"
