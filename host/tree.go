package host

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	velf "github.com/libvet/libvet/elf"
	"github.com/libvet/libvet/internal/magic"
	"github.com/libvet/libvet/macho"
	"github.com/libvet/libvet/pe"
)

// Loader names, as [TreeNode.Loader] gives them.
const (
	LoaderGlibc   = "glibc"
	LoaderMusl    = "musl"
	LoaderDyld    = "dyld"
	LoaderWindows = "windows"
)

// maxTreeNodes bounds a tree: a hostile root cannot make it grow
// without end (every library is expanded once, but repeats are listed).
const maxTreeNodes = 100000

// OwnerLookup names the package that installed a file of the root, by
// its absolute path in the root; [Dpkg] implements it.
type OwnerLookup interface {
	Owner(path string) (Package, bool)
}

// TreeOptions configures [Tree].
type TreeOptions struct {
	// Linux configures the ELF search (Root is ignored: Tree's root is
	// used).
	Linux Options
	// Libc chooses the ELF loader: LoaderGlibc, LoaderMusl, or "" to
	// decide from the binary (musl for an ld-musl interpreter or a need
	// for musl's libc) and otherwise glibc.
	Libc string
	// Dyld configures the Mach-O search (Root is ignored).
	Dyld DyldOptions
	// ExecutableDir is @executable_path when the file is not a Mach-O
	// executable itself (a Python extension: the Python executable's
	// directory), as a path of the root; "" leaves it unknown.
	ExecutableDir string
	// Arch picks the slice of a fat Mach-O file to follow, by lipo name
	// ("arm64", "x86_64"); "" takes the first.
	Arch string
	// WindowsPath is PATH for PE files, as paths of the root.
	WindowsPath []string
	// Owners, when set, names the package of each library found.
	Owners OwnerLookup
}

// TreeNode is one binary of a dependency tree: the file asked about at
// the top, then each need of its parent.
type TreeNode struct {
	// Need is the name as the parent needs it (DT_NEEDED, install name,
	// imported DLL); for the top node, the file as given.
	Need string
	// Path is where the loader found it, RealPath that with symbolic
	// links resolved: paths of the root, or of this machine for what
	// lies outside the root. Empty when NotFound; for a dyld shared
	// cache library or an API set, the name.
	Path, RealPath string
	// Step names the search step that found it ("RUNPATH
	// $ORIGIN/../lib", "ld.so.cache", "dyld shared cache", "API set").
	Step string
	// Owner is the package that installed RealPath (else Path), when
	// TreeOptions.Owners knows it.
	Owner *Package
	// Repeat marks a library already loaded above or before in load
	// order: the loader reuses it, so its own needs are not listed again.
	// Cycle marks a repeat that is one of the node's ancestors.
	Repeat, Cycle bool
	// NotFound marks a need no search step satisfies; Optional one the
	// loader tolerates missing (a weak Mach-O dylib, a delay-loaded DLL).
	NotFound, Optional bool
	// Problem says why the library found does not satisfy the need,
	// e.g. the ELF version definitions it lacks.
	Problem string
	// Children are the node's needs in the order the binary lists them.
	Children []*TreeNode

	// Loader (LoaderGlibc, LoaderMusl, LoaderDyld or LoaderWindows),
	// Interpreter (the ELF PT_INTERP) and Arch (the Mach-O slice
	// followed, or the machine) are set on the top node only.
	Loader, Interpreter, Arch string
}

// Walk calls fn for n and every node below it, depth first in order,
// with its depth (0 for n).
func (n *TreeNode) Walk(fn func(node *TreeNode, depth int)) {
	var walk func(*TreeNode, int)
	walk = func(x *TreeNode, d int) {
		fn(x, d)
		for _, c := range x.Children {
			walk(c, d+1)
		}
	}
	walk(n, 0)
}

// Failed reports whether a node of the tree is missing (and not
// optional) or has a problem: the loader would refuse the file.
func (n *TreeNode) Failed() bool {
	failed := false
	n.Walk(func(x *TreeNode, _ int) {
		failed = failed || (x.NotFound && !x.Optional) || x.Problem != ""
	})
	return failed
}

