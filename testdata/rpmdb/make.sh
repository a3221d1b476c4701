#!/bin/sh
# make.sh builds the rpm databases of testdata/rpmdb from real Debian
# packages; README.md says why and what each file holds.
#
# Needs (Debian 12): rpm 4.18 (apt-get install rpm), db5.3-util
# (apt-get install db5.3-util), sqlite3, gpg, python3, and network access to
# deb.debian.org for apt-get download. Run it from anywhere:
#
#	sh testdata/rpmdb/make.sh
#
# The databases are not byte-for-byte reproducible (rpm records the install
# time), but their contents are: the expected-*.txt listings are what the
# tests compare with.
set -eu
out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export SOURCE_DATE_EPOCH=1700000000

# Real shared libraries from Debian 12 packages.
apt-get download zlib1g:amd64=1:1.2.13.dfsg-1 libbz2-1.0:amd64=1.0.8-5+b1
sha256sum ./*.deb
dpkg-deb -x zlib1g_*.deb zlib
dpkg-deb -x libbz2-1.0_*.deb bz2

mkdir -p SPECS SOURCES
cp zlib/lib/x86_64-linux-gnu/libz.so.1.2.13 bz2/lib/x86_64-linux-gnu/libbz2.so.1.0.4 SOURCES/

# Three small packages. rpmbuild's elfdeps writes the soname provides and
# requires of the libraries, as it does on Fedora. bzip2-libs puts its
# library under /lib64 (as pre-merged-/usr distributions did) to test the
# /lib64 ↔ /usr/lib64 aliasing; zlib has an epoch.
cat > SPECS/zlib.spec <<'SPEC'
Name: zlib
Epoch: 1
Version: 1.2.13
Release: 1.libvet
Summary: zlib compression library (libvet test fixture)
License: Zlib
Source0: libz.so.1.2.13
%description
Debian 12's libz.so.1.2.13 packaged as an rpm for libvet's tests.
%install
mkdir -p %{buildroot}/usr/lib64
install -m 755 %{SOURCE0} %{buildroot}/usr/lib64/libz.so.1.2.13
ln -s libz.so.1.2.13 %{buildroot}/usr/lib64/libz.so.1
%files
/usr/lib64/libz.so.1.2.13
/usr/lib64/libz.so.1
SPEC
cat > SPECS/bzip2.spec <<'SPEC'
Name: bzip2-libs
Version: 1.0.8
Release: 5.libvet
Summary: bzip2 library (libvet test fixture)
License: bzip2-1.0.6
Source0: libbz2.so.1.0.4
%description
Debian 12's libbz2.so.1.0.4 packaged as an rpm for libvet's tests.
%install
mkdir -p %{buildroot}/lib64
install -m 755 %{SOURCE0} %{buildroot}/lib64/libbz2.so.1.0.4
ln -s libbz2.so.1.0.4 %{buildroot}/lib64/libbz2.so.1
%files
/lib64/libbz2.so.1.0.4
/lib64/libbz2.so.1
SPEC
cat > SPECS/layout.spec <<'SPEC'
Name: libvet-layout
Version: 2
Release: 1
Summary: directories (libvet test fixture)
License: MIT
BuildArch: noarch
Provides: libvet-dirs = 2
%description
Owns the library directories, which the library packages also use.
%install
mkdir -p %{buildroot}/usr/lib64 %{buildroot}/lib64 %{buildroot}/etc
echo "/usr/lib64" > %{buildroot}/etc/libvet.conf
%files
%dir /usr/lib64
%dir /lib64
/etc/libvet.conf
SPEC
for s in zlib bzip2 layout; do
	rpmbuild --define "_topdir $work" --define '_build_id_links none' \
		--define '__strip /bin/true' --define 'debug_package %{nil}' \
		--define 'use_source_date_epoch_as_buildtime 1' --define 'clamp_mtime_to_source_date_epoch 1' \
		-bb SPECS/$s.spec >/dev/null
done
ls RPMS/*/*.rpm

