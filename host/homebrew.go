package host

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// brewPrefixes are Homebrew's default prefixes, relative to the root:
// Apple silicon macOS, Intel macOS, Linux.
var brewPrefixes = []string{"opt/homebrew", "usr/local", "home/linuxbrew/.linuxbrew"}

const (
	brewReceipt = "INSTALL_RECEIPT.json"
	// maxBrewReceipt bounds one INSTALL_RECEIPT.json; real ones are a
	// few KiB.
	maxBrewReceipt = 4 << 20
	// maxBrewKegs bounds the kegs read.
	maxBrewKegs = 1 << 20
)

// Homebrew is what a Homebrew installation records of its formulae: the
// kegs under <prefix>/Cellar/<formula>/<version>, and their install
// receipts. Homebrew keeps no list of files: a file belongs to the keg
// that its real path falls into. Read it with [ReadHomebrew]; it is safe
// for concurrent use.
//
// Limitations: only the default prefixes are looked at; a Homebrew
// installed elsewhere is not found. Symbolic links are followed only
// when the root has a ReadLink method (os.DirFS has since Go 1.25);
// otherwise a path through <prefix>/opt or <prefix>/lib, which are
// links, belongs to no keg. Casks are not read.
type Homebrew struct {
	root fs.FS
	kegs []BrewKeg      // sorted by prefix, name, version
	byID map[string]int // keg path → index into kegs
	// prefixes are those of brewPrefixes that have a Cellar.
	prefixes []string
	// problems are the receipts that could not be read.
	problems []error
}

// A BrewKeg is one installed version of a formula.
type BrewKeg struct {
	// Package is the formula ("zlib") and the keg's version, which is
	// the formula's pkg_version: the version and, after '_', the
	// revision ("1.3.1_1"). Arch is the receipt's arch ("arm64",
	// "x86_64"), "" when it has none.
	Package Package
	// Path is the keg, relative to the root
	// ("opt/homebrew/Cellar/zlib/1.3.1").
	Path string
	// RuntimeDependencies are the receipt's runtime_dependencies, nil
	// when the keg has no receipt or the receipt lists none.
	RuntimeDependencies []BrewDependency
	// InstalledOnRequest is the receipt's installed_on_request.
	InstalledOnRequest bool
}

// A BrewDependency is a runtime dependency recorded in an install
// receipt.
type BrewDependency struct {
	// FullName is the formula, with its tap when it is not
	// homebrew/core ("openssl@3", "user/tap/foo").
	FullName string `json:"full_name"`
	// Version is the dependency's version when the keg was built;
	// PkgVersion adds its revision (receipts written since Homebrew 1.7
	// or so; "" in older ones).
	Version    string `json:"version"`
	PkgVersion string `json:"pkg_version"`
}

// brewReceiptJSON is what libvet reads of an INSTALL_RECEIPT.json
// (Library/Homebrew/tab.rb). installed_on_request is null in old
// receipts.
type brewReceiptJSON struct {
	RuntimeDependencies []BrewDependency `json:"runtime_dependencies"`
	InstalledOnRequest  *bool            `json:"installed_on_request"`
	Arch                string           `json:"arch"`
}

