package macho

import (
	"errors"
	"io"

	"github.com/libvet/libvet/internal/binio"
)

// FormatError reports a malformed, truncated or unsupported Mach-O file,
// or a file that is not Mach-O at all. Offset is the file offset (from the
// start of the whole file, not of the slice) of the offending structure or
// field.
type FormatError struct {
	Offset int64  // file offset of the offending structure
	Msg    string // what is wrong, lowercase
	Val    any    // the offending value, or nil

	err error // wrapped sentinel, see Unwrap
}

// Error returns "macho: <msg> '<val>' at offset 0x<offset>", leaving out
// the value when Val is nil.
func (e *FormatError) Error() string { return binio.FormatMessage("macho", e.Msg, e.Val, e.Offset) }

// Unwrap returns [ErrNotMachO] when the error means that the input is not
// a Mach-O file at all (rather than a broken one), and nil otherwise.
func (e *FormatError) Unwrap() error { return e.err }

// ErrNotMachO is wrapped by the *[FormatError] that [NewFile] returns for
// input that does not start with a Mach-O or fat magic number, and for
// Java class files, which share the fat magic 0xcafebabe. Callers that scan
// every file of a wheel, as delocate does, skip such files with
// errors.Is(err, ErrNotMachO) and report every other error.
var ErrNotMachO = errors.New("not a Mach-O file")

// panicMsg is the FormatError message for a recovered panic.
const panicMsg = "internal error decoding file (please report)"

func formatErr(off uint64, msg string, val any) *FormatError {
	o := int64(off)
	if o < 0 {
		o = -1 // off did not fit in an int64: the file does not hold it
	}
	return &FormatError{Offset: o, Msg: msg, Val: val}
}

func notMachO(msg string, val any) *FormatError {
	return &FormatError{Offset: 0, Msg: msg, Val: val, err: ErrNotMachO}
}

// readErr turns a failed ReaderAt call into the error NewFile returns:
// end-of-file conditions mean the file is shorter than its size claims, and
// become a *FormatError; anything else is the caller's own error and is
// wrapped so that errors.As and errors.Is still find it.
func readErr(err error, off, n uint64, what string) error {
	return reader(nil, 0).Failed(err, off, n, what)
}

// reader reads ranges of a file of the given size with libvet's bounds,
// reporting problems as *FormatError.
func reader(r io.ReaderAt, size uint64) *binio.Reader {
	return &binio.Reader{R: r, Size: size, Max: maxTable, Probe: probeSize, Name: "macho",
		Format: func(off uint64, msg string, val any) error { return formatErr(off, msg, val) }}
}