// object is a binary in the tree, with what its loader needs of it.
type object struct {
	path, real string
	outside    bool
	elf        *velf.File
	slice      *macho.Slice
	mfile      *macho.File // the whole file, until the top slice is chosen
	pe         *pe.File
	parent     *object
}

// dir is the object's directory as $ORIGIN and @loader_path see it:
// that of the path it was loaded by (ld.so does not resolve links for
// a library), of the real path for the top file (the kernel's
// /proc/self/exe).
func (o *object) dir() searchDir {
	p := o.path
	if o.parent == nil {
		p = o.real
	}
	return searchDir{dir: path.Dir(p), outside: o.outside}
}

// Tree returns the dependency tree of the binary at file (a path of this
// machine, inside root or not) as the target loader would resolve it
// under root: nodes are resolved in breadth-first load order, as ld.so
// and dyld load them, and a library already loaded is reused rather than
// searched for again. The error says why file cannot be read or is not
// an ELF, Mach-O or PE binary.
func Tree(root, file string, opts TreeOptions) (*TreeNode, error) {
	if root == "" {
		root = "/"
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(absRoot); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("root %s is not a directory", root)
	}
	top, err := openTop(absRoot, file)
	if err != nil {
		return nil, err
	}
	t := &treeBuilder{root: absRoot, opts: opts, loaded: map[string]*TreeNode{}, objects: map[*TreeNode]*object{}}
	node := &TreeNode{Need: file, Path: top.path, RealPath: top.real}
	t.owner(node, top.outside)
	if err := t.init(top, node); err != nil {
		return nil, err
	}
	t.objects[node] = top
	t.register(node, top)
	for queue := []*TreeNode{node}; len(queue) > 0 && t.count < maxTreeNodes; queue = queue[1:] {
		queue = append(queue, t.expand(queue[0])...)
	}
	return node, nil
}

// openTop opens the top file and says where it lies.
func openTop(root, file string) (*object, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	o := &object{path: filepath.ToSlash(abs), real: filepath.ToSlash(abs), outside: true}
	host := abs
	if rel, err := filepath.Rel(root, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		o.outside = false
		o.path = path.Clean("/" + filepath.ToSlash(rel))
		real, ok := RealPath(root, o.path)
		if !ok {
			return nil, fmt.Errorf("%s: %w", file, os.ErrNotExist)
		}
		o.real, host = real, hostPath(root, real)
	} else if r, err := filepath.EvalSymlinks(abs); err == nil {
		o.real, host = filepath.ToSlash(r), r
	}
	f, err := openFile(host)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", file)
	}
	head := make([]byte, magic.HeadLen)
	n, err := io.ReadFull(f, head)
	if n < 4 {
		return nil, fmt.Errorf("%s: %w (too short)", file, ErrNotBinary)
	}
	switch magic.Sniff(head[:n]) {
	case magic.ELF:
		o.elf, err = velf.NewFile(f, st.Size())
	case magic.PE:
		o.pe, err = pe.NewFile(f, st.Size())
	case magic.MachO:
		o.mfile, err = macho.NewFile(f, st.Size())
	default:
		return nil, fmt.Errorf("%s: %w", file, ErrNotBinary)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return o, nil
}

// treeBuilder builds one tree.
type treeBuilder struct {
	root    string
	opts    TreeOptions
	linux   *Linux
	dyld    *Dyld
	win     *WindowsLoader
	execDir *searchDir // @executable_path
	appDir  searchDir  // the Windows application directory
	// loaded maps a name the loader matches already loaded objects by
	// (a soname, an install name, a lower-cased DLL name, a real path)
	// to the node that loaded it.
	loaded map[string]*TreeNode
	// preloaded is the program interpreter, which ld.so maps before
	// anything else.
	preloaded map[string]*TreeNode
	objects   map[*TreeNode]*object
	parents   map[*TreeNode]*TreeNode
	count     int
}

