package externaldeps

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/libvet/libvet/internal/datafile"
)

// Errors of [Map] and [InstallCommand], for errors.Is. The errors returned
// wrap them with the DepURL and ecosystem involved and what to do next.
var (
	// ErrUnknownEcosystem: libvet has no PEP 804 mapping of that name.
	ErrUnknownEcosystem = errors.New("unknown ecosystem")
	// ErrNoMapping: the ecosystem's mapping has no entry for the DepURL
	// (or the DepURL is unknown altogether).
	ErrNoMapping = errors.New("no mapping")
	// ErrNoPackage: the ecosystem's mapping has the DepURL but names no
	// package to install for a runtime need (PEP 804: an empty list means
	// the ecosystem has no package for it).
	ErrNoPackage = errors.New("no package")
)

// Mapping is the answer of [Map]: what provides a DepURL at run time in
// one ecosystem, and how to install it.
type Mapping struct {
	// Ecosystem is the one asked about; DepURL the one asked about, in
	// canonical form without a version.
	Ecosystem string
	DepURL    string
	// Packages are the package specifiers to install: the run
	// specifiers of the first entry in the ecosystem's mapping that has any
	// (PEP 804: several entries for one DepURL are alternatives, the first
	// the default). They are usually package names; a few ecosystems write
	// fuller specifiers ("libblas * *_openblas" in conda-forge).
	Packages []string
	// Via is the DepURL whose mapping entry gave Packages when it is not
	// DepURL itself: the DepURL an alias provides (dep:github/apache/arrow →
	// dep:generic/arrow), an implementation of a virtual DepURL the mapping
	// lacks (dep:virtual/interface/blas → dep:generic/openblas), or "".
	Via string
	// Description is the mapping entry's description, or "".
	Description string
	// Alternatives are the later entries with run specifiers, in the
	// mapping's order.
	Alternatives []Alternative
	// Manager is the package manager Command is for: the first one the
	// ecosystem's mapping lists ("apt" for ubuntu, "conda" for
	// conda-forge).
	Manager string
	// Command installs Packages, as [InstallCommand] writes it.
	Command string
}

// Alternative is another way to satisfy the DepURL of a [Mapping]: its
// fields mean what the Mapping fields of the same names do.
type Alternative struct {
	Packages    []string
	Via         string
	Description string
}

// Definition is a DepURL libvet knows: one from the PEP 804 central
// registry, or one of libvet's own from the soname knowledge base.
type Definition struct {
	// DepURL is the identifier in canonical form ([DepURL.String]:
	// "dep:github/openmathlib/openblas" for the registry's
	// dep:github/OpenMathLib/OpenBLAS). Registry aliases may carry
	// qualifiers:
	// "dep:generic/cmake?repository_url=https://gitlab.kitware.com/cmake/cmake".
	DepURL      string
	Description string
	// Provides lists the DepURLs this one is an alias or an
	// implementation of, in the registry's order (dep:generic/openblas
	// provides dep:virtual/interface/blas).
	Provides []string
	// Registered is true for the registry's DepURLs, false for libvet's own.
	Registered bool
}

// Definitions returns every DepURL libvet knows, sorted: the PEP 804
// central registry's and libvet's own (those of the soname knowledge base
// that the registry lacks). The slice is new on every call.
func Definitions() []Definition {
	d := pep804()
	out := make([]Definition, 0, len(d.registry)+len(sonameData().own))
	for _, def := range d.registry {
		out = append(out, Definition{DepURL: def.id, Description: def.description, Provides: slices.Clone(def.provides), Registered: true})
	}
	for id, desc := range sonameData().own {
		out = append(out, Definition{DepURL: id, Description: desc})
	}
	slices.SortFunc(out, func(a, b Definition) int { return strings.Compare(a.DepURL, b.DepURL) })
	return out
}

// Ecosystems returns the names of the ecosystems libvet has a PEP 804
// mapping for, sorted: "arch", "chocolatey", "conan", "conda-forge",
// "fedora", ... The mappings are embedded; they come from the
// external-metadata-mappings repository that PEP 804 proposes (see
// data/README.md), which keeps one for Ubuntu but none for Debian, Alpine
// or openSUSE. The slice is new on every call.
func Ecosystems() []string {
	return slices.Clone(pep804().names)
}

