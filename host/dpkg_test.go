package host

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/libvet/libvet/internal/debian"
)

// realDpkg reads this machine's dpkg database, skipping when there is none.
func realDpkg(t testing.TB) *Dpkg {
	t.Helper()
	if _, err := os.Stat("/var/lib/dpkg/status"); err != nil {
		t.Skipf("no dpkg database on this machine: %v", err)
	}
	d, err := ReadDpkg(os.DirFS("/"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func relations(t testing.TB, s string) []debian.Dependency {
	t.Helper()
	deps, err := debian.ParseRelations(s)
	if err != nil {
		t.Fatal(err)
	}
	return deps
}

// TestDpkgReal checks libz.so.1 on this machine (a Debian 12 host):
// zlib1g installed it, under its /lib spelling, and declares it in its
// shlibs and symbols files.
func TestDpkgReal(t *testing.T) {
	d := realDpkg(t)
	zlib, ok := d.Installed("zlib1g", d.Native())
	if !ok {
		t.Skip("zlib1g is not installed on this machine")
	}
	if out, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", "zlib1g:"+d.Native()).Output(); err == nil && string(out) != zlib.Version {
		t.Errorf("zlib1g version %q, dpkg-query says %q", zlib.Version, out)
	}
	const lib = "x86_64-linux-gnu/libz.so.1"
	if d.Native() != "amd64" {
		t.Skipf("native architecture %s, not amd64", d.Native())
	}
	for _, p := range []string{"/usr/lib/" + lib, "/lib/" + lib, "usr/lib/" + lib} {
		if got, ok := d.Owner(p); !ok || got != zlib {
			t.Errorf("Owner(%s) = %v, %v; want %v", p, got, ok, zlib)
		}
	}
	libs := d.SharedLibrary("libz.so.1", "amd64")
	if len(libs) != 1 || libs[0].Package != zlib || libs[0].Soname != "libz.so.1" {
		t.Fatalf("SharedLibrary(libz.so.1) = %+v, want zlib1g", libs)
	}
	if got := debian.FormatRelations(libs[0].Depends); !strings.HasPrefix(got, "zlib1g (>= 1:") {
		t.Errorf("libz.so.1 dependency template %q", got)
	}
	if libs[0].Symbols == nil || libs[0].Symbols.MinVersions()["ZLIB_1.2.9"].String() == "" {
		t.Errorf("libz.so.1 symbols %+v", libs[0].Symbols)
	}
	for _, dep := range libs[0].Depends {
		if p, ok := d.Satisfies(dep, "amd64"); !ok || p != zlib {
			t.Errorf("Satisfies(%s) = %v, %v", dep, p, ok)
		}
	}
	if len(d.SharedLibrary("libz.so.1", "s390x")) != 0 {
		t.Error("SharedLibrary matched another architecture")
	}
	if problems := d.Problems(); len(problems) != 0 {
		t.Errorf("problems: %v", problems)
	}
}

// TestDpkgRealAgreesWithDpkgS compares Owners with `dpkg -S` for a
// sample of the files of this machine's database.
func TestDpkgRealAgreesWithDpkgS(t *testing.T) {
	d := realDpkg(t)
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("dpkg is not installed")
	}
	d.loadOwners()
	var paths []string
	for p := range d.owners.first {
		forms := spellings(p)
		fi, err := os.Lstat(p)
		// Files only (dpkg -S matches directories by prefix), spelled one
		// way only (dpkg -S does not know merged /usr), no glob characters.
		if err != nil || fi.IsDir() || strings.ContainsAny(p, "*?[\\") || len(forms) == 2 && len(d.owners.get(forms[1])) > 0 {
			continue
		}
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var sample []string
	for i := 0; i < len(paths); i += max(1, len(paths)/200) {
		sample = append(sample, paths[i])
	}
	for _, div := range d.divFrom {
		sample = append(sample, div.from, div.to)
	}
	out, _ := exec.Command("dpkg", append([]string{"-S"}, sample...)...).Output()
	want := map[string][]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" || strings.HasPrefix(line, "diversion by ") {
			continue
		}
		pkgs, p, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("odd dpkg -S line %q", line)
		}
		for _, name := range strings.Split(pkgs, ", ") {
			name, _, _ = strings.Cut(name, ":")
			want[p] = append(want[p], name)
		}
	}
	for _, p := range sample {
		w := want[p]
		// dpkg -S lists the packages that ship a diverted path; the file
		// there is the diverting package's, and the others' file is at
		// the diversion's target.
		if div, ok := d.divFrom[p]; ok {
			w = slices.DeleteFunc(slices.Clone(w), func(name string) bool { return name != div.by })
		}
		if div, ok := d.divTo[p]; ok {
			w = slices.DeleteFunc(slices.Clone(want[div.from]), func(name string) bool { return name == div.by })
		}
		slices.Sort(w)
		w = slices.Compact(w)
		var got []string
		for _, o := range d.Owners(p) {
			got = append(got, o.Name)
		}
		if !slices.Equal(got, w) {
			t.Errorf("Owners(%s) = %q, dpkg -S says %q (diversions applied)", p, got, w)
		}
	}
	t.Logf("%d paths compared with dpkg -S", len(sample))
}

