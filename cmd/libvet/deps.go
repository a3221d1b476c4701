package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/libvet/libvet/audit"
	"github.com/libvet/libvet/externaldeps"
	"github.com/libvet/libvet/report"
)

// depsReport is the answer of `libvet deps`: for each artifact, the
// external libraries this host lacks, the DepURL each is (declared, else
// likely), the ecosystem's packages for it, and one install command.
type depsReport struct {
	SchemaVersion string `json:"schema_version"`
	// Ecosystem is the PEP 804 ecosystem asked about, and Detected how it
	// was chosen ("--ecosystem", "etc/os-release ID=debian …").
	Ecosystem string         `json:"ecosystem"`
	Detected  string         `json:"detected"`
	Artifacts []depsArtifact `json:"artifacts"`
	// Install installs every package of every artifact; empty when there
	// is nothing to install or no package is known.
	Install depsInstall `json:"install"`
	// Wheels are other wheels the artifacts load libraries from without
	// requiring them (overlinking, --find-links/--site-packages): pip
	// will not bring them, so they are to be installed too.
	Wheels []string `json:"wheels,omitempty"`
}

// depsArtifact is the unmet needs of one artifact.
type depsArtifact struct {
	Path  string     `json:"path"`
	Needs []depsNeed `json:"needs"`
	Error string     `json:"error,omitempty"`
}

// depsNeed is one unmet need.
type depsNeed struct {
	Soname   string   `json:"soname"`
	NeededBy []string `json:"needed_by"`
	// DepURL is the declared DepURL covering the library, else the likely
	// one from libvet's knowledge base; Declared says which.
	DepURL   string `json:"depurl"`
	Declared bool   `json:"declared"`
	// Packages are the ecosystem's packages for DepURL (the mapping's
	// default), Alternatives its other choices.
	Packages     []string   `json:"packages"`
	Alternatives [][]string `json:"alternatives,omitempty"`
	// Source says where Packages come from: "PEP 804 mapping", or, for
	// DepURLs no mapping covers, on Debian and Ubuntu, Debian's Contents
	// index of the packages that ship the soname.
	Source string `json:"source,omitempty"`
	// Manager is, for `libvet host`, the package manager whose repository
	// index in the root named Packages ("apk", "dnf"); "" when they come
	// from the mapping.
	Manager string `json:"manager,omitempty"`
	// Problem says why no package is named.
	Problem string `json:"problem,omitempty"`
}

// depsInstall is one command installing every suggested package.
type depsInstall struct {
	Packages []string `json:"packages"`
	Command  string   `json:"command"`
}

// deps builds the deps answer from the audit reports.
func deps(reports []*audit.Report, ecosystem, detected string) depsReport {
	out := depsReport{SchemaVersion: "1", Ecosystem: ecosystem, Detected: detected, Artifacts: []depsArtifact{}, Install: depsInstall{Packages: []string{}}}
	for _, r := range reports {
		a := depsArtifact{Path: r.Path, Needs: []depsNeed{}, Error: r.Error}
		for _, x := range r.ExternalLibs {
			if x.Path != "" {
				continue // the host has it
			}
			n := suggest(x, ecosystem)
			for _, p := range n.Packages {
				if !slices.Contains(out.Install.Packages, p) {
					out.Install.Packages = append(out.Install.Packages, p)
				}
			}
			a.Needs = append(a.Needs, n)
		}
		for _, lk := range r.Linkages {
			if lk.Manager != "pip" {
				continue
			}
			for _, w := range lk.Overlinking {
				if !slices.Contains(out.Wheels, w) {
					out.Wheels = append(out.Wheels, w)
				}
			}
		}
		out.Artifacts = append(out.Artifacts, a)
	}
	sort.Strings(out.Wheels)
	if len(out.Install.Packages) > 0 {
		out.Install.Command, _ = externaldeps.InstallCommand(externaldeps.MappingFor(ecosystem), out.Install.Packages)
	}
	return out
}

