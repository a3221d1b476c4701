package elf

import (
	"debug/elf"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// wantSym is a symbol a fixture must contain.
type wantSym struct {
	name, version, library string
	bind                   elf.SymBind
	defined, hidden        bool
}

// fixtureTests describes the binaries testdata/gen.sh builds from
// testdata/src.
var fixtureTests = []struct {
	file      string
	class     elf.Class
	machine   elf.Machine
	typ       elf.Type
	interp    string
	needed    []string
	soname    string
	rpath     []string
	runpath   []string
	needs     string // fmtNeeds without flags and indexes
	defs      []string
	syms      []wantSym
	dynamic   bool
	execStack bool
	isa       int
	isaNote   bool
}{
	{
		file:    "libfoo.so",
		class:   elf.ELFCLASS64,
		machine: elf.EM_X86_64,
		typ:     elf.ET_DYN,
		needed:  []string{"libm.so.6", "libc.so.6"},
		soname:  "libfoo.so.1",
		runpath: []string{"$ORIGIN/../lib"},
		needs:   "libm.so.6: GLIBC_2.29; libc.so.6: GLIBC_2.14 GLIBC_2.2.5; ",
		syms: []wantSym{
			{name: "exp", version: "GLIBC_2.29", library: "libm.so.6", bind: elf.STB_GLOBAL},
			{name: "memcpy", version: "GLIBC_2.14", library: "libc.so.6", bind: elf.STB_GLOBAL},
			{name: "__cxa_finalize", version: "GLIBC_2.2.5", library: "libc.so.6", bind: elf.STB_WEAK},
			{name: "optional_hook", bind: elf.STB_WEAK},
			{name: "PyInit_foo", bind: elf.STB_GLOBAL, defined: true},
		},
		dynamic: true,
	},
	{
		file:    "librpath.so",
		class:   elf.ELFCLASS64,
		machine: elf.EM_X86_64,
		typ:     elf.ET_DYN,
		needed:  []string{"libc.so.6"},
		rpath:   []string{"/opt/x", "", "/opt/y"},
		needs:   "libc.so.6: GLIBC_2.2.5; ",
		syms:    []wantSym{{name: "plain", bind: elf.STB_GLOBAL, defined: true}},
		dynamic: true,
	},
	{
		file:    "libvers.so",
		class:   elf.ELFCLASS64,
		machine: elf.EM_X86_64,
		typ:     elf.ET_DYN,
		soname:  "libvers.so.2",
		defs:    []string{"libvers.so.2", "VERS_1", "VERS_2"},
		syms: []wantSym{
			{name: "foo_api", version: "VERS_1", bind: elf.STB_GLOBAL, defined: true, hidden: true},
			{name: "foo_api", version: "VERS_2", bind: elf.STB_GLOBAL, defined: true},
			{name: "vers_only_1", version: "VERS_1", bind: elf.STB_GLOBAL, defined: true},
		},
		dynamic: true,
	},
	{
		file:      "libexecstack.so",
		class:     elf.ELFCLASS64,
		machine:   elf.EM_X86_64,
		typ:       elf.ET_DYN,
		needed:    []string{"libc.so.6"},
		needs:     "libc.so.6: GLIBC_2.2.5; ",
		dynamic:   true,
		execStack: true,
	},
	{
		file:    "libisav3.so",
		class:   elf.ELFCLASS64,
		machine: elf.EM_X86_64,
		typ:     elf.ET_DYN,
		needed:  []string{"libc.so.6"},
		needs:   "libc.so.6: GLIBC_2.2.5; ",
		dynamic: true,
		isa:     3,
		isaNote: true,
	},
	{
		file:    "hello",
		class:   elf.ELFCLASS64,
		machine: elf.EM_X86_64,
		typ:     elf.ET_DYN, // PIE
		interp:  "/lib64/ld-linux-x86-64.so.2",
		needed:  []string{"libc.so.6"},
		needs:   "libc.so.6: GLIBC_2.2.5 GLIBC_2.34; ",
		syms:    []wantSym{{name: "puts", version: "GLIBC_2.2.5", library: "libc.so.6", bind: elf.STB_GLOBAL}},
		dynamic: true,
		isaNote: true, // from the C runtime objects: baseline only
	},
	{
		file:    "static",
		class:   elf.ELFCLASS64,
		machine: elf.EM_X86_64,
		typ:     elf.ET_EXEC,
	},
	{
		file:    "libfoo32.so",
		class:   elf.ELFCLASS32,
		machine: elf.EM_386,
		typ:     elf.ET_DYN,
		needed:  []string{"libc.so.6"},
		soname:  "libfoo32.so",
		needs:   "libc.so.6: GLIBC_2.0; ",
		syms: []wantSym{
			{name: "memcpy", version: "GLIBC_2.0", library: "libc.so.6", bind: elf.STB_GLOBAL},
			{name: "foo32", bind: elf.STB_GLOBAL, defined: true},
		},
		dynamic: true,
	},
}

func TestFixtures(t *testing.T) {
	for _, tt := range fixtureTests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if f.Class != tt.class || f.Machine != tt.machine || f.Type != tt.typ {
				t.Errorf("class, machine, type = %v, %v, %v, want %v, %v, %v",
					f.Class, f.Machine, f.Type, tt.class, tt.machine, tt.typ)
			}
			if f.Interp != tt.interp {
				t.Errorf("Interp = %q, want %q", f.Interp, tt.interp)
			}
			if !slices.Equal(f.Needed, tt.needed) {
				t.Errorf("Needed = %q, want %q", f.Needed, tt.needed)
			}
			if f.Soname != tt.soname {
				t.Errorf("Soname = %q, want %q", f.Soname, tt.soname)
			}
			if !reflect.DeepEqual(f.RPath, tt.rpath) || !reflect.DeepEqual(f.RunPath, tt.runpath) {
				t.Errorf("RPath, RunPath = %q, %q, want %q, %q", f.RPath, f.RunPath, tt.rpath, tt.runpath)
			}
			if got := needsSummary(f.VersionNeeds); got != tt.needs {
				t.Errorf("VersionNeeds = %q, want %q", got, tt.needs)
			}
			var defs []string
			for _, d := range f.VersionDefs {
				defs = append(defs, d.Name)
			}
			if !slices.Equal(defs, tt.defs) {
				t.Errorf("VersionDefs = %q, want %q", defs, tt.defs)
			}
			if len(tt.defs) > 0 && f.VersionDefs[0].Flags&verFlagBase == 0 {
				t.Errorf("first VersionDef %+v lacks VER_FLG_BASE", f.VersionDefs[0])
			}
			for _, w := range tt.syms {
				if !hasSymbol(f.Symbols, w) {
					t.Errorf("no symbol %+v in %+v", w, f.Symbols)
				}
			}
			if f.HasDynamic != tt.dynamic || f.ExecStack != tt.execStack || !f.GNUStack {
				t.Errorf("HasDynamic, ExecStack, GNUStack = %v, %v, %v, want %v, %v, true",
					f.HasDynamic, f.ExecStack, f.GNUStack, tt.dynamic, tt.execStack)
			}
			isa, err := f.X86ISALevel()
			if isa != tt.isa || err != nil || f.HasX86ISANote != tt.isaNote {
				t.Errorf("X86ISALevel() = %d, %v (note %v), want %d (note %v)", isa, err, f.HasX86ISANote, tt.isa, tt.isaNote)
			}
			if compared := compareStd(t, tt.file, data, f); compared != tt.dynamic {
				t.Errorf("compared with debug/elf = %v, want %v", compared, tt.dynamic)
			}
		})
	}
}

