package artifact

import (
	"archive/tar"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"

	"github.com/libvet/libvet/internal/binio"
)

// Tar members are read with archive/tar, which bounds what it holds per
// header (long names and PAX records of at most 1 MiB, sparse maps), and
// never returns more than an entry's declared size. This file adds what
// libvet needs on top: names checked like a zip's, limits checked from
// the headers before any data is read, members named "outer!inner", and
// one pass that lists, captures metadata and hands out data together.

const (
	// maxNameLen bounds a tar member's name and link target: no file
	// system takes a longer path (PATH_MAX).
	maxNameLen = 4096
	// maxNameBytes bounds the names and link targets kept per tar
	// stream, which could otherwise grow with the decompressed size
	// rather than with the file's.
	maxNameBytes = 256 << 20
)

// openStream returns the decoded bytes of st and a function that
// releases them. sec is not nil when st is stored uncompressed in the
// file: archive/tar then seeks over the data it skips, and a member's
// data starts at its position in sec.
func (a *Artifact) openStream(st *stream) (r io.Reader, sec *io.SectionReader, release func(), err error) {
	var src io.Reader
	release = func() {}
	if st.zm != nil {
		zr, err := st.zm.Open()
		if err != nil {
			return nil, nil, nil, err
		}
		src, release = zr, func() { zr.Close() }
	} else {
		sec = io.NewSectionReader(a.f, st.off, st.size)
		src = sec
	}
	if st.comp == compNone {
		return src, sec, release, nil
	}
	d, err := newDecoder(st.comp, src, st.size, a.lim)
	if err != nil {
		release()
		return nil, nil, nil, a.tarFail(st.name, err)
	}
	closeSrc := release
	return d, nil, func() { d.Close(); closeSrc() }, nil
}

// scan is one pass over a tar stream: Open listing a small stream, or a
// Walk.
type scan struct {
	a           *Artifact
	st          *stream
	known       []*Member // st.known when the pass began
	entries     []*Member // this pass's, by entry number; nil for entries that are not members
	seen        map[string]*Member
	baseEntries int   // entries outside this stream
	baseTotal   int64 // declared sizes outside this stream
	total       int64 // declared sizes so far
	names       int64 // name and link bytes so far
	problems    problemList
	cur         string // the last member, for messages
}

func (a *Artifact) newScan(st *stream) *scan {
	a.walkMu.Lock()
	defer a.walkMu.Unlock()
	sc := &scan{a: a, st: st, known: st.known, seen: map[string]*Member{}, baseEntries: a.fixed}
	for _, m := range a.plain {
		sc.baseTotal += m.Size
	}
	for _, o := range a.streams {
		if o == st {
			continue
		}
		sc.baseEntries += len(o.known)
		for _, m := range o.known {
			if m != nil {
				sc.baseTotal += m.Size
			}
		}
	}
	return sc
}

// list reads st for Open: all of it, or up to the first entry whose inner
// path stop accepts. It keeps the metadata files st captures.
func (a *Artifact) list(st *stream, stop func(inner string) bool) error {
	sc := a.newScan(st)
	complete, err := sc.run(st.capture != nil, stop, nil)
	if err != nil {
		return err
	}
	a.walkMu.Lock()
	defer a.walkMu.Unlock()
	sc.save(complete)
	return nil
}

// walkStream decodes st once and calls fn for each of its regular
// members. What it learns of the stream's members is published.
func (a *Artifact) walkStream(st *stream, fn func(*Member, io.Reader) error) error {
	sc := a.newScan(st)
	complete, err := sc.run(false, nil, fn)
	a.walkMu.Lock()
	defer a.walkMu.Unlock()
	if sc.save(complete) {
		if perr := a.publish(); err == nil {
			err = perr
		}
	}
	return err
}

// save records what the pass listed when it knows more than the stream
// did, and reports whether it did. The caller holds walkMu.
func (sc *scan) save(complete bool) bool {
	st := sc.st
	if st.complete || (!complete && len(sc.entries) <= len(st.known)) {
		return false
	}
	st.known, st.complete = sc.entries, complete
	st.problems = sc.problems
	return true
}

// run decodes the stream from its start, lists its entries, keeps the
// metadata files when capture is set, and calls fn (when not nil) for
// each regular member. It stops before the first entry whose inner path
// stop (when not nil) accepts, and reports whether it read to the end.
func (sc *scan) run(capture bool, stop func(string) bool, fn func(*Member, io.Reader) error) (bool, error) {
	r, sec, release, err := sc.a.openStream(sc.st)
	if err != nil {
		return false, err
	}
	defer release()
	tr := tar.NewReader(r)
	for i := 0; ; i++ {
		hdr, err := next(tr)
		if err == io.EOF {
			break
		}
		if err != nil {
			return false, sc.a.tarFail(sc.where(), err)
		}
		inner := cleanName(hdr.Name)
		if stop != nil && stop(inner) {
			return false, nil
		}
		m, err := sc.entry(i, hdr, inner)
		if err != nil {
			return false, err
		}
		sc.entries = append(sc.entries, m)
		if m == nil {
			continue
		}
		sc.cur = m.Path
		if sec != nil && i >= len(sc.known) {
			pos, _ := sec.Seek(0, io.SeekCurrent)
			m.off = sc.st.off + pos
		}
		if capture && sc.st.capture[inner] && m.Link == "" {
			if err := sc.keep(m, tr); err != nil {
				return false, err
			}
		}
		if fn != nil && m.Link == "" {
			er := &entryReader{m: m, r: tr}
			err := fn(m, er)
			er.moveOn()
			if err != nil {
				return false, err
			}
		}
	}
	if sec == nil {
		// Decode to the end: the compressed stream's checksum and any
		// trailing data are checked there.
		if _, err := io.Copy(io.Discard, r); err != nil {
			return false, sc.a.tarFail(sc.st.name, err)
		}
	}
	return true, nil
}

