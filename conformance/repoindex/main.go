// Command repoindex prints what libvet reads from the repository indexes
// a root caches: one line per provision, "soname TAB bits TAB name TAB
// version TAB arch TAB repo TAB manager", every soname (host.ReadProviders
// asks for given sonames; this lists them all). conformance/repoindex.sh
// compares it with pacman -F and dnf repoquery --whatprovides.
package main

import (
	"fmt"
	"os"

	"github.com/libvet/libvet/host"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: repoindex ROOT")
		os.Exit(2)
	}
	fsys := host.RootFS(os.Args[1])
	status := 0
	for _, r := range []struct {
		name string
		read func() ([]host.Provision, []string, []error)
	}{
		{"apk", func() ([]host.Provision, []string, []error) { return host.ReadApkIndexes(fsys, nil) }},
		{"rpm", func() ([]host.Provision, []string, []error) { return host.ReadRpmRepos(fsys, nil) }},
		{"pacman", func() ([]host.Provision, []string, []error) { return host.ReadPacmanSync(fsys, nil) }},
	} {
		provs, _, problems := r.read()
		for _, p := range problems {
			fmt.Fprintf(os.Stderr, "repoindex: %s: %v\n", r.name, p)
			status = 1
		}
		for _, p := range provs {
			fmt.Printf("%s\t%d\t%s\t%s\t%s\t%s\t%s\n", p.Soname, p.Bits, p.Name, p.Version, p.Arch, p.Repo, p.Manager)
		}
	}
	os.Exit(status)
}
