package audit

import (
	"debug/elf"
	"strings"
	"testing"

	velf "github.com/libvet/libvet/elf"
	"github.com/libvet/libvet/host"
)

func TestSearchDirs(t *testing.T) {
	tests := []struct {
		member  string
		entries []string
		want    []searchDir
	}{
		{"pkg/_x.so", []string{"$ORIGIN/../pkg.libs"}, []searchDir{{dir: "pkg.libs", inArtifact: true, step: "RPATH $ORIGIN/../pkg.libs"}}},
		{"pkg/sub/_x.so", []string{"${ORIGIN}"}, []searchDir{{dir: "pkg/sub", inArtifact: true, step: "RPATH ${ORIGIN}"}}},
		{"_x.so", []string{"$ORIGIN/.."}, []searchDir{{dir: "$ORIGIN/..", escapes: true, step: "RPATH $ORIGIN/.."}}},
		{"pkg/_x.so", []string{"/opt/lib", ""}, []searchDir{{dir: "/opt/lib", step: "RPATH /opt/lib"}}},
		{"pkg/_x.so", []string{"$ORIGINAL"}, []searchDir{{dir: "$ORIGINAL", step: "RPATH $ORIGINAL"}}},
	}
	for _, tt := range tests {
		got := searchDirs(tt.member, "RPATH", tt.entries)
		if len(got) != len(tt.want) {
			t.Errorf("searchDirs(%q, %q) = %+v, want %+v", tt.member, tt.entries, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("searchDirs(%q, %q)[%d] = %+v, want %+v", tt.member, tt.entries, i, got[i], tt.want[i])
			}
		}
	}
}

func TestMatchExclude(t *testing.T) {
	tests := []struct {
		patterns     []string
		soname, real string
		wantPat      string
		wantMatched  bool
	}{
		{[]string{"libcuda*"}, "libcudart.so.12", "", "libcuda*", true},
		{[]string{"libffi.so.[4,5]"}, "libffi.so.5", "", "libffi.so.[4,5]", true},
		{[]string{"/opt/cuda/*"}, "libcublas.so.12", "/opt/cuda/libcublas.so.12", "/opt/cuda/*", true},
		{[]string{"libz*"}, "libffi.so.5", "/usr/lib/libffi.so.5", "", false},
		// Python fnmatch: '*' crosses '/', "[!x]" negates.
		{[]string{"*/nvidia/*"}, "libcuda.so.1", "/usr/lib/nvidia/libcuda.so.1", "*/nvidia/*", true},
		{[]string{"libffi.so.[!5]"}, "libffi.so.5", "", "", false},
		{[]string{"libffi.so.[!6]"}, "libffi.so.5", "", "libffi.so.[!6]", true},
		{[]string{"lib[foo.so"}, "lib[foo.so", "", "lib[foo.so", true},
		{[]string{"librocblas.so"}, "librocblas.so.5", "", "", false},
		{[]string{"[^a]"}, "\\", "", "", false},
		{[]string{"[^a]"}, "^", "", "[^a]", true},
		{[]string{"lib[z-a].so"}, "lib[z-a].so", "", "lib[z-a].so", true},
	}
	for _, tt := range tests {
		pat, ok := matchExclude(compileExcludes(tt.patterns), tt.soname, tt.real)
		if pat != tt.wantPat || ok != tt.wantMatched {
			t.Errorf("matchExclude(%q, %q, %q) = %q, %v", tt.patterns, tt.soname, tt.real, pat, ok)
		}
	}
}

// fakeTarget promises libc.so.6 only.
type fakeTarget struct{}

func (fakeTarget) Promises(_ *Binary, s string) (Resolution, bool) {
	return Resolution{Need: s, By: ByPolicy, Detail: "allowed"}, s == "libc.so.6"
}
func (fakeTarget) NotPromised(string) string { return "not allowed" }
func (fakeTarget) Judge(*Report)             {}

// fakeHost has libhost.so.1, which needs libdeep.so.2, which it lacks.
type fakeHost struct{}

func (fakeHost) Find(soname string, s host.Search) *host.Library {
	if soname != "libhost.so.1" {
		return nil
	}
	return &host.Library{Path: "/usr/lib/libhost.so.1", RealPath: "/usr/lib/libhost.so.1.0", Step: "default directory /usr/lib",
		File: &velf.File{Class: s.Class, Data: s.Data, Machine: s.Machine, Needed: []string{"libdeep.so.2", "libc.so.6"}}}
}

func bin(member string, needed []string, rpath, runpath []string) *Binary {
	return &Binary{Member: member, Format: FormatELF, Arch: "x86_64", Machine: "EM_X86_64 64-bit LSB", Needed: needed, RPath: rpath, RunPath: runpath}
}

