package audit

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	velf "github.com/libvet/libvet/elf"
	"github.com/libvet/libvet/host"
)

var (
	loaderName    = regexp.MustCompile(`^(ld-linux.*|ld64\.so\.[12]|ld-musl-.*\.so\.1)$`)
	libpythonName = regexp.MustCompile(`^libpython\d+(\.\d+)?[a-z]*\.so`)
)

// IsLoader reports whether soname is a dynamic loader (ld-linux*.so.*,
// ld64.so.1/2, ld-musl-*.so.1): never resolved, and its symbol versions
// constrain nothing.
func IsLoader(soname string) bool { return loaderName.MatchString(soname) }

// IsLibpython reports whether soname is the Python runtime library
// (libpython3.12.so.1.0), which the interpreter provides when anything does.
func IsLibpython(soname string) bool { return libpythonName.MatchString(soname) }

// searchDir is one directory a binary's loader searches.
type searchDir struct {
	// dir is an artifact-relative path when inArtifact, else a host path.
	dir        string
	inArtifact bool
	// escapes is set when $ORIGIN/.. climbs out of the artifact: the
	// directory depends on where the artifact is installed.
	escapes bool
	// step names the search step ("RUNPATH $ORIGIN/../lib").
	step string
}

// searchDirs expands a DT_RPATH or DT_RUNPATH list for the binary at
// member. $ORIGIN makes a directory artifact-relative; other absolute
// entries are host directories; relative entries (relative to the
// process's working directory) are kept as host entries, which never
// match.
func searchDirs(member, tag string, entries []string) []searchDir {
	origin := path.Dir(member)
	var out []searchDir
	for _, e := range entries {
		step := tag + " " + e
		switch {
		case e == "":
		case strings.HasPrefix(e, "$ORIGIN"), strings.HasPrefix(e, "${ORIGIN}"):
			rest := strings.TrimPrefix(strings.TrimPrefix(e, "$ORIGIN"), "${ORIGIN}")
			if rest != "" && rest[0] != '/' {
				out = append(out, searchDir{dir: e, step: step})
				continue
			}
			d := path.Join(origin, rest)
			if d == ".." || strings.HasPrefix(d, "../") {
				out = append(out, searchDir{dir: e, escapes: true, step: step})
				continue
			}
			out = append(out, searchDir{dir: d, inArtifact: true, step: step})
		default:
			out = append(out, searchDir{dir: e, step: step})
		}
	}
	return out
}

// linker resolves the needs of an artifact's ELF binaries.
type linker struct {
	bins    []*Binary
	files   map[string]*velf.File // by member
	byPath  map[string]*Binary
	byBase  map[string][]string // base name -> members
	exclude []exclusion
	target  Target
	host    LibraryFinder
	// loaders maps a member to the members that load it.
	loaders map[string][]string
}

// LibraryFinder finds a library on the host; *host.Linux implements it.
type LibraryFinder interface {
	Find(soname string, s host.Search) *host.Library
}

func newLinker(bins []*Binary, files map[string]*velf.File, exclude []string, t Target, h LibraryFinder) *linker {
	l := &linker{bins: bins, files: files, byPath: map[string]*Binary{}, byBase: map[string][]string{},
		exclude: compileExcludes(exclude), target: t, host: h, loaders: map[string][]string{}}
	for _, b := range bins {
		l.byPath[b.Member] = b
		base := path.Base(b.Member)
		l.byBase[base] = append(l.byBase[base], b.Member)
	}
	return l
}

// compatible reports whether the loader would accept lib for b.
func compatible(b, lib *Binary) bool {
	return lib.Format == b.Format && lib.Machine == b.Machine
}

// inArtifact looks soname up along b's in-artifact search path, and then
// along the inherited DT_RPATHs, returning the member and the step.
func (l *linker) inArtifact(b *Binary, soname string, inherited []searchDir) (string, string) {
	dirs := searchDirs(b.Member, "RPATH", rpath(b))
	if len(b.RunPath) == 0 {
		dirs = append(dirs, inherited...)
	}
	dirs = append(dirs, searchDirs(b.Member, "RUNPATH", b.RunPath)...)
	for _, d := range dirs {
		if !d.inArtifact {
			continue
		}
		p := path.Join(d.dir, soname)
		if lib := l.byPath[p]; lib != nil && compatible(b, lib) {
			return p, d.step
		}
	}
	return "", ""
}

