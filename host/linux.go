// Package host finds shared libraries on a host (or under a root
// directory) the way the dynamic loader would, without running anything,
// and reads the package databases that say which installed package
// provides a file or a library.
//
// Four loaders are emulated, all inside a root directory: every path is
// resolved within the root, an absolute symbolic link is taken relative
// to the root and ".." stops at it, so nothing outside the root is read
// (except the binary asked about and what its $ORIGIN names, when it
// lies outside the root). Every resolution names the search step that
// found it.
//
//   - glibc ([NewLinux]): the needing binary's DT_RPATH (only when it has
//     no DT_RUNPATH), then the DT_RPATHs of the chain of objects that
//     loaded it, LD_LIBRARY_PATH, its DT_RUNPATH, /etc/ld.so.cache (read
//     in glibc's binary format, glibc-hwcaps entries included), then the
//     default directories, as ld.so does; "-z nodeflib" skips the last
//     two. Every directory is first searched in its glibc-hwcaps
//     subdirectories (x86-64-v4, v3, v2) up to a configurable CPU level.
//     Without a cache the directories of /etc/ld.so.conf (with its
//     include globs) are searched instead, as auditwheel does;
//     [Options.LDPaths] replaces both. $ORIGIN, $LIB and $PLATFORM are
//     expanded ([Linux.Expand]).
//   - musl ([NewMusl]): LD_LIBRARY_PATH, then the DT_RUNPATH (else
//     DT_RPATH) of the needing binary and of every object up the chain
//     that loaded it, then the directories of /etc/ld-musl-ARCH.path, by
//     default /lib:/usr/local/lib:/usr/lib; no cache. The names musl
//     reserves for itself (libc.so, libm.so, libpthread.so, ...) are the
//     loader.
//   - dyld ([Dyld], for Mach-O files): @rpath along the LC_RPATH stack of
//     the loader chain, @loader_path, @executable_path,
//     DYLD_LIBRARY_PATH and DYLD_FALLBACK_LIBRARY_PATH; the system
//     libraries of /usr/lib and /System/Library that exist only in the
//     dyld shared cache count as found.
//   - Windows ([WindowsLoader], for PE files): the application directory,
//     System32 (SysWOW64 for 32-bit images) and the Windows directory of
//     the root, then PATH; names compare case-insensitively and API sets
//     are virtual.
//
// A candidate counts only if it is compatible with the needing binary:
// the same ELF class, byte order and machine, the same Mach-O CPU type,
// the same PE machine. [Tree] builds the whole dependency tree of one
// binary in the loader's breadth-first load order, with each library's
// owning package and the ELF version definitions it lacks.
//
// [ReadDpkg] reads a Debian root's dpkg database (var/lib/dpkg: the
// status file, or status.d in distroless images; the file lists; the
// shlibs and symbols files; the diversions) and [ReadCondaPrefix] a conda
// environment's conda-meta records, both through an fs.FS. [Dpkg.Owner]
// and [CondaPrefix.Owner] name the [Package] that installed a file (dpkg
// under both spellings of a merged-/usr path, /usr/lib/x and /lib/x);
// [Dpkg.SharedLibrary] names the package that declares a soname and the
// dependency a binary linked with it gets; [Dpkg.Satisfies] says whether
// an installed package meets a Debian relation. The formats themselves
// are parsed by internal/debian and internal/conda.
//
// # Limitations
//
// glibc: the legacy hwcaps subdirectories (tls, haswell, x86_64, removed
// in glibc 2.37) and the glibc-hwcaps subdirectories of other
// architectures (power9, z13, ...) are not searched; $LIB is chosen from
// what the root holds (see [Linux.Expand]); relative search path entries
// (relative to the process's working directory) are skipped; the
// LD_PRELOAD, /etc/ld.so.preload and dlopen loads are not seen; the
// cache's hwcap bits other than the glibc-hwcaps extension are ignored.
// musl: the path file is read from the root's /etc, whatever the
// loader's install prefix. dyld: the shared cache's contents are not
// known, so any /usr/lib or /System/Library install name missing on disk
// is taken as in the cache; framework and DYLD_FRAMEWORK_PATH searches,
// DYLD_IMAGE_SUFFIX and the default fallback $HOME/lib are not
// emulated. Windows: KnownDLLs, side-by-side manifests, the current
// directory and the 16-bit System directory are not searched, delay-load
// imports are listed as optional, and a DLL must have exactly the
// importing image's machine (ARM64EC and ARM64X hybrids are not modelled).
//
// The dpkg reader applies the merged-/usr aliases whether or not the root
// is merged, matches Debian architecture wildcards ("linux-any") without
// dpkg's table of architecture tuples, and does not follow
// /etc/alternatives. In a distroless image the md5sums files are the only
// file lists, so symlinks and directories there have no owner. In a conda
// environment only the paths its records list have an owner.
package host

