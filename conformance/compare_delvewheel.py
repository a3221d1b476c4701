#!/usr/bin/env python3
"""conformance/compare_delvewheel.py — compare `delvewheel show` with `libvet show --format json`.

Run by conformance/delvewheel.sh (with the delvewheel venv's python, for the version facts); it
reads the manifest that script writes and the raw outputs next to it. Standard library only.
Differences are data: exits 0 unless this script itself fails (bad arguments, unreadable manifest).

delvewheel has no machine-readable output; `show` prints (delvewheel/_wheel_repair.py, show()):

    Analyzing <wheel>

    The following DLLs will be copied into the wheel.
        <name> (<path>)  |  <name> (Error: Not Found)  |  None
    [The following DLLs are already in the wheel and will not be copied.    (--ignore-existing only)
        <name> (<wheel>/<member>)  |  None]
    The following DLLs are assumed to be present in the end user's environment and will not be copied into the wheel.
        <lowercased name>  |  None
    [Warning: At least one dependent DLL needs to be copied into the wheel but was not found.]

or, for a wheel with .dist-info/DELVEWHEEL, "delvewheel <ver> has already repaired this wheel"
and nothing else. Exit status 0 in all these cases; an exception gives a traceback and 1.

What is compared, per wheel: the "will be copied" names of the run with --ignore-existing
--analyze-existing --analyze-existing-exes (conformance/delvewheel.sh says why those flags),
lowercased, against libvet's `external_libs[].soname`, lowercased. Each name on one side only gets
a note saying what the other tool did with it, when the outputs say so. The default run
(`delvewheel show W`, no flags) is parsed and recorded next to it.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import os
import re
import sys
from pathlib import Path

from common import (add_common_args, count_by, host_facts, last_line, libvet_artifact, package_versions, read_text,
                    short, write_results)


# --------------------------------------------------------------------------------------------
# delvewheel's text output

HEADERS = {
    "The following DLLs will be copied into the wheel.": "copied",
    "The following DLLs are already in the wheel and will not be copied.": "in_wheel",
    "The following DLLs are assumed to be present in the end user's environment and will not be copied into the wheel.": "assumed_present",
}
ITEM = re.compile(r"(?P<name>.+?) \((?P<where>.*)\)$")


def parse_show(text: str) -> dict:
    """The sections of one `delvewheel show` output (one wheel)."""
    res: dict = {"analyzed": False, "already_repaired": None, "copied": [], "in_wheel": [],
                 "assumed_present": [], "warning_not_found": False}
    section = None
    for line in text.splitlines():
        if line.startswith("Analyzing "):
            res["analyzed"] = True
            continue
        m = re.match(r"delvewheel (.*) has already repaired this wheel$", line)
        if m:
            res["already_repaired"] = m.group(1)
            continue
        if line in HEADERS:
            section = HEADERS[line]
            continue
        if line.startswith("Warning: At least one dependent DLL"):
            res["warning_not_found"] = True
            section = None
            continue
        if not line.startswith("    ") or section is None:
            continue
        item = line.strip()
        if item == "None":
            continue
        if section == "assumed_present":
            res[section].append(item)
            continue
        m = ITEM.match(item)
        name, where = (m.group("name"), m.group("where")) if m else (item, "")
        entry = {"name": name}
        if where == "Error: Not Found":
            entry["not_found"] = True
        elif where:
            entry["path"] = where
        res[section].append(entry)
    return res


def warnings_of(text: str) -> list[str]:
    """Python warnings delvewheel printed (e.g. the platform-toolset warning), one line each."""
    return [l.strip() for l in text.splitlines() if "Warning: " in l and not l.startswith(" ")]


def delvewheel_result(out_dir: Path, key: str, variant: str, rc: str, seconds: str) -> dict:
    out = read_text(out_dir / f"{key}.dw-{variant}.out")
    err = read_text(out_dir / f"{key}.dw-{variant}.err")
    res = {"rc": int(rc) if rc else None, "seconds": float(seconds) if seconds else None}
    parsed = parse_show(out)
    if res["rc"] != 0 or not parsed["analyzed"]:
        res.update(kind="crash", error=last_line(err) or last_line(out) or "no output")
        return res
    if parsed["already_repaired"]:
        res.update(kind="already-repaired", repaired_by=parsed["already_repaired"])
        return res
    res.update(
        kind="ok",
        will_be_copied=sorted({e["name"].lower() for e in parsed["copied"]}),
        not_found=sorted({e["name"].lower() for e in parsed["copied"] if e.get("not_found")}),
        found_on_path=sorted({e["path"] for e in parsed["copied"] if e.get("path")}),
        already_in_wheel=[{"name": e["name"], "member": e.get("path")} for e in parsed["in_wheel"]],
        assumed_present=sorted(parsed["assumed_present"]),
        warnings=warnings_of(err),
    )
    return res


# --------------------------------------------------------------------------------------------
# libvet's JSON


def libvet_result(out_dir: Path, key: str, rc: str, seconds: str, status: str, wheel: str) -> dict:
    res, art = libvet_artifact(out_dir, key, rc, seconds, status, wheel)
    if art is None:
        return res
    libs = [l for l in (art.get("external_libs") or []) if isinstance(l, dict)]
    findings = [f for f in (art.get("findings") or []) if isinstance(f, dict)]
    # how libvet resolved each need, by lowercased name (first resolution wins), from binaries[].resolutions
    resolved: dict[str, dict] = {}
    for b in art.get("binaries") or []:
        if not isinstance(b, dict):
            continue
        for r in b.get("resolutions") or []:
            if isinstance(r, dict) and r.get("need"):
                resolved.setdefault(str(r["need"]).lower(), {k: r.get(k) for k in ("by", "path", "detail")})
    res.update(
        platform_tag=art.get("platform_tag"),
        pure=art.get("pure"),
        error=art.get("error"),
        external_libs=sorted({str(l.get("soname")).lower() for l in libs}),
        external_lib_details=libs,
        resolutions=resolved,
        findings=[{k: f.get(k) for k in ("code", "severity", "member")} for f in findings],
    )
    return res


# --------------------------------------------------------------------------------------------
# comparison


DATA_DIR = re.compile(r"^[^/]+\.data/(?!(platlib|purelib)/)", re.IGNORECASE)


def note_only_libvet(name: str, dw: dict, lv: dict) -> str:
    needers = [m for l in lv.get("external_lib_details") or [] if str(l.get("soname")).lower() == name
               for m in (l.get("needed_by") or [])]
    if needers and all(DATA_DIR.match(str(m)) for m in needers):
        return ("only binaries under <dist>.data/ (not platlib/purelib) need it, and delvewheel never "
                "analyses those: " + ", ".join(map(str, needers)))
    if name in dw.get("assumed_present", []):
        return ("delvewheel assumes it is present on the user's system (its per-architecture list of "
                "Windows system DLLs, the api-*/python*.dll patterns, or the runtime DLLs that ship "
                "with the wheel's Python ABI)")
    hits = [e for e in dw.get("already_in_wheel", []) if e["name"].lower() == name]
    if hits:
        note = "delvewheel found it in the wheel by file name: " + ", ".join(str(e["member"]) for e in hits)
        unreadable = {str(f.get("member")).lower() for f in lv.get("findings", []) if f.get("code") == "binary/unreadable"}
        if any(str(m).lower().endswith("/" + name) or str(m).lower() == name for m in unreadable):
            note += "; libvet reports that member as binary/unreadable"
        return note
    return "delvewheel does not list it at all (no binary it analyses imports it)"


def note_only_delvewheel(name: str, lv: dict) -> str:
    r = (lv.get("resolutions") or {}).get(name)
    if r:
        where = f", path={r['path']}" if r.get("path") else ""
        detail = f" ({r['detail']})" if r.get("detail") else ""
        return f"libvet resolved it: by={r.get('by')}{where}{detail}"
    unreadable = [f.get("member") for f in lv.get("findings", []) if f.get("code") == "binary/unreadable"]
    if unreadable:
        return ("libvet does not report this need; it could not read " + ", ".join(map(str, unreadable))
                + " (binary/unreadable), so the imports of those files are missing from its answer")
    return "libvet does not report this need"


def compare(dw: dict, lv: dict) -> tuple[str, list[dict]]:
    if dw.get("kind") == "crash":
        return "delvewheel-crash", []
    if dw.get("kind") == "already-repaired":  # the compare run gets a stripped copy: should not happen
        return "delvewheel-refused", []
    if lv.get("status") in ("not-run", "missing", "build-failed", ""):
        return "libvet-unavailable", []
    if lv.get("status") != "ok":
        return "libvet-failed", []
    a, l = set(dw.get("will_be_copied") or []), set(lv.get("external_libs") or [])
    diffs = []
    for name in sorted(a - l):
        diffs.append({"dll": name, "delvewheel": "will be copied" + (" (not found)" if name in dw.get("not_found", []) else ""),
                      "libvet": "not external", "note": note_only_delvewheel(name, lv)})
    for name in sorted(l - a):
        diffs.append({"dll": name, "delvewheel": "not copied", "libvet": "external", "note": note_only_libvet(name, dw, lv)})
    return ("agree" if not diffs else "differ"), diffs


def default_summary(d: dict) -> str:
    if d.get("kind") == "already-repaired":
        return f"already repaired by delvewheel {d['repaired_by']}"
    if d.get("kind") == "crash":
        return f"crash: {d.get('error')}"
    return "will copy: " + (", ".join(d.get("will_be_copied") or []) or "none")


# --------------------------------------------------------------------------------------------
# output


def fmt(names) -> str:
    return ",".join(names) if names else "-"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap, "delvewheel")
    args = ap.parse_args()

    rows = list(csv.DictReader(args.manifest.open(), delimiter="\t"))
    wheels = []
    for r in rows:
        dwd = delvewheel_result(args.out_dir, r["key"], "default", r["dwd_rc"], r["dwd_seconds"])
        dwc = delvewheel_result(args.out_dir, r["key"], "compare", r["dwc_rc"], r["dwc_seconds"])
        lv = libvet_result(args.out_dir, r["key"], r["lv_rc"], r["lv_seconds"], r["lv_status"], r["wheel"])
        status, diffs = compare(dwc, lv)
        path = Path(r["wheel"])
        wheels.append({
            "set": r["set"],
            "wheel": r["wheel"],
            "sha256": r["sha256"],
            "size": path.stat().st_size if path.exists() else None,
            "status": status,
            "differences": diffs,
            "delvewheel": {
                "input": "the wheel" if r["dw_input"] == "same" else f"{r['dw_input']} (the wheel without .dist-info/DELVEWHEEL)",
                "cached": r["dw_cached"] == "1",
                "compare": dwc,
                "default": dwd,
            },
            "libvet": lv,
        })

    counts = count_by(wheels, "status")

    # ---- table
    widths = (8, 56, 40, 40, 22)
    heads = ("set", "wheel", "delvewheel: will be copied", "libvet: external_libs", "status")
    print("  ".join(h.ljust(n) for h, n in zip(heads, widths)))
    print("  ".join("-" * n for n in widths))
    for w in wheels:
        dwc, lv = w["delvewheel"]["compare"], w["libvet"]
        dwx = fmt(dwc.get("will_be_copied")) if dwc.get("kind") == "ok" else f"({dwc.get('kind')})"
        if lv.get("status") != "ok":
            lvx = f"({lv.get('status')})"
        else:
            lvx = fmt(lv.get("external_libs"))
            if lvx == dwx:
                lvx = "="
        st = w["status"] + (f" ({len(w['differences'])})" if w["differences"] else "")
        cells = (w["set"], os.path.basename(w["wheel"]), dwx, lvx, st)
        print("  ".join(short(c, n).ljust(n) for c, n in zip(cells, widths)))

    # ---- delvewheel's own answers (both runs), differences
    print()
    print("delvewheel, per wheel (default = `delvewheel show W`; compare = with --ignore-existing "
          "--analyze-existing --analyze-existing-exes):")
    for w in wheels:
        dwc, dwd = w["delvewheel"]["compare"], w["delvewheel"]["default"]
        print(f"  {os.path.basename(w['wheel'])}")
        print(f"      default: {default_summary(dwd)}")
        if dwc.get("kind") == "ok":
            inw = sorted({e['name'].lower() for e in dwc.get('already_in_wheel', [])})
            print(f"      compare: will copy {fmt(dwc.get('will_be_copied'))}; already in wheel: {fmt(inw)}")
            for wl in dwc.get("warnings", []):
                print(f"               {short(wl, 160)}")
        else:
            print(f"      compare: {default_summary(dwc)}")

    any_diff = False
    for w in wheels:
        if not w["differences"]:
            continue
        if not any_diff:
            print()
            print("differences (delvewheel compare run vs libvet):")
        any_diff = True
        print(f"  {w['set']}: {os.path.basename(w['wheel'])}")
        for d in w["differences"]:
            print(f"      {d['dll']:<44} delvewheel: {d['delvewheel']:<26} libvet: {d['libvet']}")
            print(f"      {'':<44} note: {d['note']}")
    for w in wheels:
        if w["status"] == "libvet-failed":
            print(f"libvet failed on {w['wheel']}: rc={w['libvet'].get('rc')} {w['libvet'].get('error')}")
        if w["status"] == "delvewheel-crash":
            print(f"delvewheel crashed on {w['wheel']}: {w['delvewheel']['compare'].get('error')}")

    print()
    print("summary: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    if args.libvet_status and args.libvet_status != "ok":
        print(f"libvet: {args.libvet_status} (only the delvewheel side was recorded)")

    results = {
        "schema": "libvet-conformance-delvewheel/1",
        "generated": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "mode": args.mode,
        "host": host_facts(),
        "versions": {"delvewheel_pinned": args.delvewheel_version, **package_versions(("delvewheel", "pefile")),
                     "libvet": args.libvet_version or None, "libvet_status": args.libvet_status},
        "delvewheel_runs": {
            "default": "delvewheel show WHEEL",
            "compare": "delvewheel show --ignore-existing --analyze-existing --analyze-existing-exes WHEEL' "
                       "(WHEEL' = WHEEL without .dist-info/DELVEWHEEL, if it had one)",
            "environment": "PATH set to an empty directory",
        },
        "summary": {"wheels": len(wheels), "by_status": counts},
        "wheels": wheels,
    }
    write_results(args.results, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
