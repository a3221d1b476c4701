package host

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/libvet/libvet/internal/conda"
)

const prefixFixture = "../testdata/prefix"

func TestCondaPrefixFixture(t *testing.T) {
	c, err := ReadCondaPrefix(os.DirFS(prefixFixture))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range c.Records() {
		names = append(names, r.Dist())
	}
	if want := []string{"libffi-3.4.4-debian12_0", "libzlib-1.2.13-debian12_0", "python-3.11.2-debian12_0"}; !reflect.DeepEqual(names, want) {
		t.Errorf("records %q, want %q", names, want)
	}
	libzlib := Package{Manager: "conda", Name: "libzlib", Version: "1.2.13", Arch: "linux-64"}
	libffi := Package{Manager: "conda", Name: "libffi", Version: "3.4.4", Arch: "linux-64"}
	python := Package{Manager: "conda", Name: "python", Version: "3.11.2", Arch: "linux-64"}
	tests := []struct {
		path string
		want Package
		ok   bool
	}{
		{"lib/libz.so.1", libzlib, true},
		{"lib/libz.so.1.2.13", libzlib, true},
		{"/lib/libz.so.1", libzlib, true},
		{"./lib/../lib/libffi.so.8", libffi, true},
		{"lib/libffi.so.8.1.2", libffi, true},
		{"lib/python3.11/site-packages/README.txt", python, true},
		{"LIB/libz.so.1", Package{}, false}, // a Linux environment is case-sensitive
		{"lib", Package{}, false},
		{"README.md", Package{}, false},
		{"conda-meta/history", Package{}, false},
	}
	for _, tt := range tests {
		if got, ok := c.Owner(tt.path); got != tt.want || ok != tt.ok {
			t.Errorf("Owner(%s) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
	if r, ok := c.Record("python"); !ok || !reflect.DeepEqual(r.Depends, []string{"libffi >=3.4,<4.0a0", "libzlib >=1.2.13,<2.0a0"}) {
		t.Errorf("Record(python) = %+v, %v", r, ok)
	}
	if _, ok := c.Record("numpy"); ok {
		t.Error("Record(numpy) found")
	}
	for _, dep := range []string{"libffi >=3.4,<4.0a0", "libzlib >=1.2.13,<2.0a0"} {
		if _, ok := c.Record(conda.SpecName(dep)); !ok {
			t.Errorf("python's dependency %q is not installed", dep)
		}
	}
}

// TestCondaPrefixFixtureConsistent checks that every path of the
// fixture's records exists with the recorded size and hash (of the
// target, for a softlink), and that every file outside conda-meta is
// owned, except the README.
func TestCondaPrefixFixtureConsistent(t *testing.T) {
	c, err := ReadCondaPrefix(os.DirFS(prefixFixture))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range c.Records() {
		if len(r.PathsData.Paths) != len(r.Files) {
			t.Errorf("%s: %d files, %d paths_data entries", r.Dist(), len(r.Files), len(r.PathsData.Paths))
		}
		for i, p := range r.PathsData.Paths {
			if p.Path != r.Files[i] {
				t.Errorf("%s: paths_data[%d] is %s, files[%d] is %s", r.Dist(), i, p.Path, i, r.Files[i])
			}
			full := filepath.Join(prefixFixture, filepath.FromSlash(p.Path))
			fi, err := os.Lstat(full)
			if err != nil {
				t.Error(err)
				continue
			}
			if (fi.Mode()&fs.ModeSymlink != 0) != (p.Type == conda.Softlink) {
				t.Errorf("%s: %s is %v, recorded as %s", r.Dist(), p.Path, fi.Mode(), p.Type)
			}
			data, err := os.ReadFile(full)
			if err != nil {
				t.Error(err)
				continue
			}
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) != p.SHA256 || int64(len(data)) != p.Size {
				t.Errorf("%s: %s does not match its sha256 or size", r.Dist(), p.Path)
			}
		}
	}
	filepath.WalkDir(prefixFixture, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(prefixFixture, p)
		rel = filepath.ToSlash(rel)
		if err != nil || d.IsDir() || strings.HasPrefix(rel, "conda-meta/") || rel == "README.md" {
			return err
		}
		if _, ok := c.Owner(rel); !ok {
			t.Errorf("%s has no owner", rel)
		}
		return nil
	})
}

func TestCondaPrefixWindows(t *testing.T) {
	rec := func(name, subdir string, files ...string) *fstest.MapFile {
		data := `{"name": "` + name + `", "version": "1.0", "build": "h0_0", "subdir": "` + subdir + `", "files": ["` + strings.Join(files, `", "`) + `"]}`
		return &fstest.MapFile{Data: []byte(data)}
	}
	root := fstest.MapFS{
		"conda-meta/history":                   {},
		"conda-meta/zlib-1.0-h0_0.json":        rec("zlib", "win-64", "Library/bin/zlib.dll", "Library/include/zlib.h"),
		"conda-meta/zlib-wapi-1.0-h0_0.json":   rec("zlib-wapi", "win-64", "Library/bin/ZLIB.dll"), // clobbers zlib's
		"conda-meta/tzdata-1.0-h0_0.json":      rec("tzdata", "noarch", "share/zoneinfo/UTC"),
		"conda-meta/._tzdata-1.0-h0_0.json":    {Data: []byte("\x00\x05\x16\x07 AppleDouble")},
		"conda-meta/notes.txt":                 {Data: []byte("not a record")},
		"conda-meta/frozen":                    {},
		"conda-meta/broken-dir.json/ignored":   {},
		"Library/bin/zlib.dll":                 {},
		"conda-meta/state":                     {Data: []byte(`{"env_vars": {}}`)},
		"Library/include/zlib.h":               {},
		"share/zoneinfo/UTC":                   {},
		"conda-meta/zzz-not-a-record.json.bak": {},
	}
	c, err := ReadCondaPrefix(root)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Records()); n != 3 {
		t.Errorf("%d records, want 3", n)
	}
	zlib := Package{Manager: "conda", Name: "zlib", Version: "1.0", Arch: "win-64"}
	wapi := Package{Manager: "conda", Name: "zlib-wapi", Version: "1.0", Arch: "win-64"}
	for _, p := range []string{"Library/bin/zlib.dll", `library\BIN\Zlib.DLL`, "/LIBRARY/BIN/ZLIB.DLL"} {
		if got := c.Owners(p); !reflect.DeepEqual(got, []Package{zlib, wapi}) {
			t.Errorf("Owners(%s) = %v", p, got)
		}
	}
	if got, ok := c.Owner("SHARE/ZONEINFO/utc"); !ok || got.Name != "tzdata" {
		t.Errorf("Owner of a noarch file in a Windows environment = %v, %v", got, ok)
	}
}