// rpath returns b's DT_RPATH as the loader uses it: not at all when b
// has DT_RUNPATH.
func rpath(b *Binary) []string {
	if len(b.RunPath) > 0 {
		return nil
	}
	return b.RPath
}

// resolve fills every binary's Resolutions and returns the external
// libraries, following external libraries' own needs on the host.
func (l *linker) resolve() []ExternalLib {
	// In-artifact lookups, repeated until nothing changes: a binary's own
	// paths; for a binary without DT_RUNPATH, the DT_RPATHs of the
	// binaries that load it; and, as ld.so does, a library some binary of
	// the same load tree already loaded.
	found := map[string]map[string]Resolution{} // member -> need -> resolution
	for _, b := range l.bins {
		found[b.Member] = map[string]Resolution{}
	}
	for changed, rounds := true, 0; changed && rounds <= len(l.bins); rounds++ {
		changed = false
		for _, b := range l.bins {
			var inh []searchDir
			if len(b.RunPath) == 0 {
				inh = l.inherited(b.Member, map[string]bool{})
			}
			for _, n := range b.Needed {
				if _, ok := found[b.Member][n]; ok {
					continue
				}
				r, ok := Resolution{}, false
				if p, step := l.inArtifact(b, n, inh); p != "" {
					r, ok = Resolution{Need: n, By: ByArtifact, Path: p, Detail: step}, true
				} else {
					r, ok = l.alreadyLoaded(b.Member, n, found)
				}
				if ok {
					found[b.Member][n] = r
					l.loaders[r.Path] = append(l.loaders[r.Path], b.Member)
					changed = true
				}
			}
		}
	}
	ext := newExternals()
	for _, b := range l.bins {
		b.Resolutions = make([]Resolution, 0, len(b.Needed))
		for _, n := range b.Needed {
			r, ok := found[b.Member][n]
			if !ok {
				r = l.beyondArtifact(b.Member, n, l.hostSearch(b), ext)
				if r.By == ByHost || r.By == ByNone {
					r.Detail = l.externalReason(b, n, r)
					ext.add(n, r, b.Member)
				}
			}
			b.Resolutions = append(b.Resolutions, r)
		}
	}
	return ext.list()
}

// inherited returns the DT_RPATH directories a binary inherits from the
// binaries that load it, and from theirs, up the chain: glibc skips the
// DT_RPATH of a loader that has DT_RUNPATH but goes on to that loader's
// own loaders.
func (l *linker) inherited(member string, seen map[string]bool) []searchDir {
	var out []searchDir
	for _, ld := range l.loaders[member] {
		if seen[ld] {
			continue
		}
		seen[ld] = true
		lb := l.byPath[ld]
		for _, d := range searchDirs(lb.Member, "RPATH", rpath(lb)) {
			d.step = "RPATH of " + lb.Member + ": " + strings.TrimPrefix(d.step, "RPATH ")
			out = append(out, d)
		}
		out = append(out, l.inherited(ld, seen)...)
	}
	return out
}

// alreadyLoaded finds soname among the libraries ld.so has already mapped
// when it comes to member's own needs, in the load of any top-level binary
// that (transitively) loads member. ld.so maps a binary's needs breadth
// first, in DT_NEEDED order, and reuses a mapped library by name whatever
// the search path of a later binary needing it; a library mapped only
// below member does not count.
func (l *linker) alreadyLoaded(member, soname string, found map[string]map[string]Resolution) (Resolution, bool) {
	for _, root := range l.roots(member, map[string]bool{}) {
		if r, ok := l.mappedBefore(root, member, soname, found); ok {
			return r, true
		}
	}
	return Resolution{}, false
}

