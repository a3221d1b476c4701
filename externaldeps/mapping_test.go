package externaldeps

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// sharedMappings is the directory of the PEP 804 documents as the project
// keeps them, relative to this package's directory.
const sharedMappings = "../../shared/reference/pep804-mappings/data"

// TestPEP804Parses proves the embedded PEP 804 data loads (the panic in
// pep804 can only fire if this test fails).
func TestPEP804Parses(t *testing.T) {
	d, err := loadPEP804(pep804FS, pep804Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.registry) < 50 {
		t.Errorf("%d registry definitions, want at least 50", len(d.registry))
	}
	want := []string{"arch", "chocolatey", "conan", "conda-forge", "fedora", "gentoo", "homebrew", "nix", "pypi", "scoop", "spack", "ubuntu", "vcpkg", "winget"}
	if !slices.Equal(d.names, want) {
		t.Errorf("ecosystems %q, want %q", d.names, want)
	}
	for _, name := range d.names {
		m := d.ecosystems[name]
		if m.title == "" || len(m.entries) < 40 {
			t.Errorf("%s: name %q, %d entries", name, m.title, len(m.entries))
		}
	}
}

// TestPEP804MatchesReference round-trips every registry definition and
// every mapping entry and package manager: the embedded data says what the
// JSON documents say, in the same order, for every field libvet keeps.
func TestPEP804MatchesReference(t *testing.T) {
	if _, err := os.Stat(sharedMappings); errors.Is(err, os.ErrNotExist) {
		t.Skipf("the project's reference data is not available: %s does not exist", sharedMappings)
	}
	d := pep804()
	canon := func(s string) string {
		p, err := ParseDepURL(s)
		if err != nil {
			t.Fatalf("reference DepURL %q: %v", s, err)
		}
		return p.String()
	}
	var reg struct {
		Definitions []struct {
			ID          string          `json:"id"`
			Description string          `json:"description"`
			Provides    json.RawMessage `json:"provides"`
		} `json:"definitions"`
	}
	readJSON(t, filepath.Join(sharedMappings, "registry.json"), &reg)
	if len(reg.Definitions) != len(d.registry) {
		t.Fatalf("registry: %d definitions, embedded %d", len(reg.Definitions), len(d.registry))
	}
	for i, def := range reg.Definitions {
		got := d.registry[i]
		var provides []string
		for _, p := range stringOrList(t, def.Provides) {
			provides = append(provides, canon(p))
		}
		if got.id != canon(def.ID) || got.description != def.Description || !slices.Equal(got.provides, provides) {
			t.Errorf("registry[%d]: embedded %+v, reference %s %q %q", i, got, def.ID, def.Description, provides)
		}
	}

	var known struct {
		Ecosystems map[string]json.RawMessage `json:"ecosystems"`
	}
	readJSON(t, filepath.Join(sharedMappings, "known-ecosystems.json"), &known)
	for name := range known.Ecosystems {
		if _, ok := d.ecosystems[name]; !ok {
			t.Errorf("known-ecosystems.json lists %s; libvet has no mapping for it", name)
		}
	}
	files, _ := filepath.Glob(filepath.Join(sharedMappings, "*.mapping.json"))
	if len(files) != len(d.names) {
		t.Errorf("%d mapping documents, %d embedded mappings", len(files), len(d.names))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".mapping.json")
		m, ok := d.ecosystems[name]
		if !ok {
			t.Errorf("%s: no embedded mapping %s", f, name)
			continue
		}
		var doc struct {
			Name            string `json:"name"`
			Description     string `json:"description"`
			PackageManagers []struct {
				Name     string `json:"name"`
				Commands struct {
					Install refCommand  `json:"install"`
					Query   *refCommand `json:"query"`
				} `json:"commands"`
				SpecifierSyntax struct {
					NameOnly []string `json:"name_only"`
				} `json:"specifier_syntax"`
			} `json:"package_managers"`
			Mappings []struct {
				ID          string          `json:"id"`
				Description string          `json:"description"`
				Specs       json.RawMessage `json:"specs"`
				SpecsFrom   string          `json:"specs_from"`
			} `json:"mappings"`
		}
		readJSON(t, f, &doc)
		if m.title != doc.Name || m.description != doc.Description {
			t.Errorf("%s: name %q description %q, reference %q %q", name, m.title, m.description, doc.Name, doc.Description)
		}
		if len(m.managers) != len(doc.PackageManagers) {
			t.Errorf("%s: %d managers, reference %d", name, len(m.managers), len(doc.PackageManagers))
			continue
		}
		for i, pm := range doc.PackageManagers {
			got := m.managers[i]
			if got.name != pm.Name || !slices.Equal(got.nameOnly, pm.SpecifierSyntax.NameOnly) ||
				!pm.Commands.Install.equal(&got.install, "always") {
				t.Errorf("%s: manager %d: embedded %+v, reference %+v", name, i, got, pm)
			}
			q := pm.Commands.Query
			switch {
			case q == nil || len(q.Command) == 0:
				if got.query != nil {
					t.Errorf("%s: manager %s: a query command the reference lacks", name, got.name)
				}
			case got.query == nil || !q.equal(got.query, "never"):
				t.Errorf("%s: manager %s: query %+v, reference %+v", name, got.name, got.query, q)
			}
		}
		if len(m.entries) != len(doc.Mappings) {
			t.Errorf("%s: %d entries, reference %d", name, len(m.entries), len(doc.Mappings))
			continue
		}
		for i, e := range doc.Mappings {
			got := m.entries[i]
			var want [3][]string
			from := ""
			if e.SpecsFrom != "" {
				from = canon(e.SpecsFrom)
			} else {
				want = refSpecs(t, e.Specs)
			}
			if got.id != canon(e.ID) || got.description != e.Description || got.from != from || !specsEqual(got.specs, want) {
				t.Errorf("%s: entry %d: embedded %+v, reference %s %q %q %q", name, i, got, e.ID, e.Description, want, from)
			}
		}
	}
}

