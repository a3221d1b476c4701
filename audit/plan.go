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
		return func(r io.ReaderAt, size int64) []artifact.Range { return artifact.RangesOf(pe.Regions(r, size)) }
	case FormatMachO:
		return func(r io.ReaderAt, size int64) []artifact.Range { return artifact.RangesOf(macho.Regions(r, size)) }
	}
	return func(io.ReaderAt, int64) []artifact.Range { return nil }
}
