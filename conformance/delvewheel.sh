#!/usr/bin/env bash
# conformance/delvewheel.sh — compare `libvet show` with `delvewheel show` on real Windows wheels.
#
# What it does (run from anywhere; paths are resolved from the repo root):
#   1. creates a venv in conformance/.venv-delvewheel (gitignored) and pip-installs
#      delvewheel==$DELVEWHEEL_VERSION (pins: conformance/lib.sh);
#   2. unless --quick, downloads the pinned Windows wheels (WIN_WHEELS in conformance/lib.sh: numpy,
#      scipy, pillow, lxml, cryptography, pyzmq for win_amd64, and the small ones for win32 and
#      win_arm64) with `pip download` into conformance/.cache/wheels and checks their sha256;
#   3. builds libvet: `go build -o conformance/.cache/libvet ./cmd/libvet` (a failed build is
#      reported, not fatal: the delvewheel half still runs);
#   4. runs, on every wheel of
#        - the corpus: ../shared/corpus/delvewheel/**/*.whl with a win32/win_amd64/win_arm64 platform
#          tag (skipped if absent; its macOS and pure wheels say nothing about Windows),
#        - testdata/wheels/*.whl with a Windows platform tag,
#        - the Windows big wheels (not with --quick),
#      these three commands:
#        a. `delvewheel show W`: delvewheel's own default answer, recorded as is (for a wheel that
#           delvewheel already repaired it only says "delvewheel X has already repaired this wheel");
#        b. `delvewheel show --ignore-existing --analyze-existing --analyze-existing-exes W'`: the
#           answer compared with libvet (why these flags: below). W' is W, or for a wheel with
#           .dist-info/DELVEWHEEL a copy without that member (delvewheel_input in lib.sh);
#        c. `libvet show --format json W`;
#   5. runs conformance/compare_delvewheel.py, which prints a table plus every difference per wheel
#      and writes conformance/results-delvewheel.json.
#
# What is compared: the DLLs delvewheel lists under "The following DLLs will be copied into the
# wheel" in run (b), lowercased, against libvet's `external_libs[].soname`, lowercased. Neither
# tool is given a DLL search path: delvewheel runs with PATH set to an empty directory (it searches
# only the wheel and PATH, so every DLL it would copy is "(Error: Not Found)" and the answer does
# not depend on this host), and libvet never looks on the host for Windows DLLs.
#
# Why (b) passes --ignore-existing, --analyze-existing and --analyze-existing-exes: libvet resolves
# every binary in the wheel against the wheel's own files and audits every PE file in it. delvewheel's
# defaults answer a different question ("what would `repair` copy, starting from the .pyd files"):
#   - without --ignore-existing, a DLL that is already in the wheel (iknowpy's iKnowEngine.dll, a
#     repaired wheel's <dist>.libs/*.dll) is looked up on PATH only, so it shows up as "will be
#     copied (Not Found)" and its own imports are never read. With it, delvewheel first searches
#     every directory of the wheel by lowercased file name, lists what it finds under "already in
#     the wheel" and walks into those DLLs' imports;
#   - without --analyze-existing, only .pyd files are roots: a DLL in the wheel that no .pyd imports
#     (a ctypes- or cffi-loaded library, a plugin) is never analysed, while libvet audits it; the same
#     for .exe files and --analyze-existing-exes.
# So (b) is delvewheel's answer to "which DLLs does some binary in this wheel need that are neither
# in the wheel nor on the system", libvet's question. What remains different is data; the known
# reasons are in compare_delvewheel.py's notes (delvewheel finds a DLL anywhere in the wheel by name,
# whatever the loader would do; it skips <dist>.data/ directories other than platlib and purelib).
# Run (a) is kept so that the default answer is on record too.
#
# Differences are data: the script exits 0 when it ran to the end, non-zero only if the script itself
# failed (no python3, venv/pip failure, a download that does not match its pinned sha256, ...).
#
# Options:
#   --quick          corpus + testdata only (no big-wheel downloads)
#   --also NAME      also compare the pinned wheel NAME from conformance/lib.sh (repeatable), e.g.
#                    torch-win_amd64 (127 MB, bench-only by default); works with --quick
#   --only REGEX     only wheels whose path matches REGEX (grep -E); such a partial run writes
#                    conformance/.cache/results-delvewheel.partial.json instead
#   --no-build       do not run `go build`; use an existing conformance/.cache/libvet
#   --libvet PATH    use this libvet binary instead of building one
#   --no-libvet      run the delvewheel half only
#   --fresh          ignore cached delvewheel results (keyed by delvewheel version + wheel sha256)
#   -h, --help       this text
# Environment: CONFORMANCE_TIMEOUT (seconds per tool run, default 1800).
#
# Writes only inside the repo (conformance/.venv-delvewheel, conformance/.cache,
# conformance/results-delvewheel.json) plus pip's own cache. delvewheel unpacks wheels into a temp
# dir: TMPDIR points into conformance/.cache/tmp. `go build` uses the Go toolchain's usual caches.
set -euo pipefail

