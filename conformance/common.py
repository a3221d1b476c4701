"""What conformance/compare.py and conformance/compare_delvewheel.py share: their command-line
options, reading the tools' outputs, the facts about the machine and the reference tool's
packages, counting, table cells and writing the results file."""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import platform
from pathlib import Path


def add_common_args(ap: argparse.ArgumentParser, reference: str) -> None:
    """The options both scripts take (their shell scripts pass them): the manifest, the raw outputs'
    directory, the results file, --REFERENCE-version (the pinned version of the reference tool),
    libvet's status and version, and the mode (quick or full)."""
    ap.add_argument("--manifest", required=True, type=Path)
    ap.add_argument("--out-dir", required=True, type=Path)
    ap.add_argument("--results", required=True, type=Path)
    ap.add_argument(f"--{reference}-version", default="")
    ap.add_argument("--libvet-status", default="")
    ap.add_argument("--libvet-version", default="")
    ap.add_argument("--mode", default="")


def read_text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def last_line(text: str) -> str:
    """The last non-blank line of text: where a tool says why it failed."""
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1].strip() if lines else ""


def libvet_artifact(out_dir: Path, key: str, rc: str, seconds: str, status: str, wheel: str):
    """libvet's run on one wheel: (result, artifact). result has the run's status, exit code and
    time; artifact is the wheel's object of libvet's JSON, or None when result says why not."""
    res = {"status": status, "rc": int(rc) if rc else None, "seconds": float(seconds) if seconds else None}
    if status != "ok":
        return res, None
    j, err = read_json(out_dir / f"{key}.libvet.json")
    if j is None:
        res.update(status="no-json", error=f"{err}; stderr: {last_line(read_text(out_dir / f'{key}.libvet.err'))}")
        return res, None
    arts = j.get("artifacts") if isinstance(j, dict) else None
    if not isinstance(arts, list) or not arts:
        res.update(status="bad-json", error="no artifacts[] in libvet output")
        return res, None
    base = Path(wheel).name
    art = next((a for a in arts if isinstance(a, dict) and Path(str(a.get("path", ""))).name == base), arts[0])
    if not isinstance(art, dict):
        res.update(status="bad-json", error="artifact is not an object")
        return res, None
    res["schema_version"] = j.get("schema_version")
    return res, art


def read_json(path: Path):
    """(document, None), or (None, why not)."""
    text = read_text(path)
    if not text.strip():
        return None, "empty output" if path.exists() else "no output file"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as e:
        return None, f"invalid JSON ({e.msg} at line {e.lineno})"


def package_versions(names) -> dict:
    """Versions of the named packages in the interpreter running the script (the tool's venv)."""
    out = {}
    for name in names:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = None
    return out


def host_facts() -> dict:
    facts = {"machine": platform.machine(), "python": platform.python_version()}
    try:
        facts["libc"] = " ".join(platform.libc_ver())
    except Exception:  # noqa: BLE001
        pass
    try:
        osr = dict(l.split("=", 1) for l in Path("/etc/os-release").read_text().splitlines() if "=" in l)
        facts["os"] = osr.get("PRETTY_NAME", "").strip('"')
    except OSError:
        pass
    return facts


def short(s, n):
    s = "" if s is None else str(s)
    return s if len(s) <= n else s[: n - 1] + "…"


def count_by(items, key: str) -> dict[str, int]:
    """How many of items (dicts) have each value of item[key], in order of first appearance."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item[key]] = counts.get(item[key], 0) + 1
    return counts


def write_results(path: Path, doc: dict) -> None:
    """Writes doc as indented JSON to path (through path.json.tmp, renamed over it, so that a failed
    run never leaves half a file) and says so."""
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    tmp.replace(path)
    print(f"wrote {path}")
