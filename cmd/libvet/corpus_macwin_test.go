package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/libvet/libvet/audit"
)

// TestCorpusMacWindows asserts the verdicts of ../shared/corpus/EXPECTED.md
// for the macOS and Windows fixtures (delocate, delvewheel, repairwheel,
// check-wheel-contents). External names compare case-insensitively.
func TestCorpusMacWindows(t *testing.T) {
	if _, err := os.Stat(corpus + "EXPECTED.md"); err != nil {
		t.Skipf("conformance corpus not found at %s (it lives in ../shared beside the repository): %v", corpus, err)
	}
	const (
		dl  = "delocate/delocate/tests/data/"
		dw  = "delvewheel/tests/"
		rw  = "repairwheel/tests/testwheel/"
		cwc = "check-wheel-contents/test/data/wheels/"
	)
	tests := []struct {
		file     string
		tag      string
		external []string
		errors   []string // error finding codes, sorted
		warnings []string // warning finding codes (not errors), sorted
		pure     bool
		// anyExternal skips the external libraries check.
		anyExternal bool
		check       func(t *testing.T, r *audit.Report)
	}{
		{file: dl + "liba.dylib", tag: "macosx_10_9_x86_64", check: func(t *testing.T, r *audit.Report) {
			b := only(t, r, "x86_64")
			if b.InstallName != "liba.dylib" || b.MinOS != "10.9" || !slices.Equal(b.Needed, []string{"/usr/lib/libc++.1.dylib", "/usr/lib/libSystem.B.dylib"}) {
				t.Errorf("liba.dylib: %+v", b)
			}
		}},
		{file: dl + "libb.dylib", tag: "macosx_10_9_x86_64", external: []string{"liba.dylib"}, errors: []string{"macos/external-library"}},
		{file: dl + "libc.dylib", tag: "macosx_10_9_x86_64", external: []string{"liba.dylib", "libb.dylib"}, errors: []string{"macos/external-library"}},
		{file: dl + "liba_both.dylib", tag: "macosx_10_9_universal2", check: func(t *testing.T, r *audit.Report) {
			if x, a := only(t, r, "x86_64"), only(t, r, "arm64"); x.InstallName != "liba.dylib" || a.InstallName != "libam1.dylib" ||
				x.MinOS != "10.9" || a.MinOS != "11.0" || !x.Fat || !a.Fat {
				t.Errorf("slices: %+v %+v", x, a)
			}
		}},
		{file: dl + "libam1.dylib", tag: "macosx_11_0_arm64"},
		{file: dl + "libam1-arch.dylib", tag: "macosx_11_0_arm64", check: func(t *testing.T, r *audit.Report) {
			if b := only(t, r, "arm64"); !b.Fat || len(r.Binaries) != 1 {
				t.Errorf("a fat file with one arm64 slice: %+v", r.Binaries)
			}
		}},
		{file: dl + "libam1_12.dylib", tag: "macosx_12_0_arm64"},
		{file: dl + "liba_12.dylib", tag: "macosx_12_0_x86_64"},
		{file: dl + "liba_12_1.dylib", tag: "macosx_12_0_x86_64", warnings: []string{"macos/minor-version"}},
		{file: dl + "libextfunc_rpath.dylib", tag: "macosx_10_9_universal2", external: []string{"@rpath/libextfunc2_rpath.dylib"},
			errors: []string{"macos/external-library"}, check: func(t *testing.T, r *audit.Report) {
				b := only(t, r, "x86_64")
				if b.InstallName != "@rpath/libextfunc_rpath.dylib" || !slices.Equal(b.RPath, []string{"@executable_path/", "@loader_path/"}) {
					t.Errorf("libextfunc_rpath.dylib: %+v", b)
				}
			}},
		{file: dl + "np-1.6.0_intel_lib__compiled_base.so", tag: "macosx_10_6_intel", external: []string{"@loader_path/../.dylibs/libgcc_s.1.dylib"},
			errors: []string{"macos/external-library"}},
		{file: dl + "a.o", check: func(t *testing.T, r *audit.Report) {
			if b := only(t, r, "x86_64"); b.Type != "object" {
				t.Errorf("a.o: %+v", b)
			}
		}},
		{file: dl + "test-lib", tag: "macosx_10_9_x86_64", external: []string{"libc.dylib"}, errors: []string{"macos/external-library"}},
		{file: dl + "liba.a", pure: true},
		{file: dl + "icon.ico", pure: true},
		{file: dl + "binary_example.bin", pure: true},
		{file: dl + "empty", pure: true},
		{file: dl + "some_code.py", pure: true},
		{file: dl + "fakepkg1-1.0-cp36-abi3-macosx_10_9_universal2.whl", tag: "macosx_10_9_universal2", external: []string{"libextfunc.dylib"},
			errors: []string{"macos/external-library"}},
		{file: dl + "fakepkg_rpath-1.0-cp36-abi3-macosx_10_9_universal2.whl", tag: "macosx_10_9_x86_64", external: []string{"@rpath/libextfunc_rpath.dylib"},
			errors: []string{"macos/external-library", "macos/tag-unsupported"}},
		{file: dl + "fakepkg2-1.0-py3-none-any.whl", pure: true},

		{file: dw + "simpleext/x64/simpledll.dll", tag: "win_amd64", check: func(t *testing.T, r *audit.Report) {
			want := []string{"VCRUNTIME140.dll", "api-ms-win-crt-stdio-l1-1-0.dll", "api-ms-win-crt-runtime-l1-1-0.dll", "KERNEL32.dll"}
			if b := only(t, r, "amd64"); !sameFold(b.Needed, want) {
				t.Errorf("needed %v, want %v", b.Needed, want)
			}
		}},
		{file: dw + "simpleext/x86/simpledll.dll", tag: "win32"},
		{file: dw + "simpleext/x64/DependentLoadFlags/simpledll.dll", tag: "win_amd64", check: func(t *testing.T, r *audit.Report) {
			if b := only(t, r, "amd64"); b.DependentLoadFlags != 0x800 {
				t.Errorf("DependentLoadFlags %#x, want 0x800", b.DependentLoadFlags)
			}
		}},
		{file: dw + "iknowpy/trailing_data_1/iKnowEngine.dll", tag: "win_amd64", errors: []string{"windows/external-dll"},
			external: []string{"iKnowALI.dll", "iKnowBase.dll", "iKnowCore.dll", "iKnowShell.dll", "MSVCP140.dll", "VCRUNTIME140_1.dll"},
			check: func(t *testing.T, r *audit.Report) {
				if b := only(t, r, "amd64"); b.OverlaySize != 10 {
					t.Errorf("overlay %d, want 10", b.OverlaySize)
				}
			}},
		{file: "delvewheel/history/delay_load_iKnowShell.dll", tag: "win_amd64", errors: []string{"windows/external-dll"}, anyExternal: true, check: func(t *testing.T, r *audit.Report) {
			b := only(t, r, "amd64")
			if len(b.DelayNeeded) != 22 {
				t.Errorf("%d delay-load imports, want 22: %v", len(b.DelayNeeded), b.DelayNeeded)
			}
			for _, res := range b.Resolutions {
				if slices.Contains(b.DelayNeeded, res.Need) != (res.Kind == "delay") {
					t.Errorf("%s: kind %q", res.Need, res.Kind)
				}
			}
		}},
		{file: dw + "simpleext/simpleext-0.0.1-cp312-cp312-win_amd64.whl", tag: "win_amd64", external: []string{"simpledll.dll"}, errors: []string{"windows/external-dll"}},
		{file: dw + "simpleext/simpleext-0.0.1-cp312-cp312-win32.whl", tag: "win32", external: []string{"simpledll.dll"}, errors: []string{"windows/external-dll"}},
		{file: dw + "simpleext/simpleext-0.0.1-cp36-abi3-win_amd64.whl", tag: "win_amd64", external: []string{"simpledll.dll"}, errors: []string{"windows/external-dll"}},
		{file: dw + "simpleext/simpleext-0.0.1-cp312-abi3-win_amd64.whl", tag: "win_amd64", external: []string{"simpledll.dll"}, errors: []string{"windows/external-dll"}},
		{file: dw + "simpleext/simpleext-0.0.1-cp313-cp313t-win_amd64.whl", tag: "win_amd64", external: []string{"simpledll.dll"}, errors: []string{"windows/external-dll"}},
		{file: dw + "simpleext/simpleext-0.0.1-cp36.cp312-cp36m.cp312-win_amd64.whl", tag: "win_amd64", external: []string{"simpledll.dll"}, errors: []string{"windows/external-dll"},
			warnings: []string{"wheel/metadata"}},
		{file: dw + "simpleext/simpleext-0.0.1-pp310-pypy310_pp73-win_amd64.whl", tag: "win_amd64", external: []string{"simpledll.dll"}, errors: []string{"windows/external-dll"}},
		{file: dw + "simpleext/simpleext-0.0.1-graalpy312-graalpy250_312_native-win_amd64.whl", tag: "win_amd64", external: []string{"simpledll.dll"}, errors: []string{"windows/external-dll"}},
		{file: dw + "iknowpy/iknowpy-1.5.3-cp312-cp312-win_amd64.whl", tag: "win_amd64", external: []string{"iKnowEngine.dll", "MSVCP140.dll"}, errors: []string{"windows/external-dll"}},
		{file: dw + "no_dependencies/h3ronpy-0.16.0-cp38-abi3-win_amd64.whl", tag: "win_amd64"},
		{file: dw + "no_dependencies/h3ronpy-0.16.0-cp38-abi3-macosx_10_7_x86_64.whl", tag: "macosx_10_7_x86_64", check: func(t *testing.T, r *audit.Report) {
			b := only(t, r, "x86_64")
			if b.Type != "dylib" || b.InstallName != "@rpath/h3ronpy.abi3.so" || b.MinOS != "10.7" {
				t.Errorf("h3ronpy: %+v", b)
			}
		}},
		{file: dw + "no_dependencies/more_itertools-9.0.0-py3-none-any.whl", pure: true},

		{file: rw + "cp36-abi3-linux_x86_64/testwheel-0.0.1-cp36-abi3-linux_x86_64.whl", tag: "linux_x86_64", external: []string{"libtestdep.so"}, errors: []string{"linux/external-library"}},
		{file: rw + "cp36-abi3-macosx_10_11_x86_64/testwheel-0.0.1-cp36-abi3-macosx_10_11_x86_64.whl", tag: "macosx_11_0_x86_64", external: []string{"libtestdep.dylib"},
			errors: []string{"macos/external-library", "macos/tag-unsupported"}, warnings: []string{"macos/minor-version"}},
		// An arm64 tag below 11 is never installed (packaging offers arm64
		// tags from 11 on); the minos of 11.7 shares macOS 11's major
		// version: a warning.
		{file: rw + "cp36-abi3-macosx_10_11_arm64/testwheel-0.0.1-cp36-abi3-macosx_10_11_arm64.whl", tag: "macosx_11_0_arm64", external: []string{"libtestdep.dylib"},
			errors: []string{"macos/external-library", "macos/tag-invalid"}, warnings: []string{"macos/minor-version"}},
		{file: rw + "cp36-abi3-win_amd64/testwheel-0.0.1-cp36-abi3-win_amd64.whl", tag: "win_amd64", external: []string{"testdep.dll"}, errors: []string{"windows/external-dll"}},
		{file: rw + "py3-none-any/testwheel-0.0.1-py3-none-any.whl", pure: true},

		{file: cwc + "MPC2860-0.3-py3-none-any.whl", tag: "win32", external: []string{"MPC2860.dll", "MSVCR100.dll"},
			errors: []string{"wheel/tag-mismatch", "windows/external-dll", "windows/python-dll"}},
		{file: cwc + "mxnet_coreml_converter-0.1.0a7-cp27-cp27m-macosx_10_7_x86_64.whl", pure: true, warnings: []string{"wheel/tag-without-binaries"}},
		{file: cwc + "bcrypt-3.1.7-cp38-cp38-win_amd64.whl", tag: "win_amd64"},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.file, "/", "_"), func(t *testing.T) {
			r := auditHermetic(t, corpus+tt.file)
			if r.Error != "" {
				t.Fatalf("unreadable: %s", r.Error)
			}
			if r.PlatformTag != tt.tag || r.Pure != tt.pure {
				t.Errorf("tag %q pure %v; want %q %v\nfindings: %+v", r.PlatformTag, r.Pure, tt.tag, tt.pure, r.Findings)
			}
			if got := externalNames(r); !tt.anyExternal && !sameFold(got, tt.external) {
				t.Errorf("external libs %v, want %v", got, tt.external)
			}
			if got := findingCodes(r, audit.Error); !slices.Equal(got, tt.errors) && !(len(got) == 0 && len(tt.errors) == 0) {
				t.Errorf("error findings %v, want %v\n%+v", got, tt.errors, r.Findings)
			}
			var warnings []string
			for _, c := range findingCodes(r, audit.Warning) {
				if !slices.Contains(findingCodes(r, audit.Error), c) {
					warnings = append(warnings, c)
				}
			}
			if !slices.Equal(warnings, tt.warnings) {
				t.Errorf("warning findings %v, want %v\n%+v", warnings, tt.warnings, r.Findings)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

// only returns the report's binary (or slice) of architecture arch.
func only(t *testing.T, r *audit.Report, arch string) *audit.Binary {
	t.Helper()
	for _, b := range r.Binaries {
		if b.Arch == arch {
			return b
		}
	}
	t.Fatalf("no %s binary in %+v", arch, r.Binaries)
	return nil
}

// sameFold reports whether a and b hold the same names, ignoring case
// and order.
func sameFold(a, b []string) bool {
	norm := func(s []string) []string {
		out := make([]string, len(s))
		for i, x := range s {
			out[i] = strings.ToLower(x)
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(norm(a), norm(b))
}

// TestCorpusIknowpyAddPath checks EXPECTED.md's iknowpy row: with the
// loose DLLs beside the wheel given as --add-path, libvet follows the
// graph of ~30 DLLs that engine.pyd reaches through iKnowEngine.dll, and
// reports as not found exactly the DLLs this copy lacks (the model DLLs
// that are absent and icudt74.dll).
func TestCorpusIknowpyAddPath(t *testing.T) {
	dir := corpus + "delvewheel/tests/iknowpy"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("conformance corpus not found at %s (it lives in ../shared beside the repository): %v", dir, err)
	}
	present := map[string]bool{}
	for _, e := range entries {
		present[strings.ToLower(e.Name())] = true
	}
	out, stderr, code := runCLI(t, []string{"show", "--format", "json", "--add-path", dir, dir + "/iknowpy-1.5.3-cp312-cp312-win_amd64.whl"}, nil)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Reports []audit.Report `json:"artifacts"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Reports) != 1 {
		t.Fatalf("json: %v\n%s", err, out)
	}
	var found, missing []string
	for _, x := range doc.Reports[0].ExternalLibs {
		if x.Path == "" {
			missing = append(missing, x.Soname)
			if present[strings.ToLower(x.Soname)] {
				t.Errorf("%s is in %s but reported not found: %s", x.Soname, dir, x.Reason)
			}
			continue
		}
		found = append(found, x.Soname)
		if !present[strings.ToLower(x.Soname)] || !strings.Contains(x.Reason, "--add-path "+dir) {
			t.Errorf("%s found at %s: %s", x.Soname, x.Path, x.Reason)
		}
	}
	if len(found) < 20 || !slices.Contains(found, "iKnowEngine.dll") || !slices.Contains(found, "iKnowShell.dll") {
		t.Errorf("found %d DLLs through --add-path: %v", len(found), found)
	}
	if !slices.Contains(missing, "icudt74.dll") || !slices.Contains(missing, "iKnowModelen.dll") {
		t.Errorf("not found: %v; want icudt74.dll and the absent model DLLs", missing)
	}
	for _, m := range missing {
		if m != "icudt74.dll" && !strings.HasPrefix(m, "iKnowModel") {
			t.Errorf("unexpectedly not found: %s", m)
		}
	}
}