// ReadHomebrew reads the kegs of the Homebrew installations under root:
// the Cellar directories of the default prefixes opt/homebrew,
// usr/local and home/linuxbrew/.linuxbrew, and the install receipt of
// each keg. When none of them has a Cellar the error wraps
// fs.ErrNotExist. A receipt that cannot be read or parsed is reported by
// [Homebrew.Problems] and its keg kept without the receipt's data.
func ReadHomebrew(root fs.FS) (*Homebrew, error) {
	h := &Homebrew{root: root, byID: map[string]int{}}
	found := false
	for _, prefix := range brewPrefixes {
		cellar := prefix + "/Cellar"
		formulae, err := fs.ReadDir(root, cellar)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		found = true
		h.prefixes = append(h.prefixes, prefix)
		for _, f := range formulae {
			if !f.IsDir() || strings.HasPrefix(f.Name(), ".") {
				continue
			}
			versions, err := fs.ReadDir(root, cellar+"/"+f.Name())
			if err != nil {
				h.problems = append(h.problems, err)
				continue
			}
			for _, v := range versions {
				if !v.IsDir() || strings.HasPrefix(v.Name(), ".") {
					continue
				}
				if len(h.kegs) >= maxBrewKegs {
					return nil, fmt.Errorf("%s: more than %d kegs, the most libvet reads", cellar, maxBrewKegs)
				}
				h.kegs = append(h.kegs, h.readKeg(cellar+"/"+f.Name()+"/"+v.Name(), f.Name(), v.Name()))
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("no Homebrew installation under the root: none of %s has a Cellar: %w", strings.Join(brewPrefixes, ", "), fs.ErrNotExist)
	}
	slices.SortFunc(h.kegs, func(a, b BrewKeg) int { return cmp.Compare(a.Path, b.Path) })
	for i, k := range h.kegs {
		h.byID[k.Path] = i
	}
	sortProblems(h.problems)
	return h, nil
}

func (h *Homebrew) readKeg(dir, name, version string) BrewKeg {
	k := BrewKeg{Package: Package{Manager: "homebrew", Name: name, Version: version}, Path: dir}
	data, err := readFileLimit(h.root, dir+"/"+brewReceipt, maxBrewReceipt)
	if errors.Is(err, fs.ErrNotExist) {
		return k
	}
	if err == nil {
		var r brewReceiptJSON
		if err = json.Unmarshal(data, &r); err == nil {
			k.RuntimeDependencies = r.RuntimeDependencies
			k.InstalledOnRequest = r.InstalledOnRequest != nil && *r.InstalledOnRequest
			k.Package.Arch = r.Arch
			return k
		}
		err = fmt.Errorf("%s/%s: %w", dir, brewReceipt, err)
	}
	h.problems = append(h.problems, err)
	return k
}

// Kegs returns the installed kegs, sorted by path.
func (h *Homebrew) Kegs() []BrewKeg { return slices.Clone(h.kegs) }

// Packages returns the installed kegs' packages, sorted by prefix,
// formula and version.
func (h *Homebrew) Packages() []Package {
	out := make([]Package, len(h.kegs))
	for i, k := range h.kegs {
		out[i] = k.Package
	}
	return out
}

// Keg returns the keg that the file or directory at path (absolute, or
// relative to the root) belongs to: the one its real path falls into,
// after the symbolic links in it are resolved inside the root (a link
// to "/x" is a link to x under the root). So <prefix>/lib/libz.dylib
// and <prefix>/opt/zlib/lib/libz.dylib, symlinks into
// <prefix>/Cellar/zlib/<version>, belong to that keg.
func (h *Homebrew) Keg(path string) (BrewKeg, bool) {
	p := resolveIn(h.root, path)
	for _, prefix := range h.prefixes {
		rest, ok := strings.CutPrefix(p, prefix+"/Cellar/")
		if !ok {
			continue
		}
		parts := strings.SplitN(rest, "/", 3)
		if len(parts) < 2 {
			continue
		}
		if i, ok := h.byID[prefix+"/Cellar/"+parts[0]+"/"+parts[1]]; ok {
			return h.kegs[i], true
		}
	}
	return BrewKeg{}, false
}

// Owner returns the package of [Homebrew.Keg].
func (h *Homebrew) Owner(path string) (Package, bool) {
	k, ok := h.Keg(path)
	return k.Package, ok
}

// Owners returns the package of [Homebrew.Keg] as a list: empty or with
// one element.
func (h *Homebrew) Owners(path string) []Package {
	if k, ok := h.Keg(path); ok {
		return []Package{k.Package}
	}
	return nil
}

// Problems returns the install receipts and Cellar directories that
// could not be read, sorted by message.
func (h *Homebrew) Problems() []error { return slices.Clone(h.problems) }

// readLinkFS is the method of io/fs.ReadLinkFS (Go 1.25) that libvet
// needs; os.DirFS has it since Go 1.25.
type readLinkFS interface {
	ReadLink(name string) (string, error)
}

// resolveIn returns the real path of p (absolute, or relative to the
// root of fsys) relative to that root, clean and without a leading '/'
// ("" for the root): the symbolic links in it are followed inside fsys,
// an absolute target being taken relative to the root and ".." stopping
// at the root (followLinks). The path need not exist. When fsys cannot
// read links (it has no ReadLink method), or the links loop, p is taken
// as it is.
func resolveIn(fsys fs.FS, p string) string {
	p = apkKey(p)
	rl, ok := fsys.(readLinkFS)
	if !ok || p == "" {
		return p
	}
	read := func(q string) (string, bool, bool) {
		t, err := rl.ReadLink(strings.TrimPrefix(q, "/"))
		if err != nil || t == "" {
			return "", false, true // not a link, or not there: taken as it is
		}
		return t, true, true
	}
	if real, ok := followLinks(p, read); ok {
		return apkKey(real)
	}
	return p
}
