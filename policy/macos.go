package policy

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/libvet/libvet/audit"
)

// MacOSPlatform judges Mach-O binaries against macOS platform tags
// (macosx_X_Y_ARCH): architectures and universal sets, deployment targets
// (LC_BUILD_VERSION / LC_VERSION_MIN_MACOSX minos), and which libraries
// macOS itself provides.
type MacOSPlatform struct{}

var _ audit.Platform = MacOSPlatform{}

// Format implements [audit.Platform]: macOS runs Mach-O binaries.
func (MacOSPlatform) Format() audit.Format { return audit.FormatMachO }

// Claims implements [audit.Platform]: macosx_* tags.
func (MacOSPlatform) Claims(tag string) bool { return strings.HasPrefix(tag, "macosx_") }

// macArchSets are the multi-architecture names of macOS platform tags
// (packaging.tags._mac_binary_formats), most useful first.
var macArchSets = []struct {
	name   string
	arches []string
}{
	{"universal2", []string{"arm64", "x86_64"}},
	{"intel", []string{"i386", "x86_64"}},
	{"fat64", []string{"ppc64", "x86_64"}},
	{"fat32", []string{"i386", "ppc", "x86_64"}},
	{"fat", []string{"i386", "ppc"}},
	{"universal", []string{"i386", "ppc", "ppc64", "x86_64"}},
}

// macTagArches are the single architectures macOS tags name.
var macTagArches = []string{"arm64", "i386", "ppc", "ppc64", "x86_64"}

// macArches expands a tag's architecture part ("universal2" → arm64,
// x86_64).
func macArches(tagArch string) []string {
	for _, s := range macArchSets {
		if s.name == tagArch {
			return s.arches
		}
	}
	if slices.Contains(macTagArches, tagArch) {
		return []string{tagArch}
	}
	return nil
}

// macVersion is a macOS version as tags and deployment targets use it.
type macVersion struct{ major, minor, patch int }

func (v macVersion) less(w macVersion) bool {
	if v.major != w.major {
		return v.major < w.major
	}
	if v.minor != w.minor {
		return v.minor < w.minor
	}
	return v.patch < w.patch
}

func (v macVersion) String() string {
	if v.patch != 0 {
		return fmt.Sprintf("%d.%d.%d", v.major, v.minor, v.patch)
	}
	return fmt.Sprintf("%d.%d", v.major, v.minor)
}

// tag is the version part of a platform tag for v: macOS 11 and newer
// are tagged by major version only (macosx_12_0).
func (v macVersion) tag() string {
	if v.major >= 11 {
		return fmt.Sprintf("%d_0", v.major)
	}
	return fmt.Sprintf("%d_%d", v.major, v.minor)
}

// parseMacVersion parses "10.9" or "12.1.2".
func parseMacVersion(s string) (macVersion, bool) {
	var v macVersion
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return v, false
	}
	nums := make([]int, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, false
		}
		nums[i] = n
	}
	return macVersion{nums[0], nums[1], nums[2]}, true
}

// arm64Floor is the first macOS for Apple silicon: an arm64 slice needs
// it whatever its minos says.
var arm64Floor = macVersion{11, 0, 0}

var macTagRe = regexp.MustCompile(`^macosx_(\d+)_(\d+)_(\w+)$`)

// macTag is a parsed macOS platform tag.
type macTag struct {
	tag     string
	version macVersion
	arch    string
	arches  []string
}

func parseMacTag(tag string) (macTag, bool) {
	m := macTagRe.FindStringSubmatch(tag)
	if m == nil {
		return macTag{}, false
	}
	maj, _ := strconv.Atoi(m[1])
	min, _ := strconv.Atoi(m[2])
	arches := macArches(m[3])
	if arches == nil {
		return macTag{}, false
	}
	return macTag{tag: tag, version: macVersion{maj, min, 0}, arch: m[3], arches: arches}, true
}

// macTarget is one artifact judged against macOS.
type macTarget struct {
	bins     []*audit.Binary
	declared []string
	findings []audit.Finding
}

// Target implements [audit.Platform].
func (MacOSPlatform) Target(in audit.Input) audit.Target {
	var bins []*audit.Binary
	for _, b := range in.Binaries {
		if b.Format == audit.FormatMachO {
			bins = append(bins, b)
		}
	}
	if len(bins) == 0 {
		return nil
	}
	return &macTarget{bins: bins, declared: in.Declared}
}

