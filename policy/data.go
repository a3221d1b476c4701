package policy

import (
	"embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/libvet/libvet/audit"
	"github.com/libvet/libvet/internal/datafile"
	"github.com/libvet/libvet/internal/symver"
)

// Libc names the C library a Linux policy family targets; it is the
// audit model's type, so binaries and policies compare directly.
type Libc = audit.Libc

// The C libraries of the Linux policy families.
const (
	// Glibc is GNU libc, the C library of the manylinux policies (PEP 600).
	Glibc = audit.Glibc
	// Musl is musl libc, the C library of the musllinux policies (PEP 656).
	Musl = audit.Musl
)

// Linux is one Linux platform policy for one architecture, such as
// manylinux_2_17 on x86_64: the libraries a wheel may take from the system,
// the symbol versions it may require from them, and the symbols it must not
// use although their library is allowed.
//
// Values returned by this package are shared: treat them as read-only. A
// Linux built by hand (for example in a test) works too; its methods then
// read the exported fields directly.
type Linux struct {
	// Name is the PEP 600/656 policy name without the architecture:
	// "manylinux_2_17", "musllinux_1_2".
	Name string
	// Aliases are legacy names, also without the architecture:
	// "manylinux2014".
	Aliases []string
	// Priority orders the policies of one libc: higher is older and more
	// compatible (manylinux_2_5 is 100, manylinux_2_41 is 51). The generic
	// linux_<arch> fallback, which is not a Linux value, has priority 0.
	Priority int
	// Libc is the C library of the policy's family.
	Libc Libc
	// Arch is the architecture as it appears in tags: x86_64, i686,
	// aarch64, armv7l, ppc64le, ppc64, s390x, riscv64, loongarch64.
	Arch string
	// Allow lists the whitelisted sonames (DT_NEEDED entries the target
	// system is assumed to provide), in data order. For musl the libc
	// entry is the architecture's own soname (libc.musl-x86_64.so.1).
	Allow []string
	// Versions maps a symbol version namespace ("GLIBC", "GLIBCXX",
	// "CXXABI", "GCC", "ZLIB", "LIBATOMIC") to the versions allowed in it
	// ("2.17"), sorted by CompareVersion. The lists are explicit sets, not
	// ranges, and may contain non-numeric versions ("TM_1", "FLOAT128",
	// "LDBL_3.4", "ABI_DT_RELR"). A namespace with an empty list allows no
	// version at all; a namespace that is absent is not constrained.
	Versions map[string][]string
	// Blacklist maps a soname to the symbols that must not be imported
	// from it even though it is allowed; symbols are sorted.
	Blacklist map[string][]string

	// Lookup sets, built once at load; nil for a Linux built by hand.
	allowSet     map[string]struct{}
	versionSets  map[string]map[string]struct{}
	maxVersions  map[string]string
	blacklistSet map[string]map[string]struct{}
	major, minor int
	loaded       bool
}

// Tag returns the policy's platform tag: Name and Arch joined by '_',
// "manylinux_2_17_x86_64".
func (p *Linux) Tag() string { return p.Name + "_" + p.Arch }

// Tags returns Tag followed by the tag of every alias, in data order:
// ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]. The slice is new on
// every call.
func (p *Linux) Tags() []string {
	tags := make([]string, 0, 1+len(p.Aliases))
	tags = append(tags, p.Tag())
	for _, a := range p.Aliases {
		tags = append(tags, a+"_"+p.Arch)
	}
	return tags
}

// Allows reports whether soname is whitelisted, that is whether a wheel may
// leave it to the system instead of bundling it.
func (p *Linux) Allows(soname string) bool {
	if p.loaded {
		_, ok := p.allowSet[soname]
		return ok
	}
	return slices.Contains(p.Allow, soname)
}

