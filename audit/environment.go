package audit

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/libvet/libvet/artifact"
	"github.com/libvet/libvet/host"
	"github.com/libvet/libvet/internal/conda"
	"github.com/libvet/libvet/internal/debian"
	"github.com/libvet/libvet/internal/pyname"
)

// InstalledPackage is one package of an environment with the files it
// installs, as paths relative to the install root.
type InstalledPackage struct {
	Package
	Files []string
	// RunExports reports a package with run_exports (a conda library
	// whose builds pin their users to it).
	RunExports bool
}

// FileEnvironment is an [Environment] built from the file lists of its
// packages: a conda environment's conda-meta records (--prefix) or the
// paths.json of a folder of package files (--with).
type FileEnvironment struct {
	problems []error            // packages that could not be read, left out
	owners   map[string]Package // path (lower-cased when fold) -> owner
	libs     map[string]bool    // package name -> a library package (see Libraries)
	fold     bool
}

// sharedLibrary matches the paths of shared libraries: ELF sonames,
// Mach-O dylibs, Windows DLLs and Python extension modules.
var sharedLibrary = regexp.MustCompile(`(?i)(\.so(\.[0-9.]+)?|\.dylib|\.dll|\.pyd)$`)

// NewFileEnvironment indexes pkgs. With fold, paths compare without
// regard to case (Windows). When two packages install the same path, the
// first one listed owns it.
func NewFileEnvironment(pkgs []InstalledPackage, fold bool) *FileEnvironment {
	e := &FileEnvironment{owners: map[string]Package{}, libs: map[string]bool{}, fold: fold}
	for _, p := range pkgs {
		for _, f := range p.Files {
			k := e.key(f)
			if _, dup := e.owners[k]; !dup {
				e.owners[k] = p.Package
			}
		}
		e.libs[p.Name] = e.libs[p.Name] || libraryPackage(p)
	}
	return e
}

// MergeEnvironments merges file environments: a path belongs to the
// first that has it; paths fold case if any environment does.
func MergeEnvironments(envs ...*FileEnvironment) *FileEnvironment {
	m := &FileEnvironment{owners: map[string]Package{}, libs: map[string]bool{}}
	for _, e := range envs {
		m.fold = m.fold || e.fold
	}
	for _, e := range envs {
		for p, pkg := range e.owners {
			if k := m.key(p); m.owners[k].Name == "" {
				m.owners[k] = pkg
			}
		}
		for n, has := range e.libs {
			m.libs[n] = m.libs[n] || has
		}
	}
	return m
}

func (e *FileEnvironment) key(p string) string {
	p = path.Clean(strings.TrimPrefix(p, "/"))
	if e.fold {
		return strings.ToLower(p)
	}
	return p
}

// Owner implements [Environment].
func (e *FileEnvironment) Owner(p string) (Package, bool) {
	pkg, ok := e.owners[e.key(p)]
	return pkg, ok
}

// interpreters are the packages conda-build's library_nature calls
// interpreters: never overdepending.
var interpreters = map[string]bool{"python": true, "r-base": true}

// libraryPackage is conda-build's library_nature for overdepending: a
// "run-exports library" (it has run_exports) or a "dso library" (a shared
// library outside site-packages and R's library, which hold Python and R
// modules); never an interpreter.
func libraryPackage(p InstalledPackage) bool {
	if interpreters[p.Name] {
		return false
	}
	if p.RunExports {
		return true
	}
	for _, f := range p.Files {
		if sharedLibrary.MatchString(path.Base(f)) && !strings.Contains(f, "site-packages/") && !strings.Contains(f, "lib/R/library/") {
			return true
		}
	}
	return false
}

// Problems returns what could not be read (a broken wheel in
// --find-links), left out of the environment.
func (e *FileEnvironment) Problems() []error { return e.problems }

// Libraries implements [Environment]: see libraryPackage.
func (e *FileEnvironment) Libraries(name string) (has, known bool) {
	has, known = e.libs[name]
	return has, known
}

// CondaPrefixEnvironment is the environment of an installed conda prefix
// (--prefix, or a directory artifact that is one): its conda-meta
// records, whose owner index (with Windows case folding) is
// host.CondaPrefix's.
func CondaPrefixEnvironment(p *host.CondaPrefix) Environment {
	e := &condaPrefixEnv{db: p, libs: map[string]bool{}, builds: map[string]string{}}
	for _, r := range p.Records() {
		e.libs[r.Name] = libraryPackage(InstalledPackage{Package: Package{Name: r.Name}, Files: r.Files})
		e.builds[r.Name] = r.Build
	}
	return e
}

type condaPrefixEnv struct {
	db     *host.CondaPrefix
	libs   map[string]bool
	builds map[string]string
}