// macSystemPrefixes are where macOS keeps its own libraries; since macOS
// 11 most of them exist only in the dyld shared cache, not as files.
var macSystemPrefixes = []string{"/usr/lib/", "/System/Library/"}

// Promises implements [audit.Target]: libraries under /usr/lib and
// /System/Library (frameworks) come with macOS.
func (t *macTarget) Promises(_ *audit.Binary, name string) (audit.Resolution, bool) {
	for _, p := range macSystemPrefixes {
		if strings.HasPrefix(name, p) {
			return audit.Resolution{Need: name, By: audit.ByPolicy,
				Detail: "a macOS system library (under " + strings.TrimSuffix(p, "/") + ")"}, true
		}
	}
	return audit.Resolution{}, false
}

// NotPromised implements [audit.Target].
func (t *macTarget) NotPromised(string) string {
	return "macOS itself provides only libraries under /usr/lib and /System/Library"
}

func (t *macTarget) add(code string, sev audit.Severity, member, format string, args ...any) {
	t.findings = append(t.findings, audit.Finding{Code: code, Severity: sev, Member: member, Message: fmt.Sprintf(format, args...)})
}

// macNeed is the deployment target one architecture needs, with the
// binary that sets it.
type macNeed struct {
	version macVersion
	member  string
}

// macFile is one member's slices, by architecture.
type macFile struct {
	member string
	slices map[string]*audit.Binary
}

// Judge implements [audit.Target].
func (t *macTarget) Judge(r *audit.Report) {
	files := t.files()
	needs := t.needs(files)
	common := t.commonArches(files)

	best, bestArches := "", []string(nil)
	if len(files) > 0 && len(common) > 0 {
		arch, arches := macTagArch(common)
		v := macTagVersion(arches, needs)
		best, bestArches = "macosx_"+v.tag()+"_"+arch, arches
		if v.major >= 11 && (v.minor != 0 || v.patch != 0) {
			t.add("macos/minor-version", audit.Warning, needs[macMaxArch(arches, needs)].member,
				"needs macOS %s, but tags name macOS 11 and newer by major version only: %s would also install on macOS %d.0, where this binary does not load",
				v, best, v.major)
		}
	} else if len(files) > 0 {
		t.add("macos/no-common-arch", audit.Error, "",
			"no architecture is common to every binary (%s); no macOS tag fits", t.archSummary(files))
	}

	var extReasons []string
	for _, x := range r.ExternalLibs {
		sev := audit.Error
		if t.allWeak(x) {
			sev = audit.Warning
		}
		t.add("macos/external-library", sev, strings.Join(x.NeededBy, ", "), "needs %s: %s", x.Soname, x.Reason)
		if sev == audit.Error {
			extReasons = append(extReasons, x.Soname)
		}
	}
	var wholeReasons []string
	if len(extReasons) > 0 {
		wholeReasons = append(wholeReasons, fmt.Sprintf("needs %d librar%s that macOS does not provide and the artifact does not ship where dyld looks: %s",
			len(extReasons), plural(len(extReasons), "y", "ies"), strings.Join(extReasons, ", ")))
	}

	var results []audit.PolicyResult
	seen := map[string]bool{}
	for _, tag := range t.declared {
		mt, ok := parseMacTag(tag)
		if !ok {
			if tag != "any" && !strings.HasPrefix(tag, "macosx_") {
				t.add("macos/tag-mismatch", audit.Error, "", "declared tag %s is not for macOS, but the artifact contains Mach-O (macOS) binaries", tag)
			} else if tag != "any" {
				t.add("macos/tag-mismatch", audit.Error, "", "declared tag %s names no architecture libvet knows", tag)
			}
			continue
		}
		if why := macTagNeverMatched(mt); why != "" {
			t.add("macos/tag-invalid", audit.Error, "", "declared tag %s is never installed: %s", tag, why)
		}
		reasons := t.tagReasons(mt, files, needs)
		for _, why := range reasons {
			t.add("macos/tag-unsupported", audit.Error, "", "declared tag %s is not supported by the contents (best: %s): %s", tag, orNone(best), why)
		}
		if tag != best {
			seen[tag] = true
			results = append(results, audit.PolicyResult{Tag: tag, OK: len(reasons) == 0 && len(wholeReasons) == 0,
				Reasons: append(reasons, wholeReasons...)})
		}
	}
	sort.Slice(results, func(i, j int) bool { return results[i].Tag < results[j].Tag })
	if best != "" {
		results = append(results, audit.PolicyResult{Tag: best, OK: len(wholeReasons) == 0, Reasons: wholeReasons})
		r.PlatformTag, r.PlatformTags = best, []string{best}
		t.add("macos/verdict", audit.Info, "", "contents support %s (%s)", best, t.versionReason(bestArches, needs))
	}
	r.Policies = results
	r.Findings = append(r.Findings, t.findings...)
}

