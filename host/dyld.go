package host

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/libvet/libvet/macho"
)

// dyld's install-name prefixes.
const (
	atRPath      = "@rpath/"
	atLoader     = "@loader_path"
	atExecutable = "@executable_path"
)

// dyldDefaultFallback is DYLD_FALLBACK_LIBRARY_PATH when it is not set
// (dyld(1), without $HOME/lib).
var dyldDefaultFallback = []string{"/usr/local/lib", "/usr/lib"}

// DyldOptions configures a [Dyld] search.
type DyldOptions struct {
	// Root is the root directory, "/" when empty.
	Root string
	// LibraryPath is DYLD_LIBRARY_PATH: searched first, by the install
	// name's last element, whatever the install name.
	LibraryPath []string
	// FallbackLibraryPath is DYLD_FALLBACK_LIBRARY_PATH, searched last
	// by the last element; nil means dyld's default, /usr/local/lib and
	// /usr/lib.
	FallbackLibraryPath []string
}

// Dyld is macOS's dyld search for Mach-O images, under a root. It is
// safe for concurrent use.
type Dyld struct {
	root          string
	env, fallback []string
	parsed        *fileCache[macho.File] // by host path
}

// NewDyld prepares dyld's search under opts.Root.
func NewDyld(opts DyldOptions) *Dyld {
	root := opts.Root
	if root == "" {
		root = "/"
	}
	fb := opts.FallbackLibraryPath
	if fb == nil {
		fb = dyldDefaultFallback
	}
	return &Dyld{root: root, env: opts.LibraryPath, fallback: fb, parsed: newFileCache(macho.Open)}
}

// Dylib is a Mach-O library dyld would load.
type Dylib struct {
	// Path is the path tried, inside the root; RealPath has its links
	// resolved. Both are the install name for a library of the shared
	// cache.
	Path, RealPath string
	// Step names the search step ("LC_RPATH @loader_path/../lib",
	// "DYLD_LIBRARY_PATH /x", "install name", "dyld shared cache").
	Step string
	// SharedCache reports a system library that exists only in the dyld
	// shared cache: no file, so nothing further is known about it.
	SharedCache bool
	// Slice is the image of the library for the needing CPU type; nil
	// for the shared cache.
	Slice *macho.Slice
	// File is the whole (possibly fat) file.
	File    *macho.File
	outside bool
}

// DyldSearch describes the image whose load command names a library.
type DyldSearch struct {
	// LoaderPath is the directory of the image holding the load command
	// (@loader_path); ExecutablePath that of the main executable
	// (@executable_path), "" when unknown. Both are paths of the root.
	LoaderPath, ExecutablePath string
	// RPaths is the run-path stack: the LC_RPATHs of the image, then of
	// the images that loaded it, up to the main executable, with
	// @loader_path and @executable_path already expanded.
	RPaths []string
	// CPU is the mach header cputype a library must have a slice for.
	CPU uint32
}

// Find looks an install name up as dyld does for an image described by
// s, or returns nil.
func (d *Dyld) Find(name string, s DyldSearch) *Dylib {
	q := dyldQuery{loader: searchDir{dir: s.LoaderPath}, cpu: s.CPU}
	if s.ExecutablePath != "" {
		q.exec = &searchDir{dir: s.ExecutablePath}
	}
	for _, r := range s.RPaths {
		q.rpaths = append(q.rpaths, rpathDir{searchDir{dir: r}, r})
	}
	return d.find(name, q)
}

type rpathDir struct {
	searchDir
	entry string // as written, for the step
}

type dyldQuery struct {
	loader searchDir
	exec   *searchDir
	rpaths []rpathDir
	cpu    uint32
}

