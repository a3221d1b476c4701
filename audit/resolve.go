package audit

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/libvet/libvet/artifact"
	velf "github.com/libvet/libvet/elf"
	"github.com/libvet/libvet/host"
)

var (
	// nestedContainer matches the outer part of a nested member name: the
	// tar streams of .conda and .deb packages.
	nestedContainer = regexp.MustCompile(`^[^/!]+\.tar(\.(gz|bz2|xz|zst))?$`)
	loaderName      = regexp.MustCompile(`^(ld-linux.*|ld64\.so\.[12]|ld-musl-.*\.so\.1)$`)
	libpythonName   = regexp.MustCompile(`^libpython\d+(\.\d+)?[a-z]*\.so`)
)

// IsLoader reports whether soname is a dynamic loader (ld-linux*.so.*,
// ld64.so.1/2, ld-musl-*.so.1): never resolved, and its symbol versions
// constrain nothing.
func IsLoader(soname string) bool { return loaderName.MatchString(soname) }

// IsLibpython reports whether soname is the Python runtime library
// (libpython3.12.so.1.0), which the interpreter provides when anything does.
func IsLibpython(soname string) bool { return libpythonName.MatchString(soname) }

// linker resolves the needs of an artifact's binaries, each format by its
// own loader's rules.
type linker struct {
	bins  []*Binary
	files map[string]*velf.File // ELF parses, by member
	// byPath maps an installed path to the binaries there (one per slice
	// of a fat Mach-O file); byLower is the same with lower-cased paths,
	// for Windows.
	byPath  map[string][]*Binary
	byLower map[string][]*Binary
	byBase  map[string][]string // base name (lower-cased for PE) -> members
	exclude []exclusion
	target  Target
	format  Format // the format target judges
	host    LibraryFinder
	dlls    DLLFinder
	env     Environment // the packages beside a package artifact, or nil
	// sysDirs are the root-relative directories ld.so searches by default,
	// for artifacts that install into a root (a .deb); nil otherwise.
	sysDirs []string
	// loaders maps a binary to the binaries that load it.
	loaders map[*Binary][]*Binary
	// dllDirs are the directories a Windows artifact adds to the DLL
	// search (os.add_dll_directory, load-order files).
	dllDirs []DLLDir
	// peRoots maps a PE binary to the top-level binaries whose load
	// reaches it.
	peRoots map[*Binary][]*Binary
}

// LibraryFinder finds a library on the host; *host.Linux implements it.
type LibraryFinder interface {
	Find(soname string, s host.Search) *host.Library
}

// DLLFinder finds Windows DLLs outside the artifact (--add-path);
// *host.DLLPath implements it.
type DLLFinder interface {
	FindDLL(name string, machine uint16) *host.DLL
}

// newLinker returns a linker for bins; t (which may be nil) judges the
// binaries of format f.
func newLinker(bins []*Binary, files map[string]*velf.File, exclude []string, t Target, f Format, h LibraryFinder) *linker {
	l := &linker{bins: bins, files: files, byPath: map[string][]*Binary{}, byLower: map[string][]*Binary{},
		byBase: map[string][]string{}, exclude: compileExcludes(exclude), target: t, format: f, host: h,
		loaders: map[*Binary][]*Binary{}}
	for _, b := range bins {
		p := installedPath(b.Member)
		l.byPath[p] = append(l.byPath[p], b)
		base := path.Base(b.Member)
		if b.Format == FormatPE {
			l.byLower[strings.ToLower(p)] = append(l.byLower[strings.ToLower(p)], b)
			base = strings.ToLower(base)
		}
		if m := l.byBase[base]; len(m) == 0 || m[len(m)-1] != b.Member {
			l.byBase[base] = append(m, b.Member)
		}
	}
	return l
}

// addLinks makes the artifact's symbolic links and hard links lead to
// the binaries they point to: lib/libz.so.1 -> libz.so.1.2.13 is found
// where the loader looks for libz.so.1. Links that point nowhere inside
// the artifact are reported.
func (l *linker) addLinks(a *artifact.Artifact) []Finding {
	var out []Finding
	for _, m := range a.Members() {
		if m.Link == "" {
			continue
		}
		target, err := a.Resolve(m.Path)
		if errors.Is(err, artifact.ErrIsDir) {
			continue // a link to a directory (numpy's include dir, a sysroot's lib -> usr/lib)
		}
		if err != nil {
			out = append(out, Finding{Code: "artifact/link", Severity: Warning, Member: m.Path,
				Message: fmt.Sprintf("a link to %s that leads to no file in the artifact: %v", m.Link, unwrapArtifact(err))})
			continue
		}
		from, to := installedPath(m.Path), installedPath(target.Path)
		for _, b := range l.byPath[to] {
			l.byPath[from] = append(l.byPath[from], b)
			if b.Format == FormatPE {
				l.byLower[strings.ToLower(from)] = append(l.byLower[strings.ToLower(from)], b)
			}
		}
	}
	return out
}

