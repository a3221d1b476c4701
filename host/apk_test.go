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

// apkFixture is an excerpt of a real Alpine Linux 3.14 (armv7)
// lib/apk/db/installed; testdata/hostdb/README.md says where it comes
// from.
const apkFixture = "../testdata/hostdb/apk"

func TestApkFixture(t *testing.T) {
	a, err := ReadApk(os.DirFS(apkFixture))
	if err != nil {
		t.Fatal(err)
	}
	pkg := func(name, version string) Package {
		return Package{Manager: "apk", Name: name, Version: version, Arch: "armv7"}
	}
	musl, zlib := pkg("musl", "1.2.2-r3"), pkg("zlib", "1.2.11-r3")
	crypto, ssl := pkg("libcrypto1.1", "1.1.1k-r0"), pkg("libssl1.1", "1.1.1k-r0")
	apk, tls := pkg("apk-tools", "2.12.6-r0"), pkg("libretls", "3.3.3-r2")
	if got, want := a.Packages(), []Package{apk, crypto, tls, ssl, musl, zlib}; !reflect.DeepEqual(got, want) {
		t.Errorf("Packages() = %v, want %v", got, want)
	}
	owners := []struct {
		path string
		want []Package
	}{
		{"/lib/libz.so.1", []Package{zlib}},
		{"lib/libz.so.1.2.11", []Package{zlib}},
		{"/lib/ld-musl-armhf.so.1", []Package{musl}},
		{"/usr/lib/libcrypto.so.1.1", []Package{crypto}},
		{"/lib/libcrypto.so.1.1", []Package{crypto}},
		{"/usr/lib/libtls.so.2.0.0", []Package{tls}},
		{"/sbin/apk", []Package{apk}},
		{"/etc/ssl/openssl.cnf", []Package{crypto}},
		{"/lib", []Package{apk, crypto, ssl, musl, zlib}},
		{"/usr/lib/", []Package{crypto, tls, ssl}},
		{"/usr/lib/libz.so.1", nil}, // Alpine does not merge /usr
		{"/lib/libz.so", nil},
		{"/", nil},
	}
	for _, tt := range owners {
		got := a.Owners(tt.path)
		if len(got) == 0 && len(tt.want) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Owners(%q) = %v, want %v", tt.path, got, tt.want)
		}
		first, ok := a.Owner(tt.path)
		if ok != (len(tt.want) > 0) || ok && first != tt.want[0] {
			t.Errorf("Owner(%q) = %v, %v", tt.path, first, ok)
		}
	}
	providers := []struct {
		soname string
		want   []Package
	}{
		{"libz.so.1", []Package{zlib}},
		{"libc.musl-armv7.so.1", []Package{musl}},
		{"libcrypto.so.1.1", []Package{crypto}},
		{"libtls.so.2", []Package{tls}},
		{"libtls.so.20", []Package{tls}},
		{"libapk.so.3.12.0", []Package{apk}},
		{"apk", nil}, // a cmd: provide
		{"libz.so", nil},
	}
	for _, tt := range providers {
		got := a.Providers(tt.soname)
		if len(got) == 0 && len(tt.want) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Providers(%q) = %v, want %v", tt.soname, got, tt.want)
		}
		first, ok := a.Provider(tt.soname)
		if ok != (len(tt.want) > 0) || ok && first != tt.want[0] {
			t.Errorf("Provider(%q) = %v, %v", tt.soname, first, ok)
		}
	}
	if p := a.Problems(); len(p) != 0 {
		t.Errorf("Problems() = %v", p)
	}
}

