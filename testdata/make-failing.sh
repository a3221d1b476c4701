#!/usr/bin/env bash
# testdata/make-failing.sh — regenerate the derived ("failing") test wheels in testdata/wheels/.
#
# Every derived wheel is built from a REAL artifact: one of the committed PyPI wheels in
# testdata/wheels/ (inputs are checked against pinned sha256 sums) or one extension module from a
# pinned Debian package. See testdata/README.md for what each case is for and the expected verdicts.
#
# Usage (from anywhere):
#   testdata/make-failing.sh            # (re)write the derived wheels into testdata/wheels/
#   testdata/make-failing.sh --check    # rebuild in memory, compare byte-for-byte with the committed
#                                       # files, exit 1 on any difference (writes nothing but the
#                                       # .deb download cache)
#
# Needs: bash, python3 (standard library only: zipfile/struct/zlib/hashlib/tarfile/lzma), and for
# case (c) `apt-get download` (Debian/Ubuntu). If the pinned .deb version is no longer on the mirror,
# the script falls back to the copy of the .so inside the committed deb_sqlite3 wheel, but only if its
# sha256 matches the pin.
#
# Determinism: the output zips are written by a tiny hand-rolled zip writer (not zipfile's writer),
#   - members in a fixed order: sorted by name, with the .dist-info directory last and RECORD at the
#     very end (PEP 427 recommends .dist-info last);
#   - every timestamp is 1980-01-01 00:00:00, "made by" Unix, fixed modes;
#   - members copied unchanged from the source wheel keep their ORIGINAL compressed bytes (raw copy:
#     no re-compression, so the result does not depend on the local zlib build);
#   - members that are new or modified (WHEEL, RECORD, METADATA, the patched or Debian .so) are
#     STORED (no compression) for the same reason;
#   - RECORD is regenerated from the final contents (sha256, urlsafe base64 without padding, size).
#
# The cases (build tag in the file name marks each derived wheel; the Debian one is a new dist):
#   (a) 1retag     bcrypt 5.0.0 manylinux_2_28_x86_64 re-tagged manylinux_2_17/manylinux2014
#                  (filename + WHEEL Tag lines): its _bcrypt.abi3.so needs GLIBC_2.18 and GLIBC_2.28.
#   (b) 1nolibs    python-snappy 0.6.1 with python_snappy.libs/libsnappy-637b256b.so.1.1.4 deleted
#                  (and dropped from RECORD): _snappy's DT_NEEDED on it can no longer be resolved.
#   (c) deb_sqlite3  Debian bookworm's _sqlite3.cpython-311-x86_64-linux-gnu.so (package
#                  libpython3.11-stdlib 3.11.2-6+deb12u9, amd64) wrapped in a wheel tagged
#                  manylinux_2_17_x86_64: it NEEDs libsqlite3.so.0, which no policy allows.
#   (d) 1execstack markupsafe 3.0.4 x86_64 with PT_GNU_STACK p_flags of _speedups set to RWX (7).
#   (e) 1pure      markupsafe 3.0.4 x86_64 re-tagged py3-none-any, Root-Is-Purelib: true: a "pure"
#                  wheel that ships an x86_64 extension module.
#   (f) 1wrongarch markupsafe 3.0.4 aarch64 re-tagged manylinux_2_17_x86_64: the only ELF is aarch64.
#   (g) 1musl      markupsafe 3.0.4 musllinux_1_2_x86_64 re-tagged manylinux_2_17_x86_64: a musl
#                  binary (NEEDs libc.musl-x86_64.so.1) in a glibc-tagged wheel.
#   (h) deb_psycopg2  Debian bookworm's psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so (package
#                  python3-psycopg2 2.9.5-1+b1, amd64) wrapped in a wheel: it NEEDs libpq.so.5, not
#                  declared. (i) 1declared: the same with "Requires-External-Dep: dep:generic/libpq"
#                  in METADATA (PEP 725), and a declaration nothing uses (dep:generic/openssl).
#   (j) providers/snappy_libs  a wheel that ships only python_snappy.libs/libsnappy-637b256b.so.1.1.4,
#                  the library taken from the python-snappy wheel: another wheel that provides it
#                  (--find-links testdata/providers). (k) 1provided: case (b) with
#                  "Requires-Dist: snappy-libs" added to METADATA, so the provider is a dependency.
#
# PT_GNU_STACK patch, offset logic (case d), for any ELF class/endianness:
#   e_ident[4] EI_CLASS (1 = 32-bit, 2 = 64-bit), e_ident[5] EI_DATA (1 = little, 2 = big endian).
#   64-bit: e_phoff = u64 @0x20, e_phentsize = u16 @0x36, e_phnum = u16 @0x38; in each program
#           header p_type = u32 @+0 and p_flags = u32 @+4.
#   32-bit: e_phoff = u32 @0x1C, e_phentsize = u16 @0x2A, e_phnum = u16 @0x2C; p_type = u32 @+0 and
#           p_flags = u32 @+24.
#   The header with p_type == PT_GNU_STACK (0x6474e551) gets p_flags = PF_R|PF_W|PF_X = 7 (was 6).
#   Only those 4 bytes change; the file length and every other byte stay the same.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="$HERE/.cache"   # gitignored

