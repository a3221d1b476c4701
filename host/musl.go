package host

import (
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	velf "github.com/libvet/libvet/elf"
)

// muslDefaultPath is musl's system search path when its path file does
// not exist (ldso/dynlink.c).
var muslDefaultPath = []string{"/lib", "/usr/local/lib", "/usr/lib"}

// maxMuslPathFile bounds the path file read; musl itself reads any size.
const maxMuslPathFile = 1 << 20

// NewMusl prepares musl's library search under opts.Root for binaries of
// the given machine: LD_LIBRARY_PATH, then the search paths of the
// needing binary and of the chain that loaded it ([Search]), then the
// directories of /etc/ld-musl-ARCH.path, else /lib:/usr/local/lib:/usr/lib.
// musl has no cache and no glibc-hwcaps subdirectories; opts.LDPaths
// replaces the system path.
func NewMusl(opts Options, machine elf.Machine) *Linux {
	l := newLinux(opts)
	l.musl = true
	if opts.LDPaths != nil {
		l.setLDPaths(opts.LDPaths)
		return l
	}
	file := "/etc/ld-musl-" + MuslArch(machine) + ".path"
	dirs, step := muslDefaultPath, "musl default directory "
	switch data, err := l.readFile(file, maxMuslPathFile); {
	case err == nil:
		dirs, step = ParseMuslPath(data), file+" "
	case !errors.Is(err, fs.ErrNotExist):
		l.problems = append(l.problems, fmt.Errorf("%s: %w; searching musl's default directories instead", file, err))
	}
	for _, d := range dirs {
		l.system = append(l.system, dirStep{dir: d, step: step + d})
	}
	return l
}

// ParseMuslPath splits the contents of an ld-musl-ARCH.path file into
// its directories, as musl does: entries are separated by ':' or
// newlines, and empty ones are dropped. Entries are kept as written,
// relative ones included (musl opens those relative to the working
// directory; a static search never finds them).
func ParseMuslPath(data []byte) []string {
	return strings.FieldsFunc(string(data), func(r rune) bool { return r == ':' || r == '\n' }) // never empty fields
}

// MuslArch is musl's name for a machine, as in ld-musl-ARCH.so.1 and
// ld-musl-ARCH.path: "x86_64", "aarch64", "i386", "armhf", "ppc64le",
// "s390x", "riscv64"; "" when musl has no port to it that libvet knows.
func MuslArch(machine elf.Machine) string {
	switch machine {
	case elf.EM_X86_64:
		return "x86_64"
	case elf.EM_AARCH64:
		return "aarch64"
	case elf.EM_386:
		return "i386"
	case elf.EM_ARM:
		return "armhf"
	case elf.EM_PPC64:
		return "powerpc64le"
	case elf.EM_S390:
		return "s390x"
	case elf.EM_RISCV:
		return "riscv64"
	}
	return ""
}

// muslReserved are the names musl answers with itself: libc, libpthread,
// librt, libm, libdl, libutil and libxnet, under any suffix ("libc.so",
// "libc.musl-x86_64.so.1", "libm.so.6").
var muslReserved = []string{"c.", "pthread.", "rt.", "m.", "dl.", "util.", "xnet."}

// MuslReserved reports whether musl's loader answers a need for name with
// itself rather than searching for it.
func MuslReserved(name string) bool {
	rest, ok := strings.CutPrefix(name, "lib")
	if !ok {
		return false
	}
	for _, r := range muslReserved {
		if strings.HasPrefix(rest, r) {
			return true
		}
	}
	return false
}

// findMusl is musl's search (ldso/dynlink.c, load_library): reserved
// names are the loader itself; then LD_LIBRARY_PATH; then the needing
// binary's search path and those of its loaders; then the system path.
func (l *Linux) findMusl(soname string, q query) *Library {
	if MuslReserved(soname) {
		ldso := "/lib/ld-musl-" + MuslArch(q.machine) + ".so.1"
		real, ok := RealPath(l.root, ldso)
		if !ok {
			return nil // no musl loader for this machine in the root
		}
		return &Library{Path: ldso, RealPath: real, Step: "musl libc itself (a reserved name)", File: l.parse(hostPath(l.root, real))}
	}
	for _, d := range l.env {
		if lib := l.tryDir(searchDir{dir: d}, "LD_LIBRARY_PATH "+d, soname, q); lib != nil {
			return lib
		}
	}
	tag := "RPATH "
	if len(q.runpath) > 0 {
		tag = "RUNPATH "
	}
	own := q.rpath
	if len(q.runpath) > 0 {
		own = q.runpath
	}
	for _, d := range own {
		if lib := l.tryDir(d, tag+d.name(), soname, q); lib != nil {
			return lib
		}
	}
	for _, d := range q.inherited {
		step := "inherited search path " + d.name()
		if d.of != "" {
			step = "search path " + d.name()
		}
		if lib := l.tryDir(d, step, soname, q); lib != nil {
			return lib
		}
	}
	for _, st := range l.system {
		if lib := l.tryDir(searchDir{dir: st.dir}, st.step, soname, q); lib != nil {
			return lib
		}
	}
	return nil
}

// IsMusl reports whether the ELF binary f is built for musl (see isMusl).
func IsMusl(f *velf.File) bool { return isMusl(f.Interp, f.Needed) }

// isMusl reports whether a binary is built for musl: its interpreter is
// ld-musl-*, or it needs musl's libc by a name glibc never uses
// ("libc.musl-x86_64.so.1", or the unversioned "libc.so" of musllinux
// wheels).
func isMusl(interp string, needed []string) bool {
	if strings.HasPrefix(path.Base(interp), "ld-musl-") {
		return true
	}
	for _, n := range needed {
		if n == "libc.so" || strings.HasPrefix(n, "libc.musl-") {
			return true
		}
	}
	return false
}
