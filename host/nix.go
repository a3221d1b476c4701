package host

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
)

const (
	// nixStore is the Nix store, relative to the root.
	nixStore = "nix/store"
	// maxNixStorePaths bounds the store paths read; a large NixOS
	// system's store holds some 100,000.
	maxNixStorePaths = 4 << 20
	// nixHashLen is the length of a store path's hash: 160 bits in
	// Nix's base-32.
	nixHashLen = 32
	// nixBase32 is Nix's base-32 alphabet: the digits and the lowercase
	// letters without e, o, u and t.
	nixBase32 = "0123456789abcdfghijklmnpqrsvwxyz"
)

// nixOutputs are the output names that the heuristic splits off the end
// of a store path's version ("1.3.1-dev" is version 1.3.1, output dev):
// the usual outputs of nixpkgs' multiple-output derivations.
var nixOutputs = []string{"bin", "debug", "dev", "devdoc", "devman", "doc", "info", "lib", "man", "out", "static"}

// A NixStorePath is the name of a store path, split the way Nix's
// builtins.parseDrvName splits a derivation name: "<hash>-zlib-1.3.1-dev"
// is hash, name zlib, version 1.3.1, output dev.
type NixStorePath struct {
	// Base is the entry under /nix/store ("<hash>-zlib-1.3.1-dev").
	Base string
	// Hash is its 32 base-32 characters.
	Hash string
	// Name runs up to the first '-' followed by a digit ("zlib",
	// "python3.12-numpy"); it is the whole rest when there is none.
	Name string
	// Version follows that '-' ("1.3.1"), without Output; "" when there
	// is no version.
	Version string
	// Output is the output name split off the end of the version
	// ("dev", "lib"), "" for the default output or when unsure.
	Output string
}

// ParseNixStorePath splits the base name of a store path. It reports
// false when base is not "<32 base-32 characters>-<name>".
func ParseNixStorePath(base string) (NixStorePath, bool) {
	if len(base) < nixHashLen+2 || base[nixHashLen] != '-' {
		return NixStorePath{}, false
	}
	for i := range nixHashLen {
		if strings.IndexByte(nixBase32, base[i]) < 0 {
			return NixStorePath{}, false
		}
	}
	s := NixStorePath{Base: base, Hash: base[:nixHashLen], Name: base[nixHashLen+1:]}
	for i := 1; i+1 < len(s.Name); i++ { // a name is not empty
		if s.Name[i] == '-' && s.Name[i+1] >= '0' && s.Name[i+1] <= '9' {
			s.Name, s.Version = s.Name[:i], s.Name[i+1:]
			break
		}
	}
	if j := strings.LastIndexByte(s.Version, '-'); j >= 0 && slices.Contains(nixOutputs, s.Version[j+1:]) {
		s.Version, s.Output = s.Version[:j], s.Version[j+1:]
	}
	return s, true
}

// Nix is the Nix store of a root directory, as its directory listing
// shows it: the store paths under nix/store. Every file under a store
// path belongs to it. Read it with [ReadNix]; it is safe for concurrent
// use.
//
// Limitations: the database (nix/var/nix/db/db.sqlite) is not read, so a
// store path that is present but not registered (a partial copy) counts,
// and references and derivers are unknown. Names and versions come from
// the heuristic of [ParseNixStorePath], which takes a name part that
// starts with a digit for a version and knows only the usual output
// names.
type Nix struct {
	root  fs.FS
	paths []NixStorePath // sorted by Base
}

// ReadNix lists nix/store under root. It skips nix/store/.links (the
// hard links of nix-store --optimise), derivations (*.drv) and entries
// that are not store paths. When nix/store does not exist the error
// wraps fs.ErrNotExist. It does not read the database
// (nix/var/nix/db/db.sqlite).
func ReadNix(root fs.FS) (*Nix, error) {
	f, err := root.Open(nixStore)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no Nix store under the root: %s does not exist: %w", nixStore, fs.ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dir, ok := f.(fs.ReadDirFile)
	if !ok {
		return nil, fmt.Errorf("%s: not a directory", nixStore)
	}
	n := &Nix{root: root}
	for {
		entries, err := dir.ReadDir(4096)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".drv") {
				continue
			}
			if s, ok := ParseNixStorePath(e.Name()); ok {
				n.paths = append(n.paths, s)
			}
		}
		if len(n.paths) > maxNixStorePaths {
			return nil, fmt.Errorf("%s: more than %d store paths, the most libvet reads", nixStore, maxNixStorePaths)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", nixStore, err)
		}
		if len(entries) == 0 {
			break
		}
	}
	slices.SortFunc(n.paths, func(a, b NixStorePath) int { return cmp.Compare(a.Base, b.Base) })
	return n, nil
}

// StorePaths returns the store paths, sorted by base name.
func (n *Nix) StorePaths() []NixStorePath { return slices.Clone(n.paths) }

// Packages returns the store paths as packages, sorted by base name:
// Name and Version as [ParseNixStorePath] splits them, no Arch. Several
// store paths can give the same Package (two builds of zlib 1.3.1, or
// its out and dev outputs): [Nix.StorePaths] tells them apart.
func (n *Nix) Packages() []Package {
	out := make([]Package, len(n.paths))
	for i, s := range n.paths {
		out[i] = nixPackage(s)
	}
	return out
}

// StorePath returns the store path that the file or directory at path
// (absolute, or relative to the root) belongs to: the one its real path
// falls into, after the symbolic links in it are resolved inside the
// root (as /run/current-system/sw/lib/x, a chain of links into the
// store, needs).
func (n *Nix) StorePath(path string) (NixStorePath, bool) {
	rest, ok := strings.CutPrefix(resolveIn(n.root, path), nixStore+"/")
	if !ok {
		return NixStorePath{}, false
	}
	base, _, _ := strings.Cut(rest, "/")
	i, ok := slices.BinarySearchFunc(n.paths, base, func(s NixStorePath, base string) int { return cmp.Compare(s.Base, base) })
	if !ok {
		return NixStorePath{}, false
	}
	return n.paths[i], true
}

// Owner returns the package of [Nix.StorePath].
func (n *Nix) Owner(path string) (Package, bool) {
	s, ok := n.StorePath(path)
	if !ok {
		return Package{}, false
	}
	return nixPackage(s), true
}

// Owners returns the package of [Nix.StorePath] as a list: empty or with
// one element.
func (n *Nix) Owners(path string) []Package {
	if p, ok := n.Owner(path); ok {
		return []Package{p}
	}
	return nil
}

// Problems returns nothing: ReadNix fails on what it cannot read. It is
// here so that every package database has the same methods.
func (n *Nix) Problems() []error { return nil }

func nixPackage(s NixStorePath) Package {
	return Package{Manager: "nix", Name: s.Name, Version: s.Version}
}
