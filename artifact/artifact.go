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
	// KindFile is a single file that is none of the other kinds: one
	// member, named after the file's base name.
	KindFile Kind = "file"
	// KindConda is a conda package: a ".conda" zip (format v2) holding
	// info-*.tar.zst and pkg-*.tar.zst, or a bzip2-compressed tar (format
	// v1, ".tar.bz2") whose leading entries are info/, index.json among
	// them.
	KindConda Kind = "conda"
	// KindDeb is a Debian binary package: an ar archive named ".deb" (or
	// ".udeb", ".ddeb") holding debian-binary, control.tar* and data.tar*.
	KindDeb Kind = "deb"
	// KindTar is a tar archive, plain or compressed with gzip, bzip2, xz
	// or zstd, that is not a conda package.
	KindTar Kind = "tar"
	// KindDir is a directory: its regular files and symbolic links, named
	// by their slash-separated paths relative to it.
	KindDir Kind = "dir"
)

// Limits bounds what [Open] accepts and what a member reader will
// produce. A zero or negative field means its default (see
// [DefaultLimits]); use math.MaxInt64 to lift a limit.
type Limits struct {
	MaxMemberSize   int64 // largest uncompressed member accepted (default 8 GiB)
	MaxTotalSize    int64 // sum of uncompressed sizes (default 64 GiB)
	MaxMembers      int   // archive entries, directories included (default 1,000,000)
	MaxRatio        int64 // max uncompressed/compressed ratio of a deflated member or, past its first MiB, of a compressed tar stream (default 1100; deflate cannot exceed about 1032)
	MaxMetadataSize int64 // cap for each metadata file read into memory: WHEEL, RECORD, a conda package's info/ files, a .deb's control files (default 16 MiB)
	MaxWindow       int64 // largest zstd window or xz dictionary a stream may ask for (default 128 MiB, what zstd level 22 and conda's own decoder use)
}

