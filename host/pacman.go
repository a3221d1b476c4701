package host

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"slices"
	"strings"
)

// Where pacman keeps its database of installed packages, relative to the
// root: one directory per package, <name>-<version>, holding the files
// desc and files (alpm-db-desc(5), alpm-db-files(5)).
const pacmanLocal = "var/lib/pacman/local"

// Size limits for the files of a pacman database. The largest real files
// lists (texlive, CUDA) are a few MiB.
const (
	maxPacmanDesc  = 16 << 20
	maxPacmanFiles = 64 << 20
	// maxPacmanTotal bounds the desc and files files together.
	maxPacmanTotal = 1 << 30
)

// archUsr are the directories that Arch Linux makes symlinks into /usr:
// /bin, /sbin and /usr/sbin point to usr/bin, /lib, /lib64 and
// /usr/lib64 to usr/lib. Packages ship the files under the targets.
var archUsr = []struct{ from, to string }{
	{"bin", "usr/bin"}, {"sbin", "usr/bin"}, {"usr/sbin", "usr/bin"},
	{"lib", "usr/lib"}, {"lib64", "usr/lib"}, {"usr/lib64", "usr/lib"},
}

// Pacman is the pacman (libalpm) database of a root directory (Arch
// Linux and its derivatives, MSYS2): the installed packages, the files
// and directories they installed and the shared libraries they provide.
// Read it with [ReadPacman]; it is safe for concurrent use.
//
// Limitations: only the local database is read, not the sync databases
// of packages that are not installed. The aliasing of /lib and the
// others is Arch Linux's; a derivative that does not merge /usr the
// same way (MSYS2 has no /usr/lib64) gets an alias that matches
// nothing, which does no harm.
type Pacman struct {
	pkgs      []pacmanPackage // sorted by name
	owners    ownerIndex
	providers map[string][]pacmanProvider // soname → providers
	problems  []error
}

type pacmanPackage struct {
	Package
	provides []string // %PROVIDES% ("libz.so=1-64", "lib:libz.so.1", "sh")
	files    []string // %FILES%, relative to the root, without the trailing '/' of directories
}

// A pacmanProvider is a package that provides a shared library, and the
// word size ("-64" or "-32" in a libprovides entry; 0 when the entry does
// not say).
type pacmanProvider struct {
	pkg  int32
	bits int
}

// pacmanDesc is what libvet reads of a package's desc file.
type pacmanDesc struct {
	name, version, arch string
	provides            []string
}

// ReadPacman reads var/lib/pacman/local under root: the desc and files
// file of every installed package. When the directory does not exist
// the error wraps fs.ErrNotExist. A package directory whose desc cannot
// be read or has no %NAME% or %VERSION% is skipped, and one whose files
// cannot be read has no files; both are reported by [Pacman.Problems].
func ReadPacman(root fs.FS) (*Pacman, error) {
	entries, err := fs.ReadDir(root, pacmanLocal)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no pacman database under the root: %s does not exist: %w", pacmanLocal, fs.ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	p := &Pacman{providers: map[string][]pacmanProvider{}}
	budget := int64(maxPacmanTotal)
	read := func(name string, max int64) ([]byte, error) {
		data, err := readFileLimit(root, name, min(max, budget))
		budget -= int64(len(data))
		return data, err
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue // ALPM_DB_VERSION
		}
		dir := pacmanLocal + "/" + e.Name()
		data, err := read(dir+"/desc", maxPacmanDesc)
		if err != nil {
			p.problems = append(p.problems, err)
			continue
		}
		d, err := parsePacmanDesc(data, dir+"/desc")
		if err != nil {
			p.problems = append(p.problems, err)
			continue
		}
		pkg := pacmanPackage{Package: Package{Manager: "pacman", Name: d.name, Version: d.version, Arch: d.arch}, provides: d.provides}
		if data, err = read(dir+"/files", maxPacmanFiles); err == nil {
			pkg.files = parsePacmanFiles(data)
		} else {
			p.problems = append(p.problems, err)
		}
		p.pkgs = append(p.pkgs, pkg)
	}
	slices.SortStableFunc(p.pkgs, func(a, b pacmanPackage) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version))
	})
	n := 0
	for _, pkg := range p.pkgs {
		n += len(pkg.files)
	}
	p.owners = newOwnerIndex(len(p.pkgs), n)
	for i, pkg := range p.pkgs {
		for _, f := range pkg.files {
			p.owners.add(f, int32(i))
		}
		for _, pr := range pkg.provides {
			if so, bits, ok := pacmanSoname(pr); ok {
				p.providers[so] = append(p.providers[so], pacmanProvider{int32(i), bits})
			}
		}
	}
	sortProblems(p.problems)
	return p, nil
}

// parsePacmanDesc parses a desc file: sections that start with a
// "%NAME%" line and hold one value a line, up to a blank line. It keeps
// %NAME%, %VERSION%, %ARCH% and %PROVIDES%, and requires the first two.
func parsePacmanDesc(data []byte, file string) (pacmanDesc, error) {
	var d pacmanDesc
	section := ""
	for line := range strings.SplitSeq(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		switch {
		case line == "":
			section = ""
		case section == "" && len(line) > 2 && line[0] == '%' && line[len(line)-1] == '%':
			section = line
		case section == "%NAME%":
			d.name = line
		case section == "%VERSION%":
			d.version = line
		case section == "%ARCH%":
			d.arch = line
		case section == "%PROVIDES%":
			d.provides = append(d.provides, line)
		}
	}
	if d.name == "" || d.version == "" {
		return pacmanDesc{}, fmt.Errorf("%s: no %%NAME%% or no %%VERSION%% section: not a pacman desc file", file)
	}
	return d, nil
}

