package audit

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/libvet/libvet/artifact"
)

// DLLDir is a directory a Windows artifact adds to the DLL search when
// it is imported.
type DLLDir struct {
	// Dir is the directory's installed path ("numpy.libs").
	Dir string
	// How says what adds it ("os.add_dll_directory in numpy/__init__.py").
	How string
}

// LOAD_LIBRARY_SEARCH_* flags, as a PE image's DependentLoadFlags uses
// them. LOAD_LIBRARY_SEARCH_DEFAULT_DIRS is the application directory,
// the user directories and System32: it does not include the DLL load
// directory.
const (
	searchDLLLoadDir = 0x100
	searchAppDir     = 0x200
	searchUserDirs   = 0x400
	searchDefault    = 0x1000
)

// windowsRoots maps each PE binary to the top-level binaries whose load
// reaches it. Windows imports name a DLL by file name only, so "loads"
// is decided by name: a binary reaches the artifact's binaries named like
// its needs. Top-level binaries are extension modules (.pyd) and
// executables, which Python or the user start, and DLLs nothing in the
// artifact imports (loaded by full path, with ctypes for example).
func (l *linker) windowsRoots() map[*Binary][]*Binary {
	byName := map[string][]*Binary{}
	var pes []*Binary
	for _, b := range l.bins {
		if b.Format == FormatPE {
			pes = append(pes, b)
			n := strings.ToLower(path.Base(b.Member))
			byName[n] = append(byName[n], b)
		}
	}
	deps := func(b *Binary) []*Binary {
		var out []*Binary
		for _, n := range b.Needed {
			for _, lib := range byName[strings.ToLower(n)] {
				if lib != b && compatible(b, lib) {
					out = append(out, lib)
				}
			}
		}
		return out
	}
	needed := map[*Binary]bool{}
	for _, b := range pes {
		for _, d := range deps(b) {
			needed[d] = true
		}
	}
	roots := map[*Binary][]*Binary{}
	for _, r := range pes {
		if needed[r] && r.Type == "dll" && !strings.HasSuffix(strings.ToLower(r.Member), ".pyd") {
			continue
		}
		seen := map[*Binary]bool{r: true}
		for stack := []*Binary{r}; len(stack) > 0; {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			roots[x] = append(roots[x], r)
			for _, d := range deps(x) {
				if !seen[d] {
					seen[d] = true
					stack = append(stack, d)
				}
			}
		}
	}
	for _, rs := range roots {
		sort.Slice(rs, func(i, j int) bool { return rs[i].Member < rs[j].Member })
	}
	return roots
}

// peDirs lists where the Windows loader looks inside the artifact for
// b's imports, with the step naming each: the directory of each
// top-level binary whose load reaches b (an extension module is loaded
// with LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR; an executable's application
// directory), then the directories the artifact adds with
// os.add_dll_directory. b's DependentLoadFlags, when set, can rule out
// either.
func (l *linker) peDirs(b *Binary) []searchDir {
	flags := b.DependentLoadFlags
	var out []searchDir
	for _, r := range l.peRoots[b] {
		dir := path.Dir(installedPath(r.Member))
		var step string
		switch {
		case r.Type == "executable":
			if flags != 0 && flags&(searchAppDir|searchDefault) == 0 {
				continue
			}
			step = "the application directory of " + r.Member
		case flags != 0 && flags&searchDLLLoadDir == 0:
			continue
		case r == b:
			step = "its own directory (the DLL load directory)"
		default:
			step = "the directory of " + r.Member + ", which loads it (the DLL load directory)"
		}
		out = append(out, searchDir{dir: dir, inArtifact: true, step: step})
	}
	if flags == 0 || flags&(searchUserDirs|searchDefault) != 0 {
		for _, d := range l.dllDirs {
			out = append(out, searchDir{dir: d.Dir, inArtifact: true, step: d.How})
		}
	}
	return out
}

// peCandidates lists the artifact paths the Windows loader tries for a
// DLL b imports (names compare case-insensitively, see [linker.at]).
func (l *linker) peCandidates(b *Binary, need string) []searchDir {
	var out []searchDir
	for _, d := range l.peDirs(b) {
		out = append(out, searchDir{dir: path.Join(d.dir, need), inArtifact: true, step: d.step})
	}
	return out
}

