#!/usr/bin/env bash
# bench/bench.sh — wall time and peak RSS of libvet vs the reference tool on big real wheels.
#
# Wheels (pins and why these: conformance/lib.sh), downloaded once with pip into
# conformance/.cache/wheels (the cache shared with the conformance scripts):
#   scipy               scipy 1.17.1 manylinux x86_64             reference: auditwheel show
#   torch               torch 2.10.0 manylinux_2_28_aarch64 (CPU) reference: auditwheel show
#   scipy-macosx_arm64  scipy 1.17.1 macosx_12_0_arm64            reference: none (see below)
#   torch-win_amd64     torch 2.15.0 win_amd64 (CPU)              reference: delvewheel show
# The reference tool follows from the wheel's platform tag. auditwheel is the pinned version in
# conformance/.venv, delvewheel the pinned version in conformance/.venv-delvewheel (created if
# missing). delvewheel runs as conformance/delvewheel.sh runs it for its comparison: `delvewheel show
# --ignore-existing --analyze-existing --analyze-existing-exes W` with PATH set to an empty directory
# (for a wheel delvewheel already repaired, W is a copy without .dist-info/DELVEWHEEL, else `show`
# stops at once). macOS: no reference tool runs on Linux (delocate shells out to otool, lipo,
# install_name_tool and codesign), so libvet is timed alone. libvet is built with
# `go build -o bench/.cache/libvet ./cmd/libvet`.
#
# Each tool runs N times per wheel (default 5; the reference tool on the two torch wheels 3 by
# default because it is slow) under `/usr/bin/time -f '%e %M'` (wall seconds, peak RSS in KiB),
# output discarded. The wheel is read once beforehand so every run starts with it in the page cache.
# Prints the machine facts, every run, the medians and the ratio reference/libvet; raw runs go to
# bench/.cache/runs-*.tsv.
#
# Usage (from anywhere; paths are resolved from the repo root):
#   bench/bench.sh [-n N] [--ref-torch-runs M] [--only NAME] [--reference-only|--libvet-only]
#                  [--libvet PATH] [--no-build]
#   -n N                runs per tool and wheel (default 5)
#   --ref-torch-runs M  reference-tool runs on torch and torch-win_amd64 (default min(N, 3));
#                       --aw-torch-runs is the old name
#   --only NAME         only this wheel (repeatable; any name from conformance/lib.sh works)
#   --reference-only    skip libvet (--auditwheel-only is the old name);  --libvet-only: skip the
#                       reference tools
#   --libvet PATH       time this binary instead of building one;  --no-build: use bench/.cache/libvet
#
# Needs GNU time at /usr/bin/time (installed with `apt-get install -y time` when missing and running
# as root). Writes only inside the repo (bench/.cache, conformance/.venv, conformance/.venv-delvewheel,
# conformance/.cache) plus pip's cache; the reference tools' temporary unpack dirs are in
# bench/.cache/tmp (TMPDIR). `go build` uses the Go toolchain's usual build and module caches. Exits
# non-zero only if the script itself fails; a failing run is reported in the table.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../conformance/lib.sh
source conformance/lib.sh

N=5 REF_TORCH_RUNS="" ONLY=() DO_REF=1 DO_LV=1 LIBVET="" BUILD=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    -n) N="${2:?-n needs a number}"; shift ;;
    --ref-torch-runs|--aw-torch-runs) REF_TORCH_RUNS="${2:?}"; shift ;;
    --only) ONLY+=("${2:?}"); shift ;;
    --reference-only|--auditwheel-only) DO_LV=0 ;;
    --libvet-only) DO_REF=0 ;;
    --libvet) LIBVET="${2:?}"; BUILD=0; shift ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: -n must be a positive integer" >&2; exit 2; }
REF_TORCH_RUNS=${REF_TORCH_RUNS:-$((N < 3 ? N : 3))}

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