// Map returns what provides depurl at run time in ecosystem, and the
// command that installs it. depurl is a DepURL in any spelling
// [ParseDepURL] accepts ("dep:generic/openssl", "pkg:generic/openssl",
// "dep:generic/openssl@>=3"); its version is ignored, and
// [Mapping.DepURL] is its canonical form without it. ecosystem is one of
// [Ecosystems].
//
// The answer follows PEP 804 and its reference implementation
// (pyproject-external): the mapping's entries for depurl and for the
// DepURLs the registry says depurl provides (an alias's target:
// dep:github/apache/arrow → dep:generic/arrow; an implementation's
// interface: dep:generic/openblas → dep:virtual/interface/blas, whose
// packages then come as alternatives), in the mapping's order. An entry
// that names no run package is passed over; the first that does is the
// default, the others are alternatives, without repeats. Entries that
// take their specifiers from another entry (specs_from) are followed.
// libvet adds one step: when the mapping has no entry at all for a virtual
// DepURL, the registry's implementations of it are tried, in registry
// order (Via names the one used). docs/differences.md ("PEP 804 mappings") compares
// the answers with pyproject-external's.
//
// Only the run specifiers are used: libvet asks what a built binary needs
// in order to load, not what building it needs. The mappings' build and
// host specifiers name compilers and development packages (ubuntu
// dep:generic/libpq: host libpq-dev and libpq5, run libpq5).
//
// The errors wrap [ErrUnknownEcosystem], [ErrNoMapping] or [ErrNoPackage],
// or are a *[DepURLError] for a depurl that does not parse.
func Map(depurl, ecosystem string) (Mapping, error) {
	return pep804().mapDepURL(depurl, ecosystem)
}

// mapDepURL implements [Map] on d.
func (d *pep804Data) mapDepURL(depurl, ecosystem string) (Mapping, error) {
	eco, ok := d.ecosystems[ecosystem]
	if !ok {
		return Mapping{}, d.unknownEcosystem(ecosystem)
	}
	parsed, err := ParseDepURL(depurl)
	if err != nil {
		return Mapping{}, err
	}
	depurl = parsed.Unversioned().String()
	keys := []string{depurl}
	if def, ok := d.byID[depurl]; ok {
		keys = append(keys, def.provides...)
	}
	var cands []Alternative
	sawEntry, sawOtherCategory := false, false
	collect := func(match func(id string) bool) {
		for _, e := range eco.entries {
			if !match(e.id) {
				continue
			}
			sawEntry = true
			specs := eco.resolve(e)
			if len(specs[specRun]) == 0 {
				sawOtherCategory = sawOtherCategory || len(specs[specBuild]) > 0 || len(specs[specHost]) > 0
				continue
			}
			if slices.ContainsFunc(cands, func(a Alternative) bool { return slices.Equal(a.Packages, specs[specRun]) }) {
				continue
			}
			a := Alternative{Packages: slices.Clone(specs[specRun]), Description: e.description}
			if e.id != depurl {
				a.Via = e.id
			}
			cands = append(cands, a)
		}
	}
	collect(func(id string) bool { return slices.Contains(keys, id) })
	if !sawEntry && strings.HasPrefix(depurl, "dep:virtual/") {
		for _, def := range d.registry {
			if slices.Contains(def.provides, depurl) {
				collect(func(id string) bool { return id == def.id })
			}
		}
	}
	if len(cands) == 0 {
		switch {
		case sawEntry && sawOtherCategory:
			return Mapping{}, fmt.Errorf("%w for %s in %s: its PEP 804 mapping lists packages to build with it, none to run with it", ErrNoPackage, depurl, ecosystem)
		case sawEntry:
			return Mapping{}, fmt.Errorf("%w for %s in %s: its PEP 804 mapping says the ecosystem has none", ErrNoPackage, depurl, ecosystem)
		}
		return Mapping{}, d.noMapping(depurl, ecosystem)
	}
	m := Mapping{
		Ecosystem:    ecosystem,
		DepURL:       depurl,
		Packages:     cands[0].Packages,
		Via:          cands[0].Via,
		Description:  cands[0].Description,
		Alternatives: cands[1:],
		Manager:      eco.managers[0].name,
	}
	if len(m.Alternatives) == 0 {
		m.Alternatives = nil
	}
	cmd, err := eco.managers[0].installCommand(m.Packages)
	if err != nil {
		return Mapping{}, fmt.Errorf("%s in %s: %w", depurl, ecosystem, err)
	}
	m.Command = cmd
	return m, nil
}

