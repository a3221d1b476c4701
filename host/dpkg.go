package host

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/libvet/libvet/internal/debian"
)

// Where dpkg keeps its database, relative to the root.
const (
	dpkgDir        = "var/lib/dpkg"
	dpkgStatus     = dpkgDir + "/status"
	dpkgStatusD    = dpkgDir + "/status.d"
	dpkgInfo       = dpkgDir + "/info"
	dpkgDiversions = dpkgDir + "/diversions"
)

// Size limits for the files of a dpkg database. A full Debian system's
// status file is a few MiB and its largest .list or .symbols file a few
// MiB; these limits are far above that.
const (
	// maxDpkgStatus bounds the status file and the status.d files
	// together.
	maxDpkgStatus = 256 << 20
	maxDpkgFile   = 64 << 20
	// maxDpkgLists bounds the file lists together, and the shlibs and
	// symbols files together: a full Debian system's lists (300,000
	// paths) take some 20 MiB.
	maxDpkgLists = 1 << 30
)

// mergedUsr are the directories that a merged-/usr system makes
// symlinks to their /usr counterparts (/lib → usr/lib). dpkg records
// whichever path the package shipped, so a file is looked up both ways.
var mergedUsr = []string{"bin", "sbin", "lib", "lib32", "lib64", "libx32"}

// Dpkg is the dpkg database of a root directory: the installed packages,
// the files they installed, the shared libraries they declare and the
// diversions. Read it with [ReadDpkg]. The file lists and the
// shlibs/symbols files are read once, on the first call that needs them;
// a Dpkg is safe for concurrent use.
type Dpkg struct {
	root      fs.FS
	pkgs      []dpkgPackage      // installed, sorted by name then architecture
	byName    map[string][]int32 // package name → indexes into pkgs
	providers map[string][]provider
	native    string
	infoNames map[string]bool // the files in var/lib/dpkg/info
	// infoFormat1 is set when var/lib/dpkg/info/format says 1.
	infoFormat1 bool
	divFrom     map[string]diversion
	divTo       map[string]diversion

	ownersOnce sync.Once
	owners     ownerIndex

	libsOnce sync.Once
	shlibs   map[string][]shlibRef // "library\x00version" → entries
	symbols  map[string][]symbolsRef

	mu       sync.Mutex
	problems []error
}

type dpkgPackage struct {
	Package
	version    debian.Version
	versionErr error
	multiArch  string
	provides   []debian.Relation
	// statusD is the file under status.d that declared the package
	// (distroless images), "" for var/lib/dpkg/status.
	statusD string
}

// A provider is an installed package that provides a virtual package.
type provider struct {
	pkg int32
	rel debian.Relation // the Provides entry: name and optional "= version"
}

// A diversion moves the file from of packages other than by to the path
// to; by is the diverting package, ":" for a local diversion
// (dpkg-divert(1)).
type diversion struct{ from, to, by string }

type shlibRef struct {
	pkg     int32
	depends []debian.Dependency
}

type symbolsRef struct {
	pkg int32
	lib *debian.SymbolsLib
}

// A DebLibrary is a shared library that an installed package declares in
// its shlibs or symbols file, with the dependency a binary linked with
// it gets (what dpkg-shlibdeps would write).
type DebLibrary struct {
	// Package is the package whose shlibs or symbols file declares the
	// library.
	Package Package
	// Soname is the library's soname ("libz.so.1").
	Soname string
	// Depends is the dependency template of the shlibs file
	// ("zlib1g (>= 1:1.2.3.3.dfsg-1)"), nil when only a symbols file
	// declares the library.
	Depends []debian.Dependency
	// Symbols is the library's entry in the symbols file, nil when only
	// a shlibs file declares it. When both exist, dpkg-shlibdeps uses
	// the symbols file: its [debian.SymbolsLib.MinVersions] give the
	// package version each symbol version node needs.
	Symbols *debian.SymbolsLib
}

