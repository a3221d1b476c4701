#!/usr/bin/env bash
# conformance/auditwheel.sh — compare `libvet show` with `auditwheel show` on real wheels.
#
# What it does (run from anywhere; paths are resolved from the repo root):
#   1. creates a venv in conformance/.venv (gitignored) and pip-installs auditwheel==$AUDITWHEEL_VERSION;
#   2. unless --quick, downloads the pinned "big" wheels (numpy, scipy, pillow, cryptography, lxml,
#      psycopg2-binary, torch) with `pip download` into conformance/.cache/wheels (gitignored) and
#      checks their sha256. Pins, and why torch is 2.10.0 manylinux_2_28_aarch64: conformance/lib.sh;
#   3. builds libvet: `go build -o conformance/.cache/libvet ./cmd/libvet` (a failed build is reported,
#      not fatal: the auditwheel half still runs);
#   4. runs `auditwheel show --json W` and `libvet show --format json W` on every wheel of
#        - the corpus: ../shared/corpus/auditwheel/tests/bundled-wheels/**/*.whl (skipped if absent),
#        - testdata/wheels/*.whl, except the macOS and Windows ones (macosx_*, win32, win_amd64,
#          win_arm64 platform tags: auditwheel only says "no ELF"; conformance/delvewheel.sh
#          compares the Windows ones),
#        - the big wheels (not with --quick);
#   5. runs conformance/compare.py, which prints a table plus every difference per wheel and writes
#      conformance/results.json.
# Differences are data: the script exits 0 when it ran to the end, non-zero only if the script itself
# failed (no python3, venv/pip failure, a download that does not match its pinned sha256, ...).
#
# Options:
#   --quick          corpus + testdata only (no big-wheel downloads)
#   --only REGEX     only wheels whose path matches REGEX (grep -E); such a partial run writes
#                    conformance/.cache/results.partial.json instead of conformance/results.json
#   --no-build       do not run `go build`; use an existing conformance/.cache/libvet
#   --libvet PATH    use this libvet binary instead of building one
#   --fresh          ignore cached auditwheel results (they are keyed by auditwheel version + wheel sha256)
#   -h, --help       this text
# Environment: CONFORMANCE_TIMEOUT (seconds per tool run, default 1800).
#
# Writes only inside the repo (conformance/.venv, conformance/.cache, conformance/results.json) plus
# pip's own cache. auditwheel unpacks wheels into a temp dir: TMPDIR points into conformance/.cache/tmp.
# `go build` uses the Go toolchain's usual build and module caches.
#
# auditwheel's answers depend on the host: libraries are looked up on this machine (their paths, and
# for non-whitelisted ones even the symbol versions they need, appear in the result), and the
# musllinux policy is the host's musl version (on a glibc host: the newest known, musllinux_1_2).
# results.json records the host facts next to the answers.
set -euo pipefail

usage() { sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

QUICK=0 ONLY="" BUILD=1 LIBVET="" FRESH=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --only) ONLY="${2:?--only needs a regex}"; shift ;;
    --no-build) BUILD=0 ;;
    --libvet) LIBVET="${2:?--libvet needs a path}"; BUILD=0; shift ;;
    --fresh) FRESH=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "auditwheel.sh: unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib.sh
source conformance/lib.sh   # pins (auditwheel, big wheels), ensure_auditwheel, big_wheel, run_timed, run_libvet
CONF=conformance
VENV=$CONF_VENV
CACHE=$CONF_CACHE
OUT=$CACHE/out
mkdir -p "$CACHE" "$CACHE/tmp" "$CACHE/auditwheel"
rm -rf "$OUT"; mkdir -p "$OUT"
export TMPDIR="$ROOT/$CACHE/tmp"

# --- 1. auditwheel in a venv -------------------------------------------------------------------
ensure_auditwheel
AUDITWHEEL=$VENV/bin/auditwheel

# --- 2. big wheels ----------------------------------------------------------------------------
BIG_FILES=()
if [[ $QUICK == 0 ]]; then
  while read -r name; do
    f=$(big_wheel "$name") || exit 1
    BIG_FILES+=("$f")
  done < <(big_wheel_names)
fi

# --- 3. libvet --------------------------------------------------------------------------------
prepare_libvet auditwheel

# --- 4. run both tools on every wheel ---------------------------------------------------------
MANIFEST=$OUT/manifest.tsv
printf 'set\twheel\tkey\taw_rc\taw_seconds\taw_cached\tlv_rc\tlv_seconds\tlv_status\n' >"$MANIFEST"

CORPUS=../shared/corpus/auditwheel/tests/bundled-wheels
list_wheels() {
  local f
  if [[ -d $CORPUS ]]; then find "$CORPUS" -name '*.whl' | LC_ALL=C sort | sed 's/^/corpus\t/'; fi
  while read -r f; do
    case $(wheel_platform "$f") in macos|windows) ;; *) printf 'testdata\t%s\n' "$f" ;; esac
  done < <(find testdata/wheels -maxdepth 1 -name '*.whl' | LC_ALL=C sort)
  for f in ${BIG_FILES[@]+"${BIG_FILES[@]}"}; do printf 'big\t%s\n' "$f"; done
}
[[ -d $CORPUS ]] || log "corpus $CORPUS not present: skipped"

n=0
while IFS=$'\t' read -r set wheel; do
  if [[ -n $ONLY ]] && ! grep -qE -- "$ONLY" <<<"$wheel"; then continue; fi
  n=$((n + 1))
  key=$(printf '%03d' "$n")
  log "[$key] $set $(basename "$wheel")"

  # auditwheel (cached by auditwheel version + wheel content)
  sum=$(sha256_of "$wheel")
  cdir=$CACHE/auditwheel/$AUDITWHEEL_VERSION/$sum
  aw_cached=1
  if [[ $FRESH == 1 || ! -f $cdir/rc ]]; then
    aw_cached=0
    run_timed "$cdir" "$AUDITWHEEL" show --json "$wheel"
  fi
  cp "$cdir/stdout" "$OUT/$key.auditwheel.json"; cp "$cdir/stderr" "$OUT/$key.auditwheel.err"
  aw_rc=$(cat "$cdir/rc"); aw_s=$(cat "$cdir/seconds")

  run_libvet "$OUT" "$key" "$wheel"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$set" "$wheel" "$key" "$aw_rc" "$aw_s" "$aw_cached" "$LV_RC" "$LV_SECONDS" "$LIBVET_STATUS" >>"$MANIFEST"
done < <(list_wheels)

# --- 5. compare -------------------------------------------------------------------------------
RESULTS=$CONF/results.json
[[ -n $ONLY ]] && RESULTS=$CACHE/results.partial.json
"$VENV/bin/python" "$CONF/compare.py" \
  --manifest "$MANIFEST" --out-dir "$OUT" --results "$RESULTS" \
  --auditwheel-version "$AUDITWHEEL_VERSION" --libvet-status "$LIBVET_STATUS" \
  --libvet-version "$(libvet_version)" --mode "$([[ $QUICK == 1 ]] && echo quick || echo full)"
