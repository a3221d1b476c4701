package macho

import (
	"fmt"
	"io"
	"strconv"

	"github.com/libvet/libvet/internal/binio"
)

// File describes a Mach-O file: a thin file (one slice) or a fat
// (universal) file holding one slice per architecture.
type File struct {
	// Fat reports a fat header (FAT_MAGIC or FAT_MAGIC_64), even one
	// that wraps a single slice.
	Fat bool
	// Slices lists the slices in fat header order; a thin file has one.
	Slices []*Slice
}

// Slice is one Mach-O image: a thin file, or one architecture of a fat
// file. Every offset in its load commands is relative to Offset.
type Slice struct {
	// Offset and Size give where the slice lives in the file: 0 and the
	// file size for a thin file, the fat_arch offset and size otherwise.
	Offset, Size int64

	// CPU and SubCPU are the mach header's cputype and cpusubtype, the
	// latter with the capability bits (CPU_SUBTYPE_MASK, 0xff000000)
	// cleared; SubCPURaw keeps them (x86_64 dylibs often read 0x80000003,
	// arm64e binaries carry the pointer-authentication ABI bits there).
	CPU, SubCPU uint32
	SubCPURaw   uint32
	// Arch is the architecture name lipo uses: "x86_64", "x86_64h",
	// "arm64", "arm64e", "arm64_32", "i386", "ppc", "ppc64", "armv7",
	// "armv7s", "armv7k", "armv6", "arm" (other ARM subtypes), else
	// "cpu(0x..)".
	Arch string
	// Is64 reports a 64-bit mach header (MH_MAGIC_64); BigEndian reports
	// a big-endian one (ppc, ppc64).
	Is64, BigEndian bool

	// Type is the filetype (MH_EXECUTE, MH_DYLIB, MH_BUNDLE, ...) and
	// TypeName its name: "object", "executable", "fvmlib", "core",
	// "preload", "dylib", "dylinker", "bundle", "dylib_stub", "dsym",
	// "kext_bundle", "fileset", "gpu_execute", "gpu_dylib", else
	// "type(0x..)".
	Type     uint32
	TypeName string
	// Flags is the mach header's flags field (MH_TWOLEVEL, MH_PIE, ...).
	Flags uint32
	// NCmds is the number of load commands.
	NCmds uint32

	// InstallName is the LC_ID_DYLIB name, "" if none (the first one if
	// a malformed file has several).
	InstallName string
	// Dylibs lists every dependent-library load command (LC_LOAD_DYLIB,
	// LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB, LC_LOAD_UPWARD_DYLIB,
	// LC_LAZY_LOAD_DYLIB) in load order, which is dyld's library ordinal
	// order: Dylibs[i] has ordinal i+1.
	Dylibs []Dylib
	// RPaths lists the LC_RPATH paths in load order.
	RPaths []string

	// Platform, MinOS and SDK describe the deployment target: from the
	// first macOS entry of Builds (LC_BUILD_VERSION with platform macOS,
	// or LC_VERSION_MIN_MACOSX), else from Builds[0] ("ios", "tvos",
	// "watchos" for the other LC_VERSION_MIN_* commands). All three are
	// zero when the slice has no such command (old binaries, some object
	// files).
	Platform   string
	MinOS, SDK Version
	// Builds lists every LC_BUILD_VERSION and LC_VERSION_MIN_* command
	// in load order; a "zippered" binary has one for macOS and one for
	// Mac Catalyst.
	Builds []Build

	// CodeSignature reports an LC_CODE_SIGNATURE command; the signature
	// itself is not read or checked.
	CodeSignature bool

	// Imports lists the undefined external symbols of the symbol table
	// (LC_SYMTAB, restricted to LC_DYSYMTAB's undefined range when that
	// command is present), in symbol table order. Common symbols
	// (undefined with a non-zero value, found in object files) are left
	// out.
	Imports []Symbol
}