// init chooses the loader for the top object and records its facts on
// the top node.
func (t *treeBuilder) init(top *object, node *TreeNode) error {
	t.parents = map[*TreeNode]*TreeNode{}
	lopts := t.opts.Linux
	lopts.Root = t.root
	switch {
	case top.elf != nil:
		f := top.elf
		node.Interpreter = f.Interp
		node.Arch = strings.ToLower(strings.TrimPrefix(f.Machine.String(), "EM_"))
		musl := t.opts.Libc == LoaderMusl || (t.opts.Libc == "" && isMusl(f.Interp, f.Needed))
		if musl {
			node.Loader = LoaderMusl
			t.linux = NewMusl(lopts, f.Machine)
		} else {
			node.Loader = LoaderGlibc
			t.linux = NewLinux(lopts)
		}
		if f.Interp != "" && !musl {
			n := &TreeNode{Need: path.Base(f.Interp), Path: f.Interp, RealPath: f.Interp, Step: "program interpreter (PT_INTERP)"}
			if real, ok := RealPath(t.root, f.Interp); ok {
				n.RealPath = real
			}
			t.preloaded = map[string]*TreeNode{path.Base(f.Interp): n, f.Interp: n}
		}
	case top.mfile != nil:
		node.Loader = LoaderDyld
		for _, s := range top.mfile.Slices {
			if t.opts.Arch == "" || s.Arch == t.opts.Arch {
				top.slice = s
				break
			}
		}
		if top.slice == nil {
			return fmt.Errorf("%s: no %s slice (it has %s)", node.Need, t.opts.Arch, strings.Join(top.mfile.Arches(), ", "))
		}
		node.Arch = top.slice.Arch
		dopts := t.opts.Dyld
		dopts.Root = t.root
		t.dyld = NewDyld(dopts)
		switch {
		case top.slice.TypeName == "executable":
			d := top.dir()
			t.execDir = &d
		case t.opts.ExecutableDir != "":
			t.execDir = &searchDir{dir: t.opts.ExecutableDir}
		}
	case top.pe != nil:
		node.Loader = LoaderWindows
		node.Arch = top.pe.MachineName
		t.win = NewWindowsLoader(WindowsOptions{Root: t.root, Path: t.opts.WindowsPath})
		t.appDir = top.dir()
	}
	return nil
}

// need is one dependency of an object.
type need struct {
	name     string
	optional bool
}

// needs lists what o needs, in its order, each name once.
func (o *object) needs() []need {
	var out []need
	seen := map[string]bool{}
	add := func(name string, optional bool, fold bool) {
		k := name
		if fold {
			k = strings.ToLower(name)
		}
		if name != "" && !seen[k] {
			seen[k] = true
			out = append(out, need{name, optional})
		}
	}
	switch {
	case o.elf != nil:
		for _, n := range o.elf.Needed {
			add(n, false, false)
		}
	case o.slice != nil:
		for _, d := range o.slice.Dylibs {
			add(d.Name, d.Weak, false)
		}
	case o.pe != nil:
		for _, im := range o.pe.Imports {
			add(im.DLL, false, true)
		}
		for _, im := range o.pe.DelayImports {
			add(im.DLL, true, true)
		}
	}
	return out
}

// key is the name a need is matched against loaded objects by.
func (t *treeBuilder) key(name string) string {
	if t.win != nil {
		return strings.ToLower(name)
	}
	return name
}

// register records that node loaded o, under the names the loader
// matches later needs by.
func (t *treeBuilder) register(node *TreeNode, o *object) {
	t.count++
	keys := []string{t.key(node.Need), "real:" + node.RealPath}
	if o != nil && o.elf != nil && o.elf.Soname != "" {
		keys = append(keys, o.elf.Soname)
	}
	if o != nil && o.slice != nil && o.slice.InstallName != "" {
		keys = append(keys, o.slice.InstallName)
	}
	if o != nil && o.pe != nil {
		keys = append(keys, strings.ToLower(path.Base(node.Path)))
	}
	for _, k := range keys {
		if _, ok := t.loaded[k]; !ok {
			t.loaded[k] = node
		}
	}
}