mkdir -p "$CACHE"
for deb in libpython3.11-stdlib=3.11.2-6+deb12u9 python3-psycopg2=2.9.5-1+b1; do
  file="${deb%%=*}_${deb#*=}_amd64.deb"
  if [[ ! -f "$CACHE/$file" ]]; then
    if command -v apt-get >/dev/null 2>&1; then
      (cd "$CACHE" && apt-get download "${deb%%=*}:amd64=${deb#*=}" >/dev/null 2>&1) ||
        echo "make-failing: note: could not 'apt-get download $deb'; will use the committed wheel's copy of the .so if its sha256 matches" >&2
    else
      echo "make-failing: note: no apt-get; will use the committed wheel's copy of the .so if its sha256 matches" >&2
    fi
  fi
done

exec python3 - "$HERE" "$CACHE" "$@" <<'PY'
import base64, hashlib, io, lzma, os, struct, sys, tarfile, zipfile, zlib

here, cache, args = sys.argv[1], sys.argv[2], sys.argv[3:]
check = "--check" in args
wheels = os.path.join(here, "wheels")

# Pinned inputs (sha256 of the files as downloaded from PyPI / Debian).
SRC = {
    "bcrypt": ("bcrypt-5.0.0-cp39-abi3-manylinux_2_28_x86_64.whl",
               "f8429e1c410b4073944f03bd778a9e066e7fad723564a52ff91841d278dfc822"),
    "snappy": ("python_snappy-0.6.1-cp310-cp310-manylinux_2_12_x86_64.manylinux2010_x86_64.whl",
               "8d0c019ee7dcf2c60e240877107cddbd95a5b1081787579bf179938392d66480"),
    "ms_x86_64": ("markupsafe-3.0.4-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
                  "8e124f974786f831d6043728e38296969d3579db8896fe004682f5758e613581"),
    "ms_aarch64": ("markupsafe-3.0.4-cp312-cp312-manylinux2014_aarch64.manylinux_2_17_aarch64.manylinux_2_28_aarch64.whl",
                   "6a45c3d514f2436064db00d7fc8778d888f0236ebfed649b53d13a59e69ad51b"),
    "ms_musl": ("markupsafe-3.0.4-cp312-cp312-musllinux_1_2_x86_64.whl",
                "c9a7f43c0b202b334cc9184af09bb8f21d3a209e038efaf106936fb69e6b026e"),
}
# Extension modules taken from Debian packages: (.deb file, member, sha256 of the member).
DEB_SQLITE3 = ("libpython3.11-stdlib_3.11.2-6+deb12u9_amd64.deb",
               "./usr/lib/python3.11/lib-dynload/_sqlite3.cpython-311-x86_64-linux-gnu.so",
               "5d72503dd98d949a23d8adcd025def4c703e9aa27a886658705aaef8bcfa8746")
DEB_PSYCOPG2 = ("python3-psycopg2_2.9.5-1+b1_amd64.deb",
                "./usr/lib/python3/dist-packages/psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so",
                "cfb55ca3200f15b9f85bf7d60f499705ec467a456082e4700cd55bf7517d2a3a")

DOS_TIME, DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00:00


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def die(msg):
    sys.exit("make-failing: " + msg)


class Member:
    """One zip member: name, method (0 stored / 8 deflated), crc, raw (compressed) bytes, size, mode."""

    def __init__(self, name, method, crc, raw, usize, mode):
        self.name, self.method, self.crc, self.raw, self.usize, self.mode = name, method, crc, raw, usize, mode

    @classmethod
    def stored(cls, name, data, mode=None):
        if mode is None:
            mode = 0o40755 if name.endswith("/") else (0o100755 if ".so" in name else 0o100644)
        return cls(name, 0, zlib.crc32(data) & 0xFFFFFFFF, data, len(data), mode)


