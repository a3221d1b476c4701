// Package bdb reads the key/data pairs of a Berkeley DB hash database
// file (the "hash" access method of Berkeley DB 4 and 5) without the
// library: the metadata page, the bucket pages and their overflow-bucket
// chains, and the overflow pages of big items. libvet uses it to read
// rpm's Packages file (RHEL 8 and older), whose data items are rpm
// headers.
//
// Every page number, item offset and length is checked against the file
// before it is used; a page chain that visits a page twice is reported
// as malformed. The largest item it reads is [MaxItem] bytes, so memory
// stays bounded on hostile input.
//
// # Limitations
//
//   - Hash databases only: not B-tree, recno or queue ones.
//   - No encrypted databases and none with page checksums (rpm uses
//     neither); off-page duplicate sets (H_OFFDUP) and the external files
//     of Berkeley DB 6 (H_BLOB) are refused. On-page duplicates are
//     passed as several pairs with the same key.
//   - The environment's log and region files are not read: what is not
//     yet written to the database file is not seen.
package bdb

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"

	"github.com/libvet/libvet/internal/binio"
)

// MaxItem is the largest key or data item, in bytes, that [Hash.Scan]
// reads; a larger one is a *FormatError.
const MaxItem = 256 << 20

// FormatError reports a malformed, truncated or unsupported database
// file. Offset is the file offset of the offending structure.
type FormatError struct {
	Offset int64  // file offset of the offending structure
	Msg    string // what is wrong, lowercase
	Val    any    // the offending value, or nil
}

// Error returns "bdb: <msg> '<val>' at offset 0x<offset>", leaving out
// the value when Val is nil.
func (e *FormatError) Error() string { return binio.FormatMessage("bdb", e.Msg, e.Val, e.Offset) }

func formatErr(off uint64, msg string, val any) error {
	o := int64(off)
	if o < 0 {
		o = -1
	}
	return &FormatError{Offset: o, Msg: msg, Val: val}
}

// Page types and item types (Berkeley DB's db_page.h).
const (
	pageHashUnsorted = 2
	pageOverflow     = 7
	pageHashMeta     = 8
	pageHash         = 13

	itemKeyData   = 1 // H_KEYDATA: the bytes follow
	itemDuplicate = 2 // H_DUPLICATE: an on-page duplicate set
	itemOffPage   = 3 // H_OFFPAGE: the bytes are on overflow pages
	itemOffDup    = 4 // H_OFFDUP
	itemBlob      = 5 // H_BLOB (Berkeley DB 6)

	hashMagic   = 0x061561
	pageHdrSize = 26 // the generic page header
)

// A Hash is an open hash database file.
type Hash struct {
	r         binio.Reader
	order     binary.ByteOrder // the byte order of the machine that wrote the file
	pageSize  uint64
	pages     uint64 // pages in the file
	maxBucket uint32
	spares    [32]uint32
}

// Open reads the metadata page of the hash database file r of the given
// size.
func Open(r io.ReaderAt, size int64) (*Hash, error) {
	if size < 0 {
		return nil, formatErr(0, "negative file size", size)
	}
	h := &Hash{r: binio.Reader{R: r, Size: uint64(size), Max: 1 << 16, Probe: 1 << 16, Name: "bdb", Format: formatErr}}
	m, err := h.r.Read(0, 512, "metadata page")
	if err != nil {
		return nil, err
	}
	switch {
	case binary.LittleEndian.Uint32(m[12:]) == hashMagic:
		h.order = binary.LittleEndian
	case binary.BigEndian.Uint32(m[12:]) == hashMagic:
		h.order = binary.BigEndian
	default:
		return nil, formatErr(12, "not a Berkeley DB hash database (bad magic)", binary.LittleEndian.Uint32(m[12:]))
	}
	if v := h.order.Uint32(m[16:]); v < 8 || v > 10 {
		return nil, formatErr(16, "unsupported hash version", v)
	}
	ps := uint64(h.order.Uint32(m[20:]))
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return nil, formatErr(20, "page size is not a power of two from 512 to 65536", ps)
	}
	h.pageSize = ps
	if m[24] != 0 {
		return nil, formatErr(24, "encrypted database", m[24])
	}
	if m[25] != pageHashMeta {
		return nil, formatErr(25, "first page is not a hash metadata page", m[25])
	}
	if m[26]&1 != 0 {
		return nil, formatErr(26, "database with page checksums", m[26])
	}
	h.pages = uint64(size) / ps
	h.maxBucket = h.order.Uint32(m[72:])
	if uint64(h.maxBucket) >= h.pages || h.maxBucket >= 1<<31 {
		return nil, formatErr(72, "more buckets than pages", h.maxBucket)
	}
	for i := range h.spares {
		h.spares[i] = h.order.Uint32(m[96+4*i:])
	}
	return h, nil
}

// ByteOrder returns the byte order of the machine that wrote the file,
// in which applications such as rpm also write their integer keys.
func (h *Hash) ByteOrder() binary.ByteOrder { return h.order }

// PageSize returns the database's page size in bytes.
func (h *Hash) PageSize() int { return int(h.pageSize) }

// Scan calls fn for each key/data pair, bucket by bucket and in page
// order within a bucket. The slices are not reused by later pairs. When
// fn returns an error, Scan stops and returns it.
func (h *Hash) Scan(fn func(key, data []byte) error) error {
	s := &scan{h: h, fn: fn, seen: make([]uint64, (h.pages+64)/64)}
	for b := uint32(0); b <= h.maxBucket; b++ {
		// BS_TO_PAGE: bucket b is on page b + spares[⌈log2(b+1)⌉].
		pg := uint64(b) + uint64(h.spares[log2(uint64(b)+1)])
		for pg != 0 {
			next, err := s.hashPage(pg, b)
			if err != nil {
				return err
			}
			pg = next
		}
	}
	return nil
}

