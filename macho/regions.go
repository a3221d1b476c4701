package macho

import (
	"bytes"
	"encoding/binary"
	"io"
	"slices"

	"github.com/libvet/libvet/internal/binio"
)

// Region is a byte range of a file: Len bytes starting at offset Off.
type Region struct {
	Off, Len int64
}

// planChunk is how much of a table Regions reads at a time.
const planChunk = 64 << 10

// Regions returns, sorted and merged, the byte ranges of a file of the
// given size that [NewFile] reads and that can be located from the bytes
// r holds now. r may hold only part of the file: a read of bytes it does
// not hold may fail with any error.
//
// Regions is for reading a compressed archive member in one streaming
// pass while keeping only what NewFile needs. Each call locates what it
// can from what r holds: the magic number and fat header; from the fat
// architecture table, every slice's mach header; from a mach header, its
// load commands; from LC_SYMTAB and LC_DYSYMTAB, the nlist entries NewFile
// reads (the undefined-symbol range, or the whole table); from those, the
// span of the string table that holds the imported names; and from that,
// the longer reads NewFile makes for names that run past the span. A
// caller that keeps what Regions returns, and asks again each time more
// of the file is held, ends up holding every byte NewFile reads; NewFile
// then decodes the same File from those ranges as from the whole file.
//
// When r holds the nlist entries but not the string table span, and the
// entries lie after the span in the file (so a streaming reader has
// passed it), Regions also returns the up to 1 MiB after the span that
// NewFile may read for a long last name, since it cannot tell from the
// entries alone whether that read will be needed.
//
// Regions never fails and never panics: for a malformed file it returns
// what it could locate (NewFile reports the error). It applies NewFile's
// checks and limits before using a count or size from the file, and reads
// tables a chunk at a time, so it allocates little whatever the file
// claims. Every range lies within [0, size).
func Regions(r io.ReaderAt, size int64) []Region {
	if size <= 0 || r == nil {
		return nil
	}
	p := &planner{r: r, size: uint64(size)}
	func() {
		defer func() { _ = recover() }() // NewFile reports the same problem
		p.plan()
	}()
	return p.regions()
}

// planner collects the ranges NewFile reads.
type planner struct {
	r    io.ReaderAt
	size uint64
	need []Region
	buf  []byte // scratch of planChunk bytes
}

// mark records the n bytes at off, clipped to the file.
func (p *planner) mark(off, n uint64) {
	if off >= p.size || n == 0 {
		return
	}
	n = min(n, p.size-off)
	p.need = append(p.need, Region{Off: int64(off), Len: int64(n)})
}

// get marks the n (at most planChunk) bytes at off and returns them if r
// holds them all. The slice is valid until the next read.
func (p *planner) get(off, n uint64) ([]byte, bool) {
	if n > planChunk || !fileRange(off, n, p.size) {
		return nil, false
	}
	p.mark(off, n)
	return p.read(off, n)
}

// scan marks the n bytes at off and passes them to fn a chunk at a time,
// in order (each chunk a multiple of unit bytes, with its offset from
// off), until fn returns false. It reports whether r held every chunk it
// passed, and fn did not stop it.
func (p *planner) scan(off, n, unit uint64, fn func(b []byte, rel uint64) bool) bool {
	if !fileRange(off, n, p.size) {
		return false
	}
	p.mark(off, n)
	step := planChunk / unit * unit
	for rel := uint64(0); rel < n; rel += step {
		b, ok := p.read(off+rel, min(step, n-rel))
		if !ok || !fn(b, rel) {
			return false
		}
	}
	return true
}

// read returns the n (at most planChunk) bytes at off without marking
// them, if r holds them all.
func (p *planner) read(off, n uint64) ([]byte, bool) {
	if p.buf == nil {
		p.buf = make([]byte, planChunk)
	}
	b := p.buf[:n]
	m, _ := p.r.ReadAt(b, int64(off))
	return b, m == len(b)
}

// held reports whether r holds all n bytes at off.
func (p *planner) held(off, n uint64) bool {
	if !fileRange(off, n, p.size) {
		return false
	}
	for rel := uint64(0); rel < n; rel += planChunk {
		if _, ok := p.read(off+rel, min(planChunk, n-rel)); !ok {
			return false
		}
	}
	return true
}

