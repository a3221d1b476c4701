package host

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/libvet/libvet/internal/binio"
)

// Where apk keeps its database of installed packages, relative to the
// root: Alpine's place, then the /usr one of merged-/usr distributions
// built with apk (Wolfi, Chainguard images), which keep a symlink at the
// old place.
var apkInstalled = []string{"lib/apk/db/installed", "usr/lib/apk/db/installed"}

// maxApkInstalled bounds the installed database: a full Alpine desktop's
// is a few MiB.
const maxApkInstalled = 256 << 20

// Apk is the apk database of a root directory (Alpine Linux, Wolfi): the
// installed packages, the files and directories they installed and the
// shared libraries they provide. Read it with [ReadApk]; it is safe for
// concurrent use.
//
// Limitations: paths are compared as written, without merged-/usr
// aliasing (Alpine does not merge /usr; on a merged-/usr apk system ask
// for the path the package ships). The binary ADB database of apk-tools
// 3 is recognised but not read.
type Apk struct {
	pkgs      []apkPackage // sorted by name
	owners    ownerIndex
	providers map[string][]int32 // soname → packages, in increasing order
}

type apkPackage struct {
	Package
	provides []string // the p: entries ("so:libz.so.1=1.3.1", "cmd:apk")
	paths    []string // F: directories and R: files, relative to the root
}

// ReadApk reads lib/apk/db/installed under root, or usr/lib/apk/db/installed
// when that does not exist. When neither exists the error wraps
// fs.ErrNotExist. apk-tools 3 can keep the database in its binary ADB
// format: ReadApk recognises it and returns an error that says so. A
// malformed database is an error naming the file and line.
func ReadApk(root fs.FS) (*Apk, error) {
	var data []byte
	var file string
	for _, name := range apkInstalled {
		d, err := readFileLimit(root, name, maxApkInstalled)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		data, file = d, name
		break
	}
	if file == "" {
		return nil, fmt.Errorf("no apk database under the root: neither %s exists: %w", strings.Join(apkInstalled, " nor "), fs.ErrNotExist)
	}
	pkgs, err := parseApkInstalled(data, file)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(pkgs, func(a, b apkPackage) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version))
	})
	a := &Apk{pkgs: pkgs, providers: map[string][]int32{}}
	n := 0
	for _, p := range pkgs {
		n += len(p.paths)
	}
	a.owners = newOwnerIndex(len(pkgs), n)
	for i, p := range pkgs {
		for _, f := range p.paths {
			a.owners.add(f, int32(i))
		}
		for _, pr := range p.provides {
			if so, ok := strings.CutPrefix(pr, "so:"); ok {
				so, _, _ = strings.Cut(so, "=")
				if l := a.providers[so]; len(l) == 0 || l[len(l)-1] != int32(i) {
					a.providers[so] = append(l, int32(i))
				}
			}
		}
	}
	return a, nil
}

// maxApkPathBytes bounds the bytes of the file paths an apk database may
// make libvet hold: each R: line repeats its F: directory, so a small
// hostile file could otherwise ask for gigabytes.
const maxApkPathBytes = 64 << 20

// parseApkInstalled parses an installed database in the apk-tools 2 text
// format: one record per package, records separated by blank lines, each
// line "X:value". P: names the package, V: its version, A: its
// architecture, p: its provides (space-separated); an F: line names a
// directory relative to the root ("" for the root), and the R: lines
// after it the files in that directory. The other fields are skipped.
func parseApkInstalled(data []byte, file string) ([]apkPackage, error) {
	if bytes.HasPrefix(data, []byte("ADB")) {
		return nil, fmt.Errorf("%s: an apk-tools 3 binary database (ADB); libvet reads only the text database of apk-tools 2, so it cannot tell which apk package installed a file of this root", file)
	}
	var pkgs []apkPackage
	var cur *apkPackage
	var dir string
	haveDir := false
	start, pathBytes := 0, 0
	finish := func() error {
		if cur != nil && cur.Name == "" {
			return fmt.Errorf("%s:%d: package record without a P: (name) line", file, start)
		}
		cur = nil
		return nil
	}
	lines := newApkLines(bytes.NewReader(data), file, len(data)+1)
	for lines.next() {
		lineNo := lines.n
		if lines.blank {
			if err := finish(); err != nil {
				return nil, err
			}
			continue
		}
		if cur == nil {
			pkgs = append(pkgs, apkPackage{Package: Package{Manager: "apk"}})
			cur, start, dir, haveDir = &pkgs[len(pkgs)-1], lineNo, "", false
		}
		switch lines.key {
		case 'P', 'V', 'A', 'p', 'F', 'R':
		default:
			continue // not kept: no string for it
		}
		val := string(lines.val)
		switch lines.key {
		case 'P':
			cur.Name = val
		case 'V':
			cur.Version = val
		case 'A':
			cur.Arch = val
		case 'p':
			cur.provides = append(cur.provides, strings.Fields(val)...)
		case 'F':
			dir, haveDir = apkKey(val), true
			if dir != "" {
				cur.paths = append(cur.paths, dir)
			}
		case 'R':
			if !haveDir {
				return nil, fmt.Errorf("%s:%d: file %q before any F: (directory) line of its package", file, lineNo, binio.Clip(val, 80))
			}
			if pathBytes += len(dir) + len(val) + 1; pathBytes > maxApkPathBytes {
				return nil, fmt.Errorf("%s:%d: the file paths add up to more than %d MiB; is this really an apk database?", file, lineNo, maxApkPathBytes>>20)
			}
			cur.paths = append(cur.paths, apkKey(dir+"/"+val))
		}
	}
	if lines.err != nil {
		return nil, lines.err
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return pkgs, nil
}

// apkKey returns the index key of a path: relative to the root, clean,
// "" for the root itself.
func apkKey(p string) string {
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}

// Packages returns the installed packages, sorted by name.
func (a *Apk) Packages() []Package {
	out := make([]Package, len(a.pkgs))
	for i, p := range a.pkgs {
		out[i] = p.Package
	}
	return out
}

// Owner returns the package that installed the file or directory at
// path (absolute, or relative to the root), the first of [Apk.Owners].
func (a *Apk) Owner(path string) (Package, bool) {
	ids := a.owners.get(apkKey(path))
	if len(ids) == 0 {
		return Package{}, false
	}
	return a.pkgs[ids[0]].Package, true
}

// Owners returns the packages that installed the file or directory at
// path (absolute, or relative to the root), sorted by name. Alpine does
// not merge /usr, so /lib/x and /usr/lib/x are different files.
func (a *Apk) Owners(path string) []Package {
	return a.list(a.owners.get(apkKey(path)))
}

// Provider returns the first of [Apk.Providers].
func (a *Apk) Provider(soname string) (Package, bool) {
	ids := a.providers[soname]
	if len(ids) == 0 {
		return Package{}, false
	}
	return a.pkgs[ids[0]].Package, true
}

// Providers returns the installed packages that provide the shared
// library soname ("libz.so.1"), sorted by name: those whose provides
// list "so:<soname>", which abuild writes for every shared library a
// package ships.
func (a *Apk) Providers(soname string) []Package {
	return a.list(a.providers[soname])
}

// Problems returns nothing: ReadApk reads the whole database and fails
// on what it cannot read. It is here so that every package database
// has the same methods.
func (a *Apk) Problems() []error { return nil }

func (a *Apk) list(ids []int32) []Package {
	out := make([]Package, len(ids))
	for i, id := range ids {
		out[i] = a.pkgs[id].Package
	}
	return out
}
