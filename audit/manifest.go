package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/libvet/libvet/artifact"
	"github.com/libvet/libvet/externaldeps"
	"github.com/libvet/libvet/host"
	"github.com/libvet/libvet/internal/conda"
	"github.com/libvet/libvet/internal/debian"
	"github.com/libvet/libvet/internal/pyname"
)

// packageManifest reads what a package artifact says about itself: its
// identity and run dependencies, and the platform tag it declares (a
// conda subdir, a dpkg architecture). It returns a nil manifest for
// artifacts that are not packages, and findings for metadata that is
// missing or broken.
func packageManifest(a *artifact.Artifact) (*Manifest, []string, []Finding) {
	switch a.Kind {
	case artifact.KindConda:
		return condaManifest(a)
	case artifact.KindDeb:
		return debManifest(a)
	}
	return nil, nil, nil
}

const (
	condaIndex  = "info/index.json"
	debControl  = "control"
	noarchConda = "noarch"
)

func condaManifest(a *artifact.Artifact) (*Manifest, []string, []Finding) {
	data, ok := a.MetadataFile(condaIndex)
	if !ok {
		return nil, nil, []Finding{{Code: "conda/metadata", Severity: Error, Member: condaIndex,
			Message: "the package has no info/index.json: conda cannot install it, and libvet cannot tell its subdir or dependencies"}}
	}
	ix, err := conda.ParseIndex(data)
	if err != nil {
		return nil, nil, []Finding{{Code: "conda/metadata", Severity: Error, Member: condaIndex, Message: err.Error()}}
	}
	m := &Manifest{Manager: "conda", Package: Package{Name: ix.Name, Version: ix.Version, Build: ix.Build}, Depends: specNames(ix.Depends)}
	subdir := ix.Subdir
	if ix.Noarch != "" {
		subdir = noarchConda
	}
	if subdir == "" {
		return m, nil, []Finding{{Code: "conda/metadata", Severity: Warning, Member: condaIndex, Message: "no subdir in info/index.json; the platform is guessed from the binaries"}}
	}
	return m, []string{subdir}, nil
}

func debManifest(a *artifact.Artifact) (*Manifest, []string, []Finding) {
	data, ok := a.MetadataFile(debControl)
	if !ok {
		return nil, nil, []Finding{{Code: "deb/metadata", Severity: Error, Message: "the package has no control file in control.tar: dpkg cannot install it"}}
	}
	paras, err := debian.ParseControl(data, debControl)
	if err != nil || len(paras) == 0 {
		if err == nil {
			err = fmt.Errorf("control: no fields")
		}
		return nil, nil, []Finding{{Code: "deb/metadata", Severity: Error, Member: debControl, Message: err.Error()}}
	}
	p := paras[0]
	m := &Manifest{Manager: "dpkg", Package: Package{Name: p.Value("Package"), Version: p.Value("Version")}, Depends: []string{}}
	var findings []Finding
	for _, field := range []string{"Pre-Depends", "Depends"} {
		v := p.Value(field)
		if v == "" {
			continue
		}
		deps, err := debian.ParseRelations(v)
		if err != nil {
			findings = append(findings, Finding{Code: "deb/metadata", Severity: Error, Member: debControl, Message: fmt.Sprintf("%s: %v", field, err)})
			continue
		}
		for _, d := range deps {
			m.Depends = append(m.Depends, debian.FormatRelations([]debian.Dependency{d}))
		}
	}
	arch := p.Value("Architecture")
	if arch == "" {
		findings = append(findings, Finding{Code: "deb/metadata", Severity: Warning, Member: debControl, Message: "no Architecture field; the platform is guessed from the binaries"})
		return m, nil, findings
	}
	return m, []string{arch}, findings
}

// dependencyName strips a dependency's version constraint, architecture
// qualifier and restrictions: "zlib1g:amd64 (>= 1:1.2.11) [amd64]" is
// "zlib1g"; a conda name is returned as it is.
func dependencyName(dep string) string {
	dep = strings.TrimSpace(dep)
	if i := strings.IndexAny(dep, " (<[:"); i >= 0 {
		dep = dep[:i]
	}
	return dep
}

