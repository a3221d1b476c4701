package macho

import (
	"encoding/binary"
)

// This file builds synthetic Mach-O and fat files for the table tests and
// the fuzz seeds.

// tailOff is where synth places the symbol and string tables and any
// other data, after the load commands.
const tailOff = 0x1000

// synth describes a thin Mach-O file to build.
type synth struct {
	bo                     binary.ByteOrder
	is64                   bool
	cpu, sub, ftype, flags uint32
	cmds                   [][]byte // complete load commands, in order
	ncmds                  int      // header ncmds; -1 for len(cmds)
	tail                   []byte   // placed at tailOff
}

// newSynth returns a two-level x86_64 dylib (or i386 for 32-bit) without
// load commands.
func newSynth(bo binary.ByteOrder, is64 bool) *synth {
	s := &synth{bo: bo, is64: is64, cpu: cpuX86, sub: 3, ftype: TypeDylib, flags: mhTwoLevel, ncmds: -1}
	if is64 {
		s.cpu, s.sub = cpuX86_64, 0x80000003
	}
	return s
}

func (s *synth) add(cmds ...[]byte) *synth {
	s.cmds = append(s.cmds, cmds...)
	return s
}

func (s *synth) hdrSize() int {
	if s.is64 {
		return hdr64Size
	}
	return hdr32Size
}

func (s *synth) build() []byte {
	var cmds []byte
	for _, c := range s.cmds {
		cmds = append(cmds, c...)
	}
	n := s.ncmds
	if n < 0 {
		n = len(s.cmds)
	}
	out := make([]byte, s.hdrSize(), s.hdrSize()+len(cmds))
	magic := uint32(0xfeedface)
	if s.is64 {
		magic = 0xfeedfacf
	}
	s.bo.PutUint32(out, magic)
	s.bo.PutUint32(out[4:], s.cpu)
	s.bo.PutUint32(out[8:], s.sub)
	s.bo.PutUint32(out[12:], s.ftype)
	s.bo.PutUint32(out[16:], uint32(n))
	s.bo.PutUint32(out[20:], uint32(len(cmds)))
	s.bo.PutUint32(out[24:], s.flags)
	out = append(out, cmds...)
	if len(s.tail) > 0 {
		if len(out) > tailOff {
			panic("load commands overlap the tail")
		}
		out = append(out, make([]byte, tailOff-len(out))...)
		out = append(out, s.tail...)
	}
	return out
}

// u32cmd returns a load command made of cmd, cmdsize and 32-bit fields.
func u32cmd(bo binary.ByteOrder, cmd uint32, fields ...uint32) []byte {
	b := make([]byte, 8+4*len(fields))
	bo.PutUint32(b, cmd)
	bo.PutUint32(b[4:], uint32(len(b)))
	for i, f := range fields {
		bo.PutUint32(b[8+4*i:], f)
	}
	return b
}

// strCmd returns a load command of cmd, cmdsize and fields, followed by str
// and NUL padding to a multiple of 8; fields[strField] is set to the
// string's offset.
func strCmd(bo binary.ByteOrder, cmd uint32, strField int, str string, fields ...uint32) []byte {
	fields[strField] = uint32(8 + 4*len(fields))
	b := u32cmd(bo, cmd, fields...)
	b = append(b, str...)
	b = append(b, make([]byte, 8-len(b)%8)...)
	bo.PutUint32(b[4:], uint32(len(b)))
	return b
}

func dylibCmd(bo binary.ByteOrder, cmd uint32, name string, cur, compat uint32) []byte {
	return strCmd(bo, cmd, 0, name, 0, 2, cur, compat)
}

func dylibUseCmd(bo binary.ByteOrder, name string, flags uint32) []byte {
	return strCmd(bo, lcLoadDylib, 0, name, 0, dylibUseMarker, 0x10000, 0x10000, flags)
}

func rpathCmd(bo binary.ByteOrder, path string) []byte {
	return strCmd(bo, lcRPath, 0, path, 0)
}

func buildVersionCmd(bo binary.ByteOrder, platform, minos, sdk uint32) []byte {
	// One build_tool_version (ld, 1.0).
	return u32cmd(bo, lcBuildVersion, platform, minos, sdk, 1, 3, 0x10000)
}

// synthSym is one symbol table entry.
type synthSym struct {
	name  string
	ntype uint8
	desc  uint16
	value uint64
}

// Symbol table entry types.
const (
	nUndfExt = 0x01 // N_UNDF | N_EXT
	nSectExt = 0x0f // N_SECT | N_EXT
	nSect    = 0x0e // N_SECT (local)
	nStab    = 0x24 // N_FUN
)

// desc returns an n_desc with a library ordinal and the N_WEAK_REF flag.
func desc(ordinal uint8, weak bool) uint16 {
	d := uint16(ordinal) << 8
	if weak {
		d |= 0x40
	}
	return d
}

