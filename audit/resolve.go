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

// interpreterProvided matches needs that are never resolved: the dynamic
// loader itself, and libpython, which the interpreter provides.
var interpreterProvided = regexp.MustCompile(`^(ld-linux.*|ld64\.so\.[12]|ld-musl-.*\.so\.1|libpython\d+(\.\d+)?[a-z]*\.so.*)$`)

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
	exclude []string
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
		exclude: exclude, target: t, host: h, loaders: map[string][]string{}}
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
	var dirs []searchDir
	if len(b.RunPath) == 0 {
		dirs = append(dirs, searchDirs(b.Member, "RPATH", b.RPath)...)
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

// resolve fills every binary's Resolutions and returns the external
// libraries, following external libraries' own needs on the host.
func (l *linker) resolve() []ExternalLib {
	// Pass 1: in-artifact lookups with each binary's own paths.
	found := map[string]map[string]Resolution{} // member -> need -> resolution
	for _, b := range l.bins {
		found[b.Member] = map[string]Resolution{}
		for _, n := range b.Needed {
			if p, step := l.inArtifact(b, n, nil); p != "" {
				found[b.Member][n] = Resolution{Need: n, By: ByArtifact, Path: p, Detail: step}
				l.loaders[p] = append(l.loaders[p], b.Member)
			}
		}
	}
	// Pass 2: a binary without DT_RUNPATH also searches the DT_RPATHs of
	// the binaries that load it, transitively; repeat until nothing changes.
	for changed, rounds := true, 0; changed && rounds < len(l.bins)+1; rounds++ {
		changed = false
		for _, b := range l.bins {
			if len(b.RunPath) > 0 {
				continue
			}
			inh := l.inherited(b.Member, map[string]bool{})
			if len(inh) == 0 {
				continue
			}
			for _, n := range b.Needed {
				if _, ok := found[b.Member][n]; ok {
					continue
				}
				if p, step := l.inArtifact(b, n, inh); p != "" {
					found[b.Member][n] = Resolution{Need: n, By: ByArtifact, Path: p, Detail: step}
					l.loaders[p] = append(l.loaders[p], b.Member)
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

// inherited returns the DT_RPATH directories b inherits from the
// binaries that load it (those without DT_RUNPATH pass theirs on).
func (l *linker) inherited(member string, seen map[string]bool) []searchDir {
	var out []searchDir
	for _, ld := range l.loaders[member] {
		if seen[ld] {
			continue
		}
		seen[ld] = true
		lb := l.byPath[ld]
		if len(lb.RunPath) > 0 {
			continue
		}
		for _, d := range searchDirs(lb.Member, "RPATH", lb.RPath) {
			d.step = "RPATH of " + lb.Member + ": " + strings.TrimPrefix(d.step, "RPATH ")
			out = append(out, d)
		}
		out = append(out, l.inherited(ld, seen)...)
	}
	return out
}

// beyondArtifact runs the rest of the chain for a need the artifact does
// not satisfy: interpreter, --exclude, platform promise, host.
func (l *linker) beyondArtifact(from, soname string, s *host.Search, ext *externals) Resolution {
	if interpreterProvided.MatchString(soname) {
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

// hostSearch is the host part of b's search path: its absolute
// DT_RPATH/DT_RUNPATH entries.
func (l *linker) hostSearch(b *Binary) *host.Search {
	f := l.files[b.Member]
	if f == nil {
		return nil
	}
	s := &host.Search{Class: f.Class, Data: f.Data, Machine: f.Machine}
	for _, d := range searchDirs(b.Member, "", b.RPath) {
		if !d.inArtifact && !d.escapes && path.IsAbs(d.dir) {
			s.RPath = append(s.RPath, d.dir)
		}
	}
	for _, d := range searchDirs(b.Member, "", b.RunPath) {
		if !d.inArtifact && !d.escapes && path.IsAbs(d.dir) {
			s.RunPath = append(s.RunPath, d.dir)
		}
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

// matchExclude reports the first --exclude glob matching soname or, when
// given, the library's real path.
func matchExclude(patterns []string, soname, realPath string) (string, bool) {
	for _, p := range patterns {
		if ok, _ := path.Match(p, soname); ok {
			return p, true
		}
		if realPath != "" {
			if ok, _ := path.Match(p, realPath); ok {
				return p, true
			}
		}
	}
	return "", false
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
	if len(s.RunPath) == 0 {
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
