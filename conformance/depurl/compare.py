#!/usr/bin/env python3
"""conformance/depurl/compare.py — compare libvet's and pyproject-external's verdicts on external
dependency specifiers.

Run by conformance/pyproject_external.sh with the pyproject-external venv's python (for the version
facts). Arguments: the two JSON-lines files the script wrote, pyext.jsonl (conformance/depurl/pyext.py)
and libvet.jsonl (conformance/depurl), one object per input in the same order:
{"input", "ok", "canonical" | "error"}; and the results file to write. Standard library only.
Differences are data: exits 0 unless this script itself fails.

Each input falls in one of:
  same        both accept it, with the same canonical text
  encoding    both accept it; libvet's canonical text percent-encodes what pyproject-external prints
              raw (a space, '/', '@', ';', '&', '#', non-ASCII), and decodes to the same text
  rejected    both reject it (the reasons are printed with --all)
  differ      anything else: printed, with the entry of docs/differences.md ("External dependencies") that
              explains it, or UNEXPLAINED
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import host_facts, package_versions, short  # noqa: E402

PYEXT_PACKAGES = ("pyproject-external", "packageurl-python", "packaging")


def scheme(s: str) -> str:
    return s.strip().split(":", 1)[0].lower() if ":" in s else ""


def version_part(s: str) -> str:
    """The raw version of a DepURL (between '@' and '?', '#' or ';'), or ''."""
    head = re.split(r"[?#;]", s, maxsplit=1)[0]
    return head.rsplit("@", 1)[1] if "@" in head.split(":", 1)[-1] else ""


def loose_range(canonical: str) -> str:
    """A canonical text with the whitespace and trailing commas of its version range removed."""
    m = re.match(r"^([^@?#;]*@)([^?#;]*)(.*)$", canonical)
    if not m:
        return canonical
    return m.group(1) + re.sub(r"\s+", "", m.group(2)).rstrip(",") + m.group(3)


# The rules that explain a difference: (entry number in docs/differences.md ("External dependencies"), test).
# Each test gets the input, pyproject-external's result and libvet's.
RULES = [
    (1, lambda s, p, g: g["ok"] and not p["ok"] and scheme(s) in ("pkg", "virtual")
        and 'required "dep" scheme' in p["error"]),
    (2, lambda s, p, g: g["ok"] and not p["ok"] and scheme(s) == "dep" and s.strip().split(":", 1)[0] != "dep"),
    (3, lambda s, p, g: g["ok"] and not p["ok"] and s != s.strip()),
    (4, lambda s, p, g: g["ok"] and not p["ok"] and "not PEP440 compatible" in p["error"]
        and not version_part(s).lstrip().startswith(("<", ">", "=", "!", "~"))),
    (5, lambda s, p, g: g["ok"] and p["ok"] and loose_range(p["canonical"]) == g["canonical"]),
    (6, lambda s, p, g: not g["ok"] and p["ok"] and "unencoded whitespace" in g["error"]),
    (7, lambda s, p, g: not g["ok"] and p["ok"] and ";" in s and ": column " in g["error"]),
    (8, lambda s, p, g: not g["ok"] and p["ok"] and "given twice" in g["error"]),
    (9, lambda s, p, g: not g["ok"] and p["ok"] and ("percent-escape" in g["error"] or "UTF-8" in g["error"]
                                                     or "control character" in g["error"])),
    (10, lambda s, p, g: g["ok"] and not p["ok"] and "required name component" in p["error"] and "/@" in s),
]


def classify(p: dict, g: dict) -> tuple[str, int | None]:
    if p["ok"] and g["ok"]:
        if p["canonical"] == g["canonical"]:
            return "same", None
        if urllib.parse.unquote(g["canonical"]) == p["canonical"]:
            return "encoding", None
    if not p["ok"] and not g["ok"]:
        return "rejected", None
    for entry, test in RULES:
        if test(p["input"], p, g):
            return "differ", entry
    return "differ", None


def verdict(r: dict) -> str:
    return r["canonical"] if r["ok"] else "error: " + r["error"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pyext", type=Path)
    ap.add_argument("libvet", type=Path)
    ap.add_argument("results", type=Path)
    ap.add_argument("--all", action="store_true", help="print every input, not only the differences")
    args = ap.parse_args()

    py = [json.loads(line) for line in args.pyext.read_text().splitlines() if line.strip()]
    go = [json.loads(line) for line in args.libvet.read_text().splitlines() if line.strip()]
    if len(py) != len(go) or any(p["input"] != g["input"] for p, g in zip(py, go)):
        print(f"compare.py: the two outputs do not answer the same inputs ({len(py)} and {len(go)} lines)",
              file=sys.stderr)
        return 1

    counts: dict[str, int] = {"same": 0, "encoding": 0, "rejected": 0, "differ": 0, "unexplained": 0}
    rows = []
    for p, g in zip(py, go):
        kind, entry = classify(p, g)
        counts[kind] += 1
        if kind == "differ" and entry is None:
            counts["unexplained"] += 1
        rows.append({"input": p["input"], "kind": kind, "entry": entry, "pyproject_external": p, "libvet": g})
        if kind == "differ" or args.all:
            why = f"#{entry}" if entry else ("UNEXPLAINED" if kind == "differ" else kind)
            print(f"{why:12} {p['input']!r}")
            print(f"{'':12}   pyproject-external: {short(verdict(p), 160)}")
            print(f"{'':12}   libvet:             {short(verdict(g), 160)}")

    versions = package_versions(PYEXT_PACKAGES)
    print()
    print(f"{len(rows)} inputs: {counts['same']} same canonical text, {counts['encoding']} the same but "
          f"percent-encoded by libvet, {counts['rejected']} rejected by both, {counts['differ']} different "
          f"({counts['unexplained']} unexplained); pyproject-external {versions.get('pyproject-external')}, "
          f"packageurl-python {versions.get('packageurl-python')}, packaging {versions.get('packaging')}")
    print("Each #N is an entry of the 'External dependencies' part of docs/differences.md.")
    args.results.write_text(json.dumps({
        "generated": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "host": host_facts(),
        "versions": versions,
        "counts": counts,
        "inputs": rows,
    }, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
