package artifact

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Kind is what an input turned out to be.
type Kind string

// Input kinds.
const (
	// KindWheel is a zip archive whose path ends in ".whl" (any case).
	KindWheel Kind = "wheel"
	// KindZip is any other zip archive.
	KindZip Kind = "zip"
	// KindFile is a single file that is not a zip archive: one member,
	// named after the file's base name.
	KindFile Kind = "file"
)

// Limits bounds what [Open] accepts and what a member reader will
// produce. A zero or negative field means its default (see
// [DefaultLimits]); use math.MaxInt64 to lift a limit.
type Limits struct {
	MaxMemberSize   int64 // largest uncompressed member accepted (default 8 GiB)
	MaxTotalSize    int64 // sum of uncompressed sizes (default 64 GiB)
	MaxMembers      int   // archive entries, directories included (default 1,000,000)
	MaxRatio        int64 // max uncompressed/compressed ratio of a deflated member (default 1100; deflate cannot exceed about 1032)
	MaxMetadataSize int64 // cap for the WHEEL and RECORD files, which are read into memory (default 16 MiB)
}

// DefaultLimits returns the limits used for zero fields of a [Limits].
func DefaultLimits() Limits {
	return Limits{
		MaxMemberSize:   8 << 30,
		MaxTotalSize:    64 << 30,
		MaxMembers:      1_000_000,
		MaxRatio:        1100,
		MaxMetadataSize: 16 << 20,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxMemberSize <= 0 {
		l.MaxMemberSize = d.MaxMemberSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = d.MaxTotalSize
	}
	if l.MaxMembers <= 0 {
		l.MaxMembers = d.MaxMembers
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	if l.MaxMetadataSize <= 0 {
		l.MaxMetadataSize = d.MaxMetadataSize
	}
	return l
}

// Artifact is an opened input: an ordered list of members read from one
// open file. Its methods are safe for concurrent use.
type Artifact struct {
	Path  string // the path given to Open
	Kind  Kind
	Size  int64  // size of the file in bytes
	Wheel *Wheel // nil unless Kind is KindWheel

	f        *os.File
	lim      Limits
	src      source
	members  []*Member // sorted by Path, no directories
	problems []Problem
	omitted  int // problems beyond maxProblems, counted, not kept

	closeOnce sync.Once
	closeErr  error
}

// source reads the members of one kind of container. Later kinds (tar,
// nested archives named "outer!inner") add implementations.
type source interface {
	open(m *Member) (io.ReadCloser, error)
	readerAt(m *Member) (io.ReaderAt, bool)
}

// Problem is a non-fatal issue found while opening an artifact: a
// missing RECORD, a RECORD that disagrees with the archive, a member
// that cannot be read. Callers turn problems into findings.
type Problem struct {
	Member string // the member concerned, or "" for the whole artifact
	Msg    string
	// Serious is set when installers refuse or cannot manage such a
	// wheel (no RECORD, several .dist-info directories, unsafe RECORD
	// paths); other problems are warnings.
	Serious bool
}

// String returns "MEMBER: MSG", or MSG when Member is "".
func (p Problem) String() string {
	if p.Member == "" {
		return p.Msg
	}
	return displayName(p.Member) + ": " + p.Msg
}

// maxProblems caps the problems kept per artifact, so that a hostile
// archive with a million unlisted members does not produce a million
// findings.
const maxProblems = 1000

// Open opens the file at path and lists its members. It sniffs the
// content, not the name: a file that starts with a zip signature is read
// as a zip archive (a wheel when the name ends in ".whl"), anything else
// is a single-member [KindFile] artifact, except that a ".whl" path that
// is not a zip is an [ErrNotZip] error. Open reads only the archive's
// directory and, for wheels, the WHEEL and RECORD files; member data is
// read on demand by [Member.Open].
//
// Errors are [*Error] values naming path and, when one is to blame, the
// member; see the package documentation for what is rejected.
func Open(path string, lim Limits) (*Artifact, error) {
	a := &Artifact{Path: path, lim: lim.withDefaults()}
	f, err := os.Open(path)
	if err != nil {
		return nil, a.fail("", unwrapPathError(err))
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, a.fail("", unwrapPathError(err))
	}
	if fi.IsDir() {
		f.Close()
		return nil, a.fail("", reasonf(ErrUnsupported, "is a directory; directories are not supported yet, pass a wheel or a file"))
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, a.fail("", reasonf(ErrUnsupported, "is not a regular file (mode %v)", fi.Mode()))
	}
	a.f, a.Size = f, fi.Size()

	var magic [4]byte
	n, err := f.ReadAt(magic[:], 0)
	if err != nil && err != io.EOF {
		f.Close()
		return nil, a.fail("", unwrapPathError(err))
	}
	isWheel := strings.HasSuffix(strings.ToLower(path), ".whl")
	isZip := n == 4 && (string(magic[:]) == "PK\x03\x04" || string(magic[:]) == "PK\x05\x06")
	switch {
	case isZip && isWheel:
		a.Kind = KindWheel
		err = a.openZip()
		if err == nil {
			err = a.openWheel()
		}
	case isZip:
		a.Kind = KindZip
		err = a.openZip()
	case isWheel:
		err = a.fail("", notZip(magic[:n]))
	default:
		a.Kind = KindFile
		err = a.openFile(fi)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	a.finishProblems()
	return a, nil
}

func notZip(magic []byte) error {
	if len(magic) == 0 {
		return reasonf(ErrNotZip, "not a zip archive (empty file); is this really a wheel?")
	}
	if len(magic) < 4 {
		return reasonf(ErrNotZip, "not a zip archive (only %d bytes long); is this really a wheel?", len(magic))
	}
	m := uint32(magic[0])<<24 | uint32(magic[1])<<16 | uint32(magic[2])<<8 | uint32(magic[3])
	return reasonf(ErrNotZip, "not a zip archive (bad magic 0x%08x); is this really a wheel?", m)
}

// unwrapPathError drops the *fs.PathError wrapper, whose text repeats the
// path that *Error already names.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// fail returns an *Error about a and member.
func (a *Artifact) fail(member string, err error) error {
	return &Error{Artifact: a.Path, Member: member, Err: err}
}

// problem records a non-fatal issue.
func (a *Artifact) problem(member, format string, args ...any) {
	a.addProblem(Problem{Member: member, Msg: fmt.Sprintf(format, args...)})
}

// seriousProblem records an issue that makes installers refuse the wheel.
func (a *Artifact) seriousProblem(member, format string, args ...any) {
	a.addProblem(Problem{Member: member, Msg: fmt.Sprintf(format, args...), Serious: true})
}

func (a *Artifact) addProblem(p Problem) {
	if len(a.problems) >= maxProblems {
		a.omitted++
		return
	}
	a.problems = append(a.problems, p)
}

func (a *Artifact) finishProblems() {
	slices.SortStableFunc(a.problems, func(x, y Problem) int { return strings.Compare(x.Member, y.Member) })
	if a.omitted > 0 {
		a.problems = append(a.problems, Problem{Msg: fmt.Sprintf("%d more problems not shown", a.omitted)})
	}
}

// Members returns the members sorted by Path in byte order. Directories
// are not members. The slice is shared: do not modify it.
func (a *Artifact) Members() []*Member { return a.members }

// Member returns the member with exactly this path, or nil.
func (a *Artifact) Member(path string) *Member {
	i, ok := slices.BinarySearchFunc(a.members, path, func(m *Member, p string) int { return strings.Compare(m.Path, p) })
	if !ok {
		return nil
	}
	return a.members[i]
}

// Problems returns the non-fatal issues found by [Open], sorted by
// member. The slice is shared: do not modify it.
func (a *Artifact) Problems() []Problem { return a.problems }

// Close closes the underlying file. Readers returned by [Member.Open]
// and [Member.ReaderAt] fail after Close. Close is idempotent.
func (a *Artifact) Close() error {
	a.closeOnce.Do(func() {
		if a.f != nil {
			a.closeErr = a.f.Close()
		}
	})
	return a.closeErr
}

// Member is one file inside an artifact.
type Member struct {
	Path       string      // slash-separated, cleaned of "." and empty components
	Size       int64       // uncompressed size in bytes, as declared by the archive
	Mode       fs.FileMode // from the archive's attributes; never a directory
	Compressed bool        // false: stored in the zip, or a plain file

	a *Artifact

	// zip fields
	rawName  string // the name as stored, when it differs from Path
	method   uint16
	flags    uint16
	crc      uint32
	csize    int64 // compressed size
	hdrOff   int64 // offset of the local file header
	end      int64 // the member's data must end by here: the next local header or the central directory
	dataOnce sync.Once
	dataOff  int64
	dataErr  error
}

// Open returns a reader of the member's uncompressed bytes. The reader
// streams: it holds a fixed-size buffer and, for deflated members, one
// decompressor, whatever the member's size. It never returns more than
// Size bytes; data that would go past Size is an [ErrBomb] error, data
// that ends early is [ErrTruncated], and at the end the CRC-32 of a zip
// member is checked ([ErrChecksum]). Errors are [*Error] values naming
// the artifact and the member. Open and the readers it returns are safe
// for concurrent use on the same or different members; close each reader.
func (m *Member) Open() (io.ReadCloser, error) { return m.a.src.open(m) }

// ReaderAt returns random access to the member's bytes without copying
// them, when the archive stores them as they are: a plain file, or a
// zip member stored without compression. It returns false for deflated
// members (and for stored members whose headers are damaged); use
// [Member.Open] for those. ReaderAt does not check the CRC-32. The
// result is an *io.SectionReader over the artifact's open file, safe
// for concurrent use and valid until [Artifact.Close].
func (m *Member) ReaderAt() (io.ReaderAt, bool) { return m.a.src.readerAt(m) }

// ReadAll reads the whole member into memory if its Size is at most max
// bytes, and fails with [ErrTooLarge] otherwise. It is meant for small
// metadata files; stream anything else with [Member.Open].
func (m *Member) ReadAll(max int64) ([]byte, error) {
	if m.Size > max {
		return nil, m.a.fail(m.Path, reasonf(ErrTooLarge, "is %s, over the %s limit for files read into memory", humanSize(m.Size), humanSize(max)))
	}
	rc, err := m.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	buf := make([]byte, m.Size)
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, err
	}
	// Read to EOF so that the CRC and the declared size are checked.
	if n, err := rc.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		if err == nil || err == io.EOF {
			err = m.a.fail(m.Path, reasonf(ErrBomb, "member is longer than its declared size %d", m.Size))
		}
		return nil, err
	}
	return buf, nil
}

// openFile makes a the single-member artifact for a plain file.
func (a *Artifact) openFile(fi fs.FileInfo) error {
	name := filepath.Base(a.Path)
	if fi.Size() > a.lim.MaxMemberSize || fi.Size() > a.lim.MaxTotalSize {
		return a.fail("", reasonf(ErrTooLarge, "file is %s, over the %s limit (Limits.MaxMemberSize, Limits.MaxTotalSize)", humanSize(fi.Size()), humanSize(min(a.lim.MaxMemberSize, a.lim.MaxTotalSize))))
	}
	a.src = fileSource{}
	a.members = []*Member{{Path: name, Size: fi.Size(), Mode: fi.Mode() & fs.ModePerm, a: a}}
	return nil
}

// fileSource reads the single member of a KindFile artifact.
type fileSource struct{}

func (fileSource) open(m *Member) (io.ReadCloser, error) {
	return &memberReader{m: m, src: io.NewSectionReader(m.a.f, 0, m.Size)}, nil
}

func (fileSource) readerAt(m *Member) (io.ReaderAt, bool) {
	return io.NewSectionReader(m.a.f, 0, m.Size), true
}