// packageTagFindings reports binaries in a package that declares it has
// none: a noarch conda package, an Architecture: all .deb.
func packageTagFindings(kind artifact.Kind, r *Report) []Finding {
	if len(r.Binaries) == 0 || len(r.DeclaredTags) != 1 {
		return nil
	}
	var code, what string
	switch {
	case kind == artifact.KindConda && r.DeclaredTags[0] == noarchConda:
		code, what = "conda/noarch-binaries", "a noarch package, installed on every platform"
	case kind == artifact.KindDeb && r.DeclaredTags[0] == "all":
		code, what = "deb/arch-all-binaries", "an Architecture: all package, installed on every architecture"
	default:
		return nil
	}
	n := len(r.Binaries)
	return []Finding{{Code: code, Severity: Error, Member: r.Binaries[0].Member,
		Message: fmt.Sprintf("%s, but it holds %d native binar%s", what, n, map[bool]string{true: "y", false: "ies"}[n == 1])}}
}

// condaPrefix is a directory artifact that is a conda environment: its
// conda-meta records say which package installs each binary.
type condaPrefix struct {
	db  *host.CondaPrefix
	env Environment
}

// condaPrefixOf returns the conda environment a directory artifact is,
// nil when it is not one (no conda-meta/history).
func condaPrefixOf(a *artifact.Artifact) (*condaPrefix, error) {
	if a.Kind != artifact.KindDir || a.Member("conda-meta/history") == nil {
		return nil, nil
	}
	db, err := host.ReadCondaPrefix(host.RootFS(a.Path))
	if err != nil {
		return nil, err
	}
	return &condaPrefix{db: db, env: CondaPrefixEnvironment(db)}, nil
}

// declared is the environment's subdir: that of its first record that is
// not noarch.
func (p *condaPrefix) declared() []string {
	for _, r := range p.db.Records() {
		if r.Subdir != "" && r.Subdir != noarchConda {
			return []string{r.Subdir}
		}
	}
	return nil
}

// prefixPackage is one installed package and its binaries.
type prefixPackage struct {
	manifest *Manifest
	bins     []*Binary
}

// packages groups bins by the record that installs them, in record
// order; binaries no record owns are left out.
func (p *condaPrefix) packages(bins []*Binary) []prefixPackage {
	byName := map[string]*prefixPackage{}
	var out []*prefixPackage
	for _, b := range bins {
		owner, ok := p.db.Owner(installedPath(b.Member))
		if !ok {
			continue
		}
		pp := byName[owner.Name]
		if pp == nil {
			rec, _ := p.db.Record(owner.Name)
			m := &Manifest{Manager: "conda", Package: Package{Name: rec.Name, Version: rec.Version, Build: rec.Build}, Depends: specNames(rec.Depends)}
			pp = &prefixPackage{manifest: m}
			byName[owner.Name] = pp
			out = append(out, pp)
		}
		pp.bins = append(pp.bins, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].manifest.Package.Name < out[j].manifest.Package.Name })
	res := make([]prefixPackage, len(out))
	for i, pp := range out {
		res[i] = *pp
	}
	return res
}

// specNames returns the package names of conda MatchSpecs, sorted and
// without repeats.
func specNames(specs []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, d := range specs {
		if n := conda.SpecName(d); n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// wheelManifest is a wheel's identity and Requires-Dist, for the linkage
// audit against other wheels (--find-links, --site-packages). Names are
// normalised (PEP 503). A Requires-Dist whose marker does not hold in env
// does not count: an extra's ("extra == 'cuda'": pip installs it only on
// request) or another platform's. Requirements of the required wheels are
// not followed.
func wheelManifest(w *artifact.Wheel, md *externaldeps.Metadata, env map[string]string) *Manifest {
	m := &Manifest{Manager: "pip", Package: Package{Name: pyname.Normalize(w.Name), Version: w.Version}, Depends: []string{}}
	seen := map[string]bool{}
	for _, d := range md.RequiresDist {
		if !applies(d.Marker, env) {
			continue
		}
		if n := pyname.Normalize(d.Name); !seen[n] {
			seen[n] = true
			m.Depends = append(m.Depends, n)
		}
	}
	sort.Strings(m.Depends)
	return m
}
