package main

import (
	_ "embed"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/libvet/libvet/audit"
	"github.com/libvet/libvet/externaldeps"
	"github.com/libvet/libvet/host"
	"github.com/libvet/libvet/policy"
)

// hostSchema is the JSON schema of `libvet host --format json`.
//
//go:embed host-schema.json
var hostSchema []byte

// hostReport is the answer of `libvet host`, the installer's question:
// for every library the artifacts' binaries need, whether the artifact,
// this system (a file, with the package that owns it) or nobody provides
// it, and for what is missing, which package of this system's ecosystem
// would. cmd/libvet/host-schema.json describes it.
type hostReport struct {
	SchemaVersion string `json:"schema_version"`
	Root          string `json:"root"`
	// Ecosystem is the ecosystem the suggestions are for and Detected how
	// it was chosen; Ecosystem is "" when none could be, and Detected
	// then says why.
	Ecosystem string `json:"ecosystem"`
	Detected  string `json:"detected"`
	// Indexes are the repository indexes of the root that were read for
	// the packages that provide missing libraries (paths in the root).
	Indexes   []string       `json:"indexes"`
	Artifacts []hostArtifact `json:"artifacts"`
	// Install installs every suggested package; empty when nothing is
	// missing or no package is known.
	Install depsInstall `json:"install"`
}

// hostArtifact is the needs of one artifact.
type hostArtifact struct {
	Path    string     `json:"path"`
	Needs   []hostNeed `json:"needs"`
	Missing int        `json:"missing"`
	// Skipped are binaries this system's loader does not run (PE and
	// Mach-O files on a Linux root).
	Skipped []string `json:"skipped,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// hostNeed is one needed library and who provides it.
type hostNeed struct {
	Soname   string   `json:"soname"`
	NeededBy []string `json:"needed_by"`
	// Status is "artifact" (shipped where the loader finds it),
	// "interpreter" (the loader or libpython), "excluded" (--exclude),
	// "host" (a file of this system) or "missing".
	Status string `json:"status"`
	// Path and Step say where the loader finds it and which search step
	// found it.
	Path  string `json:"path,omitempty"`
	Step  string `json:"step,omitempty"`
	Owner *owner `json:"owner,omitempty"`
	// Installed are, for a missing library, the installed packages that
	// declare it: the loader does not find it where they put it.
	Installed []*owner `json:"installed,omitempty"`
	// Reason says, for a missing library, where it was looked for (or
	// that the one found lacks the symbol versions needed).
	Reason string `json:"reason,omitempty"`
	// Suggest says, for a missing library, what would provide it.
	Suggest *depsNeed `json:"suggest,omitempty"`
}

// owner is the package that installed a host file.
type owner struct {
	Manager string `json:"manager"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Arch    string `json:"arch"`
}

// newOwner is p for the JSON of host and tree.
func newOwner(p host.Package) *owner {
	return &owner{Manager: p.Manager, Name: p.Name, Version: p.Version, Arch: p.Arch}
}

// hostInputs is what the host answer is built from besides the reports.
type hostInputs struct {
	root                string
	owners              hostOwners
	providers           *host.Providers // the root's repository indexes
	dpkgNative          string          // the root's dpkg architecture, "" without dpkg
	ecosystem, detected string
}

// hostOwners are the root's package databases: who installed a file,
// which installed packages declare a library.
type hostOwners interface {
	host.OwnerLookup
	Provides(soname, arch string) []host.Package
}

