package host

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// homebrewFixture is a synthetic Homebrew prefix, opt/homebrew, with
// three kegs; testdata/hostdb/README.md says where the receipts come
// from. Git does not keep the links that Homebrew makes, so the tests
// add them with linkFS.
const homebrewFixture = "../testdata/hostdb/homebrew"

// linkFS adds symbolic links to a file system: links maps a path to its
// target, as ReadLink returns it.
type linkFS struct {
	fs.FS
	links map[string]string
}

func (l linkFS) ReadLink(name string) (string, error) {
	if t, ok := l.links[name]; ok {
		return t, nil
	}
	return "", &fs.PathError{Op: "readlink", Path: name, Err: errors.New("not a symbolic link")}
}

// brewLinks are the links that brew link and the opt links would make
// for the fixture's kegs.
var brewLinks = map[string]string{
	"opt/homebrew/opt/zlib":                                    "../Cellar/zlib/1.3.1",
	"opt/homebrew/opt/libpng":                                  "../Cellar/libpng/1.6.44",
	"opt/homebrew/Cellar/zlib/1.3.1/lib/libz.1.dylib":          "libz.1.3.1.dylib",
	"opt/homebrew/lib/libz.1.dylib":                            "../Cellar/zlib/1.3.1/lib/libz.1.dylib",
	"opt/homebrew/lib/libpng16.16.dylib":                       "/opt/homebrew/Cellar/libpng/1.6.44/lib/libpng16.16.dylib",
	"opt/homebrew/bin/foo":                                     "../../../../opt/homebrew/Cellar/foo/2.14/bin/foo",
	"opt/homebrew/lib/loop":                                    "loop",
	"opt/homebrew/lib/escape":                                  "../../../../../../opt/homebrew/Cellar/zlib/1.3.1",
	"usr/local/lib/libz.dylib":                                 "/opt/homebrew/opt/zlib/lib/libz.1.dylib",
	"opt/homebrew/Cellar/libpng/1.6.44/lib/libpng.dylib":       "libpng16.16.dylib",
	"opt/homebrew/Cellar/libpng/1.6.44/lib/libpng16.dylib":     "libpng16.16.dylib",
	"opt/homebrew/Cellar/libpng/1.6.44/lib/libpng16.16.dylib2": "../../../zlib/1.3.1/lib/libz.1.3.1.dylib",
}

