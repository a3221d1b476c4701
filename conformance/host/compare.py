"""Checks `libvet host` and `libvet tree` against a real root file system (conformance/host.sh).

Subcommands (all paths relative to the repository root, ROOT a directory with a Debian system):
  pick-wheels WHEEL...          print the wheels that have at least one ELF member
  pick-binaries ROOT N          print ~N dynamic ELF files of ROOT (half programs of usr/bin, half
                                libraries of usr/lib/x86_64-linux-gnu), root-relative, sorted
  compare ROOT OUT              read OUT/runs.jsonl and the outputs host.sh wrote next to it, check
                                them against ROOT (chroot ROOT dpkg -S / ldconfig -p / ldd output),
                                print every agreement count and every difference, then the summary

The checks, and the kinds of difference with their explanation, are described in
docs/differences.md ("libvet host" section). This script runs `chroot ROOT dpkg -S` and `chroot ROOT ldconfig -p`
(read-only queries); host.sh runs `chroot ROOT ldd`. libvet itself never executes anything.
"""
import json
import os
import re
import subprocess
import sys
import zipfile

ELF_MAGIC = b"\x7fELF"
# the directories Debian's merged /usr turns into symbolic links: /X -> /usr/X
MERGED = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
# ldconfig -p's flags for each wheel architecture (the part after "libc6,", or none for i386)
ARCH_FLAGS = {"x86_64": "x86-64", "i686": "", "aarch64": "AArch64"}

# Where the program interpreter of each architecture lives (its PT_INTERP on Debian).
INTERPRETERS = {"x86_64": "/lib64/ld-linux-x86-64.so.2", "i686": "/lib/ld-linux.so.2",
                "aarch64": "/lib/ld-linux-aarch64.so.1"}


def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == ELF_MAGIC
    except OSError:
        return False


def has_dynamic(path):
    """Whether path is a little-endian ELF64 file with a PT_DYNAMIC segment (what ldd can list)."""
    with open(path, "rb") as f:
        hdr = f.read(64)
        if len(hdr) < 64 or hdr[:4] != ELF_MAGIC or hdr[4] != 2 or hdr[5] != 1:
            return False
        phoff = int.from_bytes(hdr[0x20:0x28], "little")
        phentsize = int.from_bytes(hdr[0x36:0x38], "little")
        phnum = int.from_bytes(hdr[0x38:0x3a], "little")
        for i in range(min(phnum, 256)):
            f.seek(phoff + i * phentsize)
            if int.from_bytes(f.read(4), "little") == 2:  # PT_DYNAMIC
                return True
    return False


def wheel_has_elf(path):
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if info.is_dir() or info.file_size < 64:
                    continue
                with z.open(info) as f:
                    if f.read(4) == ELF_MAGIC:
                        return True
    except (OSError, zipfile.BadZipFile):
        return False
    return False


MACHINES = {3: "i686", 62: "x86_64", 183: "aarch64"}


def elf_machine(head):
    """The architecture named by an ELF header's e_machine, or "" when it is not one we know."""
    if len(head) < 20 or head[:4] != ELF_MAGIC:
        return ""
    order = "little" if head[5] == 1 else "big"
    return MACHINES.get(int.from_bytes(head[18:20], order), "")


class WheelArch:
    """The architecture of the binary that needs a library: a member of the wheel, or a library of
    the root (libvet host also lists the needs of the root's libraries it loads)."""

    def __init__(self, wheel, root):
        self.wheel, self.root, self.cache = wheel, root, {}
        self.zip = None  # the wheel, opened on the first member read; False when it cannot be

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if isinstance(self.zip, zipfile.ZipFile):
            self.zip.close()
        self.zip = None

    def member_head(self, name):
        """The first 20 bytes of the wheel's member name (KeyError when there is none)."""
        if self.zip is None:
            try:
                self.zip = zipfile.ZipFile(self.wheel)
            except (OSError, zipfile.BadZipFile):
                self.zip = False
        if self.zip is False:
            return b""
        with self.zip.open(name) as f:
            return f.read(20)

    def of(self, needed_by):
        for who in needed_by:
            if who not in self.cache:
                head = b""
                try:
                    if who.startswith("/"):
                        with open(os.path.join(self.root, who.lstrip("/")), "rb") as f:
                            head = f.read(20)
                    else:
                        head = self.member_head(who)
                except (OSError, KeyError, zipfile.BadZipFile):
                    pass
                self.cache[who] = elf_machine(head)
            if self.cache[who]:
                return self.cache[who]
        return None  # unknown: any architecture's ld.so.cache entry counts


