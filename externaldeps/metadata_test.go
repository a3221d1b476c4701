package externaldeps

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// dist renders a DistRequirement as "NAME [EXTRAS] SPEC @URL ; MARKER".
func dist(r DistRequirement) string {
	s := r.Name
	if len(r.Extras) > 0 {
		s += "[" + strings.Join(r.Extras, ",") + "]"
	}
	if r.Specifier != "" {
		s += " " + r.Specifier
	}
	if r.URL != "" {
		s += " @" + r.URL
	}
	if r.Marker != nil {
		s += " ; " + r.Marker.String()
	}
	return fmt.Sprintf("%d: %s", r.Line, s)
}

func TestParseMetadataPEPExamples(t *testing.T) {
	// The METADATA of PEP 725's NAVis, Spyder and PyEnchant examples.
	src := "Metadata-Version: 2.5\nName: navis\nVersion: 1.4.0\n" +
		"Provides-External-Extra: nat\n" +
		"Requires-External-Dep: dep:cran/nat; extra == 'nat'\n" +
		"Requires-External-Dep: dep:cran/nat.nblast; extra == 'nat'\n" +
		"Requires-External-Dep: dep:cargo/ripgrep\n" +
		"Requires-External-Dep: dep:golang/github.com/junegunn/fzf\n" +
		"Requires-External-Dep: dep:github/AbiWord/enchant; platform_system!=\"Windows\"\n"
	m, err := ParseMetadata("METADATA", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.ProvidesExternalExtra, []string{"nat"}) {
		t.Errorf("ProvidesExternalExtra = %q", m.ProvidesExternalExtra)
	}
	var got []string
	for _, r := range m.RequiresExternalDep {
		got = append(got, fmt.Sprintf("%d: %s %q", r.Line, r, r.Marker.Extras()))
	}
	want := []string{
		`5: dep:cran/nat; extra == "nat" ["nat"]`,
		`6: dep:cran/nat.nblast; extra == "nat" ["nat"]`,
		`7: dep:cargo/ripgrep []`,
		`8: dep:golang/github.com/junegunn/fzf []`,
		`9: dep:github/abiword/enchant; platform_system != "Windows" []`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("RequiresExternalDep\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseMetadataRequiresExternal(t *testing.T) {
	// The core metadata specification's examples, and PEP 345's.
	src := "Metadata-Version: 1.2\nName: x\nVersion: 1\n" +
		"Requires-External: C\n" +
		"Requires-External: libpng (>=1.5)\n" +
		"Requires-External: make; sys_platform != \"win32\"\n" +
		"Requires-External: libxslt; 'linux' in sys.platform\n" +
		"Requires-External: NumPy (=1.23.5, supplied by firmware)\n"
	m, err := ParseMetadata("PKG-INFO", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range m.RequiresExternal {
		got = append(got, fmt.Sprintf("%d: %q %q %q", h.Line, h.Name, h.Version, h.Marker.String()))
	}
	want := []string{
		`4: "C" "" ""`,
		`5: "libpng" ">=1.5" ""`,
		`6: "make" "" "sys_platform != \"win32\""`,
		`7: "libxslt" "" "\"linux\" in sys_platform"`,
		`8: "NumPy" "=1.23.5, supplied by firmware" ""`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("RequiresExternal\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseMetadataTestdata(t *testing.T) {
	tests := []struct {
		file, name, version, metadataVersion string
		dists                                []string // the first ones
		extras                               []string
		external                             []string
	}{
		{"cryptography-50.0.2.METADATA", "cryptography", "50.0.2", "2.4",
			[]string{
				`26: cffi >=2.0.0 ; platform_python_implementation != "PyPy"`,
				`27: typing-extensions >=4.13.2 ; python_full_version < "3.11"`,
				`28: bcrypt >=3.1.5 ; extra == "ssh"`,
			}, []string{"ssh"}, nil},
		{"ozi-2.1.31.METADATA", "OZI", "2.1.31", "2.3",
			[]string{
				"29: pathvalidate >=3.2.1,<3.4.0",
				"30: ozi-core ==1.21.28",
				"31: setuptools_scm[toml]",
				`32: tomli >=2.0.0 ; python_version < "3.11"`,
				`34: tox >4 ; extra == "ci"`,
			}, []string{"ci", "fix", "dist", "lint", "test"}, []string{`28: "git" "" ""`}},
	}
	for _, tt := range tests {
		path := filepath.Join("testdata", "metadata", tt.file)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseMetadata(path, data)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if m.Name != tt.name || m.Version != tt.version || m.MetadataVersion != tt.metadataVersion {
			t.Errorf("%s: %q %q %q", tt.file, m.Name, m.Version, m.MetadataVersion)
		}
		var dists []string
		for _, r := range m.RequiresDist {
			dists = append(dists, dist(r))
		}
		if len(dists) < len(tt.dists) || !slices.Equal(dists[:len(tt.dists)], tt.dists) {
			t.Errorf("%s: RequiresDist\n%s\nwant first\n%s", tt.file, strings.Join(dists, "\n"), strings.Join(tt.dists, "\n"))
		}
		if !slices.Equal(m.ProvidesExtra, tt.extras) {
			t.Errorf("%s: ProvidesExtra = %q, want %q", tt.file, m.ProvidesExtra, tt.extras)
		}
		var ext []string
		for _, h := range m.RequiresExternal {
			ext = append(ext, fmt.Sprintf("%d: %q %q %q", h.Line, h.Name, h.Version, h.Marker.String()))
		}
		if !slices.Equal(ext, tt.external) {
			t.Errorf("%s: RequiresExternal = %q, want %q", tt.file, ext, tt.external)
		}
		// Every Requires-Dist with an extra marker names a provided extra.
		for _, r := range m.RequiresDist {
			for _, x := range r.Marker.Extras() {
				if !slices.ContainsFunc(m.ProvidesExtra, func(e string) bool { return NormalizeName(e) == x }) {
					t.Errorf("%s: %s needs extra %q, which is not provided", tt.file, r.Text, x)
				}
			}
		}
	}
}

// TestParseMetadataWheels reads the METADATA of every wheel in the
// repository's testdata/wheels.
func TestParseMetadataWheels(t *testing.T) {
	wheels, _ := filepath.Glob(filepath.Join("..", "testdata", "wheels", "*.whl"))
	if len(wheels) == 0 {
		t.Fatal("no wheels in ../testdata/wheels")
	}
	for _, w := range wheels {
		zr, err := zip.OpenReader(w)
		if err != nil {
			t.Fatal(err)
		}
		var data []byte
		for _, f := range zr.File {
			if dir, file := filepath.Split(f.Name); file == "METADATA" && strings.HasSuffix(dir, ".dist-info/") && strings.Count(f.Name, "/") == 1 {
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				data, err = io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		zr.Close()
		if data == nil {
			t.Errorf("%s: no METADATA", w)
			continue
		}
		m, err := ParseMetadata(filepath.Base(w)+"/METADATA", data)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		dist, version, _ := strings.Cut(strings.TrimSuffix(filepath.Base(w), ".whl"), "-")
		version, _, _ = strings.Cut(version, "-")
		if NormalizeName(m.Name) != NormalizeName(dist) || m.Version != version {
			t.Errorf("%s: METADATA says %s %s", w, m.Name, m.Version)
		}
	}
}

func TestParseMetadataFormat(t *testing.T) {
	src := "Metadata-Version: 2.1\r\n" +
		"name: demo\r\n" +
		"VERSION:1.0\r\n" +
		"Summary: a long\r\n" +
		"  summary, folded\r\n" +
		"Requires-Dist: zope.interface (>3.5.0)\r\n" +
		"Requires-Dist: pywin32 (>1.0); sys.platform == 'win32'\r\n" +
		"Requires-Dist: requests [security,tests] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"\r\n" +
		"Requires-Dist: pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee ; os_name == 'nt'\r\n" +
		"Requires-Dist: foo[]\r\n" +
		"Requires-Dist: bar>=1,\r\n" +
		"Requires-Dist:\r\n" +
		"  baz\r\n" +
		"Requires-External-Dep: dep:generic/zlib@>=1.2;\r\n" +
		"  os_name == 'nt'\r\n" +
		"\r\n" +
		"Requires-Dist: not-a-header-this-is-the-body\n"
	m, err := ParseMetadata("METADATA", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "demo" || m.Version != "1.0" || m.MetadataVersion != "2.1" {
		t.Errorf("got %q %q %q", m.Name, m.Version, m.MetadataVersion)
	}
	var got []string
	for _, r := range m.RequiresDist {
		got = append(got, dist(r))
	}
	want := []string{
		"6: zope.interface >3.5.0",
		`7: pywin32 >1.0 ; sys_platform == "win32"`,
		`8: requests[security,tests] >= 2.8.1, == 2.8.* ; python_version < "2.7"`,
		`9: pip @https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee ; os_name == "nt"`,
		"10: foo",
		"11: bar >=1,",
		"12: baz",
	}
	if !slices.Equal(got, want) {
		t.Errorf("RequiresDist\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(m.RequiresExternalDep) != 1 || m.RequiresExternalDep[0].String() != `dep:generic/zlib@>=1.2; os_name == "nt"` || m.RequiresExternalDep[0].Line != 14 {
		t.Errorf("RequiresExternalDep = %+v", m.RequiresExternalDep)
	}
}

func TestParseMetadataErrors(t *testing.T) {
	src := "Metadata-Version: 2.4\n" +
		"Name: x\n" +
		"Name: y\n" +
		" orphan? no, a continuation of Name\n" +
		"this line is not a header\n" +
		"Requires-Dist: -bad\n" +
		"Requires-Dist: foo >= 1.x\n" +
		"Requires-Dist: foo (>=1\n" +
		"Requires-Dist: foo; os_name = 'nt'\n" +
		"Requires-Dist: foo @ https://x.org/a.whl; os_name == 'nt'\n" +
		"Requires-External-Dep: dep:virtual/foo/bar\n" +
		"Requires-External-Dep: dep:generic/x; extra = 'a'\n" +
		"Requires-External: ; os_name == 'nt'\n" +
		"Requires-External: libpng; os_name =\n" +
		"Provides-Extra: -no-\n" +
		"Provides-External-Extra: a b\n"
	m, err := ParseMetadata("METADATA", []byte(src))
	var got []string
	for _, e := range unjoin(err) {
		got = append(got, e.Error())
	}
	want := []string{
		`METADATA:3: Name: repeats the Name of line 2; using the first`,
		`METADATA:5: not a "Name: value" header: this line is not a header`,
		`METADATA:6: Requires-Dist: -bad: column 1: "-bad" is not a valid distribution name`,
		`METADATA:7: Requires-Dist: foo >= 1.x: column 5: ">= 1.x": "1.x" is not a PEP 440 version`,
		`METADATA:8: Requires-Dist: foo (>=1: column 5: '(' is never closed`,
		`METADATA:9: Requires-Dist: foo; os_name = 'nt': column 14: unknown operator "=" (want ==, !=, <, <=, >, >=, ~=, ===, in or not in)`,
		`METADATA:10: Requires-Dist: foo @ https://x.org/a.whl; os_name == 'nt': column 28: expected whitespace and ';' after the URL`,
		`METADATA:11: Requires-External-Dep: dep:virtual/foo/bar: unknown virtual namespace "foo" (want compiler or interface)`,
		`METADATA:12: Requires-External-Dep: dep:generic/x; extra = 'a': column 22: unknown operator "=" (want ==, !=, <, <=, >, >=, ~=, ===, in or not in)`,
		`METADATA:13: Requires-External: ; os_name == 'nt': no dependency name`,
		`METADATA:14: Requires-External: libpng; os_name =: column 17: unknown operator "=" (want ==, !=, <, <=, >, >=, ~=, ===, in or not in)`,
		`METADATA:15: Provides-Extra: "-no-" is not a valid extra name (ASCII letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`,
		`METADATA:16: Provides-External-Extra: "a b" is not a valid extra name (ASCII letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`,
		`METADATA: no Version header; every core metadata file has one`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if m.Name != "x" || len(m.RequiresDist) != 0 {
		t.Errorf("Name %q, RequiresDist %v", m.Name, m.RequiresDist)
	}
	if _, err := ParseMetadata("empty", nil); err == nil || !strings.Contains(err.Error(), "no Metadata-Version header") {
		t.Errorf("empty METADATA: %v", err)
	}
	if _, err := ParseMetadata("cont", []byte(" leading continuation\nMetadata-Version: 2.1\nName: a\nVersion: 1\n")); err == nil ||
		err.Error() != "cont:1: continuation line before any header" {
		t.Errorf("leading continuation: %v", err)
	}
}

// FuzzParseMetadata checks that nothing panics, that errors are *Error
// values with lines inside the file, and that what is returned is valid.
func FuzzParseMetadata(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "metadata", "*"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("Metadata-Version: 2.5\nName: navis\nVersion: 1.4.0\nProvides-External-Extra: nat\n" +
		"Requires-External-Dep: dep:cran/nat; extra == 'nat'\nRequires-External: libpng (>=1.5); os_name != 'nt'\n" +
		"Requires-Dist: requests [security,tests] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"\n" +
		"Requires-Dist: pip @ https://x.org/pip.zip ; os_name == 'nt'\n Folded\n\nbody"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMetadata("METADATA", data)
		lines := 1 + strings.Count(string(data), "\n")
		for _, x := range unjoin(err) {
			var pe *Error
			if !errors.As(x, &pe) || pe.Line < 0 || pe.Line > lines {
				t.Fatalf("error %#v", x)
			}
		}
		for _, r := range m.RequiresExternalDep {
			if r.Line < 1 || r.Line > lines {
				t.Fatalf("line %d of %d", r.Line, lines)
			}
			if _, err := ParseRequirement(r.String()); err != nil {
				t.Fatalf("%q: %v", r.String(), err)
			}
		}
		for _, r := range m.RequiresDist {
			if r.Name == "" || !validName(r.Name) || r.Line < 1 || r.Line > lines {
				t.Fatalf("Requires-Dist %+v", r)
			}
		}
		for _, h := range m.RequiresExternal {
			if h.Name == "" {
				t.Fatalf("Requires-External %+v", h)
			}
		}
	})
}
