package externaldeps

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseDepURL(t *testing.T) {
	tests := []struct {
		in        string
		canonical string // "" when ParseDepURL fails
		want      DepURL // checked when Type is set
		err       string // part of the error when it fails
	}{
		// The DepURLs of PEP 725's text and examples.
		{in: "dep:pypi/requests", canonical: "dep:pypi/requests", want: DepURL{Type: "pypi", Name: "requests"}},
		{in: "dep:virtual/compiler/c", canonical: "dep:virtual/compiler/c", want: DepURL{Type: "virtual", Namespace: "compiler", Name: "c"}},
		{in: "dep:virtual/compiler/cxx", canonical: "dep:virtual/compiler/cxx"},
		{in: "dep:virtual/compiler/cpp", canonical: "dep:virtual/compiler/cpp"},
		{in: "dep:virtual/compiler/rust", canonical: "dep:virtual/compiler/rust"},
		{in: "dep:virtual/compiler/fortran", canonical: "dep:virtual/compiler/fortran"},
		{in: "dep:virtual/interface/blas", canonical: "dep:virtual/interface/blas"},
		{in: "dep:virtual/interface/lapack", canonical: "dep:virtual/interface/lapack"},
		{in: "dep:virtual/interface/lapack@>=3.7.1", canonical: "dep:virtual/interface/lapack@>=3.7.1",
			want: DepURL{Type: "virtual", Namespace: "interface", Name: "lapack", Version: ">=3.7.1"}},
		{in: "dep:pypi/numpy@2.0", canonical: "dep:pypi/numpy@2.0", want: DepURL{Type: "pypi", Name: "numpy", Version: "2.0"}},
		{in: "dep:pypi/numpy@>=2.0", canonical: "dep:pypi/numpy@>=2.0"},
		{in: "dep:generic/dep-name", canonical: "dep:generic/dep-name"},
		{in: "dep:github/user-or-org-name/dep-name", canonical: "dep:github/user-or-org-name/dep-name",
			want: DepURL{Type: "github", Namespace: "user-or-org-name", Name: "dep-name"}},
		{in: "dep:generic/git", canonical: "dep:generic/git"},
		{in: "dep:generic/openblas", canonical: "dep:generic/openblas"},
		{in: "dep:generic/pkg-config", canonical: "dep:generic/pkg-config"},
		{in: "dep:generic/openssl", canonical: "dep:generic/openssl"},
		{in: "dep:generic/openjpeg@>=2.0", canonical: "dep:generic/openjpeg@>=2.0"},
		{in: "dep:generic/XCB", canonical: "dep:generic/XCB", want: DepURL{Type: "generic", Name: "XCB"}},
		{in: "dep:cran/nat.nblast", canonical: "dep:cran/nat.nblast"},
		{in: "dep:cargo/tree-sitter-cli", canonical: "dep:cargo/tree-sitter-cli"},
		{in: "dep:golang/github.com/junegunn/fzf", canonical: "dep:golang/github.com/junegunn/fzf",
			want: DepURL{Type: "golang", Namespace: "github.com/junegunn", Name: "fzf"}},
		{in: "dep:github/AbiWord/enchant", canonical: "dep:github/abiword/enchant"},
		{in: "dep:generic/llvm@<20", canonical: "dep:generic/llvm@<20"},
		{in: "dep:this-is-missing-the-type", err: `no name after the type "this-is-missing-the-type"`},
		{in: "pkg:not-a-dep-url", err: "no name after the type"},
		// PEP 725's first drafts.
		{in: "pkg:generic/openssl", canonical: "dep:generic/openssl"},
		{in: "virtual:compiler/c", canonical: "dep:virtual/compiler/c"},
		{in: "virtual:interface/blas", canonical: "dep:virtual/interface/blas"},
		{in: "pkg:virtual/compiler/c@1999", canonical: "dep:virtual/compiler/c@1999"},
		// Normalisation.
		{in: "DEP:Generic/foo", canonical: "dep:generic/foo"},
		{in: "dep:Virtual/Compiler/C", canonical: "dep:virtual/compiler/c"},
		{in: "dep:virtual/interface/BLAS", canonical: "dep:virtual/interface/blas"},
		{in: "dep:pypi/Foo_Bar", canonical: "dep:pypi/foo-bar"},
		{in: "dep:github/Kitware/CMake", canonical: "dep:github/kitware/cmake"},
		{in: "dep:cpan/Moose/Util", canonical: "dep:cpan/MOOSE/Util"},
		{in: "dep:pub/Flutter-Bloc", canonical: "dep:pub/flutter_bloc"},
		{in: "dep:oci/Debian@SHA256:ABC", canonical: "dep:oci/debian@sha256:abc"},
		{in: "dep://generic/foo", canonical: "dep:generic/foo"},
		{in: "dep:generic//a//b", canonical: "dep:generic/a/b", want: DepURL{Type: "generic", Namespace: "a", Name: "b"}},
		{in: "dep:generic/foo@", canonical: "dep:generic/foo"},
		{in: "dep:generic/foo?", canonical: "dep:generic/foo"},
		{in: "dep:generic/foo#", canonical: "dep:generic/foo"},
		{in: "dep:npm/@angular/core@1.0", canonical: "dep:npm/@angular/core@1.0",
			want: DepURL{Type: "npm", Namespace: "@angular", Name: "core", Version: "1.0"}},
		{in: "dep:generic/@scope", canonical: "dep:generic/%40scope", want: DepURL{Type: "generic", Name: "@scope"}},
		{in: "dep:generic/@scope/x@1", canonical: "dep:generic/%40scope/x@1", want: DepURL{Type: "generic", Namespace: "@scope", Name: "x", Version: "1"}},
		{in: "dep:generic/a%40b", canonical: "dep:generic/a%40b", want: DepURL{Type: "generic", Name: "a@b"}},
		// Versions.
		{in: "dep:generic/llvm@>= 2.0, <3", canonical: "dep:generic/llvm@>=2.0,<3", want: DepURL{Type: "generic", Name: "llvm", Version: ">=2.0,<3"}},
		{in: "dep:generic/foo@>=1,", canonical: "dep:generic/foo@>=1"},
		{in: "dep:generic/foo@%3E%3D1.0", canonical: "dep:generic/foo@>=1.0"},
		{in: "dep:generic/foo@==1.0+local", canonical: "dep:generic/foo@==1.0+local"},
		{in: "dep:generic/foo@1.0a", canonical: "dep:generic/foo@1.0a"},
		{in: "dep:github/foo/bar@v1.2.3", canonical: "dep:github/foo/bar@v1.2.3"},
		{in: "dep:generic/foo@1.x", canonical: "dep:generic/foo@1.x"},
		{in: "dep:generic/foo@~=1.0", err: `uses ~=; PEP 725 allows only >=, >, <, <= and ==`},
		{in: "dep:generic/foo@!=1.0", err: "uses !="},
		{in: "dep:generic/foo@===1.0", err: "uses ==="},
		{in: "dep:generic/foo@==1.*", err: "wildcard"},
		{in: "dep:generic/foo@=1", err: `"=1" does not start with a comparison operator`},
		{in: "dep:generic/foo@>=abc", err: `"abc" is not a PEP 440 version`},
		{in: "dep:generic/foo@<1.0+local", err: "local version label"},
		{in: "dep:generic/foo@,", canonical: "dep:generic/foo@,"}, // a literal: "," does not start with an operator
		{in: "dep:generic/foo@>=1,,", canonical: "dep:generic/foo@>=1"},
		{in: "dep:generic/foo@>", err: `has no version after >`},
		{in: "dep:generic/foo@1.0%20beta", err: `version "1.0 beta" contains whitespace`},
		// Qualifiers and subpaths.
		{in: "dep:generic/foo?b=2&A=1", canonical: "dep:generic/foo?a=1&b=2",
			want: DepURL{Type: "generic", Name: "foo", Qualifiers: []Qualifier{{"a", "1"}, {"b", "2"}}}},
		{in: "dep:generic/cmake?repository_url=https://gitlab.kitware.com/cmake/cmake",
			canonical: "dep:generic/cmake?repository_url=https://gitlab.kitware.com/cmake/cmake"},
		{in: "dep:generic/foo?a=x%26y%23z", canonical: "dep:generic/foo?a=x%26y%23z", want: DepURL{Type: "generic", Name: "foo", Qualifiers: []Qualifier{{"a", "x&y#z"}}}},
		{in: "dep:generic/foo?a=&=1&b=2", canonical: "dep:generic/foo?b=2"},
		{in: "dep:generic/foo?a", err: `qualifier "a" is not key=value`},
		{in: "dep:generic/foo?1a=2", err: "starts with a digit"},
		{in: "dep:generic/foo?a+b=2", err: "may only contain"},
		{in: "dep:generic/foo?%61=2", err: "percent-encoded"},
		{in: "dep:generic/foo?a=1&A=2", err: `qualifier "a" given twice`},
		{in: "dep:generic/foo#sub/path", canonical: "dep:generic/foo#sub/path", want: DepURL{Type: "generic", Name: "foo", Subpath: "sub/path"}},
		{in: "dep:generic/foo#/a/../b/./c/", canonical: "dep:generic/foo#a/b/c"},
		{in: "dep:generic/foo@1.0?a=1#x", canonical: "dep:generic/foo@1.0?a=1#x"},
		// Percent-encoding.
		{in: "dep:generic/c%2B%2B", canonical: "dep:generic/c++"},
		{in: "dep:generic/foo%20bar", canonical: "dep:generic/foo%20bar", want: DepURL{Type: "generic", Name: "foo bar"}},
		{in: "dep:generic/caf%C3%A9", canonical: "dep:generic/caf%C3%A9", want: DepURL{Type: "generic", Name: "café"}},
		{in: "dep:generic/café", canonical: "dep:generic/caf%C3%A9"},
		{in: "dep:generic/a%2Fb", canonical: "dep:generic/a%2Fb", want: DepURL{Type: "generic", Name: "a/b"}},
		{in: "dep:generic/a%3Bb", canonical: "dep:generic/a%3Bb"},
		{in: "dep:generic/%zz", err: `malformed percent-escape "%zz"`},
		{in: "dep:generic/foo%4", err: "malformed percent-escape"},
		{in: "dep:generic/%FF", err: "does not decode to valid UTF-8"},
		{in: "dep:generic/%0A", err: "control character"},
		{in: "dep:generic/\xff", err: "not valid UTF-8"},
		// Virtual.
		{in: "dep:virtual/foo/bar", err: `unknown virtual namespace "foo" (want compiler or interface)`},
		{in: "dep:virtual/c", err: "a virtual DepURL needs a namespace"},
		{in: "dep:virtual/compiler/c/extra", err: `unknown virtual namespace "compiler/c"`},
		// Syntax.
		{in: "", err: "empty DepURL"},
		{in: "dep:", err: "no type"},
		{in: "dep:generic", err: `no name after the type "generic"`},
		{in: "dep:generic/", err: `no name after the type "generic"`},
		{in: "dep:/", err: "no type"},
		{in: "generic/openssl", err: "no dep: scheme"},
		{in: "https://example.org/x", err: `unknown scheme "https"`},
		{in: " dep:generic/foo", err: "leading or trailing whitespace"},
		{in: "dep:generic/foo bar", err: "unencoded whitespace"},
		{in: "dep:generic/foo; os_name == 'nt'", err: "unencoded whitespace"},
		{in: "dep:1abc/foo", err: `type "1abc" starts with a digit`},
		{in: "dep:a+b/foo", err: `type "a+b" may only contain`},
		{in: "dep:generic/foo\x01", err: "control character"},
	}
	for _, tt := range tests {
		d, err := ParseDepURL(tt.in)
		if tt.canonical == "" {
			var de *DepURLError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseDepURL(%q) = %v, %v; want a *DepURLError containing %q", tt.in, d, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDepURL(%q): %v", tt.in, err)
			continue
		}
		if got := d.String(); got != tt.canonical {
			t.Errorf("ParseDepURL(%q).String() = %q, want %q", tt.in, got, tt.canonical)
		}
		if tt.want.Type != "" && !reflect.DeepEqual(d, tt.want) {
			t.Errorf("ParseDepURL(%q) = %#v, want %#v", tt.in, d, tt.want)
		}
		checkRoundTrip(t, d)
	}
}