// hostAnswer builds the host answer from reports audited with the host's
// library search and no platform promises.
func hostAnswer(reports []*audit.Report, in hostInputs) hostReport {
	out := hostReport{SchemaVersion: "1", Root: in.root, Ecosystem: in.ecosystem, Detected: in.detected,
		Indexes: []string{}, Artifacts: []hostArtifact{}, Install: depsInstall{Packages: []string{}}}
	if in.providers != nil {
		out.Indexes = append(out.Indexes, in.providers.Files...)
	}
	byManager := map[string]string{} // package → the manager that installs it
	for _, r := range reports {
		a := hostArtifact{Path: r.Path, Needs: []hostNeed{}, Error: r.Error}
		needs := map[string]*hostNeed{}
		add := func(n hostNeed, by string) {
			k := n.Soname + "\x00" + n.Status + "\x00" + n.Path
			if x := needs[k]; x != nil {
				if !slices.Contains(x.NeededBy, by) {
					x.NeededBy = append(x.NeededBy, by)
				}
				return
			}
			n.NeededBy = []string{by}
			needs[k] = &n
		}
		for _, b := range r.Binaries {
			if b.Format != audit.FormatELF {
				a.Skipped = append(a.Skipped, b.Member+" ("+b.Machine+": not for this system's loader)")
				continue
			}
			for _, res := range b.Resolutions {
				switch res.By {
				case audit.ByArtifact:
					add(hostNeed{Soname: res.Need, Status: "artifact", Path: res.Path, Step: res.Detail}, b.Member)
				case audit.BySkip:
					if audit.IsLoader(res.Need) && !loaderIn(in.root, b.Interp, res.Need) {
						add(hostNeed{Soname: res.Need, Status: "missing",
							Reason: fmt.Sprintf("the dynamic loader %s is not in %s: %s is for another architecture or C library than this system", res.Need, in.root, b.Member)}, b.Member)
						break
					}
					add(hostNeed{Soname: res.Need, Status: "interpreter", Step: res.Detail}, b.Member)
				case audit.ByExclude:
					add(hostNeed{Soname: res.Need, Status: "excluded", Step: res.Detail}, b.Member)
				}
			}
		}
		for _, x := range r.ExternalLibs {
			if isForeign(r, x) {
				continue
			}
			if x.Path != "" {
				for _, by := range x.NeededBy {
					add(hostNeed{Soname: x.Soname, Status: "host", Path: x.Path, Step: x.Step, Owner: ownerOf(in.owners, x.Path)}, by)
				}
				continue
			}
			n := in.missing(x, archOf(r, x))
			if s := n.Suggest; s != nil {
				m := s.Manager
				if m == "" && n.Owner != nil {
					m = ownerManager(n.Owner.Manager, in.ecosystem)
				}
				if m == "" {
					m = externaldeps.Manager(externaldeps.MappingFor(in.ecosystem))
				}
				for _, p := range s.Packages {
					byManager[p] = m
				}
			}
			for _, by := range x.NeededBy {
				add(n, by)
			}
		}
		for _, n := range needs {
			sort.Strings(n.NeededBy)
			if n.Status == "missing" {
				a.Missing++
				if n.Suggest != nil {
					s := *n.Suggest // needs share the suggestion of their library
					s.NeededBy = n.NeededBy
					n.Suggest = &s
					for _, p := range s.Packages {
						if !slices.Contains(out.Install.Packages, p) {
							out.Install.Packages = append(out.Install.Packages, p)
						}
					}
				}
			}
			a.Needs = append(a.Needs, *n)
		}
		sort.Slice(a.Needs, func(i, j int) bool {
			x, y := a.Needs[i], a.Needs[j]
			if x.Status != y.Status {
				return statusRank(x.Status) < statusRank(y.Status)
			}
			if x.Soname != y.Soname {
				return x.Soname < y.Soname
			}
			return x.Path < y.Path
		})
		out.Artifacts = append(out.Artifacts, a)
	}
	sort.Strings(out.Install.Packages)
	if len(out.Install.Packages) > 0 {
		out.Install.Command = installCommand(byManager, in.ecosystem, out.Install.Packages)
	}
	return out
}

