#!/usr/bin/env bash
# bench/bench.sh — wall time and peak RSS of `auditwheel show` vs `libvet show` on big real wheels.
#
# Wheels: the pinned scipy manylinux x86_64 wheel and the pinned CPU-only torch manylinux wheel
# (torch 2.10.0 manylinux_2_28_aarch64; why that one: see conformance/lib.sh). They are downloaded
# once with pip into conformance/.cache/wheels (the cache shared with conformance/auditwheel.sh).
# auditwheel is the pinned version in conformance/.venv (created if missing). libvet is built with
# `go build -o bench/.cache/libvet ./cmd/libvet`.
#
# Each tool runs N times per wheel (default 5; auditwheel on torch 3 by default because it is slow)
# under `/usr/bin/time -f '%e %M'` (wall seconds, peak RSS in KiB), output discarded. The wheel is
# read once beforehand so every run starts with it in the page cache. Prints the machine facts,
# every run, the medians and the ratio auditwheel/libvet; raw runs go to bench/.cache/runs-*.tsv.
#
# Usage (from anywhere; paths are resolved from the repo root):
#   bench/bench.sh [-n N] [--aw-torch-runs M] [--only scipy|torch] [--auditwheel-only|--libvet-only]
#                  [--libvet PATH] [--no-build]
#   -n N               runs per tool and wheel (default 5)
#   --aw-torch-runs M  auditwheel runs on torch (default min(N, 3))
#   --only NAME        only this wheel (scipy or torch; any name from conformance/lib.sh works)
#   --auditwheel-only  skip libvet;  --libvet-only: skip auditwheel
#   --libvet PATH      time this binary instead of building one;  --no-build: use bench/.cache/libvet
#
# Needs GNU time at /usr/bin/time (installed with `apt-get install -y time` when missing and running
# as root). Writes only inside the repo (bench/.cache, conformance/.venv, conformance/.cache) plus
# pip's cache; auditwheel's temporary unpack dir is bench/.cache/tmp (TMPDIR). `go build` uses the
# Go toolchain's usual build and module caches. Exits non-zero only if the script itself fails;
# a failing libvet run is reported in the table.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../conformance/lib.sh
source conformance/lib.sh

N=5 AW_TORCH_RUNS="" ONLY="" DO_AW=1 DO_LV=1 LIBVET="" BUILD=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) N="${2:?-n needs a number}"; shift ;;
    --aw-torch-runs) AW_TORCH_RUNS="${2:?}"; shift ;;
    --only) ONLY="${2:?}"; shift ;;
    --auditwheel-only) DO_LV=0 ;;
    --libvet-only) DO_AW=0 ;;
    --libvet) LIBVET="${2:?}"; BUILD=0; shift ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: -n must be a positive integer" >&2; exit 2; }
AW_TORCH_RUNS=${AW_TORCH_RUNS:-$((N < 3 ? N : 3))}

BCACHE=bench/.cache
mkdir -p "$BCACHE/tmp"
export TMPDIR="$ROOT/$BCACHE/tmp"

