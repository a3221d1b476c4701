package host

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// rpm header tags that libvet reads (rpm's rpmtag.h).
const (
	rpmTagImmutable      = 63 // the region of a header as it was signed
	rpmTagName           = 1000
	rpmTagVersion        = 1001
	rpmTagRelease        = 1002
	rpmTagEpoch          = 1003
	rpmTagArch           = 1022
	rpmTagOldFilenames   = 1027
	rpmTagProvideName    = 1047
	rpmTagRequireName    = 1049
	rpmTagProvideVersion = 1113
	rpmTagDirIndexes     = 1116
	rpmTagBasenames      = 1117
	rpmTagDirNames       = 1118
)

// rpm header data types.
const (
	rpmTypeInt32       = 4
	rpmTypeString      = 6
	rpmTypeBin         = 7
	rpmTypeStringArray = 8
	rpmTypeI18NString  = 9
)

// Limits of rpm's own header reader (header.c): at most 0xffff index
// entries and 256 MiB of data.
const (
	rpmMaxEntries = 0xffff
	rpmMaxData    = 256 << 20
)

// An rpmHeader is a header blob as the rpm database stores it: big-endian
// il (entries) and dl (data bytes), il 16-byte index entries {tag, type,
// offset, count}, then the data store. Unlike a header in a .rpm file it
// has no magic. The first entry of an installed package's header is
// usually the region tag 63 (HEADER_IMMUTABLE), whose data, the region
// trailer, covers the entries of the package as built; entries that rpm
// added at install time follow it, and replace a region entry of the
// same tag.
type rpmHeader struct {
	data    []byte              // the data store
	entries map[uint32]rpmEntry // by tag; the last entry of a tag wins
}

type rpmEntry struct {
	typ, off, count uint32
}

// parseRPMHeader checks the structure of a header blob: its sizes, and
// that every entry of a type libvet reads lies within the data store.
func parseRPMHeader(b []byte) (*rpmHeader, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("rpm header: %d bytes, shorter than its 8-byte preamble", len(b))
	}
	il, dl := binary.BigEndian.Uint32(b), binary.BigEndian.Uint32(b[4:])
	if il == 0 || il > rpmMaxEntries || dl > rpmMaxData {
		return nil, fmt.Errorf("rpm header: %d entries and %d data bytes, out of range", il, dl)
	}
	start := 8 + 16*uint64(il)
	if uint64(len(b)) < start+uint64(dl) {
		return nil, fmt.Errorf("rpm header: %d entries and %d data bytes need %d bytes, have %d", il, dl, start+uint64(dl), len(b))
	}
	h := &rpmHeader{data: b[start : start+uint64(dl)], entries: make(map[uint32]rpmEntry, il)}
	for i := range uint64(il) {
		e := b[8+16*i:]
		tag := binary.BigEndian.Uint32(e)
		ent := rpmEntry{typ: binary.BigEndian.Uint32(e[4:]), off: binary.BigEndian.Uint32(e[8:]), count: binary.BigEndian.Uint32(e[12:])}
		if tag == rpmTagImmutable {
			// The region trailer is 16 bytes of BIN data: an entry whose
			// negative offset points back at the region's entries.
			if ent.typ != rpmTypeBin || ent.count != 16 || uint64(ent.off)+16 > uint64(dl) {
				return nil, fmt.Errorf("rpm header: entry %d: bad region tag (type %d, offset %d, count %d)", i, ent.typ, ent.off, ent.count)
			}
			continue
		}
		if tag < rpmTagName {
			continue // signature and other region tags
		}
		if err := h.check(ent); err != nil {
			return nil, fmt.Errorf("rpm header: entry %d (tag %d): %w", i, tag, err)
		}
		h.entries[tag] = ent
	}
	return h, nil
}

// check validates an entry's offset and count against the data store for
// the types libvet decodes; other types are skipped when read.
func (h *rpmHeader) check(e rpmEntry) error {
	dl := uint64(len(h.data))
	off, n := uint64(e.off), uint64(e.count)
	if off > dl {
		return fmt.Errorf("offset %d past the %d-byte data store", off, dl)
	}
	switch e.typ {
	case rpmTypeInt32:
		if n == 0 || n*4 > dl-off {
			return fmt.Errorf("%d int32 values at offset %d do not fit in the %d-byte data store", n, off, dl)
		}
	case rpmTypeString, rpmTypeStringArray, rpmTypeI18NString:
		if n == 0 || n > dl-off || e.typ == rpmTypeString && n != 1 {
			return fmt.Errorf("%d strings at offset %d do not fit in the %d-byte data store", n, off, dl)
		}
	}
	return nil
}

// stringArray returns the values of a STRING, STRING_ARRAY or I18NSTRING
// entry (of an I18NSTRING only the first, untranslated, value is used by
// callers); nil when the header has no such tag.
// maxRPMStrings bounds the strings of one tag: the largest real packages
// (texlive, kernel modules) list about 200,000 files.
const maxRPMStrings = 1 << 21

