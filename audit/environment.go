package audit

import (
	"path"
	"regexp"
	"strings"
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
	owners map[string]Package // path (lower-cased when fold) -> owner
	libs   map[string]bool    // package name -> a library package (see Libraries)
	fold   bool
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
		dso, plugin := false, false
		for _, f := range p.Files {
			k := e.key(f)
			if _, dup := e.owners[k]; !dup {
				e.owners[k] = p.Package
			}
			if sharedLibrary.MatchString(path.Base(f)) {
				dso = true
				plugin = plugin || strings.Contains(f, "site-packages/") || strings.Contains(f, "lib/R/library/")
			}
		}
		lib := (p.RunExports || dso) && !plugin && !interpreters[p.Name]
		e.libs[p.Name] = e.libs[p.Name] || lib
	}
	return e
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
var interpreters = map[string]bool{"python": true, "r": true, "r-base": true}

// Libraries implements [Environment]. As conda-build's library_nature,
// a library package installs shared libraries or has run_exports, and is
// neither an interpreter nor a plugin library (shared libraries under
// site-packages or R's library: Python or R modules).
func (e *FileEnvironment) Libraries(name string) (has, known bool) {
	has, known = e.libs[name]
	return has, known
}