// AllowsVersion reports how the policy treats a required symbol version,
// given as namespace and version (see [SplitVersion]): ("GLIBC", "2.29").
//
// listed is false when the policy has no such namespace; auditwheel then
// ignores the requirement, so ok is true. Otherwise ok reports whether the
// version is in the namespace's set. For example, on x86_64,
// manylinux_2_17 gives ("GLIBC", "2.17") → true, true; ("GLIBC", "2.18") →
// true, false; ("GLIBC", "PRIVATE") → true, false; ("OPENSSL", "3.0.0") →
// false, true.
func (p *Linux) AllowsVersion(namespace, version string) (listed, ok bool) {
	if p.loaded {
		set, listed := p.versionSets[namespace]
		if !listed {
			return false, true
		}
		_, ok = set[version]
		return true, ok
	}
	list, listed := p.Versions[namespace]
	if !listed {
		return false, true
	}
	return true, slices.Contains(list, version)
}

// MaxVersion returns the highest numeric version allowed in namespace, by
// CompareVersion: "3.4.19" for GLIBCXX in manylinux_2_17_x86_64. Only
// versions made of dotted numbers count: the highest CXXABI version of that
// policy is "1.3.7", not "TM_1", and the highest GLIBC version of
// manylinux_2_36 is "2.36", not "ABI_DT_RELR". It returns "" when the
// namespace is absent or has no numeric version. Because the sets have gaps,
// a version below the maximum is not necessarily allowed: use AllowsVersion
// for verdicts and MaxVersion for messages.
func (p *Linux) MaxVersion(namespace string) string {
	if p.loaded {
		return p.maxVersions[namespace]
	}
	return linuxMaxNumeric(p.Versions[namespace])
}

// Blacklisted reports whether importing symbol from soname is forbidden by
// the policy (auditwheel's per-library blacklist).
func (p *Linux) Blacklisted(soname, symbol string) bool {
	if p.loaded {
		_, ok := p.blacklistSet[soname][symbol]
		return ok
	}
	return slices.Contains(p.Blacklist[soname], symbol)
}

// GlibcVersion returns the libc version encoded in the policy name:
// manylinux_2_17 → 2, 17 (glibc); musllinux_1_2 → 1, 2 (musl). It returns
// 0, 0 for a name that does not have the form <family>_<major>_<minor>.
func (p *Linux) GlibcVersion() (major, minor int) {
	if p.loaded {
		return p.major, p.minor
	}
	_, major, minor, _ = linuxSplitName(p.Name)
	return major, minor
}

// LinuxPolicies returns the policies of libc for arch, most compatible
// (highest priority) first: for Glibc and "x86_64", manylinux_2_5 …
// manylinux_2_41. It returns nil for an architecture or libc without
// policies. The generic linux_<arch> fallback is not included. The slice is
// new on every call; the policies are shared.
func LinuxPolicies(libc Libc, arch string) []*Linux {
	return slices.Clone(linuxData().policies[libc][arch])
}

// LinuxArches returns the architectures that have at least one policy for
// libc, sorted. It returns nil for an unknown libc.
func LinuxArches(libc Libc) []string {
	return slices.Clone(linuxData().arches[libc])
}

// LookupLinux finds a policy by its tag or by an alias tag:
// "manylinux_2_17_x86_64", "manylinux2014_x86_64", "musllinux_1_2_aarch64".
// "linux_<arch>" is not a policy and is not found.
func LookupLinux(tag string) (*Linux, bool) {
	p, ok := linuxData().byTag[tag]
	return p, ok
}

// The embedded Linux policy data, one file per family, in the format
// described in doc.go and written by policy/internal/gen. The files are
// named one by one so that data files of other platforms can share the
// directory.
//
//go:embed data/manylinux.txt data/musllinux.txt
var linuxDataFS embed.FS

// linuxDataFiles are the embedded files, in load order, and the family each
// must declare.
var linuxDataFiles = []struct{ path, family string }{
	{"data/manylinux.txt", "manylinux"},
	{"data/musllinux.txt", "musllinux"},
}

// linuxDataFormat is the first non-comment line every Linux data file must
// have: the format's name and version.
const linuxDataFormat = "libvet-linux-policy 1"

