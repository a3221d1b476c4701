package artifact

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
)

// A container is an artifact made of tar streams: a .conda (a zip of an
// info tar and a pkg tar), a .deb (an ar archive of a control tar and a
// data tar), a conda v1 .tar.bz2, or a tarball. Each stream is decoded
// from its start whenever it is read; the small ones are listed by Open,
// the big one by Walk.

// stream is one tar archive inside the artifact: the whole file (a
// tarball), an ar member of a .deb, or a zip member of a .conda.
type stream struct {
	name    string // the container member holding it ("data.tar.xz"), the part of its members' paths before '!'; "" for a tarball
	comp    compression
	off     int64           // where the stream is in the file (when zm is nil) ...
	size    int64           // ... and its size
	zm      *Member         // the deflated zip member holding the stream, or nil
	capture map[string]bool // inner paths of the metadata files to keep
	big     bool            // Open did not list it all: Walk does

	// Guarded by Artifact.walkMu.
	known    []*Member   // entry i's member, nil for entries that are not members (directories), for the entries listed so far
	complete bool        // known covers every entry
	problems problemList // found while listing it
}

// prefix returns what the paths of the stream's members start with.
func (st *stream) prefix() string {
	if st.name == "" {
		return ""
	}
	return st.name + "!"
}

// part is one thing Walk visits, in archive order: a member outside any
// tar, or a tar stream.
type part struct {
	m  *Member
	st *stream
}

// Metadata files kept in memory, by inner path.
var (
	condaMetadata = map[string]bool{"info/index.json": true, "info/paths.json": true, "info/files": true, "info/run_exports.json": true, "info/about.json": true}
	debMetadata   = map[string]bool{"control": true, "shlibs": true, "symbols": true}
)

// tarSuffixes are the names of tarballs, for telling a damaged tarball
// from a file that is not one.
var tarSuffixes = []string{".tar", ".tgz", ".tar.gz", ".tbz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz", ".tzst", ".tar.zst"}

// isDebName reports whether a lower-case path names a Debian binary
// package.
func isDebName(lower string) bool {
	return strings.HasSuffix(lower, ".deb") || strings.HasSuffix(lower, ".udeb") || strings.HasSuffix(lower, ".ddeb")
}

// openOther opens a file that is not a zip archive: a .deb, a tarball,
// or a single file.
func (a *Artifact) openOther(head []byte, fi fs.FileInfo) error {
	lower := strings.ToLower(a.Path)
	tarName := slices.ContainsFunc(tarSuffixes, func(s string) bool { return strings.HasSuffix(lower, s) })
	switch {
	case bytes.HasPrefix(head, []byte(arMagic)) && isDebName(lower):
		a.Kind = KindDeb
		return a.openDeb()
	case isDebName(lower):
		return a.fail("", reasonf(ErrCorrupt, "not an ar archive (bad magic %q); is this really a .deb?", head[:min(len(head), 8)]))
	}
	comp := sniffCompression(head)
	var err error
	tar := comp == compNone && isTarHeader(head, tarName)
	if comp != compNone {
		tar, err = a.sniffCompressedTar(comp, tarName)
	}
	switch {
	case tar:
		a.Kind = KindTar
		return a.openTarball(comp, lower)
	case err != nil && tarName:
		return a.fail("", err)
	case tarName && comp != compNone:
		return a.fail("", reasonf(ErrCorrupt, "%s data that is not a tar archive; is this really a tarball?", comp))
	case tarName:
		return a.fail("", reasonf(ErrCorrupt, "not a tar archive (no valid tar header); is this really a tarball?"))
	}
	a.Kind = KindFile
	return a.openFile(fi)
}

// sniffCompressedTar reports whether the file, compressed with comp,
// starts with a tar header once decoded.
func (a *Artifact) sniffCompressedTar(comp compression, tarName bool) (bool, error) {
	d, err := newDecoder(comp, io.NewSectionReader(a.f, 0, a.Size), a.Size, a.lim)
	if err != nil {
		return false, err
	}
	defer d.Close()
	var blk [512]byte
	n, err := io.ReadFull(d, blk[:])
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil // too short to be a tar
	}
	return n == len(blk) && isTarHeader(blk[:], tarName), err
}

