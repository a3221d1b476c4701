package elf

import (
	"debug/elf"
	"encoding/binary"
	"strings"
)

// synth describes a small dynamic ELF file that build writes byte by byte,
// for either class and byte order. Tests use it to cover machines no local
// toolchain targets and, by patching the result, to craft malformed files.
type synth struct {
	class     elf.Class
	bo        byteOrder
	machine   elf.Machine
	flags     uint32
	interp    string
	needed    []string
	soname    string
	rpath     *string
	runpath   *string
	syms      []synthSym
	needs     []synthNeed
	defs      []synthDef
	isa       uint32 // GNU_PROPERTY_X86_ISA_1_NEEDED; 0 for no note
	execStack bool
	sections  bool     // write section headers
	strOrder  []string // strings to put first in the string table, in this order
}

type synthSym struct {
	name    string
	bind    elf.SymBind
	typ     elf.SymType
	defined bool
	versym  uint16
}

type synthNeed struct {
	file string
	vers []synthVer
}

type synthVer struct {
	name         string
	flags, index uint16
}

type synthDef struct {
	name         string
	index, flags uint16
}

// synthLayout gives the file offsets of what build wrote (offset equals
// virtual address in these files).
type synthLayout struct {
	phoff, dynamic, dynstr, dynsym, versym, verneed, verdef, hash, shoff uint64
	strsz                                                                uint64
}

// byteOrder is what binary.LittleEndian and binary.BigEndian implement.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// buf is a growing ELF image.
type buf struct {
	b    []byte
	bo   byteOrder
	is64 bool
}

func (w *buf) off() uint64 { return uint64(len(w.b)) }
func (w *buf) align(n int) {
	for len(w.b)%n != 0 {
		w.b = append(w.b, 0)
	}
}
func (w *buf) u8(v uint8)   { w.b = append(w.b, v) }
func (w *buf) u16(v uint16) { w.b = w.bo.AppendUint16(w.b, v) }
func (w *buf) u32(v uint32) { w.b = w.bo.AppendUint32(w.b, v) }
func (w *buf) u64(v uint64) { w.b = w.bo.AppendUint64(w.b, v) }
func (w *buf) word(v uint64) {
	if w.is64 {
		w.u64(v)
	} else {
		w.u32(uint32(v))
	}
}

// strtab builds a string table.
type strtab struct {
	b   []byte
	idx map[string]uint32
}

func newStrtab() *strtab { return &strtab{b: []byte{0}, idx: map[string]uint32{"": 0}} }

func (s *strtab) add(v string) uint32 {
	if i, ok := s.idx[v]; ok {
		return i
	}
	i := uint32(len(s.b))
	s.b = append(append(s.b, v...), 0)
	s.idx[v] = i
	return i
}

// elfHash is the SysV ELF hash used in version records.
func elfHash(name string) uint32 {
	var h uint32
	for _, c := range []byte(name) {
		h = h<<4 + uint32(c)
		if g := h & 0xf0000000; g != 0 {
			h ^= g >> 24
		}
		h &^= 0xf0000000
	}
	return h
}