// Dylib is one dependent-library load command.
type Dylib struct {
	// Name is the install name as written: an absolute path, a bare
	// name, or one starting with @rpath/, @loader_path/ or
	// @executable_path/.
	Name string
	// Kind is "load" (LC_LOAD_DYLIB), "weak" (LC_LOAD_WEAK_DYLIB),
	// "reexport" (LC_REEXPORT_DYLIB), "upward" (LC_LOAD_UPWARD_DYLIB),
	// "lazy" (LC_LAZY_LOAD_DYLIB, which current dyld ignores) or, only in
	// the newer dylib_use_command encoding, "delayed" (delay-init). For
	// that encoding Kind comes from the flags: reexport, then upward,
	// then delayed, then weak win.
	Kind string
	// Weak reports that dyld tolerates the library's absence:
	// LC_LOAD_WEAK_DYLIB, or DYLIB_USE_WEAK_LINK in a dylib_use_command.
	Weak bool
	// CurrentVersion and CompatVersion are the versions recorded at link
	// time.
	CurrentVersion, CompatVersion Version
}

// Build is one LC_BUILD_VERSION or LC_VERSION_MIN_* command.
type Build struct {
	// Platform is "macos", "ios", "tvos", "watchos", "bridgeos",
	// "maccatalyst", "iossimulator", "tvossimulator", "watchossimulator",
	// "driverkit", "visionos", "visionossimulator", "firmware", "sepos",
	// else "platform(N)".
	Platform   string
	MinOS, SDK Version
}

// Version is a version packed in the Mach-O xxxx.yy.zz format: 16 bits of
// major, 8 of minor and 8 of patch.
type Version struct {
	Major, Minor, Patch uint32
}

// VersionFromPacked decodes a version packed as major<<16 | minor<<8 |
// patch.
func VersionFromPacked(v uint32) Version {
	return Version{Major: v >> 16, Minor: v >> 8 & 0xff, Patch: v & 0xff}
}

// String returns "major.minor", or "major.minor.patch" when the patch is
// not zero: "10.9", "11.0", "10.15.7".
func (v Version) String() string {
	s := strconv.FormatUint(uint64(v.Major), 10) + "." + strconv.FormatUint(uint64(v.Minor), 10)
	if v.Patch != 0 {
		s += "." + strconv.FormatUint(uint64(v.Patch), 10)
	}
	return s
}

// IsZero reports the zero version, which also stands for "none".
func (v Version) IsZero() bool { return v == Version{} }