// missing is the answer for an external library the loader does not
// find (or finds too old), of a binary of architecture arch: what would
// provide it — the root's own repository indexes first, then libvet's
// Debian table and the PEP 804 mapping of the ecosystem — and which
// installed packages declare it though the loader does not find it.
func (in hostInputs) missing(x audit.ExternalLib, arch string) hostNeed {
	s := suggest(x, in.ecosystem)
	n := hostNeed{Soname: x.Soname, Status: "missing", Reason: x.Reason}
	if x.Incompatible != "" {
		// Found but too old: the package to upgrade is the owner.
		n.Path, n.Owner = x.Incompatible, ownerOf(in.owners, x.Incompatible)
		if n.Owner != nil {
			s.Packages, s.Alternatives, s.Problem = []string{n.Owner.Name}, nil, ""
			s.Source = fmt.Sprintf("a newer version of %s, which owns the one found (%s)", n.Owner.Name, n.Owner.Version)
			n.Suggest = &s
			return n
		}
	} else if in.owners != nil {
		for _, p := range in.owners.Provides(x.Soname, arch) {
			n.Installed = append(n.Installed, newOwner(p))
		}
	}
	if provs := in.providers.For(x.Soname, arch); len(provs) > 0 {
		names := indexPackages(provs)
		s.Packages, s.Alternatives, s.Problem = names[:1], nil, ""
		for _, alt := range names[1:] {
			s.Alternatives = append(s.Alternatives, []string{alt})
		}
		p := provs[0]
		s.Manager = p.Manager
		s.Source = fmt.Sprintf("the root's %s index %s: %s %s provides it", p.Manager, p.Repo, p.Name, p.Version)
	} else if in.dpkgNative != "" && len(s.Packages) > 0 && externaldeps.MappingFor(in.ecosystem) == "ubuntu" {
		// A binary of another architecture needs that architecture's
		// packages, which dpkg installs as name:arch.
		if da := policy.DebianArch(arch); da != "" && da != in.dpkgNative {
			qualify := func(pkgs []string) []string { // new slices: these may be the mapping's own
				out := make([]string, len(pkgs))
				for i, p := range pkgs {
					out[i] = p + ":" + da
				}
				return out
			}
			s.Packages = qualify(s.Packages)
			for i, alt := range s.Alternatives {
				s.Alternatives[i] = qualify(alt)
			}
			s.Source += fmt.Sprintf("; for %s, not the root's %s (dpkg --add-architecture %s first)", da, in.dpkgNative, da)
		}
	}
	if len(s.Packages) == 0 {
		if len(n.Installed) > 0 {
			s.Problem = "an installed package declares it, off the loader's search path: add its directory to the loader's configuration (ld.so.conf, musl's path file) or to LD_LIBRARY_PATH"
		} else if why := in.noProvider(x.Soname, arch); why != "" {
			s.Problem = strings.Join(nonEmpty(s.Problem, why), "; ")
		}
	}
	n.Suggest = &s
	return n
}

// noProvider says why the root's repository indexes name no package for
// soname: they have it only for other architectures, some could not be
// read, none lists it, or the root keeps none (not said on a dpkg root:
// apt's lists name no files, there is no index to make).
func (in hostInputs) noProvider(soname, arch string) string {
	p := in.providers
	switch {
	case p == nil:
		return ""
	case len(p.Others(soname, arch)) > 0:
		return "the root's repository indexes have it only for other architectures than " + orAny(arch) + ": " + otherArches(p.Others(soname, arch))
	case p.Failed:
		return "no package of the root's readable repository indexes provides it (some could not be read: see the messages above)"
	case len(p.Files) > 0:
		return "no package of the root's repository indexes provides it"
	case in.dpkgNative == "" && externaldeps.MappingFor(in.ecosystem) != "ubuntu":
		return "the root keeps no repository index libvet reads (apk update, dnf makecache, zypper refresh or pacman -Sy make one)"
	}
	return ""
}

// archOf returns the architecture of the artifact's binaries that need
// x (audit Binary.Arch), "" when they differ or none is known; a need of
// a host library counts as the artifact's first ELF binary's.
func archOf(r *audit.Report, x audit.ExternalLib) string {
	arch := ""
	for _, b := range r.Binaries {
		if b.Format != audit.FormatELF || b.Arch == "" {
			continue
		}
		if arch == "" {
			arch = b.Arch
		}
		if slices.Contains(x.NeededBy, b.Member) && b.Arch != arch {
			return ""
		}
	}
	return arch
}

// maxAlternatives bounds the alternatives named for one library: an
// index can list any number of packages providing it.
const maxAlternatives = 20

