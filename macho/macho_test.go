package macho

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/libvet/libvet/internal/streamtest"
)

func TestVersion(t *testing.T) {
	for _, tt := range []struct {
		packed uint32
		want   Version
		str    string
	}{
		{0x000a0f07, Version{10, 15, 7}, "10.15.7"},
		{0x000b0000, Version{11, 0, 0}, "11.0"},
		{0x000a0005, Version{10, 0, 5}, "10.0.5"}, // go-macho prints "10"
		{0x000a0900, Version{10, 9, 0}, "10.9"},
		{0x000c0100, Version{12, 1, 0}, "12.1"},
		{0x050c6405, Version{1292, 100, 5}, "1292.100.5"},
		{0xffffffff, Version{65535, 255, 255}, "65535.255.255"},
		{0, Version{}, "0.0"},
	} {
		v := VersionFromPacked(tt.packed)
		if v != tt.want || v.String() != tt.str || v.IsZero() != (tt.packed == 0) {
			t.Errorf("VersionFromPacked(%#x) = %+v %q, want %+v %q", tt.packed, v, v, tt.want, tt.str)
		}
	}
	for _, tt := range []struct {
		a, b Version
		want int
	}{
		{Version{10, 9, 0}, Version{10, 9, 0}, 0},
		{Version{10, 9, 0}, Version{11, 0, 0}, -1},
		{Version{10, 15, 7}, Version{10, 9, 9}, 1},
		{Version{12, 1, 0}, Version{12, 0, 9}, 1},
		{Version{12, 0, 1}, Version{12, 0, 2}, -1},
	} {
		if got := tt.a.Compare(tt.b); got != tt.want {
			t.Errorf("%v.Compare(%v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestArchName(t *testing.T) {
	for _, tt := range []struct {
		cpu, sub uint32
		want     string
	}{
		{cpuX86, 3, "i386"},
		{cpuX86_64, 3, "x86_64"},
		{cpuX86_64, 8, "x86_64h"},
		{cpuARM64, 0, "arm64"},
		{cpuARM64, 1, "arm64"},
		{cpuARM64, 2, "arm64e"},
		{cpuARM64_32, 1, "arm64_32"},
		{cpuARM, 9, "armv7"},
		{cpuARM, 11, "armv7s"},
		{cpuARM, 12, "armv7k"},
		{cpuARM, 6, "armv6"},
		{cpuARM, 0, "arm"},
		{cpuPPC, 0, "ppc"},
		{cpuPPC64, 0, "ppc64"},
		{0x1000013, 0, "cpu(0x1000013)"},
	} {
		if got := archName(tt.cpu, tt.sub); got != tt.want {
			t.Errorf("archName(%#x, %d) = %q, want %q", tt.cpu, tt.sub, got, tt.want)
		}
	}
	if typeName(TypeBundle) != "bundle" || typeName(99) != "type(0x63)" || platformName(6) != "maccatalyst" || platformName(99) != "platform(99)" {
		t.Errorf("typeName/platformName")
	}
}

// TestSynth decodes synthetic files in both byte orders and word sizes.
func TestSynth(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	wantDylibs := []Dylib{
		{"/usr/lib/libSystem.B.dylib", "load", false, Version{1292, 100, 5}, Version{1, 0, 0}},
		{"@rpath/libweak.dylib", "weak", true, Version{}, Version{}},
		{"@loader_path/libre.dylib", "reexport", false, Version{}, Version{}},
		{"libup.dylib", "upward", false, Version{}, Version{}},
		{"/opt/liblazy.dylib", "lazy", false, Version{}, Version{}},
	}
	wantImports := []Symbol{
		{"_malloc", 1, false},
		{"_maybe", 2, true},
		{"_PyList_New", OrdinalDynamicLookup, false},
		{"_main_thing", OrdinalExecutable, false},
	}
	for _, tt := range []struct {
		name string
		bo   binary.ByteOrder
		is64 bool
		arch string
	}{
		{"le64", le, true, "x86_64"},
		{"le32", le, false, "i386"},
		{"be64", be, true, "x86_64"},
		{"be32", be, false, "i386"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := richSynth(tt.bo, tt.is64).build()
			f, err := decode(t, data)
			if err != nil {
				t.Fatal(err)
			}
			exercise(t, f, int64(len(data)))
			if f.Fat || len(f.Slices) != 1 {
				t.Fatalf("Fat %v, %d slices", f.Fat, len(f.Slices))
			}
			s := f.Slices[0]
			if s.Offset != 0 || s.Size != int64(len(data)) || s.Arch != tt.arch || s.Is64 != tt.is64 || s.BigEndian != (tt.bo == be) {
				t.Errorf("slice %d+%d %s is64 %v big %v", s.Offset, s.Size, s.Arch, s.Is64, s.BigEndian)
			}
			if s.Type != TypeDylib || s.TypeName != "dylib" || !s.TwoLevel() || s.NCmds != 12 {
				t.Errorf("type %d %s twolevel %v ncmds %d", s.Type, s.TypeName, s.TwoLevel(), s.NCmds)
			}
			if tt.is64 && (s.SubCPU != 3 || s.SubCPURaw != 0x80000003) {
				t.Errorf("SubCPU %#x raw %#x", s.SubCPU, s.SubCPURaw)
			}
			if s.InstallName != "@rpath/libsynth.1.dylib" || !reflect.DeepEqual(s.Dylibs, wantDylibs) {
				t.Errorf("id %q dylibs\nhave %+v\nwant %+v", s.InstallName, s.Dylibs, wantDylibs)
			}
			if !reflect.DeepEqual(s.RPaths, []string{"@loader_path/../lib", "/opt/x/lib"}) {
				t.Errorf("RPaths %q", s.RPaths)
			}
			if s.Platform != "macos" || s.MinOS.String() != "10.15.7" || s.SDK.String() != "11.0" || len(s.Builds) != 1 {
				t.Errorf("%s %s %s %+v", s.Platform, s.MinOS, s.SDK, s.Builds)
			}
			if !s.CodeSignature {
				t.Errorf("no CodeSignature")
			}
			if !reflect.DeepEqual(s.Imports, wantImports) {
				t.Errorf("imports\nhave %+v\nwant %+v", s.Imports, wantImports)
			}
			if d, ok := s.Library(2); !ok || d.Name != "@rpath/libweak.dylib" {
				t.Errorf("Library(2) = %+v, %v", d, ok)
			}
			for _, o := range []int{0, -1, -2, 6} {
				if _, ok := s.Library(o); ok {
					t.Errorf("Library(%d) ok", o)
				}
			}
		})
	}
}

// TestSynthVariants checks the decoding choices one at a time.
func TestSynthVariants(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	v := func(maj, min, patch uint32) uint32 { return maj<<16 | min<<8 | patch }
	tests := []struct {
		name  string
		data  func() []byte
		check func(t *testing.T, f *File)
	}{
		{"dylib_use_command", func() []byte {
			s := newSynth(le, true)
			s.add(
				dylibUseCmd(le, "libw.dylib", dylibUseWeakLink),
				dylibUseCmd(le, "libr.dylib", dylibUseReexport|dylibUseWeakLink),
				dylibUseCmd(le, "libu.dylib", dylibUseUpward),
				dylibUseCmd(le, "libd.dylib", dylibUseDelayedInit),
				dylibUseCmd(le, "libplain.dylib", 0),
			)
			return s.build()
		}, func(t *testing.T, f *File) {
			want := []Dylib{
				{"libw.dylib", "weak", true, Version{1, 0, 0}, Version{1, 0, 0}},
				{"libr.dylib", "reexport", true, Version{1, 0, 0}, Version{1, 0, 0}},
				{"libu.dylib", "upward", false, Version{1, 0, 0}, Version{1, 0, 0}},
				{"libd.dylib", "delayed", false, Version{1, 0, 0}, Version{1, 0, 0}},
				{"libplain.dylib", "load", false, Version{1, 0, 0}, Version{1, 0, 0}},
			}
			if got := f.Slices[0].Dylibs; !reflect.DeepEqual(got, want) {
				t.Errorf("have %+v\nwant %+v", got, want)
			}
		}},
		{"version min macOS, ppc, flat namespace", func() []byte {
			s := newSynth(be, false)
			s.cpu, s.sub, s.ftype, s.flags = cpuPPC, 0, TypeBundle, 0
			s.add(u32cmd(be, lcVersionMinMacOSX, v(10, 4, 11), v(10, 5, 0)))
			s.withSymtab([]synthSym{{"_printf", nUndfExt, desc(1, false), 0}}, false)
			return s.build()
		}, func(t *testing.T, f *File) {
			s := f.Slices[0]
			if s.Arch != "ppc" || s.TypeName != "bundle" || s.TwoLevel() || s.Platform != "macos" || s.MinOS.String() != "10.4.11" || s.SDK.String() != "10.5" {
				t.Errorf("%s %s twolevel %v %s %s %s", s.Arch, s.TypeName, s.TwoLevel(), s.Platform, s.MinOS, s.SDK)
			}
			if want := []Symbol{{"_printf", OrdinalSelf, false}}; !reflect.DeepEqual(s.Imports, want) {
				t.Errorf("imports %+v", s.Imports)
			}
		}},
		{"zippered: macOS wins over Mac Catalyst", func() []byte {
			return newSynth(le, true).add(
				buildVersionCmd(le, 6, v(13, 1, 0), v(14, 0, 0)),
				buildVersionCmd(le, 1, v(10, 15, 0), v(11, 0, 0)),
			).build()
		}, func(t *testing.T, f *File) {
			s := f.Slices[0]
			if s.Platform != "macos" || s.MinOS.String() != "10.15" || len(s.Builds) != 2 || s.Builds[0].Platform != "maccatalyst" {
				t.Errorf("%s %s %+v", s.Platform, s.MinOS, s.Builds)
			}
		}},
		{"iOS only", func() []byte {
			s := newSynth(le, true)
			s.cpu, s.sub = cpuARM64, 0x80000002
			return s.add(u32cmd(le, lcVersionMinIPhoneOS, v(9, 0, 0), v(10, 0, 0))).build()
		}, func(t *testing.T, f *File) {
			s := f.Slices[0]
			if s.Platform != "ios" || s.MinOS.String() != "9.0" || s.Arch != "arm64e" || s.SubCPU != 2 || s.SubCPURaw != 0x80000002 {
				t.Errorf("%s %s %s %#x %#x", s.Platform, s.MinOS, s.Arch, s.SubCPU, s.SubCPURaw)
			}
		}},
		{"no version command", func() []byte { return newSynth(le, true).build() }, func(t *testing.T, f *File) {
			s := f.Slices[0]
			if s.Platform != "" || !s.MinOS.IsZero() || s.Builds != nil || s.Dylibs != nil || s.Imports != nil || s.CodeSignature {
				t.Errorf("%+v", s)
			}
		}},
		{"symtab without dysymtab, long name", func() []byte {
			return newSynth(le, true).withSymtab([]synthSym{
				{strings.Repeat("x", 1000), nUndfExt, desc(1, false), 0},
				{"_defined", nSectExt, 0, 0x10},
				{"_short", nUndfExt, desc(1, true), 0},
			}, false).build()
		}, func(t *testing.T, f *File) {
			want := []Symbol{{strings.Repeat("x", 1000), 1, false}, {"_short", 1, true}}
			if got := f.Slices[0].Imports; !reflect.DeepEqual(got, want) {
				t.Errorf("imports %+v", got)
			}
		}},
		{"first of two LC_ID_DYLIB", func() []byte {
			return newSynth(le, true).add(dylibCmd(le, lcIDDylib, "a", 0, 0), dylibCmd(le, lcIDDylib, "b", 0, 0)).build()
		}, func(t *testing.T, f *File) {
			if f.Slices[0].InstallName != "a" {
				t.Errorf("InstallName %q", f.Slices[0].InstallName)
			}
		}},
		{"fat32 universal", func() []byte {
			a := newSynth(le, true).add(dylibCmd(le, lcIDDylib, "x.dylib", 0, 0)).build()
			b := newSynth(le, true)
			b.cpu, b.sub = cpuARM64, 0
			return fatFile(magicFat, fatSlice{cpuX86_64, 3, a}, fatSlice{cpuARM64, 0, b.build()})
		}, func(t *testing.T, f *File) {
			if !f.Fat || !reflect.DeepEqual(f.Arches(), []string{"x86_64", "arm64"}) || f.Slices[0].Offset != 4096 || f.Slices[1].Offset != 8192 {
				t.Errorf("fat %v arches %v", f.Fat, f.Arches())
			}
			if f.Slices[0].InstallName != "x.dylib" || f.Slices[1].InstallName != "" {
				t.Errorf("install names %q %q", f.Slices[0].InstallName, f.Slices[1].InstallName)
			}
		}},
		{"fat64 with symtab", func() []byte {
			s := newSynth(le, true)
			s.sub = 8
			return fatFile(magicFat64, fatSlice{cpuX86_64, 8, richSynth(le, true).build()}, fatSlice{cpuX86_64, 8, s.build()})
		}, func(t *testing.T, f *File) {
			if !f.Fat || len(f.Slices) != 2 || len(f.Slices[0].Imports) != 4 || f.Slices[1].Arch != "x86_64h" {
				t.Errorf("fat %v, %d slices", f.Fat, len(f.Slices))
			}
		}},
		{"fat with one slice", func() []byte {
			return fatFile(magicFat, fatSlice{cpuX86_64, 3, newSynth(le, true).build()})
		}, func(t *testing.T, f *File) {
			if !f.Fat || len(f.Slices) != 1 {
				t.Errorf("fat %v, %d slices", f.Fat, len(f.Slices))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data()
			f, err := decode(t, data)
			if err != nil {
				t.Fatal(err)
			}
			exercise(t, f, int64(len(data)))
			tt.check(t, f)
		})
	}
}

// badInputs returns malformed files, each with the error message
// substring it must produce and whether that error means "not Mach-O".
func badInputs() []struct {
	name     string
	data     []byte
	want     string
	notMachO bool
} {
	le, be := binary.LittleEndian, binary.BigEndian
	rich := func() *synth { return richSynth(le, true) }
	// cmdAt returns the file offset of load command i of s.
	cmdAt := func(s *synth, i int) int {
		off := s.hdrSize()
		for _, c := range s.cmds[:i] {
			off += len(c)
		}
		return off
	}
	// mod builds rich(), then lets f change the bytes.
	mod := func(f func(s *synth, b []byte)) []byte {
		s := rich()
		b := s.build()
		f(s, b)
		return b
	}
	// withCmd builds a plain 64-bit dylib with extra load commands.
	withCmd := func(cmds ...[]byte) []byte { return newSynth(le, true).add(cmds...).build() }
	thin := newSynth(le, true).build()
	javaClass := []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34, 0, 0x1d, 0x0a}
	fatOf := func(magic uint32, f func(b []byte)) []byte {
		b := fatFile(magic, fatSlice{cpuX86_64, 3, thin})
		f(b)
		return b
	}
	note := func(off, size uint64) []byte {
		c := make([]byte, noteSize)
		le.PutUint32(c, lcNote)
		le.PutUint32(c[4:], noteSize)
		le.PutUint64(c[24:], off)
		le.PutUint64(c[32:], size)
		return c
	}
	seg64 := func(fileoff, filesize uint64, nsects uint32) []byte {
		c := make([]byte, segment64Size)
		le.PutUint32(c, lcSegment64)
		le.PutUint32(c[4:], segment64Size)
		le.PutUint64(c[40:], fileoff)
		le.PutUint64(c[48:], filesize)
		le.PutUint32(c[64:], nsects)
		return c
	}
	type bad = struct {
		name     string
		data     []byte
		want     string
		notMachO bool
	}
	return []bad{
		{"empty", nil, "too short", true},
		{"three bytes", []byte{0xcf, 0xfa, 0xed}, "too short", true},
		{"ar archive", []byte("!<arch>\nfoo"), "bad magic", true},
		{"ELF", []byte("\x7fELF\x02\x01\x01"), "bad magic", true},
		{"java class", javaClass, "java class", true},
		{"little-endian fat", []byte{0xbe, 0xba, 0xfe, 0xca, 1, 0, 0, 0}, "little-endian fat", true},
		{"fat header truncated", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0}, "fat header", false},
		{"fat without arches", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0}, "without architectures", false},
		{"fat64 too many arches", []byte{0xca, 0xfe, 0xba, 0xbf, 0, 0, 0, 31}, "count too large", false},
		{"fat table truncated", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2, 0, 0, 0, 7}, "fat architecture table extends past end", false},
		{"fat slice past end", fatOf(magicFat, func(b []byte) { be.PutUint32(b[8+12:], uint32(len(thin)+1)) }), "fat slice extends past end", false},
		{"fat64 slice past end", fatOf(magicFat64, func(b []byte) { be.PutUint64(b[8+8:], 1<<63) }), "fat slice extends past end", false},
		{"fat slice over header", fatOf(magicFat, func(b []byte) { be.PutUint32(b[8+8:], 4) }), "overlaps the fat header", false},
		{"fat slice tiny", fatOf(magicFat, func(b []byte) { be.PutUint32(b[8+12:], 2) }), "too small", false},
		{"fat slice cputype mismatch", fatOf(magicFat, func(b []byte) { be.PutUint32(b[8:], cpuARM64) }), "cputype differs", false},
		{"fat slice not Mach-O", fatOf(magicFat, func(b []byte) { copy(b[4096:], "\x7fELF") }), "not a Mach-O image", false},
		{"nested fat", fatFile(magicFat, fatSlice{cpuX86_64, 3, fatFile(magicFat, fatSlice{cpuX86_64, 3, thin})}), "nested", false},
		{"truncated mach header", thin[:20], "mach header", false},
		{"sizeofcmds past end", mod(func(s *synth, b []byte) { le.PutUint32(b[20:], uint32(len(b))) }), "load commands extend past end", false},
		{"ncmds too large", mod(func(s *synth, b []byte) { le.PutUint32(b[16:], 0x30303030) }), "more load commands", false},
		{"ncmds past sizeofcmds", mod(func(s *synth, b []byte) { le.PutUint32(b[16:], uint32(len(s.cmds)+1)) }), "extends past sizeofcmds", false},
		{"cmdsize zero", mod(func(s *synth, b []byte) { le.PutUint32(b[cmdAt(s, 1)+4:], 0) }), "size too small", false},
		{"cmdsize unaligned", mod(func(s *synth, b []byte) { le.PutUint32(b[cmdAt(s, 1)+4:], 26) }), "multiple of 4", false},
		{"cmdsize past sizeofcmds", mod(func(s *synth, b []byte) { le.PutUint32(b[cmdAt(s, 1)+4:], 0x10000) }), "extends past sizeofcmds", false},
		{"dylib command too small", withCmd(u32cmd(le, lcLoadDylib, 24, 0, 0)), "too small", false},
		{"dylib name offset past cmdsize", mod(func(s *synth, b []byte) { le.PutUint32(b[cmdAt(s, 1)+8:], 0x1000) }), "string offset out of range", false},
		{"dylib name offset inside header", mod(func(s *synth, b []byte) { le.PutUint32(b[cmdAt(s, 1)+8:], 4) }), "string offset out of range", false},
		{"rpath unterminated", withCmd(u32cmd(le, lcRPath, 12, 0x41414141)), "not NUL-terminated", false},
		{"build version ntools", withCmd(u32cmd(le, lcBuildVersion, 1, 0, 0, 5)), "build tool count", false},
		{"version min too small", withCmd(u32cmd(le, lcVersionMinMacOSX, 0)), "too small", false},
		{"symtab past end", withCmd(u32cmd(le, lcSymtab, 0x100, 1000, 0, 0)), "symbol table extends past end", false},
		{"strtab past end", withCmd(u32cmd(le, lcSymtab, 0, 0, 0x10, 0xffffffff)), "string table extends past end", false},
		{"two symtabs", withCmd(u32cmd(le, lcSymtab, 0, 0, 0, 0), u32cmd(le, lcSymtab, 0, 0, 0, 0)), "more than one LC_SYMTAB", false},
		{"two dysymtabs", withCmd(u32cmd(le, lcDysymtab, make([]uint32, 18)...), u32cmd(le, lcDysymtab, make([]uint32, 18)...)), "more than one LC_DYSYMTAB", false},
		{"undefined range past symtab", mod(func(s *synth, b []byte) { le.PutUint32(b[cmdAt(s, 11)+28:], 100) }), "undefined symbol range", false},
		{"indirect symbols past end", withCmd(u32cmd(le, lcDysymtab, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x40000000, 0, 0, 0, 0)), "indirect symbol table extends past end", false},
		{"symbol name offset past strtab", mod(func(s *synth, b []byte) { le.PutUint32(b[tailOff+64+16*3:], 0x7fffffff) }), "symbol name offset out of range", false},
		{"symbol name unterminated", func() []byte {
			s := newSynth(le, true).withSymtab([]synthSym{{"_x", nUndfExt, desc(1, false), 0}}, false)
			b := s.build()
			le.PutUint32(b[s.hdrSize()+20:], 4) // strsize: " \x00_x", without the NUL
			return b
		}(), "unterminated", false},
		{"code signature past end", withCmd(u32cmd(le, lcCodeSignature, 0x20, 0x7fffffff)), "extends past end of image", false},
		{"chained fixups past end", withCmd(u32cmd(le, lcDyldChainedFixups, 0xfffffff0, 0x20)), "extends past end of image", false},
		{"dyld info past end", withCmd(u32cmd(le, lcDyldInfoOnly, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x10000)), "export info extends past end", false},
		{"note size 4 GiB", withCmd(note(0x20, 1<<32)), "note extends past end", false},
		{"note size makeslice", withCmd(note(0x20, 0x7fffffffffffffff)), "note extends past end", false},
		{"note offset overflow", withCmd(note(0xffffffffffffff00, 0x200)), "note extends past end", false},
		{"segment past end", withCmd(seg64(0, 1<<40, 0)), "segment extends past end", false},
		{"segment nsects", withCmd(seg64(0, 0, 1)), "section count", false},
		{"two-level hints past end", withCmd(u32cmd(le, lcTwolevelHints, 0, 0x40000000)), "two-level hints", false},
		{"encryption range past end", withCmd(u32cmd(le, lcEncryptionInfo64, 0x1000, 0x1000, 0, 0)), "encrypted range", false},
	}
}