// next returns the next header, ignoring the ErrInsecurePath that
// GODEBUG=tarinsecurepath=0 adds: names are checked here.
func next(tr *tar.Reader) (*tar.Header, error) {
	hdr, err := tr.Next()
	if hdr != nil && errors.Is(err, tar.ErrInsecurePath) {
		err = nil
	}
	return hdr, err
}

// where names what a header error is about: the last member read, whose
// data or the header after it failed, or the stream.
func (sc *scan) where() string {
	if sc.cur != "" {
		return sc.cur
	}
	return sc.st.name
}

// entry checks the header of entry i and returns its member, or nil for
// entries that are not members (directories, special files).
func (sc *scan) entry(i int, hdr *tar.Header, inner string) (*Member, error) {
	a, st := sc.a, sc.st
	if sc.baseEntries+i+1 > a.lim.MaxMembers {
		return nil, a.fail(st.name, reasonf(ErrTooManyMembers, "archive has more than %d entries (Limits.MaxMembers)", a.lim.MaxMembers))
	}
	raw := st.prefix() + hdr.Name // for messages
	if len(hdr.Name) > maxNameLen || len(hdr.Linkname) > maxNameLen {
		return nil, a.fail(binio.Clip(raw, 200), reasonf(ErrTooLarge, "name or link target is over %d bytes long, more than any file system takes", maxNameLen))
	}
	switch hdr.Typeflag {
	case tar.TypeXGlobalHeader, 'V': // PAX global header, GNU volume label
		return nil, nil // not files
	}
	if why := UnsafeName(hdr.Name); why != "" {
		return nil, a.fail(raw, reasonf(ErrUnsafePath, "unsafe member name (%s); refusing to read it", why))
	}
	if hdr.Typeflag == tar.TypeDir || hdr.Typeflag == 'D' { // 'D': a GNU dump directory
		return nil, nil
	}
	if inner == "" {
		return nil, a.fail(raw, reasonf(ErrUnsafePath, "unsafe member name (empty after removing '.' components); refusing to read it"))
	}
	if isSparse(hdr) {
		return nil, a.fail(raw, reasonf(ErrUnsupported, "is a sparse file; libvet does not read sparse tar members"))
	}
	m := &Member{Path: st.prefix() + inner, Mode: tarMode(hdr.Mode), Compressed: st.comp != compNone,
		a: a, inner: len(st.prefix()), st: st, index: i, off: -1}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeCont:
		m.Size = hdr.Size
		if m.Size > a.lim.MaxMemberSize {
			return nil, a.fail(m.Path, reasonf(ErrTooLarge, "declared size %s is over the %s member limit (Limits.MaxMemberSize)", humanSize(m.Size), humanSize(a.lim.MaxMemberSize)))
		}
		if m.Size > a.lim.MaxTotalSize-sc.baseTotal-sc.total {
			return nil, a.fail(m.Path, reasonf(ErrTooLarge, "declared sizes add up to more than the %s limit (Limits.MaxTotalSize)", humanSize(a.lim.MaxTotalSize)))
		}
		sc.total += m.Size
	case tar.TypeLink:
		if why := UnsafeName(hdr.Linkname); why != "" {
			return nil, a.fail(m.Path, reasonf(ErrUnsafePath, "unsafe hard link target %q (%s); refusing to read it", hdr.Linkname, why))
		}
		if m.Link = cleanName(hdr.Linkname); m.Link == "" {
			return nil, a.fail(m.Path, reasonf(ErrUnsafePath, "unsafe hard link target %q (empty after removing '.' components); refusing to read it", hdr.Linkname))
		}
	case tar.TypeSymlink:
		if hdr.Linkname == "" {
			sc.problems.addf(m.Path, "is a symbolic link with an empty target; skipped")
			return nil, nil
		}
		m.Link, m.Mode = hdr.Linkname, m.Mode|fs.ModeSymlink
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		sc.problems.addf(m.Path, "is a %s; skipped", map[byte]string{tar.TypeChar: "character device", tar.TypeBlock: "block device", tar.TypeFifo: "named pipe"}[hdr.Typeflag])
		return nil, nil
	default:
		sc.problems.addf(m.Path, "has tar entry type %q, which libvet does not read; skipped", hdr.Typeflag)
		return nil, nil
	}
	if i < len(sc.known) {
		k := sc.known[i]
		if k == nil || k.Path != m.Path || k.Size != m.Size || k.Link != m.Link {
			return nil, a.fail(m.Path, reasonf(ErrCorrupt, "tar entry %d differs from what was listed before; the file changed while it was open", i))
		}
		m = k
	}
	if o := sc.seen[inner]; o != nil {
		return nil, a.fail(m.Path, reasonf(ErrDuplicate, "duplicate member name (tar entries %d and %d); tar keeps the last, a reader that stops at the first sees another file", o.index, i))
	}
	sc.seen[inner] = m
	if sc.names += int64(len(m.Path) + len(m.Link)); sc.names > maxNameBytes {
		return nil, a.fail(st.name, reasonf(ErrTooLarge, "member names add up to more than %s", humanSize(maxNameBytes)))
	}
	return m, nil
}

