package externaldeps

import (
	_ "embed"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/libvet/libvet/internal/datafile"
)

// Platforms whose library names the soname knowledge base knows, as
// [LookupSoname] takes them.
const (
	PlatformLinux   = "linux"   // ELF sonames: libssl.so.3
	PlatformMacOS   = "macos"   // Mach-O install names: @rpath/libssl.3.dylib, Accelerate.framework
	PlatformWindows = "windows" // PE DLL names, in any case: libssl-3-x64.dll
)

// Match is the soname knowledge base's answer for one library name.
type Match struct {
	// DepURL is the external dependency the library belongs to, as a
	// canonical DepURL: "dep:generic/openssl", "dep:virtual/interface/blas".
	// It is the PEP 804 central registry's where the registry has one,
	// else libvet's own ([Definition.Registered] tells which).
	DepURL string
	// Pattern is the knowledge base's name or glob that matched:
	// "libcrypto.so.*".
	Pattern string
	// Platform is the platform the lookup was for: [PlatformLinux],
	// [PlatformMacOS] or [PlatformWindows].
	Platform string
}

// LookupSoname finds the external dependency a shared library belongs to,
// in libvet's soname knowledge base (data/sonames.txt; extending it is
// described in data/README.md). name is what a binary asks for: an ELF
// DT_NEEDED entry ("libssl.so.3"), a Mach-O load command's install name
// ("@rpath/libssl.3.dylib",
// "/System/Library/Frameworks/Accelerate.framework/Versions/A/Accelerate")
// or a PE import's DLL name ("LIBSSL-3-X64.DLL"). platform is
// [PlatformLinux], [PlatformMacOS] or [PlatformWindows]; any other platform
// matches nothing.
//
// Only the last path element is looked at, except that a macOS name inside
// a framework is looked up as the framework ("Accelerate.framework").
// Windows names are compared in lower case, the others exactly. An exact
// name in the knowledge base wins over a glob; globs are tried in the
// order of the file.
//
// Names a repair tool rewrote are not recognised: an auditwheel-grafted
// "libcrypto-a1b2c3d4.so.3" or a delvewheel-mangled DLL must have its hash
// removed first.
func LookupSoname(name, platform string) (Match, bool) {
	e := sonameData().lookup(name, platform)
	if e == nil {
		return Match{}, false
	}
	return Match{DepURL: e.depURL, Pattern: e.pattern, Platform: e.platform}, true
}

// DebianPackages returns the Debian 12 (bookworm) binary packages that ship
// a file named soname in the library directories, from the embedded table
// data/debian.txt: first those with it in a directory the loader searches
// (/lib, /usr/lib, /lib64, /usr/lib64 and their x86_64-linux-gnu
// directories), sorted, then those with it only in a subdirectory of
// /usr/lib/x86_64-linux-gnu (the BLAS and LAPACK implementations that
// update-alternatives links into place, and private copies), sorted. For
// libblas.so.3 that is only the second kind: libblas3,
// libopenblas0-pthread, ...
//
// The table is bounded: it holds only the names that some Linux pattern of
// the soname knowledge base matches ([LookupSoname]), so a soname the
// knowledge base does not know has no packages here even when Debian ships
// it. Debug packages are left out. The result is new on every call; it is
// nil when the table has no such name.
func DebianPackages(soname string) []string {
	e, ok := debianData().names[soname]
	if !ok {
		return nil
	}
	return slices.Concat(e.std, e.sub)
}

// sonamesFile is the embedded soname knowledge base, hand-maintained.
//
//go:embed data/sonames.txt
var sonamesFile []byte

// sonamesPath names the embedded file in messages, relative to the module
// root.
const sonamesPath = "externaldeps/data/sonames.txt"

// sonamesFormat is the first non-comment line of data/sonames.txt.
const sonamesFormat = "libvet-sonames 1"

// notInDebian is the flag token of a Linux entry whose name Debian does
// not ship in its library directories.
const notInDebian = "not-in-debian"

// sonameData returns the parsed knowledge base, loading it (and the PEP
// 804 registry it checks DepURLs against) on first use.
var sonameData = sync.OnceValue(func() *sonameIndex {
	return mustLoad(parseSonames(sonamesPath, sonamesFile, pep804().registered))
})

// sonameEntry is one name or glob of the knowledge base.
type sonameEntry struct {
	line        int
	platform    string
	pattern     string
	example     string // a name the pattern matches; the pattern itself when exact
	glob        bool
	depURL      string
	notInDebian bool
}

// sonameIndex is the loaded knowledge base.
type sonameIndex struct {
	entries []*sonameEntry                     // file order
	exact   map[string]map[string]*sonameEntry // platform -> name -> entry
	globs   map[string][]*sonameEntry          // platform -> globs, file order
	depURLs []string                           // the blocks' DepURLs, file order
	own     map[string]string                  // libvet's own DepURLs -> description
}

// lookup implements [LookupSoname].
func (idx *sonameIndex) lookup(name, platform string) *sonameEntry {
	key := sonameKey(name, platform)
	if key == "" {
		return nil
	}
	if e, ok := idx.exact[platform][key]; ok {
		return e
	}
	for _, e := range idx.globs[platform] {
		if ok, _ := path.Match(e.pattern, key); ok {
			return e
		}
	}
	return nil
}

