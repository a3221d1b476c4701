#!/bin/sh
# make-conda.sh rebuilds the two conda packages in this directory from the
# zlib1g Debian package next to it, with conda-package-handling's cph:
#
#   python3 -m venv /tmp/cphvenv && /tmp/cphvenv/bin/pip install conda-package-handling==2.6.0
#   CPH=/tmp/cphvenv/bin/cph testdata/containers/make-conda.sh
#
# The package holds zlib's shared library, the libz.so.1 symbolic link to
# it, and the info/ files conda needs (index.json, paths.json, files).
# Times are fixed, so the same cph and zstd rebuild the same bytes. Needs
# ar, xz, tar, python3 and sha256sum.
set -eu
cd "$(dirname "$0")"
CPH=${CPH:-cph}
name=libvet-zlib-1.2.13-h0_0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/pkg/lib" "$tmp/pkg/info" "$tmp/deb"
ar p zlib1g_1.2.13.dfsg-1_amd64.deb data.tar.xz | xz -d | tar -x -C "$tmp/deb" ./lib/x86_64-linux-gnu/libz.so.1.2.13
cp "$tmp/deb/lib/x86_64-linux-gnu/libz.so.1.2.13" "$tmp/pkg/lib/"
chmod 0755 "$tmp/pkg/lib/libz.so.1.2.13"
ln -s libz.so.1.2.13 "$tmp/pkg/lib/libz.so.1"

sum=$(sha256sum "$tmp/pkg/lib/libz.so.1.2.13" | cut -d' ' -f1)
size=$(wc -c <"$tmp/pkg/lib/libz.so.1.2.13" | tr -d ' ')
cat >"$tmp/pkg/info/index.json" <<EOF
{
  "build": "h0_0",
  "build_number": 0,
  "depends": [],
  "license": "Zlib",
  "name": "libvet-zlib",
  "subdir": "linux-64",
  "timestamp": 1667651040000,
  "version": "1.2.13"
}
EOF
cat >"$tmp/pkg/info/paths.json" <<EOF
{
  "paths": [
    {"_path": "lib/libz.so.1", "path_type": "softlink", "sha256": "$sum", "size_in_bytes": $size},
    {"_path": "lib/libz.so.1.2.13", "path_type": "hardlink", "sha256": "$sum", "size_in_bytes": $size}
  ],
  "paths_version": 1
}
EOF
printf 'lib/libz.so.1\nlib/libz.so.1.2.13\n' >"$tmp/pkg/info/files"

find "$tmp/pkg" -exec touch -h -d '2022-11-05 12:24:00 UTC' {} +
for ext in tar.bz2 conda; do
	rm -f "$name.$ext"
	"$CPH" create "$tmp/pkg" "$name.$ext" --out-folder .
done