usage() { sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

QUICK=0 ONLY="" BUILD=1 LIBVET="" FRESH=0 RUN_LIBVET=1 ALSO=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --also) ALSO+=("${2:?--also needs a wheel name from conformance/lib.sh}"); shift ;;
    --only) ONLY="${2:?--only needs a regex}"; shift ;;
    --no-build) BUILD=0 ;;
    --libvet) LIBVET="${2:?--libvet needs a path}"; BUILD=0; shift ;;
    --no-libvet) RUN_LIBVET=0 ;;
    --fresh) FRESH=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "delvewheel.sh: unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib.sh
source conformance/lib.sh   # pins (delvewheel, Windows wheels), ensure_delvewheel, big_wheel, delvewheel_input, DW_SHOW, run_timed, run_libvet
CONF=conformance
CACHE=$CONF_CACHE
OUT=$CACHE/out-delvewheel
mkdir -p "$CACHE" "$CACHE/tmp" "$CACHE/delvewheel"
rm -rf "$OUT"; mkdir -p "$OUT"
export TMPDIR="$ROOT/$CACHE/tmp"

# --- 1. delvewheel in a venv -------------------------------------------------------------------
ensure_delvewheel
WHEEL_PIP_PYTHON=$DW_VENV/bin/python   # big_wheel downloads with this venv's pip

# --- 2. big wheels ----------------------------------------------------------------------------
BIG_FILES=()
if [[ $QUICK == 0 ]]; then
  while read -r name; do
    f=$(big_wheel "$name") || exit 1
    BIG_FILES+=("$f")
  done < <(win_wheel_names)
fi
for name in ${ALSO[@]+"${ALSO[@]}"}; do
  f=$(big_wheel "$name") || exit 1
  BIG_FILES+=("$f")
done

# --- 3. libvet --------------------------------------------------------------------------------
if [[ $RUN_LIBVET == 0 ]]; then LIBVET_STATUS="not-run"; else prepare_libvet delvewheel; fi

# --- 4. run the tools on every wheel ----------------------------------------------------------
MANIFEST=$OUT/manifest.tsv
printf 'set\twheel\tkey\tsha256\tdw_input\tdwd_rc\tdwd_seconds\tdwc_rc\tdwc_seconds\tdw_cached\tlv_rc\tlv_seconds\tlv_status\n' >"$MANIFEST"

CORPUS=../shared/corpus/delvewheel
list_wheels() {
  local f
  if [[ -d $CORPUS ]]; then
    while read -r f; do [[ $(wheel_platform "$f") == windows ]] && printf 'corpus\t%s\n' "$f"; done < <(find "$CORPUS" -name '*.whl' | LC_ALL=C sort)
  fi
  while read -r f; do [[ $(wheel_platform "$f") == windows ]] && printf 'testdata\t%s\n' "$f"; done < <(find testdata/wheels -maxdepth 1 -name '*.whl' | LC_ALL=C sort)
  for f in ${BIG_FILES[@]+"${BIG_FILES[@]}"}; do printf 'big\t%s\n' "$f"; done
  return 0
}
[[ -d $CORPUS ]] || log "corpus $CORPUS not present: skipped"

n=0
while IFS=$'\t' read -r set wheel; do
  if [[ -n $ONLY ]] && ! grep -qE -- "$ONLY" <<<"$wheel"; then continue; fi
  n=$((n + 1))
  key=$(printf '%03d' "$n")
  log "[$key] $set $(basename "$wheel")"

  # delvewheel (cached by delvewheel version + wheel content)
  sum=$(sha256_of "$wheel")
  cdir=$CACHE/delvewheel/$DELVEWHEEL_VERSION/$sum
  dw_cached=1
  input=$(delvewheel_input "$wheel")
  if [[ $FRESH == 1 || ! -f $cdir/default/rc || ! -f $cdir/compare/rc ]]; then
    dw_cached=0
    run_timed "$cdir/default" "${DW_SHOW[@]}" "$wheel"
    run_timed "$cdir/compare" "${DW_SHOW[@]}" "${DW_COMPARE_FLAGS[@]}" "$input"
  fi
  for v in default compare; do
    cp "$cdir/$v/stdout" "$OUT/$key.dw-$v.out"; cp "$cdir/$v/stderr" "$OUT/$key.dw-$v.err"
  done
  dwd_rc=$(cat "$cdir/default/rc"); dwd_s=$(cat "$cdir/default/seconds")
  dwc_rc=$(cat "$cdir/compare/rc"); dwc_s=$(cat "$cdir/compare/seconds")
  dw_input=same; [[ $input == "$wheel" ]] || dw_input=$input

  run_libvet "$OUT" "$key" "$wheel"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$set" "$wheel" "$key" "$sum" "$dw_input" \
    "$dwd_rc" "$dwd_s" "$dwc_rc" "$dwc_s" "$dw_cached" "$LV_RC" "$LV_SECONDS" "$LIBVET_STATUS" >>"$MANIFEST"
done < <(list_wheels)

# --- 5. compare -------------------------------------------------------------------------------
RESULTS=$CONF/results-delvewheel.json
[[ -n $ONLY ]] && RESULTS=$CACHE/results-delvewheel.partial.json
"$DW_VENV/bin/python" "$CONF/compare_delvewheel.py" \
  --manifest "$MANIFEST" --out-dir "$OUT" --results "$RESULTS" \
  --delvewheel-version "$DELVEWHEEL_VERSION" --libvet-status "$LIBVET_STATUS" \
  --libvet-version "$(libvet_version)" --mode "$([[ $QUICK == 1 ]] && echo quick || echo full)"