# GNU time
if [[ ! -x /usr/bin/time ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing GNU time (apt-get install -y time)"
    apt-get install -y -qq time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
  fi
  [[ -x /usr/bin/time ]] || { echo "bench.sh: /usr/bin/time (GNU time) is required: apt-get install -y time" >&2; exit 1; }
fi

ensure_auditwheel
AUDITWHEEL=$CONF_VENV/bin/auditwheel

WHEEL_NAMES=(scipy torch)
[[ -n $ONLY ]] && WHEEL_NAMES=("$ONLY")
declare -A WHEEL_PATH
for w in "${WHEEL_NAMES[@]}"; do
  f=$(big_wheel "$w") || exit 1
  WHEEL_PATH[$w]=$f
done

LIBVET_NOTE=""
if [[ $DO_LV == 1 ]]; then
  if [[ -z $LIBVET ]]; then
    LIBVET=$BCACHE/libvet
    if [[ $BUILD == 1 ]] && ! build_libvet "$LIBVET"; then
      LIBVET_NOTE="libvet build failed (see $LIBVET-build.log)"
    fi
  fi
  if [[ -z $LIBVET_NOTE && ! -x $LIBVET ]]; then LIBVET_NOTE="no libvet binary at $LIBVET"; fi
  if [[ -n $LIBVET_NOTE ]]; then log "$LIBVET_NOTE: timing auditwheel only"; DO_LV=0; fi
fi

# ---- machine facts
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || true)
gov=$(go version 2>/dev/null || echo "go: not found")
awv=$("$CONF_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("auditwheel"))')
pyv=$("$CONF_VENV/bin/python" -c 'import platform; print(platform.python_version())')
lvv="(not run)"
if [[ $DO_LV == 1 ]]; then lvv=$("$LIBVET" --version 2>/dev/null | head -1 || true); lvv=${lvv:-unknown}; fi
rev=$(git rev-parse --short HEAD 2>/dev/null || echo "no commit")
stamp=$(date -u +%Y%m%dT%H%M%SZ)
RUNS=$BCACHE/runs-$stamp.tsv

cat <<EOF
date        $(date -u '+%Y-%m-%d %H:%M:%S UTC')
host        $(uname -srm)
cpu         ${cpu:-unknown} (nproc $(nproc))
load        $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) (1/5/15 min; other work on the machine skews the timings)
memory      ${mem:-unknown}
go          $gov
auditwheel  $awv (python $pyv)
libvet      $lvv (repo at $rev)${LIBVET_NOTE:+ — $LIBVET_NOTE}
runs        $N per tool and wheel (auditwheel on torch: $AW_TORCH_RUNS)
EOF
echo
printf 'wheel\ttool\trun\tseconds\tmaxrss_kib\trc\n' >"$RUNS"

# time_run WHEEL_NAME TOOL RUN_NO CMD...: one timed run, appended to $RUNS and echoed.
time_run() {
  local name=$1 tool=$2 i=$3; shift 3
  local tf=$BCACHE/time.out rc
  set +e
  /usr/bin/time -f '%e %M' -o "$tf" "$@" </dev/null >/dev/null 2>"$BCACHE/last-$tool.err"
  rc=$?
  set -e
  read -r secs rss <"$tf" || { secs=NA; rss=NA; }
  # GNU time prefixes "Command exited with non-zero status N" on its own line
  if [[ $secs == Command ]]; then read -r secs rss < <(tail -1 "$tf"); fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$tool" "$i" "$secs" "$rss" "$rc" >>"$RUNS"
  printf '  %-7s %-10s run %d: %8ss  %8s KiB  rc=%s\n' "$name" "$tool" "$i" "$secs" "$rss" "$rc"
}

for name in "${WHEEL_NAMES[@]}"; do
  wheel=${WHEEL_PATH[$name]}
  echo "$name: $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"
  cat "$wheel" >/dev/null  # page cache
  if [[ $DO_AW == 1 ]]; then
    runs=$N; [[ $name == torch ]] && runs=$AW_TORCH_RUNS
    for ((i = 1; i <= runs; i++)); do time_run "$name" auditwheel "$i" "$AUDITWHEEL" show "$wheel"; done
  fi
  if [[ $DO_LV == 1 ]]; then
    for ((i = 1; i <= N; i++)); do time_run "$name" libvet "$i" "$LIBVET" show "$wheel"; done
  fi
done

echo
python3 - "$RUNS" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
ok = lambda r: r["rc"] in ("0", "1") and r["seconds"] not in ("", "NA")  # libvet exits 1 on findings
med = {}
for r in rows:
    med.setdefault((r["wheel"], r["tool"]), []).append(r)
print(f"{'wheel':<8} {'tool':<11} {'runs':>4} {'median s':>9} {'min s':>8} {'median RSS':>12}  notes")
for (w, t), rs in med.items():
    good = [r for r in rs if ok(r)]
    bad = len(rs) - len(good)
    note = f"{bad} failed run(s), rc={sorted({r['rc'] for r in rs if not ok(r)})}" if bad else ""
    if good:
        s = statistics.median(float(r["seconds"]) for r in good)
        lo = min(float(r["seconds"]) for r in good)
        m = statistics.median(int(r["maxrss_kib"]) for r in good)
        med[(w, t)] = (s, m)
        print(f"{w:<8} {t:<11} {len(good):>4} {s:>9.2f} {lo:>8.2f} {m / 1024:>9.1f} MiB  {note}")
    else:
        med[(w, t)] = None
        print(f"{w:<8} {t:<11} {0:>4} {'-':>9} {'-':>8} {'-':>12}  {note}")
for w in sorted({w for w, _ in med}):
    a, l = med.get((w, "auditwheel")), med.get((w, "libvet"))
    if a and l and l[0] > 0 and l[1] > 0:
        print(f"{w}: auditwheel/libvet = {a[0] / l[0]:.1f}x wall time, {a[1] / l[1]:.1f}x peak RSS")
print(f"raw runs: {sys.argv[1]}")
PY
