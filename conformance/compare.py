#!/usr/bin/env python3
"""conformance/compare.py — compare `auditwheel show --json` with `libvet show --format json`.

Run by conformance/auditwheel.sh (with the venv's python, so auditwheel's policy files can be
found); it reads the manifest that script writes and the raw outputs next to it. Standard library
only. Differences are data: exits 0 unless this script itself fails (bad arguments, unreadable
manifest).

What is compared, per wheel:
  platform   auditwheel `overall_tag`          vs libvet `platform_tag`
  symbol     auditwheel `sym_tag`              vs libvet `symbol_tag`
  external   auditwheel's external libraries   vs libvet `external_libs[].soname`
             with TEXT semantics (see text_external_libs below)
  pure/error auditwheel exit 1 + JSON {"error"} vs libvet `pure: true`, an `error`, or a finding
             of severity "error"; and the reverse (auditwheel gives a tag, libvet says pure/error)
auditwheel crashes (traceback, no JSON) are recorded, not counted as differences.

libvet's JSON contract (it may not exist yet; everything is read defensively):
  {"schema_version": "1", "artifacts": [{"path", "kind", "declared_tags": [...],
    "platform_tag", "platform_tags": [...], "symbol_tag", "pure", "binaries": [...],
    "external_libs": [{"soname", "path", "reason", "needed_by": [...]}],
    "policies": [{"tag", "aliases", "ok", "reasons": [...]}],
    "findings": [{"code", "severity", "member", "message"}], "error"?}]}

Outputs: a readable table and a per-wheel list of differences on stdout, and a machine-readable
JSON file (--results).
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import json
import os
import sys
from pathlib import Path

from common import (add_common_args, count_by, host_facts, last_line, libvet_artifact, package_versions, read_json,
                    read_text, short, write_results)

# --------------------------------------------------------------------------------------------
# auditwheel policy data (for the text-semantics recomputation)


def load_policies() -> dict[str, list[dict]]:
    """The policy files of the installed auditwheel, by family; {} if auditwheel is not importable."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("auditwheel")
    except Exception:  # noqa: BLE001
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return {}
    pdir = Path(list(spec.submodule_search_locations)[0]) / "policy"
    out = {}
    for fam in ("manylinux", "musllinux", "android"):
        f = pdir / f"{fam}-policy.json"
        if f.exists():
            out[fam] = json.loads(f.read_text())
    return out


POLICIES = load_policies()


def newest_manylinux(arch: str) -> str | None:
    best = None
    for p in POLICIES.get("manylinux", []):
        if p["name"] == "linux" or arch not in (p.get("symbol_versions") or {}):
            continue
        if best is None or p["priority"] < best["priority"]:
            best = p
    return f"{best['name']}_{arch}" if best else None


def text_external_libs(aw: dict) -> list[str]:
    """External libraries as auditwheel's TEXT output reports them.

    auditwheel's JSON `external_libs` is computed for `policies.highest` (the OLDEST, strictest
    policy, e.g. manylinux_2_5_x86_64), while its text output ("The following external shared
    libraries are required by the wheel") uses `policies.lowest` (the NEWEST policy, with the
    largest whitelist). libvet reports external libraries against the newest policy, so we
    compare against the text semantics, recomputed from the JSON:

    * If overall_tag is a real policy (not linux_*), the reference policy (the best policy with
      zero external libs) is at least that good, and whitelists only grow towards newer
      policies, so the newest policy has no external libs: [].
    * If overall_tag is linux_*, every policy has higher priority than the overall one, so
      `policy_upgrades` has an entry for every policy that has external libs or blacklisted
      symbols. The newest policy's `libs_to_eliminate` is the answer ([] if it has no entry).
      For musllinux and android auditwheel only ever loads ONE policy (the host's musl version,
      or the wheel's API level), so that single key is the newest one. For manylinux the newest
      policy for the architecture comes from the installed auditwheel's manylinux-policy.json.
    (The text output itself prints this list only when sym_tag is the oldest policy, or with -v.)
    """
    overall = aw.get("overall_tag") or ""
    if not overall.startswith("linux_"):
        return []
    ups = aw.get("policy_upgrades") or {}
    single = [k for k in ups if k.startswith(("musllinux_", "android_"))]
    if single:
        return sorted(ups[single[0]].get("libs_to_eliminate", []))
    if not ups:
        return []
    newest = newest_manylinux(overall[len("linux_"):])
    if newest is None:  # no policy data: fall back to the lowest-priority key we have
        return sorted(next(reversed(ups.values())).get("libs_to_eliminate", []))
    return sorted(ups.get(newest, {}).get("libs_to_eliminate", []))