// TestBad checks that malformed input fails with the expected
// *FormatError and allocates little.
func TestBad(t *testing.T) {
	for _, tt := range badInputs() {
		t.Run(tt.name, func(t *testing.T) {
			var f *File
			var err error
			alloc := streamtest.Allocated(func() { f, err = decode(t, tt.data) })
			var fe *FormatError
			if f != nil || !errors.As(err, &fe) {
				t.Fatalf("NewFile = %v, %v; want a *FormatError", f, err)
			}
			if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tt.want)) {
				t.Errorf("error %q, want %q", err, tt.want)
			}
			if errors.Is(err, ErrNotMachO) != tt.notMachO {
				t.Errorf("errors.Is(%v, ErrNotMachO) = %v", err, !tt.notMachO)
			}
			if fe.Offset < 0 || fe.Offset > int64(len(tt.data)) || fe.Msg == panicMsg {
				t.Errorf("offset %d for a %d-byte file: %v", fe.Offset, len(tt.data), err)
			}
			if alloc > 1<<20 {
				t.Errorf("allocated %d bytes", alloc)
			}
		})
	}
}

func TestFormatError(t *testing.T) {
	for _, tt := range []struct {
		e    *FormatError
		want string
	}{
		{&FormatError{0x10, "bad thing", 7, nil}, "macho: bad thing '7' at offset 0x10"},
		{&FormatError{0, "bad thing", nil, nil}, "macho: bad thing at offset 0x0"},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	if formatErr(1<<63, "x", nil).Offset != -1 {
		t.Errorf("formatErr with an offset beyond int64")
	}
	if _, err := NewFile(bytes.NewReader(nil), -1); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("negative size: %v", err)
	}
}

