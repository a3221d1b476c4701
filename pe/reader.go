package pe

import (
	"encoding/binary"
	"fmt"
	"io"
	"sort"
)

// hex prints an address or size in hexadecimal inside a FormatError.
type hex uint64

func (h hex) String() string { return fmt.Sprintf("%#x", uint64(h)) }

const (
	blockShift = 14
	blockSize  = 1 << blockShift // bytes per cached block
	cacheSlots = 32              // direct-mapped cache: 512 KiB at most
)

// block is one cached, block-aligned piece of the file.
type block struct {
	idx  int64 // block number + 1; 0 means empty
	data []byte
}

// reader reads the file through a small direct-mapped block cache, so
// that the many small reads of descriptor, thunk and name tables, which
// cluster in a few pages, cost few ReadAt calls.
type reader struct {
	r     io.ReaderAt
	size  int64
	cache [cacheSlots]block
	buf   []byte // scratch for reads that span blocks or are zero-filled
}

// readAt returns the n bytes at off. The slice is only valid until the
// next call. n must be at most maxRead.
func (rd *reader) readAt(off int64, n int, what string) ([]byte, error) {
	if off < 0 || n < 0 || off > rd.size || int64(n) > rd.size-off {
		return nil, formatErr(off, what+" past end of file", n)
	}
	if n == 0 {
		return nil, nil
	}
	bi := off >> blockShift
	if (off+int64(n)-1)>>blockShift == bi {
		b, err := rd.block(bi, what)
		if err != nil {
			return nil, err
		}
		lo := int(off - bi<<blockShift)
		if lo+n > len(b) {
			return nil, formatErr(off, "unexpected end of file reading "+what, n)
		}
		return b[lo : lo+n], nil
	}
	buf := rd.scratch(n)
	if m, err := rd.r.ReadAt(buf, off); m < n {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, readErr(err, off, n, what)
	}
	return buf, nil
}

// block returns cached block bi, reading it if needed.
func (rd *reader) block(bi int64, what string) ([]byte, error) {
	slot := &rd.cache[bi%cacheSlots]
	if slot.idx == bi+1 {
		return slot.data, nil
	}
	start := bi << blockShift
	n := int64(blockSize)
	if rd.size-start < n {
		n = rd.size - start
	}
	if cap(slot.data) < blockSize {
		slot.data = make([]byte, blockSize)
	}
	slot.idx = 0
	data := slot.data[:n]
	if m, err := rd.r.ReadAt(data, start); int64(m) < n {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, readErr(err, start, int(n), what)
	}
	slot.idx, slot.data = bi+1, data
	return data, nil
}

// scratch returns a reusable buffer of n bytes.
func (rd *reader) scratch(n int) []byte {
	if cap(rd.buf) < n {
		rd.buf = make([]byte, n)
	}
	return rd.buf[:n]
}

// span maps a range of RVAs to the file: the first raw bytes come from the
// file at off, the rest of the virtual size reads as zeros, as the loader
// maps it.
type span struct {
	va    uint64 // first RVA
	vsize uint64 // bytes of address space
	off   int64  // file offset of the first byte
	raw   uint64 // bytes backed by the file, <= vsize
}

// spans maps RVAs through the section table (plus the headers, mapped at
// RVA 0). It is sorted by va; a lookup uses the last span starting at or
// below the RVA, so where sections overlap the higher start wins.
type spans []span

func newSpans(secs []Section, sizeOfHeaders uint32, fileAlign uint32, size int64) spans {
	var m spans
	if sizeOfHeaders > 0 {
		h := uint64(sizeOfHeaders)
		raw := h
		if uint64(size) < raw {
			raw = uint64(size)
		}
		m = append(m, span{va: 0, vsize: h, off: 0, raw: raw})
	}
	for _, s := range secs {
		vsize := uint64(s.VirtualSize)
		if vsize == 0 {
			vsize = uint64(s.Size)
		}
		if vsize == 0 {
			continue
		}
		off := int64(s.Offset)
		if fileAlign >= 0x200 {
			off &^= 0x1ff // the loader rounds PointerToRawData down (pefile does too)
		}
		raw := uint64(s.Size)
		if s.Offset == 0 {
			raw = 0 // uninitialized data
		}
		if raw > vsize {
			raw = vsize
		}
		m = append(m, span{va: uint64(s.VirtualAddress), vsize: vsize, off: off, raw: raw})
	}
	sort.SliceStable(m, func(i, j int) bool { return m[i].va < m[j].va })
	return m
}

