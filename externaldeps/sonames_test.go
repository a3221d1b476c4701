package externaldeps

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
)

// sharedRegistry is the PEP 804 central registry as the project keeps it,
// relative to this package's directory (see ../shared/DESIGN.md).
const sharedRegistry = "../../shared/reference/pep804-mappings/data/registry.json"

// TestSonamesParse proves the embedded knowledge base loads (the panic in
// sonameData can only fire if this test fails) and is as large as promised.
func TestSonamesParse(t *testing.T) {
	idx, err := parseSonames(sonamesPath, sonamesFile, pep804().registered)
	if err != nil {
		t.Fatal(err)
	}
	perPlatform := map[string]int{}
	names := map[string]bool{}
	for _, e := range idx.entries {
		perPlatform[e.platform]++
		names[e.platform+" "+e.example] = true
	}
	if len(names) < 150 || perPlatform[PlatformLinux] < 150 {
		t.Errorf("%d library names (%v), want at least 150, 150 of them for Linux", len(names), perPlatform)
	}
	for _, p := range []string{PlatformLinux, PlatformMacOS, PlatformWindows} {
		if perPlatform[p] == 0 {
			t.Errorf("no %s names", p)
		}
	}
}

// TestSonamesEveryEntry tests every line of the knowledge base: its example
// (or its exact name) looks up to this very line, so that no earlier glob
// shadows it; a Windows name is found whatever its case and behind a
// directory; the DepURL is the registry's or declared as libvet's own.
func TestSonamesEveryEntry(t *testing.T) {
	idx := sonameData()
	for _, e := range idx.entries {
		at := fmt.Sprintf("sonames.txt:%d %s %s", e.line, e.platform, e.pattern)
		names := []string{e.example, "some/dir/" + e.example}
		if e.platform == PlatformWindows {
			names = append(names, strings.ToUpper(e.example), `C:\Windows\`+strings.ToUpper(e.example))
		}
		for _, n := range names {
			got := idx.lookup(n, e.platform)
			if got != e {
				line := 0
				if got != nil {
					line = got.line
				}
				t.Errorf("%s: %q finds line %d, not its own", at, n, line)
			}
		}
		m, ok := LookupSoname(e.example, e.platform)
		if !ok || m != (Match{DepURL: e.depURL, Pattern: e.pattern, Platform: e.platform}) {
			t.Errorf("%s: LookupSoname(%q) = %+v, %v", at, e.example, m, ok)
		}
		if !pep804().registered(e.depURL) && idx.own[e.depURL] == "" {
			t.Errorf("%s: %s is neither in the PEP 804 registry nor declared as libvet's own", at, e.depURL)
		}
	}
	for own := range idx.own {
		if pep804().registered(own) {
			t.Errorf("%s is in the PEP 804 registry now: drop its description in sonames.txt", own)
		}
	}
}

// TestSonamesAgainstSharedRegistry checks the knowledge base's DepURLs
// against the registry as the project keeps it: the registry's are there,
// libvet's own are not.
func TestSonamesAgainstSharedRegistry(t *testing.T) {
	src, err := os.ReadFile(sharedRegistry)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("the project's reference data is not available: %s does not exist", sharedRegistry)
	}
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		Definitions []struct{ ID string } `json:"definitions"`
	}
	if err := json.Unmarshal(src, &reg); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, d := range reg.Definitions {
		p, err := ParseDepURL(d.ID)
		if err != nil {
			t.Fatalf("registry.json: %v", err)
		}
		ids[p.String()] = true
	}
	idx := sonameData()
	for _, dep := range idx.depURLs {
		_, own := idx.own[dep]
		if ids[dep] == own {
			t.Errorf("%s: in %s is %v, declared as libvet's own is %v", dep, sharedRegistry, ids[dep], own)
		}
	}
}

// TestSonamesDebian checks the Linux lines against the Debian table: an
// example Debian ships has no not-in-debian flag, and one it does not ship
// has it.
func TestSonamesDebian(t *testing.T) {
	for _, e := range sonameData().entries {
		if e.platform != PlatformLinux {
			continue
		}
		pkgs := DebianPackages(e.example)
		switch {
		case e.notInDebian && pkgs != nil:
			t.Errorf("sonames.txt:%d linux %s: example %s is marked %s, but Debian ships it in %v", e.line, e.pattern, e.example, notInDebian, pkgs)
		case !e.notInDebian && pkgs == nil:
			t.Errorf("sonames.txt:%d linux %s: Debian does not ship example %s (mark the line %s, or run scripts/debian-sonames.sh if it is new)", e.line, e.pattern, e.example, notInDebian)
		}
	}
}

// TestSonamesManylinuxAllowlist checks that every soname a manylinux or
// musllinux policy lets a wheel take from the system has an entry. It
// reads the policy package's data files rather than importing policy, so
// that externaldeps stays free of it.
func TestSonamesManylinuxAllowlist(t *testing.T) {
	for _, file := range []string{"../policy/data/manylinux.txt", "../policy/data/musllinux.txt"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 || f[0] != "allow" {
				continue
			}
			n++
			if _, ok := LookupSoname(f[1], PlatformLinux); !ok {
				t.Errorf("%s: the allowed soname %s has no knowledge base entry", file, f[1])
			}
		}
		if n == 0 {
			t.Errorf("%s: no allow lines (has the format changed?)", file)
		}
	}
}

func TestLookupSoname(t *testing.T) {
	tests := []struct {
		name, platform string
		want           Match
		ok             bool
	}{
		{"libssl.so.3", PlatformLinux, Match{"dep:generic/openssl", "libssl.so.*", "linux"}, true},
		{"libssl.so.1.1", PlatformLinux, Match{"dep:generic/openssl", "libssl.so.*", "linux"}, true},
		{"/usr/lib/x86_64-linux-gnu/libz.so.1", PlatformLinux, Match{"dep:generic/zlib", "libz.so.1", "linux"}, true},
		{"libgfortran.so.5", PlatformLinux, Match{"dep:virtual/compiler/fortran", "libgfortran.so.*", "linux"}, true},
		{"libblas.so.3", PlatformLinux, Match{"dep:virtual/interface/blas", "libblas.so.3", "linux"}, true},
		{"liblapack.so.3", PlatformLinux, Match{"dep:virtual/interface/lapack", "liblapack.so.3", "linux"}, true},
		{"libgomp.so.1", PlatformLinux, Match{"dep:virtual/interface/openmp", "libgomp.so.1", "linux"}, true},
		{"libopenblasp-r0.3.21.so", PlatformLinux, Match{"dep:generic/openblas", "libopenblas*-r0.*.so", "linux"}, true},
		{"libcudart.so.12", PlatformLinux, Match{"dep:virtual/compiler/cuda", "libcudart.so.*", "linux"}, true},
		{"libstdc++.so.6", PlatformLinux, Match{"dep:virtual/compiler/cxx", "libstdc++.so.6", "linux"}, true},
		{"libssl.3.dylib", PlatformMacOS, Match{"dep:generic/openssl", "libssl.*.dylib", "macos"}, true},
		{"@rpath/libomp.dylib", PlatformMacOS, Match{"dep:virtual/interface/openmp", "libomp.dylib", "macos"}, true},
		{"/opt/homebrew/opt/libomp/lib/libomp.dylib", PlatformMacOS, Match{"dep:virtual/interface/openmp", "libomp.dylib", "macos"}, true},
		{"@loader_path/../.dylibs/libgfortran.5.dylib", PlatformMacOS, Match{"dep:virtual/compiler/fortran", "libgfortran.*.dylib", "macos"}, true},
		{"/System/Library/Frameworks/Accelerate.framework/Versions/A/Accelerate", PlatformMacOS, Match{"dep:virtual/interface/blas", "Accelerate.framework", "macos"}, true},
		{"@rpath/Python.framework/Versions/3.12/Python", PlatformMacOS, Match{"dep:generic/python", "Python.framework", "macos"}, true},
		{"libssl-3-x64.dll", PlatformWindows, Match{"dep:generic/openssl", "libssl-*.dll", "windows"}, true},
		{"LIBCRYPTO-3-X64.DLL", PlatformWindows, Match{"dep:generic/openssl", "libcrypto-*.dll", "windows"}, true},
		{"zlib1.dll", PlatformWindows, Match{"dep:generic/zlib", "zlib1.dll", "windows"}, true},
		{"VCOMP140.DLL", PlatformWindows, Match{"dep:virtual/interface/openmp", "vcomp140.dll", "windows"}, true},
		{"libomp140.x86_64.dll", PlatformWindows, Match{"dep:virtual/interface/openmp", "libomp140.x86_64.dll", "windows"}, true},
		{"cudart64_12.dll", PlatformWindows, Match{"dep:virtual/compiler/cuda", "cudart64_*.dll", "windows"}, true},
		{`C:\libs\libgfortran-5.dll`, PlatformWindows, Match{"dep:virtual/compiler/fortran", "libgfortran-*.dll", "windows"}, true},

		// Not found: another platform's spelling, a repaired name, an
		// unknown platform, nothing.
		{"libssl.so.3", PlatformMacOS, Match{}, false},
		{"libssl.3.dylib", PlatformLinux, Match{}, false},
		{"LIBSSL.SO.3", PlatformLinux, Match{}, false},
		{"libcrypto-a1b2c3d4.so.3", PlatformLinux, Match{}, false},
		{"libssl.so.3", "darwin", Match{}, false},
		{"libssl.so.3", "", Match{}, false},
		{"", PlatformLinux, Match{}, false},
		{"lib/", PlatformLinux, Match{}, false},
	}
	for _, tt := range tests {
		got, ok := LookupSoname(tt.name, tt.platform)
		if got != tt.want || ok != tt.ok {
			t.Errorf("LookupSoname(%q, %q) = %+v, %v; want %+v, %v", tt.name, tt.platform, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseSonamesErrors(t *testing.T) {
	registered := func(s string) bool { return s == "dep:generic/zlib" }
	tests := []struct {
		name, data, want string
	}{
		{"no format", "dep dep:generic/zlib\nlinux libz.so.1\n", `x:1: want the format line "libvet-sonames 1" first`},
		{"new version", "libvet-sonames 2\n", "x:1: unsupported format version 2"},
		{"empty", "# nothing\n", `x:1: no format line`},
		{"no entries", "libvet-sonames 1\n", "x:1: no library names"},
		{"entry first", "libvet-sonames 1\nlinux libz.so.1\n", "x:2: linux line before the first dep line"},
		{"unknown keyword", "libvet-sonames 1\ndep dep:generic/zlib\nsolaris libz.so.1\n", `x:3: unknown keyword "solaris"`},
		{"empty block", "libvet-sonames 1\ndep dep:generic/zlib\ndep dep:generic/foo Foo\nlinux libfoo.so.1\n", "x:2: dep:generic/zlib has no library names"},
		{"empty last block", "libvet-sonames 1\ndep dep:generic/zlib\nlinux libz.so.1\ndep dep:generic/foo Foo\n", "x:4: dep:generic/foo has no library names"},
		{"bad depurl", "libvet-sonames 1\ndep generic/zlib\nlinux libz.so.1\n", "x:2: generic/zlib"},
		{"not canonical", "libvet-sonames 1\ndep pkg:generic/zlib\nlinux libz.so.1\n", "x:2: pkg:generic/zlib is not canonical: write dep:generic/zlib"},
		{"versioned", "libvet-sonames 1\ndep dep:generic/zlib@1.3\nlinux libz.so.1\n", "without version"},
		{"registered with description", "libvet-sonames 1\ndep dep:generic/zlib the zlib\nlinux libz.so.1\n", `x:2: dep:generic/zlib is in the PEP 804 registry, which describes it: drop the description "the zlib"`},
		{"own without description", "libvet-sonames 1\ndep dep:generic/foo\nlinux libfoo.so.1\n", "x:2: dep:generic/foo is not in the PEP 804 registry: libvet's own DepURLs need a description"},
		{"repeated block", "libvet-sonames 1\ndep dep:generic/zlib\nlinux libz.so.1\ndep dep:generic/zlib\nlinux libz.so.2\n", "x:4: dep:generic/zlib has a block already (line 2)"},
		{"repeated pattern", "libvet-sonames 1\ndep dep:generic/zlib\nlinux libz.so.1\ndep dep:generic/foo Foo\nlinux libz.so.1\n", "x:5: linux libz.so.1 is listed already (line 3)"},
		{"glob without example", "libvet-sonames 1\ndep dep:generic/zlib\nlinux libz.so.*\n", `x:3: glob "libz.so.*" needs an example name it matches`},
		{"flag instead of example", "libvet-sonames 1\ndep dep:generic/zlib\nlinux libz.so.* not-in-debian\n", `needs an example`},
		{"example does not match", "libvet-sonames 1\ndep dep:generic/zlib\nlinux libz.so.* libzz.so.1\n", `x:3: example "libzz.so.1" does not match "libz.so.*"`},
		{"example is a glob", "libvet-sonames 1\ndep dep:generic/zlib\nlinux libz.so.* libz.so.*\n", `example "libz.so.*" is not a file name`},
		{"exact with example", "libvet-sonames 1\ndep dep:generic/zlib\nlinux libz.so.1 libz.so.1\n", `x:3: unexpected "libz.so.1" after the exact name "libz.so.1"`},
		{"extra after example", "libvet-sonames 1\ndep dep:generic/zlib\nlinux libz.so.* libz.so.1 extra\n", `unexpected "extra" after the example`},
		{"bad glob", "libvet-sonames 1\ndep dep:generic/zlib\nlinux libz.so.[ libz.so.1\n", `pattern "libz.so.["`},
		{"path", "libvet-sonames 1\ndep dep:generic/zlib\nlinux lib/libz.so.1\n", `pattern "lib/libz.so.1" is a path`},
		{"windows upper case", "libvet-sonames 1\ndep dep:generic/zlib\nwindows ZLIB1.DLL\n", `windows pattern "ZLIB1.DLL" is not lower case`},
		{"flag on windows", "libvet-sonames 1\ndep dep:generic/zlib\nwindows zlib1.dll not-in-debian\n", "not-in-debian applies to linux names only"},
		{"missing pattern", "libvet-sonames 1\ndep dep:generic/zlib\nlinux\n", "want linux PATTERN"},
		{"missing depurl", "libvet-sonames 1\ndep\n", "x:2: want dep DEPURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseSonames("x", []byte(tt.data), registered)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestParseSonamesOrder checks the lookup rules on a small knowledge base:
// exact before glob, globs in file order.
func TestParseSonamesOrder(t *testing.T) {
	data := `libvet-sonames 1
dep dep:generic/a A
linux liba*.so.* liba2.so.1
dep dep:generic/b B
linux liba.so.* liba.so.1
linux liba.so.7
`
	idx, err := parseSonames("x", []byte(data), func(string) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"liba.so.7":  "dep:generic/b", // exact wins
		"liba.so.1":  "dep:generic/a", // the first glob wins: the data test would flag line 5
		"liba2.so.3": "dep:generic/a",
	} {
		if e := idx.lookup(name, PlatformLinux); e == nil || e.depURL != want {
			t.Errorf("%s: got %+v, want %s", name, e, want)
		}
	}
}

// TestDebianTable checks the embedded Debian table: it loads, stays
// bounded, and holds only names the knowledge base matches, as debgen
// writes it.
func TestDebianTable(t *testing.T) {
	idx, err := parseDebian(debianPath, debianFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(debianFile) > 300<<10 {
		t.Errorf("data/debian.txt is %d bytes; keep it under 300 KB", len(debianFile))
	}
	if len(idx.order) < 500 {
		t.Errorf("only %d names", len(idx.order))
	}
	for _, name := range idx.order {
		if _, ok := LookupSoname(name, PlatformLinux); !ok {
			t.Errorf("debian.txt: %s matches no linux pattern of sonames.txt (run scripts/debian-sonames.sh)", name)
		}
	}
	for _, tt := range []struct {
		name string
		want []string
	}{
		{"libz.so.1", []string{"zlib1g", "libzadc4"}},
		{"libssl.so.3", []string{"libssl3"}},
		{"libgomp.so.1", []string{"libgomp1"}},
		{"libgfortran.so.5", []string{"libgfortran5"}},
		{"libpq.so.5", []string{"libpq5"}},
		{"libc.so.6", []string{"libc6"}},
		{"libcudart.so.11.0", []string{"libcudart11.0"}},
		{"libnotalib.so.1", nil},
		{"libssl.so", nil}, // a name the knowledge base does not match is not kept
	} {
		if got := DebianPackages(tt.name); !slices.Equal(got, tt.want) {
			t.Errorf("DebianPackages(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	// libblas.so.3 is only in alternatives directories; the reference
	// implementation and OpenBLAS both provide it.
	blas := DebianPackages("libblas.so.3")
	if !slices.Contains(blas, "libblas3") || !slices.Contains(blas, "libopenblas0-pthread") {
		t.Errorf("DebianPackages(libblas.so.3) = %q", blas)
	}
	// A new slice on every call.
	if p := DebianPackages("libssl.so.3"); len(p) > 0 {
		p[0] = "changed"
		if DebianPackages("libssl.so.3")[0] == "changed" {
			t.Error("DebianPackages returns shared storage")
		}
	}
}

func TestParseDebianErrors(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"format", "libvet-sonames 1\n", `x:1: want the format line "libvet-debian-sonames 1"`},
		{"keyword", "libvet-debian-sonames 1\nfile libz.so.1 zlib1g\n", `x:2: unknown keyword "file"`},
		{"no packages", "libvet-debian-sonames 1\nlib libz.so.1\n", "x:2: want lib NAME PACKAGE..."},
		{"path", "libvet-debian-sonames 1\nlib lib/libz.so.1 zlib1g\n", "is a path"},
		{"order", "libvet-debian-sonames 1\nlib libz.so.1 zlib1g\nlib liba.so.1 a1\n", "x:3: lib liba.so.1 is out of order"},
		{"repeat", "libvet-debian-sonames 1\nlib libz.so.1 zlib1g\nlib libz.so.1 zlib1g\n", "x:3: lib libz.so.1 is out of order or repeated"},
		{"alt before lib", "libvet-debian-sonames 1\nalt libz.so.1 zz\nlib libz.so.1 zlib1g\n", "x:3: lib libz.so.1 is out of order"},
		{"unsorted packages", "libvet-debian-sonames 1\nlib libz.so.1 zlib1g abc\n", "packages are not sorted"},
		{"bad package", "libvet-debian-sonames 1\nlib libz.so.1 Zlib\n", `"Zlib" is not a Debian package name`},
		{"both", "libvet-debian-sonames 1\nlib libz.so.1 zlib1g\nalt libz.so.1 zlib1g\n", "zlib1g is on the lib line of libz.so.1 too"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseDebian("x", []byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	idx, err := parseDebian("x", []byte("libvet-debian-sonames 1\nlib libz.so.1 zlib1g\nalt libz.so.1 libzadc4\nalt libzz.so.1 a+b.c-d\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e := idx.names["libz.so.1"]; !slices.Equal(e.std, []string{"zlib1g"}) || !slices.Equal(e.sub, []string{"libzadc4"}) {
		t.Errorf("libz.so.1: %+v", e)
	}
}

// FuzzLookupSoname looks up arbitrary names, as binaries give them: no
// panic, and a Windows answer does not depend on case.
func FuzzLookupSoname(f *testing.F) {
	for _, e := range sonameData().entries {
		f.Add(e.example, e.platform)
	}
	f.Add("@rpath/Foo.framework/Versions/A/Foo", PlatformMacOS)
	f.Add(`C:\x\LIBSSL-3.DLL`, PlatformWindows)
	f.Add("", "")
	f.Fuzz(func(t *testing.T, name, platform string) {
		m, ok := LookupSoname(name, platform)
		if ok && (m.DepURL == "" || m.Platform != platform) {
			t.Fatalf("LookupSoname(%q, %q) = %+v", name, platform, m)
		}
		if ok {
			if match, _ := path.Match(m.Pattern, sonameKey(name, platform)); !match && m.Pattern != sonameKey(name, platform) {
				t.Fatalf("%q: pattern %q does not match key %q", name, m.Pattern, sonameKey(name, platform))
			}
		}
		if platform == PlatformWindows {
			m2, ok2 := LookupSoname(strings.ToUpper(name), platform)
			if strings.ToLower(strings.ToUpper(name)) == strings.ToLower(name) && (m2 != m || ok2 != ok) {
				t.Fatalf("%q: case changes the answer: %+v %v vs %+v %v", name, m, ok, m2, ok2)
			}
		}
	})
}

// FuzzParseData runs the data parsers on arbitrary input: no panic, and an
// error always names the file.
func FuzzParseData(f *testing.F) {
	// Small seeds: the embedded files load in the unit tests, and the
	// fuzzer mutates short inputs far faster than 50 KB ones.
	ubuntu, err := pep804FS.ReadFile(pep804Dir + "/ubuntu.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ubuntu[:bytes.Index(ubuntu, []byte("\nentry dep:generic/freetype"))])
	for _, seed := range []string{
		"libvet-sonames 1\ndep dep:generic/zlib\nlinux libz.so.1\nlinux libz.so.* libz.so.2 not-in-debian\nwindows zlib1.dll\ndep dep:generic/a A\nmacos liba.*.dylib liba.1.dylib\n",
		"libvet-debian-sonames 1\nlib libz.so.1 zlib1g\nalt libz.so.1 libzadc4\n",
		string(testMappings["d/registry.txt"].Data),
		strings.Replace(string(testMappings["d/eco.txt"].Data), "ecosystem eco", "ecosystem ubuntu", 1),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		registered := func(s string) bool { return s == "dep:generic/zlib" }
		check := func(err error) {
			if err != nil && !strings.HasPrefix(err.Error(), "f:") {
				t.Fatalf("error without position: %v", err)
			}
		}
		_, err := parseSonames("f", data, registered)
		check(err)
		_, err = parseDebian("f", data)
		check(err)
		d := &pep804Data{byID: map[string]*registryDef{}}
		check(d.parseRegistry("f", data))
		m, err := parseMapping("f", data, "ubuntu")
		check(err)
		if err == nil {
			for _, e := range m.entries {
				m.resolve(e)
			}
			if _, err := m.managers[0].installCommand([]string{"a b", "c'd"}); err != nil {
				t.Fatal(err)
			}
		}
	})
}