// errReader fails every read at or after off with err.
type errReader struct {
	data []byte
	off  int64
	err  error
}

func (r errReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > r.off {
		return 0, r.err
	}
	return copy(p, r.data[off:]), nil
}

// TestReaderErrors checks that a failing reader's error is wrapped, and
// that a size larger than the data gives a *FormatError.
func TestReaderErrors(t *testing.T) {
	data := richSynth(binary.LittleEndian, true).build()
	boom := errors.New("boom")
	for _, at := range []int64{0, 8, 100, tailOff, tailOff + 130} {
		_, err := NewFile(errReader{data, at, boom}, int64(len(data)))
		var fe *FormatError
		if !errors.Is(err, boom) || errors.As(err, &fe) {
			t.Errorf("fail at %d: %v, want the reader's error wrapped", at, err)
		}
	}
	for _, cut := range []int{4, 30, 100, tailOff + 10, len(data) - 1} {
		_, err := NewFile(bytes.NewReader(data[:cut]), int64(len(data)))
		var fe *FormatError
		if !errors.As(err, &fe) || !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "end of file") {
			t.Errorf("cut at %d: %v, want an end-of-file *FormatError", cut, err)
		}
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.dylib")
	if err := os.WriteFile(good, richSynth(binary.LittleEndian, true).build(), 0o644); err != nil {
		t.Fatal(err)
	}
	if f, err := Open(good); err != nil || len(f.Slices) != 1 || f.Slices[0].InstallName != "@rpath/libsynth.1.dylib" {
		t.Errorf("Open(good) = %v, %v", f, err)
	}
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("hello, world"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(bad); !errors.Is(err, ErrNotMachO) || !strings.HasPrefix(err.Error(), bad+": macho: bad magic") {
		t.Errorf("Open(bad) error %v", err)
	}
	if _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) error %v", err)
	}
}
