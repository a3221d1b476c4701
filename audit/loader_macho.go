package audit

import (
	"path"
	"strings"
)

// dyld's install-name prefixes.
const (
	atRPath      = "@rpath/"
	atLoader     = "@loader_path/"
	atExecutable = "@executable_path/"
)

// machoCandidates lists the artifact paths dyld tries for an install
// name needed by b: @loader_path/ from the directory of the binary
// holding the load command; @rpath/ along the LC_RPATHs of the binary and
// then of the binaries that load it, up to the top (dyld's run-path
// stack). Absolute paths, bare names and @executable_path/ (the Python
// executable) never lead into the artifact.
func (l *linker) machoCandidates(b *Binary, name string) []searchDir {
	var out []searchDir
	switch {
	case strings.HasPrefix(name, atLoader):
		dir := path.Dir(installedPath(b.Member))
		if p, ok := within(dir, strings.TrimPrefix(name, atLoader)); ok {
			out = append(out, searchDir{dir: p, inArtifact: true, step: "@loader_path is " + dir})
		}
	case strings.HasPrefix(name, atRPath):
		rest := strings.TrimPrefix(name, atRPath)
		for _, rp := range l.rpathStack(b) {
			if !rp.inArtifact {
				continue
			}
			if p, ok := within(rp.dir, rest); ok {
				out = append(out, searchDir{dir: p, inArtifact: true, step: rp.step})
			}
		}
	}
	return out
}

// within joins rel to dir and reports whether the result stays inside the
// artifact.
func within(dir, rel string) (string, bool) {
	p := path.Join(dir, rel)
	if p == ".." || strings.HasPrefix(p, "../") || path.IsAbs(p) {
		return "", false
	}
	return p, true
}

// rpathStack lists the LC_RPATHs dyld tries for an @rpath/ name needed
// by b: b's own, then those of the binaries that load it, up the chain.
func (l *linker) rpathStack(b *Binary) []searchDir {
	out := machoRPaths(b, "")
	seen := map[*Binary]bool{b: true}
	queue := append([]*Binary{}, l.loaders[b]...)
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		if seen[x] {
			continue
		}
		seen[x] = true
		out = append(out, machoRPaths(x, " of "+x.Member)...)
		queue = append(queue, l.loaders[x]...)
	}
	return out
}

// machoRPaths expands the LC_RPATHs of b: @loader_path is b's directory;
// @executable_path, absolute and relative (to the working directory)
// entries lead outside the artifact.
func machoRPaths(b *Binary, of string) []searchDir {
	dir := path.Dir(installedPath(b.Member))
	var out []searchDir
	for _, rp := range b.RPath {
		d := searchDir{dir: rp, step: "LC_RPATH " + rp + of}
		if rest, ok := strings.CutPrefix(rp, "@loader_path"); ok && (rest == "" || rest[0] == '/') {
			if p, ok := within(dir, strings.TrimPrefix(rest, "/")); ok {
				d.dir, d.inArtifact = p, true
			} else {
				d.escapes = true
			}
		}
		out = append(out, d)
	}
	return out
}

// machoWhere says why an install name needed by b cannot lead into the
// artifact, or where it was looked for there in vain.
func (l *linker) machoWhere(b *Binary, name string) string {
	switch {
	case strings.HasPrefix(name, atExecutable):
		return "relative to the Python executable (@executable_path), which is not part of the artifact"
	case strings.HasPrefix(name, atRPath):
		stack := l.rpathStack(b)
		if len(stack) == 0 {
			return "an @rpath name, but neither the binary nor the binaries that load it have an LC_RPATH"
		}
		var steps []string
		for _, rp := range stack {
			switch {
			case rp.inArtifact:
				steps = append(steps, rp.step+" (no such file there)")
			case rp.escapes:
				steps = append(steps, rp.step+" (outside the artifact)")
			case strings.HasPrefix(rp.dir, "@executable_path"):
				steps = append(steps, rp.step+" (the Python executable's directory)")
			case strings.HasPrefix(rp.dir, "/"):
				steps = append(steps, rp.step+" (a directory of the build machine)")
			default:
				steps = append(steps, rp.step+" (relative to the current directory)")
			}
		}
		return "not found along the LC_RPATHs: " + strings.Join(steps, ", ")
	case strings.HasPrefix(name, atLoader):
		return "not in the artifact where @loader_path points"
	case strings.HasPrefix(name, "/"):
		return "an absolute path outside the artifact: it exists only where something installed it (Homebrew, a framework, the build machine)"
	}
	return "a bare install name: dyld looks for it in the current directory and DYLD_FALLBACK_LIBRARY_PATH, never in the artifact"
}

// machoSearch summarises where dyld looks for name on behalf of b.
func (l *linker) machoSearch(b *Binary, name string) string {
	switch {
	case strings.HasPrefix(name, atRPath):
		var steps []string
		for _, rp := range l.rpathStack(b) {
			steps = append(steps, rp.step)
		}
		if len(steps) == 0 {
			return "no LC_RPATH"
		}
		return strings.Join(steps, ", ")
	case strings.HasPrefix(name, atLoader):
		return "@loader_path is " + path.Dir(installedPath(b.Member))
	case strings.HasPrefix(name, atExecutable):
		return "@executable_path is the Python executable's directory"
	case strings.HasPrefix(name, "/"):
		return "an absolute install name"
	}
	return "a bare install name"
}