# --------------------------------------------------------------------------------------------
# reading the raw outputs


def warnings_of(path: Path) -> list[str]:
    return [l.strip() for l in read_text(path).splitlines() if l.startswith("WARNING:")]


def group_upgrades(ups: dict) -> list[dict]:
    """auditwheel's policy_upgrades with policies that need the same changes grouped together."""
    groups: list[dict] = []
    for pol, entry in ups.items():
        for g in groups:
            if g["needs"] == entry:
                g["policies"].append(pol)
                break
        else:
            groups.append({"policies": [pol], "needs": entry})
    return groups


def auditwheel_result(out_dir: Path, key: str, rc: str, seconds: str, cached: str) -> dict:
    j, err = read_json(out_dir / f"{key}.auditwheel.json")
    res = {"rc": int(rc) if rc else None, "seconds": float(seconds) if seconds else None,
           "cached": cached == "1", "warnings": warnings_of(out_dir / f"{key}.auditwheel.err")}
    if j is None:
        res.update(kind="crash", error=last_line(read_text(out_dir / f"{key}.auditwheel.err")) or err)
        return res
    if "error" in j:
        res.update(kind="error", error=j["error"])
        return res
    if j.get("pure"):
        res.update(kind="pure")
        return res
    res.update(
        kind="platform",
        overall_tag=j.get("overall_tag"),
        sym_tag=j.get("sym_tag"),
        pyfpe=j.get("pyfpe"),
        ucs2=j.get("ucs2"),
        unsupported_isa=j.get("unsupported_isa"),
        versioned_symbols=j.get("versioned_symbols", {}),
        external_libs_oldest_policy=j.get("external_libs", {}),
        external_libs=text_external_libs(j),
        policy_upgrades=group_upgrades(j.get("policy_upgrades", {})),
    )
    return res


def libvet_result(out_dir: Path, key: str, rc: str, seconds: str, status: str, wheel: str) -> dict:
    res, art = libvet_artifact(out_dir, key, rc, seconds, status, wheel)
    if art is None:
        return res
    libs = art.get("external_libs") or []
    findings = art.get("findings") or []
    res.update(
        kind=art.get("kind"),
        platform_tag=art.get("platform_tag"),
        platform_tags=art.get("platform_tags"),
        symbol_tag=art.get("symbol_tag"),
        pure=art.get("pure"),
        error=art.get("error"),
        external_libs=sorted({str(l.get("soname")) for l in libs if isinstance(l, dict)}),
        external_lib_details=libs,
        findings=[{k: f.get(k) for k in ("code", "severity", "member")} for f in findings if isinstance(f, dict)],
    )
    return res


# --------------------------------------------------------------------------------------------
# comparison


def declared_platforms(wheel: str) -> list[str]:
    name = os.path.basename(wheel)[:-4]
    parts = name.split("-")
    return parts[-1].split(".") if len(parts) >= 5 else []