func TestHomebrewFixture(t *testing.T) {
	h, err := ReadHomebrew(linkFS{os.DirFS(homebrewFixture), brewLinks})
	if err != nil {
		t.Fatal(err)
	}
	foo := Package{Manager: "homebrew", Name: "foo", Version: "2.14"}
	png := Package{Manager: "homebrew", Name: "libpng", Version: "1.6.44", Arch: "arm64"}
	zlib := Package{Manager: "homebrew", Name: "zlib", Version: "1.3.1"}
	if got, want := h.Packages(), []Package{foo, png, zlib}; !reflect.DeepEqual(got, want) {
		t.Errorf("Packages() = %v, want %v", got, want)
	}
	wantKegs := []BrewKeg{
		{Package: foo, Path: "opt/homebrew/Cellar/foo/2.14", InstalledOnRequest: true,
			RuntimeDependencies: []BrewDependency{{FullName: "foo", Version: "1.0"}}},
		{Package: png, Path: "opt/homebrew/Cellar/libpng/1.6.44",
			RuntimeDependencies: []BrewDependency{{FullName: "zlib", Version: "1.3.1", PkgVersion: "1.3.1"}}},
		{Package: zlib, Path: "opt/homebrew/Cellar/zlib/1.3.1"},
	}
	if got := h.Kegs(); !reflect.DeepEqual(got, wantKegs) {
		t.Errorf("Kegs() = %+v\nwant %+v", got, wantKegs)
	}
	tests := []struct {
		path string
		want Package
		ok   bool
	}{
		{"/opt/homebrew/Cellar/zlib/1.3.1/lib/libz.1.3.1.dylib", zlib, true},
		{"opt/homebrew/Cellar/zlib/1.3.1/lib/libz.1.dylib", zlib, true},
		{"opt/homebrew/Cellar/zlib/1.3.1", zlib, true},
		{"/opt/homebrew/opt/zlib/lib/libz.1.dylib", zlib, true},
		{"/opt/homebrew/lib/libz.1.dylib", zlib, true},
		{"/opt/homebrew/lib/libpng16.16.dylib", png, true},
		{"/opt/homebrew/opt/libpng/lib/libpng.dylib", png, true},
		{"/opt/homebrew/bin/foo", foo, true},
		{"/opt/homebrew/lib/escape/lib/x", zlib, true},                           // ".." stops at the root
		{"/usr/local/lib/libz.dylib", zlib, true},                                // a link from another prefix
		{"opt/homebrew/Cellar/libpng/1.6.44/lib/libpng16.16.dylib2", zlib, true}, // the real path wins
		{"/opt/homebrew/Cellar/zlib", Package{}, false},
		{"/opt/homebrew/Cellar/zlib/1.2.13/lib/libz.dylib", Package{}, false}, // no such keg
		{"/opt/homebrew/lib/loop", Package{}, false},
		{"/opt/homebrew/lib", Package{}, false},
		{"/usr/lib/libSystem.B.dylib", Package{}, false},
		{"", Package{}, false},
	}
	for _, tt := range tests {
		got, ok := h.Owner(tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Owner(%q) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
		if owners := h.Owners(tt.path); len(owners) != 0 != tt.ok || tt.ok && owners[0] != tt.want {
			t.Errorf("Owners(%q) = %v", tt.path, owners)
		}
	}
	if p := h.Problems(); len(p) != 0 {
		t.Errorf("Problems() = %v", p)
	}
}

// TestHomebrewDirFS checks the links of a real directory, read through
// os.DirFS, when the Go release gives it a ReadLink method.
func TestHomebrewDirFS(t *testing.T) {
	dir := t.TempDir()
	keg := filepath.Join(dir, "home/linuxbrew/.linuxbrew/Cellar/zlib/1.3.1_1/lib")
	if err := os.MkdirAll(keg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(keg, "libz.so.1.3.1"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(dir, "home/linuxbrew/.linuxbrew/lib")
	if err := os.MkdirAll(lib, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../Cellar/zlib/1.3.1_1/lib/libz.so.1.3.1", filepath.Join(lib, "libz.so.1")); err != nil {
		t.Skip(err)
	}
	root := os.DirFS(dir)
	if _, ok := root.(readLinkFS); !ok {
		t.Skip("os.DirFS has no ReadLink before Go 1.25")
	}
	h, err := ReadHomebrew(root)
	if err != nil {
		t.Fatal(err)
	}
	want := Package{Manager: "homebrew", Name: "zlib", Version: "1.3.1_1"}
	if got, ok := h.Owner("/home/linuxbrew/.linuxbrew/lib/libz.so.1"); !ok || got != want {
		t.Errorf("Owner = %v, %v; want %v", got, ok, want)
	}
}

func TestHomebrewProblems(t *testing.T) {
	root := fstest.MapFS{
		"usr/local/Cellar/zlib/1.3.1/INSTALL_RECEIPT.json":       {Data: []byte(`{"runtime_dependencies": 3}`)},
		"usr/local/Cellar/ncurses/6.5/INSTALL_RECEIPT.json":      {Data: []byte(`{"installed_on_request": null, "runtime_dependencies": null}`)},
		"usr/local/Cellar/.keepme":                               {},
		"usr/local/Cellar/readme.txt":                            {},
		"usr/local/Cellar/ncurses/.DS_Store":                     {},
		"opt/homebrew/Cellar/openssl@3/3.4.0/lib/libssl.3.dylib": {},
	}
	h, err := ReadHomebrew(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range h.Kegs() {
		names = append(names, k.Path)
	}
	if want := []string{"opt/homebrew/Cellar/openssl@3/3.4.0", "usr/local/Cellar/ncurses/6.5", "usr/local/Cellar/zlib/1.3.1"}; !reflect.DeepEqual(names, want) {
		t.Errorf("kegs %q, want %q", names, want)
	}
	if p := h.Problems(); len(p) != 1 || !strings.Contains(p[0].Error(), "usr/local/Cellar/zlib/1.3.1/INSTALL_RECEIPT.json: json: cannot unmarshal") {
		t.Errorf("Problems() = %v", p)
	}
	// Without ReadLink, paths are taken as they are.
	if got, ok := h.Owner("/opt/homebrew/Cellar/openssl@3/3.4.0/lib/libssl.3.dylib"); !ok || got.Name != "openssl@3" {
		t.Errorf("Owner(libssl) = %v, %v", got, ok)
	}
	if _, ok := h.Owner("/opt/homebrew/opt/openssl@3/lib/libssl.3.dylib"); ok {
		t.Error("Owner resolved a link without ReadLink")
	}
	_, err = ReadHomebrew(fstest.MapFS{"usr/local/bin/python3": {}})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "no Homebrew installation") {
		t.Errorf("ReadHomebrew(no Cellar) = %v", err)
	}
}

func TestResolveIn(t *testing.T) {
	fsys := linkFS{fstest.MapFS{}, map[string]string{
		"a":       "b/c",
		"b/c":     "/d",
		"d/e":     "../../../f",
		"x":       "x",
		"abs/dot": "/",
		"rel/up":  "..",
	}}
	tests := []struct{ in, want string }{
		{"a", "d"},
		{"/a/e", "f"},
		{"a/e/g", "f/g"},
		{"a/../a/e", "f"}, // lexical "..", as path.Clean does first
		{"x/y", "x/y"},    // a loop: taken as it is
		{"abs/dot/a", "d"},
		{"rel/up/a", "d"},
		{"/", ""},
		{"", ""},
		{"plain/file", "plain/file"},
	}
	for _, tt := range tests {
		if got := resolveIn(fsys, tt.in); got != tt.want {
			t.Errorf("resolveIn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := resolveIn(fstest.MapFS{}, "/a/../b/"); got != "b" {
		t.Errorf("resolveIn without links = %q", got)
	}
}