// linuxData returns the parsed embedded data, loading it on first use. The
// embedded files are part of the build, and TestDataParses proves they load,
// so the panic can only be reached by a build whose data was edited without
// running the tests.
var linuxData = sync.OnceValue(func() *linuxIndex {
	idx, err := loadLinuxData()
	if err != nil {
		panic("policy: embedded Linux policy data: " + err.Error())
	}
	return idx
})

// linuxIndex is the loaded data.
type linuxIndex struct {
	policies map[Libc]map[string][]*Linux // libc -> arch -> by descending priority
	arches   map[Libc][]string            // libc -> sorted arches
	byTag    map[string]*Linux            // every tag and alias tag
}

// linuxFile is one parsed data file.
type linuxFile struct {
	path     string // for messages: policy/data/manylinux.txt
	family   string
	libc     Libc
	policies []*linuxRecord
}

// linuxRecord is one "policy" block, before it is split per architecture.
type linuxRecord struct {
	line         int
	name         string
	major, minor int
	priority     int
	aliases      []string
	arches       []string
	allow        []linuxAllow
	deny         map[string][]string
	versions     map[string]map[string][]string // arch -> namespace -> versions
}

// linuxAllow is one "allow" line: a soname, for every architecture of the
// policy or only for those listed.
type linuxAllow struct {
	soname string
	arches []string
}

// loadLinuxData parses every embedded file and builds the index.
func loadLinuxData() (*linuxIndex, error) {
	var files []*linuxFile
	for _, f := range linuxDataFiles {
		data, err := linuxDataFS.ReadFile(f.path)
		if err != nil {
			return nil, err
		}
		lf, err := parseLinuxData("policy/"+f.path, data)
		if err != nil {
			return nil, err
		}
		if lf.family != f.family {
			return nil, &datafile.Error{File: lf.path, Line: 1, Msg: fmt.Sprintf("file declares family %q, want %q", lf.family, f.family)}
		}
		files = append(files, lf)
	}
	return indexLinuxData(files)
}

