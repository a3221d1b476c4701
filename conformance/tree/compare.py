"""Compares lddtree, libtree and `libvet tree` outputs written by conformance/tree.sh.

For each binary, each tool's resolved (soname -> real path) pairs are collected and compared with
libvet's. Differences are printed with the explanation of their kind (docs/differences.md ("libvet tree")).
"""
import json
import os
import re
import sys

# Explanations, by kind (docs/differences.md ("libvet tree") has the long form).
WHY = {
    "interp": "the program interpreter: libvet lists ld-linux as ld.so maps it (PT_INTERP); "
              "libtree never lists it, lddtree shows it only as the interpreter",
    "hidden": "the other tool does not list it (lddtree prints each library once per tree; libtree hides the loader and libc family even with -vvv when it could not read them)",
    "notfound-other": "libvet found it where the other tool does not look",
    "notfound-libvet": "the other tool found it where libvet's loader emulation does not look",
    "path": "both found the soname in different places",
}


def real(p):
    try:
        return os.path.realpath(p)
    except OSError:
        return p


def libvet_pairs(path):
    try:
        doc = json.load(open(path))
    except (OSError, ValueError):
        return None, set()
    pairs, missing = {}, set()

    def walk(n, top):
        if not top:
            if n.get("not_found"):
                missing.add(n["need"])
            elif n.get("real_path"):
                pairs.setdefault(n["need"], real(n["real_path"]))
        for c in n.get("children", []):
            walk(c, False)

    walk(doc["tree"], True)
    return pairs, missing


LDD = re.compile(r"^\s*(\S+) => (\S+)")


def lddtree_pairs(path):
    pairs, missing = {}, set()
    for i, line in enumerate(open(path, errors="replace")):
        if i == 0:
            continue  # the file itself, with its interpreter
        m = LDD.match(line)
        if not m:
            continue
        name, where = m.groups()
        if where in ("not", "None"):  # "not found"; the Python lddtree prints "None"
            missing.add(name)
        else:
            pairs.setdefault(name, real(where))
    return pairs, missing


TREE = re.compile(r"^[\s│├└─]*(\S+)(?: (not found))?")


def libtree_pairs(names_path, paths_path):
    names = open(names_path, errors="replace").read().splitlines()[1:]
    paths = open(paths_path, errors="replace").read().splitlines()[1:]
    pairs, missing = {}, set()
    for a, b in zip(names, paths):
        ma, mb = TREE.match(a), TREE.match(b)
        if not ma or not mb:
            continue
        name = ma.group(1)
        if "not found" in a:
            missing.add(name)
        elif mb.group(1).startswith("/"):
            pairs.setdefault(name, real(mb.group(1)))
    return pairs, missing


def compare(tool, theirs, ours, file, diffs):
    tp, tm = theirs
    op, om = ours
    agree = 0
    for name in sorted(set(tp) | set(op) | tm | om):
        a, b = tp.get(name), op.get(name)
        if a and b and a == b:
            agree += 1
            continue
        if a is None and b is None:
            if name in tm and name in om:
                agree += 1  # both say not found
            continue
        if b and a is None:
            kind = "interp" if name.startswith("ld-linux") else ("notfound-other" if name in tm else "hidden")
        elif a and b is None:
            kind = "notfound-libvet" if name in om else "hidden"
        else:
            kind = "path"
        diffs.append((tool, file, name, a, b, kind))
    return agree


def main(out):
    total, diffs = {"lddtree": 0, "libtree": 0}, []
    runs = [json.loads(l) for l in open(os.path.join(out, "runs.jsonl"))]
    for r in runs:
        k = os.path.join(out, r["key"])
        ours = libvet_pairs(k + ".libvet.json")
        if ours[0] is None:
            print(f"{r['file']}: libvet tree failed")
            continue
        a = compare("lddtree", lddtree_pairs(k + ".lddtree"), ours, r["file"], diffs)
        b = compare("libtree", libtree_pairs(k + ".libtree", k + ".libtree-p"), ours, r["file"], diffs)
        total["lddtree"] += a
        total["libtree"] += b
        print(f"{r['file']}: {a} pairs agree with lddtree, {b} with libtree")
    print(f"\n{len(runs)} binaries; agreements: lddtree {total['lddtree']}, libtree {total['libtree']}; differences: {len(diffs)}")
    for tool, file, name, a, b, kind in diffs:
        print(f"  {tool} {file}: {name}: {tool} {a or 'not listed/found'}, libvet {b or 'not listed/found'}  -- {WHY[kind]}")


if __name__ == "__main__":
    main(sys.argv[1])
