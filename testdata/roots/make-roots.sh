#!/bin/sh
# Rebuilds the fixture roots testdata/roots/glibc, musl, alpine, vetdemo, macos and windows (see
# README.md): real libraries from Debian 12 packages and committed wheels,
# tiny test binaries built with gcc (-nostdlib) and edited with patchelf,
# and an ld.so.cache written by `ldconfig -r`. Needs root (ldconfig -r),
# apt-get, dpkg-deb, gcc, patchelf, unzip and sha256sum.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
wheels=$here/../wheels
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Real Debian 12 libraries, pinned by sha256.
(cd "$tmp" && apt-get download libmd0=1.0.4-2 zlib1g=1:1.2.13.dfsg-1 >/dev/null 2>&1)
(cd "$tmp" && sha256sum -c - <<SUMS
03539fd30c509e27101d13a56e52eda9062bdf1aefe337c07ab56def25a13eab  libmd0_1.0.4-2_amd64.deb
d7dd1d1411fedf27f5e27650a6eff20ef294077b568f4c8c5e51466dc7c08ce4  zlib1g_1%3a1.2.13.dfsg-1_amd64.deb
SUMS
)
for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$tmp/x"; done
ml=usr/lib/x86_64-linux-gnu

# --- glibc: a Debian-like merged-/usr root ---------------------------------
G=$here/glibc
rm -rf "$G"
mkdir -p "$G/$ml/glibc-hwcaps/x86-64-v3" "$G/usr/lib64" "$G/etc/ld.so.conf.d" "$G/opt/vendor/lib" \
	"$G/opt/app/bin" "$G/opt/app/lib" "$G/opt/app/private" "$G/var/lib/dpkg/info"
ln -s usr/lib "$G/lib"        # relative, as Debian's merged /usr
ln -s /usr/lib64 "$G/lib64"   # absolute: must be re-rooted, never followed out
cp "$tmp/x/$ml/libmd.so.0.0.5" "$tmp/x/lib/x86_64-linux-gnu/libz.so.1.2.13" "$G/$ml/"
printf 'include /etc/ld.so.conf.d/*.conf\n' >"$G/etc/ld.so.conf"
printf '# multiarch\n/usr/lib/x86_64-linux-gnu\n' >"$G/etc/ld.so.conf.d/x86_64-linux-gnu.conf"
printf '/opt/vendor/lib\n' >"$G/etc/ld.so.conf.d/vendor.conf"

cc() { gcc -shared -nostdlib -fPIC -Wl,--no-as-needed -Wl,--hash-style=gnu -Wl,--build-id=none -s "$@"; }
echo 'void f(void){}' >"$tmp/f.c"
# A stand-in libc.so.6 (the real one is 2 MB) defining the versions the
# real libraries need; a stand-in program interpreter.
printf 'GLIBC_2.2.5 { global: f; local: *; };\nGLIBC_2.3.4 {} GLIBC_2.2.5;\nGLIBC_2.4 {} GLIBC_2.3.4;\nGLIBC_2.14 {} GLIBC_2.4;\nGLIBC_2.33 {} GLIBC_2.14;\nGLIBC_2.34 {} GLIBC_2.33;\n' >"$tmp/libc.map"
cc -Wl,-soname,libc.so.6 -Wl,--version-script="$tmp/libc.map" -o "$G/$ml/libc.so.6" "$tmp/f.c"
cc -Wl,-soname,ld-linux-x86-64.so.2 -o "$G/usr/lib64/ld-linux-x86-64.so.2" "$tmp/f.c"
# A libmd.so.0 for x86-64-v3 that lacks LIBMD_0.0: chosen only at
# --x86-level 3 or more, where it fails the version check.
printf 'LIBMD_OLD { global: f; local: *; };\n' >"$tmp/md.map"
cc -Wl,-soname,libmd.so.0 -Wl,--version-script="$tmp/md.map" -o "$G/$ml/glibc-hwcaps/x86-64-v3/libmd.so.0" "$tmp/f.c"
# libvendor.so.1, found through ld.so.conf.d, needs libz.so.1.
cc -Wl,-soname,libvendor.so.1 -o "$G/opt/vendor/lib/libvendor.so.1" "$tmp/f.c" -L"$G/$ml" -l:libz.so.1.2.13 -l:libc.so.6
patchelf --replace-needed libz.so.1.2.13 libz.so.1 "$G/opt/vendor/lib/libvendor.so.1" 2>/dev/null || true
# The application: DT_RPATH $ORIGIN/../lib:$ORIGIN/../private (inherited
# by libplug.so, whose libhelper.so lives in private/); librun.so has
# DT_RUNPATH $ORIGIN, which cuts the inheritance, so its libhidden.so is
# not found; libhelper.so needs libplug.so back (a cycle).
cc -Wl,-soname,libhidden.so -o "$G/opt/app/private/libhidden.so" "$tmp/f.c"
cc -Wl,-soname,libhelper.so -o "$G/opt/app/private/libhelper.so" "$tmp/f.c"
cc -Wl,-soname,libplug.so -o "$G/opt/app/lib/libplug.so" "$tmp/f.c"
patchelf --add-needed libhelper.so "$G/opt/app/lib/libplug.so"
patchelf --add-needed libplug.so "$G/opt/app/private/libhelper.so"
cc -Wl,-soname,librun.so -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN' -o "$G/opt/app/lib/librun.so" "$tmp/f.c"
patchelf --add-needed libhidden.so "$G/opt/app/lib/librun.so"
echo 'void _start(void){}' >"$tmp/main.c"
gcc -nostdlib -fPIE -pie -s -Wl,--build-id=none -Wl,--allow-shlib-undefined -Wl,--no-as-needed -Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/../lib:$ORIGIN/../private' \
	-Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2 -o "$G/opt/app/bin/app" "$tmp/main.c" \
	-L"$G/opt/app/lib" -L"$G/opt/vendor/lib" -L"$G/$ml" -lplug -lrun -l:libvendor.so.1 -l:libmd.so.0.0.5 -l:libc.so.6
