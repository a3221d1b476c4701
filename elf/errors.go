package elf

import (
	"errors"
	"io"

	"github.com/libvet/libvet/internal/binio"
)

// FormatError reports a malformed, truncated or unsupported ELF file.
// Offset is the file offset of the offending structure or field.
type FormatError struct {
	Offset int64  // file offset of the offending structure
	Msg    string // what is wrong, lowercase
	Val    any    // the offending value, or nil
}

// Error returns "elf: <msg> '<val>' at offset 0x<offset>", leaving out the
// value when Val is nil.
func (e *FormatError) Error() string { return binio.FormatMessage("elf", e.Msg, e.Val, e.Offset) }

// ErrUnknownISA is wrapped by [File.X86ISALevel] when the
// GNU_PROPERTY_X86_ISA_1_NEEDED value names no known x86-64 level.
var ErrUnknownISA = errors.New("unknown x86-64 ISA level")

func formatErr(off uint64, msg string, val any) *FormatError {
	o := int64(off)
	if o < 0 {
		o = -1 // off did not fit in an int64: the file does not hold it
	}
	return &FormatError{Offset: o, Msg: msg, Val: val}
}

// reader reads ranges of a file of the given size with libvet's bounds,
// reporting problems as *FormatError.
func reader(r io.ReaderAt, size uint64) *binio.Reader {
	return &binio.Reader{R: r, Size: size, Max: maxTable, Probe: probeSize, Name: "elf",
		Format: func(off uint64, msg string, val any) error { return formatErr(off, msg, val) }}
}

// readErr turns a failed ReaderAt call into the error NewFile returns
// (see [binio.Reader.Failed]).
func readErr(err error, off uint64, n uint64, what string) error {
	return reader(nil, 0).Failed(err, off, n, what)
}