// regions returns the marked ranges sorted and merged.
func (p *planner) regions() []Region { return slices.Clip(binio.MergeRanges(p.need)) }

// plan follows NewFile's reads: the magic number, the fat header and
// table, and each slice.
func (p *planner) plan() {
	if p.size < 4 {
		return
	}
	b, ok := p.get(0, 4)
	if !ok {
		return
	}
	magic := binary.BigEndian.Uint32(b)
	switch magic {
	case magic32, magic64, cigam32, cigam64:
		p.slice(0, p.size)
		return
	case magicFat, magicFat64:
	default:
		return
	}
	if p.size < fatHdrSize {
		return
	}
	if b, ok = p.get(4, 4); !ok {
		return
	}
	n := uint64(binary.BigEndian.Uint32(b))
	if n == 0 || n > maxFatArches {
		return
	}
	ent := uint64(fatArchSize)
	if magic == magicFat64 {
		ent = fatArch64Size
	}
	tbl, ok := p.get(fatHdrSize, n*ent)
	if !ok {
		return
	}
	tbl = bytes.Clone(tbl)
	end := fatHdrSize + n*ent
	be := binary.BigEndian
	for i := range n {
		e := tbl[i*ent:]
		var off, size uint64
		if magic == magicFat64 {
			off, size = be.Uint64(e[8:]), be.Uint64(e[16:])
		} else {
			off, size = uint64(be.Uint32(e[8:])), uint64(be.Uint32(e[12:]))
		}
		if !fileRange(off, size, p.size) || off < end {
			return // NewFile stops here
		}
		p.slice(off, size)
	}
}

// slicePlan is what the load commands of one slice say about its symbol
// table.
type slicePlan struct {
	base, size             uint64
	bo                     binary.ByteOrder
	is64                   bool
	hasSymtab, hasDysymtab bool
	symoff, nsyms          uint64
	stroff, strsize        uint64
	iundef, nundef         uint64
}

// nlistSize returns the size of one nlist entry of the slice.
func (sp *slicePlan) nlistSize() uint64 {
	if sp.is64 {
		return nlist64Size
	}
	return nlist32Size
}

// slice follows NewFile's reads of the slice of the given size at base.
func (p *planner) slice(base, size uint64) {
	if size < 4 {
		return
	}
	hb, ok := p.get(base, min(size, hdr64Size))
	if !ok {
		return
	}
	sp := &slicePlan{base: base, size: size}
	hs := uint64(hdr32Size)
	switch binary.BigEndian.Uint32(hb) {
	case magic32:
		sp.bo = binary.BigEndian
	case magic64:
		sp.bo, sp.is64, hs = binary.BigEndian, true, hdr64Size
	case cigam32:
		sp.bo = binary.LittleEndian
	case cigam64:
		sp.bo, sp.is64, hs = binary.LittleEndian, true, hdr64Size
	default:
		return
	}
	if size < hs {
		return
	}
	ncmds := uint64(sp.bo.Uint32(hb[16:]))
	sizeofcmds := uint64(sp.bo.Uint32(hb[20:]))
	if sizeofcmds > size-hs || sizeofcmds > maxCmdsSize || ncmds*8 > sizeofcmds {
		return
	}
	at := base + hs
	p.mark(at, sizeofcmds)
	if !p.held(at, sizeofcmds) || !p.loadCommands(sp, at, ncmds, sizeofcmds) {
		return
	}
	p.imports(sp)
}