// mappedBefore follows ld.so's breadth-first load from root and returns
// the library named soname if it was mapped before member's needs are
// processed.
func (l *linker) mappedBefore(root, member, soname string, found map[string]map[string]Resolution) (Resolution, bool) {
	mapped := map[string]bool{root: true}
	byName := map[string]Resolution{}
	queue := []string{root}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		if x == member {
			r, ok := byName[soname]
			return r, ok
		}
		for _, n := range l.byPath[x].Needed {
			r, ok := found[x][n]
			if !ok || r.By != ByArtifact {
				continue
			}
			if _, seen := byName[n]; !seen {
				byName[n] = Resolution{Need: n, By: ByArtifact, Path: r.Path,
					Detail: fmt.Sprintf("already loaded for %s (%s)", x, r.Detail)}
			}
			if !mapped[r.Path] {
				mapped[r.Path] = true
				queue = append(queue, r.Path)
			}
		}
	}
	return Resolution{}, false
}

// roots returns the top-level binaries that (transitively) load member,
// or member itself when nothing in the artifact loads it.
func (l *linker) roots(member string, seen map[string]bool) []string {
	if seen[member] {
		return nil
	}
	seen[member] = true
	if len(l.loaders[member]) == 0 {
		return []string{member}
	}
	var out []string
	for _, ld := range l.loaders[member] {
		out = append(out, l.roots(ld, seen)...)
	}
	return out
}

// beyondArtifact runs the rest of the chain for a need the artifact does
// not satisfy: interpreter, --exclude, platform promise, host.
func (l *linker) beyondArtifact(from, soname string, s *host.Search, ext *externals) Resolution {
	if IsLoader(soname) || IsLibpython(soname) {
		return Resolution{Need: soname, By: BySkip, Detail: "provided by the dynamic loader or the Python interpreter; never vendored"}
	}
	if pat, ok := matchExclude(l.exclude, soname, ""); ok {
		return Resolution{Need: soname, By: ByExclude, Detail: fmt.Sprintf("--exclude %q: provided by another package", pat)}
	}
	if l.target != nil {
		if rule, ok := l.target.Promises(soname); ok {
			return Resolution{Need: soname, By: ByPolicy, Detail: rule}
		}
	}
	if l.host == nil || s == nil {
		return Resolution{Need: soname, By: ByNone}
	}
	lib := l.host.Find(soname, *s)
	if lib == nil {
		return Resolution{Need: soname, By: ByNone}
	}
	if pat, ok := matchExclude(l.exclude, soname, lib.RealPath); ok {
		return Resolution{Need: soname, By: ByExclude, Path: lib.Path, Detail: fmt.Sprintf("--exclude %q matches %s: provided by another package", pat, lib.RealPath)}
	}
	ext.follow(l, soname, lib)
	return Resolution{Need: soname, By: ByHost, Path: lib.Path, Detail: lib.Step}
}

// hostSearch is the host part of b's search path: the absolute entries
// of its DT_RPATH (unless it has DT_RUNPATH), of the DT_RPATHs it
// inherits, and of its DT_RUNPATH.
func (l *linker) hostSearch(b *Binary) *host.Search {
	f := l.files[b.Member]
	if f == nil {
		return nil
	}
	abs := func(dirs []searchDir) []string {
		var out []string
		for _, d := range dirs {
			if !d.inArtifact && !d.escapes && path.IsAbs(d.dir) {
				out = append(out, d.dir)
			}
		}
		return out
	}
	s := &host.Search{Class: f.Class, Data: f.Data, Machine: f.Machine,
		RPath: abs(searchDirs(b.Member, "", rpath(b))), RunPath: abs(searchDirs(b.Member, "", b.RunPath))}
	if len(b.RunPath) == 0 {
		s.Inherited = abs(l.inherited(b.Member, map[string]bool{}))
	}
	return s
}

// externalReason explains why a need of b is external.
func (l *linker) externalReason(b *Binary, soname string, r Resolution) string {
	where := "not in the artifact"
	if others := l.byBase[soname]; len(others) > 0 {
		where = fmt.Sprintf("the artifact has %s, but %s's loader does not search there (%s)",
			strings.Join(others, ", "), b.Member, describePath(b))
	}
	return l.why(where, soname, r)
}