// sonameKey returns the part of name that the knowledge base lists for
// platform, or "" for an unknown platform.
func sonameKey(name, platform string) string {
	switch platform {
	case PlatformLinux:
		return name[strings.LastIndexByte(name, '/')+1:]
	case PlatformMacOS:
		if i := strings.Index(name, ".framework/"); i >= 0 {
			name = name[:i+len(".framework")]
		}
		return name[strings.LastIndexByte(name, '/')+1:]
	case PlatformWindows:
		name = name[strings.LastIndexAny(name, `/\`)+1:]
		return strings.ToLower(name)
	}
	return ""
}

// parseSonames parses the knowledge base in file (named file in messages).
// registered reports whether a DepURL is in the PEP 804 central registry:
// such a DepURL takes no description, any other needs one.
func parseSonames(file string, data []byte, registered func(string) bool) (*sonameIndex, error) {
	lines, err := datafile.Lines(file, data, sonamesFormat)
	if err != nil {
		return nil, err
	}
	idx := &sonameIndex{
		exact: map[string]map[string]*sonameEntry{},
		globs: map[string][]*sonameEntry{},
		own:   map[string]string{},
	}
	seenDep := map[string]int{}     // DepURL -> line of its block
	seenPattern := map[string]int{} // platform + " " + pattern -> line
	var dep string                  // the current block's DepURL
	var depLine datafile.Line       // the current block's dep line
	entriesInBlock := 0
	endBlock := func() error {
		if dep != "" && entriesInBlock == 0 {
			return depLine.Errorf(file, "%s has no library names", dep)
		}
		return nil
	}
	for _, l := range lines {
		f := l.Fields
		if f[0] == "dep" {
			if err := endBlock(); err != nil {
				return nil, err
			}
			if len(f) < 2 {
				return nil, l.Errorf(file, "want dep DEPURL [DESCRIPTION]")
			}
			dep, depLine, entriesInBlock = f[1], l, 0
			if err := checkDepURL(dep); err != nil {
				return nil, l.Errorf(file, "%v", err)
			}
			if prev, ok := seenDep[dep]; ok {
				return nil, l.Errorf(file, "%s has a block already (line %d)", dep, prev)
			}
			seenDep[dep] = l.Num
			idx.depURLs = append(idx.depURLs, dep)
			desc := l.Rest(2)
			switch {
			case registered(dep) && desc != "":
				return nil, l.Errorf(file, "%s is in the PEP 804 registry, which describes it: drop the description %q", dep, desc)
			case !registered(dep) && desc == "":
				return nil, l.Errorf(file, "%s is not in the PEP 804 registry: libvet's own DepURLs need a description", dep)
			case desc != "":
				idx.own[dep] = desc
			}
			continue
		}
		switch f[0] {
		case PlatformLinux, PlatformMacOS, PlatformWindows:
		default:
			return nil, l.Errorf(file, "unknown keyword %q (want dep, linux, macos or windows)", f[0])
		}
		if dep == "" {
			return nil, l.Errorf(file, "%s line before the first dep line", f[0])
		}
		e, err := parseSonameEntry(f)
		if err != nil {
			return nil, l.Errorf(file, "%v", err)
		}
		e.line, e.depURL = l.Num, dep
		key := e.platform + " " + e.pattern
		if prev, ok := seenPattern[key]; ok {
			return nil, l.Errorf(file, "%s %s is listed already (line %d)", e.platform, e.pattern, prev)
		}
		seenPattern[key] = l.Num
		idx.entries = append(idx.entries, e)
		if e.glob {
			idx.globs[e.platform] = append(idx.globs[e.platform], e)
		} else {
			if idx.exact[e.platform] == nil {
				idx.exact[e.platform] = map[string]*sonameEntry{}
			}
			idx.exact[e.platform][e.pattern] = e
		}
		entriesInBlock++
	}
	if err := endBlock(); err != nil {
		return nil, err
	}
	if len(idx.entries) == 0 {
		return nil, &datafile.Error{File: file, Line: 1, Msg: "no library names"}
	}
	return idx, nil
}

// parseSonameEntry parses the fields of "PLATFORM PATTERN [EXAMPLE]
// [not-in-debian]".
func parseSonameEntry(f []string) (*sonameEntry, error) {
	if len(f) < 2 {
		return nil, fmt.Errorf("want %s PATTERN [EXAMPLE] [%s]", f[0], notInDebian)
	}
	e := &sonameEntry{platform: f[0], pattern: f[1]}
	if strings.ContainsAny(e.pattern, `/\`) {
		return nil, fmt.Errorf("pattern %q is a path, not a file name", e.pattern)
	}
	if _, err := path.Match(e.pattern, ""); err != nil {
		return nil, fmt.Errorf("pattern %q: %v", e.pattern, err)
	}
	if e.platform == PlatformWindows && e.pattern != strings.ToLower(e.pattern) {
		return nil, fmt.Errorf("windows pattern %q is not lower case (lookups lowercase the name)", e.pattern)
	}
	rest := f[2:]
	e.glob = strings.ContainsAny(e.pattern, `*?[\`)
	if e.glob {
		if len(rest) == 0 || rest[0] == notInDebian {
			return nil, fmt.Errorf("glob %q needs an example name it matches", e.pattern)
		}
		e.example, rest = rest[0], rest[1:]
		if strings.ContainsAny(e.example, `*?[\/`) {
			return nil, fmt.Errorf("example %q is not a file name", e.example)
		}
		if ok, _ := path.Match(e.pattern, e.example); !ok {
			return nil, fmt.Errorf("example %q does not match %q", e.example, e.pattern)
		}
	} else {
		e.example = e.pattern
	}
	if len(rest) > 0 && rest[0] == notInDebian {
		if e.platform != PlatformLinux {
			return nil, fmt.Errorf("%s applies to linux names only", notInDebian)
		}
		e.notInDebian, rest = true, rest[1:]
	}
	if len(rest) > 0 {
		if e.glob {
			return nil, fmt.Errorf("unexpected %q after the example (want %s PATTERN [EXAMPLE] [%s])", rest[0], e.platform, notInDebian)
		}
		return nil, fmt.Errorf("unexpected %q after the exact name %q (only globs take an example)", rest[0], e.pattern)
	}
	return e, nil
}

// checkDepURL checks a DepURL of the knowledge base: canonical (what
// [DepURL.String] gives for it), without version, qualifiers or subpath.
func checkDepURL(s string) error {
	d, err := ParseDepURL(s)
	if err != nil {
		return err
	}
	if d.String() != s {
		return fmt.Errorf("%s is not canonical: write %s", s, d)
	}
	if d.Version != "" || d.Qualifiers != nil || d.Subpath != "" {
		return fmt.Errorf("%s: the knowledge base names dependencies, without version, qualifiers or subpath", s)
	}
	return nil
}

// debianFile is the embedded soname → Debian package table, generated by
// externaldeps/internal/debgen.
//
//go:embed data/debian.txt
var debianFile []byte

// debianPath names the embedded table in messages.
const debianPath = "externaldeps/data/debian.txt"

// debianFormat is the first non-comment line of data/debian.txt.
const debianFormat = "libvet-debian-sonames 1"

// debianData returns the parsed Debian table, loading it on first use.
var debianData = sync.OnceValue(func() *debianIndex {
	return mustLoad(parseDebian(debianPath, debianFile))
})

// debianIndex is the loaded Debian table.
type debianIndex struct {
	names map[string]*debianEntry
	order []string // names, in file (byte) order
}

type debianEntry struct {
	std []string // packages shipping the name in a searched directory, sorted
	sub []string // packages shipping it only in a subdirectory, sorted
}

// parseDebian parses the Debian table: "lib NAME PACKAGE..." and "alt
// NAME PACKAGE..." lines, by name in byte order, lib before alt, the
// packages sorted, no package on both lines of a name.
func parseDebian(file string, data []byte) (*debianIndex, error) {
	lines, err := datafile.Lines(file, data, debianFormat)
	if err != nil {
		return nil, err
	}
	idx := &debianIndex{names: map[string]*debianEntry{}}
	prevName, prevKind := "", ""
	for _, l := range lines {
		f := l.Fields
		if f[0] != "lib" && f[0] != "alt" {
			return nil, l.Errorf(file, "unknown keyword %q (want lib or alt)", f[0])
		}
		if len(f) < 3 {
			return nil, l.Errorf(file, "want %s NAME PACKAGE...", f[0])
		}
		name, pkgs := f[1], f[2:]
		if strings.Contains(name, "/") {
			return nil, l.Errorf(file, "%q is a path, not a file name", name)
		}
		if name < prevName || name == prevName && (prevKind != "lib" || f[0] != "alt") {
			return nil, l.Errorf(file, "%s %s is out of order or repeated (names in byte order, lib before alt)", f[0], name)
		}
		prevName, prevKind = name, f[0]
		for i, p := range pkgs {
			if !debianPackageName(p) {
				return nil, l.Errorf(file, "%q is not a Debian package name", p)
			}
			if i > 0 && pkgs[i-1] >= p {
				return nil, l.Errorf(file, "packages are not sorted or repeat")
			}
		}
		e := idx.names[name]
		if e == nil {
			e = &debianEntry{}
			idx.names[name] = e
			idx.order = append(idx.order, name)
		}
		if f[0] == "lib" {
			e.std = pkgs
			continue
		}
		for _, p := range pkgs {
			if slices.Contains(e.std, p) {
				return nil, l.Errorf(file, "%s is on the lib line of %s too", p, name)
			}
		}
		e.sub = pkgs
	}
	return idx, nil
}

// debianPackageName reports whether s is a valid Debian package name
// (Debian Policy 5.6.1: lower-case letters, digits, '+', '-' and '.', at
// least two characters, starting with a letter or digit).
func debianPackageName(s string) bool {
	if len(s) < 2 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case i > 0 && (r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return true
}