// unwrapArtifact drops the "ARTIFACT: MEMBER: " prefix of an
// *artifact.Error, for messages that already name the member.
func unwrapArtifact(err error) error {
	var aerr *artifact.Error
	if errors.As(err, &aerr) {
		return aerr.Err
	}
	return err
}

// installedPath is where a member lands when installed: for a member of
// a nested container ("pkg-x.tar.zst!lib/libz.so.1", "data.tar.xz!usr/lib/x")
// its path inside that container; for a wheel member, its path under
// site-packages, where members of NAME.data/platlib and NAME.data/purelib
// are installed at the root.
func installedPath(member string) string {
	if i := strings.IndexByte(member, '!'); i >= 0 && nestedContainer.MatchString(member[:i]) {
		return member[i+1:]
	}
	first, rest, ok := strings.Cut(member, "/")
	if !ok || !strings.HasSuffix(first, ".data") {
		return member
	}
	scheme, rest, ok := strings.Cut(rest, "/")
	if ok && (scheme == "platlib" || scheme == "purelib") {
		return rest
	}
	return member
}

// compatible reports whether the loader would accept lib for b: the same
// format and machine (for a fat Mach-O file, the slice of b's
// architecture).
func compatible(b, lib *Binary) bool {
	return lib.Format == b.Format && lib.Machine == b.Machine
}

// at returns the binary at installed path p that b's loader accepts.
func (l *linker) at(b *Binary, p string) *Binary {
	cands := l.byPath[p]
	if b.Format == FormatPE {
		cands = l.byLower[strings.ToLower(p)]
	}
	for _, lib := range cands {
		if compatible(b, lib) {
			return lib
		}
	}
	return nil
}

// candidates lists the paths inside the artifact where b's loader looks
// for need, in its search order, each with the step that names it.
func (l *linker) candidates(b *Binary, need string) []searchDir {
	switch b.Format {
	case FormatELF:
		return l.elfCandidates(b, need)
	case FormatMachO:
		return l.machoCandidates(b, need)
	case FormatPE:
		return l.peCandidates(b, need)
	}
	return nil
}

// inArtifact looks need up where b's loader searches inside the
// artifact, returning the library and the search step that found it. A
// Windows DLL never satisfies its own import.
func (l *linker) inArtifact(b *Binary, need string) (*Binary, string) {
	for _, c := range l.candidates(b, need) {
		if lib := l.at(b, c.dir); lib != nil && !(b.Format == FormatPE && lib == b) {
			return lib, c.step
		}
	}
	return nil, ""
}

// link is a need satisfied inside the artifact.
type link struct {
	r   Resolution
	lib *Binary
}

// loadedKey is the name a library x loaded for need n is known by to
// later loads: dyld matches an image's install name, the others the name
// it was loaded by.
func loadedKey(x *Binary, n string, lib *Binary) string {
	if x.Format == FormatMachO {
		return lib.InstallName
	}
	return nameKey(x, n)
}

// nameKey is the name the loader compares already-loaded libraries by:
// Windows ignores case.
func nameKey(b *Binary, need string) string {
	if b.Format == FormatPE {
		return strings.ToLower(need)
	}
	return need
}