// InstallCommand returns the shell command that installs packages with the
// first package manager of ecosystem's PEP 804 mapping: the mapping's
// command template with the packages in place of its "{}", each written
// with the manager's name-only syntax, one command per package when the
// manager takes one at a time (joined with " && "), and "sudo " in front
// when the mapping says the command requires elevation (apt, dnf, pacman,
// portage). Arguments are quoted for a POSIX shell where needed, the way
// Python's shlex.quote does. Versions are not written: libvet maps names
// only.
//
// The error wraps [ErrUnknownEcosystem] for an unknown ecosystem; an empty
// list, an empty package name or one with control characters is an error
// too.
func InstallCommand(ecosystem string, packages []string) (string, error) {
	d := pep804()
	eco, ok := d.ecosystems[ecosystem]
	if !ok {
		return "", d.unknownEcosystem(ecosystem)
	}
	return eco.managers[0].installCommand(packages)
}

func (d *pep804Data) unknownEcosystem(name string) error {
	return fmt.Errorf("%w %q; libvet has PEP 804 mappings for %s", ErrUnknownEcosystem, name, strings.Join(d.names, ", "))
}

func (d *pep804Data) noMapping(depurl, ecosystem string) error {
	why := "the DepURL is in neither the PEP 804 registry nor libvet's soname knowledge base"
	switch {
	case d.registered(depurl):
		why = "the ecosystem's PEP 804 mapping has no entry for it"
	case sonameData().own[depurl] != "":
		why = "it is libvet's own DepURL, which no PEP 804 mapping covers"
	}
	return fmt.Errorf("%w for %s in %s (%s); known DepURLs are listed by `libvet deps --list`", ErrNoMapping, depurl, ecosystem, why)
}

// The embedded PEP 804 data: the central registry and one mapping per
// ecosystem, generated by externaldeps/internal/pep804gen from the JSON
// documents (scripts/refresh-externaldeps.sh).
//
//go:embed data/pep804/*.txt
var pep804FS embed.FS

const (
	pep804Dir            = "data/pep804"
	pep804RegistryFile   = "registry.txt"
	pep804RegistryFormat = "libvet-pep804-registry 1"
	pep804MappingFormat  = "libvet-pep804-mapping 1"
)

// pep804 returns the parsed PEP 804 data, loading it on first use.
var pep804 = sync.OnceValue(func() *pep804Data {
	return mustLoad(loadPEP804(pep804FS, pep804Dir))
})

// pep804Data is the loaded registry and mappings.
type pep804Data struct {
	registry   []*registryDef          // registry order
	byID       map[string]*registryDef // id -> definition
	ecosystems map[string]*ecosystemMapping
	names      []string // ecosystem names, sorted
}

// registered reports whether id is in the central registry.
func (d *pep804Data) registered(id string) bool {
	_, ok := d.byID[id]
	return ok
}

type registryDef struct {
	id          string
	description string
	provides    []string
}

// ecosystemMapping is one ecosystem's mapping.
type ecosystemMapping struct {
	name        string // the ecosystem's id: "ubuntu"
	title       string // the mapping's name: "Ubuntu 24.04"
	description string
	managers    []*packageManager // mapping order; at least one
	entries     []*mappingEntry   // mapping order
}

// Spec categories, PEP 725's: what building needs, what linking needs,
// what running needs.
const (
	specBuild = iota
	specHost
	specRun
)

var specCategories = [...]string{specBuild: "build", specHost: "host", specRun: "run"}

