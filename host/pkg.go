package host

import (
	"fmt"
	"io"
	"io/fs"
	"slices"
)

// A Package is an installed package, as its package manager records it.
type Package struct {
	// Manager names the package manager: "dpkg" or "conda".
	Manager string
	// Name, Version and Arch are what the manager records: for dpkg the
	// Package, Version and Architecture fields ("zlib1g",
	// "1:1.2.13.dfsg-1", "amd64"); for conda a record's name, version and
	// subdir ("libzlib", "1.3.1", "linux-64").
	Name, Version, Arch string
}

// String returns "name:arch version (manager)".
func (p Package) String() string {
	return fmt.Sprintf("%s:%s %s (%s)", p.Name, p.Arch, p.Version, p.Manager)
}

// readFileLimit reads name from fsys, failing when it is larger than max
// bytes, so that a hostile root cannot make libvet hold a huge file.
func readFileLimit(fsys fs.FS, name string, max int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: more than %d bytes, the most libvet reads of a package database", name, max)
	}
	return data, nil
}

// ownerIndex maps a path to the packages that install it, as indexes
// into the database's package list. Most paths have one owner, stored in
// one map entry; a path with several (a directory, a file shared by the
// architectures of a Multi-Arch: same package) refers to a list.
type ownerIndex struct {
	first  map[string]int32 // ≥ 0: the only owner; < 0: -(i+1) for shared[i]
	shared [][]int32
	self   []int32 // self[i] == i, so that get returns a single owner without allocating
}

func newOwnerIndex(packages, paths int) ownerIndex {
	self := make([]int32, packages)
	for i := range self {
		self[i] = int32(i)
	}
	return ownerIndex{first: make(map[string]int32, paths), self: self}
}

// add records that package owner installs path. Packages must be added
// in increasing order.
func (x *ownerIndex) add(path string, owner int32) {
	v, ok := x.first[path]
	switch {
	case !ok:
		x.first[path] = owner
	case v >= 0:
		if v != owner {
			x.shared = append(x.shared, []int32{v, owner})
			x.first[path] = -int32(len(x.shared))
		}
	default:
		l := &x.shared[-v-1]
		if (*l)[len(*l)-1] != owner {
			*l = append(*l, owner)
		}
	}
}

// get returns the owners of path, in increasing order; the caller must
// not modify the slice.
func (x *ownerIndex) get(path string) []int32 {
	v, ok := x.first[path]
	switch {
	case !ok:
		return nil
	case v >= 0:
		return x.self[v : v+1]
	default:
		return x.shared[-v-1]
	}
}

// union merges sorted lists of owners into one sorted list without
// duplicates.
func union(lists ...[]int32) []int32 {
	var out []int32
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