type refCommand struct {
	Command            []string `json:"command"`
	MultipleSpecifiers string   `json:"multiple_specifiers"`
	RequiresElevation  bool     `json:"requires_elevation"`
}

// equal compares the reference command with an embedded one; def is the
// multiple_specifiers default.
func (c *refCommand) equal(got *managerCommand, def string) bool {
	multiple := c.MultipleSpecifiers
	if multiple == "" {
		multiple = def
	}
	return slices.Equal(c.Command, got.argv) && c.RequiresElevation == got.elevated && multiple == got.multiple
}

func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// stringOrList decodes null, a string or a list of strings.
func stringOrList(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return list
}

// refSpecs decodes a mapping entry's specs the way PEP 804 defines them: a
// string or a list for all three categories, or {build, host, run}.
func refSpecs(t *testing.T, raw json.RawMessage) [3][]string {
	t.Helper()
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		return [3][]string{stringOrList(t, obj["build"]), stringOrList(t, obj["host"]), stringOrList(t, obj["run"])}
	}
	l := stringOrList(t, raw)
	return [3][]string{l, l, l}
}

func specsEqual(a, b [3][]string) bool {
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestMap(t *testing.T) {
	tests := []struct {
		depurl, ecosystem string
		packages          []string
		via               string
		alternatives      [][]string
		manager, command  string
	}{
		// Run specs, not the build or host ones: libpq5, not libpq-dev.
		{"dep:generic/libpq", "ubuntu", []string{"libpq5"}, "", nil, "apt", "sudo apt install --yes libpq5"},
		{"dep:generic/zlib", "ubuntu", []string{"zlib1g"}, "", nil, "apt", "sudo apt install --yes zlib1g"},
		// The mapping's first alternative is the default.
		{"dep:generic/libjpeg", "ubuntu", []string{"libjpeg-turbo8"}, "", [][]string{{"libjpeg9"}, {"libjpeg62"}}, "apt", "sudo apt install --yes libjpeg-turbo8"},
		{"dep:generic/libpq", "conda-forge", []string{"libpq"}, "", nil, "conda", "conda install --yes --channel=conda-forge --strict-channel-priority libpq"},
		{"dep:generic/openssl", "conda-forge", []string{"openssl"}, "", [][]string{{"m2-openssl"}, {"m2w64-openssl"}}, "conda", "conda install --yes --channel=conda-forge --strict-channel-priority openssl"},
		{"dep:virtual/interface/blas", "conda-forge", []string{"libblas"}, "",
			[][]string{{"libblas * *_openblas"}, {"libblas * *_mkl"}, {"libblas * *_blis"}}, "conda", "conda install --yes --channel=conda-forge --strict-channel-priority libblas"},
		{"dep:generic/openssl", "fedora", []string{"openssl"}, "", nil, "dnf", "sudo dnf install -y openssl"},
		{"dep:virtual/interface/blas", "fedora", []string{"blas"}, "", [][]string{{"openblas"}, {"flexiblas"}}, "dnf", "sudo dnf install -y blas"},
		{"dep:generic/libpq", "arch", []string{"postgresql-libs"}, "", nil, "pacman", "sudo pacman -Syu --noconfirm postgresql-libs"},
		{"dep:generic/libxml2", "arch", []string{"libxml2"}, "", nil, "pacman", "sudo pacman -Syu --noconfirm libxml2"},
		{"dep:generic/libpq", "homebrew", []string{"libpq"}, "", nil, "brew", "brew install libpq"},
		{"dep:virtual/interface/blas", "homebrew", []string{"openblas"}, "", [][]string{{"blis"}}, "brew", "brew install openblas"},
		// An alias: the registry says dep:github/apache/arrow provides
		// dep:generic/arrow; the spelling of the question does not matter.
		{"dep:github/apache/arrow", "homebrew", []string{"apache-arrow"}, "dep:generic/arrow", nil, "brew", "brew install apache-arrow"},
		{"dep:github/Apache/Arrow@>=15", "homebrew", []string{"apache-arrow"}, "dep:generic/arrow", nil, "brew", "brew install apache-arrow"},
		{"pkg:generic/zlib", "nix", []string{"zlib"}, "", nil, "nix-env", "nix-env -iA zlib"},
		// specs_from: pypi's blas takes openblas's specifiers.
		{"dep:virtual/interface/blas", "pypi", []string{"scipy-openblas32", "scipy-openblas64"}, "", nil, "pip", "pip install --yes scipy-openblas32 scipy-openblas64"},
		{"dep:virtual/interface/lapack", "winget", []string{"Intel.oneMKL"}, "", nil, "winget", "winget install --exact --id Intel.oneMKL"},
		// Quoting: a conda-forge run specifier with spaces and quotes.
		{"dep:virtual/compiler/c", "conda-forge", []string{"c-compiler"}, "", nil, "conda", "conda install --yes --channel=conda-forge --strict-channel-priority c-compiler"},
	}
	for _, tt := range tests {
		t.Run(tt.ecosystem+" "+tt.depurl, func(t *testing.T) {
			m, err := Map(tt.depurl, tt.ecosystem)
			if err != nil {
				t.Fatal(err)
			}
			var alts [][]string
			for _, a := range m.Alternatives {
				alts = append(alts, a.Packages)
			}
			if !slices.Equal(m.Packages, tt.packages) || m.Via != tt.via || !slices.EqualFunc(alts, tt.alternatives, slices.Equal) ||
				m.Manager != tt.manager || m.Command != tt.command || m.Ecosystem != tt.ecosystem {
				t.Errorf("got %+v\nwant packages %q via %q alternatives %q manager %s command %q", m, tt.packages, tt.via, tt.alternatives, tt.manager, tt.command)
			}
			if p, _ := ParseDepURL(tt.depurl); m.DepURL != p.Unversioned().String() {
				t.Errorf("DepURL %q", m.DepURL)
			}
		})
	}
}

func TestMapErrors(t *testing.T) {
	tests := []struct {
		depurl, ecosystem string
		is                error
		want              string
	}{
		{"dep:generic/openssl", "alpine", ErrUnknownEcosystem, `unknown ecosystem "alpine"; libvet has PEP 804 mappings for arch, chocolatey,`},
		{"dep:generic/openssl", "debian", ErrUnknownEcosystem, `unknown ecosystem "debian"`},
		{"dep:generic/foo", "fedora", ErrNoMapping, "no mapping for dep:generic/foo in fedora (the DepURL is in neither the PEP 804 registry nor libvet's soname knowledge base); known DepURLs are listed by `libvet deps --list`"},
		{"dep:generic/curl", "fedora", ErrNoMapping, "no mapping for dep:generic/curl in fedora (it is libvet's own DepURL, which no PEP 804 mapping covers)"},
		{"dep:generic/libxcb", "pypi", ErrNoPackage, "no package for dep:generic/libxcb in pypi: its PEP 804 mapping says the ecosystem has none"},
		{"dep:virtual/interface/openmp", "ubuntu", ErrNoPackage, "no package for dep:virtual/interface/openmp in ubuntu"},
		{"dep:generic/openssl", "pypi", ErrNoPackage, "no package for dep:generic/openssl in pypi"},
		{"generic/openssl", "ubuntu", nil, "generic/openssl"},
		{"", "ubuntu", nil, "empty DepURL"},
	}
	for _, tt := range tests {
		_, err := Map(tt.depurl, tt.ecosystem)
		if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
			t.Errorf("Map(%q, %q): error %v, want %v containing %q", tt.depurl, tt.ecosystem, err, tt.is, tt.want)
		}
		var de *DepURLError
		if tt.is == nil && !errors.As(err, &de) {
			t.Errorf("Map(%q, %q): error %v is not a *DepURLError", tt.depurl, tt.ecosystem, err)
		}
	}
}