func TestApkLayouts(t *testing.T) {
	const db = "P:zlib\nV:1.3.1-r2\nA:x86_64\np:so:libz.so.1=1.3.1\nF:usr/lib\nR:libz.so.1\n"
	tests := []struct {
		name    string
		fs      fstest.MapFS
		want    []Package
		wantErr string
		notObj  bool
	}{
		{name: "wolfi", fs: fstest.MapFS{"usr/lib/apk/db/installed": {Data: []byte(db)}},
			want: []Package{{Manager: "apk", Name: "zlib", Version: "1.3.1-r2", Arch: "x86_64"}}},
		{name: "alpine first", fs: fstest.MapFS{
			"lib/apk/db/installed":     {Data: []byte("P:musl\nV:1.2.5-r9\n")},
			"usr/lib/apk/db/installed": {Data: []byte(db)},
		}, want: []Package{{Manager: "apk", Name: "musl", Version: "1.2.5-r9"}}},
		{name: "empty", fs: fstest.MapFS{"lib/apk/db/installed": {}}},
		{name: "crlf and blank lines", fs: fstest.MapFS{"lib/apk/db/installed": {Data: []byte("\r\n\nP:a\r\nV:1\r\n\n\n\nP:b\n")}},
			want: []Package{{Manager: "apk", Name: "a", Version: "1"}, {Manager: "apk", Name: "b"}}},
		{name: "absent", fs: fstest.MapFS{"etc/os-release": {}}, wantErr: "no apk database", notObj: true},
		{name: "adb", fs: fstest.MapFS{"lib/apk/db/installed": {Data: []byte("ADBd\x00\x00\x00\x00")}}, wantErr: "apk-tools 3 binary database"},
		{name: "no name", fs: fstest.MapFS{"lib/apk/db/installed": {Data: []byte("P:a\n\nV:1\nA:x86_64\n")}}, wantErr: "lib/apk/db/installed:3: package record without a P:"},
		{name: "file first", fs: fstest.MapFS{"lib/apk/db/installed": {Data: []byte("P:a\nR:libz.so.1\n")}}, wantErr: "lib/apk/db/installed:2: file \"libz.so.1\" before any F:"},
		{name: "bad line", fs: fstest.MapFS{"lib/apk/db/installed": {Data: []byte("P:a\nhello\n")}}, wantErr: "lib/apk/db/installed:2: \"hello\" is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ReadApk(tt.fs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ReadApk: %v, want an error containing %q", err, tt.wantErr)
				}
				if errors.Is(err, fs.ErrNotExist) != tt.notObj {
					t.Errorf("errors.Is(%v, fs.ErrNotExist) = %v", err, !tt.notObj)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := a.Packages(); len(got) != len(tt.want) || len(got) > 0 && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Packages() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestApkRootFiles checks that the files of an empty F: line are at the
// root, as apk-tools writes them (apko#1807 got this wrong).
func TestApkRootFiles(t *testing.T) {
	a, err := ReadApk(fstest.MapFS{"lib/apk/db/installed": {Data: []byte("P:a\nV:1\nF:\nR:.PKGINFO-like\nF:/etc/\nR:../etc/x\n")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/.PKGINFO-like", "etc", "etc/x"} {
		if _, ok := a.Owner(p); !ok {
			t.Errorf("Owner(%q) not found", p)
		}
	}
}

func FuzzApkInstalled(f *testing.F) {
	if data, err := os.ReadFile(apkFixture + "/lib/apk/db/installed"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("P:a\nV:1\nF:\nR:x\n\nP:b\np:so:libz.so.1=1 so:libz.so.1\nF:lib\nR:x\n"))
	f.Add([]byte("ADB."))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ReadApk(fstest.MapFS{"lib/apk/db/installed": {Data: data}})
		if err != nil {
			return
		}
		for _, p := range a.Packages() {
			if p.Name == "" || p.Manager != "apk" {
				t.Fatalf("package %+v", p)
			}
		}
		for _, q := range []string{"lib/x", "/x", "", "/", "../x", "lib"} {
			a.Owners(q)
			a.Owner(q)
		}
		a.Providers("libz.so.1")
		a.Provider("libz.so.1")
	})
}
