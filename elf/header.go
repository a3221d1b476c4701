package elf

import (
	"debug/elf"
	"encoding/binary"

	"github.com/libvet/libvet/internal/binio"
)

// Sizes of the on-disk structures this package decodes.
const (
	ehdr32Size = 52
	ehdr64Size = 64
	phdr32Size = 32
	phdr64Size = 56
	shdr32Size = 40
	shdr64Size = 64
	sym32Size  = 16
	sym64Size  = 24
	dyn32Size  = 8
	dyn64Size  = 16
)

// Limits on what a file may make NewFile allocate or walk. Real binaries are
// far below each of them; a file beyond one is reported as a *FormatError.
const (
	maxSections   = 1 << 20 // section headers
	maxDynamic    = 1 << 20 // bytes of PT_DYNAMIC (65536 64-bit entries)
	maxInterp     = 1 << 16 // bytes of PT_INTERP
	maxNote       = 1 << 20 // bytes of one note segment or section
	maxTable      = 1 << 30 // bytes of any one table (dynstr, dynsym, ...)
	maxSymbols    = 1 << 24 // dynamic symbols
	maxVerEntries = 1 << 16 // verneed + vernaux (or verdef) records
	maxCache      = 1 << 20 // bytes of a version table section read in one piece
	probeSize     = 1 << 20 // reads larger than this probe their last byte first
)

// header is the decoded ELF file header.
type header struct {
	class     elf.Class
	data      elf.Data
	bo        binary.ByteOrder
	osabi     elf.OSABI
	abiver    uint8
	typ       elf.Type
	machine   elf.Machine
	flags     uint32
	phoff     uint64
	shoff     uint64
	phentsize uint64
	phnum     uint64
	shentsize uint64
	shnum     uint64
	size      uint64 // size of the ELF header itself for this class
}

func (h *header) is64() bool { return h.class == elf.ELFCLASS64 }

// phdrSize is the minimum program header entry size for the class.
func (h *header) phdrSize() uint64 {
	if h.is64() {
		return phdr64Size
	}
	return phdr32Size
}

// shdrSize is the minimum section header entry size for the class.
func (h *header) shdrSize() uint64 {
	if h.is64() {
		return shdr64Size
	}
	return shdr32Size
}

// phEnd returns the end offset of the program header table.
// parseHeader has checked that it cannot overflow.
func (h *header) phEnd() uint64 { return h.phoff + h.phnum*h.phentsize }

// identSize returns the ELF header size implied by b's identification bytes,
// checking the magic number and class on the way.
func identSize(b []byte) (uint64, error) {
	if len(b) < 4 || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F' {
		n := min(len(b), 4)
		return 0, formatErr(0, "bad magic number", b[:n])
	}
	if len(b) <= elf.EI_CLASS {
		return ehdr64Size, nil
	}
	switch elf.Class(b[elf.EI_CLASS]) {
	case elf.ELFCLASS32:
		return ehdr32Size, nil
	case elf.ELFCLASS64:
		return ehdr64Size, nil
	}
	return 0, formatErr(elf.EI_CLASS, "unknown ELF class", elf.Class(b[elf.EI_CLASS]))
}

