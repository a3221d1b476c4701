package elf

import (
	"errors"
	"fmt"
	"io"
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
func (e *FormatError) Error() string {
	if e.Val == nil {
		return fmt.Sprintf("elf: %s at offset %#x", e.Msg, e.Offset)
	}
	return fmt.Sprintf("elf: %s '%v' at offset %#x", e.Msg, e.Val, e.Offset)
}

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

// readErr turns a failed ReaderAt call into the error NewFile returns:
// end-of-file conditions mean the file is shorter than its size claims, and
// become a *FormatError; anything else is the caller's own error and is
// wrapped so that errors.As and errors.Is still find it.
func readErr(err error, off uint64, n uint64, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return formatErr(off, "unexpected end of file reading "+what, n)
	}
	return fmt.Errorf("elf: reading %s (%d bytes at offset %#x): %w", what, n, off, err)
}