WHEEL_NAMES=(scipy torch scipy-macosx_arm64 torch-win_amd64)
[[ ${#ONLY[@]} -gt 0 ]] && WHEEL_NAMES=("${ONLY[@]}")

# reference_of FILE: the reference tool for a wheel file (auditwheel, delvewheel or none)
reference_of() {
  case $(wheel_platform "$1") in
    linux) echo auditwheel ;;
    windows) echo delvewheel ;;
    *) echo none ;;
  esac
}
# the auditwheel venv's pip downloads the wheels (as before); delvewheel only when a Windows wheel is timed
ensure_auditwheel
AUDITWHEEL=$CONF_VENV/bin/auditwheel
declare -A WHEEL_PATH WHEEL_REF
NEED_DW=0
for w in "${WHEEL_NAMES[@]}"; do
  f=$(big_wheel "$w") || exit 1
  WHEEL_PATH[$w]=$f
  WHEEL_REF[$w]=$(reference_of "$f")
  [[ ${WHEEL_REF[$w]} == delvewheel ]] && NEED_DW=1
done
DWV="(not run)"
if [[ $DO_REF == 1 && $NEED_DW == 1 ]]; then
  ensure_delvewheel
  DWV=$("$DW_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("delvewheel"))')
fi

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
delvewheel  $DWV
libvet      $lvv (repo at $rev)${LIBVET_NOTE:+ — $LIBVET_NOTE}
runs        $N per tool and wheel (reference tool on torch and torch-win_amd64: $REF_TORCH_RUNS)
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
  printf '  %-18s %-10s run %d: %8ss  %8s KiB  rc=%s\n' "$name" "$tool" "$i" "$secs" "$rss" "$rc"
}

for name in "${WHEEL_NAMES[@]}"; do
  wheel=${WHEEL_PATH[$name]}
  echo "$name: $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"
  cat "$wheel" >/dev/null  # page cache
  ref=${WHEEL_REF[$name]}
  runs=$N; [[ $name == torch || $name == torch-win_amd64 ]] && runs=$REF_TORCH_RUNS
  if [[ $DO_REF == 1 && $ref == auditwheel ]]; then
    for ((i = 1; i <= runs; i++)); do time_run "$name" auditwheel "$i" "$AUDITWHEEL" show "$wheel"; done
  elif [[ $DO_REF == 1 && $ref == delvewheel ]]; then
    input=$(delvewheel_input "$wheel")
    [[ $input == "$wheel" ]] || { echo "  (delvewheel reads $input: the wheel without .dist-info/DELVEWHEEL)"; cat "$input" >/dev/null; }
    for ((i = 1; i <= runs; i++)); do
      time_run "$name" delvewheel "$i" "${DW_SHOW[@]}" "${DW_COMPARE_FLAGS[@]}" "$input"
    done
  elif [[ $DO_REF == 1 ]]; then
    echo "  (no reference tool for $name: macOS tools do not run on Linux; libvet alone)"
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
print(f"{'wheel':<18} {'tool':<11} {'runs':>4} {'median s':>9} {'min s':>8} {'median RSS':>12}  notes")
for (w, t), rs in med.items():
    good = [r for r in rs if ok(r)]
    bad = len(rs) - len(good)
    note = f"{bad} failed run(s), rc={sorted({r['rc'] for r in rs if not ok(r)})}" if bad else ""
    if good:
        s = statistics.median(float(r["seconds"]) for r in good)
        lo = min(float(r["seconds"]) for r in good)
        m = statistics.median(int(r["maxrss_kib"]) for r in good)
        med[(w, t)] = (s, m)
        print(f"{w:<18} {t:<11} {len(good):>4} {s:>9.2f} {lo:>8.2f} {m / 1024:>9.1f} MiB  {note}")
    else:
        med[(w, t)] = None
        print(f"{w:<18} {t:<11} {0:>4} {'-':>9} {'-':>8} {'-':>12}  {note}")
for w in sorted({w for w, _ in med}):
    l = med.get((w, "libvet"))
    for ref in ("auditwheel", "delvewheel"):
        a = med.get((w, ref))
        if a and l and l[0] > 0 and l[1] > 0:
            print(f"{w}: {ref}/libvet = {a[0] / l[0]:.1f}x wall time, {a[1] / l[1]:.1f}x peak RSS")
print(f"raw runs: {sys.argv[1]}")
PY
