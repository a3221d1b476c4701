package pe

import (
	"bytes"
	"encoding/binary"
)

// synth builds a small PE image in memory: the headers, then one section
// ".data" at RVA 0x1000 and file offset 0x200 holding everything the
// directories point to, then tail bytes.
type synth struct {
	is64       bool
	machine    uint16
	chars      uint16
	imageBase  uint64
	ndirs      uint32 // NumberOfRvaAndSizes; 16 if 0
	nsecs      int    // NumberOfSections to claim; 1 if 0, 0 if -1
	dirs       [16][2]uint32
	sec        []byte // section contents
	virtExtra  uint32 // VirtualSize beyond len(sec) (zero-filled tail)
	exactRaw   bool   // SizeOfRawData = len(sec), not rounded
	dosStub    []byte // bytes placed at 0x40, before the PE header at 0x80
	tail       []byte // bytes after the section's raw data
	lfanewOver int64  // if non-zero, e_lfanew
}

const synthVA = 0x1000

// put appends data to the section, 8-aligned, and returns its RVA.
func (s *synth) put(data []byte) uint32 {
	for len(s.sec)%8 != 0 {
		s.sec = append(s.sec, 0)
	}
	rva := synthVA + uint32(len(s.sec))
	s.sec = append(s.sec, data...)
	return rva
}

func (s *synth) str(v string) uint32 { return s.put(append([]byte(v), 0)) }

// hintName stores an IMAGE_IMPORT_BY_NAME.
func (s *synth) hintName(hint uint16, name string) uint32 {
	return s.put(append(binary.LittleEndian.AppendUint16(nil, hint), append([]byte(name), 0)...))
}

func (s *synth) u32s(v ...uint32) uint32 {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, x)
	}
	return s.put(b)
}

func (s *synth) u16s(v ...uint16) uint32 {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint16(b, x)
	}
	return s.put(b)
}

// thunks stores a zero-terminated lookup table of pointer-sized entries.
func (s *synth) thunks(v ...uint64) uint32 {
	var b []byte
	for _, x := range append(v, 0) {
		if s.is64 {
			b = binary.LittleEndian.AppendUint64(b, x)
		} else {
			b = binary.LittleEndian.AppendUint32(b, uint32(x))
		}
	}
	return s.put(b)
}

// ordinal returns the lookup table entry for an import by ordinal.
func (s *synth) ordinal(n uint16) uint64 {
	if s.is64 {
		return 1<<63 | uint64(n)
	}
	return 1<<31 | uint64(n)
}

func (s *synth) rawSize() int {
	if s.exactRaw {
		return len(s.sec)
	}
	return (len(s.sec) + 0x1ff) &^ 0x1ff
}

func (s *synth) build() []byte {
	le := binary.LittleEndian
	out := make([]byte, 0x200)
	copy(out, "MZ")
	lfanew := int64(0x80)
	if s.lfanewOver != 0 {
		lfanew = s.lfanewOver
	}
	le.PutUint32(out[0x3c:], uint32(lfanew))
	copy(out[0x40:0x80], s.dosStub)
	p := out[0x80:]
	copy(p, "PE\x00\x00")
	machine := s.machine
	if machine == 0 {
		machine = 0x14c
		if s.is64 {
			machine = 0x8664
		}
	}
	nsecs := s.nsecs
	switch nsecs {
	case 0:
		nsecs = 1
	case -1:
		nsecs = 0
	}
	optSize := 224
	if s.is64 {
		optSize = 240
	}
	le.PutUint16(p[4:], machine)
	le.PutUint16(p[6:], uint16(nsecs))
	le.PutUint16(p[20:], uint16(optSize))
	le.PutUint16(p[22:], s.chars|0x2002)
	o := p[24:]
	ndirs := s.ndirs
	if ndirs == 0 {
		ndirs = 16
	}
	var dd []byte
	if s.is64 {
		le.PutUint16(o, 0x20b)
		le.PutUint64(o[24:], s.imageBase)
		le.PutUint32(o[108:], ndirs)
		dd = o[112:]
	} else {
		le.PutUint16(o, 0x10b)
		le.PutUint32(o[28:], uint32(s.imageBase))
		le.PutUint32(o[92:], ndirs)
		dd = o[96:]
	}
	o[2], o[3] = 14, 40
	le.PutUint32(o[32:], 0x1000) // SectionAlignment
	le.PutUint32(o[36:], 0x200)  // FileAlignment
	le.PutUint32(o[60:], 0x200)  // SizeOfHeaders
	le.PutUint16(o[68:], 2)      // GUI
	for i, d := range s.dirs {
		le.PutUint32(dd[8*i:], d[0])
		le.PutUint32(dd[8*i+4:], d[1])
	}
	sh := o[optSize:]
	copy(sh, ".data")
	le.PutUint32(sh[8:], uint32(len(s.sec))+s.virtExtra)
	le.PutUint32(sh[12:], synthVA)
	le.PutUint32(sh[16:], uint32(s.rawSize()))
	le.PutUint32(sh[20:], 0x200)
	le.PutUint32(sh[36:], 0xc0000040)
	sec := make([]byte, s.rawSize())
	copy(sec, s.sec)
	out = append(out, sec...)
	return append(out, s.tail...)
}