// checkRoundTrip checks that d's canonical text parses back to d and is
// valid.
func checkRoundTrip(t *testing.T, d DepURL) {
	t.Helper()
	s := d.String()
	d2, err := ParseDepURL(s)
	if err != nil {
		t.Fatalf("ParseDepURL(%q), the String of %#v: %v", s, d, err)
	}
	if !reflect.DeepEqual(d, d2) {
		t.Fatalf("ParseDepURL(%q) = %#v, want %#v", s, d2, d)
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("%#v.Validate(): %v", d, err)
	}
}

func TestDepURLValidate(t *testing.T) {
	tests := []struct {
		d    DepURL
		want string // "" for valid
	}{
		{DepURL{Type: "generic", Name: "openssl"}, ""},
		{DepURL{Type: "virtual", Namespace: "interface", Name: "blas", Version: ">=3.10"}, ""},
		{DepURL{Type: "Generic", Name: "openssl"}, "not lower case"},
		{DepURL{Type: "generic"}, "empty name"},
		{DepURL{Name: "x"}, "no type"},
		{DepURL{Type: "virtual", Namespace: "api", Name: "x"}, `unknown virtual namespace "api"`},
		{DepURL{Type: "generic", Name: "x", Version: ">= 1"}, `not in canonical form ">=1"`},
		{DepURL{Type: "generic", Name: "x", Version: "~=1.0"}, "uses ~="},
		{DepURL{Type: "generic", Name: "x", Qualifiers: []Qualifier{{"b", "1"}, {"a", "2"}}}, "not sorted"},
		{DepURL{Type: "generic", Name: "x", Qualifiers: []Qualifier{{"A", "1"}}}, "not a lower-case"},
		{DepURL{Type: "generic", Name: "x", Qualifiers: []Qualifier{{"a", ""}}}, "empty value"},
	}
	for _, tt := range tests {
		err := tt.d.Validate()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%#v.Validate(): %v", tt.d, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%#v.Validate() = %v, want an error containing %q", tt.d, err, tt.want)
		}
	}
}