// resolve fills every binary's Resolutions and returns the external
// libraries, following external libraries' own needs on the host.
func (l *linker) resolve() []ExternalLib {
	l.peRoots = l.windowsRoots()
	// In-artifact lookups, repeated until nothing changes: a binary's own
	// search path, the search paths it inherits from the binaries that
	// load it (DT_RPATH, LC_RPATH), and, as ld.so, dyld and the Windows
	// loader do, a library the same load already mapped under that name.
	found := map[*Binary]map[string]link{}
	for _, b := range l.bins {
		found[b] = map[string]link{}
	}
	// loadedAs holds the names some library was loaded by: only a need of
	// such a name can be one already loaded, which spares the search of
	// every load tree for libc and the like.
	loadedAs := map[string]bool{}
	for changed, rounds := true, 0; changed && rounds <= len(l.bins); rounds++ {
		changed = false
		for _, b := range l.bins {
			for _, n := range b.Needed {
				if _, ok := found[b][n]; ok {
					continue
				}
				lib, step := l.inArtifact(b, n)
				if lib == nil && loadedAs[nameKey(b, n)] {
					lib, step = l.alreadyLoaded(b, n, found)
				}
				if lib != nil {
					loadedAs[loadedKey(b, n, lib)] = true
					found[b][n] = link{Resolution{Need: n, By: ByArtifact, Path: lib.Member, Detail: step}, lib}
					l.loaders[lib] = append(l.loaders[lib], b)
					changed = true
				}
			}
		}
	}
	ext := newExternals()
	for _, b := range l.bins {
		b.Resolutions = make([]Resolution, 0, len(b.Needed))
		s := l.hostSearch(b)
		for _, n := range b.Needed {
			lk, ok := found[b][n]
			r := lk.r
			if !ok {
				r = l.beyondArtifact(b, l.files[b.Member], n, s, ext)
				if r.By == ByHost || r.By == ByNone {
					step := r.Detail
					r.Detail = l.externalReason(b, n, r)
					ext.add(nameKey(b, n)+"\x00"+usable(r), n, r, step, b.Member)
				}
			}
			r.Kind = b.NeedKind(n)
			b.Resolutions = append(b.Resolutions, r)
		}
	}
	return ext.list()
}

// alreadyLoaded finds need among the libraries the loader has already
// mapped when it comes to b's own needs, in the load of any top-level
// binary that (transitively) loads b. Loaders map a binary's needs
// breadth first, in load order, and reuse a mapped library by name
// whatever the search path of a later binary needing it; a library
// mapped only below b does not count.
func (l *linker) alreadyLoaded(b *Binary, need string, found map[*Binary]map[string]link) (*Binary, string) {
	if b.Format == FormatMachO && !strings.HasPrefix(need, atRPath) {
		return nil, "" // dyld reuses an image by path; only @rpath/ names match install names
	}
	for _, root := range l.roots(b, map[*Binary]bool{}) {
		if lib, step := l.mappedBefore(root, b, nameKey(b, need), found); lib != nil {
			return lib, step
		}
	}
	return nil, ""
}

// mappedBefore follows the breadth-first load from root and returns the
// library mapped under name key before b's needs are processed.
func (l *linker) mappedBefore(root, b *Binary, key string, found map[*Binary]map[string]link) (*Binary, string) {
	type hit struct {
		lib  *Binary
		step string
	}
	mapped := map[*Binary]bool{root: true}
	byName := map[string]hit{}
	queue := []*Binary{root}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		if x == b {
			h := byName[key]
			return h.lib, h.step
		}
		for _, n := range x.Needed {
			lk, ok := found[x][n]
			if !ok {
				continue
			}
			lib := lk.lib
			if k := loadedKey(x, n, lib); byName[k].lib == nil {
				byName[k] = hit{lib, fmt.Sprintf("already loaded for %s (%s)", x.Member, lk.r.Detail)}
			}
			if !mapped[lib] {
				mapped[lib] = true
				queue = append(queue, lib)
			}
		}
	}
	return nil, ""
}

// roots returns the top-level binaries that (transitively) load b, or b
// itself when nothing in the artifact loads it.
func (l *linker) roots(b *Binary, seen map[*Binary]bool) []*Binary {
	if seen[b] {
		return nil
	}
	seen[b] = true
	if len(l.loaders[b]) == 0 {
		return []*Binary{b}
	}
	var out []*Binary
	for _, ld := range l.loaders[b] {
		out = append(out, l.roots(ld, seen)...)
	}
	return out
}

