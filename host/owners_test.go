package host

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestOwnersSpack finds the Spack install tree of the fixture from the
// paths asked about: no fixed place is configured.
func TestOwnersSpack(t *testing.T) {
	o, problems := ReadOwners(spackFixture)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	const prefix = "/opt/spack/test-debian6-core2/gcc-10.2.1/"
	libelf := Package{Manager: "spack", Name: "libelf", Version: "0.8.13", Arch: "test-debian6-core2"}
	for _, tt := range []struct {
		path string
		want Package
		ok   bool
	}{
		{prefix + "libelf-0.8.13-rqh2vuf6fqwkmipzgi2wjx352mq7y7ez/lib/libelf.so.0", libelf, true},
		{prefix + "libelf-0.8.13-rqh2vuf6fqwkmipzgi2wjx352mq7y7ez/lib/absent.so", libelf, true}, // Spack owns its prefixes, not files
		{prefix + "unknown-1.0-aaaa/lib/libx.so", Package{}, false},
		{"/usr/lib/libz.so.1", Package{}, false},
		{"/opt/spack/.spack-db/index.json", Package{}, false},
	} {
		got, ok := o.Owner(tt.path)
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Owner(%s) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

// TestOwnersProvides asks each kind of database which installed
// packages declare a library, for binaries of an architecture.
func TestOwnersProvides(t *testing.T) {
	for _, tt := range []struct {
		root, soname, arch string
		want               []string // name:arch (manager)
	}{
		{"../testdata/dpkgroot/debian", "libffi.so.8", "x86_64", []string{"libffi8:amd64 (dpkg)"}},
		{"../testdata/dpkgroot/debian", "libffi.so.8", "aarch64", nil},
		{"../testdata/dpkgroot/debian", "libffi.so.8", "", []string{"libffi8:amd64 (dpkg)"}},
		{"../testdata/rpmdb/sqlite", "libbz2.so.1.0", "x86_64", []string{"bzip2-libs:x86_64 (rpm)"}},
		{"../testdata/rpmdb/sqlite", "libbz2.so.1.0", "i686", nil}, // only the (64bit) provide
		{apkFixture, "libz.so.1", "armv7l", []string{"zlib:armv7 (apk)"}},
		{apkFixture, "libz.so.1", "x86_64", nil},
		{pacmanFixture, "libz.so.1", "x86_64", []string{"zlib:x86_64 (pacman)"}},
		{pacmanFixture, "libz.so.1", "i686", nil}, // libz.so=1-64
		{pacmanFixture, "libffi.so.8", "x86_64", []string{"libffi:x86_64 (pacman)"}},
		{pacmanFixture, "libnothing.so.1", "x86_64", nil},
	} {
		o, problems := ReadOwners(tt.root)
		if len(problems) > 0 {
			t.Fatalf("%s: %v", tt.root, problems)
		}
		var got []string
		for _, p := range o.Provides(tt.soname, tt.arch) {
			got = append(got, p.Name+":"+p.Arch+" ("+p.Manager+")")
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Provides(%s, %q) = %v, want %v", tt.root, tt.soname, tt.arch, got, tt.want)
		}
	}
}

// TestOwnersSpackBroken: a Spack tree whose database cannot be read owns
// nothing, and Problems says why.
func TestOwnersSpackBroken(t *testing.T) {
	root := t.TempDir()
	db := filepath.Join(root, "opt/spack/.spack-db/index.json")
	if err := os.MkdirAll(filepath.Dir(db), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(db, []byte("{not json"), 0o644)
	o, problems := ReadOwners(root)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if _, ok := o.Owner("/opt/spack/linux/zlib-1.3-abc/lib/libz.so.1"); ok {
		t.Error("an owner from a broken database")
	}
	if p := o.Problems(); len(p) != 1 || !strings.Contains(p[0].Error(), "index.json") {
		t.Errorf("Problems() = %v", p)
	}
}
