package audit

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/libvet/libvet/artifact"
	"github.com/libvet/libvet/host"
)

// fakeEnv is an Environment from a path -> package table.
type fakeEnv struct {
	owners map[string]Package
	libs   map[string]bool // package -> installs shared libraries; absent: unknown
}

func (e fakeEnv) Owner(p string) (Package, bool) { pkg, ok := e.owners[p]; return pkg, ok }
func (e fakeEnv) Libraries(name string) (bool, bool) {
	has, ok := e.libs[name]
	return has, ok
}

// systemTarget promises glibc only, like a conda Linux target.
type systemTarget struct{}

func (systemTarget) Promises(_ *Binary, soname string) (Resolution, bool) {
	if soname == "libc.so.6" {
		return Resolution{By: ByPolicy, Detail: "glibc"}, true
	}
	return Resolution{}, false
}
func (systemTarget) NotPromised(string) string { return "not glibc" }
func (systemTarget) Judge(*Report)             {}

func TestLinkage(t *testing.T) {
	ext := &Binary{Member: "pkg-x.tar.zst!lib/python3.12/site-packages/x/_x.so", Format: FormatELF, Machine: "x86_64",
		Needed: []string{"libx.so.1", "libz.so.1", "libssl.so.3", "libc.so.6", "libnope.so.1"}, RunPath: []string{"$ORIGIN/../../.."}}
	own := &Binary{Member: "pkg-x.tar.zst!lib/libx.so.1", Format: FormatELF, Machine: "x86_64", Needed: []string{"libc.so.6"}}
	env := fakeEnv{
		owners: map[string]Package{
			"lib/libz.so.1":   {Name: "libzlib", Version: "1.3.1", Build: "hb9d3cd8_2"},
			"lib/libssl.so.3": {Name: "openssl", Version: "3.4.0", Build: "h7b32b05_1"},
		},
		libs: map[string]bool{"libzlib": true, "openssl": true, "libpng": true, "python": false},
	}
	m := &Manifest{Manager: "conda", Package: Package{Name: "x", Version: "1.0", Build: "py312_0"},
		Depends: []string{"libgcc", "libpng", "libzlib", "python", "tzdata"}}
	l := newLinker([]*Binary{ext, own}, nil, nil, systemTarget{}, FormatELF, nil)
	l.env = env
	r := &Report{Binaries: []*Binary{ext, own}}
	r.ExternalLibs = l.resolve()
	lk := l.linkage(r, r.Binaries, m, "--with pkgs")

	var kinds []string
	for _, g := range lk.Groups {
		kinds = append(kinds, g.Kind+":"+g.Package)
	}
	if want := []string{"self:", "package:libzlib", "package:openssl", "system:", "not-found:"}; !slices.Equal(kinds, want) {
		t.Errorf("groups %v, want %v", kinds, want)
	}
	if r := resolutionOf(t, ext, "libz.so.1"); r.By != ByPackage || r.Package != "libzlib" || r.Path != "lib/libz.so.1" ||
		r.Detail != "RUNPATH $ORIGIN/../../.., installed by libzlib-1.3.1-hb9d3cd8_2" {
		t.Errorf("libz: %+v", r)
	}
	if !slices.Equal(lk.Overlinking, []string{"openssl"}) {
		t.Errorf("overlinking %v", lk.Overlinking)
	}
	if !slices.Equal(lk.Overdepending, []string{"libpng"}) { // python has no libraries, libgcc is ignored
		t.Errorf("overdepending %v", lk.Overdepending)
	}
	if !slices.Equal(lk.Unchecked, []string{"tzdata"}) {
		t.Errorf("unchecked %v", lk.Unchecked)
	}
	var codes []string
	for _, f := range r.Findings {
		codes = append(codes, f.Code+"/"+f.Severity.String())
	}
	slices.Sort(codes)
	want := []string{"conda/library-not-found/error", "conda/overdepending/warning", "conda/overlinking/error", "conda/unchecked/info"}
	if !slices.Equal(codes, want) {
		t.Errorf("findings %v, want %v", codes, want)
	}
	if len(r.ExternalLibs) != 1 || r.ExternalLibs[0].Soname != "libnope.so.1" {
		t.Errorf("external %+v", r.ExternalLibs)
	}

	// Without an environment, what is not in the package is a warning and
	// overdepending is not judged.
	ext.Resolutions, own.Resolutions = nil, nil
	l = newLinker([]*Binary{ext, own}, nil, nil, systemTarget{}, FormatELF, nil)
	r = &Report{Binaries: []*Binary{ext, own}}
	r.ExternalLibs = l.resolve()
	lk = l.linkage(r, r.Binaries, m, "")
	if len(lk.Overdepending) != 0 || len(lk.Unchecked) != 4 {
		t.Errorf("no environment: %+v", lk)
	}
	for _, f := range r.Findings {
		if f.Severity == Error || (f.Code == "conda/library-not-found" && !strings.Contains(f.Message, "--prefix ENV or --with DIR")) {
			t.Errorf("no environment: %+v", f)
		}
	}
}

