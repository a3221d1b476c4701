// Package binio holds what libvet's binary parsers (elf, macho, pe) share:
// bounded reads from an io.ReaderAt, the translation of read failures into
// each parser's own errors, and opening a file by name.
package binio

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FormatFunc makes a parser's own error for malformed input at off.
type FormatFunc func(off uint64, msg string, val any) error

// Reader reads byte ranges of one file of known size.
type Reader struct {
	R    io.ReaderAt
	Size uint64
	// Max is the largest single read; Probe the size above which a read
	// first reads its last byte, so that a size that overstates the data
	// (or a reader that lacks the range) fails before the allocation.
	Max, Probe uint64
	// Name prefixes wrapped reader errors ("elf"); Format makes the
	// parser's error for a range outside the file or a short file.
	Name   string
	Format FormatFunc
}

// FormatMessage is the text of a parser's format error:
// "<name>: <msg> '<val>' at offset 0x<off>", without the value when val is nil.
func FormatMessage(name, msg string, val any, off int64) string {
	if val == nil {
		return fmt.Sprintf("%s: %s at offset %#x", name, msg, off)
	}
	return fmt.Sprintf("%s: %s '%v' at offset %#x", name, msg, val, off)
}

// InRange reports whether [off, off+n) lies within [0, size), without
// overflowing.
func InRange(off, n, size uint64) bool {
	return off <= size && n <= size-off
}

// Read returns the n bytes at off, checking the range against the file
// size and Max before allocating.
func (r *Reader) Read(off, n uint64, what string) ([]byte, error) {
	if !InRange(off, n, r.Size) {
		return nil, r.Format(off, what+" extends past end of file", n)
	}
	if n > r.Max {
		return nil, r.Format(off, what+" too large", n)
	}
	if n == 0 {
		return nil, nil
	}
	if n > r.Probe {
		var last [1]byte
		if m, err := r.R.ReadAt(last[:], int64(off+n-1)); m != 1 {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return nil, r.Failed(err, off+n-1, 1, what)
		}
	}
	b := make([]byte, n)
	m, err := r.R.ReadAt(b, int64(off))
	if m == len(b) {
		return b, nil // a ReaderAt may return io.EOF with a full read
	}
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return nil, r.Failed(err, off, n, what)
}

// Failed turns a failed ReaderAt call into the parser's error: end of file
// means the file is shorter than its size claims (a format error);
// anything else is the caller's own error, wrapped so that errors.As and
// errors.Is still find it.
func (r *Reader) Failed(err error, off, n uint64, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return r.Format(off, "unexpected end of file reading "+what, n)
	}
	return fmt.Errorf("%s: reading %s (%d bytes at offset %#x): %w", r.Name, what, n, off, err)
}

// Open opens the named file and decodes it with newFile, prefixing errors
// with the name. Whatever newFile returns is passed on, also with an error
// (a parser may return a partial result).
func Open[T any](name string, newFile func(io.ReaderAt, int64) (T, error)) (T, error) {
	var zero T
	fh, err := os.Open(name)
	if err != nil {
		return zero, err
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return zero, err
	}
	f, err := newFile(fh, fi.Size())
	if err != nil {
		return f, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}

// MergeRanges sorts byte ranges by offset and merges those that overlap
// or touch, in place; it returns the merged prefix of rs.
func MergeRanges[R ~struct{ Off, Len int64 }](rs []R) []R {
	type span = struct{ Off, Len int64 }
	slices.SortFunc(rs, func(a, b R) int { return cmp.Compare(span(a).Off, span(b).Off) })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 {
			x, last := span(r), span(out[n-1])
			if x.Off <= last.Off+last.Len {
				last.Len = max(last.Len, x.Off+x.Len-last.Off)
				out[n-1] = R(last)
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// Clip shortens s to at most n bytes for a message, on a UTF-8
// character boundary, marking the cut with "…".
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// Printable returns s with the characters that could steer a terminal
// replaced by U+FFFD: control characters other than newline and tab
// (escape sequences start with one) and the bidirectional overrides and
// isolates (U+202A–U+202E, U+2066–U+2069), which reorder what is shown.
// Names read from artifacts and roots go through it before libvet
// prints them.
func Printable(s string) string {
	if !strings.ContainsFunc(s, unprintable) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unprintable(r) {
			return utf8.RuneError
		}
		return r
	}, s)
}

func unprintable(r rune) bool {
	return r != '\n' && r != '\t' && unicode.IsControl(r) || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}