patchelf --replace-needed libmd.so.0.0.5 libmd.so.0 "$G/opt/app/bin/app" 2>/dev/null || true
patchelf --add-needed libmissing.so.7 "$G/opt/app/bin/app"
# Version needs of the app on libmd.so.0 come from real symbols: link a
# second copy of the app against the real libmd so that it needs LIBMD_0.0.
echo 'extern void MD5Init(void*); void _start(void){ MD5Init(0); }' >"$tmp/md.c"
gcc -nostdlib -fPIE -pie -s -Wl,--build-id=none -Wl,--allow-shlib-undefined -Wl,--no-as-needed -Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2 \
	-o "$G/opt/app/bin/md5user" "$tmp/md.c" "$G/$ml/libmd.so.0.0.5" "$G/$ml/libc.so.6"
patchelf --replace-needed libmd.so.0.0.5 libmd.so.0 "$G/opt/app/bin/md5user" 2>/dev/null || true
# A dpkg database naming the owners of the two real libraries.
cat >"$G/var/lib/dpkg/status" <<STATUS
Package: libmd0
Status: install ok installed
Architecture: amd64
Version: 1.0.4-2

Package: zlib1g
Status: install ok installed
Architecture: amd64
Version: 1:1.2.13.dfsg-1
STATUS
printf '/%s/libmd.so.0\n/%s/libmd.so.0.0.5\n' $ml $ml >"$G/var/lib/dpkg/info/libmd0.list"
# zlib1g ships /lib/x86_64-linux-gnu (the unmerged spelling).
printf '/lib/x86_64-linux-gnu/libz.so.1\n/lib/x86_64-linux-gnu/libz.so.1.2.13\n' >"$G/var/lib/dpkg/info/zlib1g.list"
ldconfig -r "$G"   # writes etc/ld.so.cache and the soname links

# --- musl: an Alpine-like root -----------------------------------------------
M=$here/musl
rm -rf "$M"
mkdir -p "$M/etc" "$M/lib" "$M/opt/musl/lib" "$M/usr/lib/python3.12/site-packages/markupsafe"
printf "libvet fixture: a stand-in for musl's loader and libc (see testdata/roots/README.md)\n" >"$M/lib/ld-musl-x86_64.so.1"
printf '/usr/local/lib:/opt/musl/lib\n/usr/lib\n' >"$M/etc/ld-musl-x86_64.path"
so=markupsafe/_speedups.cpython-312-x86_64-linux-musl.so
unzip -p "$wheels/MarkupSafe-2.1.5-cp312-cp312-musllinux_1_1_x86_64.whl" $so >"$M/usr/lib/python3.12/site-packages/$so"
cp "$M/usr/lib/python3.12/site-packages/$so" "$M/opt/musl/lib/libextra.so.1"
patchelf --set-soname libextra.so.1 "$M/opt/musl/lib/libextra.so.1"
patchelf --add-needed libextra.so.1 "$M/usr/lib/python3.12/site-packages/$so"

# --- alpine: an Alpine-like root with apk's databases --------------------------
# The installed database and the cached repository index (APKINDEX) are
# written here in apk's formats (Alpine's mirror is not reachable from
# where these fixtures are made); see README.md.
A=$here/alpine
rm -rf "$A"
mkdir -p "$A/etc/apk" "$A/lib/apk/db" "$A/var/cache/apk" "$A/usr/lib/vetdemo" \
	"$A/usr/lib/python3.12/site-packages/markupsafe"
