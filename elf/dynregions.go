package elf

import (
	"debug/elf"
	"io"
	"slices"
)

// dynSpanSlack is how much of a dynamic table [DynamicRegions] keeps when
// its size is recorded nowhere (version needs and definitions, hash
// tables, without section headers) and no other table follows it.
const dynSpanSlack = 1 << 20

// DynamicRegions returns the byte ranges of the tables that PT_DYNAMIC
// points to: dynamic strings, dynamic symbols, symbol versions, version
// needs and definitions, and the hash tables. r must hold at least the
// ranges [Regions] returns. It is the second step of a two-pass streaming
// read: when a first pass that kept [Regions] plus a prefix of the file
// was not enough for NewFile, a second pass that keeps these ranges is.
//
// Each table's size comes from DT_STRSZ or the section headers when they
// record it; otherwise a table reaches to the next table's start, or a
// fixed slack past its own start when it is the last one. Tables need not
// be adjacent: tools such as patchelf move .dynstr to the end of the file.
func DynamicRegions(r io.ReaderAt, size int64) ([]Region, error) {
	usize := uint64(size)
	ident := make([]byte, ehdr64Size)
	n, err := r.ReadAt(ident, 0)
	if n < ehdr32Size {
		return nil, readErr(err, 0, ehdr64Size, "ELF header")
	}
	h, err := parseHeader(ident[:n])
	if err != nil {
		return nil, err
	}
	if h.phnum == 0 || !fileRange(h.phoff, h.phnum*h.phentsize, usize) {
		return nil, formatErr(h.phoff, "no program headers to find the dynamic tables", h.phnum)
	}
	ph := make([]byte, h.phnum*h.phentsize)
	if _, err := r.ReadAt(ph, int64(h.phoff)); err != nil {
		return nil, readErr(err, h.phoff, uint64(len(ph)), "program headers")
	}
	progs := parseProgs(h, ph)
	var dyn *prog
	for i := range progs {
		if progs[i].typ == elf.PT_DYNAMIC {
			dyn = &progs[i]
			break
		}
	}
	if dyn == nil {
		return nil, nil
	}
	if dyn.filesz > maxDynamic || !fileRange(dyn.off, dyn.filesz, usize) {
		return nil, formatErr(dyn.off, "PT_DYNAMIC outside the file", dyn.filesz)
	}
	db := make([]byte, dyn.filesz)
	if _, err := r.ReadAt(db, int64(dyn.off)); err != nil {
		return nil, readErr(err, dyn.off, dyn.filesz, "dynamic segment")
	}

	toOff := func(addr uint64) (uint64, bool) {
		for _, p := range progs {
			if p.typ == elf.PT_LOAD && addr >= p.vaddr && addr-p.vaddr < p.filesz {
				// A table must start inside the file; the sum may also wrap.
				if off := p.off + (addr - p.vaddr); off >= p.off && off < usize {
					return off, true
				}
			}
		}
		return 0, false
	}
	entSize := uint64(dyn32Size)
	if h.is64() {
		entSize = dyn64Size
	}
	var (
		starts []uint64
		strOff uint64
		strSz  uint64
	)
	for i := uint64(0); i+entSize <= uint64(len(db)); i += entSize {
		var tag, val uint64
		if h.is64() {
			tag, val = h.bo.Uint64(db[i:]), h.bo.Uint64(db[i+8:])
		} else {
			tag, val = uint64(h.bo.Uint32(db[i:])), uint64(h.bo.Uint32(db[i+4:]))
		}
		switch elf.DynTag(tag) {
		case elf.DT_NULL:
			i = uint64(len(db))
		case elf.DT_STRSZ:
			strSz = val
		case elf.DT_STRTAB, elf.DT_SYMTAB, elf.DT_HASH, elf.DT_GNU_HASH, elf.DT_VERSYM, elf.DT_VERNEED, elf.DT_VERDEF:
			off, ok := toOff(val)
			if !ok {
				continue
			}
			starts = append(starts, off)
			if elf.DynTag(tag) == elf.DT_STRTAB {
				strOff = off
			}
		}
	}
	if len(starts) == 0 {
		return nil, nil
	}
	sizes := map[uint64]uint64{} // table start -> size, when recorded
	if strSz > 0 {
		sizes[strOff] = strSz
	}
	// Section headers, when the first pass kept them, give exact sizes.
	if h.shnum > 0 && h.shnum <= maxSections && fileRange(h.shoff, h.shnum*h.shentsize, usize) {
		sh := make([]byte, h.shnum*h.shentsize)
		if _, err := r.ReadAt(sh, int64(h.shoff)); err == nil {
			for i := uint64(0); i < h.shnum; i++ {
				s := parseSection(h, sh[i*h.shentsize:])
				if slices.Contains(starts, s.off) && s.typ != elf.SHT_NOBITS {
					sizes[s.off] = max(sizes[s.off], s.size)
				}
			}
		}
	}
	// A table without a recorded size reaches to the next table, or a
	// fixed slack past its start when it is the last one.
	slices.Sort(starts)
	starts = slices.Compact(starts)
	var rs []Region
	for i, off := range starts {
		n, ok := sizes[off]
		if !ok {
			n = dynSpanSlack
			if i+1 < len(starts) {
				n = min(n, starts[i+1]-off)
			}
		}
		n = min(n, usize-off)
		if n > 0 {
			rs = append(rs, Region{Off: int64(off), Len: int64(n)})
		}
	}
	return rs, nil
}
