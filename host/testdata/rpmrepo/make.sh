#!/bin/sh
# make.sh builds the rpm repository metadata of host/testdata/rpmrepo with
# the real tools: gcc builds tiny shared libraries, rpmbuild packages them
# (rpm's elfdeps writes their soname provides), createrepo_c makes the
# repository, and dnf and zypper cache it in fixture roots as they do on
# Fedora and openSUSE. README.md says what each file is for.
#
# Needs (Debian 12): apt-get install rpm createrepo-c dnf zypper zchunk
# zstd gcc gcc-multilib. No network: the repository is a local directory.
# Run it from anywhere:
#
#	sh host/testdata/rpmrepo/make.sh
#
# The output is reproducible but for the bytes of gcc's and rpm's output
# that depend on the tool versions; expected-provides.txt is what the
# tests compare with.
set -eu
out=$(cd "$(dirname "$0")" && pwd)
# dnf names its cache directory after a hash of the repository's URL, so
# the repository lives at a fixed path.
work=/tmp/libvet-rpmrepo-fixture
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
cd "$work"
export SOURCE_DATE_EPOCH=1700000000
mkdir -p SPECS SOURCES RPMS repo

# The libraries. libvetdemo.so.1 has a symbol version (LIBVETDEMO_1.0),
# so elfdeps also writes a symbol-version provide, which is not a library
# provide; it is built for x86_64 and, with gcc -m32, for i686, whose
# provides carry no (64bit) marker. libvet+extra-2.5.so has a soname that
# does not end in a number and needs libvetdemo.so.1 and glibc, so that
# the package has library requires (which are not provides).
cat >SOURCES/demo.c <<'EOF'
#include <stdlib.h>
int libvetdemo_answer(void) { return getenv("LIBVET_DEMO") ? 0 : 42; }
EOF
cat >SOURCES/demo.map <<'EOF'
LIBVETDEMO_1.0 { global: libvetdemo_answer; local: *; };
EOF
cat >SOURCES/extra.c <<'EOF'
int libvetdemo_answer(void);
int libvet_extra(void) { return libvetdemo_answer() + 1; }
EOF
gcc -shared -fPIC -O2 -Wl,-soname,libvetdemo.so.1 -Wl,--version-script=SOURCES/demo.map \
	-o SOURCES/libvetdemo.so.1.0.0.64 SOURCES/demo.c
gcc -m32 -shared -fPIC -O2 -Wl,-soname,libvetdemo.so.1 -Wl,--version-script=SOURCES/demo.map \
	-o SOURCES/libvetdemo.so.1.0.0.32 SOURCES/demo.c
gcc -shared -fPIC -O2 -Wl,-soname,libvet+extra-2.5.so -o SOURCES/libvet+extra-2.5.so \
	SOURCES/extra.c SOURCES/libvetdemo.so.1.0.0.64