// files groups the judged slices by member and reports the ones that
// take no part in the verdict: object files, other operating systems,
// architectures no tag names.
func (t *macTarget) files() []*macFile {
	var out []*macFile
	byMember := map[string]*macFile{}
	for _, b := range t.bins {
		switch {
		case b.Type == "object":
			if byMember[b.Member] == nil {
				t.add("macos/object-file", audit.Info, b.Member, "a Mach-O object file (%s); dyld never loads it, so it is left out of the verdict", b.Arch)
			}
			byMember[b.Member] = &macFile{member: b.Member}
			continue
		case b.OS != "" && b.OS != "macos":
			t.add("macos/wrong-os", audit.Error, b.Member, "the %s slice is built for %s (LC_BUILD_VERSION platform), which macOS does not load", b.Arch, b.OS)
			continue
		case !slices.Contains(macTagArches, b.Arch):
			t.add("macos/unknown-arch", audit.Info, b.Member, "the %s slice has an architecture no macOS platform tag names; it is left out of the verdict", b.Arch)
			continue
		}
		f := byMember[b.Member]
		if f == nil {
			f = &macFile{member: b.Member, slices: map[string]*audit.Binary{}}
			byMember[b.Member] = f
			out = append(out, f)
		}
		if f.slices == nil {
			continue // an object file
		}
		f.slices[b.Arch] = b
	}
	var keep []*macFile
	for _, f := range out {
		if len(f.slices) > 0 {
			keep = append(keep, f)
		}
	}
	return keep
}

// needs returns, per architecture, the highest deployment target among
// the slices of that architecture (an arm64 slice needs at least 11.0).
func (t *macTarget) needs(files []*macFile) map[string]macNeed {
	out := map[string]macNeed{}
	for _, f := range files {
		for _, arch := range sortedKeys(f.slices) {
			b := f.slices[arch]
			v, ok := parseMacVersion(b.MinOS)
			if !ok {
				continue
			}
			if cur, ok := out[arch]; !ok || cur.version.less(v) {
				out[arch] = macNeed{v, f.member}
			}
		}
	}
	return out
}

// commonArches returns the architectures every file has a slice for.
func (t *macTarget) commonArches(files []*macFile) []string {
	var common []string
	for i, f := range files {
		arches := sortedKeys(f.slices)
		if i == 0 {
			common = arches
			continue
		}
		common = slices.DeleteFunc(common, func(a string) bool { return f.slices[a] == nil })
	}
	return common
}

// macTagArch names the tag architecture for a set of architectures every
// binary has: the first multi-architecture name it covers, else a
// single architecture (arm64 before x86_64).
func macTagArch(common []string) (string, []string) {
	for _, s := range macArchSets {
		if isSubset(s.arches, common) {
			return s.name, s.arches
		}
	}
	return common[0], []string{common[0]}
}

func isSubset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// macTagVersion is the oldest macOS a tag over arches may name. arm64
// only runs macOS 11 and newer, so in a multi-architecture tag it
// constrains the version only above 11.0, and alone it needs at least
// 11.0. With no deployment target at all, 10.9 is assumed.
func macTagVersion(arches []string, needs map[string]macNeed) macVersion {
	var v macVersion
	found := false
	for _, a := range arches {
		n, ok := needs[a]
		if !ok {
			continue
		}
		if a == "arm64" && len(arches) > 1 && !arm64Floor.less(n.version) {
			continue
		}
		if !found || v.less(n.version) {
			v, found = n.version, true
		}
	}
	if !found {
		v = macVersion{10, 9, 0}
	}
	if slices.Contains(arches, "arm64") && len(arches) == 1 && v.less(arm64Floor) {
		v = arm64Floor
	}
	return v
}

