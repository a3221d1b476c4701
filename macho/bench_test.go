package macho

import (
	"bytes"
	"debug/macho"
	"testing"
)

// largestCorpusMachO returns the largest Mach-O file of the corpus (loose
// or wheel member).
func largestCorpusMachO(b *testing.B) corpusFile {
	b.Helper()
	var best corpusFile
	for _, c := range corpusMachOs(b) {
		if len(c.Data) > len(best.Data) {
			best = c
		}
	}
	return best
}

// BenchmarkNewFile decodes the largest Mach-O file of the corpus from
// memory.
func BenchmarkNewFile(b *testing.B) {
	c := largestCorpusMachO(b)
	r := bytes.NewReader(c.Data)
	f, err := NewFile(r, int64(len(c.Data)))
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, s := range f.Slices {
		n += len(s.Imports)
	}
	b.Logf("%s: %d bytes, %d slices, %d imports", c.Name, len(c.Data), len(f.Slices), n)
	b.SetBytes(int64(len(c.Data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewFile(r, int64(len(c.Data))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStdlib asks debug/macho for the same file's load commands and
// imported symbols, for comparison. debug/macho reads every symbol and the
// whole string table.
func BenchmarkStdlib(b *testing.B) {
	c := largestCorpusMachO(b)
	r := bytes.NewReader(c.Data)
	b.SetBytes(int64(len(c.Data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := macho.NewFile(r)
		if err != nil {
			if ff, err := macho.NewFatFile(r); err == nil {
				for _, a := range ff.Arches {
					a.ImportedLibraries()
					a.ImportedSymbols()
				}
				continue
			}
			b.Fatal(err)
		}
		f.ImportedLibraries()
		f.ImportedSymbols()
	}
}