// withSymtab adds LC_SYMTAB (and LC_DYSYMTAB when dysym is set, with the
// undefined range covering the undefined external entries, which must be
// last) for syms, stored in the tail.
func (s *synth) withSymtab(syms []synthSym, dysym bool) *synth {
	nl := nlist32Size
	if s.is64 {
		nl = nlist64Size
	}
	strs := []byte(" \x00")
	tab := make([]byte, len(syms)*nl)
	iundef := len(syms)
	for i, sym := range syms {
		e := tab[i*nl:]
		s.bo.PutUint32(e, uint32(len(strs)))
		strs = append(strs, sym.name...)
		strs = append(strs, 0)
		e[4] = sym.ntype
		s.bo.PutUint16(e[6:], sym.desc)
		if s.is64 {
			s.bo.PutUint64(e[8:], sym.value)
		} else {
			s.bo.PutUint32(e[8:], uint32(sym.value))
		}
		if sym.ntype == nUndfExt && i < iundef {
			iundef = i
		}
	}
	symoff := tailOff + len(s.tail)
	s.tail = append(s.tail, tab...)
	stroff := tailOff + len(s.tail)
	s.tail = append(s.tail, strs...)
	for len(s.tail)%8 != 0 {
		s.tail = append(s.tail, 0)
	}
	s.add(u32cmd(s.bo, lcSymtab, uint32(symoff), uint32(len(syms)), uint32(stroff), uint32(len(strs))))
	if dysym {
		d := make([]uint32, 18)
		d[4], d[5] = uint32(iundef), uint32(len(syms)-iundef)
		s.add(u32cmd(s.bo, lcDysymtab, d...))
	}
	return s
}

// withData appends n bytes to the tail and returns their slice offset.
func (s *synth) withData(n int) uint32 {
	off := tailOff + len(s.tail)
	s.tail = append(s.tail, make([]byte, n)...)
	return uint32(off)
}

// fatSlice is one slice of a synthetic fat file.
type fatSlice struct {
	cpu, sub uint32
	data     []byte
}

// fatFile builds a fat file (FAT_MAGIC or FAT_MAGIC_64) with the slices at
// 4096-byte boundaries.
func fatFile(magic uint32, slices ...fatSlice) []byte {
	be := binary.BigEndian
	ent := fatArchSize
	if magic == magicFat64 {
		ent = fatArch64Size
	}
	out := make([]byte, fatHdrSize+ent*len(slices))
	be.PutUint32(out, magic)
	be.PutUint32(out[4:], uint32(len(slices)))
	for i, s := range slices {
		for len(out)%4096 != 0 {
			out = append(out, 0)
		}
		e := out[fatHdrSize+i*ent:]
		be.PutUint32(e, s.cpu)
		be.PutUint32(e[4:], s.sub)
		if magic == magicFat64 {
			be.PutUint64(e[8:], uint64(len(out)))
			be.PutUint64(e[16:], uint64(len(s.data)))
			be.PutUint32(e[24:], 12)
		} else {
			be.PutUint32(e[8:], uint32(len(out)))
			be.PutUint32(e[12:], uint32(len(s.data)))
			be.PutUint32(e[16:], 12)
		}
		out = append(out, s.data...)
	}
	return out
}

// richSynth returns a file with one of every command NewFile decodes.
func richSynth(bo binary.ByteOrder, is64 bool) *synth {
	s := newSynth(bo, is64)
	sig := s.withData(64)
	s.add(
		dylibCmd(bo, lcIDDylib, "@rpath/libsynth.1.dylib", 0x10203, 0x10000),
		dylibCmd(bo, lcLoadDylib, "/usr/lib/libSystem.B.dylib", 1292<<16|100<<8|5, 0x10000),
		dylibCmd(bo, lcLoadWeakDylib, "@rpath/libweak.dylib", 0, 0),
		dylibCmd(bo, lcReexportDylib, "@loader_path/libre.dylib", 0, 0),
		dylibCmd(bo, lcLoadUpwardDylib, "libup.dylib", 0, 0),
		dylibCmd(bo, lcLazyLoadDylib, "/opt/liblazy.dylib", 0, 0),
		rpathCmd(bo, "@loader_path/../lib"),
		rpathCmd(bo, "/opt/x/lib"),
		buildVersionCmd(bo, 1, 10<<16|15<<8|7, 11<<16),
		u32cmd(bo, lcCodeSignature, sig, 64),
	)
	return s.withSymtab([]synthSym{
		{"_local", nSect, 0, 0x1000},
		{"_stab", nStab, 0, 0},
		{"_exported", nSectExt, 0, 0x2000},
		{"_malloc", nUndfExt, desc(1, false), 0},
		{"_maybe", nUndfExt, desc(2, true), 0},
		{"_PyList_New", nUndfExt, desc(0xfe, false), 0},
		{"_main_thing", nUndfExt, desc(0xff, false), 0},
		{"_common", nUndfExt, 0, 16},
	}, true)
}

// synthSeeds returns small well-formed files for the fuzzer.
func synthSeeds() [][]byte {
	le, be := binary.LittleEndian, binary.BigEndian
	thin := richSynth(le, true).build()
	thin32 := richSynth(be, false).build()
	return [][]byte{
		thin,
		thin32,
		fatFile(magicFat, fatSlice{cpuX86_64, 3, thin}, fatSlice{cpuX86, 3, richSynth(le, false).build()}),
		fatFile(magicFat64, fatSlice{cpuX86_64, 3, thin}),
		newSynth(le, true).add(dylibUseCmd(le, "libuse.dylib", dylibUseWeakLink|dylibUseUpward)).build(),
	}
}
