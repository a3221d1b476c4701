#!/usr/bin/env bash
# bench/host.sh — wall time and peak RSS of `libvet host` on a real wheel with many binaries against
# this machine's root (the installer's question, which should be cheap enough to ask on every
# install). The wheel is the pinned numpy manylinux x86_64 wheel (`big_wheel numpy` of
# conformance/lib.sh: downloaded once into conformance/.cache/wheels, sha256 checked; the pip that
# downloads it is conformance/.venv's, made with the pinned auditwheel if missing). libvet is built
# into bench/.cache/libvet. N runs (default 7), medians printed. Usage: bench/host.sh [-n N]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../conformance/lib.sh
source conformance/lib.sh
N=7
[[ "${1:-}" == "-n" ]] && N="${2:?-n needs a number}"
[[ -x $WHEEL_PIP_PYTHON ]] || ensure_auditwheel
W=$(big_wheel numpy)
mkdir -p bench/.cache
build_libvet bench/.cache/libvet || { cat bench/.cache/libvet-build.log >&2; exit 1; }
cat "$W" > /dev/null
ts=() rs=()
for _ in $(seq "$N"); do
  /usr/bin/time -o bench/.cache/time.out -f '%e %M' bench/.cache/libvet host --root / "$W" > /dev/null 2>&1 || true
  out=$(tail -1 bench/.cache/time.out); ts+=("${out% *}"); rs+=("${out#* }")
done
med() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
echo "# $(date -u +%F) $(uname -m), $(nproc) CPUs, Go $(go env GOVERSION); $(dpkg-query -W 2>/dev/null | wc -l) dpkg packages"
printf 'libvet host --root / %s: median %s s, peak RSS %d MiB (runs: %s)\n' "$(basename "$W")" "$(med "${ts[@]}")" "$(( $(med "${rs[@]}") / 1024 ))" "${ts[*]}"