// Owner implements [Environment].
func (e *condaPrefixEnv) Owner(p string) (Package, bool) {
	pkg, ok := e.db.Owner(p)
	return Package{Name: pkg.Name, Version: pkg.Version, Build: e.builds[pkg.Name]}, ok
}

// Libraries implements [Environment]. conda-meta records do not keep
// run_exports, so a package is a library when it installs shared
// libraries outside site-packages.
func (e *condaPrefixEnv) Libraries(name string) (has, known bool) {
	has, known = e.libs[name]
	return has, known
}

// DpkgEnvironment is the environment of a Debian root (--root): the dpkg
// database says which package owns a library and whether a package
// satisfies a dependency (versions, Provides, architecture qualifiers).
type DpkgEnvironment struct {
	db   *host.Dpkg
	root string // the root directory, to follow links no package lists
	arch string // the artifact's architecture, "" for the root's native one
	mins *minVersions
}

// minVersions keeps the minimum version of each symbol version node of a
// symbols file, computed once per file rather than per binary linked
// with it (libc6's has thousands of symbols).
type minVersions struct {
	mu sync.Mutex
	m  map[*debian.SymbolsLib]map[string]debian.Version
}

// of returns lib.MinVersions(), computed once.
func (c *minVersions) of(lib *debian.SymbolsLib) map[string]debian.Version {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.m[lib]
	if !ok {
		m = lib.MinVersions()
		c.m[lib] = m
	}
	return m
}

// NewDpkgEnvironment returns the environment of db, the dpkg database of
// the root directory root, for packages of arch.
func NewDpkgEnvironment(db *host.Dpkg, root, arch string) *DpkgEnvironment {
	return &DpkgEnvironment{db: db, root: root, arch: arch, mins: &minVersions{m: map[*debian.SymbolsLib]map[string]debian.Version{}}}
}

// ForArch returns the environment for packages of the dpkg architecture
// arch.
func (e *DpkgEnvironment) ForArch(arch string) Environment {
	return &DpkgEnvironment{db: e.db, root: e.root, arch: arch, mins: e.mins}
}

// Owner implements [Environment]. A file no package lists may be a
// symbolic link to one that a package does (distroless images list only
// regular files): its target, inside the root, is looked up in turn.
func (e *DpkgEnvironment) Owner(p string) (Package, bool) {
	pkg, ok := e.db.Owner(p)
	if !ok && e.root != "" {
		if real, found := host.RealPath(e.root, p); found {
			pkg, ok = e.db.Owner(real)
		}
	}
	if !ok {
		return Package{}, false
	}
	return Package{Name: pkg.Name, Version: pkg.Version}, true
}

// Libraries implements [Environment]: libvet does not judge Debian
// packages for overdepending, so it never knows.
func (e *DpkgEnvironment) Libraries(string) (bool, bool) { return false, false }

// Satisfies implements [DependencyChecker]: one of depends names pkg,
// or a name pkg provides, for an architecture dpkg accepts. Versions are
// not compared here: an older pkg installed on the root still makes it
// the dependency (see CheckRootVersion).
func (e *DpkgEnvironment) Satisfies(depends []string, pkg string) bool {
	for _, d := range depends {
		deps, err := debian.ParseRelations(d)
		if err != nil {
			continue
		}
		for _, dep := range deps {
			for _, r := range dep { // each alternative on its own
				r.Op, r.Version = debian.OpNone, debian.Version{}
				if got, ok := e.db.Satisfies(debian.Dependency{r}, e.arch); ok && got.Name == pkg {
					return true
				}
			}
		}
	}
	return false
}

// CheckRootVersion returns why the root's installed pkg does not meet
// the version a dependency on it asks for, "" when it does.
func (e *DpkgEnvironment) CheckRootVersion(depends []string, pkg string) string {
	for _, d := range depends {
		deps, err := debian.ParseRelations(d)
		if err != nil {
			continue
		}
		for _, dep := range deps {
			if !slices.ContainsFunc(dep, func(r debian.Relation) bool { return r.Name == pkg && r.Op != debian.OpNone }) {
				continue
			}
			if _, ok := e.db.Satisfies(dep, e.arch); !ok {
				inst, _ := e.db.Installed(pkg, e.arch)
				return fmt.Sprintf("Depends has %s, but the root has %s %s: the audit used an older %s than the package will get", d, pkg, inst.Version, pkg)
			}
		}
	}
	return ""
}

