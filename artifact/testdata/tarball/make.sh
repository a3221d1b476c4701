#!/bin/sh
# make.sh rebuilds the compressed tars in this directory, which the tests
# cannot build themselves: Go has no bzip2 compressor, and the multi-block
# xz stream is liblzma's (xz -T) rather than the Go encoder's. Needs
# python3 (its bz2 module is libbz2) and xz 5.x. Run from anywhere:
#
#   artifact/testdata/tarball/make.sh
set -eu
cd "$(dirname "$0")"
python3 - <<'PY'
import bz2, io, tarfile

def tar(entries):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.mode, ti.uname, ti.gname = 1667651040, 0o644, "", ""
            if isinstance(data, int):  # that many zero bytes
                ti.size = data
                t.addfile(ti, io.BytesIO(bytes(data)))
            else:
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
    return b.getvalue()

def write(name, entries):
    with open(name, "wb") as f:
        f.write(bz2.compress(tar(entries), 9))

index = b'{"name": "x", "version": "1.0", "build": "0", "build_number": 0}\n'
write("bomb.tar.bz2", [("zeros.so", 64 << 20)])
write("lib-first.tar.bz2", [("lib/a.so", b"\x7fELF a"), ("info/index.json", index)])
write("no-index.tar.bz2", [("info/about.json", b"{}\n"), ("lib/a.so", b"\x7fELF a")])
write("info-only.tar.bz2", [("info/index.json", index), ("info/files", b"")])
# For xz: about 200 KiB of text that compresses, in a few files.
text = b"".join(b"line %d of a test file, %s\n" % (i, b"x" * (i % 37)) for i in range(4000))
open("multiblock.tar", "wb").write(tar([("share/a.txt", text), ("lib/b.so", text[::-1]), ("share/c.txt", text[1000:])]))
PY
xz -z -f -T2 --block-size=64KiB --check=sha256 --lzma2=preset=6,dict=256KiB multiblock.tar
