package audit

import (
	"debug/elf"
	"fmt"
	"path"
	"strings"

	velf "github.com/libvet/libvet/elf"
)

// describeELF turns a parsed ELF file into a Binary, in one pass over its
// dynamic symbols.
func describeELF(member string, f *velf.File) *Binary {
	b := &Binary{
		Member:  member,
		Format:  FormatELF,
		Arch:    elfArch(f),
		Machine: elfMachine(f),
		Type:    elfType(f),
		Interp:  f.Interp,
		Soname:  f.Soname,
		Needed:  nonNil(f.Needed),
		RPath:   f.RPath,
		RunPath: f.RunPath,
	}
	for _, vn := range f.VersionNeeds {
		for _, v := range vn.Versions {
			b.Versions = append(b.Versions, VersionNeed{Library: vn.File, Version: v.Name, Weak: v.Weak()})
		}
	}
	mod := moduleName(member)
	for i := range f.Symbols {
		s := &f.Symbols[i]
		if s.Defined {
			if b.Extension == "" && s.Type == elf.STT_FUNC && isModuleInit(s.Name, mod) {
				b.Extension = mod
			}
			continue
		}
		if s.Name == "" {
			continue
		}
		b.Imports = append(b.Imports, Import{
			Name:    s.Name,
			Version: s.Version,
			Library: s.Library,
			Weak:    s.Bind == elf.STB_WEAK,
			Func:    s.Type == elf.STT_FUNC,
			Object:  s.Type == elf.STT_OBJECT,
		})
	}
	if f.Machine == elf.EM_X86_64 {
		switch lvl, err := f.X86ISALevel(); {
		case err != nil:
			b.ISA = ISAUnknown
		case lvl > 1:
			b.ISA = fmt.Sprintf("x86-64-v%d", lvl)
		}
	}
	b.ExecStack = f.ExecStack
	b.Libc, b.LibcReason = elfLibc(f)
	return b
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// moduleName is the Python module name an extension file provides: its
// base name up to the first dot ("_core" for "_core.cpython-312-x86_64-linux-gnu.so").
func moduleName(member string) string {
	base := path.Base(member)
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	return base
}

// isModuleInit reports whether sym is the init function of module mod:
// PyInit_<mod> (Python 3), init<mod> (Python 2) or _cffi_pypyinit_<mod>
// (PyPy CFFI modules).
func isModuleInit(sym, mod string) bool {
	if mod == "" {
		return false
	}
	return sym == "PyInit_"+mod || sym == "init"+mod || sym == "_cffi_pypyinit_"+mod
}

// elfArch maps an ELF machine to the architecture that platform tags use,
// as auditwheel does; "" when no platform tag names it.
func elfArch(f *velf.File) string {
	is64 := f.Class == elf.ELFCLASS64
	le := f.Data == elf.ELFDATA2LSB
	switch f.Machine {
	case elf.EM_386:
		if !is64 && le {
			return "i686"
		}
	case elf.EM_X86_64:
		if is64 && le {
			return "x86_64"
		}
	case elf.EM_AARCH64:
		if is64 && le {
			return "aarch64"
		}
	case elf.EM_ARM:
		if !is64 && le && f.ARMHardFloat() {
			return "armv7l"
		}
	case elf.EM_PPC64:
		if is64 && le {
			return "ppc64le"
		}
		if is64 {
			return "ppc64"
		}
	case elf.EM_S390:
		if is64 && !le {
			return "s390x"
		}
	case elf.EM_RISCV:
		if is64 && le {
			return "riscv64"
		}
	case elf.EM_LOONGARCH:
		if is64 && le {
			return "loongarch64"
		}
	}
	return ""
}

// elfMachine describes the machine for messages: "EM_ARM 32-bit LSB
// (EABI5, soft-float)".
func elfMachine(f *velf.File) string {
	bits := "32-bit"
	if f.Class == elf.ELFCLASS64 {
		bits = "64-bit"
	}
	order := "LSB"
	if f.Data == elf.ELFDATA2MSB {
		order = "MSB"
	}
	s := fmt.Sprintf("%v %s %s", f.Machine, bits, order)
	if f.Machine == elf.EM_ARM {
		float := "soft-float"
		if f.ARMHardFloat() {
			float = "hard-float"
		}
		s += fmt.Sprintf(" (EABI%d, %s)", f.ARMEABIVersion(), float)
	}
	return s
}

// dfPIE is DF_1_PIE in DT_FLAGS_1: a position-independent executable.
const dfPIE = 0x08000000

func elfType(f *velf.File) string {
	switch t := f.Type; t {
	case elf.ET_DYN:
		if f.DynFlags1&dfPIE != 0 {
			return "executable"
		}
		return "shared-object"
	case elf.ET_EXEC:
		return "executable"
	case elf.ET_REL:
		return "relocatable"
	case elf.ET_CORE:
		return "core"
	}
	return f.Type.String()
}

// elfLibc decides the C library from the binary's own contents: its
// interpreter, then its needed libraries. It returns LibcUnknown when
// the binary names no C library (a static binary, or an extension that
// links nothing).
func elfLibc(f *velf.File) (Libc, string) {
	if f.Interp != "" {
		if strings.Contains(path.Base(f.Interp), "ld-musl-") {
			return Musl, "PT_INTERP " + f.Interp
		}
		return Glibc, "PT_INTERP " + f.Interp
	}
	for _, n := range f.Needed {
		switch {
		case strings.HasPrefix(n, "libc.musl-"), strings.HasPrefix(n, "ld-musl-"):
			return Musl, "DT_NEEDED " + n
		case n == "libc.so.6", strings.HasPrefix(n, "ld-linux"), strings.HasPrefix(n, "ld64.so."):
			return Glibc, "DT_NEEDED " + n
		}
	}
	return LibcUnknown, ""
}
