#!/usr/bin/env bash
# bench/packages.sh — wall time and peak RSS of libvet on a large .deb and a large .conda, against
# the floor: decompressing the same data stream once with the reference tool's decoder.
#
# Artifacts (built once into bench/.cache/packages):
#   deb     libqt6webenginecore6 6.4.2 (Debian 12 amd64): a 47 MB .deb whose data.tar.xz holds
#           151 MB, most of it libQt6WebEngineCore.so.6 (apt-get download, pinned version)
#   conda   libvet-big-1.0-h0_0.conda: libQt6WebEngineCore.so.6 and libLLVM-15.so.1 (from
#           libllvm15 1:15.0.6-4+b1) with their symlinks, ~265 MB of libraries, packed by
#           conda-package-handling 2.6.0 (`cph create`, zstd level 19) in a venv under bench/.cache
# Floors: `dpkg-deb --fsys-tarfile X.deb > /dev/null` (liblzma's decode of data.tar.xz), the same
# stream through github.com/ulikunitz/xz, the pure-Go decoder libvet uses (bench/xzfloor), and Python
# backports.zstd (the decoder conda-package-streaming uses) streaming the pkg-*.tar.zst member to nowhere.
#
# Usage: bench/packages.sh [-n N]   (N runs each, default 5; medians printed)
# Needs apt-get, dpkg-deb, python3 and GNU time at /usr/bin/time. Writes only under bench/.cache.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../conformance/lib.sh
source conformance/lib.sh   # ensure_venv, build_libvet
N=5
[[ "${1:-}" == "-n" ]] && N="${2:?-n needs a number}"
C=bench/.cache/packages
mkdir -p "$C"
build_libvet bench/.cache/libvet || { cat bench/.cache/libvet-build.log >&2; exit 1; }
go build -o bench/.cache/xzfloor ./bench/xzfloor
LV="$ROOT/bench/.cache/libvet"

ensure_venv "$C/venv" conda-package-handling==2.6.0
DEB=$C/libqt6webenginecore6_6.4.2-final+dfsg-1_amd64.deb
if [[ ! -f $DEB ]]; then
  (cd "$C" && apt-get download -q libqt6webenginecore6=6.4.2-final+dfsg-1 libllvm15=1:15.0.6-4+b1 >/dev/null 2>&1)
fi
CONDA=$C/libvet-big-1.0-h0_0.conda
if [[ ! -f $CONDA ]]; then
  rm -rf "$C/x" "$C/pkg" && mkdir -p "$C/pkg/lib" "$C/pkg/info"
  for d in "$C"/*.deb; do dpkg-deb -x "$d" "$C/x"; done
  cp -P "$C"/x/usr/lib/x86_64-linux-gnu/libQt6WebEngineCore.so.6* "$C"/x/usr/lib/x86_64-linux-gnu/libLLVM-15.so* "$C/pkg/lib/"
  printf '{"name": "libvet-big", "version": "1.0", "build": "h0_0", "build_number": 0, "subdir": "linux-64", "depends": []}\n' > "$C/pkg/info/index.json"
  (cd "$C/pkg" && find lib -type f -o -type l | sort > info/files)
  (cd "$C" && venv/bin/cph create pkg libvet-big-1.0-h0_0.conda --out-folder . >/dev/null)
  rm -rf "$C/x" "$C/pkg"
fi

zstd_floor() {
  "$C/venv/bin/python" - "$CONDA" <<'PY'
import sys, zipfile
import backports.zstd as zstd  # what conda-package-streaming decodes .conda with
z = zipfile.ZipFile(sys.argv[1])
name = next(n for n in z.namelist() if n.startswith("pkg-"))
r = zstd.open(z.open(name))
while r.read(1 << 20):
    pass
PY
}

run() { # name command...: N runs, prints medians of wall seconds and peak RSS MiB
  local name=$1; shift
  local ts=() rs=()
  cat "$DEB" "$CONDA" > /dev/null
  for _ in $(seq "$N"); do
    /usr/bin/time -o "$C/time.out" -f '%e %M' "$@" > /dev/null 2>&1 || true
    out=$(tail -1 "$C/time.out")
    ts+=("${out% *}"); rs+=("${out#* }")
  done
  t=$(printf '%s\n' "${ts[@]}" | sort -n | sed -n "$(( (N + 1) / 2 ))p")
  r=$(printf '%s\n' "${rs[@]}" | sort -n | sed -n "$(( (N + 1) / 2 ))p")
  printf '%-34s %8.2f s %8d MiB   runs: %s\n' "$name" "$t" "$((r / 1024))" "${ts[*]}"
}

echo "# $(date -u +%F) $(uname -m), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), Go $(go env GOVERSION)"
ls -l "$DEB" "$CONDA" | awk '{printf "# %s %d MB\n", $NF, $5/1e6}'
run "libvet show (.deb)" "$LV" show --root / "$DEB"
run "floor: dpkg-deb --fsys-tarfile" sh -c "dpkg-deb --fsys-tarfile '$DEB' > /dev/null"
(cd "$C" && ar x "$(basename "$DEB")" data.tar.xz)
run "floor: ulikunitz/xz decode" bench/.cache/xzfloor "$C/data.tar.xz"
run "libvet show (.conda)" "$LV" show "$CONDA"
export -f zstd_floor; export C CONDA
run "floor: zstd decode (cph's decoder)" bash -c zstd_floor