// expand resolves the needs of node, returning the children that load
// something new.
func (t *treeBuilder) expand(node *TreeNode) []*TreeNode {
	o := t.objects[node]
	if o == nil {
		return nil
	}
	var fresh []*TreeNode
	for _, n := range o.needs() {
		if t.count >= maxTreeNodes {
			break
		}
		child := &TreeNode{Need: n.name, Optional: n.optional}
		node.Children = append(node.Children, child)
		t.parents[child] = node
		t.count++
		if prev := t.loaded[t.key(n.name)]; prev != nil {
			t.repeat(child, prev)
			t.checkReused(o, node, child, prev)
			continue
		}
		if pre := t.preloaded[n.name]; pre != nil {
			child.Path, child.RealPath, child.Step = pre.Path, pre.RealPath, pre.Step
			t.owner(child, false)
			t.register(child, nil)
			continue
		}
		lib := t.resolve(o, n.name)
		if lib == nil {
			child.NotFound = true
			continue
		}
		child.Path, child.RealPath, child.Step = lib.path, lib.real, lib.step
		if prev := t.loaded["real:"+lib.real]; prev != nil && lib.real != "" {
			t.repeat(child, prev)
			child.Step = lib.step
			t.checkReused(o, node, child, prev)
			continue
		}
		t.owner(child, lib.outside)
		if o.elf != nil && lib.elf != nil {
			child.Problem = t.versionProblem(o, node, child, lib.elf)
		}
		t.register(child, lib.object)
		if lib.elf != nil || lib.slice != nil || lib.pe != nil {
			lib.parent = o
			t.objects[child] = lib.object
			fresh = append(fresh, child)
		}
	}
	return fresh
}

// checkReused checks, as ld.so does for every object, that a library
// already loaded (prev) defines the versions o needs from it.
func (t *treeBuilder) checkReused(o *object, node, child, prev *TreeNode) {
	if lib := t.objects[prev]; o.elf != nil && lib != nil && lib.elf != nil {
		child.Problem = t.versionProblem(o, node, child, lib.elf)
	}
}

// repeat makes child a reuse of the object prev loaded.
func (t *treeBuilder) repeat(child, prev *TreeNode) {
	child.Path, child.RealPath, child.Step, child.Owner = prev.Path, prev.RealPath, prev.Step, prev.Owner
	child.Repeat = true
	for a := t.parents[child]; a != nil; a = t.parents[a] {
		if a == prev || (a.RealPath != "" && a.RealPath == prev.RealPath) {
			child.Cycle = true
			break
		}
	}
}

// owner sets node.Owner from TreeOptions.Owners.
func (t *treeBuilder) owner(node *TreeNode, outside bool) {
	if t.opts.Owners == nil || outside || node.Path == "" || !path.IsAbs(node.Path) {
		return
	}
	for _, p := range []string{node.RealPath, node.Path} {
		if pkg, ok := t.opts.Owners.Owner(p); ok {
			node.Owner = &pkg
			return
		}
	}
}

// found is a library a loader found: the object and how.
type found struct {
	*object
	step string
}

// resolve finds name for o with o's loader.
func (t *treeBuilder) resolve(o *object, name string) *found {
	switch {
	case o.elf != nil && t.linux != nil:
		lib := t.linux.find(name, t.elfQuery(o))
		if lib == nil {
			return nil
		}
		return &found{&object{path: lib.Path, real: lib.RealPath, outside: lib.outside, elf: lib.File}, lib.Step}
	case o.slice != nil && t.dyld != nil:
		lib := t.dyld.find(name, t.dyldQuery(o))
		if lib == nil {
			return nil
		}
		return &found{&object{path: lib.Path, real: lib.RealPath, outside: lib.outside, slice: lib.Slice}, lib.Step}
	case o.pe != nil && t.win != nil:
		d := t.win.find(name, t.appDir, o.pe.Machine)
		if d == nil {
			return nil
		}
		if d.File == nil { // an API set
			return &found{&object{path: name, real: name}, d.Step}
		}
		return &found{&object{path: d.Path, real: d.Path, outside: t.appDir.outside && strings.HasPrefix(d.Step, "application"), pe: d.File}, d.Step}
	}
	return nil
}

