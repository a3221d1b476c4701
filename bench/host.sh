#!/usr/bin/env bash
# bench/host.sh — wall time and peak RSS of `libvet host` on a real wheel with many binaries against
# this machine's root (the installer's question, which should be cheap enough to ask on every
# install). The wheel is numpy 2.4.6 manylinux x86_64 (pinned in conformance/lib.sh, downloaded into
# conformance/.cache/wheels by the conformance scripts or here with pip). N runs (default 7),
# medians printed. Usage: bench/host.sh [-n N]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N=7
[[ "${1:-}" == "-n" ]] && N="${2:?-n needs a number}"
W=conformance/.cache/wheels/numpy-2.4.6-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl
if [[ ! -f $W ]]; then
  mkdir -p conformance/.cache/wheels
  pip download -q --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 --python-version 3.12 \
    -d conformance/.cache/wheels numpy==2.4.6
fi
mkdir -p bench/.cache
go build -o bench/.cache/libvet ./cmd/libvet
cat "$W" > /dev/null
ts=() rs=()
for _ in $(seq "$N"); do
  /usr/bin/time -o bench/.cache/time.out -f '%e %M' bench/.cache/libvet host --root / "$W" > /dev/null 2>&1 || true
  out=$(tail -1 bench/.cache/time.out); ts+=("${out% *}"); rs+=("${out#* }")
done
med() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
echo "# $(date -u +%F) $(uname -m), $(nproc) CPUs, Go $(go env GOVERSION); $(dpkg-query -W 2>/dev/null | wc -l) dpkg packages"
printf 'libvet host --root / %s: median %s s, peak RSS %d MiB (runs: %s)\n' "$(basename "$W")" "$(med "${ts[@]}")" "$(( $(med "${rs[@]}") / 1024 ))" "${ts[*]}"