func (s synth) build() ([]byte, synthLayout) {
	is64 := s.class == elf.ELFCLASS64
	w := &buf{bo: s.bo, is64: is64}
	var lay synthLayout
	ehsize, phentsize, shentsize, symsize, dynsize := 52, 32, 40, 16, 8
	if is64 {
		ehsize, phentsize, shentsize, symsize, dynsize = 64, 56, 64, 24, 16
	}
	hashWord := 4
	if is64 && (s.machine == elf.EM_S390 || s.machine == elf.EM_ALPHA) {
		hashWord = 8
	}

	str := newStrtab()
	for _, v := range s.strOrder {
		str.add(v)
	}
	for _, n := range s.needed {
		str.add(n)
	}
	for _, sym := range s.syms {
		str.add(sym.name)
	}
	for _, n := range s.needs {
		str.add(n.file)
		for _, v := range n.vers {
			str.add(v.name)
		}
	}
	for _, d := range s.defs {
		str.add(d.name)
	}
	for _, v := range []*string{s.rpath, s.runpath} {
		if v != nil {
			str.add(*v)
		}
	}
	str.add(s.soname)

	// Program headers: PT_LOAD over the whole file, PT_DYNAMIC, then the
	// optional PT_INTERP and PT_NOTE, and PT_GNU_STACK. Their contents
	// are patched in at the end.
	type ph struct {
		typ        elf.ProgType
		flags      elf.ProgFlag
		off, size  uint64
		align      uint64
		whole, dyn bool
	}
	phs := []ph{{typ: elf.PT_LOAD, flags: elf.PF_R | elf.PF_W | elf.PF_X, align: 0x1000, whole: true}, {typ: elf.PT_DYNAMIC, flags: elf.PF_R | elf.PF_W, align: 8, dyn: true}}
	interpIdx, noteIdx := -1, -1
	if s.interp != "" {
		interpIdx = len(phs)
		phs = append(phs, ph{typ: elf.PT_INTERP, flags: elf.PF_R, align: 1})
	}
	if s.isa != 0 {
		noteIdx = len(phs)
		phs = append(phs, ph{typ: elf.PT_NOTE, flags: elf.PF_R, align: 4})
		if is64 {
			phs[noteIdx].align = 8
		}
	}
	stack := elf.PF_R | elf.PF_W
	if s.execStack {
		stack |= elf.PF_X
	}
	phs = append(phs, ph{typ: elf.PT_GNU_STACK, flags: stack, align: 16})

	w.b = make([]byte, ehsize)
	lay.phoff = w.off()
	w.b = append(w.b, make([]byte, len(phs)*phentsize)...)

	var interpOff, noteOff, noteSize uint64
	if s.interp != "" {
		interpOff = w.off()
		w.b = append(append(w.b, s.interp...), 0)
		phs[interpIdx].off, phs[interpIdx].size = interpOff, uint64(len(s.interp)+1)
	}
	if s.isa != 0 {
		w.align(8)
		noteOff = w.off()
		desc := 12
		if is64 {
			desc = 16
		}
		w.u32(4)
		w.u32(uint32(desc))
		w.u32(ntGNUPropertyType0)
		w.b = append(w.b, "GNU\x00"...)
		w.u32(x86ISANeededProp)
		w.u32(4)
		w.u32(s.isa)
		w.align(int(phs[noteIdx].align))
		noteSize = w.off() - noteOff
		phs[noteIdx].off, phs[noteIdx].size = noteOff, noteSize
	}

	lay.dynstr = w.off()
	lay.strsz = uint64(len(str.b))
	w.b = append(w.b, str.b...)

	w.align(8)
	lay.dynsym = w.off()
	w.b = append(w.b, make([]byte, symsize)...) // null symbol
	for _, sym := range s.syms {
		shndx := uint16(elf.SHN_UNDEF)
		if sym.defined {
			shndx = 2 // .dynsym, any defined section will do
		}
		info := uint8(sym.bind)<<4 | uint8(sym.typ)
		if is64 {
			w.u32(str.add(sym.name))
			w.u8(info)
			w.u8(0)
			w.u16(shndx)
			w.u64(0)
			w.u64(0)
		} else {
			w.u32(str.add(sym.name))
			w.u32(0)
			w.u32(0)
			w.u8(info)
			w.u8(0)
			w.u16(shndx)
		}
	}
	nsyms := len(s.syms) + 1

	versions := len(s.needs) > 0 || len(s.defs) > 0
	if versions {
		w.align(2)
		lay.versym = w.off()
		w.u16(0)
		for _, sym := range s.syms {
			w.u16(sym.versym)
		}
	}
	if len(s.needs) > 0 {
		w.align(4)
		lay.verneed = w.off()
		for i, n := range s.needs {
			next := uint32(16 + 16*len(n.vers))
			if i == len(s.needs)-1 {
				next = 0
			}
			w.u16(1)
			w.u16(uint16(len(n.vers)))
			w.u32(str.add(n.file))
			w.u32(16)
			w.u32(next)
			for j, v := range n.vers {
				next := uint32(16)
				if j == len(n.vers)-1 {
					next = 0
				}
				w.u32(elfHash(v.name))
				w.u16(v.flags)
				w.u16(v.index)
				w.u32(str.add(v.name))
				w.u32(next)
			}
		}
	}
	if len(s.defs) > 0 {
		w.align(4)
		lay.verdef = w.off()
		for i, d := range s.defs {
			next := uint32(28)
			if i == len(s.defs)-1 {
				next = 0
			}
			w.u16(1)
			w.u16(d.flags)
			w.u16(d.index)
			w.u16(1)
			w.u32(elfHash(d.name))
			w.u32(20)
			w.u32(next)
			w.u32(str.add(d.name))
			w.u32(0)
		}
	}

	// A SysV hash table with one bucket: only nchain matters here.
	w.align(hashWord)
	lay.hash = w.off()
	hw := func(v uint64) {
		if hashWord == 8 {
			w.u64(v)
		} else {
			w.u32(uint32(v))
		}
	}
	hw(1)
	hw(uint64(nsyms))
	hw(0)
	for range nsyms {
		hw(0)
	}

	w.align(8)
	lay.dynamic = w.off()
	dyn := func(tag elf.DynTag, val uint64) {
		w.word(uint64(tag))
		w.word(val)
	}
	for _, n := range s.needed {
		dyn(elf.DT_NEEDED, uint64(str.add(n)))
	}
	if s.soname != "" {
		dyn(elf.DT_SONAME, uint64(str.add(s.soname)))
	}
	if s.rpath != nil {
		dyn(elf.DT_RPATH, uint64(str.add(*s.rpath)))
	}
	if s.runpath != nil {
		dyn(elf.DT_RUNPATH, uint64(str.add(*s.runpath)))
	}
	dyn(elf.DT_HASH, lay.hash)
	dyn(elf.DT_STRTAB, lay.dynstr)
	dyn(elf.DT_SYMTAB, lay.dynsym)
	dyn(elf.DT_STRSZ, lay.strsz)
	dyn(elf.DT_SYMENT, uint64(symsize))
	if versions {
		dyn(elf.DT_VERSYM, lay.versym)
	}
	if len(s.needs) > 0 {
		dyn(elf.DT_VERNEED, lay.verneed)
		dyn(elf.DT_VERNEEDNUM, uint64(len(s.needs)))
	}
	if len(s.defs) > 0 {
		dyn(elf.DT_VERDEF, lay.verdef)
		dyn(elf.DT_VERDEFNUM, uint64(len(s.defs)))
	}
	dyn(elf.DT_FLAGS, uint64(elf.DF_BIND_NOW))
	dyn(elf.DT_FLAGS_1, uint64(elf.DF_1_NOW))
	dyn(elf.DT_NULL, 0)
	dynSize := w.off() - lay.dynamic
	phs[1].off, phs[1].size = lay.dynamic, dynSize

	// Section headers.
	type sh struct {
		name              string
		typ               elf.SectionType
		off, size         uint64
		link, info        uint32
		entsize, addalign uint64
	}
	var shs []sh
	if s.sections {
		shs = []sh{{},
			{".dynstr", elf.SHT_STRTAB, lay.dynstr, lay.strsz, 0, 0, 0, 1},
			{".dynsym", elf.SHT_DYNSYM, lay.dynsym, uint64(nsyms * symsize), 1, 1, uint64(symsize), 8},
			{".hash", elf.SHT_HASH, lay.hash, uint64((3 + nsyms) * hashWord), 2, 0, uint64(hashWord), uint64(hashWord)},
			{".dynamic", elf.SHT_DYNAMIC, lay.dynamic, dynSize, 1, 0, uint64(dynsize), 8},
		}
		if versions {
			shs = append(shs, sh{".gnu.version", elf.SHT_GNU_VERSYM, lay.versym, uint64(2 * nsyms), 2, 0, 2, 2})
		}
		if len(s.needs) > 0 {
			shs = append(shs, sh{".gnu.version_r", elf.SHT_GNU_VERNEED, lay.verneed, lay.verdefOrHash() - lay.verneed, 1, uint32(len(s.needs)), 0, 4})
		}
		if len(s.defs) > 0 {
			shs = append(shs, sh{".gnu.version_d", elf.SHT_GNU_VERDEF, lay.verdef, lay.hash - lay.verdef, 1, uint32(len(s.defs)), 0, 4})
		}
		if s.isa != 0 {
			shs = append(shs, sh{".note.gnu.property", elf.SHT_NOTE, noteOff, noteSize, 0, 0, 0, phs[noteIdx].align})
		}
		shstr := newStrtab()
		for _, x := range shs {
			shstr.add(x.name)
		}
		shstr.add(".shstrtab")
		shstrOff := w.off()
		w.b = append(w.b, shstr.b...)
		shs = append(shs, sh{".shstrtab", elf.SHT_STRTAB, shstrOff, uint64(len(shstr.b)), 0, 0, 0, 1})
		w.align(8)
		lay.shoff = w.off()
		for _, x := range shs {
			flags := uint64(elf.SHF_ALLOC)
			if x.typ == elf.SHT_NULL || x.name == ".shstrtab" {
				flags = 0
			}
			addr := x.off
			if flags == 0 {
				addr = 0
			}
			w.u32(shstr.add(x.name))
			w.u32(uint32(x.typ))
			w.word(flags)
			w.word(addr)
			w.word(x.off)
			w.word(x.size)
			w.u32(x.link)
			w.u32(x.info)
			w.word(x.addalign)
			w.word(x.entsize)
		}
	}

	// ELF header.
	size := w.off()
	phs[0].size = size
	h := &buf{bo: s.bo, is64: is64}
	h.b = append(h.b, elf.ELFMAG...)
	h.u8(uint8(s.class))
	if s.bo == byteOrder(binary.BigEndian) {
		h.u8(uint8(elf.ELFDATA2MSB))
	} else {
		h.u8(uint8(elf.ELFDATA2LSB))
	}
	h.u8(uint8(elf.EV_CURRENT))
	h.b = append(h.b, make([]byte, 9)...)
	h.u16(uint16(elf.ET_DYN))
	h.u16(uint16(s.machine))
	h.u32(uint32(elf.EV_CURRENT))
	h.word(0) // entry
	h.word(lay.phoff)
	h.word(lay.shoff)
	h.u32(s.flags)
	h.u16(uint16(ehsize))
	h.u16(uint16(phentsize))
	h.u16(uint16(len(phs)))
	h.u16(uint16(shentsize))
	h.u16(uint16(len(shs)))
	h.u16(uint16(max(len(shs)-1, 0)))
	copy(w.b, h.b)

	for i, p := range phs {
		e := &buf{bo: s.bo, is64: is64}
		e.u32(uint32(p.typ))
		if is64 {
			e.u32(uint32(p.flags))
			e.u64(p.off)
			e.u64(p.off)
			e.u64(p.off)
			e.u64(p.size)
			e.u64(p.size)
			e.u64(p.align)
		} else {
			e.u32(uint32(p.off))
			e.u32(uint32(p.off))
			e.u32(uint32(p.off))
			e.u32(uint32(p.size))
			e.u32(uint32(p.size))
			e.u32(uint32(p.flags))
			e.u32(uint32(p.align))
		}
		copy(w.b[lay.phoff+uint64(i*phentsize):], e.b)
	}
	return w.b, lay
}