func TestInstalledPath(t *testing.T) {
	for member, want := range map[string]string{
		"pkg/_x.so":                                "pkg/_x.so",
		"pkg-1.0.data/platlib/pkg/_x.so":           "pkg/_x.so",
		"pkg-1.0.data/scripts/x":                   "pkg-1.0.data/scripts/x",
		"pkg-x-1.0-h_0.tar.zst!lib/libz.so.1":      "lib/libz.so.1",
		"data.tar.xz!usr/lib/x86_64-linux-gnu/x":   "usr/lib/x86_64-linux-gnu/x",
		"data.tar!usr/bin/x":                       "usr/bin/x",
		"odd!name/x.so":                            "odd!name/x.so", // a wheel member with '!' is not nested
		"dir/pkg-x.tar.zst!lib/x.so":               "dir/pkg-x.tar.zst!lib/x.so",
		"pkg-x-1.0-h_0.tar.bz2!info/../lib/x.so.1": "info/../lib/x.so.1",
		"data.tar.xz!usr/lib/a!b.so.1":             "usr/lib/a!b.so.1", // '!' inside the inner path
	} {
		if got := installedPath(member); got != want {
			t.Errorf("installedPath(%q) = %q, want %q", member, got, want)
		}
	}
}

func TestFileEnvironment(t *testing.T) {
	e := NewFileEnvironment([]InstalledPackage{
		{Package: Package{Name: "libzlib", Version: "1.3.1"}, Files: []string{"lib/libz.so.1", "lib/libz.so.1.3.1", "include/zlib.h"}},
		{Package: Package{Name: "numpy"}, Files: []string{"lib/python3.12/site-packages/numpy/_core/_multiarray_umath.cpython-312-x86_64-linux-gnu.so"}},
		{Package: Package{Name: "python"}, Files: []string{"lib/libpython3.12.so.1.0", "bin/python3.12"}},
		{Package: Package{Name: "ca-certificates"}, Files: []string{"ssl/cacert.pem"}},
		{Package: Package{Name: "libblas"}, RunExports: true},
		{Package: Package{Name: "other-zlib"}, Files: []string{"lib/libz.so.1"}},
		{Package: Package{Name: "vc14_runtime"}, Files: []string{"Library/bin/VCRUNTIME140.dll"}},
	}, false)
	if p, ok := e.Owner("/lib/libz.so.1"); !ok || p.Name != "libzlib" {
		t.Errorf("owner of lib/libz.so.1: %+v %v (the first package listed owns a shared path)", p, ok)
	}
	if _, ok := e.Owner("library/bin/vcruntime140.dll"); ok {
		t.Error("case folded without fold")
	}
	for name, want := range map[string][2]bool{
		"libzlib": {true, true}, "numpy": {false, true}, "python": {false, true}, "ca-certificates": {false, true},
		"libblas": {true, true}, "vc14_runtime": {true, true}, "absent": {false, false},
	} {
		if has, known := e.Libraries(name); has != want[0] || known != want[1] {
			t.Errorf("Libraries(%s) = %v, %v; want %v", name, has, known, want)
		}
	}
	w := NewFileEnvironment([]InstalledPackage{{Package: Package{Name: "vc14_runtime"}, Files: []string{"Library/bin/VCRUNTIME140.dll"}}}, true)
	if p, ok := w.Owner("library/bin/vcruntime140.dll"); !ok || p.Name != "vc14_runtime" {
		t.Errorf("folded owner: %+v %v", p, ok)
	}
}

