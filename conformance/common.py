"""What conformance/compare.py and conformance/compare_delvewheel.py share: reading the tools'
outputs, the facts about the machine and the reference tool's packages, and table cells."""

from __future__ import annotations

import importlib.metadata as md
import json
import platform
from pathlib import Path


def read_text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


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
