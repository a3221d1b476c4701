package conda

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// prefixRecords returns the conda-meta records of testdata/prefix.
func prefixRecords(f *testing.F) [][]byte {
	names, _ := filepath.Glob("../../testdata/prefix/conda-meta/*.json")
	var out [][]byte
	for _, n := range names {
		if data, err := os.ReadFile(n); err == nil {
			out = append(out, data)
		}
	}
	return out
}

// FuzzIndexJSON feeds the same bytes to the parsers of the JSON files
// that hold index fields: index.json, conda-meta records and
// run_exports.json.
func FuzzIndexJSON(f *testing.F) {
	for _, s := range []string{gnuradioIndex, libzlibRecord, `{"name": "a", "version": "1", "build": "0", "noarch": true}`,
		`["libzlib >=1.2.13,<2.0a0"]`, `{"weak": ["a"], "schema_version": 2}`, `{"name": 1}`} {
		f.Add([]byte(s))
	}
	for _, data := range prefixRecords(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if ix, err := ParseIndex(data); err == nil {
			if ix.Name == "" || ix.Version == "" || ix.Build == "" || ix.SchemaVersion < 1 || ix.BuildNumber < 0 {
				t.Fatalf("index %+v", ix)
			}
		} else if !strings.HasPrefix(err.Error(), "info/index.json: ") {
			t.Fatalf("error %q does not name the file", err)
		}
		if r, err := ParsePrefixRecord("r.json", data); err == nil {
			for _, p := range r.Files {
				if checkPath(p) != nil {
					t.Fatalf("bad path %q accepted", p)
				}
			}
			for _, e := range r.PathsData.Paths {
				if checkPath(e.Path) != nil || e.Type == "" || e.FileMode == "" {
					t.Fatalf("paths_data entry %+v", e)
				}
			}
		}
		if re, err := ParseRunExports(data); err == nil && re.SchemaVersion < 1 {
			t.Fatalf("run_exports %+v", re)
		}
	})
}

// FuzzPathsJSON fuzzes info/paths.json and the legacy info/files.
func FuzzPathsJSON(f *testing.F) {
	f.Add([]byte(libffiPaths))
	f.Add([]byte(`{"paths_version": 1, "paths": [{"_path": "a/../b"}]}`))
	f.Add([]byte("lib/a\r\n\nbin/b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := ParsePaths(data); err == nil {
			if p.Version != 1 {
				t.Fatalf("paths_version %d", p.Version)
			}
			for _, e := range p.Paths {
				if checkPath(e.Path) != nil || e.Type == "" || e.FileMode == "" || e.Size < 0 {
					t.Fatalf("entry %+v", e)
				}
			}
		}
		if files, err := ParseFiles(data); err == nil {
			for _, p := range files {
				if checkPath(p) != nil || strings.ContainsAny(p, "\n") {
					t.Fatalf("bad path %q accepted", p)
				}
			}
		}
	})
}

func FuzzSpecName(f *testing.F) {
	for _, s := range []string{"libzlib >=1.2.13,<2.0a0", "conda-forge::numpy 1.26.*", "pkg[version='>=1']",
		"a-1-0.conda", "x[y]::z (w) # c", "]["} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		name := SpecName(spec)
		if strings.ContainsAny(name, " =<>!~:#") || len(name) > len(spec) {
			t.Fatalf("SpecName(%q) = %q", spec, name)
		}
	})
}
