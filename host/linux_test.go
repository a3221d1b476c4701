package host

import (
	"debug/elf"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The ELF fixtures of package elf: a 64-bit and a 32-bit x86 library.
const (
	lib64 = "../elf/testdata/libfoo.so"
	lib32 = "../elf/testdata/libfoo32.so"
)

// makeRoot builds a host tree: files maps a root-relative path to the
// fixture copied there ("" writes a text file).
func makeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for rel, src := range files {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		data := []byte(src)
		if src != "" && filepath.Ext(src) == ".so" {
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			data = b
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

var x86_64 = Search{Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_X86_64}

func TestSystemDirsFromConf(t *testing.T) {
	root := makeRoot(t, map[string]string{
		"etc/ld.so.conf":               "# comment\ninclude ld.so.conf.d/*.conf\n/opt/extra:/opt/more # trailing\n",
		"etc/ld.so.conf.d/b.conf":      "/usr/lib/x86_64-linux-gnu\n",
		"etc/ld.so.conf.d/a.conf":      "/usr/local/lib\ninclude /etc/ld.so.conf\n", // a loop
		"etc/ld.so.conf.d/ignored.txt": "/nope\n",
	})
	got := NewLinux(Options{Root: root}).SystemDirs()
	want := []string{"/usr/local/lib", "/usr/lib/x86_64-linux-gnu", "/opt/extra", "/opt/more", "/lib", "/lib64", "/usr/lib", "/usr/lib64"}
	if !slices.Equal(got, want) {
		t.Errorf("system dirs %q, want %q", got, want)
	}
	if got := NewLinux(Options{Root: root, LDPaths: []string{"/x"}}).SystemDirs(); !slices.Equal(got, []string{"/x"}) {
		t.Errorf("--ldpaths must replace the system dirs, got %q", got)
	}
}

func TestFind(t *testing.T) {
	root := makeRoot(t, map[string]string{
		"usr/lib/libfoo.so.1":        lib64,
		"lib32/libfoo.so.1":          lib32,
		"opt/rpath/libfoo.so.1":      lib64,
		"opt/env/libfoo.so.1":        lib64,
		"opt/runpath/libbar.so.2":    lib64,
		"usr/lib/libnotelf.so.1":     "",
		"usr/lib/libbar.so.2":        lib64,
		"opt/inherited/libbaz.so.3":  lib64,
		"usr/lib64/libonly64.so.1":   lib64,
		"etc/ld.so.conf":             "/lib32\n",
		"opt/runpath/libfoo.so.1":    lib64,
		"opt/runpathonly/libq.so.1":  lib64,
		"opt/rpathignored/libq.so.1": lib64,
	})
	withEnv := NewLinux(Options{Root: root, LibraryPath: []string{"/opt/env"}})
	noEnv := NewLinux(Options{Root: root})
	tests := []struct {
		env    bool
		name   string
		soname string
		s      Search
		path   string
		step   string
	}{
		{false, "system dir, skipping the 32-bit candidate in ld.so.conf", "libfoo.so.1", x86_64, "/usr/lib/libfoo.so.1", "default directory /usr/lib"},
		{false, "32-bit needs the 32-bit one", "libfoo.so.1", Search{Class: elf.ELFCLASS32, Data: elf.ELFDATA2LSB, Machine: elf.EM_386}, "/lib32/libfoo.so.1", "ld.so.conf /lib32"},
		{true, "RPATH before LD_LIBRARY_PATH", "libfoo.so.1", Search{Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_X86_64, RPath: []string{"/opt/rpath"}}, "/opt/rpath/libfoo.so.1", "RPATH /opt/rpath"},
		{true, "LD_LIBRARY_PATH before RUNPATH", "libfoo.so.1", Search{Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_X86_64, RunPath: []string{"/opt/runpath"}}, "/opt/env/libfoo.so.1", "LD_LIBRARY_PATH /opt/env"},
		{true, "RPATH ignored with RUNPATH", "libq.so.1", Search{Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_X86_64, RPath: []string{"/opt/rpathignored"}, RunPath: []string{"/opt/runpathonly"}}, "/opt/runpathonly/libq.so.1", "RUNPATH /opt/runpathonly"},
		{true, "inherited RPATH", "libbaz.so.3", Search{Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_X86_64, Inherited: []string{"/opt/inherited"}}, "/opt/inherited/libbaz.so.3", "inherited RPATH /opt/inherited"},
		{true, "not an ELF file", "libnotelf.so.1", x86_64, "", ""},
		{true, "absent", "libnothere.so.9", x86_64, "", ""},
		{true, "wrong machine", "libonly64.so.1", Search{Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_AARCH64}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := noEnv
			if tt.env {
				l = withEnv
			}
			lib := l.Find(tt.soname, tt.s)
			switch {
			case tt.path == "" && lib != nil:
				t.Errorf("found %+v, want nothing", lib)
			case tt.path != "" && lib == nil:
				t.Errorf("found nothing, want %s", tt.path)
			case lib != nil && (lib.Path != tt.path || lib.Step != tt.step):
				t.Errorf("found %s by %q, want %s by %q", lib.Path, lib.Step, tt.path, tt.step)
			}
		})
	}
}