func TestDpkgCheckVersion(t *testing.T) {
	db, err := host.ReadDpkg(os.DirFS("../testdata/dpkgroot/debian"))
	if err != nil {
		t.Fatal(err)
	}
	e := NewDpkgEnvironment(db, "", "amd64")
	tests := []struct {
		depends []string
		nodes   []string
		want    string // substring of the complaint, "" for none
	}{
		{[]string{"zlib1g (>= 1:1.2.13.dfsg)"}, []string{"ZLIB_1.2.12", "ZLIB_1.2.0"}, ""},
		{[]string{"libc6 (>= 2.14)", "zlib1g (>= 1:1.2.0)"}, []string{"ZLIB_1.2.12", "ZLIB_1.2.0"},
			"uses ZLIB_1.2.12 of libz.so.1, which zlib1g's symbols file says needs zlib1g (>= 1:1.2.13.dfsg), but Depends has zlib1g (>= 1:1.2.0)"},
		{[]string{"zlib1g"}, []string{"ZLIB_1.2.0"}, "but Depends has zlib1g"},
		{[]string{"zlib1g (= 1:1.2.13.dfsg-1)"}, []string{"ZLIB_1.2.12"}, ""},
		{[]string{"zlib1g (>= 1:1.2.0)"}, nil, ""}, // unversioned use: nothing to require
		// Every entry naming the package counts, whatever their order.
		{[]string{"zlib1g (<< 1:2)", "zlib1g (>= 1:1.2.13.dfsg)"}, []string{"ZLIB_1.2.12"}, ""},
		{[]string{"zlib1g (<< 1:2)", "zlib1g (>= 1:1.2.0)"}, []string{"ZLIB_1.2.12"}, "but Depends has zlib1g (<< 1:2), zlib1g (>= 1:1.2.0)"},
	}
	for _, tt := range tests {
		got := e.CheckVersion(tt.depends, "zlib1g", "libz.so.1", tt.nodes)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("CheckVersion(%q, %q) = %q, want %q", tt.depends, tt.nodes, got, tt.want)
		}
	}
}

func TestDpkgEnvironment(t *testing.T) {
	db, err := host.ReadDpkg(os.DirFS("../testdata/dpkgroot/debian"))
	if err != nil {
		t.Fatal(err)
	}
	e := NewDpkgEnvironment(db, "", "amd64")
	// In depends by name or Provides, whatever the installed version.
	for _, tt := range []struct {
		depends []string
		pkg     string
		want    bool
	}{
		{[]string{"zlib1g (>= 1:9)"}, "zlib1g", true},
		{[]string{"libz1"}, "zlib1g", true}, // zlib1g Provides libz1
		{[]string{"libc6 (>= 2.14)"}, "zlib1g", false},
		{[]string{"libc6 | zlib1g:amd64"}, "zlib1g", true},
	} {
		if got := e.Satisfies(tt.depends, tt.pkg); got != tt.want {
			t.Errorf("Satisfies(%q, %s) = %v, want %v", tt.depends, tt.pkg, got, tt.want)
		}
	}
	if why := e.CheckRootVersion([]string{"zlib1g (>= 1:9)"}, "zlib1g"); !strings.Contains(why, "the root has zlib1g 1:1.2.13.dfsg-1") {
		t.Errorf("root version: %q", why)
	}
	if why := e.CheckRootVersion([]string{"zlib1g (>= 1:1.2.0)"}, "zlib1g"); why != "" {
		t.Errorf("root version met: %q", why)
	}
	// A soname no file list reaches is found through the shlibs file.
	if p, ok := e.SonameOwner("libffi.so.8"); !ok || p.Name != "libffi8" {
		t.Errorf("SonameOwner(libffi.so.8) = %+v, %v", p, ok)
	}
}

