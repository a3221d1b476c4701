#!/usr/bin/env bash
# conformance/pyproject_external_map.sh — compare libvet's PEP 804 mapping (externaldeps.Map)
# with pyproject-external's, on every DepURL of the central registry in every ecosystem.
#
# What it does (run from anywhere; paths are resolved from the repo root):
#   1. creates (or reuses) the venv conformance/.cache/venv-pyproject-external (gitignored), the
#      one conformance/pyproject_external.sh uses, with pyproject-external==$PYEXT_VERSION (pinned
#      in conformance/lib.sh);
#   2. builds `go build -o conformance/.cache/mapdump ./externaldeps/internal/mapdump`, libvet's
#      view of externaldeps.Map (one JSON object per ECOSYSTEM DEPURL line);
#   3. asks both, for every `id` of registry.json (as the registry spells it) and every
#      ecosystem with a *.mapping.json, what provides the DepURL at run time:
#        - libvet: externaldeps.Map(depurl, ecosystem), from the data embedded in libvet;
#        - pyproject-external: External(dependencies=[depurl]).map_dependencies(ecosystem,
#          categories=["dependencies"], package_manager=<the mapping's first>) for the package
#          names, .install_commands(...) for the command, and Mapping.iter_specs_by_id(...,
#          specs_type="run", resolve_with_registry=...) for the alternatives. It reads the same
#          JSON documents from ../shared/reference/pep804-mappings/data (Registry,
#          Ecosystems and Mapping are pointed at the local files; nothing is fetched);
#   4. compares, per (ecosystem, DepURL): the outcome (ok, no-mapping, no-package), the default
#      package names, the install command and the alternatives; prints a table per ecosystem
#      and every difference, each with the known reason where there is one; writes
#      conformance/.cache/results-pyproject-external-map.json. The reasons are explained in
#      docs/differences.md ("PEP 804 mappings").
#
# Differences are data: the script exits 0 when it ran to the end, non-zero only if it failed
# (no python3, pip failure, go build failure, missing reference data, ...).
#
# Options:
#   --ecosystems "A B ..."  only these ecosystems (default: every *.mapping.json)
#   --data DIR              the PEP 804 documents (default ../shared/reference/pep804-mappings/data)
#   -h, --help              this text
#
# Writes only inside the repo (conformance/.cache) plus pip's own cache.
set -euo pipefail

usage() { sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

ECOSYSTEMS="" DATA=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --ecosystems) ECOSYSTEMS="${2:?--ecosystems needs a list}"; shift ;;
    --data) DATA="${2:?--data needs a directory}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "pyproject_external_map.sh: unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib.sh
source conformance/lib.sh   # log, CONF_CACHE
CACHE=$CONF_CACHE
OUT=$CACHE/out-pyproject-external-map
VENV=$PYEXT_VENV
DATA=${DATA:-../shared/reference/pep804-mappings/data}
RESULTS=$CACHE/results-pyproject-external-map.json
mkdir -p "$CACHE"
rm -rf "$OUT"; mkdir -p "$OUT"

[[ -f $DATA/registry.json ]] || { echo "pyproject_external_map.sh: $DATA/registry.json not found (use --data)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 not found" >&2; exit 1; }

# --- 1. pyproject-external in a venv ------------------------------------------------------------
ensure_pyproject_external

# --- 2. libvet's side -----------------------------------------------------------------------------
log "go build -o $CACHE/mapdump ./externaldeps/internal/mapdump"
go build -o "$CACHE/mapdump" ./externaldeps/internal/mapdump

# --- 3. the questions: every registry id x every ecosystem ------------------------------------------
if [[ -z $ECOSYSTEMS ]]; then
  ECOSYSTEMS=$(find "$DATA" -maxdepth 1 -name '*.mapping.json' -exec basename {} .mapping.json \; | LC_ALL=C sort | tr '\n' ' ')
