package audit

import (
	"archive/zip"
	"maps"
	"slices"
	"strings"
	"testing"
)

func machoBin(member, arch string, rpaths []string, needed ...string) *Binary {
	return &Binary{Member: member, Format: FormatMachO, Arch: arch, Machine: arch, Type: "dylib", RPath: rpaths, Needed: needed}
}

func peBin(member, typ string, flags uint16, needed ...string) *Binary {
	return &Binary{Member: member, Format: FormatPE, Arch: "amd64", Machine: "AMD64", Type: typ, DependentLoadFlags: flags, Needed: needed}
}

// resolutionOf returns how b's need was resolved.
func resolutionOf(t *testing.T, b *Binary, need string) Resolution {
	t.Helper()
	for _, r := range b.Resolutions {
		if r.Need == need {
			return r
		}
	}
	t.Fatalf("%s has no resolution for %s", b.Member, need)
	return Resolution{}
}

func TestMachOLoader(t *testing.T) {
	ext := machoBin("pkg/_ext.so", "arm64", []string{"@loader_path/../pkg.dylibs", "/opt/build/lib"}, "@rpath/liba.dylib", "@loader_path/sub/libc.dylib", "libbare.dylib", "@executable_path/libx.dylib")
	// liba needs libb by @rpath but has no LC_RPATH: it inherits _ext.so's.
	liba := machoBin("pkg.dylibs/liba.dylib", "arm64", nil, "@rpath/libb.dylib")
	libb := machoBin("pkg.dylibs/libb.dylib", "arm64", nil)
	libbX86 := machoBin("pkg.dylibs/libb.dylib", "x86_64", nil)
	libc := machoBin("pkg/sub/libc.dylib", "x86_64", nil) // wrong slice only
	bins := []*Binary{ext, liba, libb, libbX86, libc}
	exts := newLinker(bins, nil, nil, nil, FormatMachO, nil).resolve()

	if r := resolutionOf(t, ext, "@rpath/liba.dylib"); r.By != ByArtifact || r.Path != "pkg.dylibs/liba.dylib" || r.Detail != "LC_RPATH @loader_path/../pkg.dylibs" {
		t.Errorf("@rpath/liba.dylib: %+v", r)
	}
	if r := resolutionOf(t, liba, "@rpath/libb.dylib"); r.By != ByArtifact || r.Detail != "LC_RPATH @loader_path/../pkg.dylibs of pkg/_ext.so" {
		t.Errorf("inherited rpath: %+v", r)
	}
	if r := resolutionOf(t, ext, "@loader_path/sub/libc.dylib"); r.By != ByNone {
		t.Errorf("an x86_64-only library satisfied an arm64 slice: %+v", r)
	}
	for need, want := range map[string]string{
		"libbare.dylib":               "a bare install name",
		"@executable_path/libx.dylib": "relative to the Python executable",
	} {
		if r := resolutionOf(t, ext, need); r.By != ByNone || !strings.Contains(r.Detail, want) {
			t.Errorf("%s: %+v, want a reason with %q", need, r, want)
		}
	}
	if len(exts) != 3 {
		t.Errorf("externals %+v, want 3", exts)
	}
}