// suggest says what provides the missing library x in ecosystem: its
// DepURL (declared, else likely; the likely one when the declaration is
// a virtual interface it implements), the mapping's packages, and, for
// Ubuntu and Debian, Debian's Contents index, which names the package
// that ships the very soname (Debian 12 has libjpeg62-turbo for
// libjpeg.so.62 where Ubuntu's mapping says libjpeg-turbo8).
func suggest(x audit.ExternalLib, ecosystem string) depsNeed {
	n := depsNeed{Soname: x.Soname, NeededBy: x.NeededBy, DepURL: x.DepURL, Declared: x.Declared != "", Packages: []string{}}
	if n.Declared && (x.DepURL == "" || !strings.HasPrefix(x.Declared, "dep:virtual/")) {
		n.DepURL = x.Declared
	}
	var contents []string
	shipped := x.Soname
	if externaldeps.MappingFor(ecosystem) == "ubuntu" {
		for _, name := range audit.LookupNames(x.Soname) {
			if contents = externaldeps.DebianPackages(name); len(contents) > 0 {
				shipped = name
				break
			}
		}
	}
	m, err := externaldeps.Map(n.DepURL, externaldeps.MappingFor(ecosystem))
	switch {
	case err == nil && n.DepURL != "" && (len(contents) == 0 || intersects(m.Packages, contents)):
		n.Packages, n.Source = m.Packages, "PEP 804 mapping"
		for _, alt := range m.Alternatives {
			n.Alternatives = append(n.Alternatives, alt.Packages)
		}
	case len(contents) > 0:
		n.Packages, n.Source = contents[:1], "Debian 12 Contents index: the package that ships "+shipped
		if err == nil && n.DepURL != "" {
			n.Source += " (the mapping's " + strings.Join(m.Packages, " ") + " does not)"
		}
	case n.DepURL == "":
		n.Problem = "libvet does not know which project this library comes from; declare it (Requires-External-Dep) or add it to libvet's soname knowledge base"
	case ecosystem == "":
		n.Problem = "no ecosystem to name its package in: give one with --ecosystem"
	default:
		n.Problem = err.Error()
	}
	return n
}

// intersects reports whether a and b share an element.
func intersects(a, b []string) bool {
	return slices.ContainsFunc(a, func(x string) bool { return slices.Contains(b, x) })
}

// unmet counts the needs of d, and the wheels to install.
func (d depsReport) unmet() int {
	n := len(d.Wheels)
	for _, a := range d.Artifacts {
		n += len(a.Needs)
	}
	return n
}

// writeJSON writes v as indented JSON (the deps and host answers).
func writeJSON(w io.Writer, v any) error { return report.EncodeJSON(w, v) }

// writeDepsText writes d for people: per artifact each unmet need with
// its DepURL and packages, then the install command.
func writeDepsText(w io.Writer, d depsReport) error {
	var b strings.Builder
	fmt.Fprintf(&b, "ecosystem: %s (%s)\n", d.Ecosystem, d.Detected)
	for _, a := range d.Artifacts {
		fmt.Fprintf(&b, "\n%s\n", a.Path)
		switch {
		case a.Error != "":
			fmt.Fprintf(&b, "  error: %s\n", a.Error)
			continue
		case len(a.Needs) == 0:
			b.WriteString("  no system package to install: every library is vendored, allowed, on this system or in another wheel\n")
			continue
		}
		for _, n := range a.Needs {
			how := "likely"
			if n.Declared {
				how = "declared"
			}
			dep := n.DepURL
			if dep == "" {
				dep, how = "?", "unknown"
			}
			fmt.Fprintf(&b, "  %s  %s (%s)", n.Soname, dep, how)
			if len(n.Packages) > 0 {
				fmt.Fprintf(&b, "  →  %s", strings.Join(n.Packages, " "))
				for _, alt := range n.Alternatives {
					fmt.Fprintf(&b, " | %s", strings.Join(alt, " "))
				}
				fmt.Fprintf(&b, "  (%s)", n.Source)
			}
			b.WriteString("\n")
			if n.Problem != "" {
				fmt.Fprintf(&b, "      %s\n", n.Problem)
			}
			fmt.Fprintf(&b, "      needed by %s\n", strings.Join(n.NeededBy, ", "))
		}
	}
	if d.Install.Command != "" {
		fmt.Fprintf(&b, "\ninstall with:\n  %s\n", d.Install.Command)
	}
	if len(d.Wheels) > 0 {
		fmt.Fprintf(&b, "\nlibraries also come from wheels the artifacts do not require (pip will not bring them):\n  pip install %s\n", strings.Join(d.Wheels, " "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// listDepURLs writes every DepURL libvet knows: as text one per line
// with its description, libvet's own (not in the PEP 804 registry)
// marked; as JSON the definitions.
func listDepURLs(w io.Writer, format string) error {
	defs := externaldeps.Definitions()
	if format == "json" {
		type def struct {
			DepURL      string   `json:"depurl"`
			Description string   `json:"description"`
			Provides    []string `json:"provides,omitempty"`
			Registered  bool     `json:"registered"`
		}
		out := make([]def, len(defs))
		for i, d := range defs {
			out[i] = def{d.DepURL, d.Description, d.Provides, d.Registered}
		}
		return writeJSON(w, out)
	}
	var b strings.Builder
	for _, d := range defs {
		mark := ""
		if !d.Registered {
			mark = " [libvet]"
		}
		fmt.Fprintf(&b, "%s%s  %s\n", d.DepURL, mark, d.Description)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