// TestMapEveryDepURL maps every registry DepURL and every DepURL of the
// soname knowledge base in every ecosystem: an answer has packages and a
// command; anything else is one of the documented errors.
func TestMapEveryDepURL(t *testing.T) {
	mapped := map[string]int{}
	for _, def := range Definitions() {
		for _, eco := range Ecosystems() {
			m, err := Map(def.DepURL, eco)
			switch {
			case err == nil:
				if len(m.Packages) == 0 || m.Command == "" || m.Manager == "" {
					t.Errorf("%s in %s: %+v", def.DepURL, eco, m)
				}
				mapped[eco]++
			case errors.Is(err, ErrNoMapping) || errors.Is(err, ErrNoPackage):
			default:
				t.Errorf("%s in %s: %v", def.DepURL, eco, err)
			}
		}
	}
	for _, eco := range []string{"ubuntu", "fedora", "arch", "conda-forge", "homebrew"} {
		if mapped[eco] < 25 {
			t.Errorf("%s maps only %d DepURLs", eco, mapped[eco])
		}
	}
}

// testMappings is a small PEP 804 data set for the rules the real data
// does not exercise.
var testMappings = fstest.MapFS{
	"d/registry.txt": {Data: []byte(`libvet-pep804-registry 1
def dep:generic/blasimpl A BLAS
provides dep:virtual/interface/blas
def dep:generic/other Another BLAS
provides dep:virtual/interface/blas
def dep:virtual/interface/blas
def dep:virtual/interface/lapack
`)},
	"d/eco.txt": {Data: []byte(`libvet-pep804-mapping 1
ecosystem eco
name Eco
manager one
install-elevated never one add {}
name-only --pkg {name}
manager two
install always two add {}
name-only {name}

entry dep:generic/blasimpl
run blas-impl
entry dep:generic/other
host other-dev
entry dep:virtual/interface/lapack
from dep:generic/blasimpl
`)},
}

