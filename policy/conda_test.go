package policy

import (
	"slices"
	"strings"
	"testing"

	"github.com/libvet/libvet/audit"
)

func TestCondaData(t *testing.T) {
	// Every glibc line matches an example, and nothing else slips in.
	examples := map[string]string{
		"ld-linux*.so.*": "ld-linux-x86-64.so.2", "ld64.so.*": "ld64.so.2", "ld.so.1": "ld.so.1",
		"libnss_*.so.2": "libnss_files.so.2",
	}
	for _, g := range condaIdx.glibc {
		name := examples[g]
		if name == "" {
			name = g
		}
		tg := CondaPlatform{audit.FormatELF}.Target(audit.Input{Declared: []string{"linux-64"}, Binaries: []*audit.Binary{{}}})
		if r, ok := tg.Promises(nil, name); !ok || r.By != audit.ByPolicy {
			t.Errorf("glibc line %q does not promise %s", g, name)
		}
	}
	if len(CondaSubdirs()) != 12 {
		t.Errorf("subdirs %v", CondaSubdirs())
	}
	for _, bad := range []string{
		"libvet-conda-policy 2\n",
		"libvet-conda-policy 1\nsubdir linux-64 coff x86_64\n",
		"libvet-conda-policy 1\nsubdir linux-64 elf x86_64\nsubdir linux-64 elf x86_64\n",
		"libvet-conda-policy 1\nglibc [\n",
		"libvet-conda-policy 1\nfrob x\n",
	} {
		if _, err := parseCondaData("t.txt", []byte(bad)); err == nil || !strings.HasPrefix(err.Error(), "t.txt:") {
			t.Errorf("%q: error %v, want one with a position", bad, err)
		}
	}
}

func TestCondaPromises(t *testing.T) {
	tests := []struct {
		subdir string
		format audit.Format
		need   string
		want   bool
	}{
		{"linux-64", audit.FormatELF, "libc.so.6", true},
		{"linux-64", audit.FormatELF, "libpthread.so.0", true},
		{"linux-64", audit.FormatELF, "libstdc++.so.6", false}, // libstdcxx
		{"linux-64", audit.FormatELF, "libgcc_s.so.1", false},  // libgcc
		{"linux-64", audit.FormatELF, "libz.so.1", false},
		{"osx-arm64", audit.FormatMachO, "/usr/lib/libSystem.B.dylib", true},
		{"osx-arm64", audit.FormatMachO, "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation", true},
		{"osx-64", audit.FormatMachO, "@rpath/libz.1.dylib", false},
		{"win-64", audit.FormatPE, "KERNEL32.dll", true},
		{"win-64", audit.FormatPE, "api-ms-win-crt-runtime-l1-1-0.dll", true},
		{"win-64", audit.FormatPE, "VCRUNTIME140.dll", false}, // vc14_runtime
		{"win-64", audit.FormatPE, "python312.dll", false},    // the python package
		{"win-64", audit.FormatPE, "zlib.dll", false},
	}
	for _, tt := range tests {
		p := CondaPlatform{tt.format}
		if !p.Claims(tt.subdir) {
			t.Fatalf("%v does not claim %s", tt.format, tt.subdir)
		}
		tg := p.Target(audit.Input{Declared: []string{tt.subdir}, Binaries: []*audit.Binary{{}}})
		if _, got := tg.Promises(nil, tt.need); got != tt.want {
			t.Errorf("%s %s: promised %v, want %v", tt.subdir, tt.need, got, tt.want)
		}
	}
	if (CondaPlatform{audit.FormatELF}).Claims("osx-64") || (CondaPlatform{audit.FormatPE}).Claims("linux-64") {
		t.Error("a platform claims another format's subdir")
	}
}

func TestCondaJudge(t *testing.T) {
	good := &audit.Binary{Member: "lib/libz.so.1", Arch: "x86_64"}
	bad := &audit.Binary{Member: "lib/libarm.so", Arch: "aarch64"}
	r := &audit.Report{}
	CondaPlatform{audit.FormatELF}.Target(audit.Input{Declared: []string{"linux-64"}, Binaries: []*audit.Binary{good}}).Judge(r)
	if r.PlatformTag != "linux-64" || len(r.Findings) != 0 {
		t.Errorf("good: %+v", r)
	}
	r = &audit.Report{}
	CondaPlatform{audit.FormatELF}.Target(audit.Input{Declared: []string{"linux-64"}, Binaries: []*audit.Binary{good, bad}}).Judge(r)
	if r.PlatformTag != "" || len(r.Findings) != 1 || r.Findings[0].Code != "conda/wrong-arch" || r.Findings[0].Member != "lib/libarm.so" {
		t.Errorf("bad: %+v", r)
	}
}

func TestCondaDLLDirs(t *testing.T) {
	win := CondaPlatform{audit.FormatPE}.Target(audit.Input{Declared: []string{"win-64"}, Binaries: []*audit.Binary{{}}})
	dirs := win.(interface{ DLLDirs() []audit.DLLDir }).DLLDirs()
	if len(dirs) == 0 || !slices.ContainsFunc(dirs, func(d audit.DLLDir) bool { return d.Dir == "Library/bin" }) {
		t.Errorf("win-64 DLL dirs %+v", dirs)
	}
	linux := CondaPlatform{audit.FormatELF}.Target(audit.Input{Declared: []string{"linux-64"}, Binaries: []*audit.Binary{{}}})
	if d := linux.(interface{ DLLDirs() []audit.DLLDir }).DLLDirs(); d != nil {
		t.Errorf("linux-64 DLL dirs %+v", d)
	}
}
