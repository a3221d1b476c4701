package elf

import (
	"debug/elf"
	"fmt"
	"io"

	"github.com/libvet/libvet/internal/binio"
)

// File describes one ELF binary: everything libvet needs, decoded in one
// pass by [NewFile].
//
// Every string that comes from the dynamic string table (needed libraries,
// soname, search paths, version and symbol names) shares that table's
// memory, which stays allocated while any of them is referenced. Copy the
// few strings to keep (strings.Clone) when caching results for many files.
type File struct {
	// Class through Flags are the ELF header fields: the identification
	// bytes, e_type, e_machine and e_flags.
	Class      elf.Class
	Data       elf.Data
	Machine    elf.Machine
	OSABI      elf.OSABI
	ABIVersion uint8
	Type       elf.Type
	Flags      uint32 // e_flags, which debug/elf does not expose

	// Interp is the PT_INTERP path up to its first NUL, "" if none.
	Interp string

	// Needed lists the DT_NEEDED entries in file order.
	Needed []string
	// Soname is DT_SONAME, "" if none.
	Soname string
	// RPath and RunPath are DT_RPATH and DT_RUNPATH split on ':', with
	// empty elements kept as "" (the loader reads them as the current
	// directory). They are nil when the tag is absent.
	RPath   []string
	RunPath []string
	// DynFlags and DynFlags1 are DT_FLAGS and DT_FLAGS_1, 0 when absent.
	DynFlags, DynFlags1 uint64
	// HasDynamic reports a PT_DYNAMIC segment or, for files without
	// one, an SHT_DYNAMIC section.
	HasDynamic bool

	// VersionNeeds is the version needs table (.gnu.version_r,
	// DT_VERNEED): per library, in file order.
	VersionNeeds []VersionNeed
	// VersionDefs is the version definition table (.gnu.version_d,
	// DT_VERDEF), in file order, including the base version (index 1).
	VersionDefs []VersionDef
	// Symbols lists every dynamic symbol (.dynsym, DT_SYMTAB) in table
	// order, leaving out the null symbol at index 0: Symbols[i] is the
	// symbol with index i+1.
	Symbols []Symbol

	// X86ISANeeded is the GNU_PROPERTY_X86_ISA_1_NEEDED value of the GNU
	// property note, and HasX86ISANote reports whether there is one.
	// Only EM_X86_64 and EM_386 files are searched: the property number
	// means something else on other machines.
	X86ISANeeded  uint32
	HasX86ISANote bool

	// GNUStack reports a PT_GNU_STACK segment; ExecStack reports that it
	// asks for an executable stack (PF_X). Without PT_GNU_STACK most
	// loaders also give an executable stack.
	GNUStack  bool
	ExecStack bool
}

// VersionNeed is one entry of the version needs table: the versions the
// file needs from one library.
type VersionNeed struct {
	File     string // the library's soname, as in DT_NEEDED
	Versions []NeedVersion
}

// NeedVersion is one version needed from a library (an Elf_Vernaux).
type NeedVersion struct {
	Name  string // version name, e.g. "GLIBC_2.17"
	Hash  uint32 // ELF hash of Name
	Flags uint16 // VER_FLG_WEAK (0x2) marks a weak need
	Other uint16 // version index, as used in the versym table
}

// Weak reports whether the need is weak (VER_FLG_WEAK): the loader only
// warns when the library lacks the version.
func (v NeedVersion) Weak() bool { return v.Flags&verFlagWeak != 0 }

// VersionDef is one entry of the version definition table.
type VersionDef struct {
	Name  string // version name; for the base version, the soname
	Index uint16 // version index, as used in the versym table
	Flags uint16 // VER_FLG_BASE (0x1) marks the base version
}

// Symbol is one dynamic symbol.
type Symbol struct {
	Name string
	// Version is the symbol's version name from the versym table, ""
	// when the file has none or the index is 0 (local) or 1 (global).
	Version string
	// Library is the library (verneed file) that must provide Version.
	// It is set when Version comes from the version needs table, which
	// in a well-formed file means the symbol is undefined.
	Library    string
	Bind       elf.SymBind
	Type       elf.SymType
	Visibility elf.SymVis
	// Defined reports st_shndx != SHN_UNDEF: the file provides the
	// symbol rather than imports it.
	Defined bool
	// Hidden reports the versym hidden bit (0x8000): the symbol binds
	// only when asked for by exact version (a non-default "name@VER").
	Hidden bool
}

// panicMsg is the FormatError message for a recovered panic.
const panicMsg = "internal error decoding file (please report)"

const (
	verFlagBase = 0x1 // VER_FLG_BASE
	verFlagWeak = 0x2 // VER_FLG_WEAK
)

// NewFile decodes the ELF file of the given size read through r, which
// must start at the file's first byte. It reads only the structures File
// describes, never the whole file, and returns a *FormatError for a
// malformed, truncated or oversized file. When r fails with an error other
// than io.EOF, NewFile returns that error wrapped, so that errors.As and
// errors.Is see it. NewFile does not panic: a panic inside the parser is
// recovered and returned as a *FormatError.
func NewFile(r io.ReaderAt, size int64) (f *File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, &FormatError{Msg: panicMsg, Val: p}
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

// ARM e_flags bits.
const (
	armEABIMask      = 0xff000000 // EF_ARM_EABIMASK
	armABIFloatHard  = 0x00000400 // EF_ARM_ABI_FLOAT_HARD
	armEABIVersion5  = 5
	x86ISANeededProp = 0xc0008002 // GNU_PROPERTY_X86_ISA_1_NEEDED
)

// ARMEABIVersion returns the ARM EABI version from e_flags (5 for every
// current toolchain), or 0 for a non-ARM file or a pre-EABI one.
func (f *File) ARMEABIVersion() int {
	if f.Machine != elf.EM_ARM {
		return 0
	}
	return int(f.Flags&armEABIMask) >> 24
}

// ARMHardFloat reports an EM_ARM file built for the EABI version 5
// hard-float ABI (EF_ARM_ABI_FLOAT_HARD), which is what the armv7l
// platform tag requires.
func (f *File) ARMHardFloat() bool {
	return f.ARMEABIVersion() == armEABIVersion5 && f.Flags&armABIFloatHard != 0
}

// X86ISALevel returns the x86-64 micro-architecture level the file's GNU
// property note says it needs, with auditwheel's reading of
// GNU_PROPERTY_X86_ISA_1_NEEDED: the baseline bit (0x1) is ignored, then
// 0x8 means level 4, else 0x4 level 3, else 0x2 level 2. Level 0 is the
// baseline, also returned when there is no note. Any other non-zero value
// returns an error wrapping [ErrUnknownISA].
func (f *File) X86ISALevel() (level int, err error) {
	if !f.HasX86ISANote {
		return 0, nil
	}
	v := f.X86ISANeeded &^ 1
	switch {
	case v&8 != 0:
		return 4, nil
	case v&4 != 0:
		return 3, nil
	case v&2 != 0:
		return 2, nil
	case v != 0:
		return 0, fmt.Errorf("%w: GNU_PROPERTY_X86_ISA_1_NEEDED %#x", ErrUnknownISA, f.X86ISANeeded)
	}
	return 0, nil
}

// dfNodefLib is DF_1_NODEFLIB in DT_FLAGS_1.
const dfNodefLib = 0x800

// NoDefLib reports DF_1_NODEFLIB ("-z nodeflib"): ld.so does not search
// the default directories for this object's dependencies.
func (f *File) NoDefLib() bool { return f.DynFlags1&dfNodefLib != 0 }