import (
	"bufio"
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	velf "github.com/libvet/libvet/elf"
)

// Options configures a [Linux] host.
type Options struct {
	// Root is the root directory of the host, "/" when empty.
	Root string
	// LDPaths, when non-nil, replaces the system directories
	// (ld.so.cache, ld.so.conf and defaults; musl's path file), like
	// auditwheel's --ldpaths.
	LDPaths []string
	// LibraryPath is LD_LIBRARY_PATH, searched after DT_RPATH.
	LibraryPath []string
	// X86Level is the x86-64 micro-architecture level, 1 (the
	// baseline) to 4, whose glibc-hwcaps subdirectories (x86-64-v2 to
	// x86-64-v4) glibc searches for x86-64 libraries. 0 means the level
	// of the machine running libvet when Root is "/", else 1.
	X86Level int
}

// Library is a library found on the host.
type Library struct {
	// Path is the path searched ("/usr/lib/x86_64-linux-gnu/libz.so.1"),
	// inside the root.
	Path string
	// RealPath is Path with symlinks resolved inside the root.
	RealPath string
	// Step names the search step that found it ("RUNPATH /opt/lib",
	// "ld.so.conf /usr/local/lib", "LD_LIBRARY_PATH /x").
	Step string
	// File is the parsed library.
	File *velf.File
	// outside is set for a library found through the $ORIGIN of a
	// binary that lies outside the root: Path and RealPath are paths of
	// this machine, not of the root.
	outside bool
}

// Linux is a Linux host's library search: glibc's ([NewLinux]) or
// musl's ([NewMusl]). It is safe for concurrent use.
type Linux struct {
	root   string
	musl   bool
	env    []string
	system []dirStep
	// multiarch are the root's multiarch directories, default
	// directories of Debian's ld.so (skipped with -z nodeflib too).
	multiarch []string
	x86Level  int
	ldpaths   bool // the system directories are --ldpaths'
	mu        sync.Mutex
	parsed    *fileCache[velf.File] // by host path
	libs      map[libKey]string     // $LIB by machine
	// cache maps a soname to its ld.so.cache entries, in file order; nil
	// when there is no usable cache.
	cache map[string][]cacheEntry
	// problems are what could not be read (a corrupt cache).
	problems []error
}

// Problems returns what could not be read of the root's loader
// configuration, such as a corrupt /etc/ld.so.cache.
func (l *Linux) Problems() []error { return l.problems }

type libKey struct {
	class   elf.Class
	machine elf.Machine
}

// dirStep is a system directory and the step that names it; deflib
// marks ld.so's default directories, which -z nodeflib skips.
type dirStep struct {
	dir, step string
	deflib    bool
}

// defaultDirs are searched after ld.so.conf, as auditwheel and ld.so do.
var defaultDirs = []string{"/lib", "/lib64", "/usr/lib", "/usr/lib64"}

