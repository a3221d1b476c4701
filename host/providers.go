package host

import (
	"cmp"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/libvet/libvet/internal/binio"
)

// A Provision is a package of a repository index that provides a shared
// library: what the root's package manager could install to satisfy a
// need. The indexes are those the root keeps (apk's APKINDEX cache, the
// repodata that dnf, yum and zypper cache, pacman's sync databases),
// read as files like the databases of installed packages.
type Provision struct {
	// Soname is the shared library provided ("libz.so.1").
	Soname string
	// Bits is the ELF class the index says the library is for, 32 or 64,
	// and 0 when it does not say (apk; pacman's "lib:" provides and the
	// files in its usr/lib and lib).
	Bits int
	// Package is the package: Manager is the program that installs it
	// from this index ("apk", "dnf", "yum", "zypper", "pacman"); Name,
	// Version and Arch as the index records them.
	Package
	// Repo names the repository, as the root records it: the repository
	// id of dnf, yum and zypper, the sync database of pacman ("extra"),
	// for apk the DESCRIPTION of the index (with its cache file name).
	Repo string
}

// Providers are the packages of a root's repository indexes that
// provide the shared libraries asked for: what its package manager could
// install. Read them with [ReadProviders].
type Providers struct {
	bySoname map[string][]Provision
	// Files are the index files read, relative to the root, sorted.
	Files []string
	// Failed reports that an index could not be read, wholly or in part
	// (ReadProviders returns why): what the others lack may be in it.
	Failed bool
}

// ReadProviders reads the repository indexes that root keeps — apk's
// APKINDEX cache, the repodata that dnf, yum and zypper cache, pacman's
// sync databases (see [ReadApkIndexes], [ReadRpmRepos],
// [ReadPacmanSync]) — and keeps the packages that provide one of
// sonames. A root with no index gives empty Providers and no problem; a
// broken index is left out and returned among the problems.
//
// Limitations: only indexes the root has cached count, as current as
// the root's last `apk update`, `dnf makecache` or `pacman -Sy`; apt's
// lists name no files (apt-file's Contents are lz4-compressed and not
// read), so on Debian and Ubuntu libvet's own table from Debian's
// Contents index and the PEP 804 mappings answer instead.
func ReadProviders(root string, sonames []string) (*Providers, []error) {
	p := &Providers{bySoname: map[string][]Provision{}}
	if len(sonames) == 0 {
		return p, nil
	}
	want := make(map[string]bool, len(sonames))
	for _, s := range sonames {
		want[s] = true
	}
	keep := func(s string) bool { return want[s] }
	fsys := RootFS(root)
	var problems []error
	for _, read := range []func(root fs.FS, want func(string) bool) ([]Provision, []string, []error){
		ReadApkIndexes, ReadRpmRepos, ReadPacmanSync,
	} {
		provs, files, probs := read(fsys, keep)
		p.Failed = p.Failed || len(probs) > 0
		bad := map[string]bool{}
		for _, pr := range provs {
			if !packageNameOK(pr.Name) || !archNameOK(pr.Arch) {
				if k := pr.Name + "\x00" + pr.Arch; !bad[k] {
					bad[k] = true
					problems = append(problems, fmt.Errorf("%s index %s: package %q (architecture %q) is not a name a package manager takes; left out",
						pr.Manager, binio.Clip(binio.Printable(pr.Repo), 120), binio.Clip(binio.Printable(pr.Name), 80), binio.Clip(binio.Printable(pr.Arch), 40)))
				}
				continue
			}
			pr.Version, pr.Repo = binio.Printable(pr.Version), binio.Printable(pr.Repo)
			p.bySoname[pr.Soname] = append(p.bySoname[pr.Soname], pr)
		}
		// The readers' problems name their file first; a file that
		// could not be read is not among those read, nor is rpm's
		// repomd.xml, which only points at the index.
		for _, f := range files {
			if path.Base(f) != "repomd.xml" && !slices.ContainsFunc(probs, func(err error) bool { return strings.HasPrefix(err.Error(), f+":") }) {
				p.Files = append(p.Files, f)
			}
		}
		problems = append(problems, probs...)
	}
	slices.Sort(p.Files)
	return p, problems
}

// packageNameOK reports whether name can be a package name of apk, rpm
// or pacman: letters, digits and "._+-", starting with a letter or
// digit. Anything else is not put on a command line: "@" selects a group
// (dnf) or a repository tag (apk), a leading "-" an option.
func packageNameOK(name string) bool {
	if name == "" || !isAlnum(rune(name[0])) {
		return false
	}
	return !strings.ContainsFunc(name, func(r rune) bool { return !isAlnum(r) && !strings.ContainsRune("._+-", r) })
}

// archNameOK reports whether arch can be an architecture name, which
// dnf, yum and zypper get as name.arch: letters, digits and "_", or
// none.
func archNameOK(arch string) bool {
	return !strings.ContainsFunc(arch, func(r rune) bool { return !isAlnum(r) && r != '_' })
}

// isAlnum reports an ASCII letter or digit.
func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// For returns the packages that provide soname for a binary of
// architecture arch (see [Provision.Fits]), each reader's in its order
// (soname, word size, name, version, architecture, repository): apk's,
// then rpm's, then pacman's.
func (p *Providers) For(soname, arch string) []Provision {
	if p == nil {
		return nil
	}
	var out []Provision
	for _, pr := range p.bySoname[soname] {
		if pr.Fits(arch) {
			out = append(out, pr)
		}
	}
	return out
}

