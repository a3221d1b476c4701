package elf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchFile returns the ELF file to benchmark: $LIBVET_BENCH_ELF, or the
// largest shared library under the usual library directories.
func benchFile(b *testing.B) string {
	b.Helper()
	if name := os.Getenv("LIBVET_BENCH_ELF"); name != "" {
		return name
	}
	best, bestSize := "", int64(10<<20)
	for _, dir := range []string{"/usr/lib", "/usr/lib64", "/usr/local/lib", "/lib64", "/opt"} {
		filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
			if err != nil || !de.Type().IsRegular() || !strings.Contains(de.Name(), ".so") {
				return nil
			}
			fi, err := de.Info()
			if err != nil || fi.Size() <= bestSize {
				return nil
			}
			var magic [4]byte
			if fh, err := os.Open(path); err == nil {
				fh.ReadAt(magic[:], 0)
				fh.Close()
			}
			if string(magic[:]) == elf.ELFMAG {
				best, bestSize = path, fi.Size()
			}
			return nil
		})
	}
	if best == "" {
		b.Skip("no shared library over 10 MB found; set LIBVET_BENCH_ELF")
	}
	return best
}

// BenchmarkNewFile decodes a large shared library from an *os.File, as
// libvet does for a library on the host. Compare with BenchmarkStdlib,
// which asks debug/elf for the same information.
func BenchmarkNewFile(b *testing.B) {
	name := benchFile(b)
	fh, err := os.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		b.Fatal(err)
	}
	f, err := NewFile(fh, fi.Size())
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d bytes, %d dynamic symbols, %d needed", name, fi.Size(), len(f.Symbols), len(f.Needed))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := NewFile(fh, fi.Size()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(f.Symbols)), "symbols")
}

// BenchmarkNewFileMemory decodes from memory, leaving out the system calls.
func BenchmarkNewFileMemory(b *testing.B) {
	data, err := os.ReadFile(benchFile(b))
	if err != nil {
		b.Fatal(err)
	}
	r := bytes.NewReader(data)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewFile(r, int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStdlib gets the same information from debug/elf, for comparison.
func BenchmarkStdlib(b *testing.B) {
	name := benchFile(b)
	fh, err := os.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	defer fh.Close()
	b.ReportAllocs()
	for b.Loop() {
		stdlibDecode(b, fh)
	}
}

// stdlibDecode asks debug/elf for what NewFile decodes.
func stdlibDecode(b *testing.B, r io.ReaderAt) {
	f, err := elf.NewFile(r)
	if err != nil {
		b.Fatal(err)
	}
	for _, tag := range []elf.DynTag{elf.DT_NEEDED, elf.DT_SONAME, elf.DT_RPATH, elf.DT_RUNPATH} {
		if _, err := f.DynString(tag); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := f.DynamicSymbols(); err != nil {
		b.Fatal(err)
	}
	f.DynamicVersionNeeds()
	f.DynamicVersions()
}

// BenchmarkNewFileLarge decodes a synthetic library the size of the largest
// ones in torch wheels: 500,000 versioned dynamic symbols with C++-length
// names, about 35 MB of dynamic strings, stored in an order unrelated to
// the symbol order (as hash-sorted .dynsym tables are).
func BenchmarkNewFileLarge(b *testing.B) {
	const n = 500_000
	s := richSynth(elf.ELFCLASS64, binary.LittleEndian, elf.EM_X86_64)
	rng := rand.New(rand.NewPCG(1, 2))
	s.syms = make([]synthSym, n)
	for i := range s.syms {
		s.syms[i] = synthSym{
			name:    fmt.Sprintf("_ZN5torch8autograd9generated12_GLOBAL__N_1%08dERKN2at6TensorEl", rng.Uint32()),
			bind:    elf.STB_GLOBAL,
			typ:     elf.STT_FUNC,
			defined: i%4 != 0,
			versym:  uint16(1 + i%3),
		}
	}
	s.strOrder = make([]string, n)
	for i, j := range rng.Perm(n) {
		s.strOrder[i] = s.syms[j].name
	}
	data, _ := s.build()
	r := bytes.NewReader(data)
	f, err := NewFile(r, int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d bytes, %d symbols", len(data), len(f.Symbols))
	b.Run("libvet", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := NewFile(r, int64(len(data))); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(f.Symbols)), "symbols")
	})
	b.Run("debug-elf", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			stdlibDecode(b, r)
		}
	})
}