// multiarchDirs returns the root's multiarch library directories
// (/lib/x86_64-linux-gnu, /usr/lib/aarch64-linux-gnu, ...), sorted.
func (l *Linux) multiarchDirs() []string {
	var out []string
	for _, base := range []string{"/lib", "/usr/lib"} {
		real, ok := RealPath(l.root, base)
		if !ok {
			continue
		}
		entries, _ := os.ReadDir(hostPath(l.root, real))
		for _, e := range entries {
			if e.IsDir() && strings.Contains(e.Name(), "-linux-gnu") {
				out = append(out, base+"/"+e.Name())
			}
		}
	}
	return out
}

// NewLinux prepares glibc's library search under opts.Root.
func NewLinux(opts Options) *Linux {
	l := newLinux(opts)
	if opts.LDPaths != nil {
		l.setLDPaths(opts.LDPaths)
		return l
	}
	seen := map[string]bool{}
	if l.cache = l.readCache(); l.cache == nil {
		for _, d := range l.readConf("/etc/ld.so.conf", map[string]bool{}) {
			if !seen[d] {
				seen[d] = true
				l.system = append(l.system, dirStep{dir: d, step: "ld.so.conf " + d})
			}
		}
	}
	// Debian's ld.so has its multiarch directories built in as system
	// directories, before /lib and /usr/lib: a root without a cache and
	// without ld.so.conf still finds its libraries there. Candidates of
	// another machine are passed over by the machine check.
	l.multiarch = l.multiarchDirs()
	for _, d := range l.multiarch {
		if !seen[d] {
			seen[d] = true
			l.system = append(l.system, dirStep{dir: d, step: "default directory " + d, deflib: true})
		}
	}
	for _, d := range defaultDirs {
		if !seen[d] {
			seen[d] = true
			l.system = append(l.system, dirStep{dir: d, step: "default directory " + d, deflib: true})
		}
	}
	return l
}

func newLinux(opts Options) *Linux {
	root := opts.Root
	if root == "" {
		root = "/"
	}
	level := opts.X86Level
	if level <= 0 {
		level = 1
		if filepath.Clean(root) == "/" {
			level = hostX86Level()
		}
	}
	return &Linux{root: root, env: opts.LibraryPath, x86Level: min(level, 4),
		parsed: newFileCache(velf.Open), libs: map[libKey]string{}}
}

func (l *Linux) setLDPaths(dirs []string) {
	l.ldpaths = true
	for _, d := range dirs {
		l.system = append(l.system, dirStep{dir: d, step: "--ldpaths " + d})
	}
}

// readCache reads /etc/ld.so.cache; nil when it is absent or unreadable.
func (l *Linux) readCache() map[string][]cacheEntry {
	data, err := l.readFile("/etc/ld.so.cache", 64<<20)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		l.problems = append(l.problems, fmt.Errorf("/etc/ld.so.cache: %w; searching the directories of /etc/ld.so.conf instead", err))
		return nil
	}
	entries, err := parseLDCache(data)
	if err != nil { // err names ld.so.cache already
		l.problems = append(l.problems, fmt.Errorf("%w; searching the directories of /etc/ld.so.conf instead", err))
		return nil
	}
	cache := make(map[string][]cacheEntry, len(entries))
	for _, e := range entries {
		cache[e.soname] = append(cache[e.soname], e)
	}
	return cache
}

// readFile reads a file of the root, at most max bytes.
func (l *Linux) readFile(p string, max int64) ([]byte, error) {
	return readFileLimit(RootFS(l.root), strings.TrimPrefix(path.Clean("/"+p), "/"), max)
}

