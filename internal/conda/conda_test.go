package conda

import (
	"reflect"
	"strings"
	"testing"
)

// Real metadata, read with the search tool from public repositories:
//
//   - gnuradioIndex: info/index.json of conda-forge's gnuradio-satellites
//     4.3.1 py38hf0e3c0a_1 (win-64), as committed in yaatcha/gr-iridium;
//     it has the deprecated arch/platform keys and license keys, which
//     are ignored.
//   - libzlibRecord: conda-meta/libzlib-1.3.1-h8359307_2.json (osx-arm64)
//     from conda's test data (conda/conda
//     tests/data/env_metadata/envpy313tosx_whl), extracted_package_dir
//     and package_tarball_full_path shortened.
//   - libffiPaths: two entries of the paths_data of conda's
//     libffi-3.4.2-h3422bc3_5 record from the same directory, as a
//     paths.json: a binary file with a prefix placeholder and a softlink.
const gnuradioIndex = `{
  "arch": "x86_64",
  "build": "py38hf0e3c0a_1",
  "build_number": 1,
  "depends": [
    "construct >=2.9",
    "gnuradio-core >=3.9.3.0,<3.9.4.0a0",
    "gnuradio-zeromq",
    "log4cpp >=1.1.3,<1.2.0a0",
    "matplotlib-base",
    "numpy",
    "python >=3.8,<3.9.0a0",
    "python_abi 3.8.* *_cp38",
    "pyyaml",
    "requests",
    "vc >=14.1,<15.0a0",
    "volk >=2.5.0,<2.6.0a0",
    "vs2015_runtime >=14.16.27012"
  ],
  "license": "GPL-3.0-or-later",
  "license_family": "GPL",
  "name": "gnuradio-satellites",
  "platform": "win",
  "subdir": "win-64",
  "timestamp": 1641414341978,
  "version": "4.3.1"
}`

const libzlibRecord = `{
  "build": "h8359307_2",
  "build_number": 2,
  "channel": "https://conda.anaconda.org/conda-forge/osx-arm64",
  "constrains": [
    "zlib 1.3.1 *_2"
  ],
  "depends": [
    "__osx >=11.0"
  ],
  "extracted_package_dir": "/Users/x/pkgs/libzlib-1.3.1-h8359307_2",
  "features": "",
  "files": [
    "lib/libz.1.3.1.dylib",
    "lib/libz.1.dylib"
  ],
  "fn": "libzlib-1.3.1-h8359307_2.conda",
  "license": "Zlib",
  "license_family": "Other",
  "link": {
    "source": "/Users/x/pkgs/libzlib-1.3.1-h8359307_2",
    "type": 1
  },
  "md5": "369964e85dc26bfe78f41399b366c435",
  "name": "libzlib",
  "package_tarball_full_path": "/Users/x/pkgs/libzlib-1.3.1-h8359307_2.conda",
  "paths_data": {
    "paths": [
      {
        "_path": "lib/libz.1.3.1.dylib",
        "path_type": "hardlink",
        "sha256": "8c4e93dc34974bc403b89280cd6d7d31ee7e0f83db50bf1a7002e4ac62d5062d",
        "sha256_in_prefix": "8c4e93dc34974bc403b89280cd6d7d31ee7e0f83db50bf1a7002e4ac62d5062d",
        "size_in_bytes": 124048
      },
      {
        "_path": "lib/libz.1.dylib",
        "path_type": "softlink",
        "sha256": "8c4e93dc34974bc403b89280cd6d7d31ee7e0f83db50bf1a7002e4ac62d5062d",
        "size_in_bytes": 124048
      }
    ],
    "paths_version": 1
  },
  "requested_spec": "None",
  "sha256": "ce34669eadaba351cd54910743e6a2261b67009624dbc7daeeafdef93616711b",
  "size": 46438,
  "subdir": "osx-arm64",
  "timestamp": 1727963202283,
  "track_features": "",
  "url": "https://conda.anaconda.org/conda-forge/osx-arm64/libzlib-1.3.1-h8359307_2.conda",
  "version": "1.3.1"
}`