func TestDepURLWarnings(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for none
	}{
		{"dep:generic/openssl", ""},
		{"dep:generic/a/b", ""},
		{"dep:virtual/compiler/c", ""},
		{"dep:gneric/openssl", `type "gneric" is not a registered purl type`},
		{"dep:github/openssl", `purl type "github" needs a namespace`},
		{"dep:pypi/x/numpy", `purl type "pypi" does not take a namespace`},
	}
	for _, tt := range tests {
		d, err := ParseDepURL(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		w := d.Warnings()
		if tt.want == "" && len(w) != 0 || tt.want != "" && (len(w) != 1 || !strings.Contains(w[0], tt.want)) {
			t.Errorf("%s.Warnings() = %q, want %q", tt.in, w, tt.want)
		}
	}
}

func TestDepURLAllows(t *testing.T) {
	tests := []struct {
		depurl, version string
		want            bool
		err             bool
	}{
		{"dep:generic/zlib", "anything", true, false},
		{"dep:virtual/interface/lapack@>=3.7.1", "3.12.0", true, false},
		{"dep:virtual/interface/lapack@>=3.7.1", "3.7.0", false, false},
		{"dep:generic/llvm@>=15,<20", "19.1.7", true, false},
		{"dep:generic/llvm@>=15,<20", "20.0", false, false},
		{"dep:generic/llvm@<20", "20.0rc1", false, false}, // a pre-release of the excluded version
		{"dep:generic/llvm@<20", "not-a-version", false, true},
		{"dep:virtual/compiler/c@>=1999", "2011", true, false},
		{"dep:pypi/numpy@2.0", "2.0.0", true, false},
		{"dep:pypi/numpy@2.0", "2.1", false, false},
		{"dep:github/a/b@v1.2", "v1.2", true, false},
		{"dep:github/a/b@v1.x", "v1.x", true, false},
		{"dep:github/a/b@v1.x", "1.2", false, false},
	}
	for _, tt := range tests {
		d, err := ParseDepURL(tt.depurl)
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.Allows(tt.version)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("%s.Allows(%q) = %v, %v; want %v (error %v)", tt.depurl, tt.version, got, err, tt.want, tt.err)
		}
	}
}