def read_wheel(key):
    fn, want = SRC[key]
    path = os.path.join(wheels, fn)
    if not os.path.exists(path):
        die(f"missing input {path} (download it with the pip command in testdata/README.md)")
    blob = open(path, "rb").read()
    if sha256(blob) != want:
        die(f"input {fn} has sha256 {sha256(blob)}, expected {want}")
    zf = zipfile.ZipFile(io.BytesIO(blob))
    members, data = [], {}
    for zi in zf.infolist():
        (sig, _v, _fl, _m, _t, _d, _c, _cs, _us, nlen, xlen) = struct.unpack_from("<IHHHHHIIIHH", blob, zi.header_offset)
        if sig != 0x04034B50:
            die(f"{fn}: bad local header for {zi.filename}")
        start = zi.header_offset + 30 + nlen + xlen
        raw = blob[start:start + zi.compress_size]
        mode = zi.external_attr >> 16 or (0o40755 if zi.is_dir() else 0o100644)
        members.append(Member(zi.filename, zi.compress_type, zi.CRC, raw, zi.file_size, mode))
        data[zi.filename] = zf.read(zi)
    return members, data


def dist_info(members):
    names = {m.name.split("/", 1)[0] for m in members if m.name.split("/", 1)[0].endswith(".dist-info")}
    if len(names) != 1:
        die(f"expected exactly one .dist-info directory, got {sorted(names)}")
    return names.pop()


def rewrite_wheel_file(text, tags=None, build=None, purelib=None):
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        key = line.split(":", 1)[0]
        if key == "Tag" and tags is not None:
            continue
        if key == "Build" and build is not None:
            continue
        if key == "Root-Is-Purelib" and purelib is not None:
            line = f"Root-Is-Purelib: {'true' if purelib else 'false'}"
        out.append(line)
    if tags is not None:
        out += [f"Tag: {t}" for t in tags]
    if build is not None:
        out.append(f"Build: {build}")
    return ("\n".join(out) + "\n\n").encode()


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}\n"


def build_zip(members, contents, di):
    """members: list of Member (RECORD excluded); contents: name -> uncompressed bytes."""
    record_name = di + "/RECORD"
    order = lambda m: (m.name.startswith(di + "/"), m.name)
    members = sorted((m for m in members if m.name != record_name), key=order)
    record = "".join(record_line(m.name, contents[m.name]) for m in members if not m.name.endswith("/"))
    record += f"{record_name},,\n"
    members.append(Member.stored(record_name, record.encode(), 0o100644))
    out, cd = bytearray(), bytearray()
    for m in members:
        name = m.name.encode("utf-8")
        flags = 0x800 if not m.name.isascii() else 0
        ext_attr = (m.mode << 16) | (0x10 if m.name.endswith("/") else 0)
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, flags, m.method, DOS_TIME,
                          DOS_DATE, m.crc, len(m.raw), m.usize, len(name), 0, 0, 0, 0, ext_attr, len(out)) + name
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, m.method, DOS_TIME, DOS_DATE, m.crc,
                           len(m.raw), m.usize, len(name), 0) + name + m.raw
    n = len(members)
    out += cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cd), len(out), 0)
    return bytes(out)


def derive(key, *, tags=None, build=None, purelib=None, drop=(), patch=None):
    """Copy a source wheel, optionally changing WHEEL tags/build/purelib, dropping or patching members."""
    members, data = read_wheel(key)
    di = dist_info(members)
    keep = []
    for m in members:
        if m.name in drop or m.name == di + "/RECORD":
            continue
        if m.name == di + "/WHEEL":
            new = rewrite_wheel_file(data[m.name].decode(), tags, build, purelib)
            m = Member.stored(m.name, new, m.mode)
            data[m.name] = new
        elif patch and m.name in patch:
            new = patch[m.name](data[m.name])
            m = Member.stored(m.name, new, m.mode)
            data[m.name] = new
        keep.append(m)
    missing = set(drop) - {m.name for m in members}
    if missing:
        die(f"{key}: cannot drop missing members {sorted(missing)}")
    return build_zip(keep, data, di)


PT_GNU_STACK = 0x6474E551


def patch_execstack(elf):
    b = bytearray(elf)
    if b[:4] != b"\x7fELF":
        die("not an ELF file")
    cls, enc = b[4], b[5]
    e = "<" if enc == 1 else ">"
    if cls == 2:
        phoff, = struct.unpack_from(e + "Q", b, 0x20)
        phentsize, phnum = struct.unpack_from(e + "HH", b, 0x36)
        flags_off = 4
    else:
        phoff, = struct.unpack_from(e + "I", b, 0x1C)
        phentsize, phnum = struct.unpack_from(e + "HH", b, 0x2A)
        flags_off = 24
    for i in range(phnum):
        ph = phoff + i * phentsize
        p_type, = struct.unpack_from(e + "I", b, ph)
        if p_type == PT_GNU_STACK:
            old, = struct.unpack_from(e + "I", b, ph + flags_off)
            struct.pack_into(e + "I", b, ph + flags_off, 7)  # PF_R|PF_W|PF_X
            print(f"  PT_GNU_STACK is program header {i} at file offset {ph:#x}; p_flags at {ph + flags_off:#x}: {old:#x} -> 0x7")
            return bytes(b)
    die("no PT_GNU_STACK program header")