// TestNoSectionHeaders checks that a library whose section headers were
// removed decodes exactly like the original: everything comes from the
// program headers. libfoo counts its symbols through DT_GNU_HASH, librpath
// through DT_HASH.
func TestNoSectionHeaders(t *testing.T) {
	for _, name := range []string{"libfoo", "librpath"} {
		t.Run(name, func(t *testing.T) {
			orig, err := Open(filepath.Join("testdata", name+".so"))
			if err != nil {
				t.Fatal(err)
			}
			stripped, err := Open(filepath.Join("testdata", name+"-noshdr.so"))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(orig, stripped) {
				t.Errorf("without section headers:\nhave %+v\nwant %+v", stripped, orig)
			}
			if len(stripped.Symbols) == 0 || len(stripped.Needed) == 0 {
				t.Errorf("no symbols or needs: %+v", stripped)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(filepath.Join("testdata", "does-not-exist")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v, want os.ErrNotExist", err)
	}
	var fe *FormatError
	if _, err := Open(filepath.Join("testdata", "gen.sh")); !errors.As(err, &fe) {
		t.Errorf("Open(gen.sh) = %v, want *FormatError", err)
	}
}

func TestX86ISALevel(t *testing.T) {
	for _, tt := range []struct {
		val     uint32
		note    bool
		want    int
		wantErr bool
	}{
		{0, false, 0, false},
		{0xff, false, 0, false}, // no note: the value is ignored
		{0, true, 0, false},
		{1, true, 0, false},
		{1 | 2, true, 2, false},
		{1 | 4, true, 3, false},
		{2 | 4, true, 3, false},
		{1 | 2 | 4 | 8, true, 4, false},
		{8 | 0x100, true, 4, false}, // a known level wins over unknown bits
		{0x10, true, 0, true},
		{1 | 0x10, true, 0, true},
	} {
		f := &File{X86ISANeeded: tt.val, HasX86ISANote: tt.note}
		got, err := f.X86ISALevel()
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("X86ISALevel(%#x, note %v) = %d, %v, want %d, error %v", tt.val, tt.note, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrUnknownISA) {
			t.Errorf("X86ISALevel(%#x) error %v does not wrap ErrUnknownISA", tt.val, err)
		}
	}
}

func TestARM(t *testing.T) {
	for _, tt := range []struct {
		machine elf.Machine
		flags   uint32
		eabi    int
		hard    bool
	}{
		{elf.EM_ARM, 0x05000400, 5, true},  // armv7l hard-float
		{elf.EM_ARM, 0x05000200, 5, false}, // armv5l soft-float
		{elf.EM_ARM, 0x04000400, 4, false}, // EABI 4 has no float flag
		{elf.EM_ARM, 0x00000400, 0, false}, // pre-EABI
		{elf.EM_AARCH64, 0x05000400, 0, false},
	} {
		f := &File{Machine: tt.machine, Flags: tt.flags}
		if eabi, hard := f.ARMEABIVersion(), f.ARMHardFloat(); eabi != tt.eabi || hard != tt.hard {
			t.Errorf("%v %#x: ARMEABIVersion, ARMHardFloat = %d, %v, want %d, %v", tt.machine, tt.flags, eabi, hard, tt.eabi, tt.hard)
		}
	}
}

func TestFormatError(t *testing.T) {
	for _, tt := range []struct {
		err  *FormatError
		want string
	}{
		{&FormatError{Offset: 0x40, Msg: "bad thing", Val: 7}, "elf: bad thing '7' at offset 0x40"},
		{&FormatError{Offset: 0, Msg: "bad thing"}, "elf: bad thing at offset 0x0"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func needsSummary(needs []VersionNeed) string {
	s := ""
	for _, n := range needs {
		s += n.File + ":"
		for _, v := range n.Versions {
			s += " " + v.Name
		}
		s += "; "
	}
	return s
}

func hasSymbol(syms []Symbol, w wantSym) bool {
	for _, s := range syms {
		if s.Name == w.name && s.Version == w.version && s.Library == w.library &&
			s.Bind == w.bind && s.Defined == w.defined && s.Hidden == w.hidden {
			return true
		}
	}
	return false
}
