package pe

import (
	"bytes"
	"os"
	"testing"
)

// benchFile returns the PE file to benchmark: $LIBVET_BENCH_PE, or the
// largest PE file in the corpus.
func benchFile(b *testing.B) (string, []byte) {
	b.Helper()
	if name := os.Getenv("LIBVET_BENCH_PE"); name != "" {
		data, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		return name, data
	}
	var best corpusPE
	for _, c := range corpusPEs(b) {
		if len(c.Data) > len(best.Data) {
			best = c
		}
	}
	return best.Name, best.Data
}

// BenchmarkNewFile decodes the benchmark file from memory.
func BenchmarkNewFile(b *testing.B) {
	name, data := benchFile(b)
	b.Logf("%s, %d bytes", name, len(data))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewFile(bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewFileManyExports decodes the corpus file with the most
// exports (icuin74.dll, about 6,500), from disk through Open.
func BenchmarkOpenManyExports(b *testing.B) {
	name := corpusDir + "/delvewheel/tests/iknowpy/icuin74.dll"
	if _, err := os.Stat(name); err != nil {
		b.Skipf("corpus not available at %s: %v", corpusDir, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Open(name); err != nil {
			b.Fatal(err)
		}
	}
}