func TestMapRules(t *testing.T) {
	d, err := loadPEP804(testMappings, "d")
	if err != nil {
		t.Fatal(err)
	}
	// No entry for the virtual DepURL: its implementations in registry
	// order; one without run specifiers is passed over.
	m, err := d.mapDepURL("dep:virtual/interface/blas", "eco")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Packages, []string{"blas-impl"}) || m.Via != "dep:generic/blasimpl" || m.Alternatives != nil ||
		m.Command != "sudo one add --pkg blas-impl" || m.Manager != "one" {
		t.Errorf("blas: %+v", m)
	}
	// specs_from.
	if m, err := d.mapDepURL("dep:virtual/interface/lapack", "eco"); err != nil || !slices.Equal(m.Packages, []string{"blas-impl"}) || m.Via != "" {
		t.Errorf("lapack: %+v, %v", m, err)
	}
	// Build or host specifiers only.
	if _, err := d.mapDepURL("dep:generic/other", "eco"); !errors.Is(err, ErrNoPackage) || !strings.Contains(err.Error(), "lists packages to build with it, none to run with it") {
		t.Errorf("other: %v", err)
	}
	// One command per package for "never".
	if got, err := d.ecosystems["eco"].managers[0].installCommand([]string{"a", "b c"}); err != nil || got != "sudo one add --pkg a && sudo one add --pkg 'b c'" {
		t.Errorf("never: %q, %v", got, err)
	}
}

