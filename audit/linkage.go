package audit

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Package is a package of the environment an artifact installs into.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Build   string `json:"build,omitempty"`
}

// String returns "name-version-build", leaving out empty parts.
func (p Package) String() string {
	s := p.Name
	for _, x := range []string{p.Version, p.Build} {
		if x != "" {
			s += "-" + x
		}
	}
	return s
}

// Environment is what a package's linkage is checked against: the
// packages installed beside it (a conda environment given with --prefix,
// a folder of package files given with --with).
type Environment interface {
	// Owner returns the package that installs the file at p, a path
	// relative to the install root (the conda prefix).
	Owner(p string) (Package, bool)
	// Libraries reports whether the package named name installs shared
	// libraries, and whether the environment knows that package at all.
	Libraries(name string) (has, known bool)
}

// NamedEnvironment is an [Environment] with what it is, for reports
// ("--prefix /opt/conda").
type NamedEnvironment struct {
	Environment
	Name string
}

// Manifest is what a package artifact says about itself: its identity
// and what it depends on.
type Manifest struct {
	// Manager is the package manager: "conda" or "dpkg".
	Manager string
	Package Package
	// Depends are the packages it depends on at run time: for conda and
	// pip the names, sorted; for dpkg the entries as written, in order,
	// alternatives as "a | b".
	Depends []string
}

// Linkage is the linkage audit of a package, modelled on conda-build's
// overlinking and overdepending checks and grouped as `conda inspect
// linkages` groups: who provides each library its binaries link against.
type Linkage struct {
	Manager string `json:"manager"`
	// Package is "name-version-build".
	Package string   `json:"package"`
	Depends []string `json:"depends"`
	// Environment says what the libraries outside the package were looked
	// up in ("--prefix /opt/conda"), "" when nothing was given.
	Environment string `json:"environment"`
	// Groups are sorted: this package, packages by name, system, not found.
	Groups []LinkGroup `json:"groups"`
	// Overlinking lists the packages linked against that are not in
	// Depends; Overdepending the library packages in Depends nothing
	// links against; Unchecked the dependencies the environment does not
	// hold, so they could not be classified.
	Overlinking   []string `json:"overlinking"`
	Overdepending []string `json:"overdepending"`
	Unchecked     []string `json:"unchecked"`
}

// LinkGroup is the libraries one provider gives the package's binaries.
type LinkGroup struct {
	// Kind is "self" (the package itself), "package" (another package of
	// the environment), "system" (the platform), "excluded" (--exclude)
	// or "not-found".
	Kind string `json:"kind"`
	// Package names the providing package when Kind is "package".
	Package   string `json:"package,omitempty"`
	InDepends bool   `json:"in_depends,omitempty"`
	Libs      []Link `json:"libs"`
}

// Link is one library and the binaries that link against it.
type Link struct {
	Need string `json:"need"`
	// Path is where it was found (a path in the package or the
	// environment), "" for system libraries and ones not found.
	Path     string   `json:"path,omitempty"`
	NeededBy []string `json:"needed_by"`
}

// Group kinds, in the order groups are listed.
var groupOrder = []string{"self", "package", "system", "excluded", "not-found"}

// codePrefix is the finding code prefix of each manager's packages.
var codePrefix = map[string]string{"conda": "conda", "dpkg": "deb", "pip": "wheel"}

// addDependency says how to fix an overlinking, per manager.
var addDependency = map[string]string{
	"conda": "add %s to the run requirements",
	"dpkg":  "add %s to Depends (dpkg-shlibdeps adds it from the library's shlibs when it sees the link)",
	"pip":   "add %s to Requires-Dist (the project's dependencies), or vendor the library",
}

// envAdvice says how to give each manager's environment.
var envAdvice = map[string]string{
	"conda": "give the environment with --prefix ENV or --with DIR-OF-PACKAGES",
	"dpkg":  "give a Debian root with --root (this host has no dpkg database)",
	"pip":   "give the other wheels with --find-links DIR or --site-packages DIR",
}

// alwaysIgnored are dependencies conda-build never reports as
// overdepending on Linux: the compiler runtime every build pulls in.
var alwaysIgnored = map[string]bool{"libgcc-ng": true, "libgcc": true}

