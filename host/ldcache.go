package host

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
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
	// subdirectory (DL_CACHE_HWCAP_EXTENSION).
	hwcapExtension = 1 << 62
)

// cacheEntry maps a soname to a library path.
type cacheEntry struct {
	soname, path string
}

// parseLDCache decodes an ld.so.cache file, returning its entries in file
// order (ld.so's search order for equal sonames). Only the new format's
// entries are used when it is present; a file with only the old format is
// decoded from that.
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
	return readEntries(data, newStart+newHeaderSize, n, newEntrySize, newStart, bo)
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
		// New-format entries with the hwcap extension bit are
		// glibc-hwcaps subdirectory copies (x86-64-v3, ...), which libvet
		// does not choose between: the baseline entry follows.
		if entSize == newEntrySize && bo.Uint64(e[16:])&hwcapExtension != 0 {
			continue
		}
		key, ok1 := str(bo.Uint32(e[4:]))
		val, ok2 := str(bo.Uint32(e[8:]))
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("ld.so.cache: entry %d has a string outside the file", k)
		}
		out = append(out, cacheEntry{soname: key, path: val})
	}
	return out, nil
}