// verdefOrHash is the offset of whatever follows the verneed table.
func (l synthLayout) verdefOrHash() uint64 {
	if l.verdef != 0 {
		return l.verdef
	}
	return l.hash
}

// dynEntry returns the offset of the first dynamic entry with the given tag.
func dynEntry(data []byte, s synth, lay synthLayout, tag elf.DynTag) uint64 {
	ent := uint64(8)
	if s.class == elf.ELFCLASS64 {
		ent = 16
	}
	for off := lay.dynamic; off+ent <= uint64(len(data)); off += ent {
		t := uint64(s.bo.Uint32(data[off:]))
		if ent == 16 {
			t = s.bo.Uint64(data[off:])
		}
		if elf.DynTag(t) == tag {
			return off
		}
		if elf.DynTag(t) == elf.DT_NULL {
			break
		}
	}
	panic("no dynamic tag " + tag.String())
}

// setDyn sets the value of the first dynamic entry with the given tag.
func setDyn(data []byte, s synth, lay synthLayout, tag elf.DynTag, val uint64) {
	off := dynEntry(data, s, lay, tag)
	if s.class == elf.ELFCLASS64 {
		s.bo.PutUint64(data[off+8:], val)
	} else {
		s.bo.PutUint32(data[off+4:], uint32(val))
	}
}