// macMaxArch returns the architecture of arches with the highest need.
func macMaxArch(arches []string, needs map[string]macNeed) string {
	best := arches[0]
	for _, a := range arches[1:] {
		if needs[best].version.less(needs[a].version) {
			best = a
		}
	}
	return best
}

// versionReason says which binary sets the tag's version.
func (t *macTarget) versionReason(arches []string, needs map[string]macNeed) string {
	var parts []string
	for _, a := range arches {
		if n, ok := needs[a]; ok {
			parts = append(parts, fmt.Sprintf("%s: macOS %s for %s", a, n.version, n.member))
		} else {
			parts = append(parts, a+": no deployment target recorded")
		}
	}
	return "highest minimum per architecture: " + strings.Join(parts, "; ")
}

// macTagNeverMatched says why installers never select a tag, or "": pip
// and uv (packaging.tags.mac_platforms) name macOS 11 and later by major
// version only (macosx_12_0), and offer arm64 tags from macOS 11 on (a
// 10.x tag only as universal2).
func macTagNeverMatched(mt macTag) string {
	switch {
	case mt.version.major >= 11 && mt.version.minor != 0:
		return fmt.Sprintf("installers name macOS 11 and later by major version only (macosx_%d_0_%s)", mt.version.major, mt.arch)
	case mt.arch == "arm64" && mt.version.major < 11:
		return "installers offer arm64 tags from macOS 11 on (macosx_11_0_arm64); a 10.x tag covers arm64 only as universal2"
	}
	return ""
}

// tagReasons says why a declared tag does not fit the contents.
func (t *macTarget) tagReasons(mt macTag, files []*macFile, needs map[string]macNeed) []string {
	var out []string
	for _, f := range files {
		var missing []string
		for _, a := range mt.arches {
			if f.slices[a] == nil {
				missing = append(missing, a)
			}
		}
		if len(missing) > 0 {
			out = append(out, fmt.Sprintf("%s has no %s slice (it has %s)", f.member, strings.Join(missing, ", "), strings.Join(sortedKeys(f.slices), ", ")))
		}
	}
	for _, a := range mt.arches {
		promised := mt.version
		if a == "arm64" && promised.less(arm64Floor) {
			promised = arm64Floor // arm64 Macs run macOS 11 and newer
		}
		var over []string
		for _, f := range files {
			b := f.slices[a]
			if b == nil {
				continue
			}
			v, ok := parseMacVersion(b.MinOS)
			if !ok || !promised.less(v) {
				continue
			}
			if promised.major >= 11 && v.major == promised.major {
				continue // macosx_12_0 stands for every macOS 12: see macos/minor-version
			}
			over = append(over, fmt.Sprintf("%s needs %s", f.member, v))
		}
		if n := len(over); n > 0 {
			more := ""
			if n > 3 {
				more = fmt.Sprintf(", and %d more", n-3)
				over = over[:3]
			}
			out = append(out, fmt.Sprintf("%d %s binar%s a newer macOS (minos) than the %s the tag promises: %s%s",
				n, a, plural(n, "y needs", "ies need"), promised, strings.Join(over, ", "), more))
		}
	}
	return out
}

// allWeak reports whether every binary needing x may do without it.
func (t *macTarget) allWeak(x audit.ExternalLib) bool {
	weak := false
	for _, b := range t.bins {
		if !slices.Contains(x.NeededBy, b.Member) {
			continue
		}
		for _, res := range b.Resolutions {
			if res.Need == x.Soname {
				if res.Kind != "weak" {
					return false
				}
				weak = true
			}
		}
	}
	return weak
}

// archSummary lists each file's architectures.
func (t *macTarget) archSummary(files []*macFile) string {
	var parts []string
	for _, f := range files {
		parts = append(parts, f.member+": "+strings.Join(sortedKeys(f.slices), ", "))
	}
	return strings.Join(parts, "; ")
}

func orNone(tag string) string {
	if tag == "" {
		return "none"
	}
	return tag
}
