package policy

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/ianlancetaylor/demangle"

	"github.com/libvet/libvet/audit"
)

// LinuxPlatform judges ELF binaries against the manylinux (glibc) and
// musllinux policies with auditwheel's semantics, and says why each more
// compatible policy fails. It implements [audit.Platform].
type LinuxPlatform struct {
	// DisableISACheck ignores x86-64 micro-architecture levels
	// (auditwheel's --disable-isa-ext-check).
	DisableISACheck bool
}

var _ audit.Platform = LinuxPlatform{}

// linuxTarget is one artifact judged against the Linux policies.
type linuxTarget struct {
	opts       LinuxPlatform
	bins       []*audit.Binary
	declared   []string
	arch       string
	libc       Libc
	libcReason string
	// libcFromContents is false when no binary names a C library, so any
	// family fits.
	libcFromContents bool
	policies         []*Linux
	findings         []audit.Finding
}

// Format implements [audit.Platform]: Linux runs ELF binaries.
func (LinuxPlatform) Format() audit.Format { return audit.FormatELF }

// Claims implements [audit.Platform]: manylinux, musllinux, linux and
// android tags.
func (LinuxPlatform) Claims(tag string) bool {
	if _, ok := parsePlatformTag(tag); ok {
		return true
	}
	return strings.HasPrefix(tag, "android_")
}

// Target implements [audit.Platform].
func (lp LinuxPlatform) Target(in audit.Input) audit.Target {
	declared := in.Declared
	var elfs []*audit.Binary
	for _, b := range in.Binaries {
		if b.Format == audit.FormatELF {
			elfs = append(elfs, b)
		}
	}
	if len(elfs) == 0 {
		return nil
	}
	if why := androidEvidence(elfs, declared); why != "" {
		return androidTarget{why: why}
	}
	t := &linuxTarget{opts: lp, bins: elfs, declared: declared}
	t.arch = chooseArch(elfs, declared)
	t.libc, t.libcReason, t.libcFromContents = chooseLibc(elfs, declared)
	if t.arch != "" {
		t.policies = LinuxPolicies(t.libc, t.arch)
	}
	return t
}

// androidEvidence says why the artifact is for Android, or "" when it is not.
func androidEvidence(bins []*audit.Binary, declared []string) string {
	for _, tag := range declared {
		if strings.HasPrefix(tag, "android_") {
			return "declared tag " + tag
		}
	}
	for _, b := range bins {
		if strings.HasPrefix(b.Interp, "/system/bin/linker") {
			return b.Member + " has PT_INTERP " + b.Interp
		}
	}
	return ""
}

// androidTarget stands for an Android artifact, which the Linux policies
// must not judge: Android's libc.so, libm.so and libdl.so are unversioned
// system libraries, not manylinux ones.
type androidTarget struct{ why string }

func (androidTarget) Promises(*audit.Binary, string) (audit.Resolution, bool) {
	return audit.Resolution{}, false
}
func (androidTarget) NotPromised(string) string {
	return "Android policies are not audited by this version of libvet"
}

// Judge reports that the artifact is not judged.
func (a androidTarget) Judge(r *audit.Report) {
	r.ExternalLibs = []audit.ExternalLib{}
	r.Findings = append(r.Findings, audit.Finding{Code: "android/not-audited", Severity: audit.Error,
		Message: "an Android artifact (" + a.why + "); Android policies are not audited by this version of libvet, so no platform tag is given"})
}

// chooseArch picks the architecture the artifact targets: the one its
// binaries share, or when they disagree, the declared tag's if a binary
// has it, else the first binary's.
func chooseArch(bins []*audit.Binary, declared []string) string {
	count := map[string]int{}
	first := ""
	for _, b := range bins {
		if b.Arch == "" {
			continue
		}
		if first == "" {
			first = b.Arch
		}
		count[b.Arch]++
	}
	if len(count) <= 1 {
		return first
	}
	for _, tag := range declared {
		if pt, ok := parsePlatformTag(tag); ok && count[pt.arch] > 0 {
			return pt.arch
		}
	}
	return first
}