func TestResolve(t *testing.T) {
	bins := []*Binary{
		// The extension finds its vendored lib through RPATH; the vendored
		// lib has no paths of its own and inherits the extension's RPATH.
		bin("pkg/_ext.so", []string{"libvend-1.so", "libc.so.6", "libpython3.12.so.1.0", "libcuda.so.1"}, []string{"$ORIGIN/../pkg.libs"}, nil),
		bin("pkg.libs/libvend-1.so", []string{"libdep-2.so", "libhost.so.1"}, nil, nil),
		bin("pkg.libs/libdep-2.so", nil, nil, nil),
		// A binary that needs a lib the wheel has, but not on its path.
		bin("pkg/tool.so", []string{"libdep-2.so"}, nil, nil),
	}
	files := map[string]*velf.File{}
	for _, b := range bins {
		files[b.Member] = &velf.File{Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_X86_64}
	}
	l := newLinker(bins, files, []string{"libcuda*"}, fakeTarget{}, FormatELF, fakeHost{})
	ext := l.resolve()

	want := map[string][]Resolution{
		"pkg/_ext.so": {
			{Need: "libvend-1.so", By: ByArtifact, Path: "pkg.libs/libvend-1.so", Detail: "RPATH $ORIGIN/../pkg.libs"},
			{Need: "libc.so.6", By: ByPolicy, Detail: "allowed"},
			{Need: "libpython3.12.so.1.0", By: BySkip},
			{Need: "libcuda.so.1", By: ByExclude},
		},
		"pkg.libs/libvend-1.so": {
			{Need: "libdep-2.so", By: ByArtifact, Path: "pkg.libs/libdep-2.so", Detail: "RPATH of pkg/_ext.so: $ORIGIN/../pkg.libs"},
			{Need: "libhost.so.1", By: ByHost, Path: "/usr/lib/libhost.so.1"},
		},
		"pkg/tool.so": {{Need: "libdep-2.so", By: ByNone}},
	}
	for _, b := range bins {
		for i, w := range want[b.Member] {
			got := b.Resolutions[i]
			if got.Need != w.Need || got.By != w.By || got.Path != w.Path || (w.Detail != "" && got.Detail != w.Detail) {
				t.Errorf("%s: resolution %d = %+v, want %+v", b.Member, i, got, w)
			}
		}
	}
	// tool.so's reason names where the wheel has the library.
	if d := bins[3].Resolutions[0].Detail; !strings.Contains(d, "the artifact has pkg.libs/libdep-2.so, but pkg/tool.so's loader does not search there (no RPATH or RUNPATH)") {
		t.Errorf("reason for a library off the search path: %q", d)
	}
	var names []string
	for _, x := range ext {
		names = append(names, x.Soname+"<-"+strings.Join(x.NeededBy, ","))
	}
	if got, want := strings.Join(names, " "), "libdeep.so.2<-/usr/lib/libhost.so.1 libdep-2.so<-pkg/tool.so libhost.so.1<-pkg.libs/libvend-1.so"; got != want {
		t.Errorf("external libraries %q, want %q", got, want)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		head string
		want Format
	}{
		{"\x7fELF\x02\x01\x01\x00", FormatELF},
		{"MZ\x90\x00\x03\x00\x00\x00", FormatPE},
		{"MZ" + strings.Repeat("\x00", 0x3a) + "\x40\x00\x00\x00PE\x00\x00", FormatPE},
		{"MZ" + strings.Repeat("\x00", 0x3a) + "\x40\x00\x00\x00NE\x00\x00", ""},
		{"MZ is a fine way to start a text file, with more than sixty-four bytes in it", ""},
		{"\xcf\xfa\xed\xfe\x07\x00\x00\x01", FormatMachO},
		{"\xca\xfe\xba\xbe\x00\x00\x00\x02", FormatMachO},
		{"\xca\xfe\xba\xbe\x00\x00\x00\x34", ""}, // a Java class file (major version 52)
		{"#!/usr/bin/env python", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.head)); got != tt.want {
			t.Errorf("Sniff(%q) = %q, want %q", tt.head, got, tt.want)
		}
	}
}

// resolveAll runs the linker over bins with a fake target and host.
func resolveAll(bins ...*Binary) ([]ExternalLib, map[string]*Binary) {
	files := map[string]*velf.File{}
	by := map[string]*Binary{}
	for _, b := range bins {
		files[b.Member] = &velf.File{Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_X86_64}
		by[b.Member] = b
	}
	ext := newLinker(bins, files, nil, fakeTarget{}, FormatELF, fakeHost{}).resolve()
	return ext, by
}