// ReadDpkg reads the dpkg database under root: var/lib/dpkg/status
// (packages whose Status is "… installed", which includes held
// packages), the files of var/lib/dpkg/status.d (distroless images, one
// stanza per file and no Status field: all installed), the names in
// var/lib/dpkg/info, var/lib/dpkg/info/format and
// var/lib/dpkg/diversions. Paths are relative to
// root, as fs.FS wants ("var/lib/dpkg/status"). When neither status nor
// status.d exists the error wraps fs.ErrNotExist.
func ReadDpkg(root fs.FS) (*Dpkg, error) {
	d := &Dpkg{root: root, byName: map[string][]int32{}, providers: map[string][]provider{},
		infoNames: map[string]bool{}, divFrom: map[string]diversion{}, divTo: map[string]diversion{}}
	var pkgs []dpkgPackage
	found := false
	budget := int64(maxDpkgStatus)
	data, err := readFileLimit(root, dpkgStatus, budget)
	switch {
	case err == nil:
		found = true
		budget -= int64(len(data))
		if pkgs, err = readStatus(data, dpkgStatus, "", pkgs); err != nil {
			return nil, err
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	entries, err := fs.ReadDir(root, dpkgStatusD)
	switch {
	case err == nil:
		found = true
		for _, e := range entries {
			name := e.Name()
			if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".md5sums") {
				continue
			}
			file := dpkgStatusD + "/" + name
			data, err := readFileLimit(root, file, min(maxDpkgFile, budget))
			if err != nil {
				return nil, err
			}
			budget -= int64(len(data))
			if pkgs, err = readStatus(data, file, name, pkgs); err != nil {
				return nil, err
			}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("no dpkg database under the root: neither %s nor %s exists: %w", dpkgStatus, dpkgStatusD, fs.ErrNotExist)
	}
	d.setPackages(pkgs)
	if entries, err := fs.ReadDir(root, dpkgInfo); err == nil {
		for _, e := range entries {
			d.infoNames[e.Name()] = true
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	format, err := readFileLimit(root, dpkgInfo+"/format", 64)
	switch {
	case err == nil:
		switch f := strings.TrimSpace(string(format)); f {
		case "0":
		case "1":
			d.infoFormat1 = true
		default:
			return nil, fmt.Errorf("%s/format: unknown dpkg database format %q", dpkgInfo, f)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	if err := d.readDiversions(); err != nil {
		return nil, err
	}
	return d, nil
}

// readStatus appends the installed packages of a status file (or of a
// status.d file, statusD naming it) to pkgs.
func readStatus(data []byte, file, statusD string, pkgs []dpkgPackage) ([]dpkgPackage, error) {
	r := debian.NewReader(bytes.NewReader(data), file)
	for {
		p, err := r.Next()
		if err == io.EOF {
			return pkgs, nil
		}
		if err != nil {
			return nil, err
		}
		bad := func(format string, args ...any) error {
			return &debian.SyntaxError{File: file, Line: p.Line, Msg: fmt.Sprintf(format, args...)}
		}
		name := p.Value("Package")
		if name == "" {
			return nil, bad("stanza without a Package field")
		}
		if statusD == "" {
			st, ok := p.Field("Status")
			words := strings.Fields(st.Value)
			if !ok || len(words) != 3 {
				return nil, bad("package %s: Status %q is not \"want flag state\"", name, st.Value)
			}
			if words[2] != "installed" {
				continue
			}
		}
		pkg := dpkgPackage{
			Package:   Package{Manager: "dpkg", Name: name, Version: p.Value("Version"), Arch: p.Value("Architecture")},
			multiArch: p.Value("Multi-Arch"),
			statusD:   statusD,
		}
		pkg.version, pkg.versionErr = debian.ParseVersion(pkg.Version)
		if f, ok := p.Field("Provides"); ok {
			deps, err := debian.ParseRelations(f.Value)
			if err != nil {
				return nil, &debian.SyntaxError{File: file, Line: f.Line, Msg: fmt.Sprintf("Provides of %s: %v", name, err)}
			}
			for _, dep := range deps {
				pkg.provides = append(pkg.provides, dep...)
			}
		}
		pkgs = append(pkgs, pkg)
	}
}

// setPackages sorts the packages, drops repeated name:arch pairs and
// builds the name and Provides indexes.
func (d *Dpkg) setPackages(pkgs []dpkgPackage) {
	slices.SortStableFunc(pkgs, func(a, b dpkgPackage) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Arch, b.Arch))
	})
	d.pkgs = slices.CompactFunc(pkgs, func(a, b dpkgPackage) bool { return a.Name == b.Name && a.Arch == b.Arch })
	archs := map[string]int{}
	for i, p := range d.pkgs {
		d.byName[p.Name] = append(d.byName[p.Name], int32(i))
		for _, r := range p.provides {
			d.providers[r.Name] = append(d.providers[r.Name], provider{pkg: int32(i), rel: r})
		}
		if p.Name == "dpkg" && d.native == "" {
			d.native = p.Arch
		}
		if p.Arch != "all" && p.Arch != "" {
			archs[p.Arch]++
		}
	}
	if d.native == "" {
		// No dpkg package (a distroless image): the most common architecture.
		for a, n := range archs {
			if n > archs[d.native] || n == archs[d.native] && a < d.native {
				d.native = a
			}
		}
	}
}

// readDiversions reads var/lib/dpkg/diversions: three lines per
// diversion (from, to, diverting package).
func (d *Dpkg) readDiversions() error {
	data, err := readFileLimit(d.root, dpkgDiversions, maxDpkgFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	if len(lines)%3 != 0 {
		return &debian.SyntaxError{File: dpkgDiversions, Line: len(lines), Msg: fmt.Sprintf("%d lines, not three per diversion (from, to, package)", len(lines))}
	}
	for i := 0; i < len(lines); i += 3 {
		div := diversion{from: lines[i], to: lines[i+1], by: lines[i+2]}
		if !strings.HasPrefix(div.from, "/") || !strings.HasPrefix(div.to, "/") || div.by == "" {
			return &debian.SyntaxError{File: dpkgDiversions, Line: i + 1, Msg: fmt.Sprintf("diversion %q → %q by %q is not two absolute paths and a package", div.from, div.to, div.by)}
		}
		d.divFrom[div.from] = div
		d.divTo[div.to] = div
	}
	return nil
}

func (d *Dpkg) problem(err error) {
	d.mu.Lock()
	d.problems = append(d.problems, err)
	d.mu.Unlock()
}

// Problems returns what could not be read in the files that ReadDpkg
// does not read itself but later lookups do: the file lists and the
// shlibs and symbols files. An unreadable file is skipped, and so are
// the malformed lines of a shlibs or symbols file. Problems reads all
// those files first, so that the list is complete; it is sorted by
// message.
func (d *Dpkg) Problems() []error {
	d.loadOwners()
	d.loadLibs()
	d.mu.Lock()
	defer d.mu.Unlock()
	return sortProblems(slices.Clone(d.problems))
}

// ownerProblems returns what could not be read of the file lists, which
// Owner needs, sorted by message; it does not read the shlibs and
// symbols files.
func (d *Dpkg) ownerProblems() []error {
	d.loadOwners()
	d.mu.Lock()
	defer d.mu.Unlock()
	return sortProblems(slices.Clone(d.problems))
}

// Packages returns the installed packages, sorted by name and
// architecture.
func (d *Dpkg) Packages() []Package {
	out := make([]Package, len(d.pkgs))
	for i, p := range d.pkgs {
		out[i] = p.Package
	}
	return out
}

// Native returns the native architecture: that of the dpkg package, or
// when there is none (a distroless image) the most common architecture
// of the installed packages.
func (d *Dpkg) Native() string { return d.native }

// Installed returns the installed package called name of architecture
// arch; a package of architecture "all" matches any arch. With arch ""
// it prefers the native architecture.
func (d *Dpkg) Installed(name, arch string) (Package, bool) {
	ids := d.byName[name]
	if arch == "" {
		for _, i := range ids {
			if d.pkgs[i].Arch == d.native {
				return d.pkgs[i].Package, true
			}
		}
		if len(ids) > 0 {
			return d.pkgs[ids[0]].Package, true
		}
		return Package{}, false
	}
	for _, i := range ids {
		if a := d.pkgs[i].Arch; a == arch || a == "all" {
			return d.pkgs[i].Package, true
		}
	}
	return Package{}, false
}

// infoFile returns the path of the package's file with the given suffix
// (".list") under var/lib/dpkg/info, "" when there is none. Like dpkg's
// pkg_infodb_get_file, it names the files of a Multi-Arch: same package
// "name:arch" when info/format says 1 (multiarch dpkg), and the others
// "name".
func (d *Dpkg) infoFile(p *dpkgPackage, suffix string) string {
	base := p.Name
	if d.infoFormat1 && p.multiArch == "same" {
		base += ":" + p.Arch
	}
	if !d.infoNames[base+suffix] {
		return ""
	}
	return dpkgInfo + "/" + base + suffix
}

// loadOwners reads every installed package's file list once: its
// info/<package>.list, or, when there is none, the md5sums file (in
// info/, or in status.d/ for a distroless image), which lists the files
// without the directories.
func (d *Dpkg) loadOwners() {
	d.ownersOnce.Do(func() {
		type list struct {
			text  string
			md5   bool
			owner int32
		}
		var lists []list
		paths, budget := 0, int64(maxDpkgLists)
		for i := range d.pkgs {
			p := &d.pkgs[i]
			file, md5 := d.infoFile(p, ".list"), false
			if file == "" {
				file, md5 = d.infoFile(p, ".md5sums"), true
			}
			if file == "" && p.statusD != "" && d.exists(dpkgStatusD+"/"+p.statusD+".md5sums") {
				file, md5 = dpkgStatusD+"/"+p.statusD+".md5sums", true
			}
			if file == "" {
				continue
			}
			data, err := readFileLimit(d.root, file, min(maxDpkgFile, budget))
			if err != nil {
				d.problem(err)
				continue
			}
			budget -= int64(len(data))
			paths += bytes.Count(data, []byte("\n")) + 1
			lists = append(lists, list{string(data), md5, int32(i)})
		}
		d.owners = newOwnerIndex(len(d.pkgs), paths)
		for _, l := range lists {
			for line := range strings.SplitSeq(l.text, "\n") {
				if l.md5 {
					// "<md5sum>  <path relative to />"
					if len(line) < 35 || line[32] != ' ' {
						continue
					}
					line = "/" + line[34:]
				}
				if line != "" {
					d.owners.add(line, l.owner)
				}
			}
		}
	})
}

func (d *Dpkg) exists(name string) bool {
	_, err := fs.Stat(d.root, name)
	return err == nil
}

// Owner returns the package that installed the file at path (absolute,
// or relative to the root), the first of [Dpkg.Owners].
func (d *Dpkg) Owner(path string) (Package, bool) {
	ids := d.ownerIDs(path)
	if len(ids) == 0 {
		return Package{}, false
	}
	return d.pkgs[ids[0]].Package, true
}

// Owners returns the packages that installed the file or directory at
// path (absolute, or relative to the root), sorted by name and
// architecture. It looks up both the /usr and the top-level spelling of
// the directories that merged-/usr systems alias (/usr/lib/x and
// /lib/x), and follows diversions: a diverted path belongs to the
// diverting package only, and the path it was diverted to belongs to
// the other packages that ship it.
func (d *Dpkg) Owners(path string) []Package {
	ids := d.ownerIDs(path)
	out := make([]Package, len(ids))
	for i, id := range ids {
		out[i] = d.pkgs[id].Package
	}
	return out
}

func (d *Dpkg) ownerIDs(p string) []int32 {
	d.loadOwners()
	forms := spellings(p)
	ids := d.listed(forms)
	for _, f := range forms {
		if div, ok := d.divFrom[f]; ok {
			ids = slices.DeleteFunc(slices.Clone(ids), func(i int32) bool { return d.pkgs[i].Name != div.by })
			break
		}
	}
	for _, f := range forms {
		if div, ok := d.divTo[f]; ok {
			orig := slices.DeleteFunc(slices.Clone(d.listed(spellings(div.from))), func(i int32) bool { return d.pkgs[i].Name == div.by })
			ids = union(ids, orig)
			break
		}
	}
	return ids
}

// listed returns the packages whose file lists name any of forms.
func (d *Dpkg) listed(forms []string) []int32 {
	a := d.owners.get(forms[0])
	if len(forms) == 1 {
		return a
	}
	switch b := d.owners.get(forms[1]); {
	case len(b) == 0:
		return a
	case len(a) == 0:
		return b
	default:
		return union(a, b)
	}
}

// spellings returns the path as dpkg's lists write it (absolute, clean,
// "/." for the root) and, for a path under one of the merged-/usr
// directories, its other spelling.
func spellings(p string) []string {
	p = path.Clean("/" + p)
	if p == "/" {
		return []string{"/."}
	}
	for _, dir := range mergedUsr {
		if rest, ok := strings.CutPrefix(p, "/usr/"+dir); ok && (rest == "" || rest[0] == '/') {
			return []string{p, "/" + dir + rest}
		}
		if rest, ok := strings.CutPrefix(p, "/"+dir); ok && (rest == "" || rest[0] == '/') {
			return []string{p, "/usr/" + dir + rest}
		}
	}
	return []string{p}
}

// loadLibs reads every installed package's shlibs and symbols files once.
func (d *Dpkg) loadLibs() {
	d.libsOnce.Do(func() {
		d.shlibs = map[string][]shlibRef{}
		d.symbols = map[string][]symbolsRef{}
		budget := int64(maxDpkgLists)
		read := func(file string) ([]byte, error) {
			data, err := readFileLimit(d.root, file, min(maxDpkgFile, budget))
			budget -= int64(len(data))
			return data, err
		}
		for i := range d.pkgs {
			p := &d.pkgs[i]
			if file := d.infoFile(p, ".shlibs"); file != "" {
				data, err := read(file)
				var entries []debian.Shlib
				if err == nil {
					entries, err = debian.ParseShlibs(bytes.NewReader(data), file)
				}
				if err != nil {
					d.problem(err)
				}
				for _, e := range entries {
					if e.Type != "" { // udeb entries are for the installer
						continue
					}
					key := e.Library + "\x00" + e.Version
					if refs := d.shlibs[key]; len(refs) == 0 || refs[len(refs)-1].pkg != int32(i) {
						d.shlibs[key] = append(refs, shlibRef{int32(i), e.Depends})
					}
				}
			}
			if file := d.infoFile(p, ".symbols"); file != "" {
				data, err := read(file)
				var libs []debian.SymbolsLib
				if err == nil {
					libs, err = debian.ParseSymbols(bytes.NewReader(data), file)
				}
				if err != nil {
					d.problem(err)
				}
				for j := range libs {
					d.symbols[libs[j].Soname] = append(d.symbols[libs[j].Soname], symbolsRef{int32(i), &libs[j]})
				}
			}
		}
	})
}

// SharedLibrary returns the installed packages of architecture arch (any
// when arch is "") that declare the library soname in a shlibs file (its
// default entries, not the udeb ones) or a symbols file, sorted by
// package name and architecture. Usually there is one; co-installed
// architectures of a Multi-Arch: same package give one each.
func (d *Dpkg) SharedLibrary(soname, arch string) []DebLibrary {
	d.loadLibs()
	byPkg := map[int32]*DebLibrary{}
	var order []int32
	get := func(i int32) *DebLibrary {
		if l, ok := byPkg[i]; ok {
			return l
		}
		if a := d.pkgs[i].Arch; arch != "" && a != arch && a != "all" {
			return nil
		}
		l := &DebLibrary{Package: d.pkgs[i].Package, Soname: soname}
		byPkg[i] = l
		order = append(order, i)
		return l
	}
	if lib, ver, ok := debian.SplitSoname(soname); ok {
		for _, r := range d.shlibs[lib+"\x00"+ver] {
			if l := get(r.pkg); l != nil {
				l.Depends = r.depends
			}
		}
	}
	for _, r := range d.symbols[soname] {
		if l := get(r.pkg); l != nil && l.Symbols == nil {
			l.Symbols = r.lib
		}
	}
	slices.Sort(order)
	out := make([]DebLibrary, len(order))
	for i, id := range order {
		out[i] = *byPkg[id]
	}
	return out
}

// Satisfies reports whether the installed packages satisfy dep, one of
// whose alternatives must be met, for a depending package or binary of
// architecture arch ("" for the native one), and returns the package
// that does. An alternative is met by an installed package of that name
// whose version meets the constraint, or by one that provides the name
// (with "= version" when the alternative has a version constraint), of
// an architecture dpkg accepts: the same one, any for a Multi-Arch:
// foreign package, any for ":any" and a Multi-Arch: allowed package, the
// named one for an explicit qualifier. Alternatives whose architecture
// restriction excludes arch are dropped; when all are, dep holds
// vacuously and the returned Package is zero. Build profiles are
// ignored.
func (d *Dpkg) Satisfies(dep debian.Dependency, arch string) (Package, bool) {
	if arch == "" {
		arch = d.native
	}
	applicable := 0
	for _, r := range dep {
		if r.Arches != nil && !archListMatches(r.Arches, arch) {
			continue
		}
		applicable++
		for _, i := range d.byName[r.Name] {
			p := &d.pkgs[i]
			if d.archSatisfies(p, r, arch) && (r.Op == debian.OpNone || p.versionErr == nil && r.SatisfiedBy(p.version)) {
				return p.Package, true
			}
		}
		for _, pr := range d.providers[r.Name] {
			p := &d.pkgs[pr.pkg]
			if d.archSatisfies(p, r, arch) && (r.Op == debian.OpNone || pr.rel.Op == debian.OpEqual && r.SatisfiedBy(pr.rel.Version)) {
				return p.Package, true
			}
		}
	}
	return Package{}, applicable == 0
}

// archSatisfies is dpkg's deparchsatisfied: whether package p, of its
// architecture and Multi-Arch kind, can meet relation r of a package or
// binary of architecture arch.
func (d *Dpkg) archSatisfies(p *dpkgPackage, r debian.Relation, arch string) bool {
	switch {
	case r.Arch == "" && p.multiArch == "foreign":
		return true
	case r.Arch == "any":
		return p.multiArch == "allowed"
	}
	want, have := r.Arch, p.Arch
	if want == "" {
		want = arch
	}
	if want == "" || want == "all" || want == "native" {
		want = d.native
	}
	if have == "" || have == "all" {
		have = d.native
	}
	return want == have
}

// archListMatches evaluates an architecture restriction list ("[amd64
// !i386]") for arch: a list of negated entries matches unless arch
// matches one of them; other lists match when arch matches one entry.
// Wildcards ("linux-any", "any-amd64") compare the part before the last
// '-' with the operating system and the part after it with the CPU;
// Debian's plain names are Linux ones ("amd64" is linux on amd64). This
// is dpkg's rule without its full table of architecture tuples.
func archListMatches(list []string, arch string) bool {
	negated := strings.HasPrefix(list[0], "!")
	for _, a := range list {
		if archMatches(strings.TrimPrefix(a, "!"), arch) {
			return !negated
		}
	}
	return negated
}

func archMatches(pattern, arch string) bool {
	if pattern == arch || pattern == "any" {
		return true
	}
	split := func(a string) (os, cpu string) {
		if i := strings.LastIndexByte(a, '-'); i >= 0 {
			return a[:i], a[i+1:]
		}
		return "linux", a
	}
	pos, pcpu := split(pattern)
	aos, acpu := split(arch)
	return (pos == "any" || pos == aos) && (pcpu == "any" || pcpu == acpu)
}