type mappingEntry struct {
	line        int
	id          string
	description string
	specs       [3][]string // by category
	from        string      // specs_from, or ""
}

// resolve returns e's specifiers, following specs_from to the first entry
// of that id (as the reference implementation does). The loader rejects
// chains that do not end, so the loop stops.
func (m *ecosystemMapping) resolve(e *mappingEntry) [3][]string {
	for e.from != "" {
		i := slices.IndexFunc(m.entries, func(x *mappingEntry) bool { return x.id == e.from })
		e = m.entries[i]
	}
	return e.specs
}

// packageManager is one package manager of a mapping.
type packageManager struct {
	name     string
	install  managerCommand
	query    *managerCommand // nil: the mapping gives none
	nameOnly []string        // argument templates for one package name, with {name}
}

type managerCommand struct {
	argv     []string // template, with exactly one "{}"
	elevated bool     // requires_elevation
	multiple string   // multiple_specifiers: always, name-only or never
}

// installCommand implements [InstallCommand] for one manager.
func (pm *packageManager) installCommand(packages []string) (string, error) {
	if len(packages) == 0 {
		return "", errors.New("no packages to install")
	}
	var perPackage [][]string
	for _, p := range packages {
		if p == "" || strings.ContainsFunc(p, unicode.IsControl) {
			return "", fmt.Errorf("package %q: empty or with control characters", p)
		}
		args := make([]string, len(pm.nameOnly))
		for i, t := range pm.nameOnly {
			args[i] = strings.ReplaceAll(t, "{name}", p)
		}
		perPackage = append(perPackage, args)
	}
	// Names carry no version, so "name-only" takes them all at once,
	// like "always".
	groups := [][][]string{perPackage}
	if pm.install.multiple == "never" {
		groups = groups[:0]
		for _, args := range perPackage {
			groups = append(groups, [][]string{args})
		}
	}
	var cmds []string
	for _, g := range groups {
		var argv []string
		if pm.install.elevated {
			argv = append(argv, "sudo")
		}
		for _, a := range pm.install.argv {
			if a == "{}" {
				argv = append(argv, slices.Concat(g...)...)
				continue
			}
			argv = append(argv, a)
		}
		quoted := make([]string, len(argv))
		for i, a := range argv {
			quoted[i] = shellQuote(a)
		}
		cmds = append(cmds, strings.Join(quoted, " "))
	}
	return strings.Join(cmds, " && "), nil
}