// TestResolveLoaderRules covers glibc's rules for libraries loaded from
// the artifact: inherited DT_RPATH skips, but walks past, a loader with
// DT_RUNPATH; a library already loaded in the same tree satisfies a
// later need by name.
func TestResolveLoaderRules(t *testing.T) {
	t.Run("rpath chain past a runpath loader", func(t *testing.T) {
		ext, by := resolveAll(
			bin("pkg/_ext.so", []string{"liba.so"}, []string{"$ORIGIN/lib"}, nil),
			bin("pkg/lib/liba.so", []string{"libc_.so"}, nil, []string{"$ORIGIN"}),
			bin("pkg/lib/libc_.so", []string{"libd.so"}, nil, nil),
			bin("pkg/lib/libd.so", nil, nil, nil),
		)
		if len(ext) != 0 {
			t.Errorf("external %+v, want none", ext)
		}
		if r := by["pkg/lib/libc_.so"].Resolutions[0]; r.By != ByArtifact || r.Detail != "RPATH of pkg/_ext.so: $ORIGIN/lib" {
			t.Errorf("libd.so: %+v", r)
		}
	})
	t.Run("already loaded", func(t *testing.T) {
		ext, by := resolveAll(
			bin("pkg/_ext.so", []string{"liba.so", "libb.so"}, nil, []string{"$ORIGIN/lib"}),
			bin("pkg/lib/liba.so", []string{"libb.so"}, nil, nil),
			bin("pkg/lib/libb.so", nil, nil, nil),
		)
		if len(ext) != 0 {
			t.Errorf("external %+v, want none", ext)
		}
		if r := by["pkg/lib/liba.so"].Resolutions[0]; r.By != ByArtifact || !strings.HasPrefix(r.Detail, "already loaded for pkg/_ext.so") {
			t.Errorf("libb.so for liba.so: %+v", r)
		}
	})
	t.Run("a top-level binary's own dependency does not count", func(t *testing.T) {
		// ld.so maps _ext.so's needs (libb.so, then liba.so) before
		// liba.so's: libb.so is not found for _ext.so.
		ext, _ := resolveAll(
			bin("pkg/_ext.so", []string{"libb.so", "liba.so"}, nil, []string{"$ORIGIN/a"}),
			bin("pkg/a/liba.so", []string{"libb.so"}, nil, []string{"$ORIGIN/../b"}),
			bin("pkg/b/libb.so", nil, nil, nil),
		)
		if len(ext) != 1 || ext[0].Soname != "libb.so" || ext[0].NeededBy[0] != "pkg/_ext.so" {
			t.Errorf("external %+v, want libb.so needed by pkg/_ext.so", ext)
		}
	})
	t.Run("mapped by a sibling processed earlier", func(t *testing.T) {
		// _ext.so maps liba.so and libx.so; liba.so's needs are processed
		// first and map libc_.so, which libx.so then reuses.
		ext, by := resolveAll(
			bin("pkg/_ext.so", []string{"liba.so", "libx.so"}, nil, []string{"$ORIGIN/lib"}),
			bin("pkg/lib/liba.so", []string{"libc_.so"}, nil, []string{"$ORIGIN/deep"}),
			bin("pkg/lib/libx.so", []string{"libc_.so"}, nil, []string{"$ORIGIN"}),
			bin("pkg/lib/deep/libc_.so", nil, nil, nil),
		)
		if len(ext) != 0 {
			t.Errorf("external %+v, want none", ext)
		}
		if r := by["pkg/lib/libx.so"].Resolutions[0]; !strings.HasPrefix(r.Detail, "already loaded for pkg/lib/liba.so") {
			t.Errorf("libc_.so for libx.so: %+v", r)
		}
	})
	t.Run("mapped by a sibling processed later", func(t *testing.T) {
		// Now libx.so comes first: its needs are processed before liba.so
		// maps libc_.so, so the load fails.
		ext, _ := resolveAll(
			bin("pkg/_ext.so", []string{"libx.so", "liba.so"}, nil, []string{"$ORIGIN/lib"}),
			bin("pkg/lib/liba.so", []string{"libc_.so"}, nil, []string{"$ORIGIN/deep"}),
			bin("pkg/lib/libx.so", []string{"libc_.so"}, nil, []string{"$ORIGIN"}),
			bin("pkg/lib/deep/libc_.so", nil, nil, nil),
		)
		if len(ext) != 1 || ext[0].Soname != "libc_.so" {
			t.Errorf("external %+v, want libc_.so", ext)
		}
	})
	t.Run("not loaded by anyone in the tree", func(t *testing.T) {
		ext, _ := resolveAll(
			bin("pkg/_ext.so", []string{"liba.so"}, nil, []string{"$ORIGIN/lib"}),
			bin("pkg/lib/liba.so", []string{"libb.so"}, nil, nil),
			bin("other/libb.so", nil, nil, nil),
		)
		if len(ext) != 1 || ext[0].Soname != "libb.so" {
			t.Errorf("external %+v, want libb.so", ext)
		}
	})
}

// TestHostSearchRunpathHidesRpath: a binary with only $ORIGIN entries in
// DT_RUNPATH must not have its DT_RPATH searched on the host.
func TestHostSearchRunpathHidesRpath(t *testing.T) {
	b := bin("pkg/_ext.so", []string{"libx.so"}, []string{"/abs/rpath"}, []string{"$ORIGIN"})
	l := newLinker([]*Binary{b}, map[string]*velf.File{b.Member: {Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_X86_64}}, nil, fakeTarget{}, FormatELF, fakeHost{})
	s := l.hostSearch(b)
	if len(s.RPath) != 0 || len(s.Inherited) != 0 {
		t.Errorf("host search %+v: DT_RPATH must be ignored when DT_RUNPATH exists", s)
	}
}