func TestReadCondaPrefixErrors(t *testing.T) {
	tests := []struct {
		name string
		root fstest.MapFS
		msg  string
	}{
		{"no history", fstest.MapFS{"conda-meta/a-1-0.json": {Data: []byte(`{}`)}}, "not a conda environment: conda-meta/history does not exist"},
		{"broken JSON", fstest.MapFS{
			"conda-meta/history":    {},
			"conda-meta/a-1-0.json": {Data: []byte("{\n  \"name\": \"a\",\n  \"files\": [\"x\",]\n}")},
		}, "conda-meta/a-1-0.json: line 3, column 17: invalid character ']'"},
		{"missing name", fstest.MapFS{
			"conda-meta/history":    {},
			"conda-meta/a-1-0.json": {Data: []byte(`{"version": "1", "build": "0"}`)},
		}, "conda-meta/a-1-0.json: missing name"},
		{"escaping path", fstest.MapFS{
			"conda-meta/history":    {},
			"conda-meta/a-1-0.json": {Data: []byte(`{"name": "a", "version": "1", "build": "0", "files": ["../../etc/passwd"]}`)},
		}, `conda-meta/a-1-0.json: files[0]: "../../etc/passwd" is not a relative path inside the package`},
	}
	for _, tt := range tests {
		_, err := ReadCondaPrefix(tt.root)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.msg)
		}
	}
	if _, err := ReadCondaPrefix(fstest.MapFS{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
}
