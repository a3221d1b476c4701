package host

import (
	"debug/elf"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// debootstrapRoot returns the Debian root made by debootstrap that
// conformance/host.sh caches, or LIBVET_DEBIAN_ROOT; the test skips
// without one.
func debootstrapRoot(t *testing.T) string {
	t.Helper()
	root := os.Getenv("LIBVET_DEBIAN_ROOT")
	if root == "" {
		root = filepath.Join("..", "conformance", ".cache", "roots", "bookworm")
		if _, err := os.Stat(root + ".stamp"); err != nil {
			t.Skipf("no debootstrap root at %s: run conformance/host.sh (as root) to make one, or set LIBVET_DEBIAN_ROOT", root)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "var", "lib", "dpkg", "status")); err != nil {
		t.Skipf("%s is not a Debian root: %v", root, err)
	}
	return root
}

// TestDebootstrapRoot checks the loader emulation and the dpkg database
// on a real Debian root: every library of its ld.so.cache is found where
// the cache says, every shared library file of the multiarch directory
// has an owner, and every program of /usr/bin loads completely.
// conformance/host.sh compares the same root with ldconfig -p, dpkg -S
// and ldd run inside it.
func TestDebootstrapRoot(t *testing.T) {
	root := debootstrapRoot(t)
	l := NewLinux(Options{Root: root, X86Level: 1})
	if p := l.Problems(); len(p) > 0 {
		t.Fatalf("problems: %v", p)
	}
	if len(l.cache) < 50 {
		t.Fatalf("ld.so.cache has %d sonames, want a real one", len(l.cache))
	}
	for soname, entries := range l.cache {
		var want string
		for _, e := range entries {
			if e.hwcaps == "" {
				want = e.path
				break
			}
		}
		f := l.parse(want)
		if want == "" || f == nil {
			continue // hwcaps only, or not an ELF file of this machine
		}
		lib := l.Find(soname, Search{Class: f.Class, Data: f.Data, Machine: f.Machine})
		if lib == nil || lib.Path != want || lib.Step != "ld.so.cache" {
			t.Errorf("Find(%s) = %+v, want %s from ld.so.cache", soname, lib, want)
		}
	}

	owners, problems := ReadOwners(root)
	if len(problems) > 0 {
		t.Fatalf("ReadOwners: %v", problems)
	}
	if got := owners.DpkgArch(); got == "" {
		t.Error("DpkgArch() is empty")
	}
	dir := "usr/lib/x86_64-linux-gnu"
	entries, err := os.ReadDir(filepath.Join(root, dir))
	if err != nil {
		t.Skipf("%v (not an amd64 root)", err)
	}
	libs := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.Contains(e.Name(), ".so") {
			continue
		}
		libs++
		if _, ok := owners.Owner("/" + dir + "/" + e.Name()); !ok {
			t.Errorf("no owner for /%s/%s", dir, e.Name())
		}
	}
	if libs < 50 {
		t.Errorf("%d libraries in /%s, want a real root", libs, dir)
	}

	bins, _ := fs.Glob(os.DirFS(root), "usr/bin/*")
	sort.Strings(bins)
	checked := 0
	for _, b := range bins {
		f, err := elf.Open(filepath.Join(root, b))
		if err != nil {
			continue // a script, or a link out of the root
		}
		f.Close()
		tree, err := Tree(root, filepath.Join(root, b), TreeOptions{Linux: Options{X86Level: 1}, Owners: owners})
		if err != nil {
			t.Errorf("Tree(%s): %v", b, err)
			continue
		}
		checked++
		tree.Walk(func(n *TreeNode, _ int) {
			if n.NotFound || n.Problem != "" {
				t.Errorf("%s: %s not found or unfit (%s)", b, n.Need, n.Problem)
			}
			if n.Path != "" && n.Owner == nil && n != tree {
				t.Errorf("%s: %s at %s has no owner", b, n.Need, n.Path)
			}
		})
	}
	t.Logf("%s: %d cached sonames, %d libraries owned, %d programs loaded", root, len(l.cache), libs, checked)
	if checked < 20 {
		t.Errorf("checked %d programs of /usr/bin, want a real root", checked)
	}
}