def pick_binaries(root, n):
    def dynamic(rel):
        p = os.path.join(root, rel)
        if os.path.islink(p) or not os.path.isfile(p) or not is_elf(p):
            return False
        return has_dynamic(p)

    def spread(cands, k, preferred):
        out = [c for c in preferred if c in cands][:k]
        rest = [c for c in cands if c not in out]
        if len(out) < k and rest:
            step = max(1, len(rest) // (k - len(out)))
            out += rest[::step][: k - len(out)]
        return out

    bins = sorted("usr/bin/" + f for f in os.listdir(os.path.join(root, "usr/bin")))
    bins = [b for b in bins if dynamic(b)]
    libdir = "usr/lib/x86_64-linux-gnu"
    libs = sorted(libdir + "/" + f for f in os.listdir(os.path.join(root, libdir)) if ".so." in f)
    libs = [lib for lib in libs if dynamic(lib)]
    want_bins = ["usr/bin/apt", "usr/bin/dpkg", "usr/bin/bash", "usr/bin/expr", "usr/bin/factor",
                 "usr/bin/gpgv", "usr/bin/login", "usr/bin/mount", "usr/bin/perl", "usr/bin/tar"]
    want_libs = [libdir + "/" + f for f in ("libpq.so.5.15", "libxml2.so.2.9.14", "libsystemd.so.0.35.0",
                                            "libapt-pkg.so.6.0.0", "libgcrypt.so.20.4.1")]
    half = n // 2
    return sorted(spread(bins, half, want_bins) + spread(libs, n - half, want_libs))


# --- root-aware path handling ------------------------------------------------------------------

def realpath_in(root, path):
    """path (absolute, inside root) with every symbolic link resolved inside root, as ld.so in a
    chroot would see it. Returns a root-relative absolute path."""
    parts = [p for p in path.split("/") if p]
    done = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == ".":
            continue
        if part == "..":
            if done:
                done.pop()
            continue
        cur = os.path.join(root, *done, part)
        if os.path.islink(cur) and hops < 64:
            hops += 1
            target = os.readlink(cur)
            if target.startswith("/"):
                done = []
            parts = [p for p in target.split("/") if p] + parts
            continue
        done.append(part)
    return "/" + "/".join(done)


def aliases(path):
    """path and its other spelling under merged /usr (/lib/x <-> /usr/lib/x)."""
    out = [path]
    parts = path.lstrip("/").split("/", 2)
    if parts[0] in MERGED:
        out.append("/usr" + path)
    elif parts[0] == "usr" and len(parts) > 1 and parts[1] in MERGED:
        out.append(path[len("/usr"):])
    return out


class Root:
    def __init__(self, root):
        self.root = root
        self._dpkg = {}
        self.ldcache = self._ldconfig()

    def dpkg_s(self, path):
        """The packages `dpkg -S` says own exactly path (no alias), without ":arch"."""
        if path not in self._dpkg:
            r = subprocess.run(["chroot", self.root, "dpkg", "-S", path],
                               capture_output=True, text=True)
            pkgs = set()
            for line in r.stdout.splitlines():
                if line.startswith("diversion by"):
                    continue
                who, _, what = line.rpartition(": ")
                if what.strip() != path:
                    continue
                for p in who.split(","):
                    pkgs.add(p.strip().split(":")[0])
            self._dpkg[path] = pkgs
        return self._dpkg[path]

    def owners(self, path):
        """(packages, how): the packages owning path or its merged-/usr alias; if none, those of
        its real path (inside the root) and its alias. how names which path answered."""
        for p in aliases(path):
            pkgs = self.dpkg_s(p)
            if pkgs:
                return pkgs, p
        real = realpath_in(self.root, path)
        for p in aliases(real):
            pkgs = self.dpkg_s(p)
            if pkgs:
                return pkgs, "real path " + p
        return set(), ""

    def _ldconfig(self):
        r = subprocess.run(["chroot", self.root, "ldconfig", "-p"], capture_output=True, text=True)
        cache = {}
        rx = re.compile(r"^\s+(\S+) \(([^)]*)\) => (\S+)")
        for line in r.stdout.splitlines():
            m = rx.match(line)
            if m:
                soname, flags, path = m.groups()
                cache.setdefault(soname, []).append((flags, path))
        return cache

    def ld_find(self, soname, arch):
        """Where ld.so (without RPATH/RUNPATH/LD_LIBRARY_PATH) finds soname for arch in the root:
        the ld.so.cache entry of that arch, else the trusted directories. "" when absent."""
        want = ARCH_FLAGS.get(arch)
        for flags, path in self.ldcache.get(soname, []):
            fl = flags.split(",")[1:]  # "libc6,x86-64" -> ["x86-64"]; i386 has none
            arch_flag = fl[0] if fl and fl[0] in ARCH_FLAGS.values() else ""
            if want is None or arch_flag == want:
                return path
        dirs = {"x86_64": ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"],
                "i686": ["/lib/i386-linux-gnu", "/usr/lib/i386-linux-gnu"],
                "aarch64": ["/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"]}.get(arch, [])
        # then Debian glibc's system search path (`ld.so --help`): the multiarch directories,
        # /lib and /usr/lib; a candidate of another architecture is skipped, as ld.so does
        for d in dirs + ["/lib", "/usr/lib"]:
            p = os.path.join(self.root, d.lstrip("/"), soname)
            if not os.path.isfile(p):
                continue
            with open(p, "rb") as f:
                m = elf_machine(f.read(20))
            if arch is None or m == arch:
                return d + "/" + soname
        return ""


# --- checks ----------------------------------------------------------------------------------

class Tally:
    def __init__(self):
        self.counts = {}
        self.diffs = []

    def ok(self, kind):
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def diff(self, kind, where, text):
        self.counts["DIFF " + kind] = self.counts.get("DIFF " + kind, 0) + 1
        self.diffs.append((kind, where, text))


def check_owner(root, tally, where, soname, path, owner, kind):
    pkgs, how = root.owners(path)
    name = (owner or {}).get("name", "")
    if not pkgs and not name:
        tally.ok(kind + " owner: both none")
    elif name in pkgs:
        tally.ok(kind + " owner agrees")
        if how.startswith("real path"):
            tally.ok(kind + " owner agrees: dpkg -S knows only the real path")
        elif how != path:
            tally.ok(kind + " owner agrees: dpkg -S knows only the merged-/usr alias")
    else:
        tally.diff(kind + "-owner", where,
                   f"{soname} at {path}: libvet says owner {name or '(none)'}, "
                   f"dpkg -S says {','.join(sorted(pkgs)) or '(none)'}")


def check_host(root, out, run, tally):
    where = run["wheel"]
    try:
        doc = json.load(open(os.path.join(out, run["key"] + ".host.json")))
    except (OSError, ValueError) as e:
        tally.diff("host-no-output", where, f"libvet host gave no JSON (exit {run['rc']}): {e}")
        return
    with WheelArch(where, root.root) as archs:
        for art in doc.get("artifacts", []):
            if art.get("error"):
                tally.diff("host-error", where, art["error"])
            if art.get("skipped"):
                tally.ok("host binaries skipped (another loader)")
            nmissing = 0
            for need in art.get("needs", []):
                st, soname = need["status"], need["soname"]
                arch = archs.of(need.get("needed_by", []))
                if st == "interpreter":
                    want = INTERPRETERS.get(arch or "", "")
                    if want and os.path.isfile(os.path.join(root.root, realpath_in(root.root, want).lstrip("/"))):
                        tally.ok("host interpreter: the root has " + want)
                    else:
                        tally.diff("host-interpreter-absent", where,
                                   f"{soname}: libvet says \"{need.get('step', 'interpreter')}\"; "
                                   f"the root has no {want or 'interpreter for this architecture'}")
                elif st == "host":
                    path = need.get("path", "")
                    if not path or not os.path.lexists(os.path.join(root.root, path.lstrip("/"))):
                        tally.diff("host-found-absent", where, f"{soname}: libvet says {path!r}, not in the root")
                        continue
                    tally.ok("host found: file exists in the root")
                    tally.ok("host found: step " + need.get("step", "(none)"))
                    check_owner(root, tally, where, soname, path, need.get("owner"), "host")
                    if need.get("step") == "ld.so.cache":
                        ld = root.ld_find(soname, arch)
                        if realpath_in(root.root, ld) == realpath_in(root.root, path):
                            tally.ok("host found via ld.so.cache: same file as ldconfig -p")
                        else:
                            tally.diff("host-cache-path", where,
                                       f"{soname}: libvet {path} [ld.so.cache], ldconfig -p {ld or '(absent)'}")
                elif st == "missing":
                    nmissing += 1
                    ld = root.ld_find(soname, arch)
                    reason = need.get("reason", "")
                    if not ld:
                        tally.ok("host missing: absent from the root's ld.so search")
                    elif "lack" in reason or "version" in reason:
                        tally.ok("host missing: present but lacks symbol versions (libvet's reason)")
                        print(f"  note {where}: {soname} at {ld} is present but {reason}")
                    else:
                        tally.diff("host-missing-present", where,
                                   f"{soname}: libvet says missing ({reason}); ld.so would find {ld}")
                else:
                    tally.ok("host need " + st + " (not checked against the root)")
            if nmissing != art.get("missing", 0):
                tally.diff("host-missing-count", where,
                           f"\"missing\": {art.get('missing')} but {nmissing} needs have status missing")
    want_rc = 1 if any(a.get("missing") for a in doc.get("artifacts", [])) else 0
    if run["rc"] not in (want_rc, 3):
        tally.diff("host-exit", where, f"exit status {run['rc']}, expected {want_rc} "
                   f"(issue 6: exit 1 when anything is missing)")


LDD = re.compile(r"^\s*(\S+) => (.+?)(?: \(0x[0-9a-f]+\))?$")
LDD_BARE = re.compile(r"^\s*(\S+) \(0x[0-9a-f]+\)$")


def ldd_pairs(path):
    pairs, missing, notes = {}, set(), []
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        m = LDD.match(line)
        if m:
            name, where = m.groups()
            if where.strip() == "not found":
                missing.add(name)
            else:
                pairs.setdefault(name, where.strip())
            continue
        m = LDD_BARE.match(line)
        if m:
            p = m.group(1)
            if p.startswith("linux-vdso") or p.startswith("linux-gate"):
                notes.append("vdso")
            else:
                pairs.setdefault(os.path.basename(p), p)  # the interpreter, by path only
                notes.append("interp-form")
    return pairs, missing, notes


def libvet_tree(path):
    doc = json.load(open(path))
    pairs, missing, owners = {}, set(), {}

    def walk(n, top):
        if not top:
            if n.get("not_found"):
                missing.add(n["need"])
            elif n.get("path"):
                pairs.setdefault(n["need"], n["path"])
                owners.setdefault(n["need"], (n["path"], n.get("owner")))
        for c in n.get("children", []):
            walk(c, False)

    walk(doc["tree"], True)
    return doc, pairs, missing, owners


def check_tree(root, out, run, tally):
    where = run["file"]
    try:
        doc, lv, lv_missing, owners = libvet_tree(os.path.join(out, run["key"] + ".tree.json"))
    except (OSError, ValueError, KeyError) as e:
        tally.diff("tree-no-output", where, f"libvet tree gave no JSON (exit {run['rc']}): {e}")
        return
    ld, ld_missing, notes = ldd_pairs(os.path.join(out, run["key"] + ".ldd"))
    for n in set(notes):
        tally.ok({"vdso": "tree: ldd lists linux-vdso.so.1, libvet does not (not a file)",
                  "interp-form": "tree: ldd lists the interpreter by path only"}[n])
    same, agreed = 0, []
    for name in sorted(set(lv) | set(ld) | lv_missing | ld_missing):
        a, b = lv.get(name), ld.get(name)
        if name.startswith("linux-vdso"):
            continue
        if a and b:
            if a == b:
                same += 1
                agreed.append(f"{name} => {a}")
                tally.ok("tree pair: same soname -> same path")
            elif realpath_in(root.root, a) == realpath_in(root.root, b):
                same += 1
                agreed.append(f"{name} => libvet {a} = ldd {b}")
                tally.ok("tree pair: same soname -> same file, another spelling of its path")
            else:
                tally.diff("tree-path", where, f"{name}: libvet {a}, ldd {b}")
        elif name in lv_missing and name in ld_missing:
            agreed.append(f"{name} => not found")
            tally.ok("tree pair: both say not found")
        elif a:
            tally.diff("tree-only-libvet", where,
                       f"{name}: libvet {a}, ldd " + ("not found" if name in ld_missing else "does not list it"))
        elif b:
            tally.diff("tree-only-ldd", where,
                       f"{name}: ldd {b}, libvet " + ("not found" if name in lv_missing else "does not list it"))
        else:
            tally.ok("tree pair: both say not found")
    top = doc["tree"]
    check_owner(root, tally, where, where, top.get("path", where), top.get("owner"), "tree")
    for name, (path, owner) in sorted(owners.items()):
        check_owner(root, tally, where, name, path, owner, "tree")
    want_rc = 0 if doc.get("ok") else 1
    if run["rc"] != want_rc:
        tally.diff("tree-exit", where, f"exit status {run['rc']}, expected {want_rc} (\"ok\": {doc.get('ok')})")
    print(f"  tree {where}: {same} pairs agree with ldd")
    for line in agreed:
        print("      " + line)


def compare(rootdir, out):
    root = Root(rootdir)
    tally = Tally()
    runs = [json.loads(line) for line in open(os.path.join(out, "runs.jsonl"))]
    for run in runs:
        if run["kind"] == "host":
            check_host(root, out, run, tally)
        else:
            check_tree(root, out, run, tally)
    if tally.diffs:
        print("\nDifferences (the 'libvet host' part of docs/differences.md explains each kind):")
        for kind, where, text in tally.diffs:
            print(f"  [{kind}] {where}: {text}")
    nh = sum(1 for r in runs if r["kind"] == "host")
    print(f"\nSummary: {nh} wheels (libvet host), {len(runs) - nh} binaries (libvet tree vs chroot ldd)")
    for kind in sorted(tally.counts, key=lambda k: (k.startswith("DIFF"), k)):
        print(f"  {tally.counts[kind]:5d}  {kind}")
    ndiff = sum(v for k, v in tally.counts.items() if k.startswith("DIFF"))
    print(f"  {ndiff:5d}  differences in all")
    summary = {"wheels": nh, "binaries": len(runs) - nh, "counts": tally.counts,
               "differences": [{"kind": k, "where": w, "text": t} for k, w, t in tally.diffs]}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)


def main(argv):
    if len(argv) >= 2 and argv[1] == "pick-wheels":
        for w in argv[2:]:
            if wheel_has_elf(w):
                print(w)
    elif len(argv) == 4 and argv[1] == "pick-binaries":
        for b in pick_binaries(argv[2], int(argv[3])):
            print(b)
    elif len(argv) == 4 and argv[1] == "compare":
        compare(argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
