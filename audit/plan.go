package audit

import (
	"io"

	"github.com/libvet/libvet/artifact"
	"github.com/libvet/libvet/macho"
	"github.com/libvet/libvet/pe"
)

// planner returns the function that locates, from what is kept of a
// member so far, the byte ranges the format's parser reads.
func planner(f Format) func(io.ReaderAt, int64) []artifact.Range {
	switch f {
	case FormatPE:
		return func(r io.ReaderAt, size int64) []artifact.Range { return toRanges(pe.Regions(r, size)) }
	case FormatMachO:
		return func(r io.ReaderAt, size int64) []artifact.Range { return toRanges(macho.Regions(r, size)) }
	}
	return func(io.ReaderAt, int64) []artifact.Range { return nil }
}

// toRanges converts a parser's regions (elf.Region, pe.Region,
// macho.Region) to artifact ranges.
func toRanges[R ~struct{ Off, Len int64 }](rs []R) []artifact.Range {
	out := make([]artifact.Range, len(rs))
	for i, r := range rs {
		out[i] = artifact.Range(r)
	}
	return out
}