// isTarHeader reports whether b starts with a tar header block: a valid
// header checksum, or, for a file named like a tarball, an end-of-archive
// block (an empty tar).
func isTarHeader(b []byte, tarName bool) bool {
	if len(b) < 512 {
		return false
	}
	b = b[:512]
	if tarName && bytes.Count(b, []byte{0}) == 512 {
		return true
	}
	field := strings.TrimRight(strings.TrimLeft(string(b[148:156]), " \x00"), " \x00")
	if field == "" {
		return false
	}
	var want int64
	for _, c := range field {
		if c < '0' || c > '7' {
			return false
		}
		want = want*8 + int64(c-'0')
	}
	var unsigned, signed int64
	for i, c := range b {
		if 148 <= i && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	return want == unsigned || want == signed
}

// openTarball opens a tar archive that is the whole file.
func (a *Artifact) openTarball(comp compression, lower string) error {
	st := &stream{comp: comp, size: a.Size}
	a.streams, a.order = []*stream{st}, []part{{st: st}}
	switch {
	case comp == compNone:
		if err := a.list(st, nil); err != nil {
			return err
		}
	case comp == compBzip2 && strings.HasSuffix(lower, ".tar.bz2"):
		// A conda v1 package: conda-build and conda-package-handling
		// write info/ first. Read only that far.
		st.capture = condaMetadata
		if err := a.list(st, func(inner string) bool { return inner != "info" && !strings.HasPrefix(inner, "info/") }); err != nil {
			return err
		}
		if _, ok := a.meta["info/index.json"]; ok {
			a.Kind = KindConda
		} else {
			a.meta = nil
		}
	}
	st.big = !st.complete
	return a.finishContainer()
}

// openDeb opens a Debian binary package (deb(5)): an ar archive of
// debian-binary, control.tar[.gz|.xz|.zst] and data.tar[.gz|.xz|.zst|.bz2],
// in this order, and perhaps more members, which are kept as members.
func (a *Artifact) openDeb() error {
	entries, err := a.readAr(a.f, a.Size)
	if err != nil {
		return err
	}
	a.src = sectionSource{}
	a.fixed = len(entries)
	if len(entries) == 0 || entries[0].name != "debian-binary" {
		first := "nothing"
		if len(entries) > 0 {
			first = fmt.Sprintf("%q", entries[0].name)
		}
		return a.fail("", reasonf(ErrCorrupt, "not a Debian package (its first member is %s, not debian-binary); is this really a .deb?", first))
	}
	var control, data *stream
	for _, e := range entries {
		kind, comp := debMember(e.name)
		if kind == "" {
			if e.size > a.lim.MaxMemberSize {
				return a.fail(e.name, reasonf(ErrTooLarge, "is %s, over the %s member limit (Limits.MaxMemberSize)", humanSize(e.size), humanSize(a.lim.MaxMemberSize)))
			}
			m := &Member{Path: e.name, Size: e.size, Mode: e.mode, a: a, off: e.off}
			a.plain = append(a.plain, m)
			a.order = append(a.order, part{m: m})
			continue
		}
		if comp < 0 {
			return a.fail(e.name, reasonf(ErrUnsupported, "unsupported compression; libvet reads %s.tar, .gz, .xz, .zst and .bz2", kind))
		}
		st := &stream{name: e.name, off: e.off, size: e.size}
		st.comp = a.sniffStream(st, compression(comp))
		switch {
		case kind == "control" && control == nil && data == nil:
			control, st.capture = st, debMetadata
		case kind == "data" && control != nil && data == nil:
			data = st
		case kind == "data" && control == nil:
			return a.fail(e.name, reasonf(ErrCorrupt, "data member before any control.tar member (deb(5) wants debian-binary, control.tar, data.tar in this order)"))
		default:
			return a.fail(e.name, reasonf(ErrCorrupt, "a second %s.tar member; refusing to guess which one dpkg reads", kind))
		}
		a.streams = append(a.streams, st)
		a.order = append(a.order, part{st: st})
	}
	if data == nil {
		return a.fail("", reasonf(ErrCorrupt, "not a Debian package (no control.tar or data.tar member); is this really a .deb?"))
	}
	if v, err := a.plain[0].ReadAll(64); err != nil {
		return err
	} else if !bytes.HasPrefix(v, []byte("2.")) {
		return a.fail("debian-binary", reasonf(ErrUnsupported, "Debian package format %q is not supported; libvet reads format 2.x", strings.TrimSpace(string(v))))
	}
	if err := a.list(control, nil); err != nil {
		return err
	}
	if data.comp == compNone {
		if err := a.list(data, nil); err != nil {
			return err
		}
	}
	data.big = !data.complete
	return a.finishContainer()
}

// debMember says what an ar member of a .deb is: "control" or "data" and
// its compression by name (-1 when the suffix is unknown), or "" for
// other members.
func debMember(name string) (kind string, comp int) {
	for _, k := range []string{"control", "data"} {
		rest, ok := strings.CutPrefix(name, k+".tar")
		if !ok {
			continue
		}
		for c := compNone; c <= compZstd; c++ {
			if rest == c.suffix() && (k == "data" || c != compBzip2) {
				return k, int(c)
			}
		}
		return k, -1
	}
	return "", 0
}

// sniffStream returns the compression of st by content, and records a
// problem when it is not what its name says.
func (a *Artifact) sniffStream(st *stream, named compression) compression {
	var head [6]byte
	n, _ := a.f.ReadAt(head[:min(int64(len(head)), st.size)], st.off)
	got := sniffCompression(head[:n])
	if got != named {
		a.problem(st.name, "holds %s data, not what its name says (%s); read as %s", got, named, got)
	}
	return got
}

// openConda opens a .conda package (CEP 35): an uncompressed zip holding
// metadata.json, info-NAME-VERSION-BUILD.tar.zst (the info/ directory)
// and pkg-NAME-VERSION-BUILD.tar.zst (everything else).
func (a *Artifact) openConda() error {
	if err := a.openZip(); err != nil {
		return err
	}
	// The zip's members are checked again with the tar members.
	zipped := a.members
	a.members, a.found = nil, problemList{}
	a.fixed = len(zipped)
	var info, pkg *stream
	for _, m := range zipped { // sorted by name
		isInfo := strings.HasPrefix(m.Path, "info-") && strings.HasSuffix(m.Path, ".tar.zst")
		isPkg := strings.HasPrefix(m.Path, "pkg-") && strings.HasSuffix(m.Path, ".tar.zst")
		if !isInfo && !isPkg {
			a.plain = append(a.plain, m)
			a.order = append(a.order, part{m: m})
			continue
		}
		if (isInfo && info != nil) || (isPkg && pkg != nil) {
			return a.fail(m.Path, reasonf(ErrCorrupt, "a second %s*.tar.zst member; refusing to guess which one conda reads", m.Path[:strings.IndexByte(m.Path, '-')+1]))
		}
		st := &stream{name: m.Path, size: m.csize}
		if m.method == methodStore && m.unreadable() == nil && m.csize == m.Size {
			off, err := m.dataOffset(a.f)
			if err != nil {
				return err
			}
			st.off = off
			st.comp = a.sniffStream(st, compZstd)
		} else {
			// Not how conda writes them, but readable.
			st.zm, st.size, st.comp = m, m.Size, compZstd
		}
		if isInfo {
			info, st.capture = st, condaMetadata
		} else {
			pkg = st
		}
		a.streams = append(a.streams, st)
		a.order = append(a.order, part{st: st})
	}
	if info == nil || pkg == nil {
		return a.fail("", reasonf(ErrCorrupt, "not a conda package (no info-*.tar.zst or pkg-*.tar.zst member); is this really a .conda?"))
	}
	if err := a.list(info, nil); err != nil {
		return err
	}
	if pkg.comp == compNone {
		if err := a.list(pkg, nil); err != nil {
			return err
		}
	}
	pkg.big = !pkg.complete
	return a.finishContainer()
}

// finishContainer ends Open for a container: the problems found so far
// are the base of every later listing, and the members are published.
func (a *Artifact) finishContainer() error {
	a.base = a.found
	a.walkMu.Lock()
	defer a.walkMu.Unlock()
	return a.publish()
}

// publish rebuilds the member and problem lists from the members outside
// tar streams and the members each stream has listed so far, and checks
// them as a zip's are checked (duplicates, names that collide on some
// systems). The caller holds walkMu.
func (a *Artifact) publish() error {
	all := slices.Clone(a.plain)
	for _, st := range a.streams {
		for _, m := range st.known {
			if m != nil {
				all = append(all, m)
			}
		}
	}
	s := &Artifact{Path: a.Path, lim: a.lim, members: all}
	s.found.addAll(a.base)
	for _, st := range a.streams {
		s.found.addAll(st.problems)
	}
	if err := s.checkMembers(); err != nil {
		return err // s.fail names a.Path
	}
	a.mu.Lock()
	a.members, a.problems = s.members, s.found.sorted()
	a.mu.Unlock()
	return nil
}

// Streamed reports whether some member data is reachable efficiently only
// through [Artifact.Walk]: the artifact holds a compressed tar stream that
// Open did not list (a .conda's pkg tar, a .deb's data tar, a compressed
// tarball). Its members are in [Artifact.Members] only once a Walk has
// returned nil, and [Member.Open] on them decodes the stream up to the
// member each time.
func (a *Artifact) Streamed() bool {
	return slices.ContainsFunc(a.streams, func(st *stream) bool { return st.big })
}

// MetadataFile returns a metadata file that Open kept in memory, by its
// inner path (see [Member.Inner]): a conda package's info/index.json,
// info/paths.json, info/files, info/run_exports.json and info/about.json,
// and a .deb's control, shlibs and symbols (from its control tar). For a
// directory it reads the regular file at that path relative to the
// directory, if it is a member. Each file is at most
// [Limits.MaxMetadataSize] bytes; a larger one is a [Problem], not kept.
// MetadataFile returns false when the artifact has no such file. The
// bytes are shared: do not modify them.
func (a *Artifact) MetadataFile(inner string) ([]byte, bool) {
	if a.Kind == KindDir {
		m := a.Member(inner)
		if m == nil || m.Link != "" || m.Size > a.lim.MaxMetadataSize {
			return nil, false
		}
		b, err := m.ReadAll(a.lim.MaxMetadataSize)
		return b, err == nil
	}
	b, ok := a.meta[inner]
	return b, ok
}
