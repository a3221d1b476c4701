#!/usr/bin/env bash
# testdata/dpkgroot/make.sh — regenerate the dpkg database fixtures in testdata/dpkgroot/.
#
#   debian/      a Debian 12 root's var/lib/dpkg: status, info/*.list|shlibs|symbols|md5sums,
#                diversions. Built from THIS host's dpkg database (which must be a
#                Debian 12 amd64 system with the pinned package versions below), trimmed to a few
#                packages, plus three constructed stanzas (see README.md).
#   distroless/  a distroless image's var/lib/dpkg/status.d/: one control stanza per package and
#                its md5sums, exactly as the pinned .debs ship them (`dpkg-deb -e`), the libc6
#                md5sums trimmed.
#
# Usage: testdata/dpkgroot/make.sh   (needs bash, python3, apt-get, dpkg-deb, sha256sum)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
db=/var/lib/dpkg
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The package versions the fixtures describe, and the .debs of the distroless variant.
declare -A version=([dash]=0.5.12-2 [dpkg]=1.21.22 [libc6]=2.36-9+deb12u14 [libffi8]=3.4.4-1 [zlib1g]=1:1.2.13.dfsg-1)
declare -A debsum=(
  [zlib1g]=d7dd1d1411fedf27f5e27650a6eff20ef294077b568f4c8c5e51466dc7c08ce4
  [libc6]=ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf
)
for p in "${!version[@]}"; do
  have=$(dpkg-query -W -f '${Version}' "$p:amd64" 2>/dev/null || dpkg-query -W -f '${Version}' "$p")
  [[ $have == "${version[$p]}" ]] || { echo "make.sh: $p is $have here, not ${version[$p]}" >&2; exit 1; }
done

rm -rf "$here/debian" "$here/distroless"
out=$here/debian/var/lib/dpkg
mkdir -p "$out/info"

# status: the real stanzas, each Description cut to its synopsis line, then constructed ones.
python3 - "$db/status" "$out/status" <<'EOF'
import sys
want = ["dash", "dpkg", "libc6", "libffi8", "zlib1g"]
stanzas = {}
for s in open(sys.argv[1], encoding="utf-8").read().split("\n\n"):
    lines, keep, indesc = s.strip("\n").split("\n"), [], False
    for line in lines:
        if line.startswith("Description:"):
            indesc = True
        elif not line[:1].isspace():
            indesc = False
        elif indesc:
            continue
        keep.append(line)
    name = keep[0].removeprefix("Package: ")
    if name in want and "Architecture: amd64" in keep:
        stanzas[name] = "\n".join(keep)
constructed = [
    "Package: oldpkg\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0-1\n"
    "Description: removed package whose configuration files remain (constructed)",
    "Package: heldpkg\nStatus: hold ok installed\nArchitecture: all\nVersion: 2.0-1\nProvides: virtual-held\n"
    "Description: held package (constructed)",
]
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write("\n\n".join([stanzas[n] for n in want] + constructed) + "\n")
EOF

# info/: the files are renamed from dpkg's database format 1 names ("zlib1g:amd64.list") to the
# format 0 ones ("zlib1g.list"; no info/format file), because Go module zips cannot hold a ':' in a
# file name. The tests of the format 1 names build their database in memory.
for f in dash.list zlib1g:amd64.list zlib1g:amd64.md5sums zlib1g:amd64.shlibs zlib1g:amd64.symbols \
         libc6:amd64.shlibs libffi8:amd64.list libffi8:amd64.shlibs libffi8:amd64.symbols; do
  cp "$db/info/$f" "$out/info/${f/:amd64/}"
done
grep -xE '/\.|/usr|/usr/bin|/usr/bin/dpkg|/usr/bin/dpkg-query' "$db/info/dpkg.list" >"$out/info/dpkg.list"
grep -xE '/\.|/lib|/lib64|/usr|/usr/lib|/(usr/)?lib/x86_64-linux-gnu|/lib/x86_64-linux-gnu/(libc\.so\.6|libm\.so\.6|ld-linux-x86-64\.so\.2)|/lib64/ld-linux-x86-64\.so\.2' \
  "$db/info/libc6:amd64.list" >"$out/info/libc6.list"
# libc6's symbols file, cut to its library, template and field lines, the symbols that define a
# version node (GLIBC_2.34@GLIBC_2.34) and two others.
python3 - "$db/info/libc6:amd64.symbols" "$out/info/libc6.symbols" <<'EOF'
import sys
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.startswith(" "):
        out.append(line)
        continue
    sym = line.split()[0]
    name, _, ver = sym.rpartition("@")
    if name == ver or name in ("printf", "__libc_enable_secure"):
        out.append(line)
open(sys.argv[2], "w", encoding="utf-8").writelines(out)
EOF
# dash's two real diversions, and a constructed local one.
python3 - "$db/diversions" "$out/diversions" <<'EOF'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
keep = []
for i in range(0, len(lines) - 2, 3):
    if lines[i + 2] == "dash":
        keep += lines[i:i + 3]
keep += ["/usr/share/menu/dash", "/usr/share/menu/dash.orig", ":"]
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(keep) + "\n")
EOF

# distroless: status.d from the .debs' control archives.
sd=$here/distroless/var/lib/dpkg/status.d
mkdir -p "$sd"
(cd "$work" && apt-get download -q "zlib1g=${version[zlib1g]}" "libc6=${version[libc6]}" >/dev/null)
for p in zlib1g libc6; do
  deb=$(ls "$work"/${p}_*.deb)
  echo "${debsum[$p]}  $deb" | sha256sum -c --quiet
  dpkg-deb -e "$deb" "$work/$p"
  cp "$work/$p/control" "$sd/$p"
done
cp "$work/zlib1g/md5sums" "$sd/zlib1g.md5sums"
grep -E ' (usr/)?lib(64)?/(x86_64-linux-gnu/)?(libc\.so\.6|libm\.so\.6|ld-linux-x86-64\.so\.2)$' "$work/libc6/md5sums" >"$sd/libc6.md5sums"

cd "$here" && find debian distroless -type f | LC_ALL=C sort | xargs sha256sum