func TestWindowsLoader(t *testing.T) {
	mod := peBin("pkg/_m.pyd", "dll", 0, "Dep.DLL", "libs1.dll", "deep.dll", "sub.dll")
	dep := peBin("pkg/dep.dll", "dll", 0, "other.dll")
	other := peBin("pkg/other.dll", "dll", 0)
	libs1 := peBin("pkg.libs/libs1.dll", "dll", 0)
	deep := peBin("pkg/deeper/deep.dll", "dll", 0)
	sub := peBin("pkg/sub/sub.dll", "dll", 0, "subdep.dll")
	subdep := peBin("pkg/sub/subdep.dll", "dll", 0) // next to sub.dll, but not in the load directory
	flagged := peBin("pkg/_f.pyd", "dll", 0x800, "libs1.dll")
	// LOAD_LIBRARY_SEARCH_DEFAULT_DIRS: the user directories, not the DLL
	// load directory.
	defaults := peBin("pkg/_d.pyd", "dll", 0x1000, "libs1.dll", "other.dll")
	bins := []*Binary{mod, dep, other, libs1, deep, sub, subdep, flagged, defaults}
	l := newLinker(bins, nil, nil, nil, FormatPE, nil)
	l.dllDirs = []DLLDir{{Dir: "pkg.libs", How: "os.add_dll_directory in pkg/__init__.py"}}
	l.resolve()

	if r := resolutionOf(t, mod, "Dep.DLL"); r.By != ByArtifact || r.Path != "pkg/dep.dll" {
		t.Errorf("case-insensitive name in the module's directory: %+v", r)
	}
	if r := resolutionOf(t, dep, "other.dll"); r.By != ByArtifact || r.Detail != "the directory of pkg/_m.pyd, which loads it (the DLL load directory)" {
		t.Errorf("a dependency's dependency: %+v", r)
	}
	if r := resolutionOf(t, mod, "libs1.dll"); r.By != ByArtifact || r.Detail != "os.add_dll_directory in pkg/__init__.py" {
		t.Errorf("add_dll_directory: %+v", r)
	}
	if r := resolutionOf(t, mod, "deep.dll"); r.By != ByNone {
		t.Errorf("a DLL in a subdirectory nothing adds: %+v", r)
	}
	if r := resolutionOf(t, sub, "subdep.dll"); r.By != ByNone {
		t.Errorf("the load directory is the module's, not the dependency's: %+v", r)
	}
	if r := resolutionOf(t, flagged, "libs1.dll"); r.By != ByNone || !strings.Contains(r.Detail, "DependentLoadFlags 0x800") {
		t.Errorf("DependentLoadFlags 0x800 (System32 only): %+v", r)
	}
	if r := resolutionOf(t, defaults, "libs1.dll"); r.By != ByArtifact {
		t.Errorf("DependentLoadFlags 0x1000 searches the user directories: %+v", r)
	}
	if r := resolutionOf(t, defaults, "other.dll"); r.By != ByNone {
		t.Errorf("DependentLoadFlags 0x1000 does not search the DLL load directory: %+v", r)
	}
}

func TestFindDLLDirs(t *testing.T) {
	files := map[string]string{
		"pkg/__init__.py":                  "import os\n__all__ = ['core']\nos.add_dll_directory(os.path.join(os.path.dirname(__file__), os.pardir, 'pkg.libs'))\n",
		"pkg/core/c.py":                    "",
		"pkg/__config__.py":                "os.add_dll_directory(str(files('pkg') / \"extra-dll\"))\n",
		"pkg/extra-dll/x.dll":              "",
		"pkg.libs/y.dll":                   "",
		"other.libs/.load-order-other-1.0": "",
		"other.libs/z.dll":                 "",
		"nocall/__init__.py":               "'nowhere.libs'\n",
		"nowhere.libs/w.dll":               "",
	}
	var zf []zipFile
	for _, n := range slices.Sorted(maps.Keys(files)) {
		zf = append(zf, zipFile{n, []byte(files[n]), zip.Store})
	}
	a := openZip(t, zf...)
	dirs, err := findDLLDirs(a.Members(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, d := range dirs {
		got[d.Dir] = true
	}
	for _, want := range []string{"pkg.libs", "pkg/extra-dll", "other.libs"} {
		if !got[want] {
			t.Errorf("%s not found: %+v", want, dirs)
		}
	}
	if got["nowhere.libs"] || got["pkg/core"] {
		t.Errorf("a directory named without os.add_dll_directory counts: %+v", dirs)
	}
}

// TestMachOAlreadyLoaded: dyld reuses a loaded image for an @rpath/ name
// equal to its install name, never for an @loader_path/ name, which
// means another file in another directory.
func TestMachOAlreadyLoaded(t *testing.T) {
	ext := machoBin("pkg/_ext.so", "arm64", []string{"@loader_path/.dylibs"}, "@loader_path/.dylibs/libA.dylib", "@rpath/libB.dylib")
	libA := machoBin("pkg/.dylibs/libA.dylib", "arm64", nil, "@loader_path/.dylibs/libB.dylib", "@rpath/libB.dylib")
	libB := machoBin("pkg/.dylibs/libB.dylib", "arm64", nil)
	libB.InstallName = "@rpath/libB.dylib"
	newLinker([]*Binary{ext, libA, libB}, nil, nil, nil, FormatMachO, nil).resolve()
	if r := resolutionOf(t, libA, "@loader_path/.dylibs/libB.dylib"); r.By != ByNone {
		t.Errorf("a wrong @loader_path name passed as already loaded: %+v", r)
	}
	if r := resolutionOf(t, libA, "@rpath/libB.dylib"); r.By != ByArtifact {
		t.Errorf("@rpath/libB.dylib, inherited or already loaded: %+v", r)
	}
}