// Describe says where the search looks besides a binary's own RPATH
// and RUNPATH, for the message of a library not found: "the root / (its
// ld.so.cache, then /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu,
// /lib, /usr/lib)", with LD_LIBRARY_PATH first when set.
func (l *Linux) Describe() string {
	var where []string
	if len(l.env) > 0 {
		where = append(where, "LD_LIBRARY_PATH "+strings.Join(l.env, ":"))
	}
	if l.cache != nil {
		where = append(where, "its ld.so.cache")
	}
	if dirs := l.SystemDirs(); len(dirs) > 0 {
		where = append(where, strings.Join(dirs, ", "))
	}
	search := "glibc's search"
	switch {
	case l.ldpaths:
		search = "--ldpaths"
	case l.musl:
		search = "musl's search"
	}
	if len(where) == 0 {
		return fmt.Sprintf("the root %s (%s: no directory)", l.root, search)
	}
	return fmt.Sprintf("the root %s (%s: %s)", l.root, search, strings.Join(where, ", then "))
}

// SystemDirs returns the system directories searched, in order
// (after /etc/ld.so.cache when there is one).
func (l *Linux) SystemDirs() []string {
	dirs := make([]string, len(l.system))
	for i, s := range l.system {
		dirs[i] = s.dir
	}
	return dirs
}

// Musl reports whether l searches as musl's loader does.
func (l *Linux) Musl() bool { return l.musl }

// readConf returns the directories listed in an ld.so.conf file,
// following include directives (globs relative to the file's directory).
func (l *Linux) readConf(name string, visited map[string]bool) []string {
	if visited[name] || len(visited) > 256 {
		return nil
	}
	visited[name] = true
	data, err := l.readFile(name, 1<<20)
	if err != nil {
		return nil
	}
	var dirs []string
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if fields[0] == "include" {
			for _, pat := range fields[1:] {
				if !path.IsAbs(pat) {
					pat = path.Join(path.Dir(name), pat)
				}
				for _, m := range l.glob(pat) {
					dirs = append(dirs, l.readConf(m, visited)...)
				}
			}
			continue
		}
		for _, d := range strings.Split(line, ":") {
			if d = strings.TrimSpace(d); d != "" && path.IsAbs(d) {
				dirs = append(dirs, path.Clean(d))
			}
		}
	}
	return dirs
}

// glob expands a pattern whose last element only may hold wildcards
// (ld.so.conf's "include ld.so.conf.d/*.conf"), inside the root, sorted.
func (l *Linux) glob(pat string) []string {
	dir, base := path.Split(pat)
	real, ok := RealPath(l.root, dir)
	if !ok {
		return nil
	}
	entries, _ := os.ReadDir(hostPath(l.root, real))
	var out []string
	for _, e := range entries {
		if ok, _ := path.Match(base, e.Name()); ok {
			out = append(out, path.Join(dir, e.Name()))
		}
	}
	slices.Sort(out)
	return out
}

// Search is what one lookup needs to know about the needing binary.
type Search struct {
	// RPath and RunPath are the needing binary's own search paths with
	// $ORIGIN already expanded to paths of the root; entries that do not
	// name a directory of the root are skipped by the caller.
	RPath, RunPath []string
	// Inherited are the search paths of the objects that loaded the
	// needing binary, in the chain's order: for glibc their DT_RPATHs
	// (from objects without DT_RUNPATH), searched after the binary's own
	// DT_RPATH when it has no DT_RUNPATH; for musl each one's DT_RUNPATH,
	// else DT_RPATH, searched after the binary's own.
	Inherited []string
	// Class, Data and Machine must match a candidate.
	Class   elf.Class
	Data    elf.Data
	Machine elf.Machine
	// NoDefLib is the needing binary's DF_1_NODEFLIB ("-z nodeflib"):
	// glibc then skips the default directories and the cache entries
	// in them.
	NoDefLib bool
	// Musl asks for musl's search instead of glibc's (see [Loaders]).
	Musl bool
}