// find returns the span holding rva.
func (m spans) find(rva uint64) (span, bool) {
	i := sort.Search(len(m), func(i int) bool { return m[i].va > rva }) - 1
	if i < 0 || rva-m[i].va >= m[i].vsize {
		return span{}, false
	}
	return m[i], true
}

// maxRead caps any single RVA read: the largest table read in one piece
// is an export address table of 65536 entries.
const maxRead = 1 << 18

// readRVA returns the n bytes at rva, which must lie within one section
// (or the headers). Bytes past the section's raw data read as zeros. at
// is the file offset of the field that held rva, for errors. The slice is
// only valid until the next read.
func (d *decoder) readRVA(rva uint64, n int, what string, at int64) ([]byte, error) {
	s, ok := d.spans.find(rva)
	if !ok {
		return nil, d.unmapped(rva, what, at)
	}
	rel := rva - s.va
	if n > maxRead || uint64(n) > s.vsize-rel {
		return nil, formatErr(at, what+" runs past the end of its section", hex(rva))
	}
	if rel+uint64(n) <= s.raw {
		return d.rd.readAt(s.off+int64(rel), n, what)
	}
	var fromFile int
	if rel < s.raw {
		fromFile = int(s.raw - rel)
	}
	var b []byte
	if fromFile > 0 {
		var err error
		if b, err = d.rd.readAt(s.off+int64(rel), fromFile, what); err != nil {
			return nil, err
		}
	}
	out := make([]byte, n) // zero-filled tail: rare, so not pooled
	copy(out, b)
	return out, nil
}

// unmapped returns the error for an RVA that no span maps, telling apart
// a table that runs off the end of its section.
func (d *decoder) unmapped(rva uint64, what string, at int64) error {
	if s, ok := d.spans.find(rva - 1); ok && rva > 0 && rva == s.va+s.vsize {
		return formatErr(at, what+" runs past the end of its section", hex(rva))
	}
	return formatErr(at, what+" address not in any section", hex(rva))
}

// cstring returns the NUL-terminated string at rva. Strings are cached by
// RVA, so names shared by many thunks cost their bytes once; the total
// decoded string bytes are capped by d.strBudget.
func (d *decoder) cstring(rva uint64, what string, at int64) (string, error) {
	if s, ok := d.strs[rva]; ok {
		return s, nil
	}
	s, err := d.cstringNoCache(rva, what, at)
	if err == nil {
		d.strs[rva] = s
	}
	return s, err
}

// cstringNoCache is cstring for strings that are rarely shared (export
// names): they still count against the budget but are not cached.
func (d *decoder) cstringNoCache(rva uint64, what string, at int64) (string, error) {
	s, ok := d.spans.find(rva)
	if !ok {
		return "", d.unmapped(rva, what, at)
	}
	rel := rva - s.va
	var out []byte
	for {
		if rel >= s.vsize {
			return "", formatErr(at, "unterminated "+what, hex(rva))
		}
		if rel >= s.raw {
			break // the zero-filled tail terminates the string
		}
		off := s.off + int64(rel)
		n := blockSize - int(off&(blockSize-1))
		if uint64(n) > s.raw-rel {
			n = int(s.raw - rel)
		}
		b, err := d.rd.readAt(off, n, what)
		if err != nil {
			return "", err
		}
		i := 0
		for i < len(b) && b[i] != 0 {
			i++
		}
		if len(out)+i > maxName {
			return "", formatErr(at, what+" too long", hex(rva))
		}
		if out == nil && i < len(b) {
			out = b[:i] // the common case: one piece, copied once below
			break
		}
		out = append(out, b[:i]...)
		if i < len(b) {
			break
		}
		rel += uint64(n)
	}
	d.strBudget -= int64(len(out)) + 1
	if d.strBudget < 0 {
		return "", formatErr(at, "too much name data", nil)
	}
	return string(out), nil
}

var le = binary.LittleEndian
