// Package host finds shared libraries on a Linux host (or under a root
// directory) the way the dynamic loader would, without running anything,
// and reads the package databases that say which installed package
// provides a file or a library.
//
// A [Linux] searches, for one needing binary: its DT_RPATH (only when it has
// no DT_RUNPATH), the DT_RPATHs of the objects that loaded it,
// LD_LIBRARY_PATH, its DT_RUNPATH, then /etc/ld.so.cache (read in glibc's
// binary format) and the default directories, as ld.so does. Without a
// cache it searches the directories of /etc/ld.so.conf (with its include
// globs) instead, as auditwheel does; [Options.LDPaths] replaces both. A candidate counts
// only if it is an ELF file of the same class, byte order and machine as
// the needing binary. Parsed libraries are cached, so a library is read
// once per run however many binaries need it.
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
// glibc-hwcaps subdirectories, $LIB and $PLATFORM are not used, and musl's
// /etc/ld-musl-*.path is not read: libvet's Linux audit needs the host
// only to name the external libraries a wheel would have to vendor. Symlinks are resolved against the real root, so a Root other than
// "/" is only approximate when it contains absolute symlinks.
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
	"os"
	"path"
	"path/filepath"
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
	// (ld.so.conf and defaults), like auditwheel's --ldpaths.
	LDPaths []string
	// LibraryPath is LD_LIBRARY_PATH, searched after DT_RPATH.
	LibraryPath []string
}

// Library is a library found on the host.
type Library struct {
	// Path is the path searched ("/usr/lib/x86_64-linux-gnu/libz.so.1").
	Path string
	// RealPath is Path with symlinks resolved.
	RealPath string
	// Step names the search step that found it ("RUNPATH /opt/lib",
	// "ld.so.conf /usr/local/lib", "LD_LIBRARY_PATH /x").
	Step string
	// File is the parsed library.
	File *velf.File
}

// Linux is a Linux host's library search.
type Linux struct {
	root    string
	env     []string
	system  []dirStep
	mu      sync.Mutex
	parsed  map[string]*velf.File // by path; nil value: not an ELF file
	sysDirs []string
	// cache maps a soname to its paths in /etc/ld.so.cache, in order;
	// nil when there is no usable cache.
	cache map[string][]string
}

type dirStep struct{ dir, step string }

// defaultDirs are searched after ld.so.conf, as auditwheel and ld.so do.
var defaultDirs = []string{"/lib", "/lib64", "/usr/lib", "/usr/lib64"}

// NewLinux prepares a host search under opts.Root.
func NewLinux(opts Options) *Linux {
	root := opts.Root
	if root == "" {
		root = "/"
	}
	l := &Linux{root: root, env: opts.LibraryPath, parsed: map[string]*velf.File{}}
	if opts.LDPaths != nil {
		for _, d := range opts.LDPaths {
			l.system = append(l.system, dirStep{d, "--ldpaths " + d})
		}
	} else {
		seen := map[string]bool{}
		if l.cache = l.readCache(); l.cache == nil {
			for _, d := range l.readConf("/etc/ld.so.conf", map[string]bool{}) {
				if !seen[d] {
					seen[d] = true
					l.system = append(l.system, dirStep{d, "ld.so.conf " + d})
				}
			}
		}
		for _, d := range defaultDirs {
			if !seen[d] {
				seen[d] = true
				l.system = append(l.system, dirStep{d, "default directory " + d})
			}
		}
	}
	for _, s := range l.system {
		l.sysDirs = append(l.sysDirs, s.dir)
	}
	return l
}

// readCache reads /etc/ld.so.cache; nil when it is absent or unreadable.
func (l *Linux) readCache() map[string][]string {
	data, err := os.ReadFile(l.hostPath("/etc/ld.so.cache"))
	if err != nil || len(data) > 64<<20 {
		return nil
	}
	entries, err := parseLDCache(data)
	if err != nil {
		return nil
	}
	cache := make(map[string][]string, len(entries))
	for _, e := range entries {
		cache[e.soname] = append(cache[e.soname], e.path)
	}
	return cache
}