// elfQuery is the ELF search of o: its own search paths and those its
// loaders pass on, expanded.
func (t *treeBuilder) elfQuery(o *object) query {
	f := o.elf
	q := query{class: f.Class, data: f.Data, machine: f.Machine, nodeflib: f.NoDefLib()}
	expand := func(x *object, entries []string) []searchDir {
		var out []searchDir
		d := x.dir()
		for _, e := range entries {
			dir, ok := t.linux.Expand(e, d.dir, f.Class, f.Machine)
			if !ok {
				continue
			}
			// Only a path $ORIGIN made lies outside the root.
			out = append(out, searchDir{dir: dir, entry: e, outside: d.outside && strings.Contains(e, "ORIGIN")})
		}
		return out
	}
	q.runpath = expand(o, f.RunPath)
	if t.linux.musl || len(f.RunPath) == 0 {
		q.rpath = expand(o, f.RPath)
	}
	for a := o.parent; a != nil; a = a.parent {
		var entries []string
		switch {
		case t.linux.musl && len(a.elf.RunPath) > 0:
			entries = a.elf.RunPath
		case len(a.elf.RunPath) == 0:
			entries = a.elf.RPath
		}
		for _, d := range expand(a, entries) {
			d.of = a.path
			q.inherited = append(q.inherited, d)
		}
	}
	return q
}

// dyldQuery is the dyld search of o: its directory, the executable's,
// and the run-path stack of o and its loaders.
func (t *treeBuilder) dyldQuery(o *object) dyldQuery {
	q := dyldQuery{loader: o.dir(), exec: t.execDir, cpu: o.slice.CPU}
	for a := o; a != nil; a = a.parent {
		if a.slice == nil {
			continue
		}
		for _, rp := range a.slice.RPaths {
			exec := ""
			if t.execDir != nil {
				exec = t.execDir.dir
			}
			dir, ok := ExpandRPath(rp, a.dir().dir, exec)
			if !ok {
				continue
			}
			outside := (strings.HasPrefix(rp, atLoader) && a.outside) || (strings.HasPrefix(rp, atExecutable) && t.execDir != nil && t.execDir.outside)
			entry := rp
			if a != o {
				entry += " of " + a.path
			}
			q.rpaths = append(q.rpaths, rpathDir{searchDir{dir: dir, outside: outside}, entry})
		}
	}
	return q
}

// versionProblem checks the versions parent needs from the library
// found for child against the library's version definitions, as ld.so
// does after loading it: a library with no version definitions at all
// satisfies any (ld.so only warns in verbose mode), weak needs only
// warn.
func (t *treeBuilder) versionProblem(parent *object, pnode, child *TreeNode, lib *velf.File) string {
	missing := MissingVersions(parent.elf, child.Need, lib)
	if len(missing) == 0 {
		return ""
	}
	pkg := ""
	if child.Owner != nil {
		pkg = fmt.Sprintf(", package %s %s", child.Owner.Name, child.Owner.Version)
	}
	return fmt.Sprintf("%s found at %s%s, but it lacks %s needed by %s", child.Need, child.Path, pkg, strings.Join(missing, ", "), pnode.Path)
}

// MissingVersions returns the versions (non-weak version needs) that
// needer requires from soname and lib does not define, in needer's
// order. It is nil when lib has no version definitions at all: ld.so
// then accepts it (the needer was linked against a versioned build of
// the library, which the loader only mentions in verbose mode).
func MissingVersions(needer *velf.File, soname string, lib *velf.File) []string {
	if len(lib.VersionDefs) == 0 {
		return nil
	}
	defined := map[string]bool{}
	for _, d := range lib.VersionDefs {
		if d.Flags&1 == 0 { // not VER_FLG_BASE
			defined[d.Name] = true
		}
	}
	var out []string
	for _, vn := range needer.VersionNeeds {
		if vn.File != soname {
			continue
		}
		for _, v := range vn.Versions {
			if !v.Weak() && !defined[v.Name] && !slices.Contains(out, v.Name) {
				out = append(out, v.Name)
			}
		}
	}
	return out
}

// ErrNotBinary is wrapped by Tree's error for a file that is not an
// ELF, Mach-O or PE binary.
var ErrNotBinary = errors.New("not an ELF, Mach-O or PE binary")