# The sqlite database (rpm >= 4.16's default backend), with a
# gpg-pubkey pseudo-package imported from Debian's archive keyring.
gpg --no-default-keyring --keyring /usr/share/keyrings/debian-archive-bookworm-stable.gpg --export --armor >key.asc
mkdir -p db
rpm --dbpath "$work/db" --initdb
rpm --dbpath "$work/db" --nodeps --justdb -i RPMS/x86_64/*.rpm RPMS/noarch/*.rpm
rpm --dbpath "$work/db" --import key.asc
rpm --dbpath "$work/db" --rebuilddb # compact the file after the import
# rpm writes 4 KiB pages, most of them for its empty index tables; 1 KiB
# pages keep the file small (and put the headers on overflow pages). rpm
# reads the result: the listings below come from this copy.
sqlite3 db/rpmdb.sqlite 'pragma journal_mode=delete; pragma page_size=1024; vacuum; pragma journal_mode=wal;' >/dev/null
mkdir -p "$out/sqlite/var/lib/rpm"
cp db/rpmdb.sqlite "$out/sqlite/var/lib/rpm/rpmdb.sqlite"

# The Berkeley DB hash Packages file (RHEL <= 8). Debian's rpm only reads
# that backend (bdb_ro), so the file is written with Berkeley DB 5.3's
# db_load from the sqlite database's Packages rows: key the header number
# as a native (little-endian) uint32, data the header blob, and key 0 the
# next free header number, as rpm's bdb backend stores them.
python3 - "$work/db/rpmdb.sqlite" >packages.dump <<'PY'
import sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select hnum, blob from Packages order by hnum").fetchall()
print("VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=4096\nHEADER=END")
for k, v in [(0, struct.pack("<I", rows[-1][0] + 1))] + [(h, b) for h, b in rows]:
    print(" " + struct.pack("<I", k).hex())
    print(" " + bytes(v).hex())
print("DATA=END")
PY
mkdir -p "$out/bdb/var/lib/rpm"
rm -f "$out/bdb/var/lib/rpm/Packages"
db5.3_load -f packages.dump "$out/bdb/var/lib/rpm/Packages"

# What rpm itself says, for the tests to compare with.
q() { rpm --dbpath "$out/sqlite/var/lib/rpm" "$@"; }
q -qa --qf '%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{ARCH}\n' | sed 's/\t(none):/\t/' | sort >"$out/expected-packages.txt"
q -qa --qf '[%{=NAME}\t%{FILENAMES}\n]' | grep -v '^gpg-pubkey' | sort >"$out/expected-files.txt"
q -qa --qf '[%{=NAME}\t%{PROVIDENAME}\n]' | grep -v '^gpg-pubkey' | sort >"$out/expected-provides.txt"
q -qa --qf '[%{=NAME}\t%{REQUIRENAME}\n]' | grep -v '^gpg-pubkey' | sort >"$out/expected-requires.txt"
rpm --define '_db_backend bdb_ro' --dbpath "$out/bdb/var/lib/rpm" 2>/dev/null -qa --qf '%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{ARCH}\n' |
	sed 's/\t(none):/\t/' | sort | cmp - "$out/expected-packages.txt"
rm -f "$out/sqlite/var/lib/rpm/.rpm.lock" "$out/bdb/var/lib/rpm/.rpm.lock" \
	"$out/sqlite/var/lib/rpm/rpmdb.sqlite-shm" "$out/sqlite/var/lib/rpm/rpmdb.sqlite-wal"

# Small databases for the readers' own tests, whose rows follow a formula
# that the tests recompute (internal/sqlite and internal/bdb): 512-byte
# pages, so that rows spill onto overflow pages and the B-tree and the
# hash table have several levels and buckets.
python3 - "$out" <<'PY'
import os, sqlite3, sys
out = sys.argv[1]
def blob(i): return bytes([i % 251]) * size(i)
def size(i): return (i * 37) % 1500 if i % 20 == 0 else i % 40
for name, enc in (("types.sqlite", "UTF-8"), ("utf16.sqlite", "UTF-16le")):
    path = os.path.join(out, name)
    if os.path.exists(path): os.remove(path)
    db = sqlite3.connect(path)
    db.execute("pragma page_size = 512")
    db.execute("pragma encoding = '%s'" % enc)
    db.execute("create table t (id integer primary key, i integer, f real, s text, b blob, n)")
    rows = 200 if enc == "UTF-8" else 3
    for i in range(1, rows + 1):
        ints = [0, 1, -1, 127, -129, 32767, -8388608, 2**31 - 1, -2**47, 2**63 - 1, -2**63]
        db.execute("insert into t values (?, ?, ?, ?, ?, NULL)",
                   (i, ints[i % len(ints)] + (i if abs(ints[i % len(ints)]) < 2**40 else 0),
                    i / 4, "row %d é" % i, blob(i)))
    db.commit()
    db.execute("vacuum")
    db.close()
PY
python3 - >hash.dump <<'PY'
print("VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=512\nHEADER=END")
for i in range(120):
    print(" " + ("key%03d" % i).encode().hex())
    print(" " + (bytes([i]) * ((i * 37) % 1500 if i % 20 == 0 else i % 40)).hex())
print("DATA=END")
PY
rm -f "$out/hash512.db"
db5.3_load -f hash.dump "$out/hash512.db"
sha256sum "$out/sqlite/var/lib/rpm/rpmdb.sqlite" "$out/bdb/var/lib/rpm/Packages" \
	"$out/types.sqlite" "$out/utf16.sqlite" "$out/hash512.db"