// SonameOwner returns the package whose shlibs or symbols file declares
// soname: how dpkg-shlibdeps finds a library's package, and the only
// way for a file behind a link no package lists (/etc/alternatives).
func (e *DpkgEnvironment) SonameOwner(soname string) (Package, bool) {
	for _, lib := range e.db.SharedLibrary(soname, e.arch) {
		return Package{Name: lib.Package.Name, Version: lib.Package.Version}, true
	}
	return Package{}, false
}

// Problems returns what could not be read in the root's dpkg database.
func (e *DpkgEnvironment) Problems() []error { return e.db.Problems() }

// CondaPackagesEnvironment is the environment made of the conda packages
// (.conda and .tar.bz2) in dir (--with): their info/paths.json (or
// legacy info/files) file lists. Only the packages' metadata is read.
func CondaPackagesEnvironment(dir string, lim artifact.Limits) (*FileEnvironment, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--with %s: %w", dir, err)
	}
	var pkgs []InstalledPackage
	fold := false
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".conda") || strings.HasSuffix(name, ".tar.bz2")) {
			continue
		}
		p, subdir, err := condaPackageFiles(filepath.Join(dir, name), lim)
		if err != nil {
			return nil, fmt.Errorf("--with %s: %w", dir, err)
		}
		pkgs = append(pkgs, p)
		fold = fold || strings.HasPrefix(subdir, "win-")
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("--with %s: no conda packages (.conda, .tar.bz2) in this directory", dir)
	}
	return NewFileEnvironment(pkgs, fold), nil
}

// condaPackageFiles reads a conda package's identity and file list.
func condaPackageFiles(file string, lim artifact.Limits) (InstalledPackage, string, error) {
	a, err := artifact.Open(file, lim)
	if err != nil {
		return InstalledPackage{}, "", err
	}
	defer a.Close()
	meta := func(name string) ([]byte, error) {
		data, ok := a.MetadataFile(name)
		if !ok {
			return nil, fmt.Errorf("%s: no %s; is this a conda package?", file, name)
		}
		return data, nil
	}
	data, err := meta(condaIndex)
	if err != nil {
		return InstalledPackage{}, "", err
	}
	ix, err := conda.ParseIndex(data)
	if err != nil {
		return InstalledPackage{}, "", fmt.Errorf("%s: %s: %w", file, condaIndex, err)
	}
	p := InstalledPackage{Package: Package{Name: ix.Name, Version: ix.Version, Build: ix.Build}}
	if data, err := meta("info/paths.json"); err == nil {
		paths, err := conda.ParsePaths(data)
		if err != nil {
			return InstalledPackage{}, "", fmt.Errorf("%s: info/paths.json: %w", file, err)
		}
		for _, e := range paths.Paths {
			if e.Type != conda.Directory {
				p.Files = append(p.Files, e.Path)
			}
		}
	} else if data, err := meta("info/files"); err == nil {
		if p.Files, err = conda.ParseFiles(data); err != nil {
			return InstalledPackage{}, "", fmt.Errorf("%s: info/files: %w", file, err)
		}
	} else {
		return InstalledPackage{}, "", fmt.Errorf("%s: neither info/paths.json nor info/files; is this a conda package?", file)
	}
	if data, ok := a.MetadataFile("info/run_exports.json"); ok {
		re, err := conda.ParseRunExports(data)
		if err != nil {
			return InstalledPackage{}, "", fmt.Errorf("%s: info/run_exports.json: %w", file, err)
		}
		p.RunExports = len(re.Weak)+len(re.Strong)+len(re.WeakConstrains)+len(re.StrongConstrains)+len(re.Noarch) > 0
	}
	return p, ix.Subdir, nil
}

// VersionChecker is an [Environment] that can tell whether a dependency
// asks for a recent enough version of the package that provides a
// library, given the symbol version nodes a binary uses from it.
type VersionChecker interface {
	// CheckVersion returns why depends is too weak for a binary that
	// uses nodes of soname from pkg, or "" when it is not (or cannot
	// tell).
	CheckVersion(depends []string, pkg, soname string, nodes []string) string
}

