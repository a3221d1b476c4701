package artifact

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors. Every error that makes an artifact or a member
// unreadable is an [*Error] that wraps exactly one of these; test for them
// with [errors.Is].
var (
	// ErrNotZip: the input is named like a wheel or a .conda but is not a
	// zip archive.
	ErrNotZip = errors.New("not a zip archive")
	// ErrTruncated: the archive or a member's data ends before its
	// structure says it should (a partial download).
	ErrTruncated = errors.New("truncated archive")
	// ErrCorrupt: the archive's structure is present but inconsistent
	// (bad signatures, bad deflate, gzip, bzip2, xz or zstd data, bad tar
	// headers, local and central headers that disagree, a .deb or .conda
	// without the members its format requires).
	ErrCorrupt = errors.New("corrupt archive")
	// ErrBomb: a member inflates past its declared size, declares a
	// compression ratio over [Limits.MaxRatio], or shares its data with
	// another member; or a compressed tar stream expands more than
	// [Limits.MaxRatio] times its size.
	ErrBomb = errors.New("possible zip bomb")
	// ErrUnsafePath: a member name, or a tar hard link's target, is
	// empty, absolute, has a '..' component (with '/' or '\' as
	// separator) or contains a NUL byte.
	ErrUnsafePath = errors.New("unsafe member name")
	// ErrDuplicate: two members have the same name after normalisation,
	// or a tar holds two entries of one name.
	ErrDuplicate = errors.New("duplicate member name")
	// ErrNoWheelFile: a wheel has no NAME-VERSION.dist-info/WHEEL file.
	ErrNoWheelFile = errors.New("no .dist-info/WHEEL file")
	// ErrBadWheelFile: a wheel's WHEEL file cannot be used, or its
	// .dist-info directory cannot be chosen.
	ErrBadWheelFile = errors.New("invalid WHEEL file")
	// ErrTooLarge: a declared size is over a [Limits] field, a tar
	// stream decompresses to more than [Limits.MaxTotalSize], or a zstd
	// window or xz dictionary is over [Limits.MaxWindow].
	ErrTooLarge = errors.New("over a size limit")
	// ErrTooManyMembers: the archive (or directory) has more entries than
	// [Limits.MaxMembers].
	ErrTooManyMembers = errors.New("too many members")
	// ErrChecksum: a member's data does not match its CRC-32.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrBadFilename: a .whl file name does not follow PEP 427.
	ErrBadFilename = errors.New("invalid wheel filename")
	// ErrUnsupported: the input or member uses a feature libvet cannot
	// read (a special file as input, zip encryption, a zip compression
	// method other than stored or deflate, a sparse tar member, an xz
	// filter other than LZMA2, a Debian package format other than 2.x).
	ErrUnsupported = errors.New("unsupported")
	// ErrNotFound: [Artifact.Resolve] was given a path that names no
	// member and follows no link.
	ErrNotFound = errors.New("no such member")
	// ErrDanglingLink: a link followed by [Artifact.Resolve] leads to no
	// member: its target, or a directory on the way, does not exist, or
	// there are more than 40 links to follow (a loop).
	ErrDanglingLink = errors.New("dangling link")
	// ErrIsDir: [Artifact.Resolve] reached a directory, not a file (a
	// link to a directory, such as a sysroot's lib -> usr/lib). The error
	// also wraps ErrNotFound or ErrDanglingLink.
	ErrIsDir = errors.New("a directory")
)

// Error is an error about one artifact, and about one member of it when
// Member is not "". Its text is "ARTIFACT: MEMBER: ERR".
type Error struct {
	Artifact string // the path given to [Open]
	Member   string // the member's path, or "" when the error is about the whole artifact
	Err      error  // wraps one of the sentinels above, or an I/O error
}

// Error returns "ARTIFACT: MEMBER: ERR", leaving out empty parts. Names
// with unprintable characters are quoted.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Artifact != "" {
		b.WriteString(displayName(e.Artifact))
		b.WriteString(": ")
	}
	if e.Member != "" {
		b.WriteString(displayName(e.Member))
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("unknown error")
	}
	return b.String()
}

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// reason is an error with its own text that wraps a sentinel and,
// optionally, the error that caused it.
type reason struct {
	msg  string
	errs []error
}

func (r *reason) Error() string   { return r.msg }
func (r *reason) Unwrap() []error { return r.errs }

// reasonf returns an error reading like format that wraps sentinel.
func reasonf(sentinel error, format string, args ...any) error {
	return &reason{msg: fmt.Sprintf(format, args...), errs: []error{sentinel}}
}

// causef is reasonf that also wraps cause.
func causef(sentinel, cause error, format string, args ...any) error {
	return &reason{msg: fmt.Sprintf(format, args...), errs: []error{sentinel, cause}}
}

// displayName returns s, or s quoted when it holds characters that would
// garble a one-line message.
func displayName(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// humanSize formats n bytes for messages: "1024 bytes", "8.0 GiB".
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