// shellQuote quotes s for a POSIX shell as Python's shlex.quote does: as
// is when it is not empty and has only letters, digits and @%+=:,./-_,
// otherwise in single quotes (a single quote becoming '"'"').
func shellQuote(s string) string {
	safe := s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./-_", r))
	})
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// loadPEP804 loads registry.txt and every other *.txt in dir of fsys, one
// mapping per ecosystem, named after it.
func loadPEP804(fsys fs.FS, dir string) (*pep804Data, error) {
	d := &pep804Data{byID: map[string]*registryDef{}, ecosystems: map[string]*ecosystemMapping{}}
	name := path.Join(dir, pep804RegistryFile)
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	if err := d.parseRegistry("externaldeps/"+name, data); err != nil {
		return nil, err
	}
	files, err := fs.Glob(fsys, path.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	for _, f := range files { // fs.Glob sorts
		if path.Base(f) == pep804RegistryFile {
			continue
		}
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		m, err := parseMapping("externaldeps/"+f, data, strings.TrimSuffix(path.Base(f), ".txt"))
		if err != nil {
			return nil, err
		}
		d.ecosystems[m.name] = m
		d.names = append(d.names, m.name)
	}
	if len(d.names) == 0 {
		return nil, fmt.Errorf("externaldeps/%s: no ecosystem mappings", dir)
	}
	return d, nil
}

// checkID checks an identifier of the PEP 804 data: a canonical DepURL
// (what [DepURL.String] gives for it) without a version. Unlike the
// knowledge base's, it may have qualifiers: registry aliases do
// ("dep:generic/cmake?repository_url=...").
func checkID(s string) error {
	d, err := ParseDepURL(s)
	if err != nil {
		return err
	}
	if d.String() != s || d.Version != "" {
		return fmt.Errorf("%s is not a canonical DepURL without a version (%s)", s, d.Unversioned())
	}
	return nil
}

// parseRegistry parses registry.txt: "def ID [DESCRIPTION]" lines, each
// optionally followed by one "provides ID..." line.
func (d *pep804Data) parseRegistry(file string, data []byte) error {
	lines, err := datafile.Lines(file, data, pep804RegistryFormat)
	if err != nil {
		return err
	}
	var cur *registryDef
	for _, l := range lines {
		f := l.Fields
		switch f[0] {
		case "def":
			if len(f) < 2 {
				return l.Errorf(file, "want def DEPURL [DESCRIPTION]")
			}
			if err := checkID(f[1]); err != nil {
				return l.Errorf(file, "%v", err)
			}
			if _, dup := d.byID[f[1]]; dup {
				return l.Errorf(file, "%s is defined twice", f[1])
			}
			cur = &registryDef{id: f[1], description: l.Rest(2)}
			d.registry = append(d.registry, cur)
			d.byID[cur.id] = cur
		case "provides":
			if cur == nil || cur.provides != nil || len(f) < 2 {
				return l.Errorf(file, "want one provides DEPURL... line after a def line")
			}
			if strings.HasPrefix(cur.id, "dep:virtual/") {
				return l.Errorf(file, "%s is virtual: virtual DepURLs provide nothing (PEP 804)", cur.id)
			}
			for _, p := range f[1:] {
				if err := checkID(p); err != nil {
					return l.Errorf(file, "%v", err)
				}
				if p == cur.id || slices.Contains(cur.provides, p) {
					return l.Errorf(file, "%s provides itself or %s twice", cur.id, p)
				}
				cur.provides = append(cur.provides, p)
			}
		default:
			return l.Errorf(file, "unknown keyword %q (want def or provides)", f[0])
		}
	}
	if len(d.registry) == 0 {
		return &datafile.Error{File: file, Line: 1, Msg: "no definitions"}
	}
	return nil
}

// parseMapping parses one ecosystem's mapping; want is the ecosystem
// name its file name gives.
func parseMapping(file string, data []byte, want string) (*ecosystemMapping, error) {
	lines, err := datafile.Lines(file, data, pep804MappingFormat)
	if err != nil {
		return nil, err
	}
	m := &ecosystemMapping{}
	var pm *packageManager
	var e *mappingEntry
	for _, l := range lines {
		f := l.Fields
		switch f[0] {
		case "ecosystem", "name", "description":
			if m.managers != nil || len(f) < 2 {
				return nil, l.Errorf(file, "want %s TEXT before the first manager", f[0])
			}
			switch f[0] {
			case "ecosystem":
				if m.name != "" || len(f) != 2 || f[1] != want {
					return nil, l.Errorf(file, "want one line ecosystem %s (the file name's)", want)
				}
				m.name = f[1]
			case "name":
				m.title = l.Rest(1)
			case "description":
				m.description = l.Rest(1)
			}
		case "manager":
			if m.name == "" || m.entries != nil || len(f) != 2 {
				return nil, l.Errorf(file, "want manager NAME after the ecosystem line and before the first entry")
			}
			if pm != nil {
				if err := pm.check(); err != nil {
					return nil, l.Errorf(file, "manager %s: %v", pm.name, err)
				}
			}
			for _, other := range m.managers {
				if other.name == f[1] {
					return nil, l.Errorf(file, "manager %s is listed twice", f[1])
				}
			}
			pm = &packageManager{name: f[1]}
			m.managers = append(m.managers, pm)
		case "install", "install-elevated", "query", "query-elevated", "name-only":
			if pm == nil || e != nil {
				return nil, l.Errorf(file, "%s line outside a manager", f[0])
			}
			if err := pm.parseLine(f); err != nil {
				return nil, l.Errorf(file, "manager %s: %v", pm.name, err)
			}
		case "entry":
			if len(m.managers) == 0 || len(f) < 2 {
				return nil, l.Errorf(file, "want entry DEPURL [DESCRIPTION] after the managers")
			}
			if e == nil {
				if err := pm.check(); err != nil {
					return nil, l.Errorf(file, "manager %s: %v", pm.name, err)
				}
			}
			if err := checkID(f[1]); err != nil {
				return nil, l.Errorf(file, "%v", err)
			}
			e = &mappingEntry{line: l.Num, id: f[1], description: l.Rest(2)}
			m.entries = append(m.entries, e)
		case "build", "host", "run", "from":
			if e == nil || len(f) < 2 {
				return nil, l.Errorf(file, "want %s SPEC in an entry", f[0])
			}
			if f[0] == "from" {
				if e.from != "" || len(e.specs[specBuild])+len(e.specs[specHost])+len(e.specs[specRun]) > 0 || len(f) != 2 {
					return nil, l.Errorf(file, "an entry has either one from DEPURL line or specifiers")
				}
				e.from = f[1]
				continue
			}
			if e.from != "" {
				return nil, l.Errorf(file, "an entry has either one from DEPURL line or specifiers")
			}
			c := slices.Index(specCategories[:], f[0])
			spec := l.Rest(1)
			if slices.Contains(e.specs[c], spec) {
				return nil, l.Errorf(file, "%s %q is listed twice", f[0], spec)
			}
			e.specs[c] = append(e.specs[c], spec)
		default:
			return nil, l.Errorf(file, "unknown keyword %q", f[0])
		}
	}
	if m.name == "" || len(m.managers) == 0 || len(m.entries) == 0 {
		return nil, &datafile.Error{File: file, Line: 1, Msg: "want an ecosystem line, at least one manager and at least one entry"}
	}
	// specs_from must name an entry of this mapping, and chains must end.
	for _, e := range m.entries {
		seen := []string{e.id}
		for x := e; x.from != ""; {
			i := slices.IndexFunc(m.entries, func(y *mappingEntry) bool { return y.id == x.from })
			if i < 0 {
				return nil, &datafile.Error{File: file, Line: e.line, Msg: fmt.Sprintf("%s: from %s, which has no entry", e.id, x.from)}
			}
			x = m.entries[i]
			if slices.Contains(seen, x.id) {
				return nil, &datafile.Error{File: file, Line: e.line, Msg: fmt.Sprintf("%s: from chain loops at %s", e.id, x.id)}
			}
			seen = append(seen, x.id)
		}
	}
	return m, nil
}

// parseLine parses a manager's install, install-elevated, query,
// query-elevated or name-only line.
func (pm *packageManager) parseLine(f []string) error {
	if f[0] == "name-only" {
		if pm.nameOnly != nil || len(f) < 2 {
			return errors.New("want one name-only ARG... line")
		}
		pm.nameOnly = f[1:]
		if !slices.ContainsFunc(pm.nameOnly, func(a string) bool { return strings.Contains(a, "{name}") }) {
			return errors.New("the name-only syntax has no {name}")
		}
		return nil
	}
	kind, elevated := strings.CutSuffix(f[0], "-elevated")
	if len(f) < 3 {
		return fmt.Errorf("want %s MULTIPLE ARG...", f[0])
	}
	c := managerCommand{argv: f[2:], elevated: elevated, multiple: f[1]}
	switch c.multiple {
	case "always", "name-only", "never":
	default:
		return fmt.Errorf("multiple specifiers %q: want always, name-only or never", c.multiple)
	}
	if n := slices.Index(c.argv, "{}"); n < 0 || slices.Index(c.argv[n+1:], "{}") >= 0 {
		return fmt.Errorf("the %s command needs exactly one {} argument", kind)
	}
	switch {
	case kind == "install" && pm.install.argv == nil:
		pm.install = c
	case kind == "query" && pm.query == nil:
		pm.query = &c
	default:
		return fmt.Errorf("a second %s command", kind)
	}
	return nil
}

// check reports what a complete manager lacks.
func (pm *packageManager) check() error {
	if pm.install.argv == nil {
		return errors.New("no install command")
	}
	if pm.nameOnly == nil {
		return errors.New("no name-only syntax")
	}
	return nil
}