func TestDepURLHelpers(t *testing.T) {
	d, err := ParseDepURL("dep:generic/cmake@>=3.20?repository_url=https://gitlab.kitware.com/cmake/cmake")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := d.Qualifier("repository_url"); !ok || v != "https://gitlab.kitware.com/cmake/cmake" {
		t.Errorf("Qualifier = %q, %v", v, ok)
	}
	if _, ok := d.Qualifier("vers"); ok {
		t.Error("Qualifier(vers) found")
	}
	if !d.IsRange() || d.IsVirtual() {
		t.Errorf("IsRange %v IsVirtual %v", d.IsRange(), d.IsVirtual())
	}
	if got, want := d.Unversioned().String(), "dep:generic/cmake?repository_url=https://gitlab.kitware.com/cmake/cmake"; got != want {
		t.Errorf("Unversioned() = %s, want %s", got, want)
	}
}

func TestParseRequirement(t *testing.T) {
	tests := []struct {
		in, canonical string
		legacy        bool
		err           string
		col           int // of a *SyntaxError
	}{
		{in: "dep:generic/XCB; platform_system=='Linux'", canonical: `dep:generic/XCB; platform_system == "Linux"`},
		{in: "dep:github/AbiWord/enchant; platform_system!='Windows'", canonical: `dep:github/abiword/enchant; platform_system != "Windows"`},
		{in: "dep:cran/nat; extra == 'nat'", canonical: `dep:cran/nat; extra == "nat"`},
		{in: "  dep:generic/foo  ;  os_name == 'nt'  ", canonical: `dep:generic/foo; os_name == "nt"`},
		{in: "dep:generic/foo@>=1.0;python_version>'3'", canonical: `dep:generic/foo@>=1.0; python_version > "3"`},
		{in: "pkg:generic/libsomething", canonical: "dep:generic/libsomething", legacy: true},
		{in: "virtual:compiler/c; os_name == 'posix'", canonical: `dep:virtual/compiler/c; os_name == "posix"`, legacy: true},
		{in: "dep:generic/foo; nonsense", err: `unknown marker variable "nonsense"`, col: 18},
		{in: "dep:generic/foo;", err: "found the end of the marker", col: 17},
		{in: "dep:generic/foo; os_name = 'nt'", err: `unknown operator "="`, col: 26},
		{in: "dep:virtual/foo/bar; os_name == 'nt'", err: `dep:virtual/foo/bar; os_name == 'nt': unknown virtual namespace "foo"`},
	}
	for _, tt := range tests {
		r, err := ParseRequirement(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseRequirement(%q) error = %v, want %q", tt.in, err, tt.err)
				continue
			}
			var se *SyntaxError
			if tt.col > 0 && (!errors.As(err, &se) || se.Offset+1 != tt.col || se.Input != tt.in) {
				t.Errorf("ParseRequirement(%q) error = %#v, want column %d of the whole input", tt.in, err, tt.col)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseRequirement(%q): %v", tt.in, err)
			continue
		}
		if got := r.String(); got != tt.canonical || r.Legacy != tt.legacy || r.Text != tt.in {
			t.Errorf("ParseRequirement(%q) = %q legacy %v text %q; want %q legacy %v", tt.in, got, r.Legacy, r.Text, tt.canonical, tt.legacy)
		}
		r2, err := ParseRequirement(r.String())
		if err != nil || r2.String() != r.String() {
			t.Errorf("ParseRequirement(%q) = %v, %v; want it to round-trip", r.String(), r2.String(), err)
		}
	}
}