// setDynTag changes the tag of the first dynamic entry with tag from.
func setDynTag(data []byte, s synth, lay synthLayout, from, to elf.DynTag) {
	off := dynEntry(data, s, lay, from)
	if s.class == elf.ELFCLASS64 {
		s.bo.PutUint64(data[off:], uint64(to))
	} else {
		s.bo.PutUint32(data[off:], uint32(to))
	}
}

func ptr(s string) *string { return &s }

// richSynth returns a synth with every feature, for the given class, byte
// order and machine.
func richSynth(class elf.Class, bo byteOrder, m elf.Machine) synth {
	return synth{
		class:   class,
		bo:      bo,
		machine: m,
		flags:   0x05000400,
		interp:  "/lib/ld-test.so.1",
		needed:  []string{"libm.so.6", "libc.so.6"},
		soname:  "libsynth.so.1",
		rpath:   ptr("/opt/a::$ORIGIN"),
		runpath: ptr(""),
		syms: []synthSym{
			{name: "sin", bind: elf.STB_GLOBAL, typ: elf.STT_FUNC, versym: 2},
			{name: "memcpy", bind: elf.STB_GLOBAL, typ: elf.STT_FUNC, versym: 3},
			{name: "weak_hook", bind: elf.STB_WEAK, versym: 0},
			{name: "PyInit_synth", bind: elf.STB_GLOBAL, typ: elf.STT_FUNC, defined: true, versym: 1},
			{name: "api", bind: elf.STB_GLOBAL, typ: elf.STT_FUNC, defined: true, versym: 0x8000 | 5},
			{name: "api", bind: elf.STB_GLOBAL, typ: elf.STT_FUNC, defined: true, versym: 6},
			{name: "unknown_index", bind: elf.STB_GLOBAL, versym: 40},
		},
		needs: []synthNeed{
			{"libm.so.6", []synthVer{{"GLIBC_2.29", 0, 2}}},
			{"libc.so.6", []synthVer{{"GLIBC_2.14", 0, 3}, {"GLIBC_2.2.5", verFlagWeak, 4}}},
		},
		defs: []synthDef{
			{"libsynth.so.1", 1, verFlagBase},
			{"V1", 5, 0},
			{"V2", 6, 0},
		},
		isa:       1 | 4,
		execStack: true,
		sections:  true,
	}
}

// synthVariants are richSynth files for each class and byte order.
var synthVariants = []struct {
	name  string
	class elf.Class
	bo    byteOrder
	m     elf.Machine
}{
	{"x86_64", elf.ELFCLASS64, binary.LittleEndian, elf.EM_X86_64},
	{"i386", elf.ELFCLASS32, binary.LittleEndian, elf.EM_386},
	{"ppc-be32", elf.ELFCLASS32, binary.BigEndian, elf.EM_PPC},
	{"ppc64-be", elf.ELFCLASS64, binary.BigEndian, elf.EM_PPC64},
	{"s390x", elf.ELFCLASS64, binary.BigEndian, elf.EM_S390}, // 8-byte DT_HASH words
	{"armv7", elf.ELFCLASS32, binary.LittleEndian, elf.EM_ARM},
}

// synthName is used by tests that name files after their variant.
func synthName(v string, sections bool) string {
	if sections {
		return v
	}
	return strings.Join([]string{v, "noshdr"}, "-")
}