# libvetdemo has an epoch, and its i686 and x86_64 builds share name and
# version, as multilib packages do on Fedora.
cat >SPECS/demo.spec <<'SPEC'
Name: libvetdemo
Epoch: 2
Version: 1.0
Release: 3.libvet
Summary: libvet demo library (libvet test fixture)
License: MIT
Source0: libvetdemo.so.1.0.0.64
Source1: libvetdemo.so.1.0.0.32
%description
A tiny shared library built for libvet's tests.
%install
%ifarch x86_64
mkdir -p %{buildroot}/usr/lib64
install -m 755 %{SOURCE0} %{buildroot}/usr/lib64/libvetdemo.so.1.0.0
ln -s libvetdemo.so.1.0.0 %{buildroot}/usr/lib64/libvetdemo.so.1
%files
/usr/lib64/libvetdemo.so.1.0.0
/usr/lib64/libvetdemo.so.1
%else
mkdir -p %{buildroot}/usr/lib
install -m 755 %{SOURCE1} %{buildroot}/usr/lib/libvetdemo.so.1.0.0
ln -s libvetdemo.so.1.0.0 %{buildroot}/usr/lib/libvetdemo.so.1
%files
/usr/lib/libvetdemo.so.1.0.0
/usr/lib/libvetdemo.so.1
%endif
SPEC
cat >SPECS/extra.spec <<'SPEC'
Name: libvet+extra
Version: 0.5
Release: 1
Summary: libvet extra library (libvet test fixture)
License: MIT
Source0: libvet+extra-2.5.so
%description
A library whose soname has no version after .so.
%install
mkdir -p %{buildroot}/usr/lib64
install -m 755 %{SOURCE0} %{buildroot}/usr/lib64/libvet+extra-2.5.so
%files
/usr/lib64/libvet+extra-2.5.so
SPEC
# A package without libraries whose description holds markup and
# entities, which createrepo_c escapes: it must not be taken for a
# provide. Its own provides include a bare name that is not a soname.
cat >SPECS/docs.spec <<'SPEC'
Name: libvet-docs
Version: 1
Release: 1
Summary: libvet docs & <notes> (libvet test fixture)
License: MIT
BuildArch: noarch
Provides: libvetdemo-doc
Provides: libvet-docs(api) = 1
Requires: libvetdemo.so.1()(64bit)
%description
Not a library: <rpm:entry name="libfake.so.9()(64bit)"/> &amp; ]]> <![CDATA[
<rpm:entry name="libfake.so.8()(64bit)"/> ]]> are text.
%install
mkdir -p %{buildroot}/usr/share/doc/libvet-docs
echo docs >%{buildroot}/usr/share/doc/libvet-docs/README
%files
/usr/share/doc/libvet-docs/README
SPEC
build() {
	rpmbuild --target "$1" --define "_topdir $work" --define '_build_id_links none' \
		--define '__strip /bin/true' --define 'debug_package %{nil}' --define '_buildhost libvet' \
		--define 'use_source_date_epoch_as_buildtime 1' --define 'clamp_mtime_to_source_date_epoch 1' \
		-bb "SPECS/$2.spec" >rpmbuild.log 2>&1 || { cat rpmbuild.log; exit 1; }
}
build x86_64 demo
build i686 demo
build x86_64 extra
build noarch docs
cp RPMS/*/*.rpm repo/
touch -d "@$SOURCE_DATE_EPOCH" repo/*.rpm

# What rpm says the packages provide: name, epoch:version-release (no
# epoch when there is none), arch, provide.
for f in repo/*.rpm; do
	rpm -qp --qf '[%{=NAME}\t%{=EPOCH}:%{=VERSION}-%{=RELEASE}\t%{=ARCH}\t%{PROVIDENAME}\n]' "$f"
done | sed 's/\t(none):/\t/' | sort >"$out/expected-provides.txt"

# The repository, with a zchunk primary compressed with a dictionary as
# Fedora's (createrepo_c --zck --zck-dict-dir): zstd trains the
# dictionary on copies of the plain primary.xml.
cr() {
	createrepo_c --revision "$SOURCE_DATE_EPOCH" --set-timestamp-to-revision --no-database "$@" >/dev/null 2>&1
}
cr repo
mkdir -p dicts train
gzip -dc repo/repodata/*-primary.xml.gz >train/primary.xml
for i in 1 2 3 4 5 6 7 8; do cat train/primary.xml; done >train/big.xml
zstd -q --train -B200 --maxdict=2048 train/big.xml -o dicts/primary.xml.zdict
rm -rf repo/repodata
cr --zck --zck-dict-dir="$work/dicts" repo

# dnf 4 caches the repository in a root as it does on Fedora with
# zchunk off (Debian's librepo has no zchunk): repodata/repomd.xml and
# the gzip primary.xml and filelists.xml.
rm -rf "$out/dnf"
dnf -q --installroot="$out/dnf" --releasever=40 --setopt=reposdir=/nonexistent \
	--repofrompath=libvetdemo,"file://$work/repo" --repo=libvetdemo makecache
rm -rf "$out/dnf/var/log" "$out/dnf/var/lib"
# zypper caches it under var/cache/zypp/raw/<alias>.
rm -rf "$out/zypper"
zypper -q --non-interactive --root "$out/zypper" addrepo --no-gpgcheck "file://$work/repo" libvet-demo
zypper -q --non-interactive --root "$out/zypper" --no-gpg-checks refresh >/dev/null
find "$out/zypper" -mindepth 1 -maxdepth 1 ! -name var -exec rm -rf {} +
find "$out/zypper/var" -mindepth 1 -maxdepth 1 ! -name cache -exec rm -rf {} +
rm -rf "$out/zypper/var/cache/zypp/solv"

# The primary.xml in each compression createrepo_c writes, plain and as
# zchunk with and without a dictionary, for the tests to put in the
# layouts of dnf 5 (var/cache/libdnf5) and of a Fedora dnf cache with
# zchunk on (only the .zck cached), and the repomd.xml that lists them.
# Debian's createrepo_c 0.17 has no zstd, so the zstd CLI writes that one.
rm -rf "$out/primary"
mkdir -p "$out/primary"
cp repo/repodata/repomd.xml "$out/primary/repomd.xml"
cp repo/repodata/*-primary.xml.gz "$out/primary/primary.xml.gz"
cp repo/repodata/*-primary.xml.zck "$out/primary/primary.xml.zck"
gzip -dc "$out/primary/primary.xml.gz" >"$out/primary/primary.xml"
for c in bz2 xz; do
	rm -rf repo/repodata
	cr --general-compress-type=$c repo
	cp repo/repodata/*-primary.xml.$c "$out/primary/primary.xml.$c"
done
zstd -q -19 -o "$out/primary/primary.xml.zst" "$out/primary/primary.xml"
zck -q -o "$out/primary/nodict.xml.zck" "$out/primary/primary.xml" 2>/dev/null ||
	zck -o "$out/primary/nodict.xml.zck" "$out/primary/primary.xml" >/dev/null

# yum (EL 7) caches the sqlite primary_db as <hash>-primary.sqlite.bz2
# beside repomd.xml in var/cache/yum/<basearch>/<releasever>/<repoid>;
# yum is not packaged for Debian, so this is createrepo_c's output laid
# out as yum does.
rm -rf repo/repodata "$out/yum"
createrepo_c --revision "$SOURCE_DATE_EPOCH" --set-timestamp-to-revision --database \
	--compress-type=bz2 repo >/dev/null 2>&1
yum="$out/yum/var/cache/yum/x86_64/7/libvetdemo"
mkdir -p "$yum"
cp repo/repodata/repomd.xml repo/repodata/*-primary.sqlite.bz2 "$yum/"

for f in "$out"/primary/*.zck; do zck_read_header "$f" | grep -E '^(Chunk count|Dictionary|No dictionary)'; done
dnf --version | head -1
createrepo_c --version
zypper --version
du -sh "$out"