def deb_so(pin, committed_wheel, committed_member):
    """An extension module from a pinned .deb (parsed with the stdlib: ar + tar.xz), or, when the
    .deb cannot be downloaded, the same bytes from the committed wheel."""
    deb_file, member, want = pin
    deb_path = os.path.join(cache, deb_file)
    so = None
    if os.path.exists(deb_path):
        blob = open(deb_path, "rb").read()
        if blob[:8] != b"!<arch>\n":
            die(f"{deb_path} is not an ar archive")
        off = 8
        while off < len(blob):
            name = blob[off:off + 16].decode().strip().rstrip("/")
            size = int(blob[off + 48:off + 58].decode().strip())
            body = blob[off + 60:off + 60 + size]
            off += 60 + size + (size & 1)
            if name.startswith("data.tar"):
                tf = tarfile.open(fileobj=io.BytesIO(body), mode="r:*")
                so = tf.extractfile(member).read()
                break
    else:
        # Fallback: the committed wheel holds the same bytes.
        committed = os.path.join(wheels, committed_wheel)
        if os.path.exists(committed):
            so = zipfile.ZipFile(committed).read(committed_member)
            print(f"  (using the .so from the committed {committed_wheel}: the .deb was not available)")
    if so is None:
        die(f"no {deb_path} and no committed {committed_wheel}")
    if sha256(so) != want:
        die(f"{member} has sha256 {sha256(so)}, expected {want}")
    return so


def deb_wheel(dist, version, pkg, so_name, so, metadata_body, extra_headers="", build=""):
    """A wheel holding one Debian extension module, tagged cp311-cp311-manylinux_2_17_x86_64."""
    di = f"{dist}-{version}.dist-info"
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: {dist.replace('_', '-')}\n"
        f"Version: {version}\n"
        f"Summary: libvet test fixture: Debian's {so_name.split('/')[-1].split('.')[0]} extension module wrapped in a wheel\n"
        + metadata_body[0] + extra_headers + "\n" + metadata_body[1]
    ).encode()
    wheel = (b"Wheel-Version: 1.0\nGenerator: libvet testdata/make-failing.sh\nRoot-Is-Purelib: false\n"
             + (f"Build: {build}\n".encode() if build else b"") + b"Tag: cp311-cp311-manylinux_2_17_x86_64\n\n")
    contents = {so_name: so, di + "/METADATA": metadata, di + "/WHEEL": wheel}
    members = [Member.stored(pkg + "/", b"")] + [Member.stored(n, d) for n, d in contents.items()]
    contents[pkg + "/"] = b""
    return build_zip(members, contents, di)


SQLITE3_SO = "deb_sqlite3/_sqlite3.cpython-311-x86_64-linux-gnu.so"


def make_deb_sqlite3():
    so = deb_so(DEB_SQLITE3, "deb_sqlite3-3.11.2-cp311-cp311-manylinux_2_17_x86_64.whl", SQLITE3_SO)
    return deb_wheel("deb_sqlite3", "3.11.2", "deb_sqlite3", SQLITE3_SO, so, (
        "License: PSF-2.0\n",
        "The extension module is usr/lib/python3.11/lib-dynload/_sqlite3.cpython-311-x86_64-linux-gnu.so\n"
        "from the Debian bookworm package libpython3.11-stdlib 3.11.2-6+deb12u9 (amd64), unmodified.\n"
        "It NEEDs libsqlite3.so.0, which no manylinux policy allows. Built by libvet's\n"
        "testdata/make-failing.sh; not meant to be installed.\n"))


PSYCOPG2_SO = "psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so"