func (h *rpmHeader) stringArray(tag uint32) ([]string, error) {
	e, ok := h.entries[tag]
	if !ok {
		return nil, nil
	}
	if e.typ != rpmTypeString && e.typ != rpmTypeStringArray && e.typ != rpmTypeI18NString {
		return nil, fmt.Errorf("tag %d: type %d, not a string", tag, e.typ)
	}
	// Each string costs a 16-byte header however short it is: a header of
	// millions of empty names would otherwise make gigabytes of them.
	if e.count > maxRPMStrings {
		return nil, fmt.Errorf("tag %d: %d strings, more than the %d libvet reads in one tag", tag, e.count, maxRPMStrings)
	}
	rest := h.data[e.off:]
	var out []string // not preallocated: a hostile count is checked string by string
	for i := range e.count {
		end := bytes.IndexByte(rest, 0)
		if end < 0 {
			return nil, fmt.Errorf("tag %d: string %d of %d is not NUL-terminated", tag, i, e.count)
		}
		out, rest = append(out, string(rest[:end])), rest[end+1:]
	}
	return out, nil
}

// firstString returns the first value of a string tag, "" when there is none.
func (h *rpmHeader) firstString(tag uint32) (string, error) {
	s, err := h.stringArray(tag)
	if err != nil || len(s) == 0 {
		return "", err
	}
	return s[0], nil
}

// int32s returns the values of an INT32 entry; nil when the header has no
// such tag.
func (h *rpmHeader) int32s(tag uint32) ([]uint32, error) {
	e, ok := h.entries[tag]
	if !ok {
		return nil, nil
	}
	if e.typ != rpmTypeInt32 {
		return nil, fmt.Errorf("tag %d: type %d, not int32", tag, e.typ)
	}
	out := make([]uint32, e.count)
	for i := range out {
		out[i] = binary.BigEndian.Uint32(h.data[uint64(e.off)+4*uint64(i):])
	}
	return out, nil
}

// rpmHeaderInfo is what libvet takes from an installed package's header.
type rpmHeaderInfo struct {
	name, version, release, arch string
	epoch                        *uint32
	provides, provideVersions    []string
	requires                     []string
	files                        []string // absolute paths
}

// decode reads the tags libvet uses; file names are dirnames[dirindexes[i]]
// + basenames[i], or the old uncompressed OLDFILENAMES.
func (h *rpmHeader) decode() (*rpmHeaderInfo, error) {
	var info rpmHeaderInfo
	var err error
	str := func(tag uint32, dst *string) {
		if err == nil {
			*dst, err = h.firstString(tag)
		}
	}
	strs := func(tag uint32, dst *[]string) {
		if err == nil {
			*dst, err = h.stringArray(tag)
		}
	}
	str(rpmTagName, &info.name)
	str(rpmTagVersion, &info.version)
	str(rpmTagRelease, &info.release)
	str(rpmTagArch, &info.arch)
	strs(rpmTagProvideName, &info.provides)
	strs(rpmTagProvideVersion, &info.provideVersions)
	strs(rpmTagRequireName, &info.requires)
	var base, dirs []string
	strs(rpmTagBasenames, &base)
	strs(rpmTagDirNames, &dirs)
	if err != nil {
		return nil, err
	}
	if info.name == "" {
		return nil, fmt.Errorf("no NAME tag")
	}
	epoch, err := h.int32s(rpmTagEpoch)
	if err != nil {
		return nil, err
	}
	if len(epoch) > 0 {
		info.epoch = &epoch[0]
	}
	idx, err := h.int32s(rpmTagDirIndexes)
	if err != nil {
		return nil, err
	}
	if len(idx) != len(base) {
		return nil, fmt.Errorf("%d BASENAMES but %d DIRINDEXES", len(base), len(idx))
	}
	// Joining shared directory names to base names can make far more text
	// than the header holds; a real header's paths are a few times its
	// size at most.
	budget := max(1<<20, 32*len(h.data))
	info.files = make([]string, 0, min(len(base), budget/16))
	for i, b := range base {
		if int64(idx[i]) >= int64(len(dirs)) {
			return nil, fmt.Errorf("file %q: directory index %d of %d DIRNAMES", b, idx[i], len(dirs))
		}
		d := dirs[idx[i]]
		if budget -= len(d) + len(b) + 16; budget < 0 { // 16: the string's header
			return nil, fmt.Errorf("file names longer than %d bytes in all", max(1<<20, 32*len(h.data)))
		}
		info.files = append(info.files, d+b)
	}
	if len(base) == 0 {
		old, err := h.stringArray(rpmTagOldFilenames)
		if err != nil {
			return nil, err
		}
		info.files = old
	}
	return &info, nil
}
