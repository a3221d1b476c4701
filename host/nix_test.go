package host

import (
	"errors"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// nixFixture is a synthetic Nix store; testdata/hostdb/README.md
// describes it.
const nixFixture = "../testdata/hostdb/nix"

func TestParseNixStorePath(t *testing.T) {
	const h = "0c1z7n4jhl8k7pzl6fpkp2xb5l9d1s8m"
	tests := []struct {
		base string
		want NixStorePath
		ok   bool
	}{
		{h + "-zlib-1.3.1", NixStorePath{Name: "zlib", Version: "1.3.1"}, true},
		{h + "-zlib-1.3.1-dev", NixStorePath{Name: "zlib", Version: "1.3.1", Output: "dev"}, true},
		{h + "-glibc-2.40-66", NixStorePath{Name: "glibc", Version: "2.40-66"}, true},
		{h + "-glibc-2.40-66-bin", NixStorePath{Name: "glibc", Version: "2.40-66", Output: "bin"}, true},
		{h + "-python3.12-numpy-2.1.3", NixStorePath{Name: "python3.12-numpy", Version: "2.1.3"}, true},
		{h + "-gcc-13.3.0-lib", NixStorePath{Name: "gcc", Version: "13.3.0", Output: "lib"}, true},
		{h + "-openssl-3.3.2-man", NixStorePath{Name: "openssl", Version: "3.3.2", Output: "man"}, true},
		{h + "-source", NixStorePath{Name: "source"}, true},
		{h + "-hello-2.12.1.drv", NixStorePath{Name: "hello", Version: "2.12.1.drv"}, true},
		{h + "-x", NixStorePath{Name: "x"}, true},
		{h + "-a-", NixStorePath{Name: "a-"}, true},
		{h + "-a-1", NixStorePath{Name: "a", Version: "1"}, true},
		{h + "--1", NixStorePath{Name: "-1"}, true}, // fuzz: the name is not empty
		{h + "-", NixStorePath{}, false},
		{h, NixStorePath{}, false},
		{"0c1z7n4jhl8k7pzl6fpkp2xb5l9d1s8e-zlib", NixStorePath{}, false}, // 'e' is not in Nix's base 32
		{"0C1Z7N4JHL8K7PZL6FPKP2XB5L9D1S8M-zlib", NixStorePath{}, false},
		{"0c1z7n4jhl8k7pzl6fpkp2xb5l9d1s8_zlib", NixStorePath{}, false},
		{".links", NixStorePath{}, false},
		{"", NixStorePath{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseNixStorePath(tt.base)
		if tt.ok {
			tt.want.Base, tt.want.Hash = tt.base, h
		}
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseNixStorePath(%q) = %+v, %v; want %+v, %v", tt.base, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNixFixture(t *testing.T) {
	n, err := ReadNix(linkFS{os.DirFS(nixFixture), map[string]string{
		"run/current-system": "/nix/store/p8gw2r9s0j1n4v5a6b7c8d9f0g1h2i3j-libvet-shell-env",
		"nix/store/p8gw2r9s0j1n4v5a6b7c8d9f0g1h2i3j-libvet-shell-env/lib": "/nix/store/0c1z7n4jhl8k7pzl6fpkp2xb5l9d1s8m-zlib-1.3.1/lib",
	}})
	if err != nil {
		t.Fatal(err)
	}
	zlib := Package{Manager: "nix", Name: "zlib", Version: "1.3.1"}
	glibc := Package{Manager: "nix", Name: "glibc", Version: "2.40-66"}
	env := Package{Manager: "nix", Name: "libvet-shell-env"}
	if got, want := n.Packages(), []Package{zlib, zlib, glibc, env}; !reflect.DeepEqual(got, want) {
		t.Errorf("Packages() = %v, want %v", got, want)
	}
	var outputs []string
	for _, s := range n.StorePaths() {
		outputs = append(outputs, s.Output)
	}
	if want := []string{"", "dev", "", ""}; !reflect.DeepEqual(outputs, want) {
		t.Errorf("outputs %q, want %q", outputs, want)
	}
	tests := []struct {
		path string
		want Package
		base string
	}{
		{"/nix/store/0c1z7n4jhl8k7pzl6fpkp2xb5l9d1s8m-zlib-1.3.1/lib/libz.so.1.3.1", zlib, "0c1z7n4jhl8k7pzl6fpkp2xb5l9d1s8m-zlib-1.3.1"},
		{"nix/store/0c1z7n4jhl8k7pzl6fpkp2xb5l9d1s8m-zlib-1.3.1", zlib, "0c1z7n4jhl8k7pzl6fpkp2xb5l9d1s8m-zlib-1.3.1"},
		{"/nix/store/7xq2n1xs3m4w0v2l5ajh8jqa3iyb6f9r-zlib-1.3.1-dev/include/zlib.h", zlib, "7xq2n1xs3m4w0v2l5ajh8jqa3iyb6f9r-zlib-1.3.1-dev"},
		{"/nix/store/b1f6b2zd7pv2ajh0n0mgyv8r3wzzsb0y-glibc-2.40-66/lib/libc.so.6", glibc, "b1f6b2zd7pv2ajh0n0mgyv8r3wzzsb0y-glibc-2.40-66"},
		{"/run/current-system/bin/env", env, "p8gw2r9s0j1n4v5a6b7c8d9f0g1h2i3j-libvet-shell-env"},
		{"/run/current-system/lib/libz.so.1.3.1", zlib, "0c1z7n4jhl8k7pzl6fpkp2xb5l9d1s8m-zlib-1.3.1"},
		{"/nix/store/9ijx6c2i6wbd8xf3d5i0zrg4vxmy0h2s-hello-2.12.1.drv", Package{}, ""}, // derivations are skipped
		{"/nix/store/.links/0a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z", Package{}, ""},
		{"/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-absent-1.0/lib/x", Package{}, ""},
		{"/nix/store", Package{}, ""},
		{"/usr/lib/libz.so.1", Package{}, ""},
	}
	for _, tt := range tests {
		got, ok := n.Owner(tt.path)
		if got != tt.want || ok != (tt.base != "") {
			t.Errorf("Owner(%q) = %v, %v; want %v", tt.path, got, ok, tt.want)
		}
		if s, _ := n.StorePath(tt.path); s.Base != tt.base {
			t.Errorf("StorePath(%q) = %q, want %q", tt.path, s.Base, tt.base)
		}
		if owners := n.Owners(tt.path); len(owners) != 0 != ok {
			t.Errorf("Owners(%q) = %v", tt.path, owners)
		}
	}
	if p := n.Problems(); len(p) != 0 {
		t.Errorf("Problems() = %v", p)
	}
}

func TestReadNixErrors(t *testing.T) {
	_, err := ReadNix(fstest.MapFS{"etc/os-release": {}})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "no Nix store") {
		t.Errorf("ReadNix(no store) = %v", err)
	}
	n, err := ReadNix(fstest.MapFS{"nix/store/.links/x": {}})
	if err != nil || len(n.Packages()) != 0 {
		t.Errorf("ReadNix(empty store) = %v, %v", n, err)
	}
}

func FuzzNixStorePath(f *testing.F) {
	f.Add("0c1z7n4jhl8k7pzl6fpkp2xb5l9d1s8m-zlib-1.3.1-dev")
	f.Add("b1f6b2zd7pv2ajh0n0mgyv8r3wzzsb0y-glibc-2.40-66")
	f.Add("0c1z7n4jhl8k7pzl6fpkp2xb5l9d1s8m-a-")
	f.Add(".links")
	f.Fuzz(func(t *testing.T, base string) {
		s, ok := ParseNixStorePath(base)
		if !ok {
			return
		}
		if s.Base != base || len(s.Hash) != nixHashLen || s.Name == "" {
			t.Fatalf("ParseNixStorePath(%q) = %+v", base, s)
		}
		// The parts put back together give the name.
		name := s.Name
		if s.Version != "" {
			name += "-" + s.Version
		}
		if s.Output != "" {
			name += "-" + s.Output
		}
		if s.Hash+"-"+name != base {
			t.Fatalf("ParseNixStorePath(%q) = %+v: parts do not add up", base, s)
		}
	})
}