// Find looks soname up for a binary described by s. It returns nil when
// no compatible library is found.
func (l *Linux) Find(soname string, s Search) *Library {
	// $ORIGIN is the caller's to expand (it knows where the binary is);
	// $LIB and $PLATFORM are the root's, expanded here.
	in := func(dirs []string) []searchDir {
		var out []searchDir
		for _, d := range dirs {
			if strings.Contains(d, "$") {
				x, ok := l.Expand(d, "", s.Class, s.Machine)
				if !ok {
					continue
				}
				out = append(out, searchDir{dir: x, entry: d})
				continue
			}
			out = append(out, searchDir{dir: d})
		}
		return out
	}
	return l.find(soname, query{rpath: in(s.RPath), runpath: in(s.RunPath), inherited: in(s.Inherited),
		class: s.Class, data: s.Data, machine: s.Machine, nodeflib: s.NoDefLib})
}

// searchDir is one directory of a search path, expanded.
type searchDir struct {
	dir string
	// outside marks a directory of this machine rather than of the root
	// (the $ORIGIN of a binary outside the root).
	outside bool
	// of names the object whose search path it is, for inherited ones.
	of string
	// entry is the search path entry as written ("$ORIGIN/../lib"),
	// "" when it is dir.
	entry string
}

// name is how a step shows the directory: the entry as written, and
// the object it comes from.
func (d searchDir) name() string {
	n := d.dir
	if d.entry != "" && d.entry != d.dir {
		n = d.entry + " (" + d.dir + ")"
	}
	if d.of != "" {
		n += " of " + d.of
	}
	return n
}

// query is one lookup: the needing binary's search paths and ABI.
type query struct {
	rpath, runpath, inherited []searchDir
	class                     elf.Class
	data                      elf.Data
	machine                   elf.Machine
	nodeflib                  bool
}

func (l *Linux) find(soname string, q query) *Library {
	if strings.Contains(soname, "/") {
		return l.try(soname, "path in DT_NEEDED", false, q)
	}
	if l.musl {
		return l.findMusl(soname, q)
	}
	type step struct {
		d    searchDir
		name string
	}
	var steps []step
	if len(q.runpath) == 0 {
		for _, d := range q.rpath {
			steps = append(steps, step{d, "RPATH " + d.name()})
		}
		for _, d := range q.inherited {
			name := "inherited RPATH " + d.name()
			if d.of != "" {
				name = "RPATH " + d.name()
			}
			steps = append(steps, step{d, name})
		}
	}
	for _, d := range l.env {
		steps = append(steps, step{searchDir{dir: d}, "LD_LIBRARY_PATH " + d})
	}
	for _, d := range q.runpath {
		steps = append(steps, step{d, "RUNPATH " + d.name()})
	}
	for _, st := range steps {
		if lib := l.tryDir(st.d, st.name, soname, q); lib != nil {
			return lib
		}
	}
	if lib := l.fromCache(soname, q); lib != nil {
		return lib
	}
	if q.nodeflib && l.cache != nil {
		return nil
	}
	for _, st := range l.system {
		if q.nodeflib && st.deflib {
			continue
		}
		if lib := l.tryDir(searchDir{dir: st.dir}, st.step, soname, q); lib != nil {
			return lib
		}
	}
	return nil
}

// fromCache looks soname up in ld.so.cache as ld.so does: the entry of
// the best glibc-hwcaps subdirectory the CPU level allows, else the
// first plain entry that is compatible.
func (l *Linux) fromCache(soname string, q query) *Library {
	entries := l.cache[soname]
	if len(entries) == 0 {
		return nil
	}
	for _, sub := range l.hwcaps(q.machine) {
		for _, e := range entries {
			if e.hwcaps == sub {
				if lib := l.cached(e, "ld.so.cache (glibc-hwcaps/"+sub+")", q); lib != nil {
					return lib
				}
			}
		}
	}
	for _, e := range entries {
		if e.hwcaps == "" {
			if lib := l.cached(e, "ld.so.cache", q); lib != nil {
				return lib
			}
		}
	}
	return nil
}

