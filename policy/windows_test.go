package policy

import (
	"strings"
	"testing"

	"github.com/libvet/libvet/audit"
)

// pyd is a PE extension module for the Windows tests.
func pyd(member, arch string, needed ...string) *audit.Binary {
	b := &audit.Binary{Member: member, Format: audit.FormatPE, Arch: arch, Machine: arch, Type: "dll", Needed: needed}
	for _, n := range needed {
		b.Resolutions = append(b.Resolutions, audit.Resolution{Need: n, By: audit.ByNone})
	}
	return b
}

func winTargetFor(tags []string, bins ...*audit.Binary) audit.Target {
	declared := map[string]bool{}
	for _, t := range tags {
		declared[t[strings.LastIndexByte(t, '-')+1:]] = true
	}
	return WindowsPlatform{}.Target(audit.Input{Binaries: bins, Declared: sortedKeys(declared), Tags: tags})
}

func TestWindowsPromises(t *testing.T) {
	tests := []struct {
		tags []string
		arch string
		dll  string
		by   audit.Provider // "" when not promised
	}{
		{[]string{"cp312-cp312-win_amd64"}, "amd64", "KERNEL32.dll", audit.ByPolicy},
		{[]string{"cp312-cp312-win_amd64"}, "amd64", "api-ms-win-crt-runtime-l1-1-0.dll", audit.ByPolicy},
		{[]string{"cp312-cp312-win_amd64"}, "amd64", "ext-ms-win-gdi-desktop-l1-1-0.dll", audit.ByPolicy},
		{[]string{"cp312-cp312-win_amd64"}, "amd64", "python312.dll", audit.BySkip},
		{[]string{"cp312-cp312-win_amd64"}, "amd64", "VCRUNTIME140.dll", audit.ByPolicy},
		{[]string{"cp312-cp312-win_amd64"}, "amd64", "VCRUNTIME140_1.dll", audit.ByPolicy},
		{[]string{"cp312-cp312-win32"}, "x86", "VCRUNTIME140_1.dll", ""},
		{[]string{"cp312-cp312-win_amd64"}, "amd64", "MSVCP140.dll", ""},
		{[]string{"cp312-cp312-win_amd64"}, "amd64", "libfoo.dll", ""},
		// abi3 from 3.6: CPython 3.6 to 3.8 ship vcruntime140.dll only.
		{[]string{"cp36-abi3-win_amd64"}, "amd64", "vcruntime140.dll", audit.ByPolicy},
		{[]string{"cp36-abi3-win_amd64"}, "amd64", "vcruntime140_1.dll", ""},
		{[]string{"cp39-abi3-win_amd64"}, "amd64", "vcruntime140_1.dll", audit.ByPolicy},
		// Several ABI tags: what all of them ship.
		{[]string{"cp38-cp38-win_amd64", "cp39-cp39-win_amd64"}, "amd64", "vcruntime140_1.dll", ""},
		{[]string{"cp27-cp27m-win_amd64"}, "amd64", "msvcr90.dll", audit.ByPolicy},
		// A loose file: any CPython from 3.5.
		{nil, "amd64", "vcruntime140.dll", audit.ByPolicy},
		// py3-none and cp33-abi3 allow CPython 3.3/3.4 (msvcr100.dll) and
		// older: no runtime DLL is common to all.
		{[]string{"py3-none-win_amd64"}, "amd64", "vcruntime140.dll", ""},
		{[]string{"cp33-abi3-win_amd64"}, "amd64", "vcruntime140.dll", ""},
		{nil, "amd64", "vcruntime140_1.dll", ""},
		{[]string{"cp312-cp312-win_arm64"}, "arm64", "ucrtbase.dll", audit.ByPolicy},
		{[]string{"cp312-cp312-win_amd64"}, "amd64", "ucrtbase.dll", ""},
	}
	for _, tt := range tests {
		tg := winTargetFor(tt.tags, pyd("m.pyd", tt.arch))
		r, ok := tg.Promises(nil, tt.dll)
		if got := map[bool]audit.Provider{true: r.By}[ok]; got != tt.by {
			t.Errorf("%v %s: Promises(%s) = %q (%s), want %q", tt.tags, tt.arch, tt.dll, got, r.Detail, tt.by)
		}
	}
	// msvcp140.dll's need of concrt140.dll is ignored, nobody else's.
	tg := winTargetFor([]string{"cp312-cp312-win_amd64"}, pyd("m.pyd", "amd64"))
	if _, ok := tg.Promises(&audit.Binary{Member: "pkg.libs/msvcp140.dll"}, "concrt140.dll"); !ok {
		t.Error("msvcp140.dll's concrt140.dll is not ignored")
	}
	if _, ok := tg.Promises(&audit.Binary{Member: "pkg/m.pyd"}, "concrt140.dll"); ok {
		t.Error("a module's concrt140.dll is ignored")
	}
}