// indexPackages returns the names to install the provisions with, each
// once, in order, at most maxAlternatives+1: for rpm's managers
// name.arch ("libvetdemo.i686"), since dnf, yum and zypper would
// otherwise pick the package of the root's own architecture, which does
// not serve a binary of another (a 32-bit one on a 64-bit root).
func indexPackages(provs []host.Provision) []string {
	var names []string
	seen := map[string]bool{}
	for _, p := range provs {
		name := p.Name
		switch p.Manager {
		case "dnf", "yum", "zypper":
			if a := strings.ToLower(p.Arch); a != "" && a != "noarch" {
				name += "." + p.Arch
			}
		}
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
			if len(names) > maxAlternatives {
				break
			}
		}
	}
	return names
}

// otherArches lists the packages of provs, each once, at most
// maxAlternatives: "lib32-zlib (x86_64, 32-bit), … and 3 more".
func otherArches(provs []host.Provision) string {
	var out []string
	seen := map[string]bool{}
	for _, p := range provs {
		k := p.Name + " (" + p.Arch + bitsNote(p.Bits) + ")"
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	if n := len(out) - maxAlternatives; n > 0 {
		out = append(out[:maxAlternatives], fmt.Sprintf("and %d more", n))
	}
	return strings.Join(out, ", ")
}

// bitsNote is ", 32-bit" for a provision that says its word size.
func bitsNote(bits int) string {
	if bits == 0 {
		return ""
	}
	return fmt.Sprintf(", %d-bit", bits)
}

// orAny is arch, or words for an unknown one.
func orAny(arch string) string {
	if arch == "" {
		return "the binaries'"
	}
	return arch
}

// ownerManager returns the package manager that upgrades a package the
// database named db ("dpkg", "apk", "rpm", …) installed: dpkg's is apt;
// rpm's is dnf, yum or zypper, whichever the ecosystem's mapping uses,
// else unknown ("").
func ownerManager(db, ecosystem string) string {
	switch db {
	case "dpkg":
		return externaldeps.Manager("ubuntu")
	case "apk", "pacman":
		return db
	case "rpm":
		if m := externaldeps.Manager(externaldeps.MappingFor(ecosystem)); m == "dnf" || m == "yum" || m == "zypper" {
			return m
		}
		return ""
	case "conda":
		return externaldeps.Manager("conda-forge")
	}
	return externaldeps.Manager(db) // homebrew, nix, spack: their ecosystems' managers
}

// installCommand installs pkgs, each with the package manager that
// named it (byManager: package → manager; a root's repository index, or
// the ecosystem's mapping): one command per manager, joined by "&&",
// the mapping's own command for its manager; "" when a package has no
// manager libvet knows a command of.
func installCommand(byManager map[string]string, ecosystem string, pkgs []string) string {
	groups := map[string][]string{}
	var managers []string
	for _, p := range pkgs {
		m := byManager[p]
		if _, ok := groups[m]; !ok {
			managers = append(managers, m)
		}
		groups[m] = append(groups[m], p)
	}
	slices.Sort(managers)
	mapping := externaldeps.MappingFor(ecosystem)
	var cmds []string
	for _, m := range managers {
		var c string
		var err error
		if m == externaldeps.Manager(mapping) {
			c, err = externaldeps.InstallCommand(mapping, groups[m])
		} else {
			c, err = externaldeps.ManagerInstallCommand(m, groups[m])
		}
		if err != nil {
			return "" // no command rather than one that installs part of what is missing
		}
		cmds = append(cmds, c)
	}
	return strings.Join(cmds, " && ")
}

// loaderIn reports whether the root has the dynamic loader name: at the
// binary's PT_INTERP, or where loaders live (/lib, /lib64, /usr/lib,
// /usr/lib64).
func loaderIn(root, interp, name string) bool {
	cands := []string{"/lib/" + name, "/lib64/" + name, "/usr/lib/" + name, "/usr/lib64/" + name}
	if interp != "" {
		cands = append([]string{interp}, cands...)
	}
	for _, c := range cands {
		if _, ok := host.RealPath(root, c); ok {
			return true
		}
	}
	return false
}

// nonEmpty returns the strings of ss that are not empty.
func nonEmpty(ss ...string) []string {
	return slices.DeleteFunc(ss, func(s string) bool { return s == "" })
}

// statusRank orders needs: missing first, then host, artifact, the rest.
func statusRank(s string) int {
	return slices.Index([]string{"missing", "host", "artifact", "interpreter", "excluded"}, s)
}

// isForeign reports an external library needed only by binaries this
// system's loader does not run (PE, Mach-O).
func isForeign(r *audit.Report, x audit.ExternalLib) bool {
	for _, by := range x.NeededBy {
		i := slices.IndexFunc(r.Binaries, func(b *audit.Binary) bool { return b.Member == by })
		if i < 0 || r.Binaries[i].Format == audit.FormatELF {
			return false // a host library's need, or an ELF binary's
		}
	}
	return true
}

// ownerOf asks the root's package databases who installed path.
func ownerOf(owners host.OwnerLookup, path string) *owner {
	if owners == nil {
		return nil
	}
	if p, ok := owners.Owner(path); ok {
		return newOwner(p)
	}
	return nil
}

// writeHostText writes h for people: per artifact the missing needs
// first, with suggestions, then the libraries found and where.
func writeHostText(w io.Writer, h hostReport) error {
	var b strings.Builder
	eco := h.Ecosystem
	if eco == "" {
		eco = "none"
	}
	fmt.Fprintf(&b, "root: %s; ecosystem: %s (%s)\n", h.Root, eco, h.Detected)
	if len(h.Indexes) > 0 {
		fmt.Fprintf(&b, "repository indexes: %s\n", strings.Join(h.Indexes, ", "))
	}
	for _, a := range h.Artifacts {
		fmt.Fprintf(&b, "\n%s\n", a.Path)
		if a.Error != "" {
			fmt.Fprintf(&b, "  error: %s\n", a.Error)
			continue
		}
		switch {
		case len(a.Needs) == 0 && len(a.Skipped) > 0:
			b.WriteString("  nothing checked: no binary of the artifact is for this system's loader\n")
		case a.Missing == 0:
			b.WriteString("  nothing missing\n")
		default:
			fmt.Fprintf(&b, "  %d missing\n", a.Missing)
		}
		for _, n := range a.Needs {
			switch n.Status {
			case "missing":
				fmt.Fprintf(&b, "  MISSING %s", n.Soname)
				if s := n.Suggest; s != nil && len(s.Packages) > 0 {
					fmt.Fprintf(&b, "  →  %s (%s)", strings.Join(s.Packages, " "), strings.Join(nonEmpty(s.DepURL, s.Source), ", "))
				} else if s != nil && s.Problem != "" {
					fmt.Fprintf(&b, "  (%s)", s.Problem)
				}
				fmt.Fprintf(&b, "\n      needed by %s\n      %s\n", strings.Join(n.NeededBy, ", "), n.Reason)
				for _, p := range n.Installed {
					fmt.Fprintf(&b, "      installed: %s %s (%s) declares it, but the loader does not find it there\n", p.Name, p.Version, p.Manager)
				}
			case "host":
				own := "no package owns it"
				if n.Owner != nil {
					own = fmt.Sprintf("%s %s (%s)", n.Owner.Name, n.Owner.Version, n.Owner.Manager)
				}
				fmt.Fprintf(&b, "  host    %s => %s [%s] %s\n", n.Soname, n.Path, n.Step, own)
			case "artifact":
				fmt.Fprintf(&b, "  bundled %s => %s [%s]\n", n.Soname, n.Path, n.Step)
			default:
				fmt.Fprintf(&b, "  %-7s %s\n", n.Status, n.Soname)
			}
		}
		for _, s := range a.Skipped {
			fmt.Fprintf(&b, "  skipped %s\n", s)
		}
	}
	if h.Install.Command != "" {
		fmt.Fprintf(&b, "\ninstall with:\n  %s\n", h.Install.Command)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
