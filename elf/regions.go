package elf

import (
	"debug/elf"
	"fmt"

	"github.com/libvet/libvet/internal/binio"
)

// Region is a byte range of a file: Len bytes starting at offset Off.
type Region struct {
	Off, Len int64
}

// HeadSize returns how many leading bytes of a file [Regions] needs: the
// ELF header and the program header table. When head is too short to tell,
// it returns a size to read before asking again (at least the ELF header).
// It fails when head does not start like an ELF file.
func HeadSize(head []byte) (int64, error) {
	if len(head) < len(elf.ELFMAG) {
		if string(head) != elf.ELFMAG[:len(head)] {
			return 0, formatErr(0, "bad magic number", head)
		}
		return ehdr64Size, nil
	}
	need, err := identSize(head)
	if err != nil {
		return 0, err
	}
	if uint64(len(head)) < need {
		return int64(need), nil
	}
	h, err := parseHeader(head)
	if err != nil {
		return 0, err
	}
	return int64(max(h.size, h.phEnd())), nil
}

// Regions returns, sorted and merged, the byte ranges of a file of the
// given size that NewFile reads and that can be located from its first
// bytes: head must hold at least [HeadSize] bytes. They are the ELF header
// and program header table, PT_INTERP, PT_DYNAMIC, the note segments
// searched for the x86 ISA property (x86 files only), and the section
// header table.
//
// Regions is meant for reading a compressed archive member in one
// streaming pass while keeping only what the parser needs. The tables
// PT_DYNAMIC points to (dynamic strings, symbols, symbol versions, version
// needs and definitions, hash tables) cannot be located from the head, nor
// can the note sections and SHT_DYNAMIC section NewFile falls back to in
// files without note segments or PT_DYNAMIC. Section names are never read,
// so nothing near the section name table is needed. Callers should also keep
// a prefix of the file, where linkers put those tables in all but the
// largest libraries. When a table falls outside what the caller kept,
// NewFile returns the caller's ReaderAt error (wrapped); the caller can
// then read the member a second time, keeping the ranges [DynamicRegions]
// finds from what the first pass kept, or all of it.
func Regions(head []byte, size int64) ([]Region, error) {
	hs, err := HeadSize(head)
	if err != nil {
		return nil, err
	}
	if size < hs {
		return nil, formatErr(0, "file too short for ELF and program headers", size)
	}
	if int64(len(head)) < hs {
		return nil, fmt.Errorf("elf: head holds %d bytes, need %d", len(head), hs)
	}
	h, err := parseHeader(head)
	if err != nil {
		return nil, err
	}
	var progs []prog
	if h.phnum > 0 {
		progs = parseProgs(h, head[h.phoff:h.phEnd()])
	}

	usize := uint64(size)
	rs := []Region{{0, hs}}
	add := func(off, n uint64) {
		if off >= usize || n == 0 {
			return
		}
		n = min(n, usize-off)
		rs = append(rs, Region{int64(off), int64(n)})
	}
	interp, dynamic := false, false
	for _, p := range progs {
		switch {
		case p.typ == elf.PT_INTERP && !interp:
			interp = true
			add(p.off, min(p.filesz, maxInterp))
		case p.typ == elf.PT_DYNAMIC && !dynamic:
			dynamic = true
			add(p.off, min(p.filesz, maxDynamic))
		}
	}
	for _, nr := range noteSegments(h, progs) {
		add(nr.off, min(nr.size, maxNote))
	}
	if h.shoff != 0 {
		n := h.shnum
		if n == 0 {
			n = 1 // extended numbering: the count is in section 0
		}
		if n <= maxSections {
			add(h.shoff, n*h.shentsize)
		}
	}
	return mergeRegions(rs), nil
}

// mergeRegions sorts rs and merges overlapping and adjacent ranges.
func mergeRegions(rs []Region) []Region { return binio.MergeRanges(rs) }