// parsePacmanFiles returns the %FILES% section of a files file, as
// index keys.
func parsePacmanFiles(data []byte) []string {
	var files []string
	for line := range pacmanFilesSection(data) {
		if k := apkKey(line); k != "" {
			files = append(files, k)
		}
	}
	return files
}

// pacmanFilesSection yields the lines of the %FILES% section of a files
// file as written: paths relative to the root, directories ending in
// '/'.
func pacmanFilesSection(data []byte) iter.Seq[string] {
	return func(yield func(string) bool) {
		in := false
		for line := range strings.SplitSeq(string(data), "\n") {
			line = strings.TrimSuffix(line, "\r")
			switch {
			case line == "":
				in = false
			case line == "%FILES%":
				in = true
			case in:
				if !yield(line) {
					return
				}
			}
		}
	}
}

// pacmanSoname returns the shared library that a %PROVIDES% entry
// names: "lib:libz.so.1" (makepkg's autodeps; "lib32:libz.so.1" for
// usr/lib32, so 32-bit), or "libz.so=1-64" (the
// older libprovides: name, "=", soname version, "-", word size), which
// names libz.so.1 for 64-bit code. bits is 64 or 32 when the entry says,
// 0 otherwise.
func pacmanSoname(entry string) (soname string, bits int, ok bool) {
	if so, ok := strings.CutPrefix(entry, "lib:"); ok {
		so, _, _ = strings.Cut(so, "=")
		return so, 0, so != ""
	}
	if so, ok := strings.CutPrefix(entry, "lib32:"); ok { // makepkg's LIB_DIRS 'lib32:usr/lib32'
		so, _, _ = strings.Cut(so, "=")
		return so, 32, so != ""
	}
	name, ver, ok := strings.Cut(entry, "=")
	if !ok || !strings.HasSuffix(name, ".so") || len(name) == len(".so") {
		return "", 0, false
	}
	if v, b, ok := strings.Cut(ver, "-"); ok {
		switch b {
		case "64":
			bits = 64
		case "32":
			bits = 32
		}
		ver = v
	}
	if ver == "" {
		return name, bits, true
	}
	return name + "." + ver, bits, true
}

// pacmanKeys returns the index keys under which path may be listed: its
// own and, for a path under a directory that Arch makes a symlink into
// /usr, the path under the target. The symlink itself is not aliased:
// like pacman -Qo, which resolves the directory of a path but not its
// last element, /lib is the filesystem package's link.
func pacmanKeys(p string) []string {
	k := apkKey(p)
	for _, a := range archUsr {
		if rest, ok := strings.CutPrefix(k, a.from); ok && rest != "" && rest[0] == '/' {
			return []string{k, a.to + rest}
		}
	}
	return []string{k}
}

// Packages returns the installed packages, sorted by name.
func (p *Pacman) Packages() []Package {
	out := make([]Package, len(p.pkgs))
	for i, pkg := range p.pkgs {
		out[i] = pkg.Package
	}
	return out
}

// Owner returns the package that installed the file or directory at
// path, the first of [Pacman.Owners].
func (p *Pacman) Owner(path string) (Package, bool) {
	ids := p.ownerIDs(path)
	if len(ids) == 0 {
		return Package{}, false
	}
	return p.pkgs[ids[0]].Package, true
}

// Owners returns the packages that installed the file or directory at
// path (absolute, or relative to the root), sorted by name. A path
// under /lib, /lib64, /bin, /sbin, /usr/lib64 or /usr/sbin is also
// looked up under the /usr directory that Arch Linux makes it a symlink
// to, as pacman -Qo does by resolving the symlink; the symlink itself
// belongs to the package that ships it (filesystem).
func (p *Pacman) Owners(path string) []Package {
	return p.list(p.ownerIDs(path))
}

func (p *Pacman) ownerIDs(path string) []int32 {
	keys := pacmanKeys(path)
	ids := p.owners.get(keys[0])
	if len(keys) == 2 {
		if alias := p.owners.get(keys[1]); len(alias) > 0 {
			ids = union(ids, alias)
		}
	}
	return ids
}

// Provider returns the first of [Pacman.Providers].
func (p *Pacman) Provider(soname string, bits int) (Package, bool) {
	if l := p.Providers(soname, bits); len(l) > 0 {
		return l[0], true
	}
	return Package{}, false
}

// Providers returns the installed packages that provide the shared
// library soname ("libz.so.1") for code of the given word size (64 or
// 32; 0 for either), sorted by name: those whose %PROVIDES% list
// "lib:libz.so.1" or "libz.so=1-64" (see makepkg's autodeps). An entry
// that does not give the word size matches any.
func (p *Pacman) Providers(soname string, bits int) []Package {
	var ids []int32
	for _, pr := range p.providers[soname] {
		if bits == 0 || pr.bits == 0 || pr.bits == bits {
			ids = append(ids, pr.pkg)
		}
	}
	return p.list(slices.Compact(ids))
}

// Problems returns what ReadPacman skipped: package directories whose
// desc file cannot be read or parsed, files files that cannot be read.
// It is sorted by message.
func (p *Pacman) Problems() []error { return slices.Clone(p.problems) }

func (p *Pacman) list(ids []int32) []Package {
	out := make([]Package, len(ids))
	for i, id := range ids {
		out[i] = p.pkgs[id].Package
	}
	return out
}