// beyondArtifact runs the rest of the chain for a need the artifact does
// not satisfy: interpreter, --exclude, platform promise, host. from is
// the binary that needs it, nil for a host library's need.
func (l *linker) beyondArtifact(from *Binary, needer *velf.File, soname string, s *host.Search, ext *externals) Resolution {
	elfNeed := from == nil || from.Format == FormatELF
	// A package's environment may install libpython (conda's python,
	// Debian's libpython3.X) and the loader (libc6): then that package
	// must be a dependency like any other.
	if pat, ok := l.excluded(from, soname, ""); ok {
		return Resolution{Need: soname, By: ByExclude, Detail: fmt.Sprintf("--exclude %q: provided by another package", pat)}
	}
	if r, ok := l.findInEnvironment(from, soname); ok {
		return r
	}
	if elfNeed && (IsLoader(soname) || IsLibpython(soname)) {
		return Resolution{Need: soname, By: BySkip, Detail: "provided by the dynamic loader or the Python interpreter; never vendored"}
	}
	if l.target != nil && (from == nil || from.Format == l.format) {
		if r, ok := l.target.Promises(from, soname); ok {
			r.Need = soname
			return r
		}
	}
	if from != nil && from.Format == FormatPE {
		return l.findDLL(from, soname, ext)
	}
	if l.host == nil || s == nil {
		return Resolution{Need: soname, By: ByNone}
	}
	lib := l.host.Find(soname, *s)
	if lib == nil {
		r := Resolution{Need: soname, By: ByNone}
		if d, ok := l.host.(interface{ Describe(host.Search) string }); ok {
			r.Detail = "not found in " + d.Describe(*s)
		}
		return r
	}
	if pat, ok := matchExclude(l.exclude, soname, lib.RealPath); ok {
		return Resolution{Need: soname, By: ByExclude, Path: lib.Path, Detail: fmt.Sprintf("--exclude %q matches %s: provided by another package", pat, lib.RealPath)}
	}
	// The library satisfies the need only if it defines the symbol
	// versions the binary requires from it (an older libstdc++ lacks
	// GLIBCXX_3.4.32).
	if needer != nil && lib.File != nil {
		if miss := host.MissingVersions(needer, soname, lib.File); len(miss) > 0 {
			who := "the external library that needs it"
			if from != nil {
				who = from.Member
			}
			return Resolution{Need: soname, By: ByNone, Path: lib.Path,
				Detail: fmt.Sprintf("found on this host at %s (%s), but it lacks %s, which %s needs", lib.Path, lib.Step, strings.Join(miss, ", "), who)}
		}
	}
	ext.follow(l, soname, lib)
	return Resolution{Need: soname, By: ByHost, Path: lib.Path, Detail: lib.Step}
}

// excluded matches --exclude globs against a need; Windows DLL names
// also match in lower case, as the file system ignores case.
func (l *linker) excluded(from *Binary, soname, realPath string) (string, bool) {
	if pat, ok := matchExclude(l.exclude, soname, realPath); ok {
		return pat, ok
	}
	if from != nil && from.Format == FormatPE {
		return matchExclude(l.exclude, strings.ToLower(soname), "")
	}
	return "", false
}

// externalReason explains why a need of b is external.
func (l *linker) externalReason(b *Binary, soname string, r Resolution) string {
	where := "not in the artifact"
	switch b.Format {
	case FormatMachO:
		where = l.machoWhere(b, soname)
	case FormatELF:
		where = "not in the artifact (" + describePath(b) + ")"
	}
	base := path.Base(soname)
	if b.Format == FormatPE {
		base = strings.ToLower(base)
	}
	if others := l.byBase[base]; len(others) > 0 {
		where = fmt.Sprintf("the artifact has %s, but %s's loader does not search there (%s)",
			strings.Join(others, ", "), b.Member, l.describeSearch(b, soname))
	}
	return l.why(b, where, soname, r)
}

// why joins where a need was looked for with the platform's and the
// host's answers.
func (l *linker) why(b *Binary, where, soname string, r Resolution) string {
	why := []string{where}
	if l.target != nil && (b == nil || b.Format == l.format) {
		why = append(why, l.target.NotPromised(soname))
	}
	switch {
	case r.By == ByHost:
		why = append(why, "found on this host at "+r.Path+" ("+r.Detail+")")
	case r.By == ByNone && r.Path != "":
		why = append(why, r.Detail) // found, but too old
	case b != nil && b.Format == FormatPE && l.dlls != nil:
		why = append(why, "not in the --add-path directories")
	case b != nil && b.Format == FormatPE:
		why = append(why, "libvet does not look for Windows DLLs on this host (give their directory with --add-path)")
	case b != nil && b.Format == FormatMachO:
		why = append(why, "libvet does not look for macOS libraries on this host")
	case l.host == nil:
	case r.Detail != "":
		why = append(why, r.Detail) // where the host search looked
	default:
		why = append(why, "not found on this host")
	}
	return strings.Join(why, "; ")
}

// describeSearch summarises where b's loader looks for need, for messages.
func (l *linker) describeSearch(b *Binary, need string) string {
	switch b.Format {
	case FormatMachO:
		return l.machoSearch(b, need)
	case FormatPE:
		return l.peSearch(b)
	}
	return describePath(b)
}

