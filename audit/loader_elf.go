package audit

import (
	"path"
	"strings"

	"github.com/libvet/libvet/host"
)

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
	origin := path.Dir(installedPath(member))
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

// elfCandidates lists the artifact paths ld.so tries for soname on
// behalf of b, in order: b's DT_RPATH, the DT_RPATHs it inherits, its
// DT_RUNPATH (the directories inside the artifact only), then, for an
// artifact that installs into a root (a .deb), the system directories.
func (l *linker) elfCandidates(b *Binary, soname string) []searchDir {
	dirs := searchDirs(b.Member, "RPATH", rpath(b))
	if len(b.RunPath) == 0 {
		dirs = append(dirs, l.inherited(b, map[*Binary]bool{})...)
	}
	dirs = append(dirs, searchDirs(b.Member, "RUNPATH", b.RunPath)...)
	var out []searchDir
	for _, d := range dirs {
		if d.inArtifact {
			out = append(out, searchDir{dir: path.Join(d.dir, soname), inArtifact: true, step: d.step})
		}
	}
	for _, d := range l.sysDirs {
		out = append(out, searchDir{dir: path.Join(d, soname), inArtifact: true, step: "default directory /" + d})
	}
	return out
}

// rpath returns b's DT_RPATH as the loader uses it: not at all when b
// has DT_RUNPATH.
func rpath(b *Binary) []string {
	if len(b.RunPath) > 0 {
		return nil
	}
	return b.RPath
}

// inherited returns the DT_RPATH directories a binary inherits from the
// binaries that load it, and from theirs, up the chain: glibc skips the
// DT_RPATH of a loader that has DT_RUNPATH but goes on to that loader's
// own loaders.
func (l *linker) inherited(b *Binary, seen map[*Binary]bool) []searchDir {
	var out []searchDir
	for _, lb := range l.loaders[b] {
		if seen[lb] {
			continue
		}
		seen[lb] = true
		for _, d := range searchDirs(lb.Member, "RPATH", rpath(lb)) {
			d.step = "RPATH of " + lb.Member + ": " + strings.TrimPrefix(d.step, "RPATH ")
			out = append(out, d)
		}
		out = append(out, l.inherited(lb, seen)...)
	}
	return out
}

// hostSearch is the host part of an ELF binary's search path: the
// absolute entries of its DT_RPATH (unless it has DT_RUNPATH), of the
// DT_RPATHs it inherits, and of its DT_RUNPATH. It is nil for other
// formats: libvet looks up only ELF libraries on the host.
func (l *linker) hostSearch(b *Binary) *host.Search {
	f := l.files[b.Member]
	if f == nil || b.Format != FormatELF {
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
	s := &host.Search{Class: f.Class, Data: f.Data, Machine: f.Machine, Musl: b.Libc == Musl, NoDefLib: f.NoDefLib(),
		RPath: abs(searchDirs(b.Member, "", rpath(b))), RunPath: abs(searchDirs(b.Member, "", b.RunPath))}
	if len(b.RunPath) == 0 {
		s.Inherited = abs(l.inherited(b, map[*Binary]bool{}))
	}
	return s
}

// describePath summarises an ELF binary's search path for messages.
func describePath(b *Binary) string {
	switch {
	case len(b.RunPath) > 0:
		return "RUNPATH " + strings.Join(b.RunPath, ":")
	case len(b.RPath) > 0:
		return "RPATH " + strings.Join(b.RPath, ":")
	}
	return "no RPATH or RUNPATH"
}