func (l *Linux) cached(e cacheEntry, step string, q query) *Library {
	if q.nodeflib && (slices.Contains(defaultDirs, path.Dir(e.path)) || slices.Contains(l.multiarch, path.Dir(e.path))) {
		return nil
	}
	return l.try(e.path, step, false, q)
}

// hwcaps returns the glibc-hwcaps subdirectories searched for machine,
// best first.
func (l *Linux) hwcaps(machine elf.Machine) []string {
	if l.musl || machine != elf.EM_X86_64 {
		return nil
	}
	var out []string
	for v := l.x86Level; v >= 2; v-- {
		out = append(out, "x86-64-v"+string(rune('0'+v)))
	}
	return out
}

func (l *Linux) tryDir(d searchDir, step, soname string, q query) *Library {
	if d.dir == "" {
		return nil
	}
	for _, sub := range l.hwcaps(q.machine) {
		p := path.Join(d.dir, "glibc-hwcaps", sub, soname)
		if lib := l.try(p, step+" (glibc-hwcaps/"+sub+")", d.outside, q); lib != nil {
			return lib
		}
	}
	return l.try(path.Join(d.dir, soname), step, d.outside, q)
}

// try parses p (cached) and returns it when it is a compatible ELF file.
func (l *Linux) try(p, step string, outside bool, q query) *Library {
	var real string
	if outside {
		r, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil
		}
		real = filepath.ToSlash(r)
	} else {
		r, ok := RealPath(l.root, p)
		if !ok {
			return nil
		}
		real = r
	}
	host := real
	if !outside {
		host = hostPath(l.root, real)
	}
	f := l.parse(host)
	if f == nil || !compatibleELF(f, q.class, q.data, q.machine) {
		return nil
	}
	return &Library{Path: p, RealPath: real, Step: step, File: f, outside: outside}
}

// compatibleELF reports whether the loader would accept f for a binary
// of that class, byte order and machine.
func compatibleELF(f *velf.File, class elf.Class, data elf.Data, machine elf.Machine) bool {
	if f.Class != class || f.Data != data || f.Machine != machine {
		return false
	}
	switch f.OSABI {
	case elf.ELFOSABI_NONE, elf.ELFOSABI_LINUX:
		return true
	}
	return false
}

// parse parses the file at host path p, once.
func (l *Linux) parse(p string) *velf.File { return l.parsed.get(p) }

// Expand expands the dynamic string tokens of one DT_RPATH or
// DT_RUNPATH entry of a binary of that class and machine whose directory
// is origin: $ORIGIN (and ${ORIGIN}) is origin; $LIB is "lib/TRIPLET"
// when the root has a Debian multiarch directory holding libc.so.6
// (Debian builds glibc so), else "lib64" for a 64-bit binary when the
// root's /lib64 or /usr/lib64 holds libc.so.6 (Red Hat, SUSE), else "lib";
// $PLATFORM is the kernel's AT_PLATFORM for the machine ("x86_64",
// "i686", "aarch64", "v7l", ...). ok is false for an entry that is empty
// or not absolute once expanded (ld.so reads those relative to the
// working directory, which a static search cannot know). For musl, only
// $ORIGIN is expanded, as musl does.
func (l *Linux) Expand(entry, origin string, class elf.Class, machine elf.Machine) (dir string, ok bool) {
	r := []string{"${ORIGIN}", origin, "$ORIGIN", origin}
	if !l.musl {
		lib := l.lib(class, machine)
		plat := platform(machine)
		r = append(r, "${LIB}", lib, "$LIB", lib, "${PLATFORM}", plat, "$PLATFORM", plat)
	}
	dir = strings.NewReplacer(r...).Replace(entry)
	if !path.IsAbs(dir) {
		return "", false
	}
	return path.Clean(dir), true
}