// parseHeader decodes the ELF header at the start of b.
func parseHeader(b []byte) (*header, error) {
	need, err := identSize(b)
	if err != nil {
		return nil, err
	}
	if uint64(len(b)) < need {
		return nil, formatErr(0, "file too short for ELF header", len(b))
	}
	h := &header{class: elf.Class(b[elf.EI_CLASS]), size: need}
	h.data = elf.Data(b[elf.EI_DATA])
	switch h.data {
	case elf.ELFDATA2LSB:
		h.bo = binary.LittleEndian
	case elf.ELFDATA2MSB:
		h.bo = binary.BigEndian
	default:
		return nil, formatErr(elf.EI_DATA, "unknown ELF data encoding", h.data)
	}
	if v := elf.Version(b[elf.EI_VERSION]); v != elf.EV_CURRENT {
		return nil, formatErr(elf.EI_VERSION, "unknown ELF version", v)
	}
	h.osabi = elf.OSABI(b[elf.EI_OSABI])
	h.abiver = b[elf.EI_ABIVERSION]
	bo := h.bo
	h.typ = elf.Type(bo.Uint16(b[0x10:]))
	h.machine = elf.Machine(bo.Uint16(b[0x12:]))
	var phoffOff, entOff uint64 // offsets of e_phoff and e_phentsize, for errors
	if h.is64() {
		h.phoff = bo.Uint64(b[0x20:])
		h.shoff = bo.Uint64(b[0x28:])
		h.flags = bo.Uint32(b[0x30:])
		h.phentsize = uint64(bo.Uint16(b[0x36:]))
		h.phnum = uint64(bo.Uint16(b[0x38:]))
		h.shentsize = uint64(bo.Uint16(b[0x3a:]))
		h.shnum = uint64(bo.Uint16(b[0x3c:]))
		phoffOff, entOff = 0x20, 0x36
	} else {
		h.phoff = uint64(bo.Uint32(b[0x1c:]))
		h.shoff = uint64(bo.Uint32(b[0x20:]))
		h.flags = bo.Uint32(b[0x24:])
		h.phentsize = uint64(bo.Uint16(b[0x2a:]))
		h.phnum = uint64(bo.Uint16(b[0x2c:]))
		h.shentsize = uint64(bo.Uint16(b[0x2e:]))
		h.shnum = uint64(bo.Uint16(b[0x30:]))
		phoffOff, entOff = 0x1c, 0x2a
	}
	// e_phnum is taken literally, as the dynamic loader does: PN_XNUM
	// (0xffff) is only meaningful in core files. That caps the table at
	// 65535 entries.
	if h.phnum == 0 {
		h.phoff = 0
	} else {
		if h.phentsize < h.phdrSize() {
			return nil, formatErr(entOff, "program header entry size too small", h.phentsize)
		}
		if h.phoff > 1<<62 {
			return nil, formatErr(phoffOff, "invalid program header offset", h.phoff)
		}
	}
	// A section header table needs entries of at least the standard size.
	// An e_shoff left behind with e_shnum and e_shentsize both zero (as
	// some strip tools do) means there is none.
	if h.shoff != 0 && h.shnum == 0 && h.shentsize == 0 {
		h.shoff = 0
	}
	if h.shoff != 0 && h.shentsize < h.shdrSize() {
		return nil, formatErr(entOff+4, "section header entry size too small", h.shentsize)
	}
	if h.shoff == 0 {
		h.shnum = 0
	}
	return h, nil
}

// prog is a decoded program header.
type prog struct {
	typ    elf.ProgType
	flags  elf.ProgFlag
	off    uint64
	vaddr  uint64
	filesz uint64
	memsz  uint64
	align  uint64
}

// parseProgs decodes the program header table; b holds exactly the table.
func parseProgs(h *header, b []byte) []prog {
	bo := h.bo
	progs := make([]prog, h.phnum)
	for i := range progs {
		e := b[uint64(i)*h.phentsize:]
		p := &progs[i]
		p.typ = elf.ProgType(bo.Uint32(e))
		if h.is64() {
			p.flags = elf.ProgFlag(bo.Uint32(e[4:]))
			p.off = bo.Uint64(e[8:])
			p.vaddr = bo.Uint64(e[16:])
			p.filesz = bo.Uint64(e[32:])
			p.memsz = bo.Uint64(e[40:])
			p.align = bo.Uint64(e[48:])
		} else {
			p.off = uint64(bo.Uint32(e[4:]))
			p.vaddr = uint64(bo.Uint32(e[8:]))
			p.filesz = uint64(bo.Uint32(e[16:]))
			p.memsz = uint64(bo.Uint32(e[20:]))
			p.flags = elf.ProgFlag(bo.Uint32(e[24:]))
			p.align = uint64(bo.Uint32(e[28:]))
		}
	}
	return progs
}

// section is a decoded section header.
type section struct {
	typ       elf.SectionType
	flags     elf.SectionFlag
	addr      uint64
	off       uint64
	size      uint64
	addralign uint64
	entsize   uint64
}

// parseSection decodes one section header.
func parseSection(h *header, e []byte) section {
	bo := h.bo
	var s section
	s.typ = elf.SectionType(bo.Uint32(e[4:]))
	if h.is64() {
		s.flags = elf.SectionFlag(bo.Uint64(e[8:]))
		s.addr = bo.Uint64(e[16:])
		s.off = bo.Uint64(e[24:])
		s.size = bo.Uint64(e[32:])
		s.addralign = bo.Uint64(e[48:])
		s.entsize = bo.Uint64(e[56:])
	} else {
		s.flags = elf.SectionFlag(bo.Uint32(e[8:]))
		s.addr = uint64(bo.Uint32(e[12:]))
		s.off = uint64(bo.Uint32(e[16:]))
		s.size = uint64(bo.Uint32(e[20:]))
		s.addralign = uint64(bo.Uint32(e[32:]))
		s.entsize = uint64(bo.Uint32(e[36:]))
	}
	return s
}

// fileRange reports whether [off, off+n) lies within a file of the given size.
func fileRange(off, n, size uint64) bool { return binio.InRange(off, n, size) }