def notes_for(field: str, aw: dict, lv: dict, wheel: str) -> str:
    """Known, explainable reasons for a difference (informative; the difference is still listed)."""
    a, l = aw.get("overall_tag") or "", lv.get("platform_tag") or ""
    if field == "platform":
        if a.startswith("musllinux_1_2_") and l.startswith("musllinux_1_1_"):
            return "auditwheel uses the HOST's musl version for musllinux (none on a glibc host: newest known, 1_2)"
        if a.endswith("_armv7l") and "armv6l" in wheel:
            return "auditwheel maps EM_ARM hard-float to armv7l (the file is tagged armv6l)"
    if field == "symbol":
        if any(v for v in (aw.get("external_libs_oldest_policy") or {}).values()):
            return ("auditwheel adds the symbol-version needs of external libraries it resolved ON THIS HOST "
                    "to sym_tag (host-dependent)")
    if field == "external":
        delta = set(aw.get("external_libs") or []) ^ set(lv.get("external_libs") or [])
        if delta and all(x.startswith("libpython") for x in delta):
            return ("auditwheel's show lists libpython* as external (never resolved; repair drops the "
                    "DT_NEEDED instead of grafting it)")
        paths = aw.get("external_libs_oldest_policy") or {}
        if paths:
            return "auditwheel looked these up on this host: " + ", ".join(
                f"{k} -> {v or 'not found'}" for k, v in sorted(paths.items()))
    return ""


def compare(aw: dict, lv: dict, wheel: str) -> tuple[str, list[dict]]:
    if lv.get("status") in ("missing", "build-failed", ""):
        return "libvet-unavailable", []
    if lv.get("status") != "ok":
        return "libvet-failed", []
    if aw["kind"] == "crash":
        return "auditwheel-crash", []
    diffs = []

    def diff(field, a, l, extra=""):
        d = {"field": field, "auditwheel": a, "libvet": l}
        note = extra or notes_for(field, aw, lv, wheel)
        if note:
            d["note"] = note
        diffs.append(d)

    lv_rejects = bool(lv.get("pure")) or bool(lv.get("error")) or any(
        f.get("severity") == "error" for f in lv.get("findings", []))
    if aw["kind"] in ("error", "pure"):
        if not lv_rejects:
            diff("pure/error", f"{aw['kind']}: {aw.get('error', 'pure wheel')}",
                 f"platform_tag={lv.get('platform_tag')!r}, pure={lv.get('pure')!r}, no error finding")
        return ("agree" if not diffs else "differ"), diffs
    # auditwheel gave a platform verdict
    if lv.get("pure"):
        diff("pure/error", f"platform wheel, {aw['overall_tag']}", "pure: true")
    if lv.get("error"):
        diff("pure/error", f"platform wheel, {aw['overall_tag']}", f"error: {lv['error']}")
    if (lv.get("platform_tag") or "") != (aw.get("overall_tag") or ""):
        diff("platform", aw.get("overall_tag"), lv.get("platform_tag"))
    if (lv.get("symbol_tag") or "") != (aw.get("sym_tag") or ""):
        diff("symbol", aw.get("sym_tag"), lv.get("symbol_tag"))
    if sorted(lv.get("external_libs") or []) != sorted(aw.get("external_libs") or []):
        diff("external", aw.get("external_libs"), lv.get("external_libs"))
    return ("agree" if not diffs else "differ"), diffs


# --------------------------------------------------------------------------------------------
# output


