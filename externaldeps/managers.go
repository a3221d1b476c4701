package externaldeps

import (
	"fmt"
)

// ownManagers are the package managers whose repository indexes libvet
// reads in a root but that no PEP 804 mapping names (Alpine, openSUSE
// and Enterprise Linux 7 have none): their install commands, in the
// mappings' terms. Every one needs root.
var ownManagers = map[string]*packageManager{
	"apk":    {name: "apk", install: managerCommand{argv: []string{"apk", "add", "{}"}, elevated: true, multiple: "always"}, nameOnly: []string{"{name}"}},
	"yum":    {name: "yum", install: managerCommand{argv: []string{"yum", "install", "-y", "{}"}, elevated: true, multiple: "always"}, nameOnly: []string{"{name}"}},
	"zypper": {name: "zypper", install: managerCommand{argv: []string{"zypper", "--non-interactive", "install", "{}"}, elevated: true, multiple: "always"}, nameOnly: []string{"{name}"}},
}

// ManagerInstallCommand returns the shell command that installs packages
// with the package manager named manager ("apk", "dnf", "yum", "zypper",
// "pacman"), for the packages a root's own repository index names: the
// install command of the PEP 804 mapping that uses that manager (dnf:
// fedora's, pacman: arch's), else libvet's own (apk, yum, zypper). It is
// quoted and checked as [InstallCommand]'s.
func ManagerInstallCommand(manager string, packages []string) (string, error) {
	d := pep804()
	for _, name := range d.names {
		for _, pm := range d.ecosystems[name].managers {
			if pm.name == manager {
				return pm.installCommand(packages)
			}
		}
	}
	if pm, ok := ownManagers[manager]; ok {
		return pm.installCommand(packages)
	}
	return "", fmt.Errorf("no install command known for package manager %q", manager)
}

// Manager returns the name of the package manager that the ecosystem's
// PEP 804 mapping installs with first ("dnf" for fedora), "" for an
// ecosystem without a mapping.
func Manager(ecosystem string) string {
	if eco, ok := pep804().ecosystems[ecosystem]; ok {
		return eco.managers[0].name
	}
	return ""
}
