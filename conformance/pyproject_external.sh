#!/usr/bin/env bash
# conformance/pyproject_external.sh — compare libvet's DepURL parser (package externaldeps) with
# pyproject-external, the reference implementation of PEP 725.
#
# What it does (run from anywhere; paths are resolved from the repo root):
#   1. creates a venv in conformance/.cache/venv-pyproject-external (gitignored) and pip-installs
#      pyproject-external==$PYEXT_VERSION with the purl and packaging libraries it parses with,
#      pinned (PYEXT_DEPS in conformance/lib.sh); its other dependencies are whatever pip resolves;
#   2. builds libvet's side, conformance/depurl, into conformance/.cache/pyproject-external/depurl
#      (a failed build stops the script: there is nothing to compare with);
#   3. feeds both the same external dependency specifiers (a DepURL and an optional "; marker"),
#      one per line: conformance/depurl/cases.txt (PEP 725's examples, the spellings of its first
#      drafts, and tricky cases) and every DepURL of the PEP 804 registry and mappings in
#      ../shared/reference/pep804-mappings (skipped when ../shared is not there);
#      pyproject-external parses each with DepURL.from_string (conformance/depurl/pyext.py),
#      libvet with externaldeps.ParseRequirement;
#   4. runs conformance/depurl/compare.py, which prints every input the two answer differently,
#      with the entry of docs/differences.md ("External dependencies") that explains it (or UNEXPLAINED), and a
#      summary, and writes conformance/.cache/pyproject-external/results.json.
# Differences are data: the script exits 0 when it ran to the end, non-zero only if the script
# itself failed (no python3 or go, venv/pip failure, a build failure, ...).
#
# Options:
#   --no-build       do not run `go build`; use an existing conformance/.cache/pyproject-external/depurl
#   --all            print every input with both verdicts, not only the differences
#   -h, --help       this text
#
# Writes only inside the repo (conformance/.cache) plus pip's own cache; `go build` uses the Go
# toolchain's usual caches. Nothing depends on the host: both sides only parse strings.
set -euo pipefail

usage() { sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

BUILD=1 ALL=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0 ;;
    --all) ALL=(--all) ;;
    -h|--help) usage; exit 0 ;;
    *) echo "pyproject_external.sh: unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib.sh
source conformance/lib.sh

# pyproject-external: the latest release on PyPI when pinned. packageurl-python and packaging are
# the versions pip resolved for it then; they do the parsing (DepURL subclasses
# packageurl.PackageURL, markers and specifiers are packaging's).
CACHE=$CONF_CACHE/pyproject-external
REGISTRY=../shared/reference/pep804-mappings/data

command -v python3 >/dev/null || { echo "python3 not found" >&2; exit 1; }
mkdir -p "$CACHE"

ensure_pyproject_external

if [[ $BUILD == 1 ]]; then
  command -v go >/dev/null || { echo "go not found" >&2; exit 1; }
  log "go build -o $CACHE/depurl ./conformance/depurl"
  go build -o "$CACHE/depurl" ./conformance/depurl
fi
[[ -x $CACHE/depurl ]] || { echo "no $CACHE/depurl (run without --no-build)" >&2; exit 1; }

# The inputs: the cases, then the registry's and mappings' DepURLs (ids, specs_from, provides).
{
  grep -v '^#' conformance/depurl/cases.txt | grep -v '^$'
  if [[ -d $REGISTRY ]]; then
    python3 - "$REGISTRY" <<'PY'
import json, sys
from pathlib import Path
ids = set()
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in ("id", "specs_from", "provides"):
                ids.update(s for s in ([x] if isinstance(x, str) else x or []) if isinstance(s, str))
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
for f in sorted(Path(sys.argv[1]).glob("*.json")):
    walk(json.loads(f.read_text()))
print("\n".join(sorted(ids)))
PY
  else
    log "no $REGISTRY: comparing conformance/depurl/cases.txt only"
  fi
} >"$CACHE/inputs.txt"
log "$(wc -l <"$CACHE/inputs.txt") inputs"

"$PYEXT_VENV/bin/python" conformance/depurl/pyext.py <"$CACHE/inputs.txt" >"$CACHE/pyext.jsonl"
"$CACHE/depurl" <"$CACHE/inputs.txt" >"$CACHE/libvet.jsonl"
"$PYEXT_VENV/bin/python" conformance/depurl/compare.py "${ALL[@]}" \
  "$CACHE/pyext.jsonl" "$CACHE/libvet.jsonl" "$CACHE/results.json"