fi
python3 - "$DATA/registry.json" "$ECOSYSTEMS" >"$OUT/questions.txt" <<'PY'
import json, sys
ids = [d["id"] for d in json.load(open(sys.argv[1]))["definitions"]]
for eco in sys.argv[2].split():
    for i in ids:
        print(eco, i)
PY
log "$(wc -l <"$OUT/questions.txt") questions ($(wc -w <<<"$ECOSYSTEMS") ecosystems)"

"$CACHE/mapdump" <"$OUT/questions.txt" >"$OUT/libvet.jsonl"

# pyproject-external, pointed at the local documents. PYTHONSAFEPATH keeps the script's
# directory (stdin: the cwd) off sys.path.
PYTHONSAFEPATH=1 "$VENV/bin/python" - "$DATA" <"$OUT/questions.txt" >"$OUT/pyproject-external.jsonl" 2>"$OUT/pyproject-external.stderr" 3<&0 <<'PY'
import json, logging, os, sys
from pathlib import Path

from pyproject_external import _registry as R
from pyproject_external._external import External

data = Path(sys.argv[1])
logging.disable(logging.WARNING)  # "not recognized in the central registry" and the like
R.Registry.default_source = str(data / "registry.json")
R.Ecosystems.default_source = str(data / "known-ecosystems.json")
_mappings = {}


def from_name(cls, name):
    if name not in _mappings:
        path = data / f"{name}.mapping.json"
        if not path.exists():
            raise ValueError(f"Ecosystem '{name}' is not a valid name.")
        _mappings[name] = cls.from_path(path)
    return _mappings[name]


R.Mapping.from_name = classmethod(from_name)
registry = R.Registry.from_default()

for line in os.fdopen(3):
    eco, dep = line.split(None, 1)
    dep = dep.strip()
    out = {"ecosystem": eco, "depurl": dep, "alternatives": []}
    try:
        mapping = R.Mapping.from_name(eco)
        manager = next(mapping.iter_package_managers()).name
        ext = External(dependencies=[dep])
        canonical = ext.dependencies[0].to_string()
        out["canonical"] = canonical
        names = ext.map_dependencies(eco, categories=["dependencies"], package_manager=manager)
        commands = ext.install_commands(eco, categories=["dependencies"], package_manager=manager)
        out.update(outcome="ok", packages=names, manager=manager, command=" && ".join(str(c) for c in commands))
        found = [[s.name for s in specs] for specs in mapping.iter_specs_by_id(
            canonical, specs_type="run", resolve_with_registry=registry) if specs]
        out["alternatives"] = found[1:]
    except ValueError as e:
        msg = str(e)
        out["error"] = msg
        if "does not have any" in msg:
            entry = next(R.Mapping.from_name(eco).iter_by_id(out.get("canonical", dep), resolve_with_registry=registry), None)
            out["outcome"] = "no-package" if entry is not None else "no-mapping"
        elif "is not a valid name" in msg:
            out["outcome"] = "unknown-ecosystem"
        else:
            out["outcome"] = "error"
    except Exception as e:  # noqa: BLE001
        out.update(outcome="error", error=f"{type(e).__name__}: {e}")
    print(json.dumps(out))
PY

# --- 4. compare -----------------------------------------------------------------------------------
python3 - "$OUT/libvet.jsonl" "$OUT/pyproject-external.jsonl" "$RESULTS" "$PYEXT_VERSION" "$DATA/registry.json" <<'PY'
import collections, json, re, sys

libvet_file, pe_file, results_file, pe_version, registry_file = sys.argv[1:6]
load = lambda f: {(r["ecosystem"], r["depurl"]): r for r in map(json.loads, open(f))}
lv, pe = load(libvet_file), load(pe_file)
# The registry's aliases: id -> provides, as written (a string or a list).
aliases = {d["id"]: d["provides"] for d in json.load(open(registry_file))["definitions"] if d.get("provides")}


def dedupe(default, alternatives):
    """alternatives without the lists that repeat default or an earlier alternative."""
    seen, out = [default], []
    for x in alternatives:
        if x not in seen:
            seen.append(x)
            out.append(x)
    return out