def fmt_libs(libs) -> str:
    return ",".join(libs) if libs else "-"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap, "auditwheel")
    args = ap.parse_args()

    rows = list(csv.DictReader(args.manifest.open(), delimiter="\t"))
    wheels = []
    for r in rows:
        aw = auditwheel_result(args.out_dir, r["key"], r["aw_rc"], r["aw_seconds"], r["aw_cached"])
        lv = libvet_result(args.out_dir, r["key"], r["lv_rc"], r["lv_seconds"], r["lv_status"], r["wheel"])
        status, diffs = compare(aw, lv, r["wheel"])
        path = Path(r["wheel"])
        wheels.append({
            "set": r["set"],
            "wheel": r["wheel"],
            "size": path.stat().st_size if path.exists() else None,
            "declared_platforms": declared_platforms(r["wheel"]),
            "status": status,
            "differences": diffs,
            "auditwheel": aw,
            "libvet": lv,
        })

    counts = count_by(wheels, "status")
    by_field = count_by((d for w in wheels for d in w["differences"]), "field")

    # ---- table
    print()
    hdr = ("set", "wheel", "auditwheel tag", "libvet tag", "aw sym", "lv sym", "aw ext", "lv ext", "status")
    widths = (8, 44, 22, 22, 22, 22, 20, 20, 18)
    line = "  ".join(h.ljust(w) for h, w in zip(hdr, widths))
    print(line)
    print("-" * len(line))
    for w in wheels:
        aw, lv = w["auditwheel"], w["libvet"]
        if aw["kind"] == "platform":
            awt, aws, awx = aw["overall_tag"], aw["sym_tag"], fmt_libs(aw["external_libs"])
        else:
            awt, aws, awx = f"({aw['kind']}, rc={aw['rc']})", "", ""
        if lv.get("status") == "ok":
            lvt = "(pure)" if lv.get("pure") else ("(error)" if lv.get("error") else lv.get("platform_tag"))
            lvs, lvx = lv.get("symbol_tag"), fmt_libs(lv.get("external_libs"))
        else:
            lvt, lvs, lvx = f"({lv.get('status')})", "", ""
        if lv.get("status") == "ok" and aw["kind"] == "platform":
            lvt = "=" if lvt == awt else lvt
            lvs = "=" if lvs == aws else lvs
            lvx = "=" if lvx == awx else lvx
        st = w["status"] + (f" ({len(w['differences'])})" if w["differences"] else "")
        cells = (w["set"], os.path.basename(w["wheel"]), awt, lvt, aws, lvs, awx, lvx, st)
        print("  ".join(short(c, n).ljust(n) for c, n in zip(cells, widths)))

    # ---- differences and notable auditwheel outcomes
    print()
    any_diff = False
    for w in wheels:
        if not w["differences"]:
            continue
        any_diff = True
        print(f"{w['set']}: {os.path.basename(w['wheel'])}")
        for d in w["differences"]:
            print(f"    {d['field']:<10} auditwheel={d['auditwheel']!r}  libvet={d['libvet']!r}")
            if d.get("note"):
                print(f"    {'':<10} note: {d['note']}")
    if not any_diff:
        print("no differences" + (" (libvet did not run)" if counts.get("libvet-unavailable") else ""))
    rejected = [w for w in wheels if w["auditwheel"]["kind"] in ("error", "pure") and w["libvet"].get("status") == "ok"]
    if rejected:
        print()
        print("auditwheel rejected these (exit 1); libvet's answer:")
        for w in rejected:
            lv = w["libvet"]
            errs = sorted({f.get("code") for f in lv.get("findings", []) if f.get("severity") == "error"})
            what = "pure" if lv.get("pure") else (f"error: {lv['error']}" if lv.get("error") else
                                                   f"platform_tag={lv.get('platform_tag')!r}")
            print(f"    {os.path.basename(w['wheel'])}: {what}; error findings: {', '.join(map(str, errs)) or 'none'}")
    for w in wheels:
        if w["status"] == "libvet-failed":
            print(f"libvet failed on {w['wheel']}: rc={w['libvet'].get('rc')} {w['libvet'].get('error')}")
    crashes = [w for w in wheels if w["auditwheel"]["kind"] == "crash"]
    for w in crashes:
        print(f"auditwheel crashed on {w['wheel']}: {w['auditwheel'].get('error')}")

    print()
    print("summary: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
          + (" | differences by field: " + ", ".join(f"{k}={v}" for k, v in sorted(by_field.items())) if by_field else ""))
    if args.libvet_status and args.libvet_status != "ok":
        print(f"libvet: {args.libvet_status} (only the auditwheel side was recorded)")

    results = {
        "schema": "libvet-conformance/1",
        "generated": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "mode": args.mode,
        "host": host_facts(),
        "versions": {"auditwheel_pinned": args.auditwheel_version, **package_versions(("auditwheel", "pyelftools", "packaging")),
                     "libvet": args.libvet_version or None, "libvet_status": args.libvet_status},
        "summary": {"wheels": len(wheels), "by_status": counts, "differences_by_field": by_field},
        "wheels": wheels,
    }
    write_results(args.results, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
