package macho

import (
	"archive/zip"
	"bytes"
	"debug/macho"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/libvet/libvet/internal/corpustest"
)

// corpusDir holds real binaries from other projects' test suites. It is
// outside the repository and may be absent.
const corpusDir = "../../shared/corpus"

// Corpus locations, relative to corpusDir.
const (
	delocateData = "delocate/delocate/tests/data"
	delvewheelND = "delvewheel/tests/no_dependencies"
	repairwheel  = "repairwheel/tests/testwheel"
	cwcWheels    = "check-wheel-contents"
)

// corpusFile is one file from the corpus: a loose file, or a wheel member
// named "wheel!member".
type corpusFile = corpustest.File

// needCorpus skips the test when the corpus is absent.
func needCorpus(tb testing.TB) {
	tb.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		tb.Skipf("corpus not available at %s (it lives outside the repository): %v", corpusDir, err)
	}
}

// isMachOMagic reports the four magic numbers delocate's _is_macho_file
// accepts (thin in either byte order, fat).
func isMachOMagic(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	switch binary.BigEndian.Uint32(b) {
	case magic32, magic64, cigam32, cigam64, magicFat, magicFat64:
		return true
	}
	return false
}

// readCorpus reads one corpus file.
func readCorpus(tb testing.TB, rel string) []byte {
	tb.Helper()
	needCorpus(tb)
	data, err := os.ReadFile(filepath.Join(corpusDir, rel))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// wheelMembers returns every member of a wheel whose content starts with a
// Mach-O or fat magic number.
func wheelMembers(tb testing.TB, rel string) []corpusFile {
	tb.Helper()
	needCorpus(tb)
	zr, err := zip.OpenReader(filepath.Join(corpusDir, rel))
	if err != nil {
		tb.Fatal(err)
	}
	defer zr.Close()
	var out []corpusFile
	for _, zf := range zr.File {
		if zf.UncompressedSize64 < 4 || zf.UncompressedSize64 > 64<<20 {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			tb.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		if isMachOMagic(data) {
			out = append(out, corpusFile{Name: rel + "!" + zf.Name, Data: data})
		}
	}
	return out
}

// corpusWheels lists the wheels the tests read: delocate's, the macOS
// wheels of delvewheel and repairwheel, and check-wheel-contents' mxnet
// wheel.
func corpusWheels(tb testing.TB) []string {
	tb.Helper()
	needCorpus(tb)
	var out []string
	for _, pat := range []string{
		delocateData + "/*.whl",
		delvewheelND + "/*macosx*.whl",
		repairwheel + "/*macosx*/*.whl",
		cwcWheels + "/*/*/*/mxnet*macosx*.whl",
		cwcWheels + "/*/*/mxnet*macosx*.whl",
		cwcWheels + "/*/mxnet*macosx*.whl",
	} {
		m, err := filepath.Glob(filepath.Join(corpusDir, pat))
		if err != nil {
			tb.Fatal(err)
		}
		for _, p := range m {
			rel, _ := filepath.Rel(corpusDir, p)
			out = append(out, filepath.ToSlash(rel))
		}
	}
	return out
}

// corpusMachOs returns every Mach-O file the tests use: the loose files of
// delocate's data directory and repairwheel's lib directories, and the
// Mach-O members of corpusWheels.
func corpusMachOs(tb testing.TB) []corpusFile {
	tb.Helper()
	needCorpus(tb)
	var out []corpusFile
	var loose []string
	for _, pat := range []string{delocateData + "/*", repairwheel + "/*macosx*/lib/*"} {
		m, _ := filepath.Glob(filepath.Join(corpusDir, pat))
		loose = append(loose, m...)
	}
	for _, p := range loose {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		if isMachOMagic(data) {
			rel, _ := filepath.Rel(corpusDir, p)
			out = append(out, corpusFile{Name: filepath.ToSlash(rel), Data: data})
		}
	}
	for _, w := range corpusWheels(tb) {
		out = append(out, wheelMembers(tb, w)...)
	}
	if len(out) < 20 {
		tb.Fatalf("only %d Mach-O files found under %s", len(out), corpusDir)
	}
	return out
}

func decode(tb testing.TB, data []byte) (*File, error) {
	tb.Helper()
	return NewFile(bytes.NewReader(data), int64(len(data)))
}

// slim is the part of a Slice that the expectation tables compare.
type slim struct {
	Arch, Type, ID string
	Needs          []string
	RPaths         []string
	Min            string
}

func slimOf(s *Slice) slim {
	out := slim{Arch: s.Arch, Type: s.TypeName, ID: s.InstallName, RPaths: s.RPaths, Min: s.MinOS.String()}
	for _, d := range s.Dylibs {
		out.Needs = append(out.Needs, d.Name)
	}
	if s.MinOS.IsZero() {
		out.Min = ""
	}
	return out
}

var sysLibs = []string{"/usr/lib/libc++.1.dylib", "/usr/lib/libSystem.B.dylib"}

// TestDelocateExpected checks the delocate section of corpus/EXPECTED.md
// and delocate's own test expectations (../notes/mac_win_abi3.md §6.1).
func TestDelocateExpected(t *testing.T) {
	needCorpus(t)
	libSys := []string{"/usr/lib/libSystem.B.dylib"}
	tests := []struct {
		file   string
		fat    bool
		slices []slim
		signed []bool // per slice, nil to skip
	}{
		{"liba.dylib", false, []slim{{"x86_64", "dylib", "liba.dylib", sysLibs, nil, "10.9"}}, []bool{false}},
		{"libb.dylib", false, []slim{{"x86_64", "dylib", "libb.dylib", append([]string{"liba.dylib"}, sysLibs...), nil, "10.9"}}, nil},
		{"libc.dylib", false, []slim{{"x86_64", "dylib", "libc.dylib", append([]string{"liba.dylib", "libb.dylib"}, sysLibs...), nil, "10.9"}}, nil},
		{"test-lib", false, []slim{{"x86_64", "executable", "", append([]string{"libc.dylib"}, sysLibs...), nil, "10.9"}}, nil},
		{"a.o", false, []slim{{"x86_64", "object", "", nil, nil, "10.9"}}, nil},
		{"liba_both.dylib", true, []slim{
			{"x86_64", "dylib", "liba.dylib", sysLibs, nil, "10.9"},
			{"arm64", "dylib", "libam1.dylib", sysLibs, nil, "11.0"},
		}, []bool{false, true}},
		{"libam1.dylib", false, []slim{{"arm64", "dylib", "libam1.dylib", sysLibs, nil, "11.0"}}, []bool{true}},
		{"libam1-arch.dylib", true, []slim{{"arm64", "dylib", "libam1.dylib", sysLibs, nil, "11.0"}}, nil},
		{"libam1_12.dylib", false, []slim{{"arm64", "dylib", "libam1_12.dylib", sysLibs, nil, "12.0"}}, nil},
		{"liba_12.dylib", false, []slim{{"x86_64", "dylib", "liba_12.dylib", sysLibs, nil, "12.0"}}, nil},
		{"liba_12_1.dylib", false, []slim{{"x86_64", "dylib", "liba_12_1.dylib", sysLibs, nil, "12.1"}}, nil},
		{"libc_12.dylib", false, []slim{{"x86_64", "dylib", "libc_12.dylib", append([]string{"liba.dylib", "libb.dylib"}, sysLibs...), nil, "12.0"}}, nil},
		{"libextfunc.dylib", true, []slim{
			{"x86_64", "dylib", "libextfunc.dylib", libSys, nil, "10.9"},
			{"arm64", "dylib", "libextfunc.dylib", libSys, nil, "11.0"},
		}, nil},
		{"libextfunc_rpath.dylib", true, []slim{
			{"x86_64", "dylib", "@rpath/libextfunc_rpath.dylib", append([]string{"@rpath/libextfunc2_rpath.dylib"}, libSys...), []string{"@executable_path/", "@loader_path/"}, "10.9"},
			{"arm64", "dylib", "@rpath/libextfunc_rpath.dylib", append([]string{"@rpath/libextfunc2_rpath.dylib"}, libSys...), []string{"@executable_path/", "@loader_path/"}, "11.0"},
		}, []bool{true, true}},
		{"libextfunc2_rpath.dylib", true, []slim{
			{"x86_64", "dylib", "@rpath/libextfunc2_rpath.dylib", libSys, nil, "10.9"},
			{"arm64", "dylib", "@rpath/libextfunc2_rpath.dylib", libSys, nil, "11.0"},
		}, []bool{true, true}},
		{"np-1.6.0_intel_lib__compiled_base.so", true, []slim{
			{"x86_64", "bundle", "", append(slices.Clone(libSys), "@loader_path/../.dylibs/libgcc_s.1.dylib"), nil, "10.6"},
			{"i386", "bundle", "", append(slices.Clone(libSys), "@loader_path/../.dylibs/libgcc_s.1.dylib"), nil, "10.6"},
		}, nil},
		{"np-1.24.1_arm_random__sfc64.cpython-311-darwin.so", false, []slim{{"arm64", "bundle", "", libSys, nil, "11.0"}}, []bool{true}},
		{"np-1.24.1_x86_64_random__sfc64.cpython-311-darwin.so", false, []slim{{"x86_64", "bundle", "", libSys, nil, "10.9"}}, nil},
		{"fakepkg1-1.0-cp36-abi3-macosx_10_9_universal2.whl!fakepkg1/subpkg/module2.abi3.so", true, []slim{
			{"x86_64", "bundle", "", append([]string{"libextfunc.dylib"}, libSys...), nil, "10.9"},
			{"arm64", "bundle", "", append([]string{"libextfunc.dylib"}, libSys...), nil, "11.0"},
		}, nil},
		{"fakepkg_rpath-1.0-cp36-abi3-macosx_10_9_universal2.whl!fakepkg/subpkg/module2.abi3.so", false, []slim{
			{"x86_64", "bundle", "", append([]string{"@rpath/libextfunc_rpath.dylib"}, libSys...), []string{"libs/"}, "10.9"},
		}, nil},
		{"fakepkg_toplevel-1.0-cp36-abi3-macosx_10_9_universal2.whl!module2.abi3.so", false, []slim{
			{"x86_64", "bundle", "", append([]string{"@rpath/libextfunc2_rpath.dylib"}, libSys...), []string{"libs/"}, "10.9"},
		}, nil},
		{"fakepkg_namespace-1.0-cp36-abi3-macosx_10_9_universal2.whl!namespace/subpkg/module2.abi3.so", false, []slim{
			{"x86_64", "bundle", "", append([]string{"@rpath/libextfunc2_rpath.dylib"}, libSys...), []string{"libs/"}, "10.9"},
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var data []byte
			if wheel, member, ok := strings.Cut(tt.file, "!"); ok {
				for _, m := range wheelMembers(t, delocateData+"/"+wheel) {
					if strings.HasSuffix(m.Name, "!"+member) {
						data = m.Data
					}
				}
				if data == nil {
					t.Fatalf("no Mach-O member %s", member)
				}
			} else {
				data = readCorpus(t, delocateData+"/"+tt.file)
			}
			f, err := decode(t, data)
			if err != nil {
				t.Fatal(err)
			}
			if f.Fat != tt.fat {
				t.Errorf("Fat = %v, want %v", f.Fat, tt.fat)
			}
			var got []slim
			for _, s := range f.Slices {
				got = append(got, slimOf(s))
			}
			if !reflect.DeepEqual(got, tt.slices) {
				t.Errorf("slices:\nhave %+v\nwant %+v", got, tt.slices)
			}
			for i, want := range tt.signed {
				if i < len(f.Slices) && f.Slices[i].CodeSignature != want {
					t.Errorf("slice %d: CodeSignature = %v, want %v", i, f.Slices[i].CodeSignature, want)
				}
			}
			for _, s := range f.Slices {
				if s.Platform != "macos" {
					t.Errorf("%s: Platform = %q, want macos", s.Arch, s.Platform)
				}
			}
		})
	}
}

// TestNotMachO checks the delocate files that are not Mach-O: each is
// rejected with a *FormatError wrapping ErrNotMachO. (a.o is a Mach-O
// MH_OBJECT and is checked by TestDelocateExpected.)
func TestNotMachO(t *testing.T) {
	needCorpus(t)
	for _, name := range []string{"liba.a", "icon.ico", "empty", "binary_example.bin", "some_code.py", "fakepkg2-1.0-py3-none-any.whl"} {
		t.Run(name, func(t *testing.T) {
			f, err := decode(t, readCorpus(t, delocateData+"/"+name))
			var fe *FormatError
			if f != nil || !errors.As(err, &fe) || !errors.Is(err, ErrNotMachO) || fe.Offset != 0 {
				t.Fatalf("NewFile = %v, %v; want a not-Mach-O *FormatError at offset 0", f, err)
			}
		})
	}
	// fakepkg2 is a pure wheel: no Mach-O members at all.
	if m := wheelMembers(t, delocateData+"/fakepkg2-1.0-py3-none-any.whl"); len(m) != 0 {
		t.Errorf("pure wheel has Mach-O members %v", m)
	}
}

// TestRepairwheelExpected checks the repairwheel section of
// corpus/EXPECTED.md: the macosx_10_11 extensions are dylib-type modules
// whose LC_BUILD_VERSION asks for 11.7, which the 10.11 tag contradicts.
func TestRepairwheelExpected(t *testing.T) {
	needCorpus(t)
	for _, tt := range []struct {
		dir, arch string
		signed    bool
	}{
		{"cp36-abi3-macosx_10_11_x86_64", "x86_64", false},
		{"cp36-abi3-macosx_10_11_arm64", "arm64", true},
	} {
		t.Run(tt.dir, func(t *testing.T) {
			wheels, _ := filepath.Glob(filepath.Join(corpusDir, repairwheel, tt.dir, "*.whl"))
			if len(wheels) != 1 {
				t.Fatalf("wheels %v", wheels)
			}
			rel, _ := filepath.Rel(corpusDir, wheels[0])
			members := wheelMembers(t, rel)
			var ext *corpusFile
			for i := range members {
				if strings.HasSuffix(members[i].Name, "!testwheel/testwheel.abi3.so") {
					ext = &members[i]
				}
			}
			if ext == nil {
				t.Fatalf("no testwheel.abi3.so among %d Mach-O members", len(members))
			}
			f, err := decode(t, ext.Data)
			if err != nil {
				t.Fatal(err)
			}
			if f.Fat || len(f.Slices) != 1 {
				t.Fatalf("Fat %v, %d slices", f.Fat, len(f.Slices))
			}
			s := f.Slices[0]
			if s.Type != TypeDylib || s.Arch != tt.arch || s.CodeSignature != tt.signed {
				t.Errorf("type %s arch %s signed %v, want dylib %s %v", s.TypeName, s.Arch, s.CodeSignature, tt.arch, tt.signed)
			}
			if len(s.Builds) != 1 || s.Builds[0] != (Build{"macos", Version{11, 7, 0}, s.SDK}) {
				t.Errorf("Builds = %+v, want one LC_BUILD_VERSION macos 11.7", s.Builds)
			}
			if s.MinOS.String() != "11.7" || s.Platform != "macos" {
				t.Errorf("MinOS %s %s, want macos 11.7", s.Platform, s.MinOS)
			}
			if !slices.ContainsFunc(s.Dylibs, func(d Dylib) bool { return d.Name == "libtestdep.dylib" }) {
				t.Errorf("Dylibs = %+v, want libtestdep.dylib (bare)", s.Dylibs)
			}

			dep, err := Open(filepath.Join(corpusDir, repairwheel, tt.dir, "lib", "libtestdep.dylib"))
			if err != nil {
				t.Fatal(err)
			}
			if d := dep.Slices[0]; d.Arch != tt.arch || d.MinOS.String() != "11.7" || d.Type != TypeDylib || d.CodeSignature != tt.signed {
				t.Errorf("libtestdep.dylib: %s %s min %s signed %v", d.Arch, d.TypeName, d.MinOS, d.CodeSignature)
			}
		})
	}
}

// TestOtherWheels checks the remaining macOS wheels: delvewheel's h3ronpy
// (a real Rust extension) and check-wheel-contents' mxnet wheel, which has
// a macOS tag but no binaries.
func TestOtherWheels(t *testing.T) {
	needCorpus(t)
	ws := corpusWheels(t)
	var h3, mx []string
	for _, w := range ws {
		switch {
		case strings.Contains(w, "h3ronpy"):
			h3 = append(h3, w)
		case strings.Contains(w, "mxnet"):
			mx = append(mx, w)
		}
	}
	if len(h3) != 1 || len(mx) != 1 {
		t.Fatalf("h3ronpy wheels %v, mxnet wheels %v", h3, mx)
	}
	if m := wheelMembers(t, mx[0]); len(m) != 0 {
		t.Errorf("mxnet wheel: Mach-O members %v, want none", m)
	}
	members := wheelMembers(t, h3[0])
	if len(members) != 1 {
		t.Fatalf("h3ronpy: %d Mach-O members", len(members))
	}
	f, err := decode(t, members[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	s := f.Slices[0]
	if f.Fat || s.Arch != "x86_64" || !s.TwoLevel() || len(s.Imports) == 0 {
		t.Errorf("h3ronpy: fat %v arch %s twolevel %v %d imports", f.Fat, s.Arch, s.TwoLevel(), len(s.Imports))
	}
	// A Python extension takes the interpreter's symbols by dynamic lookup.
	if !slices.ContainsFunc(s.Imports, func(sym Symbol) bool {
		return strings.HasPrefix(sym.Name, "_Py") && sym.Ordinal == OrdinalDynamicLookup
	}) {
		t.Errorf("h3ronpy: no _Py* import with OrdinalDynamicLookup")
	}
	t.Logf("h3ronpy: %s min %s, %d dylibs, %d imports", s.Arch, s.MinOS, len(s.Dylibs), len(s.Imports))
}

// TestCorpus decodes every Mach-O file of the corpus, cross-checks it with
// debug/macho, and checks invariants.
func TestCorpus(t *testing.T) {
	for _, c := range corpusMachOs(t) {
		t.Run(c.Name, func(t *testing.T) {
			f, err := decode(t, c.Data)
			if err != nil {
				t.Fatal(err)
			}
			compareStd(t, c.Data, f)
			for _, s := range f.Slices {
				exerciseSlice(t, s, int64(len(c.Data)))
				if s.Type != TypeObject && s.TwoLevel() {
					for _, sym := range s.Imports {
						if _, ok := s.Library(sym.Ordinal); !ok && sym.Ordinal != OrdinalDynamicLookup {
							t.Errorf("%s: import %s has ordinal %d of %d dylibs", s.Arch, sym.Name, sym.Ordinal, len(s.Dylibs))
						}
					}
				}
				if s.Type == TypeDylib && s.InstallName == "" {
					t.Errorf("%s: dylib without LC_ID_DYLIB", s.Arch)
				}
			}
		})
	}
}

// compareStd checks the LC_LOAD_DYLIB names, the LC_RPATHs, cputypes and
// filetypes against debug/macho, which decodes those and nothing else this
// package reports.
func compareStd(t *testing.T, data []byte, f *File) {
	t.Helper()
	var std []*macho.File
	if ff, err := macho.NewFatFile(bytes.NewReader(data)); err == nil {
		for _, a := range ff.Arches {
			std = append(std, a.File)
		}
	} else if mf, err := macho.NewFile(bytes.NewReader(data)); err == nil {
		std = []*macho.File{mf}
	} else {
		t.Fatalf("debug/macho: %v", err)
	}
	if len(std) != len(f.Slices) {
		t.Fatalf("debug/macho finds %d slices, want %d", len(std), len(f.Slices))
	}
	for i, m := range std {
		s := f.Slices[i]
		var wantLoad, wantRPath []string
		for _, l := range m.Loads {
			switch l := l.(type) {
			case *macho.Dylib:
				wantLoad = append(wantLoad, l.Name)
			case *macho.Rpath:
				wantRPath = append(wantRPath, l.Path)
			}
		}
		var load []string
		for _, d := range s.Dylibs {
			if d.Kind == "load" {
				load = append(load, d.Name)
			}
		}
		if !slices.Equal(load, wantLoad) || !slices.Equal(s.RPaths, wantRPath) {
			t.Errorf("slice %d: LC_LOAD_DYLIB %q, LC_RPATH %q; debug/macho says %q, %q", i, load, s.RPaths, wantLoad, wantRPath)
		}
		if uint32(m.Cpu) != s.CPU || uint32(m.Type) != s.Type || m.Flags != s.Flags || m.Ncmd != s.NCmds {
			t.Errorf("slice %d: cpu %#x type %d flags %#x ncmd %d; debug/macho says %#x %d %#x %d",
				i, s.CPU, s.Type, s.Flags, s.NCmds, uint32(m.Cpu), m.Type, m.Flags, m.Ncmd)
		}
		// Imports: debug/macho's ImportedSymbols lists the undefined
		// symbols of LC_DYSYMTAB's range, including common symbols.
		if m.Dysymtab != nil {
			want, err := m.ImportedSymbols()
			if err != nil {
				t.Fatalf("debug/macho ImportedSymbols: %v", err)
			}
			var got []string
			for _, sym := range s.Imports {
				got = append(got, sym.Name)
			}
			if !slices.Equal(got, want) {
				t.Errorf("slice %d: imports %q, debug/macho says %q", i, got, want)
			}
		}
	}
}

// TestDelocateAllFiles decodes every loose file of delocate's data
// directory: files with a Mach-O magic number decode, the others (wheels,
// the ar archive, the icon, the empty file, ...) fail with a not-Mach-O
// *FormatError.
func TestDelocateAllFiles(t *testing.T) {
	needCorpus(t)
	names, err := filepath.Glob(filepath.Join(corpusDir, delocateData, "*"))
	if err != nil || len(names) < 25 {
		t.Fatalf("%d files: %v", len(names), err)
	}
	for _, name := range names {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Open(name)
			if isMachOMagic(data) {
				if err != nil {
					t.Fatal(err)
				}
				exercise(t, f, int64(len(data)))
				return
			}
			var fe *FormatError
			if f != nil || !errors.As(err, &fe) || !errors.Is(err, ErrNotMachO) || !strings.Contains(err.Error(), name) {
				t.Fatalf("Open = %v, %v; want a not-Mach-O *FormatError naming the file", f, err)
			}
		})
	}
}