// typical returns a builder for a DLL with every directory NewFile reads.
// want is what NewFile should decode from it.
func typical(is64 bool) (*synth, *File) {
	s := &synth{is64: is64, imageBase: 0x10000000}
	if is64 {
		s.imageBase = 0x180000000
	}
	// Imports: KERNEL32.dll by name and by ordinal; a DLL whose name has
	// a space and non-ASCII bytes (saferwall/pe drops it) and a function
	// name with characters saferwall/pe rejects.
	k32 := s.str("KERNEL32.dll")
	k32ilt := s.thunks(uint64(s.hintName(5, "GetProcAddress")), s.ordinal(17))
	k32iat := s.thunks(uint64(s.hintName(5, "GetProcAddress")), s.ordinal(17))
	odd := s.str("my lib\xe9.dll")
	oddilt := s.thunks(uint64(s.hintName(0, "do-it!")))
	imp := s.u32s(k32ilt, 0, 0, k32, k32iat, oddilt, 0, 0, odd, oddilt, 0, 0, 0, 0, 0)
	s.dirs[dirImport] = [2]uint32{imp, 60}

	// Delay imports, new style (RVAs).
	dl := s.str("lazy.dll")
	dlint := s.thunks(uint64(s.hintName(1, "LazyFunc")), s.ordinal(3))
	dliat := s.u32s(0, 0, 0, 0)
	handle := s.u32s(0, 0)
	delay := s.u32s(1, dl, handle, dliat, dlint, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	s.dirs[dirDelayImport] = [2]uint32{delay, 64}

	// Exports: 3 slots from ordinal 7: "alpha" at slot 0, "beta" and
	// "gamma" both forwarded at slot 1, slot 2 by ordinal only.
	expName := s.str("synth.dll")
	nA, nB, nG := s.str("alpha"), s.str("beta"), s.str("gamma")
	expDir := synthVA + uint32((len(s.sec)+7)&^7)
	fwdSpace := 40 + 8 // the directory itself, then the forwarder string
	_ = fwdSpace
	// Lay out the directory, then the forwarder string inside its range.
	dirBytes := make([]byte, 40)
	s.put(dirBytes)
	fwd := s.str("NTDLL.RtlFoo")
	dirSize := fwd + 13 - expDir
	eat := s.u32s(0x1000, fwd, 0x1004)
	names := s.u32s(nA, nB, nG)
	ords := s.u16s(0, 1, 1)
	binary.LittleEndian.PutUint32(s.sec[expDir-synthVA+12:], expName)
	binary.LittleEndian.PutUint32(s.sec[expDir-synthVA+16:], 7)
	binary.LittleEndian.PutUint32(s.sec[expDir-synthVA+20:], 3)
	binary.LittleEndian.PutUint32(s.sec[expDir-synthVA+24:], 3)
	binary.LittleEndian.PutUint32(s.sec[expDir-synthVA+28:], eat)
	binary.LittleEndian.PutUint32(s.sec[expDir-synthVA+32:], names)
	binary.LittleEndian.PutUint32(s.sec[expDir-synthVA+36:], ords)
	s.dirs[dirExport] = [2]uint32{expDir, dirSize}

	// Load configuration with DependentLoadFlags = 0x800.
	lc := make([]byte, 0x100)
	binary.LittleEndian.PutUint32(lc, 0x100)
	if is64 {
		binary.LittleEndian.PutUint16(lc[78:], 0x800)
	} else {
		binary.LittleEndian.PutUint16(lc[54:], 0x800)
	}
	s.dirs[dirLoadConfig] = [2]uint32{s.put(lc), 0x100}

	want := &File{
		Is64: is64,
		DLL:  true,
		Imports: []Import{
			{DLL: "KERNEL32.dll", Functions: []ImportedFunction{{Name: "GetProcAddress", Hint: 5}, {Ordinal: 17, ByOrdinal: true}}},
			{DLL: "my lib\xe9.dll", Functions: []ImportedFunction{{Name: "do-it!"}}},
		},
		DelayImports: []Import{
			{DLL: "lazy.dll", Functions: []ImportedFunction{{Name: "LazyFunc", Hint: 1}, {Ordinal: 3, ByOrdinal: true}}},
		},
		ExportName: "synth.dll",
		Exports: []Export{
			{Name: "alpha", Ordinal: 7},
			{Name: "beta", Ordinal: 8, Forwarder: "NTDLL.RtlFoo"},
			{Name: "gamma", Ordinal: 8, Forwarder: "NTDLL.RtlFoo"},
			{Ordinal: 9},
		},
		DependentLoadFlags: 0x800,
	}
	return s, want
}

// oldDelay adds an old-style (VA-based, Attributes 0) delay import
// descriptor for "vc6.dll" to s, replacing the delay directory.
func oldDelay(s *synth) Import {
	va := func(rva uint32) uint32 { return uint32(s.imageBase) + rva }
	name := s.str("vc6.dll")
	fn := s.hintName(2, "OldFunc")
	ilt := s.thunks(uint64(va(fn)), s.ordinal(9))
	iat := s.u32s(0, 0, 0, 0, 0, 0)
	handle := s.u32s(0, 0)
	d := s.u32s(0, va(name), va(handle), va(iat), va(ilt), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	s.dirs[dirDelayImport] = [2]uint32{d, 64}
	return Import{DLL: "vc6.dll", Functions: []ImportedFunction{{Name: "OldFunc", Hint: 2}, {Ordinal: 9, ByOrdinal: true}}}
}

var _ = bytes.Equal
