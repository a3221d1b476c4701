package externaldeps

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// entries renders e.All() one line per entry: "CATEGORY[GROUP] LINE: CANONICAL".
func entries(e *External) []string {
	var out []string
	for _, en := range e.All() {
		g := ""
		if en.Group != "" {
			g = "[" + en.Group + "]"
		}
		out = append(out, fmt.Sprintf("%s%s %d: %s", en.Category, g, en.Line, en.Requirement))
	}
	return out
}

// pepExamples are the [external] tables of PEP 725's examples, verbatim,
// with their entries as entries() renders them.
var pepExamples = []struct {
	name, toml string
	want       []string
}{
	{"cryptography 39.0", `
[external]
build-requires = [
  "dep:virtual/compiler/c",
  "dep:virtual/compiler/rust",
  "dep:generic/pkg-config",
]
host-requires = [
  "dep:generic/openssl",
  "dep:generic/libffi",
]
`, []string{
		"build-requires 4: dep:virtual/compiler/c",
		"build-requires 5: dep:virtual/compiler/rust",
		"build-requires 6: dep:generic/pkg-config",
		"host-requires 9: dep:generic/openssl",
		"host-requires 10: dep:generic/libffi",
	}},
	{"SciPy 1.10", `
[external]
build-requires = [
  "dep:virtual/compiler/c",
  "dep:virtual/compiler/cpp",
  "dep:virtual/compiler/fortran",
  "dep:generic/ninja",
  "dep:generic/pkg-config",
]
host-requires = [
  "dep:virtual/interface/blas",
  "dep:virtual/interface/lapack@>=3.7.1",
]
`, []string{
		"build-requires 4: dep:virtual/compiler/c",
		"build-requires 5: dep:virtual/compiler/cpp",
		"build-requires 6: dep:virtual/compiler/fortran",
		"build-requires 7: dep:generic/ninja",
		"build-requires 8: dep:generic/pkg-config",
		"host-requires 11: dep:virtual/interface/blas",
		"host-requires 12: dep:virtual/interface/lapack@>=3.7.1",
	}},
	{"Pillow 10.1.0", `
[external]
build-requires = [
  "dep:virtual/compiler/c",
]
host-requires = [
  "dep:generic/libjpeg",
  "dep:generic/zlib",
]

[external.optional-host-requires]
extra = [
  "dep:generic/lcms2",
  "dep:generic/freetype",
  "dep:generic/libimagequant",
  "dep:generic/libraqm",
  "dep:generic/libtiff",
  "dep:generic/libxcb",
  "dep:generic/libwebp",
  "dep:generic/openjpeg@>=2.0",
  "dep:generic/tk",
]
`, []string{
		"build-requires 4: dep:virtual/compiler/c",
		"host-requires 7: dep:generic/libjpeg",
		"host-requires 8: dep:generic/zlib",
		"optional-host-requires[extra] 13: dep:generic/lcms2",
		"optional-host-requires[extra] 14: dep:generic/freetype",
		"optional-host-requires[extra] 15: dep:generic/libimagequant",
		"optional-host-requires[extra] 16: dep:generic/libraqm",
		"optional-host-requires[extra] 17: dep:generic/libtiff",
		"optional-host-requires[extra] 18: dep:generic/libxcb",
		"optional-host-requires[extra] 19: dep:generic/libwebp",
		"optional-host-requires[extra] 20: dep:generic/openjpeg@>=2.0",
		"optional-host-requires[extra] 21: dep:generic/tk",
	}},
	{"NAVis 1.4.0", `
[project.optional-dependencies]
r = ["rpy2"]

[external]
build-requires = [
  "dep:generic/XCB; platform_system=='Linux'",
]

[external.optional-dependencies]
nat = [
  "dep:cran/nat",
  "dep:cran/nat.nblast",
]
`, []string{
		`build-requires 7: dep:generic/XCB; platform_system == "Linux"`,
		"optional-dependencies[nat] 12: dep:cran/nat",
		"optional-dependencies[nat] 13: dep:cran/nat.nblast",
	}},
	{"Spyder 6.0", `
[external]
dependencies = [
  "dep:cargo/ripgrep",
  "dep:cargo/tree-sitter-cli",
  "dep:golang/github.com/junegunn/fzf",
]
`, []string{
		"dependencies 4: dep:cargo/ripgrep",
		"dependencies 5: dep:cargo/tree-sitter-cli",
		"dependencies 6: dep:golang/github.com/junegunn/fzf",
	}},
	{"jupyterlab-git 0.41.0", `
[external]
dependencies = [
  "dep:generic/git",
]

[external.optional-build-requires]
dev = [
  "dep:generic/nodejs",
]
`, []string{
		"dependencies 4: dep:generic/git",
		"optional-build-requires[dev] 9: dep:generic/nodejs",
	}},
	{"PyEnchant 3.2.2", `
[external]
dependencies = [
  # libenchant is needed on all platforms but vendored into wheels
  # distributed on PyPI for Windows. Hence choose to encode that in
  # the metadata. Note: there is no completely unambiguous way to do
  # this; another choice is to leave out the environment marker in the
  # source distribution and either live with the unnecessary ` + "``METADATA``" + `
  # entry in the distributed Windows wheels, or to apply a patch to this
  # metadata when building those wheels.
  "dep:github/AbiWord/enchant; platform_system!='Windows'",
]
`, []string{
		`dependencies 11: dep:github/abiword/enchant; platform_system != "Windows"`,
	}},
	{"With dependency groups", `
[external.dependency-groups]
dev = [
  "dep:generic/catch2",
  "dep:generic/valgrind",
]
`, []string{
		"dependency-groups[dev] 4: dep:generic/catch2",
		"dependency-groups[dev] 5: dep:generic/valgrind",
	}},
}