// lib chooses $LIB for a binary of that class and machine (see Expand).
func (l *Linux) lib(class elf.Class, machine elf.Machine) string {
	k := libKey{class, machine}
	l.mu.Lock()
	v, ok := l.libs[k]
	l.mu.Unlock()
	if ok {
		return v
	}
	v = "lib"
	exists := func(dir string) bool {
		real, ok := RealPath(l.root, dir+"/libc.so.6")
		return ok && fileExists(hostPath(l.root, real))
	}
	if t := triplet(class, machine); t != "" && (exists("/lib/"+t) || exists("/usr/lib/"+t)) {
		v = "lib/" + t
	} else if class == elf.ELFCLASS64 && (exists("/lib64") || exists("/usr/lib64")) {
		v = "lib64"
	}
	l.mu.Lock()
	l.libs[k] = v
	l.mu.Unlock()
	return v
}

// triplet is Debian's multiarch tuple for a machine.
func triplet(class elf.Class, machine elf.Machine) string {
	switch machine {
	case elf.EM_X86_64:
		if class == elf.ELFCLASS32 {
			return "x86_64-linux-gnux32"
		}
		return "x86_64-linux-gnu"
	case elf.EM_386:
		return "i386-linux-gnu"
	case elf.EM_AARCH64:
		return "aarch64-linux-gnu"
	case elf.EM_ARM:
		return "arm-linux-gnueabihf"
	case elf.EM_PPC64:
		return "powerpc64le-linux-gnu"
	case elf.EM_S390:
		return "s390x-linux-gnu"
	case elf.EM_RISCV:
		return "riscv64-linux-gnu"
	}
	return ""
}

// platform is the kernel's AT_PLATFORM string for a machine.
func platform(machine elf.Machine) string {
	switch machine {
	case elf.EM_X86_64:
		return "x86_64"
	case elf.EM_386:
		return "i686"
	case elf.EM_AARCH64:
		return "aarch64"
	case elf.EM_ARM:
		return "v7l"
	case elf.EM_PPC64:
		return "power8"
	case elf.EM_S390:
		return "z900"
	case elf.EM_RISCV:
		return "riscv64"
	}
	return strings.ToLower(strings.TrimPrefix(machine.String(), "EM_"))
}

// hostX86Level returns the x86-64 micro-architecture level of the machine
// running libvet, from /proc/cpuinfo's flags: 1 when it is not x86-64 or
// the flags cannot be read.
func hostX86Level() int {
	if runtime.GOARCH != "amd64" {
		return 1
	}
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return 1
	}
	return x86Level(string(data))
}

// x86Level computes the level the first "flags" line of a /proc/cpuinfo
// grants, by the x86-64 psABI's definition of the levels (lahf_lm is
// LAHF-SAHF, abm is LZCNT, xsave stands for OSXSAVE).
func x86Level(cpuinfo string) int {
	var flags []string
	for _, line := range strings.Split(cpuinfo, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "flags" {
			flags = strings.Fields(v)
			break
		}
	}
	has := func(names ...string) bool {
		for _, n := range names {
			if !slices.Contains(flags, n) {
				return false
			}
		}
		return true
	}
	switch {
	case !has("cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3"):
		return 1
	case !has("avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"):
		return 2
	case !has("avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"):
		return 3
	}
	return 4
}

// RealPath resolves the symbolic links of p, an absolute path inside
// the root directory root, without leaving root (see followLinks). It returns the resolved
// path (inside root), and false when a component does not exist or the
// links loop.
func RealPath(root, p string) (string, bool) {
	return followLinks(p, func(q string) (string, bool, bool) {
		fi, err := os.Lstat(hostPath(root, q))
		if err != nil {
			return "", false, false
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return "", false, true
		}
		t, err := os.Readlink(hostPath(root, q))
		if err != nil {
			return "", false, false
		}
		return filepath.ToSlash(t), true, true
	})
}

// hostPath is the path of this machine for p, a path inside root.
func hostPath(root, p string) string { return filepath.Join(root, filepath.FromSlash(p)) }

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
