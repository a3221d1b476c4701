package host

import (
	"reflect"
	"testing"
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
