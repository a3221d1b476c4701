package policy

import (
	"slices"
	"strings"
	"testing"

	"github.com/libvet/libvet/audit"
)

// slice is a Mach-O slice of member for the macOS tests.
func slice(member, arch, minos string) *audit.Binary {
	return &audit.Binary{Member: member, Format: audit.FormatMachO, Arch: arch, Type: "bundle", OS: "macos", MinOS: minos,
		Needed: []string{}, Resolutions: []audit.Resolution{}}
}

func judgeMac(declared []string, ext []audit.ExternalLib, bins ...*audit.Binary) *audit.Report {
	tg := MacOSPlatform{}.Target(audit.Input{Binaries: bins, Declared: declared})
	r := &audit.Report{DeclaredTags: declared, Binaries: bins, ExternalLibs: ext}
	tg.Judge(r)
	return r
}

func TestMacOSVerdicts(t *testing.T) {
	tests := []struct {
		name     string
		declared []string
		bins     []*audit.Binary
		tag      string
		errors   []string // error finding codes, in order
		reason   string   // a substring of some finding
	}{
		{"x86_64", []string{"macosx_10_9_x86_64"}, []*audit.Binary{slice("a.so", "x86_64", "10.9")}, "macosx_10_9_x86_64", nil, ""},
		{"arm64 floor", nil, []*audit.Binary{slice("a.so", "arm64", "10.15")}, "macosx_11_0_arm64", nil, ""},
		{"universal2: arm64 at 11.0 does not raise the tag", []string{"macosx_10_9_universal2"},
			[]*audit.Binary{slice("a.so", "x86_64", "10.9"), slice("a.so", "arm64", "11.0")}, "macosx_10_9_universal2", nil, ""},
		{"universal2: arm64 above 11.0 does", nil,
			[]*audit.Binary{slice("a.so", "x86_64", "10.9"), slice("a.so", "arm64", "12.0")}, "macosx_12_0_universal2", nil, ""},
		{"minos above the tag", []string{"macosx_10_9_x86_64"}, []*audit.Binary{slice("a.so", "x86_64", "10.15.7")}, "macosx_10_15_x86_64",
			[]string{"macos/tag-unsupported"}, "1 x86_64 binary needs a newer macOS (minos) than the 10.9 the tag promises: a.so needs 10.15.7"},
		{"universal2 missing a slice", []string{"macosx_10_9_universal2"},
			[]*audit.Binary{slice("a.so", "x86_64", "10.9"), slice("a.so", "arm64", "11.0"), slice("b.so", "x86_64", "10.9")}, "macosx_10_9_x86_64",
			[]string{"macos/tag-unsupported"}, "b.so has no arm64 slice (it has x86_64)"},
		{"architecture the tag does not cover", []string{"macosx_11_0_x86_64"}, []*audit.Binary{slice("a.so", "arm64", "11.0")}, "macosx_11_0_arm64",
			[]string{"macos/tag-unsupported"}, "a.so has no x86_64 slice (it has arm64)"},
		{"no common architecture", nil, []*audit.Binary{slice("a.so", "arm64", "11.0"), slice("b.so", "x86_64", "10.9")}, "",
			[]string{"macos/no-common-arch"}, "a.so: arm64; b.so: x86_64"},
		{"a minor version above 11 fits its major tag, with a warning", []string{"macosx_12_0_x86_64"}, []*audit.Binary{slice("a.so", "x86_64", "12.3")}, "macosx_12_0_x86_64",
			nil, "needs macOS 12.3, but tags name macOS 11 and newer by major version only"},
		{"minor version above 11", nil, []*audit.Binary{slice("a.so", "x86_64", "12.1")}, "macosx_12_0_x86_64", nil, "needs macOS 12.1"},
		{"intel", nil, []*audit.Binary{slice("a.so", "i386", "10.6"), slice("a.so", "x86_64", "10.6")}, "macosx_10_6_intel", nil, ""},
		{"a minor version in an 11+ tag", []string{"macosx_12_1_x86_64"}, []*audit.Binary{slice("a.so", "x86_64", "12.0")}, "macosx_12_0_x86_64",
			[]string{"macos/tag-invalid"}, "by major version only (macosx_12_0_x86_64)"},
		{"an arm64 tag below 11", []string{"macosx_10_9_arm64"}, []*audit.Binary{slice("a.so", "arm64", "11.0")}, "macosx_11_0_arm64",
			[]string{"macos/tag-invalid"}, "arm64 tags from macOS 11 on"},
		{"iOS slice", nil, []*audit.Binary{{Member: "a.so", Format: audit.FormatMachO, Arch: "arm64", Type: "dylib", OS: "ios", MinOS: "14.0"}}, "",
			[]string{"macos/wrong-os"}, "built for ios"},
		{"linux tag on Mach-O", []string{"manylinux_2_17_x86_64"}, []*audit.Binary{slice("a.so", "x86_64", "10.9")}, "macosx_10_9_x86_64",
			[]string{"macos/tag-mismatch"}, "is not for macOS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := judgeMac(tt.declared, nil, tt.bins...)
			if r.PlatformTag != tt.tag {
				t.Errorf("tag %q, want %q\n%+v", r.PlatformTag, tt.tag, r.Findings)
			}
			checkFindings(t, r, tt.errors, tt.reason)
		})
	}
}

func TestMacOSPromises(t *testing.T) {
	tg := MacOSPlatform{}.Target(audit.Input{Binaries: []*audit.Binary{slice("a.so", "x86_64", "10.9")}})
	for name, want := range map[string]bool{
		"/usr/lib/libSystem.B.dylib": true,
		"/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation": true,
		"/usr/local/lib/libomp.dylib":      false,
		"/opt/homebrew/lib/libssl.3.dylib": false,
		"@rpath/libfoo.dylib":              false,
		"libfoo.dylib":                     false,
		"/usr/lib64/libfoo.dylib":          false,
	} {
		if _, ok := tg.Promises(nil, name); ok != want {
			t.Errorf("Promises(%q) = %v, want %v", name, ok, want)
		}
	}
}

func TestMacOSExternalWeak(t *testing.T) {
	b := slice("a.so", "x86_64", "10.9")
	b.Needed = []string{"/opt/x/libweak.dylib"}
	b.Resolutions = []audit.Resolution{{Need: "/opt/x/libweak.dylib", By: audit.ByNone, Kind: "weak"}}
	r := judgeMac(nil, []audit.ExternalLib{{Soname: "/opt/x/libweak.dylib", NeededBy: []string{"a.so"}}}, b)
	for _, f := range r.Findings {
		if f.Code == "macos/external-library" && f.Severity != audit.Warning {
			t.Errorf("a weak external library is %v, want a warning", f.Severity)
		}
	}
	if !r.Policies[len(r.Policies)-1].OK {
		t.Errorf("a weak library fails the verdict: %+v", r.Policies)
	}
}

// checkFindings fails the test unless r's error findings have exactly the
// codes errors, in order, and some finding's message contains reason.
func checkFindings(t *testing.T, r *audit.Report, errors []string, reason string) {
	t.Helper()
	var errs []string
	found := reason == ""
	for _, f := range r.Findings {
		if f.Severity == audit.Error {
			errs = append(errs, f.Code)
		}
		found = found || strings.Contains(f.Message, reason)
	}
	if !slices.Equal(errs, errors) {
		t.Errorf("errors %v, want %v\n%+v", errs, errors, r.Findings)
	}
	if !found {
		t.Errorf("no finding says %q:\n%+v", reason, r.Findings)
	}
}