// ExpandRPath expands one LC_RPATH entry of an image in loaderDir:
// @loader_path is loaderDir, @executable_path is execDir (unknown when
// ""). ok is false for a relative entry or an unknown @executable_path.
func ExpandRPath(entry, loaderDir, execDir string) (string, bool) {
	switch {
	case entry == atLoader || strings.HasPrefix(entry, atLoader+"/"):
		return path.Join(loaderDir, strings.TrimPrefix(entry, atLoader)), true
	case entry == atExecutable || strings.HasPrefix(entry, atExecutable+"/"):
		if execDir == "" {
			return "", false
		}
		return path.Join(execDir, strings.TrimPrefix(entry, atExecutable)), true
	case path.IsAbs(entry):
		return path.Clean(entry), true
	}
	return "", false
}

func (d *Dyld) find(name string, q dyldQuery) *Dylib {
	leaf := path.Base(name)
	for _, dir := range d.env {
		if lib := d.try(searchDir{dir: dir}, leaf, "DYLD_LIBRARY_PATH "+dir, q.cpu); lib != nil {
			return lib
		}
	}
	switch {
	case strings.HasPrefix(name, atRPath):
		rest := strings.TrimPrefix(name, atRPath)
		for _, r := range q.rpaths {
			if lib := d.try(r.searchDir, rest, "LC_RPATH "+r.entry, q.cpu); lib != nil {
				return lib
			}
		}
	case strings.HasPrefix(name, atLoader+"/"):
		if lib := d.try(q.loader, strings.TrimPrefix(name, atLoader+"/"), "@loader_path "+q.loader.dir, q.cpu); lib != nil {
			return lib
		}
	case strings.HasPrefix(name, atExecutable+"/"):
		if q.exec != nil {
			if lib := d.try(*q.exec, strings.TrimPrefix(name, atExecutable+"/"), "@executable_path "+q.exec.dir, q.cpu); lib != nil {
				return lib
			}
		}
	case path.IsAbs(name):
		if lib := d.try(searchDir{dir: "/"}, name, "install name", q.cpu); lib != nil {
			return lib
		}
		if InDyldSharedCache(name) {
			return &Dylib{Path: name, RealPath: name, Step: "dyld shared cache", SharedCache: true}
		}
	}
	if strings.HasPrefix(name, "@") && !strings.HasPrefix(name, atRPath) {
		return nil // dyld does not fall back for @loader_path and @executable_path
	}
	for _, dir := range d.fallback {
		if lib := d.try(searchDir{dir: dir}, leaf, "DYLD_FALLBACK_LIBRARY_PATH "+dir, q.cpu); lib != nil {
			return lib
		}
	}
	return nil
}

// InDyldSharedCache reports whether an install name is of the system
// libraries that macOS 11 and later keep only in the dyld shared cache:
// those under /usr/lib/ (not /usr/local/lib) and /System/Library/.
func InDyldSharedCache(name string) bool {
	return strings.HasPrefix(name, "/usr/lib/") || strings.HasPrefix(name, "/System/Library/")
}

// try returns the Mach-O file rel under dir when it has a slice of cpu.
func (d *Dyld) try(dir searchDir, rel, step string, cpu uint32) *Dylib {
	p := path.Join(dir.dir, rel)
	var real, host string
	if dir.outside {
		r, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil
		}
		real, host = filepath.ToSlash(r), r
	} else {
		r, ok := RealPath(d.root, p)
		if !ok {
			return nil
		}
		real, host = r, hostPath(d.root, r)
	}
	f := d.parse(host)
	if f == nil {
		return nil
	}
	s := sliceFor(f, cpu)
	if s == nil {
		return nil
	}
	return &Dylib{Path: p, RealPath: real, Step: step, Slice: s, File: f, outside: dir.outside}
}

// sliceFor returns f's slice for the CPU type, or nil.
func sliceFor(f *macho.File, cpu uint32) *macho.Slice {
	for _, s := range f.Slices {
		if s.CPU == cpu {
			return s
		}
	}
	return nil
}

func (d *Dyld) parse(p string) *macho.File { return d.parsed.get(p) }