// chooseLibc decides the C library: from the binaries' contents
// (PT_INTERP, DT_NEEDED), then from extension file names, then from the
// declared tags, else glibc.
func chooseLibc(bins []*audit.Binary, declared []string) (Libc, string, bool) {
	for _, b := range bins {
		switch b.Libc {
		case audit.Glibc:
			return Glibc, fmt.Sprintf("%s has %s", b.Member, b.LibcReason), true
		case audit.Musl:
			return Musl, fmt.Sprintf("%s has %s", b.Member, b.LibcReason), true
		}
	}
	for _, b := range bins {
		base := path.Base(b.Member)
		switch {
		case strings.Contains(base, "-linux-musl") || strings.Contains(base, "-musleabihf"):
			return Musl, fmt.Sprintf("no binary names a C library; the extension name %s says musl", base), false
		case strings.Contains(base, "-linux-gnu") && cpythonMinor(base) >= 11:
			// Before 3.11, CPython on musl also named extensions -linux-gnu.
			return Glibc, fmt.Sprintf("no binary names a C library; the extension name %s says glibc (CPython 3.11 and newer)", base), false
		}
	}
	for _, tag := range declared {
		if pt, ok := parsePlatformTag(tag); ok && pt.family != "linux" {
			return pt.libc(), fmt.Sprintf("no binary names a C library; the declared tag %s says %s", tag, pt.libc()), false
		}
	}
	return Glibc, "no binary names a C library; assuming glibc", false
}

var cpythonTag = regexp.MustCompile(`\.cpython-3(\d+)`)