func TestWindowsVerdicts(t *testing.T) {
	tests := []struct {
		name   string
		tags   []string
		bins   []*audit.Binary
		tag    string
		errors []string
		reason string
	}{
		{"clean", []string{"cp312-cp312-win_amd64"}, []*audit.Binary{pyd("m.pyd", "amd64", "python312.dll")}, "win_amd64", nil, ""},
		{"abi3 importing python312.dll", []string{"cp312-abi3-win_amd64"}, []*audit.Binary{pyd("m.pyd", "amd64", "python312.dll")}, "win_amd64",
			[]string{"windows/python-dll"}, "is in an abi3 wheel but imports python312.dll"},
		{"abi3 importing python3.dll", []string{"cp36-abi3-win_amd64"}, []*audit.Binary{pyd("m.pyd", "amd64", "python3.dll")}, "win_amd64", nil, ""},
		{"wrong CPython", []string{"cp311-cp311-win_amd64"}, []*audit.Binary{pyd("m.pyd", "amd64", "python312.dll")}, "win_amd64",
			[]string{"windows/python-dll"}, "only CPython 3.12 provides it"},
		{"free-threaded", []string{"cp313-cp313t-win_amd64"}, []*audit.Binary{pyd("m.pyd", "amd64", "python313t.dll")}, "win_amd64", nil, ""},
		{"default build in a free-threaded wheel", []string{"cp313-cp313t-win_amd64"}, []*audit.Binary{pyd("m.pyd", "amd64", "python313.dll")}, "win_amd64",
			[]string{"windows/python-dll"}, "do not allow"},
		{"one of several ABIs", []string{"cp36-cp36m-win_amd64", "cp312-cp312-win_amd64"}, []*audit.Binary{pyd("a.pyd", "amd64", "python36.dll"), pyd("b.pyd", "amd64", "python312.dll")},
			"win_amd64", nil, ""},
		{"py3-none importing python312.dll", []string{"py3-none-win_amd64"}, []*audit.Binary{pyd("m.pyd", "amd64", "python312.dll")}, "win_amd64",
			[]string{"windows/python-dll"}, "only CPython 3.12 provides it"},
		{"cp312-none importing python312.dll", []string{"cp312-none-win_amd64"}, []*audit.Binary{pyd("m.pyd", "amd64", "python312.dll")}, "win_amd64", nil, ""},
		{"cp312-none importing python311.dll", []string{"cp312-none-win_amd64"}, []*audit.Binary{pyd("m.pyd", "amd64", "python311.dll")}, "win_amd64",
			[]string{"windows/python-dll"}, "only CPython 3.11 provides it"},
		{"PyPy", []string{"pp310-pypy310_pp73-win_amd64"}, []*audit.Binary{pyd("m.pyd", "amd64", "libpypy3.9-c.dll")}, "win_amd64",
			[]string{"windows/python-dll"}, "only PyPy for Python 3.9"},
		{"wrong machine", []string{"cp312-cp312-win_amd64"}, []*audit.Binary{pyd("m.pyd", "amd64"), pyd("x.dll", "x86")}, "win_amd64",
			[]string{"windows/wrong-machine"}, "in a win_amd64 artifact"},
		{"declared tag for another machine", []string{"cp312-cp312-win32"}, []*audit.Binary{pyd("m.pyd", "amd64")}, "win_amd64",
			[]string{"windows/tag-mismatch"}, "declared tag win32 does not match"},
		{"ARM64EC", nil, []*audit.Binary{{Member: "m.pyd", Format: audit.FormatPE, Machine: "ARM64EC (PE32+)", Type: "dll"}}, "",
			[]string{"windows/unsupported-machine"}, "ARM64EC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := winTargetFor(tt.tags, tt.bins...)
			r := &audit.Report{Binaries: tt.bins, ExternalLibs: []audit.ExternalLib{}}
			tg.Judge(r)
			if r.PlatformTag != tt.tag {
				t.Errorf("tag %q, want %q", r.PlatformTag, tt.tag)
			}
			checkFindings(t, r, tt.errors, tt.reason)
		})
	}
}

func TestInterpreterABIs(t *testing.T) {
	tests := []struct {
		python, abi string
		first, last string
		n           int
	}{
		{"cp312", "cp312", "cp312", "cp312", 1},
		{"cp36", "abi3", "cp36m", "cp330", maxCPythonMinor - 5},
		{"cp313", "abi3t", "cp313t", "cp330t", maxCPythonMinor - 12},
		{"py3", "none", "cp30m", "cp330", maxCPythonMinor + 1},
		{"cp32", "abi3", "cp32m", "cp330", maxCPythonMinor - 1},
		{"pp310", "none", "pp310", "pp310", 1},
	}
	for _, tt := range tests {
		got := interpreterABIs(wheelABI{tt.python, tt.abi})
		if len(got) != tt.n || got[0] != tt.first || got[len(got)-1] != tt.last {
			t.Errorf("interpreterABIs(%s-%s) = %v", tt.python, tt.abi, got)
		}
	}
}