// peSearch summarises where the Windows loader looks for b's imports.
func (l *linker) peSearch(b *Binary) string {
	var steps []string
	for _, d := range l.peDirs(b) {
		dir := d.dir
		if dir == "." {
			dir = "the top level"
		}
		steps = append(steps, dir+" ("+d.step+")")
	}
	s := "searches " + strings.Join(steps, ", ")
	if len(steps) == 0 {
		s = "searches no directory of the artifact"
	}
	if b.DependentLoadFlags != 0 {
		s += fmt.Sprintf("; DependentLoadFlags %#x", b.DependentLoadFlags)
	}
	return s
}

// dllDirName finds quoted names in a Python file that calls
// os.add_dll_directory: delvewheel's patch names 'pkg.libs', numpy's
// _distributor_init.py '.libs', google-crc32c's __config__.py "extra-dll".
var dllDirName = regexp.MustCompile(`['"]([\w.\-/]+)['"]`)

// dllDirLiterals returns the quoted names on the lines of a Python file
// that look like they build a DLL directory: lines mentioning a DLL, a
// directory, os.path.join or ".libs" (delvewheel's
// "libs_dir = os.path.abspath(os.path.join(..., 'pkg.libs'))",
// google-crc32c's "extra_dll_dir = str(files(...) / "extra-dll")"), not
// "__all__ = ["core"]".
func dllDirLiterals(src string) [][]string {
	var out [][]string
	for _, line := range strings.Split(src, "\n") {
		l := strings.ToLower(line)
		if !strings.Contains(l, "dll") && !strings.Contains(l, "dir") && !strings.Contains(l, "path.join") && !strings.Contains(l, ".libs") {
			continue
		}
		out = append(out, dllDirName.FindAllStringSubmatch(line, -1)...)
	}
	return out
}

// maxInitSize bounds the Python files read for os.add_dll_directory.
const maxInitSize = 1 << 20

// initCandidate reports whether m is a Python file findDLLDirs reads: at
// the top level or one directory down once installed, and small.
func initCandidate(m *artifact.Member) bool {
	p := installedPath(m.Path)
	return strings.HasSuffix(p, ".py") && strings.Count(p, "/") <= 1 && m.Size <= maxInitSize
}

// findDLLDirs finds the directories a Windows wheel adds to the DLL
// search: a directory holding a delvewheel load-order file
// (.load-order-NAME-VERSION), or one named by a string literal in a
// top-level module or a package's own module (no deeper than
// pkg/module.py) that calls os.add_dll_directory, on a line that looks
// like it builds a DLL directory (see dllDirLiterals). A name is looked up
// relative to the Python file's directory, then to site-packages; only
// directories of the artifact count. This reads the source, it does not
// run it: a directory computed at run time is missed, and a literal that
// happens to name a directory is taken for one.
func findDLLDirs(members []*artifact.Member, texts map[*artifact.Member][]byte) ([]DLLDir, error) {
	dirs := map[string]bool{}
	for _, m := range members {
		for d := path.Dir(installedPath(m.Path)); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	var out []DLLDir
	seen := map[string]bool{}
	add := func(dir, how string) {
		if dirs[dir] && !seen[dir] {
			seen[dir] = true
			out = append(out, DLLDir{Dir: dir, How: how})
		}
	}
	for _, m := range members {
		p := installedPath(m.Path)
		base := path.Base(p)
		if strings.HasPrefix(base, ".load-order-") {
			add(path.Dir(p), "load-order file "+m.Path)
			continue
		}
		if !initCandidate(m) {
			continue
		}
		data, ok := texts[m] // kept while a streamed artifact was walked
		if !ok {
			var err error
			if data, err = m.ReadAll(maxInitSize); err != nil {
				return nil, err
			}
		}
		if !strings.Contains(string(data), "add_dll_directory") {
			continue
		}
		for _, sm := range dllDirLiterals(string(data)) {
			name := strings.Trim(sm[1], "/")
			if name == "" || name == "." || strings.HasPrefix(name, "..") {
				continue
			}
			how := fmt.Sprintf("os.add_dll_directory in %s (names %q)", m.Path, sm[1])
			if local := path.Join(path.Dir(p), name); dirs[local] {
				add(local, how)
			} else {
				add(name, how)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out, nil
}