// linkage groups the resolutions of the package's binaries, and reports
// overlinking, overdepending and libraries not found as findings.
func (l *linker) linkage(r *Report, bins []*Binary, m *Manifest, envName string) *Linkage {
	lk := &Linkage{Manager: m.Manager, Package: m.Package.String(), Depends: nonNil(m.Depends), Environment: envName,
		Groups: []LinkGroup{}, Overlinking: []string{}, Overdepending: []string{}, Unchecked: []string{}}
	var why map[string]string
	lk.Groups, why = l.groupLinks(bins, m)
	linked := map[string]bool{}
	for _, g := range lk.Groups {
		switch g.Kind {
		case "package":
			linked[g.Package] = true
			if !g.InDepends {
				lk.Overlinking = append(lk.Overlinking, g.Package)
				for _, x := range g.Libs {
					r.Findings = append(r.Findings, Finding{Code: codePrefix[m.Manager] + "/overlinking", Severity: Error, Member: strings.Join(x.NeededBy, ", "),
						Message: fmt.Sprintf("links %s from %s (%s), which is not in depends: overlinking, or a missing run dependency; %s",
							x.Need, g.Package, x.Path, fmt.Sprintf(addDependency[m.Manager], g.Package))})
				}
			}
			if vc, ok := l.env.(VersionChecker); ok && g.InDepends {
				r.Findings = append(r.Findings, l.checkVersions(vc, bins, m, g)...)
			}
			if rv, ok := l.env.(interface {
				CheckRootVersion(depends []string, pkg string) string
			}); ok && g.InDepends {
				if why := rv.CheckRootVersion(m.Depends, g.Package); why != "" {
					r.Findings = append(r.Findings, Finding{Code: codePrefix[m.Manager] + "/root-version", Severity: Info, Message: why})
				}
			}
		case "not-found":
			for _, x := range g.Libs {
				sev, advice := Error, "no package of the environment installs it where the loader looks"
				if l.env == nil {
					sev, advice = Warning, "not in this package; "+envAdvice[m.Manager]+" to learn which package provides it"
				}
				r.Findings = append(r.Findings, Finding{Code: codePrefix[m.Manager] + "/library-not-found", Severity: sev, Member: strings.Join(x.NeededBy, ", "),
					Message: fmt.Sprintf("needs %s: %s (%s)", x.Need, advice, why[x.Need])})
			}
		}
	}
	for _, dep := range m.Depends {
		if m.Manager != "conda" {
			break // Depends and Requires-Dist rightly name programs, data and Python code too
		}
		alts := alternatives(dep)
		if slices.ContainsFunc(alts, func(a string) bool { return linked[a] || alwaysIgnored[a] || strings.HasPrefix(a, "__") }) {
			continue
		}
		has, known := false, l.env != nil
		for _, a := range alts {
			if l.env == nil {
				break
			}
			h, k := l.env.Libraries(a)
			has, known = has || h, known && k
		}
		switch {
		case !known:
			lk.Unchecked = append(lk.Unchecked, dep)
		case has:
			lk.Overdepending = append(lk.Overdepending, dep)
			r.Findings = append(r.Findings, Finding{Code: codePrefix[m.Manager] + "/overdepending", Severity: Warning,
				Message: fmt.Sprintf("depends on %s, which installs shared libraries, but nothing in the package links against them: overdepending, or statically linked (add it to build/ignore_run_exports)", dep)})
		}
	}
	if len(lk.Unchecked) > 0 {
		msg := fmt.Sprintf("overdepending not checked for %s: ", strings.Join(lk.Unchecked, ", "))
		if l.env == nil {
			msg += envAdvice[m.Manager]
		} else {
			msg += "not in " + envName
		}
		r.Findings = append(r.Findings, Finding{Code: codePrefix[m.Manager] + "/unchecked", Severity: Info, Message: msg})
	}
	return lk
}

// checkVersions asks vc whether m's dependency on the package of group g
// is recent enough for the symbol versions each binary uses from g's
// libraries.
func (l *linker) checkVersions(vc VersionChecker, bins []*Binary, m *Manifest, g LinkGroup) []Finding {
	var out []Finding
	for _, b := range bins {
		for _, x := range g.Libs {
			if !slices.Contains(x.NeededBy, b.Member) {
				continue
			}
			var nodes []string
			for _, v := range b.Versions {
				if v.Library == x.Need {
					nodes = append(nodes, v.Version)
				}
			}
			if why := vc.CheckVersion(m.Depends, g.Package, x.Need, nodes); why != "" {
				out = append(out, Finding{Code: codePrefix[m.Manager] + "/depends-too-weak", Severity: Warning, Member: b.Member,
					Message: why + "; the package installs where that version is missing and fails to load"})
			}
		}
	}
	return out
}

