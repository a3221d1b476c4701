#!/bin/sh
# Rebuilds the ELF fixtures in this directory from src/. The fixtures are
# committed, so the tests need neither gcc nor this script. Built on Debian
# 12 x86-64 with gcc 12.2 and GNU ld 2.40; other toolchains give other
# bytes, which is fine: the tests compare against debug/elf and against
# facts that any toolchain reproduces.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Small, reproducible output: no build ID, no static symbol table, one
# page-aligned layout without a separate code segment.
CFLAGS="-O2 -fPIC -fno-builtin -fno-asynchronous-unwind-tables"
LDFLAGS="-s -Wl,--build-id=none -Wl,-z,noseparate-code"

# libfoo.so: DT_NEEDED libm.so.6 and libc.so.6, DT_SONAME libfoo.so.1,
# DT_RUNPATH $ORIGIN/../lib, versioned and weak undefined symbols,
# PyInit_foo defined. GNU hash only (the default).
gcc $CFLAGS -shared -o libfoo.so src/foo.c $LDFLAGS \
	-Wl,-soname,libfoo.so.1 -Wl,-rpath,'$ORIGIN/../lib' -lm

# librpath.so: DT_RPATH (old dtags) with an empty element, and only a
# SysV DT_HASH table.
gcc $CFLAGS -shared -o librpath.so src/plain.c $LDFLAGS \
	-Wl,--disable-new-dtags -Wl,-rpath,/opt/x::/opt/y -Wl,--hash-style=sysv

# libvers.so: version definitions, with a hidden non-default version.
gcc $CFLAGS -shared -o libvers.so src/vers.c $LDFLAGS \
	-Wl,-soname,libvers.so.2 -Wl,--version-script=src/vers.map

# libexecstack.so: PT_GNU_STACK with PF_X.
gcc $CFLAGS -shared -o libexecstack.so src/plain.c $LDFLAGS -Wl,-z,execstack

# libisav3.so: GNU property note with GNU_PROPERTY_X86_ISA_1_NEEDED
# baseline|v3 (needs ld >= 2.35).
gcc $CFLAGS -shared -o libisav3.so src/plain.c $LDFLAGS -Wl,-z,x86-64-v3

# hello: a PIE executable with PT_INTERP.
gcc -O2 -fno-asynchronous-unwind-tables -o hello src/hello.c $LDFLAGS

# static: a static executable without PT_DYNAMIC or PT_INTERP.
gcc -O2 -static -nostdlib -fno-asynchronous-unwind-tables -o static src/static.c \
	-s -Wl,--build-id=none

# libfoo32.so: ELF32 (i386). Linked against a versioned stand-in libc.so.6
# because the machine has no 32-bit C library.
gcc -m32 $CFLAGS -shared -nostdlib -o "$tmp/libc.so.6" src/stubc.c \
	-Wl,-soname,libc.so.6 -Wl,--version-script=src/stubc.map
gcc -m32 $CFLAGS -shared -nostdlib -o libfoo32.so src/foo32.c $LDFLAGS \
	-Wl,-soname,libfoo32.so "$tmp/libc.so.6"

# *-noshdr.so: copies with the section header table cut off and
# e_shoff, e_shnum and e_shstrndx zeroed (as sstrip does), so that only
# the program headers describe the file (ELF64 little-endian only).
noshdr() { # in out
	shoff=$(od -An -t u8 -j 40 -N 8 "$1" | tr -d ' ')
	head -c "$shoff" "$1" >"$2"
	printf '\0\0\0\0\0\0\0\0' | dd of="$2" bs=1 seek=40 conv=notrunc status=none
	printf '\0\0\0\0' | dd of="$2" bs=1 seek=60 conv=notrunc status=none
}
noshdr libfoo.so libfoo-noshdr.so
noshdr librpath.so librpath-noshdr.so

# libfoo-patchelf.so: libfoo.so after patchelf grew its RUNPATH, which moves
# .dynstr and .dynsym to a new segment at the end of the file, after
# PT_DYNAMIC (the layout of patchelf'd wheels such as torch's). Debian's
# patchelf 0.14.3.
cp libfoo.so libfoo-patchelf.so
patchelf --set-rpath '$ORIGIN/a/very/long/path/that/does/not/fit/in/the/original/dynstr/so/patchelf/must/move/it/to/the/end' libfoo-patchelf.so