const libffiPaths = `{
  "paths": [
    {
      "_path": "lib/libffi.8.dylib",
      "file_mode": "binary",
      "path_type": "hardlink",
      "prefix_placeholder": "/Users/runner/miniforge3/conda-bld/libffi_1636488416706/_h_env_placehold_placehold_placehold_placehold_placehold_placehold_placehold_placehold_placehold_placehold_placehold_placehold_placehold_placehold_placehold_placehold_placehold_placehold_placehold_pl",
      "sha256": "4b9d295a8ad6318f75f093b4d9e9e10aa55928e1b8154e6faacb59dc063d80a7",
      "size_in_bytes": 120496
    },
    {
      "_path": "lib/libffi.dylib",
      "path_type": "softlink",
      "sha256": "4b9d295a8ad6318f75f093b4d9e9e10aa55928e1b8154e6faacb59dc063d80a7",
      "size_in_bytes": 120496
    },
    {
      "_path": "share/man/man3/ffi.3",
      "sha256": "aa4730e114c305943a2226a524ed8447dc6b66a184523999868e5433c2c9de74",
      "size_in_bytes": 850
    }
  ],
  "paths_version": 1
}`

func TestParseIndex(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Index
	}{
		{"gnuradio-satellites (real)", gnuradioIndex, Index{
			SchemaVersion: 1, Name: "gnuradio-satellites", Version: "4.3.1", Build: "py38hf0e3c0a_1", BuildNumber: 1,
			Depends: []string{
				"construct >=2.9", "gnuradio-core >=3.9.3.0,<3.9.4.0a0", "gnuradio-zeromq", "log4cpp >=1.1.3,<1.2.0a0",
				"matplotlib-base", "numpy", "python >=3.8,<3.9.0a0", "python_abi 3.8.* *_cp38", "pyyaml", "requests",
				"vc >=14.1,<15.0a0", "volk >=2.5.0,<2.6.0a0", "vs2015_runtime >=14.16.27012",
			},
			Subdir: "win-64", Timestamp: 1641414341978,
		}},
		{"CEP 34 noarch python", `{"schema_version": 2, "name": "six", "version": "1.16.0", "build": "pyhd8ed1ab_0",
			"build_number": 0, "depends": ["python"], "constrains": [], "subdir": "noarch", "noarch": "python", "track_features": ""}`,
			Index{SchemaVersion: 2, Name: "six", Version: "1.16.0", Build: "pyhd8ed1ab_0", Depends: []string{"python"}, Constrains: []string{}, Subdir: "noarch", Noarch: NoarchPython}},
		{"old boolean noarch", `{"name": "a", "version": "1", "build": "0", "noarch": true}`,
			Index{SchemaVersion: 1, Name: "a", Version: "1", Build: "0", Noarch: NoarchGeneric}},
		{"null noarch and depends", `{"name": "a", "version": "1", "build": "0", "noarch": null, "depends": null}`,
			Index{SchemaVersion: 1, Name: "a", Version: "1", Build: "0"}},
	}
	for _, tt := range tests {
		got, err := ParseIndex([]byte(tt.in))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("%s:\ngot  %#v\nwant %#v", tt.name, *got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		parse func([]byte) error
		in    string
		msg   string
	}{
		{parseIndex, `{"name": "a", "version": "1"}`, "info/index.json: missing build"},
		{parseIndex, "{\n  \"name\": \"a\",\n  \"build_number\": \"1\"\n}", "info/index.json: line 3, column 21: json: cannot unmarshal string"},
		{parseIndex, `{"name": "a", "version": "1", "build": "0", "noarch": "wheel"}`, `noarch "wheel" is neither`},
		{parseIndex, `{"name": "a", "version": "1", "build": "0", "noarch": 1}`, "noarch is 1, want a string"},
		{parseIndex, `{"name": "a", "version": "1", "build": "0", "depends": [">=1"]}`, `depends[0]: ">=1" names no package`},
		{parseIndex, `{"name": "a", "version": "1", "build": "0", "build_number": -1}`, "negative build_number"},
		{parseIndex, `{"name": "a",`, "info/index.json: line 1, column 13: unexpected end of JSON input"},
		{parseIndex, `[]`, "cannot unmarshal array"},
		{parsePaths, `{"paths": []}`, "info/paths.json: paths_version 0 is not 1"},
		{parsePaths, `{"paths_version": 2, "paths": []}`, "paths_version 2 is not 1"},
		{parsePaths, `{"paths_version": 1, "paths": [{"_path": "../etc/passwd"}]}`, `paths[0]: "../etc/passwd" is not a relative path`},
		{parsePaths, `{"paths_version": 1, "paths": [{"_path": "/etc/passwd"}]}`, "is not a relative path"},
		{parsePaths, `{"paths_version": 1, "paths": [{"_path": "a/../../b"}]}`, "is not a relative path"},
		{parsePaths, `{"paths_version": 1, "paths": [{"sha256": "x"}]}`, "paths[0]: empty path"},
		{parsePaths, `{"paths_version": 1, "paths": [{"_path": "a", "size_in_bytes": -1}]}`, "negative size_in_bytes"},
		{parseFiles, "lib/a\n/abs\n", "info/files: line 2: \"/abs\" is not a relative path"},
		{parseFiles, "lib/a\nLib\\..\\..\\x\n", "info/files: line 2: \"Lib\\\\..\\\\..\\\\x\" is not a relative path"},
		{parseFiles, "C:/x\n", "info/files: line 1: \"C:/x\" is not a relative path"},
		{parseFiles, "\\\\host\\x\n", "is not a relative path"},
		{parseRunExports, `"weak"`, "info/run_exports.json: want a JSON list or object"},
		{parseRunExports, `{"weak": "a"}`, "cannot unmarshal string"},
		{parseRunExports, `{"strong": ["libgcc-ng >=12", ""]}`, `strong[1]: "" names no package`},
		{parseRecord, `{"name": "a", "version": "1", "build": "0", "files": ["../x"]}`, `conda-meta/a-1-0.json: files[0]: "../x" is not`},
		{parseRecord, `{"name": "a", "version": "1", "build": "0", "paths_data": {"paths": [{"_path": "x"}]}}`, "conda-meta/a-1-0.json: paths_data: paths_version 0"},
		{parseRecord, `{"name": "a", "version": "1", "build": "0", "files": [1]}`, "conda-meta/a-1-0.json: line 1, column 55: json: cannot unmarshal number"},
	}
	for _, tt := range tests {
		err := tt.parse([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("parsing %q: error %v, want one containing %q", tt.in, err, tt.msg)
		}
	}
}

func parseIndex(b []byte) error      { _, err := ParseIndex(b); return err }
func parsePaths(b []byte) error      { _, err := ParsePaths(b); return err }
func parseFiles(b []byte) error      { _, err := ParseFiles(b); return err }
func parseRunExports(b []byte) error { _, err := ParseRunExports(b); return err }
func parseRecord(b []byte) error {
	_, err := ParsePrefixRecord("conda-meta/a-1-0.json", b)
	return err
}

func TestParsePaths(t *testing.T) {
	got, err := ParsePaths([]byte(libffiPaths))
	if err != nil {
		t.Fatal(err)
	}
	want := []PathEntry{
		{Path: "lib/libffi.8.dylib", Type: Hardlink, FileMode: "binary", PrefixPlaceholder: "/Users/runner/miniforge3/conda-bld/libffi_1636488416706/_h_env" + strings.Repeat("_placehold", 19) + "_pl",
			SHA256: "4b9d295a8ad6318f75f093b4d9e9e10aa55928e1b8154e6faacb59dc063d80a7", Size: 120496},
		{Path: "lib/libffi.dylib", Type: Softlink, FileMode: "text", SHA256: "4b9d295a8ad6318f75f093b4d9e9e10aa55928e1b8154e6faacb59dc063d80a7", Size: 120496},
		{Path: "share/man/man3/ffi.3", Type: Hardlink, FileMode: "text", SHA256: "aa4730e114c305943a2226a524ed8447dc6b66a184523999868e5433c2c9de74", Size: 850},
	}
	if got.Version != 1 || !reflect.DeepEqual(got.Paths, want) {
		t.Errorf("got  %#v\nwant %#v", got.Paths, want)
	}
}

func TestParseFiles(t *testing.T) {
	got, err := ParseFiles([]byte("Lib/site-packages/satellites/__init__.py\r\nLibrary/bin/gr_satellites.dll\n\nbin/x\n"))
	want := []string{"Lib/site-packages/satellites/__init__.py", "Library/bin/gr_satellites.dll", "bin/x"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	if got, err := ParseFiles(nil); err != nil || got != nil {
		t.Errorf("empty file: %q, %v", got, err)
	}
}

func TestParseRunExports(t *testing.T) {
	tests := []struct {
		in   string
		want RunExports
	}{
		// gnuradio-satellites 4.3.1 (real, see gnuradioIndex).
		{`{"weak": ["gnuradio-satellites >=4.3.1,<4.4.0a0"]}`, RunExports{SchemaVersion: 1, Weak: []string{"gnuradio-satellites >=4.3.1,<4.4.0a0"}}},
		// The list form of old packages.
		{` ["libzlib >=1.2.13,<2.0a0"]`, RunExports{SchemaVersion: 1, Weak: []string{"libzlib >=1.2.13,<2.0a0"}}},
		{`{"schema_version": 2, "strong": ["libgcc-ng >=12"], "weak_constrains": ["a"], "strong_constrains": ["b"], "noarch": ["python"], "other": 1}`,
			RunExports{SchemaVersion: 2, Strong: []string{"libgcc-ng >=12"}, WeakConstrains: []string{"a"}, StrongConstrains: []string{"b"}, Noarch: []string{"python"}}},
		{`{}`, RunExports{SchemaVersion: 1}},
	}
	for _, tt := range tests {
		got, err := ParseRunExports([]byte(tt.in))
		if err != nil || !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("ParseRunExports(%s) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
}

func TestParsePrefixRecord(t *testing.T) {
	r, err := ParsePrefixRecord("conda-meta/libzlib-1.3.1-h8359307_2.json", []byte(libzlibRecord))
	if err != nil {
		t.Fatal(err)
	}
	wantIndex := Index{Name: "libzlib", Version: "1.3.1", Build: "h8359307_2", BuildNumber: 2,
		Depends: []string{"__osx >=11.0"}, Constrains: []string{"zlib 1.3.1 *_2"}, Subdir: "osx-arm64", Timestamp: 1727963202283}
	if !reflect.DeepEqual(r.Index, wantIndex) {
		t.Errorf("index %#v, want %#v", r.Index, wantIndex)
	}
	if r.Channel != "https://conda.anaconda.org/conda-forge/osx-arm64" || r.Fn != "libzlib-1.3.1-h8359307_2.conda" ||
		r.MD5 != "369964e85dc26bfe78f41399b366c435" || r.Size != 46438 || r.License != "Zlib" ||
		r.URL != "https://conda.anaconda.org/conda-forge/osx-arm64/libzlib-1.3.1-h8359307_2.conda" {
		t.Errorf("record %+v", r)
	}
	if !reflect.DeepEqual(r.Files, []string{"lib/libz.1.3.1.dylib", "lib/libz.1.dylib"}) {
		t.Errorf("files %q", r.Files)
	}
	if p := r.PathsData.Paths; len(p) != 2 || p[1].Type != Softlink || p[0].SHA256InPrefix != p[0].SHA256 || p[0].Size != 124048 {
		t.Errorf("paths_data %+v", r.PathsData)
	}
	if r.Dist() != "libzlib-1.3.1-h8359307_2" {
		t.Errorf("Dist() = %q", r.Dist())
	}
	// A record without paths_data is fine.
	if _, err := ParsePrefixRecord("x.json", []byte(`{"name": "a", "version": "1", "build": "0", "files": []}`)); err != nil {
		t.Error(err)
	}
}

func TestSpecName(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"libzlib >=1.2.13,<2.0a0", "libzlib"},
		{"conda-forge::numpy 1.26.*", "numpy"},
		{"python_abi 3.12.* *_cp312", "python_abi"},
		{"pkg[version='>=1']", "pkg"},
		{"numpy", "numpy"},
		{"numpy>=1.20", "numpy"},
		{"numpy=1.26", "numpy"},
		{"numpy==1.26=py312_0", "numpy"},
		{"numpy!=1.0", "numpy"},
		{"numpy~=1.0", "numpy"},
		{"  numpy  1.8*  ", "numpy"},
		{"conda-forge/linux-64::foo>=1.0", "foo"},
		{"https://conda.anaconda.org/conda-forge::foo >=1", "foo"},
		{"conda-forge:ns:foo", "foo"},
		{"conda-forge[linux-64]::foo", "foo"}, // legacy channel[subdir]
		{`foo[version=">=1,<2", build="*_0"] # a comment`, "foo"},
		{"foo (optional=True)", "foo"},
		{"foo >=1 if python >=3.10", "foo"},
		{"__glibc >=2.17,<3.0.a0", "__glibc"},
		{"*[md5=abc]", "*"},
		{"https://conda.anaconda.org/conda-forge/linux-64/libzlib-1.3.1-hb9d3cd8_2.conda", "libzlib"},
		{"ca-certificates-2024.2.2-hbcca054_0.tar.bz2", "ca-certificates"},
		{">=1.0", ""},
		{"", ""},
		{"   ", ""},
		{"x.conda", ""},
	}
	for _, tt := range tests {
		if got := SpecName(tt.spec); got != tt.want {
			t.Errorf("SpecName(%q) = %q, want %q", tt.spec, got, tt.want)
		}
	}
}