// groupLinks groups the resolutions of bins by provider: this package,
// each other package, the system, --exclude, not found. It also returns,
// for each library not found, why (where the loader looked).
func (l *linker) groupLinks(bins []*Binary, m *Manifest) ([]LinkGroup, map[string]string) {
	why := map[string]string{}
	var out []LinkGroup
	groups := map[string]*LinkGroup{}
	links := map[string]map[string]*Link{}
	add := func(kind, pkg, need, path, by string) {
		key := kind + "\x00" + pkg
		g := groups[key]
		if g == nil {
			g = &LinkGroup{Kind: kind, Package: pkg, InDepends: kind == "package" && l.inDepends(m, pkg)}
			groups[key] = g
			links[key] = map[string]*Link{}
		}
		x := links[key][need+"\x00"+path]
		if x == nil {
			x = &Link{Need: need, Path: path}
			links[key][need+"\x00"+path] = x
		}
		x.NeededBy = append(x.NeededBy, by) // sorted and made unique below
	}
	for _, b := range bins {
		for _, res := range b.Resolutions {
			switch res.By {
			case ByArtifact:
				// In an environment directory, another package's file.
				if p, ok := l.envOwner(res.Path); ok && p.Name != m.Package.Name {
					add("package", p.Name, res.Need, res.Path, b.Member)
					break
				}
				add("self", "", res.Need, res.Path, b.Member)
			case ByPackage:
				add("package", res.Package, res.Need, res.Path, b.Member)
			case ByPolicy, BySkip:
				add("system", "", res.Need, "", b.Member)
			case ByExclude:
				add("excluded", "", res.Need, res.Path, b.Member)
			default:
				add("not-found", "", res.Need, res.Path, b.Member)
				if _, ok := why[res.Need]; !ok {
					why[res.Need] = res.Detail
				}
			}
		}
	}
	for key, g := range groups {
		for _, x := range links[key] {
			sort.Strings(x.NeededBy)
			x.NeededBy = slices.Compact(x.NeededBy)
			g.Libs = append(g.Libs, *x)
		}
		sort.Slice(g.Libs, func(i, j int) bool {
			if g.Libs[i].Need != g.Libs[j].Need {
				return g.Libs[i].Need < g.Libs[j].Need
			}
			return g.Libs[i].Path < g.Libs[j].Path
		})
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Kind != b.Kind {
			return slices.Index(groupOrder, a.Kind) < slices.Index(groupOrder, b.Kind)
		}
		return a.Package < b.Package
	})
	if out == nil {
		out = []LinkGroup{}
	}
	return out, why
}

// dependsOn reports whether name is one of m's dependencies (or one of
// the alternatives of one).
func (m *Manifest) dependsOn(name string) bool {
	for _, d := range m.Depends {
		if slices.Contains(alternatives(d), name) {
			return true
		}
	}
	return false
}

// DependencyChecker is an [Environment] that decides itself whether a
// package satisfies one of a manifest's dependencies (dpkg: versions,
// Provides, architecture qualifiers).
type DependencyChecker interface {
	Satisfies(depends []string, pkg string) bool
}

// inDepends reports whether pkg satisfies one of m's dependencies: by
// name, or as the environment decides (dpkg: Provides, architecture
// qualifiers).
func (l *linker) inDepends(m *Manifest, pkg string) bool {
	if dc, ok := l.env.(DependencyChecker); ok {
		return dc.Satisfies(m.Depends, pkg)
	}
	return m.dependsOn(pkg)
}

// envOwner returns the package of the environment that installs the
// artifact member at path.
func (l *linker) envOwner(member string) (Package, bool) {
	if l.env == nil {
		return Package{}, false
	}
	return l.env.Owner(installedPath(member))
}

// alternatives splits a dependency "a (>= 1) | b" into its package
// names.
func alternatives(dep string) []string {
	var out []string
	for _, a := range strings.Split(dep, "|") {
		out = append(out, dependencyName(a))
	}
	return out
}

// findInEnvironment looks a need up in the environment, along the same
// candidate paths b's loader tries inside the package.
func (l *linker) findInEnvironment(b *Binary, need string) (Resolution, bool) {
	if l.env == nil || b == nil {
		return Resolution{}, false
	}
	for _, c := range l.candidates(b, need) {
		if p, ok := l.env.Owner(c.dir); ok {
			return Resolution{Need: need, By: ByPackage, Path: c.dir, Package: p.Name,
				Detail: fmt.Sprintf("%s, installed by %s", c.step, p)}, true
		}
	}
	if so, ok := l.env.(interface {
		SonameOwner(string) (Package, bool)
	}); ok {
		if p, ok := so.SonameOwner(need); ok {
			return Resolution{Need: need, By: ByPackage, Package: p.Name,
				Detail: fmt.Sprintf("%s declares %s in its shlibs/symbols file (the file is behind a link no package lists, such as /etc/alternatives)", p, need)}, true
		}
	}
	return Resolution{}, false
}
