package host

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path"
)

// The glibc ld.so.cache formats: the old one ("ld.so-1.7.0", 12-byte
// entries), usually followed by the new one ("glibc-ld.so.cache1.1",
// 24-byte entries); glibc 2.32 and later write only the new one.
const (
	oldCacheMagic   = "ld.so-1.7.0"
	newCacheMagic   = "glibc-ld.so.cache1.1"
	oldEntrySize    = 12
	newHeaderSize   = 48
	newEntrySize    = 24
	maxCacheEntries = 1 << 20
	// hwcapExtension marks a new-format entry for a glibc-hwcaps
	// subdirectory (DL_CACHE_HWCAP_EXTENSION); the low 32 bits of its
	// hwcap field index the glibc-hwcaps section of the extensions.
	hwcapExtension = 1 << 62
	// extensionMagic starts the extension directory (cache_extension).
	extensionMagic = 0xeaa42174
	// extensionHWCaps is the tag of the glibc-hwcaps section: an array
	// of string offsets, the subdirectory names.
	extensionHWCaps = 1
	maxExtensions   = 64
)

// cacheEntry maps a soname to a library path.
type cacheEntry struct {
	soname, path string
	// hwcaps is the glibc-hwcaps subdirectory ("x86-64-v3") the entry
	// is for, "" for a plain entry.
	hwcaps string
	// hwIndex is the hwcap field's index into the glibc-hwcaps section,
	// for an entry with the extension bit; -1 for a plain entry.
	hwIndex int64
}

// parseLDCache decodes an ld.so.cache file, returning its entries in file
// order (ld.so's search order for equal sonames), glibc-hwcaps entries
// named by their subdirectory. Only the new format's entries are used
// when it is present; a file with only the old format is decoded from
// that.
func parseLDCache(data []byte) ([]cacheEntry, error) {
	newStart := 0
	if bytes.HasPrefix(data, []byte(oldCacheMagic)) {
		if len(data) < len(oldCacheMagic)+1+4 {
			return nil, errors.New("ld.so.cache: truncated old-format header")
		}
		off := (len(oldCacheMagic) + 1 + 3) &^ 3 // magic, NUL, aligned nlibs
		n := int(binary.NativeEndian.Uint32(data[off:]))
		if n < 0 || n > maxCacheEntries {
			return nil, fmt.Errorf("ld.so.cache: absurd entry count %d", n)
		}
		entries := off + 4
		end := entries + n*oldEntrySize
		if end > len(data) {
			return nil, errors.New("ld.so.cache: old-format entries past the end of the file")
		}
		newStart = (end + 7) &^ 7
		if newStart+len(newCacheMagic) > len(data) || !bytes.Equal(data[newStart:newStart+len(newCacheMagic)], []byte(newCacheMagic)) {
			// Old format only: its string offsets count from the end of
			// the entries.
			return readEntries(data, entries, n, oldEntrySize, end, binary.LittleEndian)
		}
	}
	if !bytes.HasPrefix(data[newStart:], []byte(newCacheMagic)) {
		return nil, errors.New("ld.so.cache: unknown format (no glibc-ld.so.cache1.1 header)")
	}
	h := data[newStart:]
	if len(h) < newHeaderSize {
		return nil, errors.New("ld.so.cache: truncated header")
	}
	// The cache is in the byte order of the system that wrote it; glibc
	// 2.32 and later record it in the flags byte (2 little, 3 big endian).
	var bo binary.ByteOrder = binary.NativeEndian
	switch h[28] & 3 {
	case 2:
		bo = binary.LittleEndian
	case 3:
		bo = binary.BigEndian
	}
	n := int(bo.Uint32(h[20:]))
	if n < 0 || n > maxCacheEntries {
		return nil, fmt.Errorf("ld.so.cache: absurd entry count %d", n)
	}
	// New-format string offsets count from the start of the new header.
	entries, err := readEntries(data, newStart+newHeaderSize, n, newEntrySize, newStart, bo)
	if err != nil {
		return nil, err
	}
	names := hwcapsNames(data, newStart, int(bo.Uint32(h[32:])), bo)
	for i := range entries {
		e := &entries[i]
		if e.hwIndex < 0 {
			continue
		}
		// An index the section does not name falls back to the path's
		// .../glibc-hwcaps/NAME/soname, which ldconfig always writes.
		if e.hwIndex < int64(len(names)) && names[e.hwIndex] != "" {
			e.hwcaps = names[e.hwIndex]
		} else if dir := path.Dir(e.path); path.Base(path.Dir(dir)) == "glibc-hwcaps" {
			e.hwcaps = path.Base(dir)
		}
		if e.hwcaps == "" {
			e.hwcaps = "?" // unnamed: never chosen
		}
	}
	return entries, nil
}

// hwcapsNames reads the glibc-hwcaps subdirectory names from the
// extension directory at off (relative to the new header at base); nil
// when there is none or it is malformed.
func hwcapsNames(data []byte, base, off int, bo binary.ByteOrder) []string {
	at := func(o, n int) []byte {
		if o < 0 || n < 0 || base+o < base || base+o+n > len(data) {
			return nil
		}
		return data[base+o : base+o+n]
	}
	hdr := at(off, 8)
	if off == 0 || hdr == nil || bo.Uint32(hdr) != extensionMagic {
		return nil
	}
	count := int(bo.Uint32(hdr[4:]))
	if count > maxExtensions {
		return nil
	}
	for i := 0; i < count; i++ {
		sec := at(off+8+16*i, 16)
		if sec == nil {
			return nil
		}
		if bo.Uint32(sec) != extensionHWCaps {
			continue
		}
		arr := at(int(bo.Uint32(sec[8:])), int(bo.Uint32(sec[12:])))
		if arr == nil || len(arr)/4 > maxExtensions {
			return nil
		}
		names := make([]string, len(arr)/4)
		for j := range names {
			if o := int(bo.Uint32(arr[4*j:])); o >= 0 && o < len(data)-base {
				if k := bytes.IndexByte(data[base+o:], 0); k >= 0 {
					names[j] = string(data[base+o : base+o+k])
				}
			}
		}
		return names
	}
	return nil
}

// readEntries decodes n entries of size entSize at off, whose key and
// value fields (at +4 and +8) are string offsets from base.
func readEntries(data []byte, off, n, entSize, base int, bo binary.ByteOrder) ([]cacheEntry, error) {
	if off+n*entSize > len(data) {
		return nil, errors.New("ld.so.cache: entries past the end of the file")
	}
	str := func(o uint32) (string, bool) {
		i := base + int(o)
		if int(o) < 0 || i < 0 || i >= len(data) {
			return "", false
		}
		j := bytes.IndexByte(data[i:], 0)
		if j < 0 {
			return "", false
		}
		return string(data[i : i+j]), true
	}
	out := make([]cacheEntry, 0, n)
	for k := 0; k < n; k++ {
		e := data[off+k*entSize:]
		key, ok1 := str(bo.Uint32(e[4:]))
		val, ok2 := str(bo.Uint32(e[8:]))
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("ld.so.cache: entry %d has a string outside the file", k)
		}
		ce := cacheEntry{soname: key, path: val, hwIndex: -1}
		// New-format entries with the hwcap extension bit are for a
		// glibc-hwcaps subdirectory (x86-64-v3, ...): parseLDCache names
		// it from the index.
		if entSize == newEntrySize {
			if hw := bo.Uint64(e[16:]); hw&hwcapExtension != 0 {
				ce.hwIndex = int64(uint32(hw))
			}
		}
		out = append(out, ce)
	}
	return out, nil
}