// log2 is Berkeley DB's __db_log2: the smallest i with 1<<i ≥ n.
func log2(n uint64) int {
	if n <= 1 {
		return 0
	}
	return bits.Len64(n - 1)
}

type scan struct {
	h    *Hash
	fn   func(key, data []byte) error
	seen []uint64 // bit per page: visited by this scan
}

// visit reads page pg, marking it visited; a page visited twice means a
// cycle or two chains sharing a page.
func (s *scan) visit(pg uint64, what string) ([]byte, uint64, error) {
	off := pg * s.h.pageSize
	if pg == 0 || pg >= s.h.pages {
		return nil, off, formatErr(off, what+" page number out of range", pg)
	}
	if s.seen[pg/64]&(1<<(pg%64)) != 0 {
		return nil, off, formatErr(off, what+" page visited twice (a cycle in the page pointers)", pg)
	}
	s.seen[pg/64] |= 1 << (pg % 64)
	p, err := s.h.r.Read(off, s.h.pageSize, what+" page")
	return p, off, err
}

// hashPage passes the pairs of a bucket page to fn and returns the next
// page of the bucket's chain, 0 at its end.
func (s *scan) hashPage(pg uint64, bucket uint32) (uint64, error) {
	p, base, err := s.visit(pg, fmt.Sprintf("bucket %d", bucket))
	if err != nil {
		return 0, err
	}
	o := s.h.order
	if t := p[25]; t != pageHash && t != pageHashUnsorted {
		return 0, formatErr(base+25, fmt.Sprintf("bucket %d: not a hash page", bucket), t)
	}
	n := int(o.Uint16(p[20:]))
	if n%2 != 0 || pageHdrSize+2*n > len(p) {
		return 0, formatErr(base+20, "bad number of entries on a hash page", n)
	}
	// Items are packed from the end of the page down: item i ends where
	// item i-1 starts.
	end := len(p)
	for i := 0; i < n; i += 2 {
		var item [2][]byte
		var at [2]uint64 // the items' file offsets
		for j := range 2 {
			ptr := pageHdrSize + 2*(i+j)
			start := int(o.Uint16(p[ptr:]))
			if start < pageHdrSize+2*n || start >= end {
				return 0, formatErr(base+uint64(ptr), "item offset out of range", start)
			}
			item[j], at[j], end = p[start:end], base+uint64(start), start
		}
		key, err := s.item(item[0], at[0])
		if err != nil {
			return 0, err
		}
		if item[1][0] == itemDuplicate {
			if err := s.duplicates(key, item[1][1:], at[1]+1); err != nil {
				return 0, err
			}
			continue
		}
		data, err := s.item(item[1], at[1])
		if err != nil {
			return 0, err
		}
		if err := s.fn(key, data); err != nil {
			return 0, err
		}
	}
	return uint64(o.Uint32(p[16:])), nil
}

// item returns the bytes of the key or data item at file offset off.
func (s *scan) item(it []byte, off uint64) ([]byte, error) {
	switch it[0] {
	case itemKeyData:
		return append([]byte(nil), it[1:]...), nil
	case itemOffPage:
		if len(it) < 12 {
			return nil, formatErr(off, "truncated off-page item", nil)
		}
		return s.overflow(uint64(s.h.order.Uint32(it[4:])), uint64(s.h.order.Uint32(it[8:])), off)
	case itemDuplicate, itemOffDup, itemBlob:
		return nil, formatErr(off, "unsupported item type (duplicates or an external file)", it[0])
	}
	return nil, formatErr(off, "bad item type", it[0])
}

// overflow reads an item of n bytes stored on the overflow pages that
// start at page pg.
func (s *scan) overflow(pg, n, off uint64) ([]byte, error) {
	if n > MaxItem {
		return nil, formatErr(off, "item larger than the limit", n)
	}
	if n > s.h.pages*(s.h.pageSize-pageHdrSize) {
		return nil, formatErr(off, "item larger than the file", n)
	}
	out := make([]byte, 0, n)
	for uint64(len(out)) < n {
		p, base, err := s.visit(pg, "overflow")
		if err != nil {
			return nil, err
		}
		if p[25] != pageOverflow {
			return nil, formatErr(base+25, "not an overflow page", p[25])
		}
		// An overflow page's hf_offset is the number of bytes it holds.
		used := uint64(s.h.order.Uint16(p[22:]))
		if used == 0 || used > s.h.pageSize-pageHdrSize || used > n-uint64(len(out)) {
			return nil, formatErr(base+22, "bad overflow page length", used)
		}
		out = append(out, p[pageHdrSize:pageHdrSize+used]...)
		pg = uint64(s.h.order.Uint32(p[16:]))
	}
	return out, nil
}

// duplicates passes each datum of an on-page duplicate set (a sequence
// of length, bytes, length) at file offset off to fn with the key.
func (s *scan) duplicates(key, set []byte, off uint64) error {
	o := s.h.order
	for len(set) > 0 {
		if len(set) < 2 {
			return formatErr(off, "truncated duplicate set", nil)
		}
		n := int(o.Uint16(set))
		if 2+n+2 > len(set) || int(o.Uint16(set[2+n:])) != n {
			return formatErr(off, "bad duplicate length", n)
		}
		if err := s.fn(key, append([]byte(nil), set[2:2+n]...)); err != nil {
			return err
		}
		set, off = set[2+n+2:], off+uint64(2+n+2)
	}
	return nil
}