// findDLL looks a DLL that from needs, and that neither the artifact nor
// Windows provides, up in the --add-path directories, and follows the
// imports of the one it finds.
func (l *linker) findDLL(from *Binary, name string, ext *externals) Resolution {
	if l.dlls == nil {
		return Resolution{Need: name, By: ByNone}
	}
	dll := l.dlls.FindDLL(name, peMachineOf(from))
	if dll == nil {
		return Resolution{Need: name, By: ByNone}
	}
	if pat, ok := l.excluded(from, name, dll.Path); ok {
		return Resolution{Need: name, By: ByExclude, Path: dll.Path, Detail: fmt.Sprintf("--exclude %q matches %s: provided by another package", pat, dll.Path)}
	}
	ext.followDLL(l, dll)
	return Resolution{Need: name, By: ByHost, Path: dll.Path, Detail: dll.Step}
}

// usable says whether an external library resolution provides the
// library ("found") or not ("missing": absent, or found without the
// symbol versions the needer requires), so that one library can be
// listed both ways when some binaries can use it and others cannot.
func usable(r Resolution) string {
	if r.By == ByHost {
		return "found"
	}
	return "missing"
}

// externals collects external libraries, following each host library's
// own needs once.
type externals struct {
	libs     map[string]*ExternalLib
	followed map[string]bool
}

func newExternals() *externals {
	return &externals{libs: map[string]*ExternalLib{}, followed: map[string]bool{}}
}

// add records that neededBy needs the external library soname; key is
// the name libraries compare by (Windows ignores case).
func (e *externals) add(key, soname string, r Resolution, step, neededBy string) {
	x := e.libs[key]
	if x == nil {
		x = &ExternalLib{Soname: soname, Path: r.Path, Reason: r.Detail}
		switch r.By {
		case ByHost:
			x.Step = step
		case ByNone:
			// A library found but unusable is not provided.
			x.Path, x.Incompatible = "", r.Path
		}
		e.libs[key] = x
	}
	x.NeededBy = append(x.NeededBy, neededBy) // sorted and made unique by list
}

// follow resolves the needs of a host library that the artifact needs,
// recording the ones that are external too.
func (e *externals) follow(l *linker, soname string, lib *host.Library) {
	if e.followed[lib.RealPath] {
		return
	}
	e.followed[lib.RealPath] = true
	f := lib.File
	if f == nil {
		return // found, but not parsed (the musl loader)
	}
	s := host.Search{Class: f.Class, Data: f.Data, Machine: f.Machine, Musl: host.IsMusl(f), NoDefLib: f.NoDefLib()}
	dir := path.Dir(lib.RealPath)
	expand := func(entries []string) []string {
		var out []string
		for _, d := range entries {
			d = strings.ReplaceAll(strings.ReplaceAll(d, "${ORIGIN}", dir), "$ORIGIN", dir)
			if path.IsAbs(d) {
				out = append(out, d)
			}
		}
		return out
	}
	s.RunPath = expand(f.RunPath)
	if len(f.RunPath) == 0 {
		s.RPath = expand(f.RPath)
	}
	for _, n := range f.Needed {
		r := l.beyondArtifact(nil, f, n, &s, e)
		if r.By == ByHost || r.By == ByNone {
			step := r.Detail
			r.Detail = l.why(nil, "needed by the external library "+lib.Path, n, r)
			e.add(n+"\x00"+usable(r), n, r, step, lib.Path)
		}
	}
}

// followDLL resolves the imports of a DLL found outside the artifact,
// recording the ones that are external too. Windows provides system DLLs
// to it as to the artifact's own binaries.
func (e *externals) followDLL(l *linker, dll *host.DLL) {
	if e.followed[dll.Path] {
		return
	}
	e.followed[dll.Path] = true
	b := describePE(dll.Path, dll.File)
	for _, n := range b.Needed {
		r := l.beyondArtifact(b, nil, n, nil, e)
		if r.By == ByHost || r.By == ByNone {
			step := r.Detail
			r.Detail = l.why(b, "needed by the external DLL "+dll.Path, n, r)
			e.add(nameKey(b, n)+"\x00"+usable(r), n, r, step, dll.Path)
		}
	}
}

func (e *externals) list() []ExternalLib {
	out := make([]ExternalLib, 0, len(e.libs))
	for _, x := range e.libs {
		sort.Strings(x.NeededBy)
		x.NeededBy = slices.Compact(x.NeededBy)
		out = append(out, *x)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Soname != out[j].Soname {
			return out[i].Soname < out[j].Soname
		}
		return out[i].Path > out[j].Path // found before missing
	})
	return out
}