// BenchmarkReadDpkgOwner reads this machine's database and looks one
// file up, which reads every file list.
func BenchmarkReadDpkgOwner(b *testing.B) {
	realDpkg(b)
	root := os.DirFS("/")
	for b.Loop() {
		d, err := ReadDpkg(root)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := d.Owner("/usr/lib/x86_64-linux-gnu/libz.so.1"); !ok {
			b.Fatal("libz.so.1 has no owner")
		}
		b.ReportMetric(float64(len(d.owners.first)), "paths")
	}
}

// BenchmarkDpkgOwner looks files up in a loaded database.
func BenchmarkDpkgOwner(b *testing.B) {
	d := realDpkg(b)
	d.loadOwners()
	for b.Loop() {
		d.Owner("/usr/lib/x86_64-linux-gnu/libz.so.1")
		d.Owner("/usr/bin/does-not-exist")
	}
}

func TestReadDpkgMissing(t *testing.T) {
	_, err := ReadDpkg(fstest.MapFS{"etc/os-release": {Data: []byte("ID=debian\n")}})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
}

func TestSpellings(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"/usr/lib/x86_64-linux-gnu/libz.so.1", []string{"/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1"}},
		{"lib/x86_64-linux-gnu/libz.so.1", []string{"/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1"}},
		{"/bin/sh", []string{"/bin/sh", "/usr/bin/sh"}},
		{"/usr/sbin", []string{"/usr/sbin", "/sbin"}},
		{"/lib64/ld-linux-x86-64.so.2", []string{"/lib64/ld-linux-x86-64.so.2", "/usr/lib64/ld-linux-x86-64.so.2"}},
		{"/usr/libexec/x", []string{"/usr/libexec/x"}},
		{"/library/x", []string{"/library/x"}},
		{"/usr/share/../lib/./x", []string{"/usr/lib/x", "/lib/x"}},
		{"/", []string{"/."}},
		{"", []string{"/."}},
	}
	for _, tt := range tests {
		if got := spellings(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("spellings(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// fixtureDpkg reads one of the dpkg roots of testdata/dpkgroot.
func fixtureDpkg(t *testing.T, name string) *Dpkg {
	t.Helper()
	d, err := ReadDpkg(os.DirFS("../testdata/dpkgroot/" + name))
	if err != nil {
		t.Fatal(err)
	}
	if p := d.Problems(); len(p) != 0 {
		t.Errorf("problems: %v", p)
	}
	return d
}

func TestDpkgFixture(t *testing.T) {
	d := fixtureDpkg(t, "debian")
	pkg := func(name, version, arch string) Package {
		return Package{Manager: "dpkg", Name: name, Version: version, Arch: arch}
	}
	var (
		dash      = pkg("dash", "0.5.12-2", "amd64")
		dpkg      = pkg("dpkg", "1.21.22", "amd64")
		held      = pkg("heldpkg", "2.0-1", "all")
		libc6     = pkg("libc6", "2.36-9+deb12u14", "amd64")
		libffi8   = pkg("libffi8", "3.4.4-1", "amd64")
		zlib      = pkg("zlib1g", "1:1.2.13.dfsg-1", "amd64")
		everybody = []Package{dash, dpkg, libc6, libffi8, zlib}
	)
	if got, want := d.Packages(), []Package{dash, dpkg, held, libc6, libffi8, zlib}; !reflect.DeepEqual(got, want) {
		t.Errorf("Packages() = %v\nwant %v", got, want)
	}
	if d.Native() != "amd64" {
		t.Errorf("Native() = %q", d.Native())
	}

	owners := []struct {
		path string
		want []Package
	}{
		{"/usr/lib/x86_64-linux-gnu/libz.so.1", []Package{zlib}}, // listed as /lib/...
		{"lib/x86_64-linux-gnu/libz.so.1.2.13", []Package{zlib}},
		{"/usr/share/doc/zlib1g/copyright", []Package{zlib}},
		{"/usr/lib64/ld-linux-x86-64.so.2", []Package{libc6}},
		{"/usr/lib/x86_64-linux-gnu/libffi.so.8", []Package{libffi8}},
		{"/lib/x86_64-linux-gnu/libffi.so.8", []Package{libffi8}},
		{"/usr", everybody},
		{"/", everybody},
		// dash diverts /bin/sh (the file there is its own) and the local
		// diversion moved dash's /usr/share/menu/dash to dash.orig.
		{"/bin/sh", []Package{dash}},
		{"/usr/bin/sh", []Package{dash}},
		{"/bin/sh.distrib", nil},
		{"/usr/share/menu/dash", nil},
		{"/usr/share/menu/dash.orig", []Package{dash}},
		{"/etc/passwd", nil},
	}
	for _, tt := range owners {
		got := d.Owners(tt.path)
		if len(got) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Owners(%s) = %v, want %v", tt.path, got, tt.want)
		}
		if o, ok := d.Owner(tt.path); ok != (len(tt.want) > 0) || ok && o != tt.want[0] {
			t.Errorf("Owner(%s) = %v, %v", tt.path, o, ok)
		}
	}

	libs := []struct {
		soname, arch string
		pkgs         []Package
		depends      string
		symbols      bool
	}{
		{"libz.so.1", "amd64", []Package{zlib}, "zlib1g (>= 1:1.2.3.3.dfsg-1)", true},
		{"libz.so.1", "", []Package{zlib}, "zlib1g (>= 1:1.2.3.3.dfsg-1)", true},
		{"libz.so.1", "i386", nil, "", false},
		{"libc.so.6", "amd64", []Package{libc6}, "libc6 (>= 2.36)", true},
		{"ld-linux-x86-64.so.2", "amd64", []Package{libc6}, "libc6 (>= 2.36)", true},
		{"libmemusage.so", "amd64", []Package{libc6}, "", true}, // symbols only: shlibs cannot name it
		{"libffi.so.8", "amd64", []Package{libffi8}, "libffi8", true},
		{"libfoo.so.1", "amd64", nil, "", false},
	}
	for _, tt := range libs {
		got := d.SharedLibrary(tt.soname, tt.arch)
		var pkgs []Package
		for _, l := range got {
			pkgs = append(pkgs, l.Package)
			if l.Soname != tt.soname || debian.FormatRelations(l.Depends) != tt.depends || (l.Symbols != nil) != tt.symbols ||
				l.Symbols != nil && l.Symbols.Soname != tt.soname {
				t.Errorf("SharedLibrary(%s, %s): %+v, want depends %q, symbols %v", tt.soname, tt.arch, l, tt.depends, tt.symbols)
			}
		}
		if !reflect.DeepEqual(pkgs, tt.pkgs) {
			t.Errorf("SharedLibrary(%s, %s) packages %v, want %v", tt.soname, tt.arch, pkgs, tt.pkgs)
		}
	}
	libc := d.SharedLibrary("libc.so.6", "amd64")[0].Symbols
	if v := libc.MinVersions()["GLIBC_2.34"]; v.String() != "2.34" {
		t.Errorf("libc.so.6 GLIBC_2.34 needs %s", v)
	}

	installed := []struct {
		name, arch string
		want       Package
		ok         bool
	}{
		{"zlib1g", "", zlib, true},
		{"zlib1g", "amd64", zlib, true},
		{"zlib1g", "i386", Package{}, false},
		{"heldpkg", "arm64", held, true},
		{"oldpkg", "", Package{}, false},
		{"nothere", "", Package{}, false},
	}
	for _, tt := range installed {
		if got, ok := d.Installed(tt.name, tt.arch); got != tt.want || ok != tt.ok {
			t.Errorf("Installed(%s, %s) = %v, %v", tt.name, tt.arch, got, ok)
		}
	}

	satisfies := []struct {
		rel, arch string
		want      Package
		ok        bool
	}{
		{"zlib1g (>= 1:1.2.3.3.dfsg-1)", "", zlib, true},
		{"zlib1g (>= 1:1.2.3.3.dfsg-1)", "amd64", zlib, true},
		{"zlib1g (>= 1:1.3)", "amd64", Package{}, false},
		{"zlib1g", "arm64", Package{}, false}, // Multi-Arch: same serves its own architecture only
		{"zlib1g:i386", "amd64", Package{}, false},
		{"zlib1g:amd64", "i386", zlib, true},
		{"zlib1g:any", "amd64", Package{}, false}, // :any needs Multi-Arch: allowed
		{"dash", "arm64", dash, true},             // Multi-Arch: foreign serves every architecture
		{"dash:amd64", "arm64", dash, true},
		{"dash:arm64", "arm64", Package{}, false},
		{"libz1", "amd64", zlib, true},                          // Provides
		{"libz1 (>= 1)", "amd64", Package{}, false},             // an unversioned Provides meets no versioned relation
		{"libffi8ubuntu1 (>= 3.4.2-1)", "amd64", libffi8, true}, // Provides: libffi8ubuntu1 (= 3.4.4-1)
		{"libffi8ubuntu1 (>= 3.5)", "amd64", Package{}, false},
		{"virtual-held", "amd64", held, true},           // an Architecture: all provider
		{"heldpkg (= 2.0-1)", "i386", Package{}, false}, // Architecture: all counts as the native one
		{"oldpkg", "amd64", Package{}, false},           // config-files only
		{"nothere | libc6 (>= 2.36)", "amd64", libc6, true},
		{"libc6 (>> 2.36) | nothere", "amd64", libc6, true},
		{"nothere [i386]", "amd64", Package{}, true}, // restricted away: holds vacuously
		{"nothere [!amd64] | dash", "amd64", dash, true},
		{"nothere [linux-any]", "amd64", Package{}, false},
		{"nothere [any-i386] | dpkg", "amd64", dpkg, true},
		{"dpkg (>= 1.21) <!nocheck>", "amd64", dpkg, true}, // build profiles are ignored
		{"libc6:native (<< 2.37)", "i386", libc6, true},
		{"libc6 (<< 2.37)", "i386", Package{}, false},
		{"zlib1g (= 1:1.2.13.dfsg-1)", "", zlib, true},
		{"zlib1g (= 1.2.13.dfsg-1)", "", Package{}, false},
		{"dpkg:any", "amd64", Package{}, false}, // foreign, not allowed
		{"libffi8ubuntu1 (= 3.4.4-1)", "amd64", libffi8, true},
		{"libffi8ubuntu1 (= 3.4.4-1)", "i386", Package{}, false},
		{"libffi8ubuntu1 (<< 3.4.4-1)", "amd64", Package{}, false},
	}
	for _, tt := range satisfies {
		deps := relations(t, tt.rel)
		if got, ok := d.Satisfies(deps[0], tt.arch); got != tt.want || ok != tt.ok {
			t.Errorf("Satisfies(%s, %q) = %v, %v; want %v, %v", tt.rel, tt.arch, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDpkgDistroless(t *testing.T) {
	d := fixtureDpkg(t, "distroless")
	libc6 := Package{Manager: "dpkg", Name: "libc6", Version: "2.36-9+deb12u14", Arch: "amd64"}
	zlib := Package{Manager: "dpkg", Name: "zlib1g", Version: "1:1.2.13.dfsg-1", Arch: "amd64"}
	if got := d.Packages(); !reflect.DeepEqual(got, []Package{libc6, zlib}) {
		t.Errorf("Packages() = %v", got)
	}
	if d.Native() != "amd64" {
		t.Errorf("Native() = %q (no dpkg package: the most common architecture)", d.Native())
	}
	for path, want := range map[string]Package{
		"/usr/lib/x86_64-linux-gnu/libz.so.1.2.13": zlib,
		"/lib/x86_64-linux-gnu/libc.so.6":          libc6,
		"/usr/share/doc/zlib1g/copyright":          zlib,
	} {
		if got, ok := d.Owner(path); !ok || got != want {
			t.Errorf("Owner(%s) = %v, %v; want %v", path, got, ok, want)
		}
	}
	// md5sums files list regular files only, not symlinks or directories.
	for _, path := range []string{"/lib/x86_64-linux-gnu/libz.so.1", "/usr"} {
		if got, ok := d.Owner(path); ok {
			t.Errorf("Owner(%s) = %v", path, got)
		}
	}
	if _, ok := d.Satisfies(relations(t, "libc6 (>= 2.34)")[0], ""); !ok {
		t.Error("libc6 (>= 2.34) not satisfied")
	}
}

func TestReadDpkgErrors(t *testing.T) {
	status := func(s string) fstest.MapFS { return fstest.MapFS{"var/lib/dpkg/status": {Data: []byte(s)}} }
	tests := []struct {
		name string
		root fstest.MapFS
		msg  string
	}{
		{"no Package", status("Status: install ok installed\n"), "var/lib/dpkg/status:1: stanza without a Package field"},
		{"bad Status", status("Package: a\n\nPackage: b\nStatus: installed\n"), `var/lib/dpkg/status:1: package a: Status "" is not`},
		{"bad Provides", status("Package: a\nStatus: install ok installed\nVersion: 1\nProvides: x (>= \n"), "var/lib/dpkg/status:4: Provides of a: relation"},
		{"bad syntax", status("Package: a\n continued\nPackage: b\n"), "var/lib/dpkg/status:3: duplicate field"},
		{"status.d", fstest.MapFS{"var/lib/dpkg/status.d/a": {Data: []byte("Version: 1\n")}}, "var/lib/dpkg/status.d/a:1: stanza without a Package field"},
		{"diversions", fstest.MapFS{
			"var/lib/dpkg/status":     {Data: []byte("Package: a\nStatus: install ok installed\n")},
			"var/lib/dpkg/diversions": {Data: []byte("/a\n/b\n")},
		}, "var/lib/dpkg/diversions:2: 2 lines, not three per diversion"},
		{"relative diversion", fstest.MapFS{
			"var/lib/dpkg/status":     {Data: []byte("Package: a\nStatus: install ok installed\n")},
			"var/lib/dpkg/diversions": {Data: []byte("/a\nb\nx\n")},
		}, "var/lib/dpkg/diversions:1: diversion"},
	}
	for _, tt := range tests {
		_, err := ReadDpkg(tt.root)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.msg)
		}
	}
}

func TestDpkgProblems(t *testing.T) {
	root := fstest.MapFS{
		"var/lib/dpkg/status": {Data: []byte("Package: a\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0_bad\n\n" +
			"Package: b\nStatus: hold ok installed\nArchitecture: amd64\nVersion: 1\n")},
		"var/lib/dpkg/status.d/c":         {Data: []byte("Package: c\nArchitecture: amd64\nVersion: 2\n")},
		"var/lib/dpkg/status.d/c.md5sums": {Data: []byte("0123456789abcdef0123456789abcdef  usr/lib/libc.so.9\nshort\n")},
		"var/lib/dpkg/info/a.list":        {Mode: fs.ModeDir}, // unreadable
		"var/lib/dpkg/info/b.list":        {Data: []byte("/.\n/usr/lib/libb.so.1\n")},
		"var/lib/dpkg/info/b.shlibs":      {Data: []byte("libb 1 b (>= 1)\nbad\nlibb 2 b\n")},
		"var/lib/dpkg/info/b.symbols":     {Data: []byte("libb.so.1 b #MINVER#\n x@Base 1\n y\n")},
	}
	d, err := ReadDpkg(root)
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := d.Owner("/usr/lib/libb.so.1"); !ok || o.Name != "b" {
		t.Errorf("Owner(libb.so.1) = %v, %v", o, ok)
	}
	if o, ok := d.Owner("/usr/lib/libc.so.9"); !ok || o.Name != "c" {
		t.Errorf("Owner(libc.so.9) from status.d/c.md5sums = %v, %v", o, ok)
	}
	problems := d.Problems()
	var text []string
	for _, p := range problems {
		text = append(text, p.Error())
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{"var/lib/dpkg/info/a.list", "var/lib/dpkg/info/b.shlibs:2:", "var/lib/dpkg/info/b.symbols:3:"} {
		if !strings.Contains(all, want) {
			t.Errorf("problems %q do not mention %q", all, want)
		}
	}
	// The good lines of the broken files still count.
	if l := d.SharedLibrary("libb.so.1", ""); len(l) != 1 || l[0].Depends == nil || l[0].Symbols == nil || len(l[0].Symbols.Symbols) != 1 {
		t.Errorf("SharedLibrary(libb.so.1) = %+v", l)
	}
	if l := d.SharedLibrary("libb.so.2", ""); len(l) != 1 || l[0].Depends == nil {
		t.Errorf("SharedLibrary(libb.so.2) = %+v", l)
	}
	// A version dpkg would warn about is kept; it meets no versioned relation.
	if p, ok := d.Installed("a", "amd64"); !ok || p.Version != "1.0_bad" {
		t.Errorf("Installed(a) = %v, %v", p, ok)
	}
	if _, ok := d.Satisfies(relations(t, "a (>= 1)")[0], ""); ok {
		t.Error("a (>= 1) satisfied by an unparsable version")
	}
	if _, ok := d.Satisfies(relations(t, "a")[0], ""); !ok {
		t.Error("a not satisfied")
	}
}

// TestDpkgMultiArch reads a database in dpkg's format 1, where the info
// files of Multi-Arch: same packages carry their architecture, with
// zlib1g installed for amd64 and i386.
func TestDpkgMultiArch(t *testing.T) {
	stanza := func(arch string) string {
		return "Package: zlib1g\nStatus: install ok installed\nArchitecture: " + arch +
			"\nMulti-Arch: same\nVersion: 1:1.2.13.dfsg-1\nProvides: libz1\n\n"
	}
	list := func(triplet string) []byte {
		return []byte("/.\n/lib\n/lib/" + triplet + "\n/lib/" + triplet + "/libz.so.1.2.13\n/usr\n/usr/share\n" +
			"/usr/share/doc\n/usr/share/doc/zlib1g\n/usr/share/doc/zlib1g/copyright\n/lib/" + triplet + "/libz.so.1\n")
	}
	root := fstest.MapFS{
		"var/lib/dpkg/status":                   {Data: []byte(stanza("amd64") + stanza("i386") + "Package: dpkg\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.21.22\nMulti-Arch: foreign\n")},
		"var/lib/dpkg/info/format":              {Data: []byte("1\n")},
		"var/lib/dpkg/info/zlib1g:amd64.list":   {Data: list("x86_64-linux-gnu")},
		"var/lib/dpkg/info/zlib1g:i386.list":    {Data: list("i386-linux-gnu")},
		"var/lib/dpkg/info/zlib1g:amd64.shlibs": {Data: []byte("libz 1 zlib1g (>= 1:1.2.3.3.dfsg-1)\n")},
		"var/lib/dpkg/info/zlib1g:i386.shlibs":  {Data: []byte("libz 1 zlib1g (>= 1:1.2.3.3.dfsg-1)\n")},
		"var/lib/dpkg/info/zlib1g.list":         {Data: []byte("/not/read\n")}, // a format 0 leftover
		"var/lib/dpkg/info/dpkg.list":           {Data: []byte("/.\n/usr\n/usr/bin\n/usr/bin/dpkg\n")},
	}
	d, err := ReadDpkg(root)
	if err != nil {
		t.Fatal(err)
	}
	amd64 := Package{Manager: "dpkg", Name: "zlib1g", Version: "1:1.2.13.dfsg-1", Arch: "amd64"}
	i386 := Package{Manager: "dpkg", Name: "zlib1g", Version: "1:1.2.13.dfsg-1", Arch: "i386"}
	dpkg := Package{Manager: "dpkg", Name: "dpkg", Version: "1.21.22", Arch: "amd64"}
	owners := []struct {
		path string
		want []Package
	}{
		{"/usr/lib/x86_64-linux-gnu/libz.so.1", []Package{amd64}},
		{"/usr/lib/i386-linux-gnu/libz.so.1", []Package{i386}},
		{"/usr/share/doc/zlib1g/copyright", []Package{amd64, i386}},
		{"/usr", []Package{dpkg, amd64, i386}},
		{"/not/read", nil},
	}
	for _, tt := range owners {
		if got := d.Owners(tt.path); len(got) != len(tt.want) || len(got) > 0 && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Owners(%s) = %v, want %v", tt.path, got, tt.want)
		}
	}
	for arch, want := range map[string][]Package{"": {amd64, i386}, "amd64": {amd64}, "i386": {i386}, "arm64": nil} {
		var got []Package
		for _, l := range d.SharedLibrary("libz.so.1", arch) {
			got = append(got, l.Package)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("SharedLibrary(libz.so.1, %q) = %v, want %v", arch, got, want)
		}
	}
	if got, ok := d.Installed("zlib1g", "i386"); !ok || got != i386 {
		t.Errorf("Installed(zlib1g, i386) = %v, %v", got, ok)
	}
	satisfies := []struct {
		rel, arch string
		want      Package
		ok        bool
	}{
		{"zlib1g (>= 1:1.2.3.3.dfsg-1)", "i386", i386, true},
		{"zlib1g (>= 1:1.2.3.3.dfsg-1)", "", amd64, true},
		{"zlib1g:i386", "amd64", i386, true},
		{"libz1", "i386", i386, true},
		{"zlib1g", "arm64", Package{}, false},
	}
	for _, tt := range satisfies {
		if got, ok := d.Satisfies(relations(t, tt.rel)[0], tt.arch); got != tt.want || ok != tt.ok {
			t.Errorf("Satisfies(%s, %q) = %v, %v; want %v, %v", tt.rel, tt.arch, got, ok, tt.want, tt.ok)
		}
	}
	if _, err := ReadDpkg(fstest.MapFS{"var/lib/dpkg/status": {}, "var/lib/dpkg/info/format": {Data: []byte("2\n")}}); err == nil ||
		!strings.Contains(err.Error(), `unknown dpkg database format "2"`) {
		t.Errorf("format 2: error %v", err)
	}
}

// TestDpkgConcurrent looks files and libraries up from several
// goroutines while the lazy indexes load (run with -race).
func TestDpkgConcurrent(t *testing.T) {
	d, err := ReadDpkg(os.DirFS("../testdata/dpkgroot/debian"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	for i := range 8 {
		go func() {
			switch i % 3 {
			case 0:
				_, ok := d.Owner("/usr/lib/x86_64-linux-gnu/libz.so.1")
				done <- ok
			case 1:
				done <- len(d.SharedLibrary("libz.so.1", "amd64")) == 1
			default:
				done <- len(d.Problems()) == 0
			}
		}()
	}
	for range 8 {
		if !<-done {
			t.Error("a concurrent lookup failed")
		}
	}
}