// why joins where a need was looked for with the platform's and the
// host's answers.
func (l *linker) why(where, soname string, r Resolution) string {
	why := []string{where}
	if l.target != nil {
		why = append(why, l.target.NotPromised(soname))
	}
	if r.By == ByHost {
		why = append(why, "found on this host at "+r.Path+" ("+r.Detail+")")
	} else {
		why = append(why, "not found on this host")
	}
	return strings.Join(why, "; ")
}

// describePath summarises b's search path for messages.
func describePath(b *Binary) string {
	switch {
	case len(b.RunPath) > 0:
		return "RUNPATH " + strings.Join(b.RunPath, ":")
	case len(b.RPath) > 0:
		return "RPATH " + strings.Join(b.RPath, ":")
	}
	return "no RPATH or RUNPATH"
}

// exclusion is one --exclude glob, compiled.
type exclusion struct {
	pattern string
	re      *regexp.Regexp
}

func compileExcludes(patterns []string) []exclusion {
	out := make([]exclusion, len(patterns))
	for i, p := range patterns {
		out[i] = exclusion{p, fnmatchRegexp(p)}
	}
	return out
}

// matchExclude reports the first --exclude glob matching soname or, when
// given, the library's real path.
func matchExclude(excludes []exclusion, soname, realPath string) (string, bool) {
	for _, e := range excludes {
		if e.re.MatchString(soname) || (realPath != "" && e.re.MatchString(realPath)) {
			return e.pattern, true
		}
	}
	return "", false
}

// fnmatchRegexp compiles a shell glob with the semantics of Python's
// fnmatch (which auditwheel's --exclude uses): '*' matches any run of
// characters including '/', '?' one character, "[seq]" and "[!seq]" a
// character in or not in seq; an unclosed '[' is literal. A class Go's
// regexp rejects (a reversed range) makes the glob match itself only.
func fnmatchRegexp(pattern string) *regexp.Regexp {
	var re strings.Builder
	re.WriteString("^(?s:")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		case '[':
			j := i + 1
			if j < len(pattern) && pattern[j] == '!' {
				j++
			}
			if j < len(pattern) && pattern[j] == ']' {
				j++
			}
			for j < len(pattern) && pattern[j] != ']' {
				j++
			}
			if j >= len(pattern) {
				re.WriteString(`\[`)
				continue
			}
			class := strings.NewReplacer(`\`, `\\`, `[`, `\[`).Replace(pattern[i+1 : j])
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			} else if strings.HasPrefix(class, "^") {
				class = `\` + class
			}
			re.WriteString("[" + class + "]")
			i = j
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	re.WriteString(")$")
	if r, err := regexp.Compile(re.String()); err == nil {
		return r
	}
	return regexp.MustCompile("^" + regexp.QuoteMeta(pattern) + "$")
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

func (e *externals) add(soname string, r Resolution, neededBy string) {
	x := e.libs[soname]
	if x == nil {
		x = &ExternalLib{Soname: soname, Path: r.Path, Reason: r.Detail}
		e.libs[soname] = x
	}
	for _, n := range x.NeededBy {
		if n == neededBy {
			return
		}
	}
	x.NeededBy = append(x.NeededBy, neededBy)
}

// follow resolves the needs of a host library that the artifact needs,
// recording the ones that are external too.
func (e *externals) follow(l *linker, soname string, lib *host.Library) {
	if e.followed[lib.RealPath] {
		return
	}
	e.followed[lib.RealPath] = true
	f := lib.File
	s := host.Search{Class: f.Class, Data: f.Data, Machine: f.Machine}
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
		r := l.beyondArtifact(lib.Path, n, &s, e)
		if r.By == ByHost || r.By == ByNone {
			r.Detail = l.why("needed by the external library "+lib.Path, n, r)
			e.add(n, r, lib.Path)
		}
	}
}

func (e *externals) list() []ExternalLib {
	out := make([]ExternalLib, 0, len(e.libs))
	for _, x := range e.libs {
		sort.Strings(x.NeededBy)
		out = append(out, *x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Soname < out[j].Soname })
	return out
}