// cpythonMinor returns the CPython 3 minor version in an extension's file
// name ("_x.cpython-312-x86_64-linux-gnu.so" → 12), or -1.
func cpythonMinor(base string) int {
	m := cpythonTag.FindStringSubmatch(base)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// Promises implements [audit.Target]: the newest policy's allow-list.
func (t *linuxTarget) Promises(_ *audit.Binary, soname string) (audit.Resolution, bool) {
	for _, p := range t.policies {
		if p.Allows(soname) {
			rule := "allowed by " + p.Tag() + " and newer"
			if p == t.policies[0] {
				rule = "allowed by every " + t.family() + " policy (" + p.Tag() + " and newer)"
			}
			return audit.Resolution{Need: soname, By: audit.ByPolicy, Detail: rule}, true
		}
	}
	return audit.Resolution{}, false
}

// NotPromised implements [audit.Target].
func (t *linuxTarget) NotPromised(soname string) string {
	if t.arch == "" {
		return "no policy covers this architecture"
	}
	return fmt.Sprintf("no %s policy for %s allows it", t.family(), t.arch)
}

func (t *linuxTarget) family() string {
	if t.libc == Musl {
		return "musllinux"
	}
	return "manylinux"
}

func (t *linuxTarget) linuxTag() string { return "linux_" + t.arch }

func (t *linuxTarget) add(code string, sev audit.Severity, member, format string, args ...any) {
	t.findings = append(t.findings, audit.Finding{Code: code, Severity: sev, Member: member, Message: fmt.Sprintf(format, args...)})
}

// Judge implements [audit.Target].
func (t *linuxTarget) Judge(r *audit.Report) {
	if t.arch == "" {
		for _, b := range t.bins {
			t.add("linux/unsupported-arch", audit.Error, b.Member,
				"%s is not an architecture any manylinux or musllinux policy covers; no platform tag fits", b.Machine)
		}
		r.Findings = append(r.Findings, t.findings...)
		return
	}
	how := t.libcReason
	if t.libcFromContents {
		how = "decided from the contents: " + how
	}
	t.add("linux/libc", audit.Info, "", "C library: %s (%s)", t.libc, how)

	var bins []*audit.Binary
	for _, b := range t.bins {
		if b.Arch != t.arch {
			what := b.Machine
			if b.Arch != "" {
				what = b.Arch
			}
			t.add("linux/ignored-arch", audit.Warning, b.Member,
				"%s binary in a %s artifact; it is left out of the verdict", what, t.arch)
			continue
		}
		if b.Libc != audit.LibcUnknown && b.Libc != t.libc {
			t.add("linux/mixed-libc", audit.Error, b.Member, "built for %s (%s) but the artifact targets %s (%s)",
				b.Libc, b.LibcReason, t.libc, t.libcReason)
		}
		bins = append(bins, b)
	}
	if len(t.policies) == 0 {
		t.add("linux/unsupported-arch", audit.Error, "", "no %s policy covers %s", t.family(), t.arch)
	}

	ev := t.collectEvidence(bins)
	t.reportProblems(ev, r.ExternalLibs)

	best, symBest := -1, -1
	var results []audit.PolicyResult
	for i, p := range t.policies {
		symReasons := ev.symbolReasons(p)
		if maj, min := p.GlibcVersion(); t.libc == Musl && maj == 1 && min < 2 {
			symReasons = append(symReasons, t.oldMuslReasons(ev)...)
		}
		reasons := append([]string{}, symReasons...)
		reasons = append(reasons, ev.libraryReasons(p, t.policies)...)
		reasons = append(reasons, ev.blacklistReasons(p)...)
		reasons = append(reasons, ev.wholeReasons(r.ExternalLibs)...)
		if symBest < 0 && len(symReasons) == 0 {
			symBest = i
		}
		res := audit.PolicyResult{Tag: p.Tag(), Aliases: p.Tags()[1:], OK: len(reasons) == 0, Reasons: reasons}
		if best < 0 {
			results = append(results, res)
			if res.OK {
				best = i
			}
		}
	}
	r.Policies = results
	r.PlatformTag, r.PlatformTags = t.linuxTag(), []string{t.linuxTag()}
	if best >= 0 {
		r.PlatformTag, r.PlatformTags = t.policies[best].Tag(), t.policies[best].Tags()
	}
	r.SymbolTag = t.linuxTag()
	if symBest >= 0 {
		r.SymbolTag = t.policies[symBest].Tag()
	}
	t.checkDeclared(r, best, results)
	r.Findings = append(r.Findings, t.findings...)
}

// evidence is everything in the binaries that constrains the tag, with the
// first place each constraint comes from.
type evidence struct {
	// versions: namespace -> version -> where it is needed.
	versions map[string]map[string]versionUse
	// platformLibs: sonames the policy allow-list provides -> first needing member.
	platformLibs map[string]string
	// bins are the judged binaries.
	bins []*audit.Binary
	// strong holds, per member, the non-weak imported symbols that some
	// policy's blacklist names.
	strong map[string]map[string]bool
	// time64 is the first 64-bit time_t symbol a 32-bit musl binary
	// imports, "member symbol", or "".
	time64 string
	// blockers fail every policy (ISA, PyFPE, UCS2, libpython).
	blockers []blocker
}

// time64 matches the symbols musl 1.2 redirects 32-bit time functions to
// (64-bit time_t): __stat_time64, __clock_gettime64, __mktime64, ...
var time64 = regexp.MustCompile(`^__(\w+_time64|(clock_(gettime|settime|getres|nanosleep)|timer(fd)?_(gettime|settime)|(mk|gm|local|c|diff|adj|asc)?time(_r)?|timegm)64)$`)

// oldMuslReasons says why the binaries may need musl 1.2: a 64-bit time_t
// symbol, or, unless the artifact declares the older tag itself, the
// fact that musl has no symbol versions to prove otherwise.
func (t *linuxTarget) oldMuslReasons(ev *evidence) []string {
	if ev.time64 != "" {
		return []string{ev.time64 + " (64-bit time_t), which musl provides from 1.2"}
	}
	for _, tag := range t.declared {
		if pt, ok := parsePlatformTag(tag); ok && pt.family == "musllinux" && pt.major == 1 && pt.minor < 2 {
			return nil
		}
	}
	return []string{"musl has no symbol versions, so nothing proves the binaries avoid functions added in musl 1.2; libvet accepts this tag only when the artifact declares it (auditwheel reports musllinux_1_2 too)"}
}

// blocker is a problem of one binary that fails every policy.
type blocker struct {
	code, member, msg string
}

type versionUse struct {
	member, library, symbol string
}

// pyfpeSymbols are the PyFPE functions of Python builds configured with
// --with-fpectl, which manylinux interpreters are not (PEP 513).
var pyfpeSymbols = map[string]bool{"PyFPE_jbuf": true, "PyFPE_dummy": true, "PyFPE_counter": true}

// collectEvidence gathers what constrains the tag, in one pass over each
// binary's imports.
func (t *linuxTarget) collectEvidence(bins []*audit.Binary) *evidence {
	ev := &evidence{versions: map[string]map[string]versionUse{}, platformLibs: map[string]string{},
		bins: bins, strong: map[string]map[string]bool{}}
	blacklisted := map[string]bool{}
	for _, p := range t.policies {
		for _, syms := range p.Blacklist {
			for _, sym := range syms {
				blacklisted[sym] = true
			}
		}
	}
	musl32 := t.libc == Musl && (t.arch == "i686" || t.arch == "armv7l")
	for _, b := range bins {
		// The one pass over the imports.
		first := map[[2]string]string{} // version, library -> first symbol
		strong := map[string]bool{}
		var pyfpe, ucs2 string
		for _, imp := range b.Imports {
			if k := [2]string{imp.Version, imp.Library}; imp.Version != "" && first[k] == "" {
				first[k] = imp.Name
			}
			if !imp.Weak && blacklisted[imp.Name] {
				strong[imp.Name] = true
			}
			if pyfpe == "" && pyfpeSymbols[imp.Name] && !imp.Object {
				pyfpe = imp.Name
			}
			if ucs2 == "" && b.Extension != "" && imp.Func && strings.HasPrefix(imp.Name, "PyUnicodeUCS2_") {
				ucs2 = imp.Name
			}
			if musl32 && ev.time64 == "" && strings.HasSuffix(imp.Name, "64") && time64.MatchString(imp.Name) {
				ev.time64 = b.Member + " uses " + imp.Name
			}
		}
		ev.strong[b.Member] = strong

		for _, v := range b.Versions {
			if audit.IsLoader(v.Library) {
				continue
			}
			ns, ver := SplitVersion(v.Version)
			if ev.versions[ns] == nil {
				ev.versions[ns] = map[string]versionUse{}
			}
			if _, ok := ev.versions[ns][ver]; !ok {
				ev.versions[ns][ver] = versionUse{member: b.Member, library: v.Library, symbol: first[[2]string{v.Version, v.Library}]}
			}
		}
		for _, res := range b.Resolutions {
			if res.By == audit.BySkip && audit.IsLibpython(res.Need) {
				ev.blockers = append(ev.blockers, blocker{"linux/libpython", b.Member,
					fmt.Sprintf("links %s; interpreters built with a static libpython do not have it, so the import fails (PEP 513: extensions must not link libpython)", res.Need)})
			}
			if res.By == audit.ByPolicy {
				if _, ok := ev.platformLibs[res.Need]; !ok {
					ev.platformLibs[res.Need] = b.Member
				}
			}
		}
		switch {
		case t.opts.DisableISACheck || b.ISA == "":
		case b.ISA == audit.ISAUnknown:
			ev.blockers = append(ev.blockers, blocker{"linux/isa", b.Member,
				"declares an x86-64 ISA level libvet does not know (GNU property note); every policy assumes the x86-64 baseline"})
		default:
			ev.blockers = append(ev.blockers, blocker{"linux/isa", b.Member,
				fmt.Sprintf("requires %s (GNU property note), above the x86-64 baseline every policy assumes", b.ISA)})
		}
		if pyfpe != "" {
			ev.blockers = append(ev.blockers, blocker{"linux/pyfpe", b.Member,
				fmt.Sprintf("uses %s, which manylinux/musllinux interpreters do not provide (PEP 513)", pyfpe)})
		}
		if ucs2 != "" {
			ev.blockers = append(ev.blockers, blocker{"linux/ucs2", b.Member,
				fmt.Sprintf("uses %s: it was built for a narrow-unicode (UCS2) Python 2", ucs2)})
		}
	}
	return ev
}

// symbolReasons says which required symbol versions p does not allow, one
// reason per namespace, naming the highest offending version and a symbol
// that needs it.
func (ev *evidence) symbolReasons(p *Linux) []string {
	var out []string
	for _, ns := range sortedKeys(ev.versions) {
		var bad []string
		for ver := range ev.versions[ns] {
			if listed, ok := p.AllowsVersion(ns, ver); listed && !ok {
				bad = append(bad, ver)
			}
		}
		if len(bad) == 0 {
			continue
		}
		sort.Slice(bad, func(i, j int) bool { return CompareVersion(bad[i], bad[j]) > 0 })
		top := ev.versions[ns][bad[0]]
		msg := fmt.Sprintf("%s needs %s_%s", top.member, ns, bad[0])
		if top.symbol != "" {
			msg += fmt.Sprintf(" (%s) from %s", demangle.Filter(top.symbol, demangle.NoParams), top.library)
		} else {
			msg += " from " + top.library
		}
		if max := p.MaxVersion(ns); max != "" {
			msg += fmt.Sprintf("; this policy allows up to %s_%s", ns, max)
		} else {
			msg += fmt.Sprintf("; this policy allows no %s version", ns)
		}
		if len(bad) > 1 {
			more := make([]string, 0, len(bad)-1)
			for _, v := range bad[1:] {
				more = append(more, ns+"_"+v)
			}
			msg += " (also too new: " + strings.Join(more, ", ") + ")"
		}
		out = append(out, msg)
	}
	return out
}

// libraryReasons names the platform libraries p does not allow, and the
// first policy that does.
func (ev *evidence) libraryReasons(p *Linux, all []*Linux) []string {
	var out []string
	for _, lib := range sortedKeys(ev.platformLibs) {
		if p.Allows(lib) {
			continue
		}
		from := ""
		for _, q := range all {
			if q.Allows(lib) {
				from = q.Tag()
				break
			}
		}
		out = append(out, fmt.Sprintf("%s needs %s, which this policy does not allow (allowed from %s)", ev.platformLibs[lib], lib, from))
	}
	return out
}

// blacklistHit is a binary using forbidden symbols of one library.
type blacklistHit struct {
	member, lib string
	symbols     []string
}

// blacklistHits finds the forbidden symbols each binary uses from its
// direct needs: undefined, non-weak symbols p lists for a needed library,
// in the blacklist's (sorted) order.
func (ev *evidence) blacklistHits(p *Linux) []blacklistHit {
	var out []blacklistHit
	for _, b := range ev.bins {
		for _, lib := range b.Needed {
			var hits []string
			for _, sym := range p.Blacklist[lib] {
				if ev.strong[b.Member][sym] {
					hits = append(hits, sym)
				}
			}
			if len(hits) > 0 {
				out = append(out, blacklistHit{b.Member, lib, hits})
			}
		}
	}
	return out
}

// blacklistReasons words p's blacklist hits.
func (ev *evidence) blacklistReasons(p *Linux) []string {
	var out []string
	for _, h := range ev.blacklistHits(p) {
		out = append(out, fmt.Sprintf("%s uses %s from %s, which this policy forbids (internal symbols not every system's %s exports)",
			h.member, strings.Join(h.symbols, ", "), h.lib, h.lib))
	}
	return out
}

// wholeReasons are the blockers that fail every policy.
func (ev *evidence) wholeReasons(ext []audit.ExternalLib) []string {
	var out []string
	for _, b := range ev.blockers {
		out = append(out, b.member+" "+b.msg)
	}
	if len(ext) > 0 {
		names := make([]string, len(ext))
		for i, x := range ext {
			names[i] = x.Soname
		}
		out = append(out, fmt.Sprintf("needs %d external librar%s that no policy allows and the loader would not find in the artifact: %s",
			len(ext), plural(len(ext), "y", "ies"), strings.Join(names, ", ")))
	}
	return out
}

// reportProblems turns what always fails (or should worry) into findings.
func (t *linuxTarget) reportProblems(ev *evidence, ext []audit.ExternalLib) {
	for _, x := range ext {
		t.add("linux/external-library", audit.Error, strings.Join(x.NeededBy, ", "), "needs %s: %s", x.Soname, x.Reason)
	}
	for _, b := range ev.bins {
		switch {
		case !b.ExecStack:
		case b.Type == "shared-object":
			t.add("linux/exec-stack", audit.Error, b.Member,
				"PT_GNU_STACK asks for an executable stack; glibc 2.41 and newer refuse to dlopen such libraries, older ones make every thread's stack executable (relink with -Wl,-z,noexecstack)")
		default:
			t.add("linux/exec-stack", audit.Warning, b.Member,
				"PT_GNU_STACK asks for an executable stack, which weakens the process's defences (relink with -Wl,-z,noexecstack)")
		}
	}
	for _, b := range ev.blockers {
		t.add(b.code, audit.Error, b.member, "%s", b.msg)
	}
	if len(t.policies) > 0 {
		// Symbols even the newest policy forbids rule out every tag.
		for _, h := range ev.blacklistHits(t.policies[len(t.policies)-1]) {
			t.add("linux/blacklisted-symbol", audit.Error, h.member, "uses %s from %s, which every %s policy forbids (internal symbols not every system's %s exports)",
				strings.Join(h.symbols, ", "), h.lib, t.family(), h.lib)
		}
	}
}

// checkDeclared compares each declared platform tag with what the contents
// support. Tags with the same problem (manylinux2014_x86_64 and
// manylinux_2_17_x86_64 usually) share one finding.
func (t *linuxTarget) checkDeclared(r *audit.Report, best int, results []audit.PolicyResult) {
	type problem struct {
		code string
		sev  audit.Severity
		// msg follows "declared tag(s) X is/are ".
		msg string
	}
	var order []problem
	tags := map[problem][]string{}
	report := func(tag, code string, sev audit.Severity, format string, args ...any) {
		p := problem{code, sev, fmt.Sprintf(format, args...)}
		if tags[p] == nil {
			order = append(order, p)
		}
		tags[p] = append(tags[p], tag)
	}
	for _, tag := range t.declared {
		if tag == "any" {
			continue // audit reports binaries in an 'any' artifact, whatever their format
		}
		pt, ok := parsePlatformTag(tag)
		if !ok {
			report(tag, "linux/tag-mismatch", audit.Error, "not for Linux, but the artifact contains Linux (ELF) binaries")
			continue
		}
		if !sameArch(pt.arch, t.arch) {
			report(tag, "linux/tag-mismatch", audit.Error, "for %s, but the binaries are %s", pt.arch, t.arch)
			continue
		}
		if pt.arch != t.arch {
			report(tag, "linux/arch-name", audit.Info, "for %s; libvet (like auditwheel) calls EM_ARM hard-float binaries %s and cannot tell ARMv6 from ARMv7", pt.arch, t.arch)
		}
		if pt.family == "linux" {
			if r.PlatformTag != t.linuxTag() {
				report(tag, "linux/tag-linux", audit.Warning, "accepted by no package index; the contents support %s", r.PlatformTag)
			}
			continue
		}
		if pt.libc() != t.libc {
			if t.libcFromContents {
				report(tag, "linux/tag-mismatch", audit.Error, "for %s, but the binaries use %s (%s)", pt.libc(), t.libc, t.libcReason)
			}
			// Otherwise no binary names a C library: the tag's family is as good as ours.
			continue
		}
		if best >= 0 {
			maj, min := t.policies[best].GlibcVersion()
			if pt.major > maj || (pt.major == maj && pt.minor >= min) {
				continue
			}
		}
		why := fmt.Sprintf("no %s policy is as old as %s", t.family(), tag)
		for i, res := range results {
			maj, min := t.policies[i].GlibcVersion()
			if !res.OK && len(res.Reasons) > 0 && (maj < pt.major || (maj == pt.major && min <= pt.minor)) {
				why = "for " + res.Tag + ": " + res.Reasons[0]
			}
		}
		report(tag, "linux/tag-unsupported", audit.Error, "not supported by the contents (best: %s); %s", r.PlatformTag, why)
	}
	for _, p := range order {
		ts := tags[p]
		t.add(p.code, p.sev, "", "declared tag%s %s %s %s", plural(len(ts), "", "s"), strings.Join(ts, ", "), plural(len(ts), "is", "are"), p.msg)
	}
}

// sameArch reports whether a declared tag's architecture fits binaries of
// arch: EM_ARM hard-float binaries are armv7l, but armv6l builds look the same.
func sameArch(declared, arch string) bool {
	return declared == arch || (declared == "armv6l" && arch == "armv7l")
}

// platformTag is a parsed Linux platform tag.
type platformTag struct {
	family       string // "manylinux", "musllinux" or "linux"
	major, minor int
	arch         string
}

func (pt platformTag) libc() Libc {
	if pt.family == "musllinux" {
		return Musl
	}
	return Glibc
}

func (pt platformTag) canonical() string {
	return fmt.Sprintf("%s_%d_%d_%s", pt.family, pt.major, pt.minor, pt.arch)
}

var (
	pep600Tag = regexp.MustCompile(`^(manylinux|musllinux)_(\d+)_(\d+)_(.+)$`)
	legacyTag = map[string][2]int{"manylinux1": {2, 5}, "manylinux2010": {2, 12}, "manylinux2014": {2, 17}}
)

// parsePlatformTag parses manylinux_X_Y_ARCH, musllinux_X_Y_ARCH, the
// legacy manylinux1/2010/2014 aliases and linux_ARCH.
func parsePlatformTag(tag string) (platformTag, bool) {
	if m := pep600Tag.FindStringSubmatch(tag); m != nil {
		maj, _ := strconv.Atoi(m[2])
		min, _ := strconv.Atoi(m[3])
		return platformTag{family: m[1], major: maj, minor: min, arch: m[4]}, true
	}
	for alias, v := range legacyTag {
		if arch, ok := strings.CutPrefix(tag, alias+"_"); ok {
			return platformTag{family: "manylinux", major: v[0], minor: v[1], arch: arch}, true
		}
	}
	if arch, ok := strings.CutPrefix(tag, "linux_"); ok {
		return platformTag{family: "linux", arch: arch}, true
	}
	return platformTag{}, false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
