package host

import (
	"path"
	"path/filepath"
	"strings"
)

// PE machine values (IMAGE_FILE_MACHINE_*) that have a 32-bit System32
// twin, SysWOW64, on 64-bit Windows.
const (
	peMachineI386  = 0x14c
	peMachineARMNT = 0x1c4
)

// WindowsOptions configures a [WindowsLoader].
type WindowsOptions struct {
	// Root is the root directory holding the Windows directory
	// (Windows, in any case), "/" when empty.
	Root string
	// Path is the PATH searched last, as paths of the root.
	Path []string
}

// WindowsLoader is the Windows loader's DLL search under a root: the
// application directory, the system directory (System32, or SysWOW64 for
// a 32-bit image), the Windows directory, then PATH. Names compare without
// regard to case, as on Windows; API sets (api-ms-win-*, ext-ms-*) are
// virtual names the loader maps itself. It is safe for concurrent use.
type WindowsLoader struct {
	root  string
	path  []string
	cache *DLLPath // listings and parsed images, by host path
}

// NewWindowsLoader prepares the Windows DLL search under opts.Root.
func NewWindowsLoader(opts WindowsOptions) *WindowsLoader {
	root := opts.Root
	if root == "" {
		root = "/"
	}
	return &WindowsLoader{root: root, path: opts.Path, cache: NewDLLPath(nil)}
}

// IsAPISet reports whether a DLL name is an API set, which the loader
// resolves through the API set schema rather than a file.
func IsAPISet(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "api-ms-win-") || strings.HasPrefix(n, "ext-ms-")
}

// Find looks a DLL imported by an image of the given machine up, the
// application directory being appDir (a path of the root). An API set is
// returned with an empty Path and the step "API set".
func (w *WindowsLoader) Find(name, appDir string, machine uint16) *DLL {
	return w.find(name, searchDir{dir: appDir}, machine)
}

func (w *WindowsLoader) find(name string, app searchDir, machine uint16) *DLL {
	if IsAPISet(name) {
		return &DLL{Step: "API set"}
	}
	if strings.ContainsAny(name, `/\`) {
		return nil
	}
	if app.dir != "" {
		if d := w.tryDir(app, name, "application directory "+app.dir, machine); d != nil {
			return d
		}
	}
	if win, ok := w.foldPath("/Windows"); ok {
		sys := "System32"
		if machine == peMachineI386 || machine == peMachineARMNT {
			if _, ok := w.foldPath(win + "/SysWOW64"); ok {
				sys = "SysWOW64"
			}
		}
		if dir, ok := w.foldPath(win + "/" + sys); ok {
			if d := w.tryDir(searchDir{dir: dir}, name, "system directory "+dir, machine); d != nil {
				return d
			}
		}
		if d := w.tryDir(searchDir{dir: win}, name, "Windows directory "+win, machine); d != nil {
			return d
		}
	}
	for _, p := range w.path {
		if d := w.tryDir(searchDir{dir: p}, name, "PATH "+p, machine); d != nil {
			return d
		}
	}
	return nil
}

// foldPath finds p (a path of the root) comparing each element without
// regard to case, and returns its spelling on disk.
func (w *WindowsLoader) foldPath(p string) (string, bool) {
	cur := "/"
	for _, elem := range strings.Split(strings.Trim(path.Clean(p), "/"), "/") {
		if elem == "" {
			continue
		}
		real, ok := RealPath(w.root, cur)
		if !ok {
			return "", false
		}
		names := w.cache.names(hostPath(w.root, real))[strings.ToLower(elem)]
		if len(names) == 0 {
			return "", false
		}
		cur = path.Join(cur, names[0])
	}
	return cur, true
}

// tryDir returns the first DLL called name (in any case) in dir whose
// machine is machine.
func (w *WindowsLoader) tryDir(dir searchDir, name, step string, machine uint16) *DLL {
	host := dir.dir
	if !dir.outside {
		real, ok := RealPath(w.root, dir.dir)
		if !ok {
			return nil
		}
		host = hostPath(w.root, real)
	}
	for _, file := range w.cache.names(host)[strings.ToLower(name)] {
		if f := w.cache.parse(filepath.Join(host, file)); f != nil && f.Machine == machine {
			return &DLL{Path: path.Join(dir.dir, file), Step: step, File: f}
		}
	}
	return nil
}