// registryDir is the PEP 804 registry and mappings in ../shared.
var registryDir = filepath.Join("..", "..", "shared", "reference", "pep804-mappings", "data")

// TestRegistryDepURLs parses every DepURL of the PEP 804 registry and
// mappings (ids, specs_from, provides): each must parse, round-trip, and
// be canonical already, except for the registry's mixed-case github
// aliases, which purl (and pyproject-external) lower-case.
func TestRegistryDepURLs(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(registryDir, "*.json"))
	if len(files) == 0 {
		t.Skipf("no PEP 804 registry in %s (../shared is not there)", registryDir)
	}
	ids := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		collectDepURLs(doc, ids)
	}
	if len(ids) < 40 {
		t.Fatalf("found only %d DepURLs in %s", len(ids), registryDir)
	}
	var names []string
	for id := range ids {
		names = append(names, id)
	}
	slices.Sort(names)
	for _, id := range names {
		d, err := ParseDepURL(id)
		if err != nil {
			t.Errorf("registry DepURL: %v", err)
			continue
		}
		checkRoundTrip(t, d)
		if got := d.String(); got != id && got != strings.ToLower(id) {
			t.Errorf("ParseDepURL(%q).String() = %q", id, got)
		}
		if w := d.Warnings(); len(w) > 0 {
			t.Errorf("registry DepURL %s: %q", id, w)
		}
	}
}