// keep reads a metadata file into memory.
func (sc *scan) keep(m *Member, r io.Reader) error {
	a := sc.a
	if m.Size > a.lim.MaxMetadataSize {
		sc.problems.addf(m.Path, "is %s, over the %s limit for metadata read into memory (Limits.MaxMetadataSize); not read", humanSize(m.Size), humanSize(a.lim.MaxMetadataSize))
		return nil
	}
	buf := make([]byte, m.Size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return a.tarFail(m.Path, err)
	}
	if a.meta == nil {
		a.meta = map[string][]byte{}
	}
	a.meta[m.Inner()] = buf
	return nil
}

// isSparse reports whether hdr is a GNU sparse file, in any of its forms.
func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// tarMode keeps the permission and setuid-style bits of a tar mode.
func tarMode(mode int64) fs.FileMode {
	m := fs.FileMode(mode & 0o777)
	if mode&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if mode&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// tarFail returns an *Error about member for an error met while reading
// a tar stream. Errors that are already *Error values (from a zip member
// holding the stream) are returned as they are.
func (a *Artifact) tarFail(member string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var r *reason
	var pe *fs.PathError
	switch {
	case errors.As(err, &r):
	case errors.As(err, &pe) || errors.Is(err, os.ErrClosed):
		err = unwrapPathError(err)
	case err == io.ErrUnexpectedEOF:
		err = causef(ErrTruncated, err, "tar data ends early; re-download the file")
	case errors.Is(err, tar.ErrHeader):
		err = causef(ErrCorrupt, err, "corrupt tar header; re-download the file")
	default:
		err = causef(ErrCorrupt, err, "corrupt tar archive (%v); re-download the file", err)
	}
	return a.fail(member, err)
}

// errMovedOn is the error of a Walk reader read after its callback
// returned.
var errMovedOn = errors.New("read after the walk moved on to the next member")

// entryReader reads one tar entry's data: a Walk callback's reader, or
// one from [Member.Open]. archive/tar returns at most the declared size
// and io.ErrUnexpectedEOF for data that ends early.
type entryReader struct {
	mu      sync.Mutex
	m       *Member
	r       io.Reader
	err     error  // sticky
	release func() // for a reader from Member.Open: closes the stream
}

func (r *entryReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.r.Read(p)
	switch {
	case err == io.EOF:
		r.err = io.EOF
	case err != nil:
		r.err = r.m.a.tarFail(r.m.Path, err)
		return n, r.err
	}
	return n, err
}

// moveOn makes later reads fail: the tar reader is about to move to the
// next entry.
func (r *entryReader) moveOn() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil || r.err == io.EOF {
		r.err = r.m.a.fail(r.m.Path, errMovedOn)
	}
}

// Close releases the stream of a reader from Member.Open. It is
// idempotent.
func (r *entryReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.release != nil {
		r.release()
		r.release = nil
	}
	if r.err == nil || r.err == io.EOF {
		r.err = r.m.a.fail(r.m.Path, errReaderClosed)
	}
	return nil
}

// tarSource reads members of tar streams.
type tarSource struct{}

// open reads the member at random when its tar is stored uncompressed in
// the file, and otherwise decodes the stream from its start up to it.
func (tarSource) open(m *Member) (io.ReadCloser, error) {
	if m.off >= 0 {
		return sectionSource{}.open(m)
	}
	r, _, release, err := m.a.openStream(m.st)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(r)
	for i := 0; i <= m.index; i++ {
		hdr, err := next(tr)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if err == nil && i == m.index && m.st.prefix()+cleanName(hdr.Name) != m.Path {
			err = reasonf(ErrCorrupt, "tar entry %d is not this member any more; the file changed while it was open", i)
		}
		if err != nil {
			release()
			return nil, m.a.tarFail(m.Path, err)
		}
	}
	return &entryReader{m: m, r: tr, release: release}, nil
}

func (tarSource) readerAt(m *Member) (io.ReaderAt, bool) {
	if m.off >= 0 {
		return sectionSource{}.readerAt(m)
	}
	return nil, false
}