// Others returns the packages that provide soname but do not fit arch:
// for another architecture or word size.
func (p *Providers) Others(soname, arch string) []Provision {
	if p == nil {
		return nil
	}
	var out []Provision
	for _, pr := range p.bySoname[soname] {
		if !pr.Fits(arch) {
			out = append(out, pr)
		}
	}
	return out
}

// sortProvisions sorts provisions by soname, bits, name, version,
// architecture, repository and manager and drops duplicates: the order
// in which the index readers return them.
func sortProvisions(provs []Provision) []Provision {
	slices.SortFunc(provs, compareProvisions)
	return slices.Compact(provs)
}

// compareProvisions is the order of [sortProvisions].
func compareProvisions(a, b Provision) int {
	return cmp.Or(cmp.Compare(a.Soname, b.Soname), cmp.Compare(a.Bits, b.Bits),
		cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version),
		cmp.Compare(a.Arch, b.Arch), cmp.Compare(a.Repo, b.Repo), cmp.Compare(a.Manager, b.Manager))
}

// sonameShaped reports whether name looks like the soname of a shared
// library: letters, digits and "._+-", ending in ".so" after a stem
// ("libnss3.so", "libvet+extra-2.5.so") or in ".so." and a version of
// digits and dots that starts with a digit ("libz.so.1",
// "libstdc++.so.6", "libssl.so.1.1"). It tells library provides from
// other names in repository indexes (rpm's bare 32-bit provides,
// pacman's file lists).
func sonameShaped[T string | []byte](name T) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '+' || c == '-') {
			return false
		}
	}
	n := len(name)
	if n > 3 && string(name[n-3:]) == ".so" {
		return true
	}
	for i := n - 4; i > 0; i-- { // the last ".so."
		if string(name[i:i+4]) != ".so." {
			continue
		}
		ver := name[i+4:]
		if len(ver) == 0 || ver[0] < '0' || ver[0] > '9' {
			return false
		}
		for j := 0; j < len(ver); j++ {
			if ver[j] != '.' && (ver[j] < '0' || ver[j] > '9') {
				return false
			}
		}
		return true
	}
	return false
}

// Fits reports whether the provision serves a binary of architecture
// arch (an audit Binary.Arch): see [archFits]. An arch libvet has no
// names for ("", "mips") fits every provision.
func (p Provision) Fits(arch string) bool { return archFits(p.Bits, p.Arch, arch) }

// archFits reports whether a package of architecture pkgArch (as its
// manager names it: "amd64", "armhf", "noarch") whose library is of word
// size bits (0 when unknown) serves a binary of architecture arch: the
// word size is the binary's, and the package is for that architecture,
// for every one ("noarch", "any", "all"), or, for a library of the
// binary's word size, for the 64-bit architecture whose multilib
// packages carry it (Arch Linux's lib32-* packages are x86_64). An arch
// libvet has no names for fits all.
func archFits(bits int, pkgArch, arch string) bool {
	a, ok := archNames[arch]
	if !ok {
		return true
	}
	if bits != 0 && bits != a.bits {
		return false
	}
	pkgArch = strings.ToLower(pkgArch)
	switch {
	case pkgArch == "" || pkgArch == "noarch" || pkgArch == "any" || pkgArch == "all":
		return true
	case bits == a.bits && slices.Contains(a.multilib, pkgArch):
		return true
	}
	return slices.Contains(a.names, pkgArch)
}

// archName is an ELF architecture as package managers name it.
type archName struct {
	bits     int
	names    []string // dpkg, rpm, apk and pacman spellings
	multilib []string // 64-bit architectures whose packages may carry these 32-bit libraries
}

// archNames maps the architecture of ELF binaries (audit's Binary.Arch)
// to its word size and the names package managers give it: dpkg
// (amd64, i386, arm64, armhf, ppc64el, loong64), rpm (x86_64, i686,
// aarch64, armv7hl), apk (x86, armv7, armhf), pacman (x86_64, armv7h).
var archNames = map[string]archName{
	"x86_64":      {64, []string{"x86_64", "amd64"}, nil},
	"i686":        {32, []string{"i686", "i586", "i486", "i386", "x86"}, []string{"x86_64", "amd64"}},
	"aarch64":     {64, []string{"aarch64", "arm64"}, nil},
	"armv7l":      {32, []string{"armv7l", "armv7", "armv7hl", "armv7h", "armhf"}, []string{"aarch64", "arm64"}}, // hard-float: not armel
	"ppc64le":     {64, []string{"ppc64le", "ppc64el"}, nil},
	"ppc64":       {64, []string{"ppc64"}, nil},
	"s390x":       {64, []string{"s390x"}, nil},
	"riscv64":     {64, []string{"riscv64"}, nil},
	"loongarch64": {64, []string{"loongarch64", "loong64"}, nil},
}

// String returns "soname (bits-bit) name:arch version (manager, repo)".
func (p Provision) String() string {
	bits := ""
	if p.Bits != 0 {
		bits = fmt.Sprintf(" (%d-bit)", p.Bits)
	}
	return fmt.Sprintf("%s%s %s:%s %s (%s, %s)", p.Soname, bits, p.Name, p.Arch, p.Version, p.Manager, p.Repo)
}