func collectDepURLs(v any, ids map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch k {
			case "id", "specs_from", "provides":
				switch x := x.(type) {
				case string:
					ids[x] = true
				case []any:
					for _, s := range x {
						if s, ok := s.(string); ok {
							ids[s] = true
						}
					}
				}
			}
			collectDepURLs(x, ids)
		}
	case []any:
		for _, x := range v {
			collectDepURLs(x, ids)
		}
	}
}

// FuzzParseDepURL checks that a DepURL that parses round-trips through
// its canonical text, and that nothing panics.
func FuzzParseDepURL(f *testing.F) {
	for _, s := range []string{
		"dep:generic/openssl", "dep:virtual/interface/lapack@>=3.7.1", "pkg:pypi/Foo_Bar@1.0?b=2&a=1#sub/path",
		"virtual:compiler/c", "dep:npm/@angular/core@1.0", "dep:generic/a%40b@>= 2.0, <3", "dep:generic/caf%C3%A9",
		"dep:github/AbiWord/enchant; platform_system!='Windows'", "dep:generic/x; extra == 'a' or (os_name == 'nt')",
		"dep:generic/cmake?repository_url=https://gitlab.kitware.com/cmake/cmake", "dep:generic/foo#a/../b",
		"dep:mlflow/Model?repository_url=https://databricks.example", "dep:pub/Flutter-Bloc", "dep:oci/X@SHA:A",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDepURL(s)
		if err != nil {
			var de *DepURLError
			if !errors.As(err, &de) {
				t.Fatalf("ParseDepURL(%q): %T %v", s, err, err)
			}
		} else {
			checkRoundTrip(t, d)
			if d.String() != mustParse(t, d.String()).String() {
				t.Fatalf("String of %q is not stable", s)
			}
			d.Warnings()
			d.Unversioned()
			for _, v := range []string{"1.0", "2!1.0rc1.post2.dev3+local", "x"} {
				d.Allows(v)
			}
		}
		r, err := ParseRequirement(s)
		if err != nil {
			return
		}
		r2, err := ParseRequirement(r.String())
		if err != nil || r2.String() != r.String() {
			t.Fatalf("ParseRequirement(%q) = %q, which reparses to %q, %v", s, r.String(), r2.String(), err)
		}
	})
}

func mustParse(t *testing.T, s string) DepURL {
	t.Helper()
	d, err := ParseDepURL(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func ExampleParseRequirement() {
	r, err := ParseRequirement("dep:github/AbiWord/enchant; platform_system!='Windows'")
	if err != nil {
		panic(err)
	}
	fmt.Println(r.DepURL)
	fmt.Println(r.Marker)
	onLinux, _ := r.Marker.Evaluate(map[string]string{"platform_system": "Linux"})
	fmt.Println(onLinux)

	_, err = ParseDepURL("dep:virtual/foo/bar")
	fmt.Println(err)
	// Output:
	// dep:github/abiword/enchant
	// platform_system != "Windows"
	// true
	// dep:virtual/foo/bar: unknown virtual namespace "foo" (want compiler or interface)
}
