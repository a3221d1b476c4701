package policy

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/libvet/libvet/audit"
	"github.com/libvet/libvet/internal/datafile"
)

//go:embed data/debian.txt
var debianData []byte

const debianDataPath = "policy/data/debian.txt"

// debianArch is one dpkg architecture.
type debianArch struct {
	arch    string // Binary.Arch of its ELF binaries
	triplet string // multiarch tuple
	order   int    // its place in the data file
}

var debianArches = mustData(parseDebianData(debianDataPath, debianData))

func parseDebianData(file string, data []byte) (map[string]debianArch, error) {
	recs, err := datafile.Lines(file, data, "libvet-debian-policy 1")
	if err != nil {
		return nil, err
	}
	out := map[string]debianArch{}
	for _, r := range recs {
		if r.Fields[0] != "arch" || len(r.Fields) != 4 {
			return nil, r.Errorf(file, "want \"arch DPKG-ARCH ARCH TRIPLET\", got %q", strings.Join(r.Fields, " "))
		}
		if _, dup := out[r.Fields[1]]; dup {
			return nil, r.Errorf(file, "architecture %s listed twice", r.Fields[1])
		}
		out[r.Fields[1]] = debianArch{r.Fields[2], r.Fields[3], len(out)}
	}
	return out, nil
}

// DebianPlatform judges .deb packages: a package's declared tag is its
// dpkg architecture ("amd64"). Debian takes nothing from "the platform":
// every library comes from the package itself or from a package it
// depends on, which is the linkage audit's question (package audit).
type DebianPlatform struct{}

// Format implements [audit.Platform].
func (DebianPlatform) Format() audit.Format { return audit.FormatELF }

// Claims implements [audit.Platform]: a dpkg architecture libvet knows.
func (DebianPlatform) Claims(tag string) bool {
	_, ok := debianArches[tag]
	return ok
}

// Target implements [audit.Platform]. It needs the architecture as the
// one declared tag.
func (p DebianPlatform) Target(in audit.Input) audit.Target {
	if len(in.Binaries) == 0 || len(in.Declared) != 1 || !p.Claims(in.Declared[0]) {
		return nil
	}
	return &debianTarget{dpkgArch: in.Declared[0], info: debianArches[in.Declared[0]], bins: in.Binaries}
}

type debianTarget struct {
	dpkgArch string
	info     debianArch
	bins     []*audit.Binary
}

// Promises implements [audit.Target]: nothing; libc6 is a package too.
func (t *debianTarget) Promises(*audit.Binary, string) (audit.Resolution, bool) {
	return audit.Resolution{}, false
}

// NotPromised implements [audit.Target].
func (t *debianTarget) NotPromised(string) string {
	return "on Debian every library comes from a package the package depends on"
}

// SystemDirs returns the directories ld.so searches by default for the
// package's architecture, relative to the root: the multiarch
// directories, then /lib and /usr/lib.
func (t *debianTarget) SystemDirs() []string {
	return []string{"lib/" + t.info.triplet, "usr/lib/" + t.info.triplet, "lib", "usr/lib"}
}

// Judge implements [audit.Target]: the architecture is the tag when every
// binary is of it.
func (t *debianTarget) Judge(r *audit.Report) {
	judgeArch(r, t.dpkgArch, t.info.arch, t.bins, "deb/wrong-arch")
}

// judgeArch sets tag as r's platform tag when every binary is of arch,
// and otherwise reports, under code, each binary that is not.
func judgeArch(r *audit.Report, tag, arch string, bins []*audit.Binary, code string) {
	res := audit.PolicyResult{Tag: tag, OK: true}
	for _, b := range bins {
		if b.Arch != arch {
			got := b.Arch
			if got == "" {
				got = b.Machine
			}
			msg := fmt.Sprintf("is %s, but %s packages hold %s binaries", got, tag, arch)
			res.OK = false
			res.Reasons = append(res.Reasons, b.Member+" "+msg)
			r.Findings = append(r.Findings, audit.Finding{Code: code, Severity: audit.Error, Member: b.Member, Message: msg})
		}
	}
	r.Policies = append(r.Policies, res)
	if res.OK {
		r.PlatformTag = tag
		r.PlatformTags = []string{tag}
	}
}

// DebianArch returns the dpkg architecture of ELF binaries of
// architecture arch (an audit Binary.Arch: "aarch64" → "arm64"), the
// first listed when several share it ("armv7l" → "armhf", not armel),
// and "" for one Debian does not have.
func DebianArch(arch string) string {
	best := ""
	for name, a := range debianArches {
		if a.arch == arch && (best == "" || a.order < debianArches[best].order) {
			best = name
		}
	}
	return best
}