printf "libvet fixture: a stand-in for musl's loader and libc (see testdata/roots/README.md)\n" >"$A/lib/ld-musl-x86_64.so.1"
printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n' >"$A/etc/os-release"
printf 'https://dl-cdn.alpinelinux.org/alpine/v3.20/main\nhttps://dl-cdn.alpinelinux.org/alpine/v3.20/community\n' >"$A/etc/apk/repositories"
so=markupsafe/_speedups.cpython-312-x86_64-linux-musl.so
unzip -p "$wheels/MarkupSafe-2.1.5-cp312-cp312-musllinux_1_1_x86_64.whl" $so >"$A/usr/lib/python3.12/site-packages/$so"
patchelf --add-needed libz.so.1 --add-needed libffi.so.8 --add-needed libvetdemo.so.1 "$A/usr/lib/python3.12/site-packages/$so"
# An installed library off musl's search path (/lib:/usr/local/lib:/usr/lib).
echo 'int vetdemo(void) { return 1; }' >"$tmp/vetdemo.c"
gcc -shared -nostdlib -fPIC -Wl,-soname,libvetdemo.so.1 -o "$A/usr/lib/vetdemo/libvetdemo.so.1" "$tmp/vetdemo.c"
cat >"$A/lib/apk/db/installed" <<'APK'
P:musl
V:1.2.5-r0
A:x86_64
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1

P:libvetdemo
V:1.0-r0
A:x86_64
T:libvet fixture: a library installed off the loader's path
L:MIT
o:libvetdemo
D:so:libc.musl-x86_64.so.1
p:so:libvetdemo.so.1=1
F:usr/lib/vetdemo
R:libvetdemo.so.1

APK
# The repository index apk update caches: DESCRIPTION and APKINDEX in a
# gzipped tar (unsigned: a signature segment would come first).
mkdir -p "$tmp/index"
printf 'v3.20.3-libvet-fixture' >"$tmp/index/DESCRIPTION"
cat >"$tmp/index/APKINDEX" <<'APK'
P:libffi
V:3.4.6-r0
A:x86_64
S:13874
I:45056
T:portable, high level programming interface to various calling conventions
U:https://sourceware.org/libffi/
L:MIT
o:libffi
D:so:libc.musl-x86_64.so.1
p:so:libffi.so.8=8.1.4

P:musl
V:1.2.5-r0
A:x86_64
S:411323
I:643072
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
p:so:libc.musl-x86_64.so.1=1

P:zlib
V:1.3.1-r1
A:x86_64
S:53255
I:110592
T:A compression/decompression Library
U:https://zlib.net/
L:Zlib
o:zlib
D:so:libc.musl-x86_64.so.1
p:so:libz.so.1=1.3.1

APK
# apk-tools 2 names the cache file by the first 4 bytes of the SHA-1 of
# the repository URL: a7d0ee1f for .../v3.20/main.
h=$(printf %s https://dl-cdn.alpinelinux.org/alpine/v3.20/main | sha1sum | cut -c1-8)
(cd "$tmp/index" && tar --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - DESCRIPTION APKINDEX) | gzip -9n >"$A/var/cache/apk/APKINDEX.$h.tar.gz"

# --- vetdemo: a binary that needs the libraries of the repository-index
# fixtures (host/testdata/rpmrepo, host/testdata/pacmansync), for
# `libvet host --root` against those roots ------------------------------------
V=$here/vetdemo
rm -rf "$V"
mkdir -p "$V" "$tmp/stubs"
echo 'int vetdemo(void) { return 0; }' >"$tmp/stubs/s.c"
gcc -shared -nostdlib -fPIC -Wl,-soname,libvetdemo.so.1 -o "$tmp/stubs/libvetdemo.so" "$tmp/stubs/s.c"
gcc -shared -nostdlib -fPIC -Wl,-soname,libvet+extra-2.5.so -o "$tmp/stubs/libvet+extra-2.5.so" "$tmp/stubs/s.c"
echo 'int vetdemo(void); int use(void) { return vetdemo(); }' >"$tmp/stubs/use.c"
gcc -shared -nostdlib -fPIC -o "$V/needs-vetdemo.so" "$tmp/stubs/use.c" -Wl,--no-as-needed -L"$tmp/stubs" -lvetdemo -l:libvet+extra-2.5.so
# The same for 32-bit x86 (gcc -m32, from gcc-multilib): needs libvetdemo.so.1 only.
mkdir -p "$tmp/stubs32"
gcc -m32 -shared -nostdlib -fPIC -Wl,-soname,libvetdemo.so.1 -o "$tmp/stubs32/libvetdemo.so" "$tmp/stubs/s.c"
gcc -m32 -shared -nostdlib -fPIC -o "$V/needs-vetdemo-32.so" "$tmp/stubs/use.c" -Wl,--no-as-needed -L"$tmp/stubs32" -lvetdemo

# --- macos: a Mach-O extension with its delocated dylib -----------------------
D=$here/macos
rm -rf "$D"
mkdir -p "$D/site-packages"
(cd "$D/site-packages" && unzip -q "$wheels/google_crc32c-1.9.0-cp312-cp312-macosx_12_0_arm64.whl" \
	'google_crc32c/_crc32c.cpython-312-darwin.so' 'google_crc32c/.dylibs/*')

# --- windows: a 32-bit extension module (no Windows directory: the
# system DLLs cannot be redistributed; the tests add stand-ins) ---------------
W=$here/windows
rm -rf "$W"
mkdir -p "$W/site-packages"
(cd "$W/site-packages" && unzip -q "$wheels/markupsafe-3.0.4-cp312-cp312-win32.whl" 'markupsafe/_speedups.cp312-win32.pyd')