func TestParsePyprojectPEPExamples(t *testing.T) {
	for _, tt := range pepExamples {
		e, err := ParsePyproject("pyproject.toml", []byte(tt.toml))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := entries(e); !slices.Equal(got, tt.want) {
			t.Errorf("%s: entries\n%s\nwant\n%s", tt.name, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

func TestParsePyprojectForms(t *testing.T) {
	tests := []struct {
		name, toml string
		want       []string
	}{
		{"dotted keys", `
external.build-requires = ["dep:virtual/compiler/c"]
external.optional-dependencies.gui = ["dep:generic/tk"]
`, []string{"build-requires 2: dep:virtual/compiler/c", "optional-dependencies[gui] 3: dep:generic/tk"}},
		{"inline table", `
external = { host-requires = [
  "dep:generic/zlib",  # comment, with ] and "quotes"
  'dep:generic/openssl',
], dependencies = ["dep:generic/git"] }
[project]
name = "x"
`, []string{"host-requires 3: dep:generic/zlib", "host-requires 4: dep:generic/openssl", "dependencies 5: dep:generic/git"}},
		{"top-level inline table", `external = {build-requires = ["dep:generic/ninja", """dep:generic/make"""]}
`, []string{"build-requires 1: dep:generic/ninja", "build-requires 1: dep:generic/make"}},
		{"strings of every kind", `
[external]
dependencies = [
  """dep:generic/a""", '''dep:generic/b''',
  "dep:generic/c\u0040>=1", 'dep:generic/d;os_name=="nt"',
  """
dep:generic/e""",
  "dep:generic/f",
]
`, []string{"dependencies 4: dep:generic/a", "dependencies 4: dep:generic/b", "dependencies 5: dep:generic/c@>=1",
			`dependencies 5: dep:generic/d; os_name == "nt"`, "dependencies 6: dep:generic/e", "dependencies 8: dep:generic/f"}},
		{"dependency group includes", `
[external.dependency-groups]
test = ["dep:generic/catch2"]
Dev_Tools = [
  "dep:generic/valgrind",
  {include-group = "test"},
  "dep:generic/gdb",
]
all = [{include-group = "dev-tools"}, {include-group = "TEST"}]
`, []string{
			"dependency-groups[test] 3: dep:generic/catch2",
			"dependency-groups[Dev_Tools] 5: dep:generic/valgrind",
			"dependency-groups[Dev_Tools] 3: dep:generic/catch2",
			"dependency-groups[Dev_Tools] 7: dep:generic/gdb",
			"dependency-groups[all] 5: dep:generic/valgrind",
			"dependency-groups[all] 3: dep:generic/catch2",
			"dependency-groups[all] 7: dep:generic/gdb",
			"dependency-groups[all] 3: dep:generic/catch2",
		}},
		{"empty", "[external]\n", nil},
		{"legacy schemes", `
[external]
dependencies = ["pkg:generic/libsomething", "virtual:compiler/c"]
`, []string{"dependencies 3: dep:generic/libsomething", "dependencies 3: dep:virtual/compiler/c"}},
	}
	for _, tt := range tests {
		e, err := ParsePyproject("pyproject.toml", []byte(tt.toml))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := entries(e); !slices.Equal(got, tt.want) {
			t.Errorf("%s: entries\n%s\nwant\n%s", tt.name, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
	e, err := ParsePyproject("pyproject.toml", []byte(tests[4].toml))
	if err != nil {
		t.Fatal(err)
	}
	if g := e.DependencyGroups[1]; g.Name != "Dev_Tools" || g.Line != 4 || !slices.Equal(g.Includes, []string{"test"}) {
		t.Errorf("dependency group = %+v", g)
	}
	for _, r := range e.All() {
		if r.Legacy {
			t.Errorf("%s is legacy", r.Text)
		}
	}
}

func TestParsePyprojectNoExternal(t *testing.T) {
	for _, src := range []string{"", "[project]\nname = 'x'\n", "[tool.external]\nx = 1\n", "[build-system]\nrequires = []\n"} {
		e, err := ParsePyproject("pyproject.toml", []byte(src))
		if e != nil || err != nil {
			t.Errorf("ParsePyproject(%q) = %v, %v; want nil, nil", src, e, err)
		}
		if e.All() != nil {
			t.Error("All() on a nil External is not nil")
		}
	}
}

func TestParsePyprojectErrors(t *testing.T) {
	tests := []struct {
		name, toml string
		want       []string // each error's text, in order
		entries    []string // what is still returned
	}{
		{"bad entries", `
[external]
build-requires = [
  "dep:virtual/compiler/c",
  "dep:virtual/foo/bar",
  42,
  "dep:generic/ok",
]
host-requires = ["dep:generic/zlib; os_name = 'nt'"]
`, []string{
			`pyproject.toml:5: external.build-requires[1]: dep:virtual/foo/bar: unknown virtual namespace "foo" (want compiler or interface)`,
			`pyproject.toml:6: external.build-requires[2]: must be a string such as "dep:generic/openssl", not an integer`,
			`pyproject.toml:9: external.host-requires[0]: dep:generic/zlib; os_name = 'nt': column 27: unknown operator "=" (want ==, !=, <, <=, >, >=, ~=, ===, in or not in)`,
		}, []string{"build-requires 4: dep:virtual/compiler/c", "build-requires 7: dep:generic/ok"}},
		{"wrong types", `
[external]
build-requires = "dep:generic/ninja"
optional-dependencies = ["dep:generic/x"]
dependency-groups = { dev = "dep:generic/gdb" }
`, []string{
			`pyproject.toml:3: external.build-requires: must be an array of external dependency specifiers such as ["dep:generic/openssl"], not a string`,
			`pyproject.toml:4: external.optional-dependencies: must be a table of named arrays, such as [external.optional-dependencies] NAME = ["dep:generic/openssl"], not an array`,
			`pyproject.toml:5: external.dependency-groups.dev: must be an array of external dependency specifiers such as ["dep:generic/openssl"], not a string`,
		}, nil},
		{"unknown keys", `
[external]
build_requires = ["dep:generic/ninja"]
runtime = ["dep:generic/x"]
`, []string{
			`pyproject.toml:3: external.build_requires: unknown key in [external]; did you mean "build-requires"? (PEP 725 defines build-requires, host-requires, dependencies, optional-build-requires, optional-host-requires, optional-dependencies and dependency-groups, and no tool may add others)`,
			`pyproject.toml:4: external.runtime: unknown key in [external] (PEP 725 defines build-requires, host-requires, dependencies, optional-build-requires, optional-host-requires, optional-dependencies and dependency-groups, and no tool may add others)`,
		}, nil},
		{"external is not a table", `external = ["dep:generic/x"]`, []string{
			`pyproject.toml:1: external: must be a table ([external]), not an array`,
		}, nil},
		{"group names", `
[external.optional-dependencies]
"-bad" = ["dep:generic/a"]
Foo_Bar = ["dep:generic/b"]
"foo.bar" = ["dep:generic/c"]
`, []string{
			`pyproject.toml:3: external.optional-dependencies.-bad: "-bad" is not a valid extra name (ASCII letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`,
			`pyproject.toml:5: external.optional-dependencies."foo.bar": extra names "Foo_Bar" and "foo.bar" are the same after normalisation ("foo-bar")`,
		}, []string{"optional-dependencies[Foo_Bar] 4: dep:generic/b"}},
		{"includes", `
[external.dependency-groups]
a = [{include-group = "b"}, "dep:generic/a"]
b = [{include-group = "a"}]
c = [{include-group = "missing"}, {include = "a"}, {include-group = "a", extra = 1}]
d = [{include-group = "d"}]
`, []string{
			`pyproject.toml:4: external.dependency-groups.b: includes group "a", which leads back to "b": dependency groups must not include each other in a cycle`,
			`pyproject.toml:5: external.dependency-groups.c[1]: a table in a dependency group must be {include-group = "NAME"} and nothing else`,
			`pyproject.toml:5: external.dependency-groups.c[2]: a table in a dependency group must be {include-group = "NAME"} and nothing else`,
			`pyproject.toml:5: external.dependency-groups.c: includes group "missing", which is not defined in [external.dependency-groups]`,
			`pyproject.toml:6: external.dependency-groups.d: includes group "d", which leads back to "d": dependency groups must not include each other in a cycle`,
		}, []string{"dependency-groups[a] 3: dep:generic/a"}},
		{"include-group in an optional table", `
[external.optional-dependencies]
x = [{include-group = "y"}]
`, []string{
			`pyproject.toml:3: external.optional-dependencies.x[0]: must be a string such as "dep:generic/openssl", not a table`,
		}, nil},
		{"not TOML", "[external\nbuild-requires = 1\n", []string{
			"pyproject.toml:2: not valid TOML: column 10: expected '.' or ']' to end table name, but got '\\n' instead",
		}, nil},
	}
	for _, tt := range tests {
		e, err := ParsePyproject("pyproject.toml", []byte(tt.toml))
		var got []string
		for _, x := range unjoin(err) {
			got = append(got, x.Error())
			var pe *Error
			if !errors.As(x, &pe) {
				t.Errorf("%s: %T is not an *Error", tt.name, x)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: errors\n%s\nwant\n%s", tt.name, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
		if gotE := entries(e); !slices.Equal(gotE, tt.entries) {
			t.Errorf("%s: entries\n%s\nwant\n%s", tt.name, strings.Join(gotE, "\n"), strings.Join(tt.entries, "\n"))
		}
	}
}

// unjoin returns the errors an errors.Join holds, or err alone.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestParsePyprojectLimits(t *testing.T) {
	big := make([]byte, MaxPyprojectSize+1)
	if _, err := ParsePyproject("big.toml", big); err == nil || !strings.Contains(err.Error(), "at most 1048576 bytes") {
		t.Errorf("oversized file: %v", err)
	}
	var b strings.Builder
	b.WriteString("[external]\ndependencies = [\n")
	for i := 0; i < 200; i++ {
		b.WriteString("  \"dep:virtual/nope/x\",\n")
	}
	b.WriteString("]\n")
	_, err := ParsePyproject("many.toml", []byte(b.String()))
	errs := unjoin(err)
	if len(errs) != maxErrors+1 || errs[maxErrors].Error() != "many.toml: and 150 more problems" {
		t.Errorf("got %d errors, the last %v", len(errs), errs[len(errs)-1])
	}
	// Groups that include each other twice over would expand to 2^40
	// requirements.
	b.Reset()
	b.WriteString("[external.dependency-groups]\ng0 = [\"dep:generic/x\"]\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "g%d = [{include-group = \"g%d\"}, {include-group = \"g%d\"}]\n", i, i-1, i-1)
	}
	e, err := ParsePyproject("bomb.toml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "expands to more than 10000 requirements") {
		t.Errorf("include bomb: %v", err)
	}
	if n := len(e.All()); n > 40*maxGroupSize {
		t.Errorf("include bomb gave %d entries", n)
	}
}

func TestReadProject(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadProject(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadProject(empty dir) = %v, want fs.ErrNotExist", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte(pepExamples[0].toml), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := ReadProject(dir)
	if err != nil {
		t.Fatal(err)
	}
	if e.File != filepath.Join(dir, "pyproject.toml") || len(e.All()) != 5 {
		t.Errorf("ReadProject = %+v", e)
	}
}

// TestPyprojectTestdata reads the real pyproject.toml files in
// testdata/pyproject (see testdata/README.md): released sdists' files
// without an [external] table, which must give nil and no error.
func TestPyprojectTestdata(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "pyproject", "*.toml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/pyproject/*.toml: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		e, err := ParsePyproject(f, data)
		if err != nil {
			t.Errorf("%v", err)
		}
		want := strings.Contains(string(data), "\n[external")
		if (e != nil) != want {
			t.Errorf("%s: External %v, want one: %v", f, e, want)
		}
		// The real file with a PEP 725 example table appended, as a
		// project adopting PEP 725 would write it: the same entries, on
		// lines moved down by the file's length.
		shift := strings.Count(string(data), "\n")
		for _, ex := range pepExamples {
			if strings.Contains(ex.toml, "[project") {
				continue // the file has its own [project] table
			}
			e, err := ParsePyproject(f, append(slices.Clip(data), ex.toml...))
			if err != nil {
				t.Errorf("%s + %s: %v", f, ex.name, err)
				continue
			}
			var want []string
			for _, w := range ex.want {
				head, rest, _ := strings.Cut(w, ": ")
				i := strings.LastIndexByte(head, ' ')
				var n int
				fmt.Sscan(head[i+1:], &n)
				want = append(want, fmt.Sprintf("%s %d: %s", head[:i], n+shift, rest))
			}
			if got := entries(e); !slices.Equal(got, want) {
				t.Errorf("%s + %s: entries\n%s\nwant\n%s", f, ex.name, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
}

// FuzzParsePyproject checks that nothing panics, that errors are *Error
// values with lines inside the file, and that every entry returned
// round-trips.
func FuzzParsePyproject(f *testing.F) {
	for _, ex := range pepExamples {
		f.Add([]byte(ex.toml))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "pyproject", "*.toml"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("external = { host-requires = [\n  \"dep:generic/zlib\", # ]\n  'dep:generic/x',\n], dependencies = [\"\"\"dep:generic/git\"\"\"] }\n"))
	f.Add([]byte("[external.dependency-groups]\na = [{include-group = \"b\"}, \"dep:generic/a\"]\nb = [{include-group = \"a\"}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParsePyproject("f.toml", data)
		lines := 1 + strings.Count(string(data), "\n")
		for _, x := range unjoin(err) {
			var pe *Error
			if !errors.As(x, &pe) || pe.Line < 0 || pe.Line > lines {
				t.Fatalf("error %#v", x)
			}
		}
		for _, en := range e.All() {
			if en.Line < 0 || en.Line > lines {
				t.Fatalf("entry %q on line %d of %d", en.Text, en.Line, lines)
			}
			if en.Category.Grouped() != (en.Group != "") || en.Category.Stage() == "" {
				t.Fatalf("entry %+v", en)
			}
			r, err := ParseRequirement(en.String())
			if err != nil || r.String() != en.String() {
				t.Fatalf("entry %q does not round-trip: %v", en.String(), err)
			}
		}
	})
}

func ExampleParsePyproject() {
	ext, err := ParsePyproject("pyproject.toml", []byte(`
[external]
build-requires = ["dep:virtual/compiler/c", "dep:virtual/compiler/fortran"]
host-requires = ["dep:virtual/interface/lapack@>=3.7.1"]

[external.optional-dependencies]
nat = ["dep:cran/nat"]
`))
	if err != nil {
		panic(err)
	}
	for _, e := range ext.All() {
		fmt.Printf("line %d: %s %s (%s) %s\n", e.Line, e.Category, e.Group, e.Category.Stage(), e.DepURL)
	}
	// Output:
	// line 3: build-requires  (build) dep:virtual/compiler/c
	// line 3: build-requires  (build) dep:virtual/compiler/fortran
	// line 4: host-requires  (host) dep:virtual/interface/lapack@>=3.7.1
	// line 7: optional-dependencies nat (run) dep:cran/nat
}