// SystemDirs returns the system directories searched, in order
// (after /etc/ld.so.cache when there is one).
func (l *Linux) SystemDirs() []string { return slices.Clone(l.sysDirs) }

// readConf returns the directories listed in an ld.so.conf file,
// following include directives (globs relative to the file's directory).
func (l *Linux) readConf(name string, visited map[string]bool) []string {
	if visited[name] || len(visited) > 256 {
		return nil
	}
	visited[name] = true
	f, err := os.Open(l.hostPath(name))
	if err != nil {
		return nil
	}
	defer f.Close()
	var dirs []string
	sc := bufio.NewScanner(f)
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
				matches, _ := filepath.Glob(l.hostPath(pat))
				slices.Sort(matches)
				for _, m := range matches {
					rel, err := filepath.Rel(l.root, m)
					if err != nil {
						continue
					}
					dirs = append(dirs, l.readConf("/"+filepath.ToSlash(rel), visited)...)
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

func (l *Linux) hostPath(p string) string { return filepath.Join(l.root, filepath.FromSlash(p)) }

// Search is what one lookup needs to know about the needing binary.
type Search struct {
	// RPath and RunPath are the needing binary's own search paths with
	// $ORIGIN already expanded to host paths; entries that do not name
	// a host directory are skipped by the caller.
	RPath, RunPath []string
	// Inherited are the DT_RPATHs of the objects that loaded the needing
	// binary, searched after its own DT_RPATH when it has no DT_RUNPATH.
	Inherited []string
	// Class, Data and Machine must match a candidate.
	Class   elf.Class
	Data    elf.Data
	Machine elf.Machine
}

// Find looks soname up for a binary described by s. It returns nil when
// no compatible library is found.
func (l *Linux) Find(soname string, s Search) *Library {
	if strings.Contains(soname, "/") {
		if lib := l.try(soname, "path in DT_NEEDED", s); lib != nil {
			return lib
		}
		return nil
	}
	var steps []dirStep
	if len(s.RunPath) == 0 {
		for _, d := range s.RPath {
			steps = append(steps, dirStep{d, "RPATH " + d})
		}
		for _, d := range s.Inherited {
			steps = append(steps, dirStep{d, "inherited RPATH " + d})
		}
	}
	for _, d := range l.env {
		steps = append(steps, dirStep{d, "LD_LIBRARY_PATH " + d})
	}
	for _, d := range s.RunPath {
		steps = append(steps, dirStep{d, "RUNPATH " + d})
	}
	for _, st := range steps {
		if lib := l.tryDir(st, soname, s); lib != nil {
			return lib
		}
	}
	for _, p := range l.cache[soname] {
		if lib := l.try(p, "ld.so.cache", s); lib != nil {
			return lib
		}
	}
	for _, st := range l.system {
		if lib := l.tryDir(st, soname, s); lib != nil {
			return lib
		}
	}
	return nil
}

func (l *Linux) tryDir(st dirStep, soname string, s Search) *Library {
	if st.dir == "" {
		return nil
	}
	return l.try(path.Join(st.dir, soname), st.step, s)
}

// try parses p (cached) and returns it when it is a compatible ELF file.
func (l *Linux) try(p, step string, s Search) *Library {
	f := l.parse(p)
	if f == nil || f.Class != s.Class || f.Data != s.Data || f.Machine != s.Machine {
		return nil
	}
	switch f.OSABI {
	case elf.ELFOSABI_NONE, elf.ELFOSABI_LINUX:
	default:
		return nil
	}
	real, err := filepath.EvalSymlinks(l.hostPath(p))
	if err != nil {
		real = l.hostPath(p)
	}
	return &Library{Path: p, RealPath: real, Step: step, File: f}
}

func (l *Linux) parse(p string) *velf.File {
	l.mu.Lock()
	f, ok := l.parsed[p]
	l.mu.Unlock()
	if ok {
		return f
	}
	st, err := os.Stat(l.hostPath(p))
	if err == nil && st.Mode().IsRegular() {
		f, _ = velf.Open(l.hostPath(p))
	}
	l.mu.Lock()
	l.parsed[p] = f
	l.mu.Unlock()
	return f
}
