package host

import (
	"errors"
	"io/fs"
)

// Owners are the package databases of a root that say who installed a
// file: dpkg, rpm, apk, pacman, a conda environment's records, Homebrew
// and Nix, each read as files through [RootFS].
type Owners struct {
	root string
	dbs  []OwnerLookup
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
			if p, ok := db.(interface{ Problems() []error }); ok {
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
	add(condaOwners(ReadCondaPrefix(fsys)))
	add(ReadHomebrew(fsys))
	add(ReadNix(fsys))
	return o, problems
}

// condaOwners adapts ReadCondaPrefix's result to OwnerLookup.
func condaOwners(c *CondaPrefix, err error) (OwnerLookup, error) {
	if err != nil {
		return nil, err
	}
	return c, nil
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
	return Package{}, false
}

// Empty reports whether the root has no package database.
func (o *Owners) Empty() bool { return len(o.dbs) == 0 }
