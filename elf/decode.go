package elf

import (
	"debug/elf"
	"io"
)

// decoder holds the state of one NewFile call.
type decoder struct {
	r      io.ReaderAt
	size   uint64
	h      *header
	progs  []prog
	sects  []section
	f      *File
	dynOff uint64 // file offset of the dynamic table, for errors
}

// read returns the n bytes at off, checking the range against the file
// size before allocating. Large reads first read their last byte, so that a
// size that overstates the data (or a reader that lacks the range) fails
// before the allocation rather than after.
func (d *decoder) read(off, n uint64, what string) ([]byte, error) {
	r := reader(d.r, d.size)
	return r.Read(off, n, what)
}

func (d *decoder) decode() (*File, error) {
	b, err := d.read(0, min(d.size, ehdr64Size), "ELF header")
	if err != nil {
		return nil, err
	}
	h, err := parseHeader(b)
	if err != nil {
		return nil, err
	}
	d.h = h
	d.f = &File{
		Class:      h.class,
		Data:       h.data,
		Machine:    h.machine,
		OSABI:      h.osabi,
		ABIVersion: h.abiver,
		Type:       h.typ,
		Flags:      h.flags,
	}
	if h.phnum > 0 {
		b, err := d.read(h.phoff, h.phnum*h.phentsize, "program header table")
		if err != nil {
			return nil, err
		}
		d.progs = parseProgs(h, b)
	}
	if err := d.sections(); err != nil {
		return nil, err
	}
	interp := false
	for _, p := range d.progs {
		switch p.typ {
		case elf.PT_INTERP:
			if interp {
				continue // the loader uses the first
			}
			interp = true
			if err := d.interp(p); err != nil {
				return nil, err
			}
		case elf.PT_GNU_STACK:
			d.f.GNUStack = true
			d.f.ExecStack = p.flags&elf.PF_X != 0
		}
	}
	if isX86(h.machine) {
		if err := d.notes(); err != nil {
			return nil, err
		}
	}
	if err := d.dynamic(); err != nil {
		return nil, err
	}
	return d.f, nil
}

// sections reads the section header table, if there is one. NewFile uses
// section headers only to cross-check and size what the program headers
// locate, and to find a note section in a file without PT_NOTE; it never
// reads section names.
func (d *decoder) sections() error {
	h := d.h
	if h.shoff == 0 {
		return nil
	}
	n := h.shnum
	if n == 0 {
		// Extended numbering: the count is in section 0's sh_size.
		b, err := d.read(h.shoff, h.shentsize, "section header 0")
		if err != nil {
			return err
		}
		n = parseSection(h, b).size
		if n == 0 {
			return nil
		}
	}
	if n > maxSections || n > d.size/h.shentsize {
		return formatErr(h.shoff, "too many section headers", n)
	}
	b, err := d.read(h.shoff, n*h.shentsize, "section header table")
	if err != nil {
		return err
	}
	d.sects = make([]section, n)
	for i := range d.sects {
		d.sects[i] = parseSection(h, b[uint64(i)*h.shentsize:])
	}
	return nil
}

// interp reads PT_INTERP.
func (d *decoder) interp(p prog) error {
	if p.filesz > maxInterp {
		return formatErr(p.off, "PT_INTERP too large", p.filesz)
	}
	b, err := d.read(p.off, p.filesz, "PT_INTERP")
	if err != nil {
		return err
	}
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	d.f.Interp = string(b)
	return nil
}

// addrToOff translates a virtual address found in the dynamic table to a
// file offset through the PT_LOAD segments, as the loader would find it in
// memory. A file without PT_LOAD falls back to allocated section headers.
func (d *decoder) addrToOff(addr uint64, what string) (uint64, error) {
	loads := false
	for _, p := range d.progs {
		if p.typ != elf.PT_LOAD {
			continue
		}
		loads = true
		if addr >= p.vaddr && addr-p.vaddr < p.filesz {
			if off := p.off + (addr - p.vaddr); off >= p.off { // else it wrapped
				return off, nil
			}
		}
	}
	if !loads {
		for _, s := range d.sects {
			if s.flags&elf.SHF_ALLOC == 0 || s.typ == elf.SHT_NOBITS {
				continue
			}
			if addr >= s.addr && addr-s.addr < s.size {
				if off := s.off + (addr - s.addr); off >= s.off {
					return off, nil
				}
			}
		}
	}
	return 0, formatErr(d.dynOff, what+" address is not in any loadable segment", addr)
}

// sectionAt returns the first section of type typ whose contents start at
// file offset off, or nil.
func (d *decoder) sectionAt(typ elf.SectionType, off uint64) *section {
	for i := range d.sects {
		s := &d.sects[i]
		if s.typ == typ && s.off == off {
			return s
		}
	}
	return nil
}

// cache holds one table read in full, so that walking records inside it
// needs no further reads. Walks outside it read exactly what they need.
type cache struct {
	off uint64
	b   []byte
}

// at returns the n bytes at file offset off, from c when it holds them.
func (d *decoder) at(c *cache, off, n uint64, what string) ([]byte, error) {
	if c != nil && off >= c.off && fileRange(off-c.off, n, uint64(len(c.b))) {
		rel := off - c.off
		return c.b[rel : rel+n], nil
	}
	return d.read(off, n, what)
}

// sectionCache reads in full the section of type typ starting at off, when
// the section headers have one of a plausible size, for use with at.
func (d *decoder) sectionCache(typ elf.SectionType, off uint64, what string) (*cache, error) {
	s := d.sectionAt(typ, off)
	if s == nil || s.size > maxCache || !fileRange(s.off, s.size, d.size) {
		return nil, nil
	}
	b, err := d.read(s.off, s.size, what)
	if err != nil {
		return nil, err
	}
	return &cache{off: s.off, b: b}, nil
}

func isX86(m elf.Machine) bool { return m == elf.EM_X86_64 || m == elf.EM_386 }