def make_deb_psycopg2(declared):
    so = deb_so(DEB_PSYCOPG2, "deb_psycopg2-2.9.5-cp311-cp311-manylinux_2_17_x86_64.whl", PSYCOPG2_SO)
    extra = "Requires-External-Dep: dep:generic/libpq\nRequires-External-Dep: dep:generic/openssl\n" if declared else ""
    return deb_wheel("deb_psycopg2", "2.9.5", "psycopg2", PSYCOPG2_SO, so, (
        "License: LGPL-3.0-or-later\n",
        "The extension module is usr/lib/python3/dist-packages/psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so\n"
        "from the Debian bookworm package python3-psycopg2 2.9.5-1+b1 (amd64), unmodified.\n"
        "It NEEDs libpq.so.5, which the wheel does not vendor. Built by libvet's\n"
        "testdata/make-failing.sh; not meant to be installed.\n"), extra, "1declared" if declared else "")


SNAPPY_LIB = "python_snappy.libs/libsnappy-637b256b.so.1.1.4"


def make_snappy_libs():
    """A wheel holding only the library python-snappy's wheel vendors."""
    members, data = read_wheel("snappy")
    di = "snappy_libs-1.1.4.dist-info"
    metadata = (b"Metadata-Version: 2.1\nName: snappy-libs\nVersion: 1.1.4\n"
                b"Summary: libvet test fixture: python-snappy 0.6.1's vendored libsnappy as a wheel of its own\n"
                b"License: BSD-3-Clause\n")
    wheel = b"Wheel-Version: 1.0\nGenerator: libvet testdata/make-failing.sh\nRoot-Is-Purelib: false\nTag: py3-none-manylinux_2_12_x86_64\n\n"
    contents = {SNAPPY_LIB: data[SNAPPY_LIB], di + "/METADATA": metadata, di + "/WHEEL": wheel}
    return build_zip([Member.stored(n, d) for n, d in contents.items()], contents, di)


def require_snappy_libs(metadata):
    head, sep, body = metadata.partition(b"\n\n")
    return head + b"\nRequires-Dist: snappy-libs" + sep + body


M64 = "markupsafe/_speedups.cpython-312-x86_64-linux-gnu.so"
CASES = [
    ("bcrypt-5.0.0-1retag-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
     lambda: derive("bcrypt", build="1retag",
                    tags=["cp39-abi3-manylinux_2_17_x86_64", "cp39-abi3-manylinux2014_x86_64"])),
    ("python_snappy-0.6.1-1nolibs-cp310-cp310-manylinux_2_12_x86_64.manylinux2010_x86_64.whl",
     lambda: derive("snappy", build="1nolibs", drop=("python_snappy.libs/libsnappy-637b256b.so.1.1.4",))),
    ("deb_sqlite3-3.11.2-cp311-cp311-manylinux_2_17_x86_64.whl", make_deb_sqlite3),
    ("../providers/snappy_libs-1.1.4-py3-none-manylinux_2_12_x86_64.whl", make_snappy_libs),
    ("python_snappy-0.6.1-1provided-cp310-cp310-manylinux_2_12_x86_64.manylinux2010_x86_64.whl",
     lambda: derive("snappy", build="1provided", drop=(SNAPPY_LIB,),
                    patch={"python_snappy-0.6.1.dist-info/METADATA": require_snappy_libs})),
    ("deb_psycopg2-2.9.5-cp311-cp311-manylinux_2_17_x86_64.whl", lambda: make_deb_psycopg2(False)),
    ("deb_psycopg2-2.9.5-1declared-cp311-cp311-manylinux_2_17_x86_64.whl", lambda: make_deb_psycopg2(True)),
    ("markupsafe-3.0.4-1execstack-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
     lambda: derive("ms_x86_64", build="1execstack", patch={M64: patch_execstack})),
    ("markupsafe-3.0.4-1pure-py3-none-any.whl",
     lambda: derive("ms_x86_64", build="1pure", purelib=True, tags=["py3-none-any"])),
    ("markupsafe-3.0.4-1wrongarch-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
     lambda: derive("ms_aarch64", build="1wrongarch",
                    tags=["cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-manylinux2014_x86_64"])),
    ("markupsafe-3.0.4-1musl-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
     lambda: derive("ms_musl", build="1musl",
                    tags=["cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-manylinux2014_x86_64"])),
]

bad = 0
for fn, make in CASES:
    print(fn)
    blob = make()
    dst = os.path.join(wheels, fn)
    if check:
        have = open(dst, "rb").read() if os.path.exists(dst) else None
        if have != blob:
            bad += 1
            print(f"  DIFFERS from the committed file (built {len(blob)} bytes, sha256 {sha256(blob)})")
        else:
            print(f"  identical ({len(blob)} bytes, sha256 {sha256(blob)})")
    else:
        with open(dst, "wb") as f:
            f.write(blob)
        print(f"  wrote {len(blob)} bytes, sha256 {sha256(blob)}")
sys.exit(1 if bad else 0)
PY