// parseLinuxData parses one data file; path is used in errors only. See
// doc.go for the format. Errors are *datafile.Error values.
func parseLinuxData(path string, data []byte) (*linuxFile, error) {
	lf := &linuxFile{path: path}
	var (
		cur        *linuxRecord
		sawFamily  bool
		names      = map[string]int{} // policy name or alias -> line
		priorities = map[int]string{}
	)
	finish := func() error {
		if cur != nil && cur.arches == nil {
			return &datafile.Error{File: path, Line: cur.line, Msg: fmt.Sprintf("policy %s has no arch line", cur.name)}
		}
		return nil
	}
	records, err := datafile.Lines(path, data, linuxDataFormat)
	if err != nil {
		return nil, err
	}
	for _, rec := range records {
		ln, f := rec.Num, rec.Fields
		errf := func(format string, args ...any) error { return rec.Errorf(path, format, args...) }
		kw, args := f[0], f[1:]
		if kw != "family" && !sawFamily {
			return nil, errf("%s before the family line", kw)
		}
		if cur == nil && kw != "family" && kw != "policy" {
			return nil, errf("%s outside a policy", kw)
		}
		switch kw {
		case "family":
			if sawFamily {
				return nil, errf("repeated family line")
			}
			if len(args) != 2 {
				return nil, errf("want: family NAME LIBC")
			}
			lf.family = args[0]
			switch Libc(args[1]) {
			case Glibc, Musl:
				lf.libc = Libc(args[1])
			default:
				return nil, errf("unknown libc %q (want %q or %q)", args[1], Glibc, Musl)
			}
			sawFamily = true

		case "policy":
			if err := finish(); err != nil {
				return nil, err
			}
			if len(args) != 2 {
				return nil, errf("want: policy NAME PRIORITY")
			}
			fam, major, minor, ok := linuxSplitName(args[0])
			if !ok || fam != lf.family {
				return nil, errf("policy name %q is not %s_<major>_<minor>", args[0], lf.family)
			}
			prio, err := strconv.Atoi(args[1])
			if err != nil || prio <= 0 || !symver.Numeric(args[1]) {
				return nil, errf("priority %q is not a positive integer", args[1])
			}
			if other, dup := priorities[prio]; dup {
				return nil, errf("priority %d already used by %s", prio, other)
			}
			priorities[prio] = args[0]
			if prev, dup := names[args[0]]; dup {
				return nil, errf("name %s already used on line %d", args[0], prev)
			}
			names[args[0]] = ln
			cur = &linuxRecord{
				line: ln, name: args[0], major: major, minor: minor, priority: prio,
				deny:     map[string][]string{},
				versions: map[string]map[string][]string{},
			}
			lf.policies = append(lf.policies, cur)

		case "alias":
			if len(args) != 1 {
				return nil, errf("want: alias NAME")
			}
			if prev, dup := names[args[0]]; dup {
				return nil, errf("name %s already used on line %d", args[0], prev)
			}
			names[args[0]] = ln
			cur.aliases = append(cur.aliases, args[0])

		case "arch":
			if cur.arches != nil {
				return nil, errf("repeated arch line for policy %s", cur.name)
			}
			if len(args) == 0 {
				return nil, errf("want: arch ARCH...")
			}
			if !strictlySorted(args, strings.Compare) {
				return nil, errf("architectures are not sorted or repeat")
			}
			cur.arches = args
			for _, a := range args {
				cur.versions[a] = map[string][]string{}
			}

		case "allow":
			if len(args) == 0 {
				return nil, errf("want: allow SONAME [ARCH...]")
			}
			if cur.arches == nil {
				return nil, errf("allow before the arch line of policy %s", cur.name)
			}
			if !strictlySorted(args[1:], strings.Compare) {
				return nil, errf("architectures are not sorted or repeat")
			}
			for _, a := range args[1:] {
				if !slices.Contains(cur.arches, a) {
					return nil, errf("policy %s has no architecture %s", cur.name, a)
				}
			}
			for _, prev := range cur.allow {
				if prev.soname == args[0] && linuxOverlap(prev.arches, args[1:]) {
					return nil, errf("%s is allowed twice", args[0])
				}
			}
			cur.allow = append(cur.allow, linuxAllow{soname: args[0], arches: args[1:]})

		case "deny":
			if len(args) < 2 {
				return nil, errf("want: deny SONAME SYMBOL...")
			}
			if _, dup := cur.deny[args[0]]; dup {
				return nil, errf("repeated deny line for %s", args[0])
			}
			if !strictlySorted(args[1:], strings.Compare) {
				return nil, errf("symbols are not sorted or repeat")
			}
			cur.deny[args[0]] = args[1:]

		case "version":
			if len(args) < 2 {
				return nil, errf("want: version ARCH NAMESPACE [VERSION...]")
			}
			arch, ns, vers := args[0], args[1], args[2:]
			nss, ok := cur.versions[arch]
			if !ok {
				return nil, errf("policy %s has no architecture %s (or the arch line comes later)", cur.name, arch)
			}
			if _, dup := nss[ns]; dup {
				return nil, errf("repeated version line for %s %s", arch, ns)
			}
			if !strictlySorted(vers, CompareVersion) {
				return nil, errf("versions are not in CompareVersion order or repeat")
			}
			nss[ns] = vers

		default:
			return nil, errf("unknown keyword %q", kw)
		}
	}
	if !sawFamily {
		return nil, &datafile.Error{File: path, Line: 1, Msg: "no family line"}
	}
	if len(lf.policies) == 0 {
		return nil, &datafile.Error{File: path, Line: 1, Msg: "no policies"}
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return lf, nil
}

// indexLinuxData splits every record per architecture and indexes the result.
func indexLinuxData(files []*linuxFile) (*linuxIndex, error) {
	idx := &linuxIndex{
		policies: map[Libc]map[string][]*Linux{},
		arches:   map[Libc][]string{},
		byTag:    map[string]*Linux{},
	}
	seenLibc := map[Libc]string{}
	for _, lf := range files {
		if other, dup := seenLibc[lf.libc]; dup {
			return nil, &datafile.Error{File: lf.path, Line: 1, Msg: fmt.Sprintf("libc %s already loaded from %s", lf.libc, other)}
		}
		seenLibc[lf.libc] = lf.path
		byArch := map[string][]*Linux{}
		for _, r := range lf.policies {
			for _, arch := range r.arches {
				p := newLinux(lf.libc, r, arch)
				for _, tag := range p.Tags() {
					if prev, dup := idx.byTag[tag]; dup {
						return nil, &datafile.Error{File: lf.path, Line: r.line, Msg: fmt.Sprintf("tag %s already defined by %s", tag, prev.Tag())}
					}
					idx.byTag[tag] = p
				}
				byArch[arch] = append(byArch[arch], p)
			}
		}
		for arch, pols := range byArch {
			slices.SortFunc(pols, func(a, b *Linux) int { return b.Priority - a.Priority })
			idx.arches[lf.libc] = append(idx.arches[lf.libc], arch)
		}
		slices.Sort(idx.arches[lf.libc])
		idx.policies[lf.libc] = byArch
	}
	return idx, nil
}

// newLinux builds the policy of record r for arch, with its lookup sets.
func newLinux(libc Libc, r *linuxRecord, arch string) *Linux {
	p := &Linux{
		Name:         r.name,
		Aliases:      slices.Clone(r.aliases),
		Priority:     r.priority,
		Libc:         libc,
		Arch:         arch,
		Versions:     map[string][]string{},
		Blacklist:    map[string][]string{},
		allowSet:     map[string]struct{}{},
		versionSets:  map[string]map[string]struct{}{},
		maxVersions:  map[string]string{},
		blacklistSet: map[string]map[string]struct{}{},
		major:        r.major,
		minor:        r.minor,
		loaded:       true,
	}
	for _, a := range r.allow {
		if len(a.arches) == 0 || slices.Contains(a.arches, arch) {
			p.Allow = append(p.Allow, a.soname)
			p.allowSet[a.soname] = struct{}{}
		}
	}
	for ns, vers := range r.versions[arch] {
		p.Versions[ns] = slices.Clone(vers)
		p.versionSets[ns] = linuxSet(vers)
		if m := linuxMaxNumeric(vers); m != "" {
			p.maxVersions[ns] = m
		}
	}
	for soname, syms := range r.deny {
		p.Blacklist[soname] = slices.Clone(syms)
		p.blacklistSet[soname] = linuxSet(syms)
	}
	return p
}

// linuxSplitName splits "manylinux_2_17" into "manylinux", 2, 17. ok is false
// unless name is <family>_<major>_<minor> with decimal numbers.
func linuxSplitName(name string) (family string, major, minor int, ok bool) {
	parts := strings.Split(name, "_")
	if len(parts) != 3 || parts[0] == "" || !symver.Numeric(parts[1]) || !symver.Numeric(parts[2]) {
		return "", 0, 0, false
	}
	major, err1 := strconv.Atoi(parts[1])
	minor, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil {
		return "", 0, 0, false
	}
	return parts[0], major, minor, true
}

// linuxMaxNumeric returns the highest all-numeric version in vers by
// CompareVersion, or "".
func linuxMaxNumeric(vers []string) string {
	best := ""
	for _, v := range vers {
		if symver.AllNumeric(v) && (best == "" || CompareVersion(v, best) > 0) {
			best = v
		}
	}
	return best
}

func linuxSet(list []string) map[string]struct{} {
	s := make(map[string]struct{}, len(list))
	for _, v := range list {
		s[v] = struct{}{}
	}
	return s
}

// strictlySorted reports whether list is strictly increasing under cmp
// (sorted, without repeats).
func strictlySorted(list []string, cmp func(a, b string) int) bool {
	for i := 1; i < len(list); i++ {
		if cmp(list[i-1], list[i]) >= 0 {
			return false
		}
	}
	return true
}

// linuxOverlap reports whether two allow lines' architecture lists share an
// architecture; an empty list means every architecture.
func linuxOverlap(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