func TestInstallCommand(t *testing.T) {
	tests := []struct {
		ecosystem string
		packages  []string
		want      string
	}{
		{"ubuntu", []string{"libpq5", "zlib1g"}, "sudo apt install --yes libpq5 zlib1g"},
		{"fedora", []string{"openssl-libs"}, "sudo dnf install -y openssl-libs"},
		{"arch", []string{"openssl"}, "sudo pacman -Syu --noconfirm openssl"},
		{"gentoo", []string{"dev-libs/openssl"}, "sudo pmerge dev-libs/openssl"},
		{"conda-forge", []string{"libblas * *_openblas", "openssl"}, "conda install --yes --channel=conda-forge --strict-channel-priority 'libblas * *_openblas' openssl"},
		{"conda-forge", []string{"{{ compiler('c') }}"}, `conda install --yes --channel=conda-forge --strict-channel-priority '{{ compiler('"'"'c'"'"') }}'`},
		{"homebrew", []string{"openssl@3"}, "brew install openssl@3"},
		{"winget", []string{"ShiningLight.OpenSSL", "Intel.oneMKL"}, "winget install --exact --id ShiningLight.OpenSSL Intel.oneMKL"},
		{"nix", []string{"zlib"}, "nix-env -iA zlib"},
	}
	for _, tt := range tests {
		got, err := InstallCommand(tt.ecosystem, tt.packages)
		if err != nil || got != tt.want {
			t.Errorf("InstallCommand(%q, %q) = %q, %v; want %q", tt.ecosystem, tt.packages, got, err, tt.want)
		}
	}
	for _, bad := range []struct {
		ecosystem string
		packages  []string
		want      string
	}{
		{"alpine", []string{"openssl"}, `unknown ecosystem "alpine"`},
		{"ubuntu", nil, "no packages to install"},
		{"ubuntu", []string{""}, `package "": empty or with control characters`},
		{"ubuntu", []string{"a\nrm -rf /"}, "control characters"},
	} {
		if _, err := InstallCommand(bad.ecosystem, bad.packages); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("InstallCommand(%q, %q): error %v, want %q", bad.ecosystem, bad.packages, err, bad.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "''",
		"libpq5":                "libpq5",
		"--channel=conda-forge": "--channel=conda-forge",
		"openssl@3":             "openssl@3",
		"a,b:c%d+e/f.g_h":       "a,b:c%d+e/f.g_h",
		"a b":                   "'a b'",
		"it's":                  `'it'"'"'s'`,
		"$HOME":                 "'$HOME'",
		"*":                     "'*'",
		"é":                     "'é'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseMappingErrors(t *testing.T) {
	const head = "libvet-pep804-mapping 1\necosystem eco\n"
	const pm = "manager m\ninstall always m {}\nname-only {name}\n"
	tests := []struct{ name, data, want string }{
		{"format", "libvet-pep804-registry 1\n", `want the format line "libvet-pep804-mapping 1"`},
		{"wrong ecosystem", "libvet-pep804-mapping 1\necosystem other\n", "x:2: want one line ecosystem eco"},
		{"no manager", head + "entry dep:generic/zlib\n", "x:3: want entry DEPURL [DESCRIPTION] after the managers"},
		{"manager first", "libvet-pep804-mapping 1\nmanager m\n", "x:2: want manager NAME after the ecosystem line"},
		{"no install", head + "manager m\nname-only {name}\nentry dep:generic/zlib\n", "x:5: manager m: no install command"},
		{"no name-only", head + "manager m\ninstall always m {}\nmanager n\n", "x:5: manager m: no name-only syntax"},
		{"no placeholder", head + "manager m\ninstall always m\n", "needs exactly one {} argument"},
		{"two placeholders", head + "manager m\ninstall always m {} {}\n", "needs exactly one {} argument"},
		{"bad multiple", head + "manager m\ninstall sometimes m {}\n", `multiple specifiers "sometimes"`},
		{"second install", head + "manager m\ninstall always m {}\ninstall always n {}\n", "a second install command"},
		{"name-only without name", head + "manager m\nname-only pkg\n", "the name-only syntax has no {name}"},
		{"manager twice", head + pm + "manager m\n", "x:6: manager m is listed twice"},
		{"spec outside entry", head + pm + "run zlib\n", "x:6: want run SPEC in an entry"},
		{"bad id", head + pm + "entry generic/zlib\n", "x:6: generic/zlib"},
		{"versioned id", head + pm + "entry dep:generic/zlib@1\n", "is not a canonical DepURL without a version"},
		{"uncanonical id", head + pm + "entry dep:github/Foo/Bar\n", "is not a canonical DepURL"},
		{"from and specs", head + pm + "entry dep:generic/a\nrun a\nfrom dep:generic/b\n", "either one from DEPURL line or specifiers"},
		{"specs after from", head + pm + "entry dep:generic/a\nfrom dep:generic/b\nrun a\n", "either one from DEPURL line or specifiers"},
		{"from nowhere", head + pm + "entry dep:generic/a\nfrom dep:generic/b\n", "x:6: dep:generic/a: from dep:generic/b, which has no entry"},
		{"from loop", head + pm + "entry dep:generic/a\nfrom dep:generic/b\nentry dep:generic/b\nfrom dep:generic/a\n", "from chain loops"},
		{"repeated spec", head + pm + "entry dep:generic/a\nrun a\nrun a\n", `run "a" is listed twice`},
		{"unknown keyword", head + pm + "entry dep:generic/a\nrecommends a\n", `unknown keyword "recommends"`},
		{"empty", head, "want an ecosystem line, at least one manager and at least one entry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseMapping("x", []byte(tt.data), "eco")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// Free text keeps its inner spacing.
	m, err := parseMapping("x", []byte(head+"name  Two  Words \n"+pm+"entry dep:generic/a  An  entry\nrun libblas *  *_mkl\n"), "eco")
	if err != nil {
		t.Fatal(err)
	}
	if m.title != "Two  Words" || m.entries[0].description != "An  entry" || m.entries[0].specs[specRun][0] != "libblas *  *_mkl" {
		t.Errorf("free text: %q %q %q", m.title, m.entries[0].description, m.entries[0].specs[specRun])
	}
}

func TestParseRegistryErrors(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"format", "libvet-pep804-mapping 1\n", `want the format line "libvet-pep804-registry 1"`},
		{"empty", "libvet-pep804-registry 1\n", "x:1: no definitions"},
		{"twice", "libvet-pep804-registry 1\ndef dep:generic/a\ndef dep:generic/a\n", "x:3: dep:generic/a is defined twice"},
		{"provides first", "libvet-pep804-registry 1\nprovides dep:generic/a\n", "x:2: want one provides DEPURL... line after a def line"},
		{"provides twice", "libvet-pep804-registry 1\ndef dep:generic/a\nprovides dep:generic/b\nprovides dep:generic/c\n", "x:4: want one provides"},
		{"virtual provides", "libvet-pep804-registry 1\ndef dep:virtual/interface/blas\nprovides dep:generic/b\n", "virtual DepURLs provide nothing"},
		{"self", "libvet-pep804-registry 1\ndef dep:generic/a\nprovides dep:generic/a\n", "provides itself"},
		{"bad id", "libvet-pep804-registry 1\ndef openssl\n", "x:2: openssl"},
		{"keyword", "libvet-pep804-registry 1\nalias dep:generic/a\n", `unknown keyword "alias"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &pep804Data{byID: map[string]*registryDef{}}
			err := d.parseRegistry("x", []byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// A registry alias with qualifiers is fine.
	d := &pep804Data{byID: map[string]*registryDef{}}
	if err := d.parseRegistry("x", []byte("libvet-pep804-registry 1\ndef dep:generic/cmake?repository_url=https://gitlab.kitware.com/cmake/cmake CMake\nprovides dep:generic/cmake\n")); err != nil {
		t.Error(err)
	}
}

func TestLoadPEP804Errors(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"no registry":    {"d/eco.txt": testMappings["d/eco.txt"]},
		"no ecosystems":  {"d/registry.txt": testMappings["d/registry.txt"]},
		"file name":      {"d/registry.txt": testMappings["d/registry.txt"], "d/other.txt": testMappings["d/eco.txt"]},
		"broken mapping": {"d/registry.txt": testMappings["d/registry.txt"], "d/eco.txt": {Data: []byte("libvet-pep804-mapping 1\nbogus\n")}},
	} {
		if _, err := loadPEP804(fsys, "d"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDefinitions(t *testing.T) {
	defs := Definitions()
	if !slices.IsSortedFunc(defs, func(a, b Definition) int { return strings.Compare(a.DepURL, b.DepURL) }) {
		t.Error("not sorted")
	}
	byID := map[string]Definition{}
	for _, d := range defs {
		if _, dup := byID[d.DepURL]; dup {
			t.Errorf("%s twice", d.DepURL)
		}
		byID[d.DepURL] = d
	}
	for id, want := range map[string]Definition{
		"dep:generic/openblas": {DepURL: "dep:generic/openblas", Description: "OpenBLAS is an optimized BLAS (Basic Linear Algebra Subprograms) library based on GotoBLAS2 1.13 BSD version.",
			Provides: []string{"dep:virtual/interface/blas"}, Registered: true},
		"dep:generic/curl": {DepURL: "dep:generic/curl", Description: "libcurl, the URL transfer library of the curl project"},
		"dep:github/apache/arrow": {DepURL: "dep:github/apache/arrow", Description: byID["dep:github/apache/arrow"].Description,
			Provides: []string{"dep:generic/arrow"}, Registered: true},
	} {
		got := byID[id]
		if got.DepURL != want.DepURL || got.Description != want.Description || !slices.Equal(got.Provides, want.Provides) || got.Registered != want.Registered {
			t.Errorf("%s: %+v, want %+v", id, got, want)
		}
	}
	if len(defs) != len(pep804().registry)+len(sonameData().own) {
		t.Errorf("%d definitions", len(defs))
	}
	defs[0].Provides = append(defs[0].Provides, "changed")
	if slices.Contains(Definitions()[0].Provides, "changed") {
		t.Error("Definitions shares storage")
	}
	e := Ecosystems()
	e[0] = "changed"
	if Ecosystems()[0] == "changed" {
		t.Error("Ecosystems shares storage")
	}
}