// loadCommands walks the load commands at file offset at, which r holds,
// with NewFile's structural checks, and notes LC_SYMTAB and LC_DYSYMTAB.
// It reports false where NewFile fails before reading the symbol table.
func (p *planner) loadCommands(sp *slicePlan, at, ncmds, sizeofcmds uint64) bool {
	bo := sp.bo
	off := uint64(0)
	for range ncmds {
		rest := sizeofcmds - off
		if rest < 8 {
			return false
		}
		h, ok := p.read(at+off, 8)
		if !ok {
			return false
		}
		cmd, csize := bo.Uint32(h), uint64(bo.Uint32(h[4:]))
		if csize < 8 || csize%loadCmdAlign != 0 || csize > rest {
			return false
		}
		switch cmd {
		case lcSymtab:
			if csize < 24 || sp.hasSymtab {
				return false
			}
			c, ok := p.read(at+off, 24)
			if !ok {
				return false
			}
			sp.hasSymtab = true
			sp.symoff, sp.nsyms = uint64(bo.Uint32(c[8:])), uint64(bo.Uint32(c[12:]))
			sp.stroff, sp.strsize = uint64(bo.Uint32(c[16:])), uint64(bo.Uint32(c[20:]))
			if sp.nsyms != 0 && !fileRange(sp.symoff, sp.nsyms*sp.nlistSize(), sp.size) ||
				sp.strsize != 0 && !fileRange(sp.stroff, sp.strsize, sp.size) {
				return false
			}
		case lcDysymtab:
			if csize < dysymtabSize || sp.hasDysymtab {
				return false
			}
			c, ok := p.read(at+off, 32)
			if !ok {
				return false
			}
			sp.hasDysymtab = true
			sp.iundef, sp.nundef = uint64(bo.Uint32(c[24:])), uint64(bo.Uint32(c[28:]))
		}
		off += csize
	}
	return true
}

// imports follows NewFile's reads of the symbol and string tables: the
// nlist entries, the string table span holding the imported names, and
// the reads of names that run past that span.
func (p *planner) imports(sp *slicePlan) {
	if !sp.hasSymtab {
		return
	}
	first, count := uint64(0), sp.nsyms
	if sp.hasDysymtab {
		first, count = sp.iundef, sp.nundef
		if count > sp.nsyms || first > sp.nsyms-count {
			return
		}
	}
	if count == 0 {
		return
	}
	nl := sp.nlistSize()
	tabOff, tabLen := sp.base+sp.symoff+first*nl, count*nl
	if tabLen > maxTable {
		return
	}
	// The span of string table indexes of the imported names: the
	// entries NewFile keeps.
	lo, hi, n := sp.strsize, uint64(0), 0
	ok := p.scan(tabOff, tabLen, nl, func(b []byte, _ uint64) bool {
		for e := b; len(e) >= int(nl); e = e[nl:] {
			ntype := e[4]
			var value uint64
			if sp.is64 {
				value = sp.bo.Uint64(e[8:])
			} else {
				value = uint64(sp.bo.Uint32(e[8:]))
			}
			if ntype&0xe0 != 0 || ntype&0x0e != 0 || ntype&0x01 == 0 || value != 0 {
				continue
			}
			strx := uint64(sp.bo.Uint32(e))
			if strx >= sp.strsize {
				return false // NewFile fails here
			}
			lo, hi, n = min(lo, strx), max(hi, strx), n+1
		}
		return true
	})
	if !ok || n == 0 {
		return
	}
	strBase := sp.base + sp.stroff
	end := min(sp.strsize, hi+256)
	if end-lo > maxTable {
		return
	}
	longEnd := min(sp.strsize, hi+maxNameLen) // the furthest a long name's read reaches
	if !p.held(strBase+lo, end-lo) {
		p.mark(strBase+lo, end-lo)
		if tabOff >= strBase+end {
			// The entries lie after the span: a streaming reader has
			// passed it, so ask for the long-name reads now too.
			p.mark(strBase+lo, longEnd-lo)
		}
		return
	}
	p.mark(strBase+lo, end-lo)
	// A name is read whole from the span when a NUL follows its start
	// within it: when it starts at or before the span's last NUL.
	last, found := uint64(0), false
	for e := end; e > lo && !found; {
		s := max(lo, e-min(e, planChunk))
		b, ok := p.read(strBase+s, e-s)
		if !ok {
			return
		}
		if i := bytes.LastIndexByte(b, 0); i >= 0 {
			last, found = s+uint64(i), true
		}
		e = s
	}
	if found && hi <= last {
		return
	}
	// NewFile reads each of the other names alone, up to maxNameLen
	// bytes: from the first such name's start to the furthest end. That
	// start lies in [lo, hi], and [lo, end) is already marked, so marking
	// from lo covers the same bytes.
	p.mark(strBase+lo, longEnd-lo)
}