// CheckVersion implements [VersionChecker] as dpkg-shlibdeps computes a
// dependency: the package's symbols file gives the version that
// introduced each symbol version node the binary uses (its shlibs file,
// when there is no symbols file, one version for the whole library), and
// the Depends entry on the package must ask for at least the highest.
func (e *DpkgEnvironment) CheckVersion(depends []string, pkg, soname string, nodes []string) string {
	var need debian.Version
	var why string
	for _, lib := range e.db.SharedLibrary(soname, e.arch) {
		if lib.Package.Name != pkg {
			continue
		}
		switch {
		case lib.Symbols != nil:
			mins := e.mins.of(lib.Symbols)
			for _, n := range nodes {
				if v, ok := mins[n]; ok && v.Compare(need) > 0 {
					need, why = v, fmt.Sprintf("uses %s of %s, which %s's symbols file says needs %s (>= %s)", n, soname, pkg, pkg, v)
				}
			}
		default:
			for _, dep := range lib.Depends {
				for _, r := range dep {
					if r.Name == pkg && r.Op == debian.OpGreaterEqual && r.Version.Compare(need) > 0 {
						need, why = r.Version, fmt.Sprintf("links %s, which %s's shlibs file says needs %s", soname, pkg, debian.FormatRelations([]debian.Dependency{dep}))
					}
				}
			}
		}
		break
	}
	if why == "" {
		return ""
	}
	// Every entry naming pkg counts ("libc6 (<< 3), libc6 (>= 2.34)"): the
	// dependency is strong enough when one of them has a lower bound
	// that reaches need.
	var naming []string
	for _, d := range depends {
		deps, err := debian.ParseRelations(d)
		if err != nil {
			continue
		}
		for _, dep := range deps {
			for _, r := range dep {
				if r.Name != pkg {
					continue
				}
				switch r.Op {
				case debian.OpGreaterEqual, debian.OpGreater, debian.OpEqual:
					if r.Version.Compare(need) >= 0 {
						return ""
					}
				}
				naming = append(naming, d)
			}
		}
	}
	if len(naming) == 0 {
		return ""
	}
	return fmt.Sprintf("%s, but Depends has %s", why, strings.Join(naming, ", "))
}

// WheelsEnvironment is the environment made of other wheels: those in
// the --find-links directories (their RECORD) and those installed in the
// --site-packages directories (their .dist-info/RECORD files). Paths are
// relative to site-packages, where the wheels install; packages are
// named by their normalised distribution name.
func WheelsEnvironment(findLinks, sitePackages []string, lim artifact.Limits) (*FileEnvironment, error) {
	var pkgs []InstalledPackage
	var problems []error
	for _, dir := range findLinks {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("--find-links %s: %w", dir, err)
		}
		n := 0
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(strings.ToLower(e.Name()), ".whl") {
				continue
			}
			a, err := artifact.Open(filepath.Join(dir, e.Name()), lim)
			if err != nil {
				problems = append(problems, err) // a cache may hold a broken download: go on
				continue
			}
			w := a.Wheel
			p := InstalledPackage{Package: Package{Name: pyname.Normalize(w.Name), Version: w.Version}}
			for _, rec := range w.Record {
				p.Files = append(p.Files, installedPath(rec.Path))
			}
			a.Close()
			pkgs = append(pkgs, p)
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("--find-links %s: no wheels (.whl) in this directory", dir)
		}
	}
	for _, dir := range sitePackages {
		records, err := filepath.Glob(filepath.Join(dir, "*.dist-info", "RECORD"))
		if err != nil || len(records) == 0 {
			return nil, fmt.Errorf("--site-packages %s: no *.dist-info/RECORD here; give the site-packages directory of an environment", dir)
		}
		for _, rec := range records {
			p, err := installedRecord(rec, lim.MaxMetadataSize)
			if err != nil {
				return nil, fmt.Errorf("--site-packages %s: %w", dir, err)
			}
			pkgs = append(pkgs, p)
		}
	}
	env := NewFileEnvironment(pkgs, false)
	env.problems = problems
	return env, nil
}

// installedRecord reads an installed distribution's RECORD; the
// distribution is named after its .dist-info directory.
func installedRecord(file string, max int64) (InstalledPackage, error) {
	st, err := os.Stat(file)
	if err != nil {
		return InstalledPackage{}, err
	}
	if !st.Mode().IsRegular() {
		return InstalledPackage{}, fmt.Errorf("%s: not a regular file (a FIFO or device would block or never end)", file)
	}
	if max <= 0 {
		max = artifact.DefaultLimits().MaxMetadataSize
	}
	if st.Size() > max {
		return InstalledPackage{}, fmt.Errorf("%s: %d bytes, over the %d-byte limit for metadata files", file, st.Size(), max)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return InstalledPackage{}, err
	}
	rows, err := artifact.ParseRecord(data, func(int, string) {})
	if err != nil {
		return InstalledPackage{}, fmt.Errorf("%s: %w", file, err)
	}
	name, version, _ := strings.Cut(strings.TrimSuffix(filepath.Base(filepath.Dir(file)), ".dist-info"), "-")
	p := InstalledPackage{Package: Package{Name: pyname.Normalize(name), Version: version}}
	for _, r := range rows {
		if !strings.HasPrefix(r.Path, "../") && !strings.HasPrefix(r.Path, "/") {
			p.Files = append(p.Files, r.Path)
		}
	}
	return p, nil
}