// TestLinkageLibpython: a package's environment that installs libpython
// provides it like any library (it must then be a dependency), instead
// of the interpreter being assumed.
func TestLinkageLibpython(t *testing.T) {
	ext := &Binary{Member: "pkg-x.tar.zst!lib/python3.12/site-packages/x/_x.so", Format: FormatELF, Machine: "x86_64",
		Needed: []string{"libpython3.12.so.1.0"}, RunPath: []string{"$ORIGIN/../../.."}}
	env := fakeEnv{owners: map[string]Package{"lib/libpython3.12.so.1.0": {Name: "python", Version: "3.12.7"}}}
	l := newLinker([]*Binary{ext}, nil, nil, systemTarget{}, FormatELF, nil)
	l.env = env
	r := &Report{Binaries: []*Binary{ext}}
	r.ExternalLibs = l.resolve()
	lk := l.linkage(r, r.Binaries, &Manifest{Manager: "conda", Package: Package{Name: "x"}, Depends: []string{}}, "--prefix p")
	if !slices.Equal(lk.Overlinking, []string{"python"}) {
		t.Errorf("overlinking %v, want [python]; groups %+v", lk.Overlinking, lk.Groups)
	}
}

// TestDpkgOwnerThroughLink: distroless images list only regular files;
// a soname link is followed inside the root to the file a package lists.
func TestDpkgOwnerThroughLink(t *testing.T) {
	db, err := host.ReadDpkg(os.DirFS("../testdata/dpkgroot/distroless"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := root + "/usr/lib/x86_64-linux-gnu"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/libz.so.1.2.13", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("libz.so.1.2.13", dir+"/libz.so.1"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/../../../../outside", dir+"/escape.so"); err != nil {
		t.Fatal(err)
	}
	e := NewDpkgEnvironment(db, root, "amd64")
	if p, ok := e.Owner("usr/lib/x86_64-linux-gnu/libz.so.1"); !ok || p.Name != "zlib1g" {
		t.Errorf("owner through the link: %+v %v", p, ok)
	}
	if p, ok := e.Owner("usr/lib/x86_64-linux-gnu/escape.so"); ok {
		t.Errorf("a link out of the root found %+v", p)
	}
}

func TestRootSystemDirs(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"usr/lib/x86_64-linux-gnu/liblz4.so.1", "lib/x86_64-linux-gnu/libz.so.1", "usr/bin/zstd"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644)
	}
	a, err := artifact.Open(dir, artifact.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	want := []string{"usr/local/lib", "lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64", "usr/lib64", "lib", "usr/lib"}
	if got := rootSystemDirs(a.Members()); !slices.Equal(got, want) {
		t.Errorf("rootSystemDirs = %v, want %v", got, want)
	}
	site := t.TempDir()
	os.MkdirAll(filepath.Join(site, "pkg"), 0o755)
	os.WriteFile(filepath.Join(site, "pkg", "_x.so"), []byte("x"), 0o644)
	b, err := artifact.Open(site, artifact.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got := rootSystemDirs(b.Members()); got != nil {
		t.Errorf("a site-packages is not a root: %v", got)
	}
}

// TestLinkageEnvironmentDirectory: in a conda environment directory a
// library the artifact ships belongs to the package that installed it,
// which the needing package's depends must name.
func TestLinkageEnvironmentDirectory(t *testing.T) {
	ext := &Binary{Member: "lib/python3.12/site-packages/x/_x.so", Format: FormatELF, Machine: "x86_64",
		Needed: []string{"libz.so.1"}, RunPath: []string{"$ORIGIN/../../.."}}
	zlib := &Binary{Member: "lib/libz.so.1", Format: FormatELF, Machine: "x86_64"}
	env := fakeEnv{owners: map[string]Package{"lib/libz.so.1": {Name: "libzlib"}, "lib/python3.12/site-packages/x/_x.so": {Name: "x"}}}
	l := newLinker([]*Binary{ext, zlib}, nil, nil, systemTarget{}, FormatELF, nil)
	l.env = env
	r := &Report{Binaries: []*Binary{ext, zlib}}
	r.ExternalLibs = l.resolve()
	for _, depends := range [][]string{{"libzlib"}, {}} {
		lk := l.linkage(&Report{}, []*Binary{ext}, &Manifest{Manager: "conda", Package: Package{Name: "x"}, Depends: depends}, "the environment itself")
		in := len(depends) > 0
		if len(lk.Groups) != 1 || lk.Groups[0].Package != "libzlib" || lk.Groups[0].InDepends != in || (len(lk.Overlinking) == 0) == !in {
			t.Errorf("depends %v: %+v", depends, lk)
		}
	}
}