def reason(key, a, b):
    """The known reason for a difference (docs/differences.md ("PEP 804 mappings")), or None."""
    eco, dep = key
    alias_lost = a["outcome"] in ("ok", "no-package") and b["outcome"] == "no-mapping" and dep in aliases
    if alias_lost and isinstance(aliases[dep], str):
        return "provides-string: pyproject-external reads a provides string as a list of characters"
    if alias_lost and re.search(r"[A-Z]", dep):
        return "case: pyproject-external lower-cases the DepURL but not the registry's ids"
    if a["outcome"] == b["outcome"] == "ok" and a.get("packages") == b.get("packages") and a.get("command") == b.get("command") \
            and dedupe(b["packages"], b["alternatives"]) == a["alternatives"]:
        return "duplicates: libvet drops alternatives that repeat an earlier package list"
    if a["outcome"] == "ok" and a.get("via") and b["outcome"] in ("no-mapping", "no-package"):
        return "virtual: libvet tries the registry's implementations of a virtual DepURL the mapping lacks"
    return None


rows, diffs = collections.defaultdict(collections.Counter), []
for key in sorted(lv):
    a, b = lv[key], pe.get(key)
    eco = key[0]
    if b is None:
        diffs.append({"ecosystem": eco, "depurl": key[1], "what": "pyproject-external gave no answer", "libvet": a})
        rows[eco]["missing"] += 1
        continue
    fields = ["outcome"] + (["packages", "command", "alternatives"] if a["outcome"] == b["outcome"] == "ok" else [])
    differ = [f for f in fields if a.get(f) != b.get(f)]
    if not differ:
        rows[eco]["agree"] += 1
        rows[eco]["agree-" + a["outcome"]] += 1
        continue
    why = reason(key, a, b)
    rows[eco]["explained" if why else "unexplained"] += 1
    diffs.append({
        "ecosystem": eco, "depurl": key[1], "fields": differ, "reason": why,
        "libvet": {f: a.get(f) for f in ("outcome", "packages", "via", "alternatives", "command", "error") if a.get(f)},
        "pyproject_external": {f: b.get(f) for f in ("outcome", "canonical", "packages", "alternatives", "command", "error") if b.get(f)},
    })

total = collections.Counter()
print(f"\nlibvet externaldeps.Map vs pyproject-external {pe_version} (run specifiers, first package manager)\n")
print(f"{'ecosystem':<12} {'agree':>6} {'(ok':>5} {'no-map':>7} {'no-pkg)':>8} {'explained':>10} {'unexplained':>12}")
for eco in sorted(rows):
    r = rows[eco]
    total.update(r)
    print(f"{eco:<12} {r['agree']:>6} {r['agree-ok']:>5} {r['agree-no-mapping']:>7} {r['agree-no-package']:>8} {r['explained']:>10} {r['unexplained']:>12}")
print(f"{'total':<12} {total['agree']:>6} {total['agree-ok']:>5} {total['agree-no-mapping']:>7} {total['agree-no-package']:>8} {total['explained']:>10} {total['unexplained']:>12}")

by_reason = collections.Counter(d.get("reason") or "UNEXPLAINED" for d in diffs)
if diffs:
    print("\ndifferences by reason:")
    for why, n in by_reason.most_common():
        print(f"  {n:4}  {why}")
    print("\ndifferences:")
    for d in diffs:
        print(f"  {d['ecosystem']} {d['depurl']}: {', '.join(d.get('fields', []))} [{d.get('reason') or 'UNEXPLAINED'}]")
        print(f"      libvet:             {json.dumps(d['libvet'])}")
        print(f"      pyproject-external: {json.dumps(d.get('pyproject_external'))}")

json.dump({
    "pyproject_external": pe_version,
    "totals": dict(total),
    "by_ecosystem": {e: dict(r) for e, r in sorted(rows.items())},
    "differences": diffs,
}, open(results_file, "w"), indent=1)
print(f"\nwrote {results_file}")
PY
