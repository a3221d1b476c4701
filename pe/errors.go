package pe

import (
	"errors"
	"fmt"
	"io"

	"github.com/libvet/libvet/internal/binio"
)

// FormatError reports a malformed, truncated or unsupported PE file.
// Offset is the file offset of the offending structure or field, or -1
// when the structure has no file offset (an RVA that no section maps).
type FormatError struct {
	Offset int64  // file offset of the offending structure
	Msg    string // what is wrong, lowercase
	Val    any    // the offending value, or nil
}

// Error returns "pe: <msg> '<val>' at offset 0x<offset>", leaving out the
// value when Val is nil.
func (e *FormatError) Error() string { return binio.FormatMessage("pe", e.Msg, e.Val, e.Offset) }

func formatErr(off int64, msg string, val any) *FormatError {
	if off < 0 {
		off = -1
	}
	return &FormatError{Offset: off, Msg: msg, Val: val}
}

// readErr turns a failed ReaderAt call into the error NewFile returns:
// end-of-file conditions mean the file is shorter than its size claims, and
// become a *FormatError; anything else is the caller's own error and is
// wrapped so that errors.As and errors.Is still find it.
func readErr(err error, off int64, n int, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return formatErr(off, "unexpected end of file reading "+what, n)
	}
	return fmt.Errorf("pe: reading %s (%d bytes at offset %#x): %w", what, n, off, err)
}