// Compare returns -1, 0 or +1 as v is older than, equal to or newer than w.
func (v Version) Compare(w Version) int {
	for _, d := range [...][2]uint32{{v.Major, w.Major}, {v.Minor, w.Minor}, {v.Patch, w.Patch}} {
		if d[0] != d[1] {
			if d[0] < d[1] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// Symbol is one imported (undefined external) symbol.
type Symbol struct {
	// Name is the symbol name as stored, with its leading underscore
	// ("_malloc").
	Name string
	// Ordinal is the library the symbol binds to in a two-level
	// namespace image (GET_LIBRARY_ORDINAL(n_desc)): 1..253 is
	// Dylibs[Ordinal-1] (see [Slice.Library]); [OrdinalSelf] (0) is the
	// image itself and is also used for every symbol of a flat-namespace
	// image (no MH_TWOLEVEL flag: object files, Go-built binaries);
	// [OrdinalDynamicLookup] (-1) is DYNAMIC_LOOKUP_ORDINAL (looked up in
	// every loaded image, as with -undefined dynamic_lookup, which Python
	// extensions use for the interpreter's symbols); [OrdinalExecutable]
	// (-2) is EXECUTABLE_ORDINAL (the main executable).
	Ordinal int
	// Weak reports N_WEAK_REF: the symbol may be missing at run time.
	Weak bool
}

// Special values of [Symbol.Ordinal].
const (
	OrdinalSelf          = 0  // SELF_LIBRARY_ORDINAL, or a flat-namespace image
	OrdinalDynamicLookup = -1 // DYNAMIC_LOOKUP_ORDINAL (0xfe)
	OrdinalExecutable    = -2 // EXECUTABLE_ORDINAL (0xff)
)

// TwoLevel reports the MH_TWOLEVEL header flag: symbol ordinals name the
// library each import binds to.
func (s *Slice) TwoLevel() bool { return s.Flags&mhTwoLevel != 0 }

// Library returns the dependent library with the given ordinal (1 is
// Dylibs[0]), and false for a special or out-of-range ordinal.
func (s *Slice) Library(ordinal int) (Dylib, bool) {
	if ordinal < 1 || ordinal > len(s.Dylibs) {
		return Dylib{}, false
	}
	return s.Dylibs[ordinal-1], true
}

// Arches returns the architecture names of the slices, in order.
func (f *File) Arches() []string {
	out := make([]string, len(f.Slices))
	for i, s := range f.Slices {
		out[i] = s.Arch
	}
	return out
}

// NewFile decodes the Mach-O or fat file of the given size read through r,
// which must start at the file's first byte. It reads only the headers,
// the load commands and the parts of the symbol table it needs, never the
// whole file. Input that is not Mach-O gives a *FormatError wrapping
// [ErrNotMachO]; a malformed, truncated or oversized file gives another
// *FormatError. When r fails with an error other than io.EOF, NewFile
// returns that error wrapped. NewFile does not panic: a panic inside the
// parser is recovered and returned as a *FormatError.
func NewFile(r io.ReaderAt, size int64) (f *File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, &FormatError{Offset: -1, Msg: panicMsg, Val: p}
		}
	}()
	if size < 0 {
		return nil, formatErr(0, "negative file size", size)
	}
	d := &decoder{r: r, size: uint64(size)}
	return d.decode()
}

// Open opens the named file and decodes it with [NewFile].
func Open(name string) (*File, error) { return binio.Open(name, NewFile) }

// CPU types (mach/machine.h).
const (
	cpuArch64   = 0x01000000 // CPU_ARCH_ABI64
	cpuArch6432 = 0x02000000 // CPU_ARCH_ABI64_32
	cpuX86      = 7
	cpuX86_64   = cpuX86 | cpuArch64
	cpuARM      = 12
	cpuARM64    = cpuARM | cpuArch64
	cpuARM64_32 = cpuARM | cpuArch6432
	cpuPPC      = 18
	cpuPPC64    = cpuPPC | cpuArch64

	cpuSubtypeMask = 0xff000000 // CPU_SUBTYPE_MASK
)

// archName returns lipo's name for a cputype and masked cpusubtype.
func archName(cpu, sub uint32) string {
	switch cpu {
	case cpuX86:
		return "i386"
	case cpuX86_64:
		if sub == 8 { // CPU_SUBTYPE_X86_64_H
			return "x86_64h"
		}
		return "x86_64"
	case cpuARM64:
		if sub == 2 { // CPU_SUBTYPE_ARM64E
			return "arm64e"
		}
		return "arm64"
	case cpuARM64_32:
		return "arm64_32"
	case cpuARM:
		switch sub {
		case 6:
			return "armv6"
		case 9:
			return "armv7"
		case 11:
			return "armv7s"
		case 12:
			return "armv7k"
		}
		return "arm"
	case cpuPPC:
		return "ppc"
	case cpuPPC64:
		return "ppc64"
	}
	return fmt.Sprintf("cpu(%#x)", cpu)
}

var typeNames = [...]string{
	1:  "object",
	2:  "executable",
	3:  "fvmlib",
	4:  "core",
	5:  "preload",
	6:  "dylib",
	7:  "dylinker",
	8:  "bundle",
	9:  "dylib_stub",
	10: "dsym",
	11: "kext_bundle",
	12: "fileset",
	13: "gpu_execute",
	14: "gpu_dylib",
}

// Values of [Slice.Type] (mach-o/loader.h) that libvet acts on.
const (
	TypeObject  = 0x1 // MH_OBJECT: relocatable object file
	TypeExecute = 0x2 // MH_EXECUTE: executable
	TypeDylib   = 0x6 // MH_DYLIB: dynamic library
	TypeBundle  = 0x8 // MH_BUNDLE: bundle (how Python extension modules are usually linked)
)

func typeName(t uint32) string {
	if t < uint32(len(typeNames)) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%#x)", t)
}

var platformNames = [...]string{
	1:  "macos",
	2:  "ios",
	3:  "tvos",
	4:  "watchos",
	5:  "bridgeos",
	6:  "maccatalyst",
	7:  "iossimulator",
	8:  "tvossimulator",
	9:  "watchossimulator",
	10: "driverkit",
	11: "visionos",
	12: "visionossimulator",
	13: "firmware",
	14: "sepos",
}

func platformName(p uint32) string {
	if p < uint32(len(platformNames)) && platformNames[p] != "" {
		return platformNames[p]
	}
	return fmt.Sprintf("platform(%d)", p)
}
