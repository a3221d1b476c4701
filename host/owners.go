package host

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
)

// Owners are the package databases of a root that say who installed a
// file: dpkg, rpm, apk, pacman, a conda environment's records, Homebrew
// and Nix, each read as files through [RootFS], and the databases of
// Spack install trees, found from the paths asked about.
type Owners struct {
	root string
	dbs  []OwnerLookup

	mu       sync.Mutex
	spack    map[string]*Spack // directory → the Spack tree rooted there, nil when none
	problems []error           // of the Spack databases found so far
}

// ReadOwners reads every package database root has. A database that is
// absent is skipped; one that is present but broken is left out and
// returned among the problems, with those the databases report (an
// unreadable file list), so that the caller can say why a library has
// no owner.
func ReadOwners(root string) (*Owners, []error) {
	fsys := RootFS(root)
	o := &Owners{root: root}
	var problems []error
	add := func(db OwnerLookup, err error) {
		switch {
		case err == nil:
			o.dbs = append(o.dbs, db)
			// What owners need read; dpkg's shlibs and symbols files are
			// read only when Provides asks (libvet tree never does).
			if d, ok := db.(*Dpkg); ok {
				problems = append(problems, d.ownerProblems()...)
			} else if p, ok := db.(interface{ Problems() []error }); ok {
				problems = append(problems, p.Problems()...)
			}
		case !errors.Is(err, fs.ErrNotExist):
			problems = append(problems, err)
		}
	}
	add(ReadDpkg(fsys))
	add(ReadRpm(fsys))
	add(ReadApk(fsys))
	add(ReadPacman(fsys))
	add(ReadCondaPrefix(fsys))
	add(ReadHomebrew(fsys))
	add(ReadNix(fsys))
	return o, problems
}

// Owner implements [OwnerLookup]: the first database that knows path (a
// path inside the root), tried as given and then with its links
// resolved inside the root.
func (o *Owners) Owner(path string) (Package, bool) {
	paths := []string{path}
	if real, ok := RealPath(o.root, path); ok && real != path {
		paths = append(paths, real)
	}
	for _, p := range paths {
		for _, db := range o.dbs {
			if pkg, ok := db.Owner(p); ok {
				return pkg, true
			}
		}
	}
	for _, p := range paths {
		if s := o.spackTree(p); s != nil {
			if pkg, ok := s.Owner(p); ok {
				return pkg, true
			}
		}
	}
	return Package{}, false
}

// spackTree returns the database of the Spack install tree that holds
// p: the nearest directory above p with a .spack-db/index.json. Spack
// trees live wherever their configuration says (opt/spack in a Spack
// checkout, a site's /sw/spack), so they are found from the paths asked
// about rather than from a fixed place. A tree whose database cannot be
// read owns nothing.
func (o *Owners) spackTree(p string) *Spack {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.spack == nil {
		o.spack = map[string]*Spack{}
	}
	fsys := RootFS(o.root)
	var walked []string
	var found *Spack
	for dir := path.Dir(path.Clean("/" + p)); ; dir = path.Dir(dir) {
		if s, ok := o.spack[dir]; ok {
			found = s
			break
		}
		walked = append(walked, dir)
		if _, err := fs.Stat(fsys, strings.TrimPrefix(path.Join(dir, spackIndex), "/")); err == nil {
			var err error
			if found, err = ReadSpack(fsys, dir); err != nil {
				o.problems = append(o.problems, err)
			} else {
				o.problems = append(o.problems, found.Problems()...)
			}
			break
		}
		if dir == "/" {
			break
		}
	}
	for _, d := range walked {
		o.spack[d] = found
	}
	return found
}

// Provides returns the installed packages that declare the shared
// library soname, for binaries of architecture arch (an audit
// Binary.Arch; "" for any): dpkg's shlibs and symbols files, rpm's
// soname provides, apk's "so:" provides, pacman's library provides and
// files. A need the loader does not find but an installed package
// provides points at a library off the loader's search path, or a file
// removed since. Conda, Homebrew, Nix and Spack record no provides.
func (o *Owners) Provides(soname, arch string) []Package {
	bits := archNames[arch].bits // 0 for an architecture libvet has no names for
	type found struct {
		pkg  Package
		bits int // the library's word size when the database says
	}
	var out []Package
	for _, db := range o.dbs {
		var fs []found
		add := func(pkgs []Package, bits int) {
			for _, p := range pkgs {
				fs = append(fs, found{p, bits})
			}
		}
		switch db := db.(type) {
		case *Dpkg:
			for _, l := range db.SharedLibrary(soname, "") {
				add([]Package{l.Package}, 0)
			}
		case *Rpm:
			if bits != 32 {
				add(db.Provider(SonameCapability(soname, true, "")), 64)
			}
			if bits != 64 {
				add(db.Provider(SonameCapability(soname, false, "")), 32)
			}
		case *Apk:
			add(db.Providers(soname), 0)
		case *Pacman:
			for _, pr := range db.providers[soname] {
				if bits == 0 || pr.bits == 0 || pr.bits == bits {
					add([]Package{db.pkgs[pr.pkg].Package}, pr.bits)
				}
			}
		}
		for _, f := range fs {
			if archFits(f.bits, f.pkg.Arch, arch) && !slices.Contains(out, f.pkg) {
				out = append(out, f.pkg)
			}
		}
	}
	return out
}

// Problems returns what could not be read of the Spack databases found
// so far from the paths asked about (ReadOwners returns the others): a
// tree whose database is broken owns nothing, and this says why.
func (o *Owners) Problems() []error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return sortProblems(slices.Clone(o.problems))
}

// DpkgArch returns the native architecture of the root's dpkg database
// ("amd64"), "" when the root has none.
func (o *Owners) DpkgArch() string {
	for _, db := range o.dbs {
		if d, ok := db.(*Dpkg); ok {
			return d.Native()
		}
	}
	return ""
}