// DefaultLimits returns the limits used for zero fields of a [Limits].
func DefaultLimits() Limits {
	return Limits{
		MaxMemberSize:   8 << 30,
		MaxTotalSize:    64 << 30,
		MaxMembers:      1_000_000,
		MaxRatio:        1100,
		MaxMetadataSize: 16 << 20,
		MaxWindow:       128 << 20,
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
	if l.MaxWindow <= 0 {
		l.MaxWindow = d.MaxWindow
	}
	return l
}

// Artifact is an opened input: an ordered list of members read from one
// open file or directory. Its methods are safe for concurrent use.
type Artifact struct {
	Path  string // the path given to Open
	Kind  Kind
	Size  int64  // size of the file in bytes; 0 for a directory
	Wheel *Wheel // nil unless Kind is KindWheel

	f   *os.File
	lim Limits
	src source // reads the members that are not in a tar stream

	found problemList // problems found while opening

	// mu guards members and problems once Open has returned: Walk
	// replaces them when it has listed a tar stream.
	mu       sync.RWMutex
	members  []*Member // sorted by Path, no directories
	problems []Problem // sorted by member

	// Containers (.conda, .deb, tar): see container.go.
	streams []*stream         // the tar streams, in archive order
	plain   []*Member         // members outside any tar stream
	order   []part            // what Walk visits, in order
	fixed   int               // entries outside tar streams (zip or ar entries)
	base    problemList       // problems found outside tar streams
	meta    map[string][]byte // captured metadata files, by inner path
	walkMu  sync.Mutex        // serialises updates of stream listings

	closeOnce sync.Once
	closeErr  error
}

// source reads the members of one kind of container.
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

// problemList collects problems: the first maxProblems, and a count of
// the rest.
type problemList struct {
	kept    []Problem
	omitted int
}

func (l *problemList) add(p Problem) {
	if len(l.kept) >= maxProblems {
		l.omitted++
		return
	}
	l.kept = append(l.kept, p)
}

// addf adds a problem about member.
func (l *problemList) addf(member, format string, args ...any) {
	l.add(Problem{Member: member, Msg: fmt.Sprintf(format, args...)})
}

// addAll adds the problems of o.
func (l *problemList) addAll(o problemList) {
	for _, p := range o.kept {
		l.add(p)
	}
	l.omitted += o.omitted
}

// sorted returns the problems sorted by member, then a last one that
// counts those not kept.
func (l problemList) sorted() []Problem {
	ps := slices.Clone(l.kept)
	slices.SortStableFunc(ps, func(x, y Problem) int { return strings.Compare(x.Member, y.Member) })
	if l.omitted > 0 {
		ps = append(ps, Problem{Msg: fmt.Sprintf("%d more problems not shown", l.omitted)})
	}
	return ps
}

// Open opens the file or directory at path and lists its members. It
// sniffs the content, not the name (names only tell a wheel or a .conda
// from other zip archives and a .deb from other ar archives):
//   - a zip archive is a [KindWheel] when the name ends in ".whl", a
//     [KindConda] when it ends in ".conda", and a [KindZip] otherwise;
//   - an ar archive named ".deb" (".udeb", ".ddeb") is a [KindDeb];
//   - a tar archive, plain or compressed with gzip, bzip2, xz or zstd, is
//     a [KindTar], except that a ".tar.bz2" whose leading entries are
//     info/, index.json among them, is a conda package ([KindConda]);
//   - a directory is a [KindDir];
//   - anything else is a single-member [KindFile] artifact.
//
// A ".whl" or ".conda" that is not a zip archive is an [ErrNotZip] error;
// a ".deb" that is not an ar archive, and a name with a tar suffix
// (".tar", ".tgz", ".tar.gz", …) whose content is not a tar, are
// [ErrCorrupt] (or [ErrTruncated], for compressed data cut short).
//
// Open reads only directories and small metadata: a zip's central
// directory and, for wheels, the WHEEL and RECORD files; an ar's headers;
// the info tar of a .conda and the info/ entries that open a .tar.bz2
// conda package; the control tar of a .deb; the headers of an
// uncompressed tar. The big compressed tar streams (a .conda's pkg tar, a
// .deb's data tar, a compressed tarball) are not read: their members are
// listed by [Artifact.Walk], which decodes each of them once. See
// [Artifact.Streamed].
//
// Errors are [*Error] values naming path and, when one is to blame, the
// member; see the package documentation for what is rejected.
func Open(path string, lim Limits) (*Artifact, error) {
	a := &Artifact{Path: path, lim: lim.withDefaults()}
	// Stat before opening: opening a named pipe would wait for a writer.
	st, err := os.Stat(path)
	if err != nil {
		return nil, a.fail("", unwrapPathError(err))
	}
	switch {
	case st.IsDir():
		a.Kind = KindDir
		if err := a.openDir(); err != nil {
			return nil, err
		}
		return a, nil
	case !st.Mode().IsRegular():
		return nil, a.fail("", reasonf(ErrUnsupported, "is not a regular file or a directory (mode %v)", st.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, a.fail("", unwrapPathError(err))
	}
	fi, err := f.Stat()
	if err == nil && !os.SameFile(st, fi) {
		err = reasonf(ErrUnsupported, "changed while being opened; try again")
	}
	if err != nil {
		f.Close()
		return nil, a.fail("", unwrapPathError(err))
	}
	a.f, a.Size = f, fi.Size()

	var head [512]byte
	n, err := f.ReadAt(head[:], 0)
	if err != nil && err != io.EOF {
		f.Close()
		return nil, a.fail("", unwrapPathError(err))
	}
	magic := head[:n]
	lower := strings.ToLower(path)
	isWheel := strings.HasSuffix(lower, ".whl")
	isConda := strings.HasSuffix(lower, ".conda")
	isZip := n >= 4 && (string(magic[:4]) == "PK\x03\x04" || string(magic[:4]) == "PK\x05\x06")
	switch {
	case isZip && isWheel:
		a.Kind = KindWheel
		err = a.openZip()
		if err == nil {
			err = a.openWheel()
		}
	case isZip && isConda:
		a.Kind = KindConda
		err = a.openConda()
	case isZip:
		a.Kind = KindZip
		err = a.openZip()
	case isWheel || isConda:
		err = a.fail("", notZip(magic[:min(n, 4)], path))
	default:
		err = a.openOther(magic, fi)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	switch a.Kind {
	case KindWheel, KindZip, KindFile: // containers publish their own
		a.finishProblems()
	}
	return a, nil
}

func notZip(magic []byte, path string) error {
	what := "a wheel"
	if strings.HasSuffix(strings.ToLower(path), ".conda") {
		what = "a .conda package"
	}
	if len(magic) == 0 {
		return reasonf(ErrNotZip, "not a zip archive (empty file); is this really %s?", what)
	}
	if len(magic) < 4 {
		return reasonf(ErrNotZip, "not a zip archive (only %d bytes long); is this really %s?", len(magic), what)
	}
	m := uint32(magic[0])<<24 | uint32(magic[1])<<16 | uint32(magic[2])<<8 | uint32(magic[3])
	return reasonf(ErrNotZip, "not a zip archive (bad magic 0x%08x); is this really %s?", m, what)
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
	a.found.addf(member, format, args...)
}

// seriousProblem records an issue that makes installers refuse the wheel.
func (a *Artifact) seriousProblem(member, format string, args ...any) {
	a.found.add(Problem{Member: member, Msg: fmt.Sprintf(format, args...), Serious: true})
}

// finishProblems publishes the problems found.
func (a *Artifact) finishProblems() {
	a.problems = a.found.sorted()
}

// Members returns the members sorted by Path in byte order. Directories
// are not members. The slice is shared: do not modify it.
//
// When [Artifact.Streamed] is true, the members of the big tar stream (a
// .conda's pkg tar, a .deb's data tar, a compressed tarball) are listed
// only once a [Artifact.Walk] has returned nil: until then Members holds
// the rest (the info or control members, for instance).
func (a *Artifact) Members() []*Member {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.members
}

// Member returns the member with exactly this path, or nil. It sees the
// same members as [Artifact.Members].
func (a *Artifact) Member(path string) *Member {
	return findMember(a.Members(), path)
}

// findMember returns the member of ms, sorted by Path, with this path.
func findMember(ms []*Member, path string) *Member {
	i, ok := slices.BinarySearchFunc(ms, path, func(m *Member, p string) int { return strings.Compare(m.Path, p) })
	if !ok {
		return nil
	}
	return ms[i]
}

// Problems returns the non-fatal issues found by [Open], and by
// [Artifact.Walk] in the tar streams it lists, sorted by member. The
// slice is shared: do not modify it.
func (a *Artifact) Problems() []Problem {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.problems
}

// Close closes the underlying file. Readers returned by [Member.Open]
// and [Member.ReaderAt] fail after Close, and so does Walk. Close is
// idempotent.
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
	Path       string      // slash-separated, cleaned of "." and empty components; "outer!inner" inside a nested container
	Size       int64       // uncompressed size in bytes, as declared by the archive
	Mode       fs.FileMode // from the archive's attributes; never a directory
	Compressed bool        // false: stored in the zip, or a plain file, or in an uncompressed tar
	// Link is the target of a symbolic link (Mode has fs.ModeSymlink) or
	// of a tar hard link (a regular Mode), as stored: a symbolic link's
	// target is relative to the link's directory or absolute, a hard
	// link's is the path of an earlier entry of the same tar. It is ""
	// for other members, including a zip's symbolic links, which
	// installers write as regular files. Follow links with
	// [Artifact.Resolve].
	Link string

	a     *Artifact
	inner int // Path[inner:] is the path inside the innermost container

	// tar, ar and directory fields
	st    *stream // the tar stream holding the member, or nil
	index int     // the entry's number in st
	off   int64   // where the data starts in the file, for random access; -1 when it cannot be read at random

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

// Inner returns the member's path inside its innermost container: where
// the file lands when the package is installed. It is the part of Path
// after "outer!" for a member of a nested tar ("lib/libfoo.so.1" for
// "pkg-foo-1.0-h123_0.tar.zst!lib/libfoo.so.1"), and Path itself
// otherwise. Inner splits at the container's boundary, so a name that
// itself contains '!' is kept whole.
func (m *Member) Inner() string { return m.Path[m.inner:] }

// Open returns a reader of the member's uncompressed bytes. The reader
// streams: it holds a fixed-size buffer and at most one decompressor,
// whatever the member's size. It never returns more than Size bytes;
// data that would go past Size is an [ErrBomb] error, data that ends
// early is [ErrTruncated], and at the end the CRC-32 of a zip member is
// checked ([ErrChecksum]). Errors are [*Error] values naming the
// artifact and the member. Open and the readers it returns are safe for
// concurrent use on the same or different members; close each reader.
//
// A member of a compressed tar stream cannot be reached without
// decoding everything before it: Open decodes the stream from its start
// up to the member, which is correct but slow for the members of a big
// stream. Read those through [Artifact.Walk], which decodes each stream
// once. A link member reads as its own (empty) data; use
// [Artifact.Resolve] to reach its target.
func (m *Member) Open() (io.ReadCloser, error) { return m.source().open(m) }

// ReaderAt returns random access to the member's bytes without copying
// them, when the archive stores them as they are: a plain file, a zip
// member stored without compression, an ar member, or a member of an
// uncompressed tar. It returns false for deflated members and members of
// compressed tars (and for stored members whose headers are damaged),
// and for the files of a directory; use [Member.Open] for those. ReaderAt
// does not check the CRC-32. The result is an *io.SectionReader over the
// artifact's open file, safe for concurrent use and valid until
// [Artifact.Close].
func (m *Member) ReaderAt() (io.ReaderAt, bool) { return m.source().readerAt(m) }

// source returns what reads m.
func (m *Member) source() source {
	if m.st != nil {
		return tarSource{}
	}
	return m.a.src
}

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
