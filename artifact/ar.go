package artifact

import (
	"bytes"
	"io"
	"io/fs"
	"strconv"
	"strings"
)

// An ar archive (the container of a .deb) is "!<arch>\n" and then, per
// member, a 60-byte header (name 16, mtime 12, uid 6, gid 6, mode 8,
// size 10, "`\n") and the data, padded to an even offset. dpkg writes
// short names padded with spaces; GNU ar ends names with '/' and keeps
// long ones in a "//" table that "/OFFSET" names point into; BSD ar
// writes "#1/LEN" and puts the name before the data. All three are read.

const (
	arMagic     = "!<arch>\n"
	arHeaderLen = 60
)

// arEntry is one member of an ar archive.
type arEntry struct {
	name      string
	off, size int64 // the data
	mode      fs.FileMode
}

// readAr lists the members of the ar archive in f (size bytes), skipping
// symbol tables and the GNU long-name table. Errors are *Error values.
func (a *Artifact) readAr(f io.ReaderAt, size int64) ([]arEntry, error) {
	var (
		entries   []arEntry
		longNames []byte
		hdr       [arHeaderLen]byte
	)
	for pos := int64(len(arMagic)); pos < size; {
		if size-pos < arHeaderLen {
			return nil, a.fail("", reasonf(ErrTruncated, "truncated ar archive (the member header at offset %d is cut short); re-download the file", pos))
		}
		if _, err := f.ReadAt(hdr[:], pos); err != nil {
			return nil, a.fail("", unwrapPathError(err))
		}
		if string(hdr[58:60]) != "`\n" {
			return nil, a.fail("", reasonf(ErrCorrupt, "corrupt ar archive (bad member header at offset %d); re-download the file", pos))
		}
		n, ok := arNumber(hdr[48:58], 10)
		if !ok {
			return nil, a.fail("", reasonf(ErrCorrupt, "corrupt ar archive (bad size %q in the member header at offset %d); re-download the file", hdr[48:58], pos))
		}
		mode, _ := arNumber(hdr[40:48], 8)
		e := arEntry{off: pos + arHeaderLen, size: n, mode: fs.FileMode(mode & 0o777)}
		if e.size > size-e.off {
			return nil, a.fail("", reasonf(ErrTruncated, "truncated ar archive (the member at offset %d declares %d bytes, past the end of the file); re-download the file", pos, e.size))
		}
		pos = e.off + e.size + e.size&1
		name := strings.TrimRight(string(hdr[:16]), " ")
		switch {
		case name == "/" || name == "/SYM64/": // symbol tables
			continue
		case name == "//": // GNU long names
			if e.size > maxNameBytes {
				return nil, a.fail("", reasonf(ErrTooLarge, "ar long-name table is %s, over %s", humanSize(e.size), humanSize(maxNameBytes)))
			}
			longNames = make([]byte, e.size)
			if _, err := f.ReadAt(longNames, e.off); err != nil {
				return nil, a.fail("", unwrapPathError(err))
			}
			continue
		case strings.HasPrefix(name, "#1/"): // BSD: the name precedes the data
			l, ok := arNumber([]byte(name[3:]), 10)
			if !ok || l > e.size || l > maxNameLen {
				return nil, a.fail("", reasonf(ErrCorrupt, "corrupt ar archive (bad BSD name %q at offset %d); re-download the file", name, e.off-arHeaderLen))
			}
			b := make([]byte, l)
			if _, err := f.ReadAt(b, e.off); err != nil {
				return nil, a.fail("", unwrapPathError(err))
			}
			name = string(bytes.TrimRight(b, "\x00"))
			e.off, e.size = e.off+l, e.size-l
		case len(name) > 1 && name[0] == '/': // GNU: an offset into the long-name table
			o, ok := arNumber([]byte(name[1:]), 10)
			end := -1
			if ok && o < int64(len(longNames)) {
				end = bytes.Index(longNames[o:], []byte("/\n"))
			}
			if end < 0 {
				return nil, a.fail("", reasonf(ErrCorrupt, "corrupt ar archive (long name %q at offset %d is not in the name table); re-download the file", name, e.off-arHeaderLen))
			}
			name = string(longNames[o : o+int64(end)])
		default: // GNU ends short names with '/'
			name = strings.TrimSuffix(name, "/")
		}
		if len(entries) >= a.lim.MaxMembers {
			return nil, a.fail("", reasonf(ErrTooManyMembers, "archive has more than %d entries (Limits.MaxMembers)", a.lim.MaxMembers))
		}
		if why := UnsafeName(name); why != "" {
			return nil, a.fail(name, reasonf(ErrUnsafePath, "unsafe member name (%s); refusing to read it", why))
		}
		if e.name = cleanName(name); e.name == "" || strings.Contains(e.name, "/") {
			return nil, a.fail(name, reasonf(ErrUnsafePath, "unsafe member name (an ar member name has no directories); refusing to read it"))
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// arNumber parses an ar header field: digits in base, padded with
// spaces.
func arNumber(field []byte, base int) (int64, bool) {
	s := strings.TrimRight(string(field), " ")
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, base, 64)
	return n, err == nil
}

// sectionSource reads members stored as they are at m.off in the file:
// an ar member, or a member of an uncompressed tar.
type sectionSource struct{}

func (sectionSource) open(m *Member) (io.ReadCloser, error) {
	return &memberReader{m: m, src: io.NewSectionReader(m.a.f, m.off, m.Size)}, nil
}

func (sectionSource) readerAt(m *Member) (io.ReaderAt, bool) {
	return io.NewSectionReader(m.a.f, m.off, m.Size), true
}
