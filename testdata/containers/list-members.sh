#!/bin/sh
# list-members.sh writes ARTIFACT.members for each package in this
# directory: what other tools list in it, in libvet's naming, so that
# artifact's tests can compare their listing with it. One line per file
# or link, sorted bytewise: a member of a nested tar is "OUTER!INNER",
# "./" is dropped, directories are left out, a symbolic link reads
# "PATH -> TARGET" and a hard link "PATH link to TARGET".
#
# Reference tools: binutils ar for .deb, Python's zipfile and tarfile for
# the rest (what conda-package-handling uses), and two cross-checks: GNU
# tar's names for every tar, and `cph list` for the conda packages.
#
#   CPH=/tmp/cphvenv/bin/cph testdata/containers/list-members.sh
set -eu
cd "$(dirname "$0")"
CPH=${CPH:-cph}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# tarlist PREFIX FILE: the members of a tar, named PREFIX+path.
tarlist() {
	python3 - "$1" "$2" <<'EOF'
import sys, tarfile
prefix, path = sys.argv[1], sys.argv[2]
with tarfile.open(path) as t:
    for m in t:
        if m.isdir():
            continue
        name = m.name.removeprefix("./")
        line = prefix + name
        if m.issym():
            line += " -> " + m.linkname
        elif m.islnk():
            line += " link to " + m.linkname.removeprefix("./")
        print(line)
EOF
	# GNU tar must see the same names.
	a=$(python3 -c 'import sys,tarfile; print("\n".join(sorted(m.name.removeprefix("./") for m in tarfile.open(sys.argv[1]) if not m.isdir())))' "$2")
	b=$(tar -tf "$2" | grep -v '/$' | sed 's|^\./||' | LC_ALL=C sort)
	[ "$(printf '%s\n' "$a" | LC_ALL=C sort)" = "$b" ] || { echo "tar and tarfile disagree on $2" >&2; exit 1; }
}

for deb in *.deb; do
	for m in $(ar t "$deb"); do
		case $m in
		control.tar* | data.tar*)
			ar p "$deb" "$m" >"$tmp/$m"
			tarlist "$m!" "$tmp/$m"
			;;
		*) echo "$m" ;;
		esac
	done | LC_ALL=C sort >"$deb.members"
done

for pkg in *.tar.bz2; do
	tarlist "" "$pkg" | LC_ALL=C sort >"$pkg.members"
	$CPH list "$pkg" | sed 's/ *$//' | LC_ALL=C sort >"$tmp/cph"
	sed 's/ -> .*//; s/ link to .*//' "$pkg.members" | diff - "$tmp/cph" >&2 || { echo "cph list disagrees on $pkg" >&2; exit 1; }
done

for pkg in *.conda; do
	python3 - "$pkg" "$tmp" <<'EOF' >"$tmp/parts"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        if n.endswith(".tar.zst"):
            open(sys.argv[2] + "/" + n, "wb").write(z.read(n))
        print(n)
EOF
	while read -r part; do
		case $part in
		*.tar.zst)
			zstd -q -d -c "$tmp/$part" >"$tmp/$part.tar"
			tarlist "$part!" "$tmp/$part.tar"
			;;
		*) echo "$part" ;;
		esac
	done <"$tmp/parts" | LC_ALL=C sort >"$pkg.members"
	$CPH list "$pkg" | sed 's/ *$//' | LC_ALL=C sort >"$tmp/cph"
	grep '!' "$pkg.members" | sed 's/^[^!]*!//; s/ -> .*//; s/ link to .*//' | LC_ALL=C sort | diff - "$tmp/cph" >&2 || { echo "cph list disagrees on $pkg" >&2; exit 1; }
done
