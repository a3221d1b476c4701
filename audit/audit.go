package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/libvet/libvet/artifact"
	velf "github.com/libvet/libvet/elf"
)

// Platform is a family of platform rules for one binary format: Linux
// (ELF), macOS (Mach-O) or Windows (PE). Package policy implements them.
type Platform interface {
	// Format is the binary format the platform's loader runs.
	Format() Format
	// Claims reports whether a declared platform tag belongs to the
	// platform ("manylinux_2_17_x86_64" to Linux, "win_amd64" to Windows).
	Claims(tag string) bool
	// Target chooses what the artifact targets on this platform
	// (architecture, C library, OS version) from the binaries of the
	// platform's format and the artifact's tags. It returns nil when
	// none of in.Binaries is for this platform.
	Target(in Input) Target
}

// Input is what a [Platform] judges.
type Input struct {
	// Binaries are the artifact's binaries of the platform's format.
	Binaries []*Binary
	// Declared are the platform tags the artifact claims, sorted.
	Declared []string
	// Tags are the artifact's full "python-abi-platform" tags (wheel file
	// name and WHEEL file), sorted; empty for a file that is not a wheel.
	Tags []string
}

// Target is one artifact judged against one platform.
type Target interface {
	// Promises reports whether the platform, or the Python interpreter,
	// provides a library that from needs on every system the artifact
	// could be tagged for. The resolution's By is ByPolicy or BySkip and
	// its Detail the rule ("allowed by manylinux_2_5_x86_64 and newer").
	// from is nil for the need of a host library.
	Promises(from *Binary, soname string) (Resolution, bool)
	// NotPromised explains why the platform does not provide a library
	// ("no manylinux policy for x86_64 allows libssl.so.3").
	NotPromised(soname string) string
	// Judge completes r once every need is resolved: the tags the
	// contents support, the policy verdicts with reasons, and findings.
	Judge(r *Report)
}

// Config configures an audit.
type Config struct {
	// Limits bound what is read from an artifact.
	Limits artifact.Limits
	// Platforms judge the binaries; the first whose Target is non-nil is used.
	Platforms []Platform
	// Exclude are globs on a soname or a host library's real path for
	// libraries that another package provides (--exclude).
	Exclude []string
	// Host finds libraries on the host; nil means none are looked up.
	Host LibraryFinder
	// DLLs finds Windows DLLs outside the artifact (--add-path); nil
	// means none are looked up.
	DLLs DLLFinder
	// External are external dependencies declared outside the artifacts
	// (a project's pyproject.toml given with --external), added to each
	// wheel's own Requires-External-Dep.
	External []Declaration
	// RequireDeclared makes an undeclared external library of a wheel an
	// error (check --require-declared).
	RequireDeclared bool
	// Environments are what the linkage of package artifacts is checked
	// against, by package manager: "conda" (--prefix, --with), "dpkg"
	// (--root). A manager without one gets its linkage within the package
	// only.
	Environments map[string]NamedEnvironment
	// Workers is how many members are parsed at once; 0 means GOMAXPROCS.
	Workers int
	// Retain is how many leading bytes of a compressed ELF member are kept
	// while it streams; its dynamic symbol tables are usually there. A
	// larger table costs a second pass over that member. 0 means 32 MiB.
	Retain int64
}

// DefaultRetain is the default [Config.Retain].
const DefaultRetain = 32 << 20

// Run audits the artifact at path. It always returns a report; when the
// artifact cannot be read, Report.Error says why and the rest holds what
// was learned before.
func Run(ctx context.Context, path string, cfg Config) *Report {
	r := &Report{Path: path, DeclaredTags: []string{}, PlatformTags: []string{}, Binaries: []*Binary{},
		ExternalLibs: []ExternalLib{}, Policies: []PolicyResult{}, Findings: []Finding{}}
	a, err := artifact.Open(path, cfg.Limits)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer a.Close()
	r.Kind = string(a.Kind)
	fail := func(err error) *Report {
		var aerr *artifact.Error
		if !errors.As(err, &aerr) {
			err = fmt.Errorf("%s: %w", path, err)
		}
		r.Error = err.Error()
		return r
	}

	var members []*artifact.Member
	var results []member
	var texts map[*artifact.Member][]byte
	if a.Streamed() {
		members, results, texts, err = walkAll(ctx, a, cfg)
	} else {
		members = a.Members()
		results, err = readAll(ctx, members, cfg)
	}
	if err != nil {
		return fail(err)
	}
	r.Findings = append(r.Findings, problemFindings(a)...)

	md, err := wheelMetadata(a, cfg.Limits.MaxMetadataSize)
	if err != nil {
		r.Findings = append(r.Findings, Finding{Code: "wheel/metadata", Severity: Warning, Member: a.Wheel.DistInfo + "/METADATA", Message: unwrapArtifact(err).Error()})
	}
	manifest, declared, mfindings := packageManifest(a)
	r.Findings = append(r.Findings, mfindings...)
	prefix, err := condaPrefixOf(a)
	if err != nil {
		return fail(err)
	}
	if prefix != nil {
		declared = prefix.declared()
	}
	switch {
	case a.Wheel != nil:
		r.DeclaredTags = declaredTags(a.Wheel)
	case declared != nil:
		r.DeclaredTags = declared
	}
	bins, files := classify(r, members, results)
	if a.Wheel != nil {
		r.Findings = append(r.Findings, tagFindings(r)...)
	}
	r.Findings = append(r.Findings, packageTagFindings(a.Kind, r)...)

	in := Input{Declared: r.DeclaredTags, Tags: []string{}}
	if a.Wheel != nil {
		in.Tags = fullTags(a.Wheel)
	}
	platform := choosePlatform(cfg.Platforms, bins, r.DeclaredTags)
	var target Target
	var format Format
	if platform != nil {
		for _, b := range bins {
			if b.Format == platform.Format() {
				in.Binaries = append(in.Binaries, b)
			}
		}
		target = platform.Target(in)
		format = platform.Format()
		r.Findings = append(r.Findings, otherFormats(bins, platform)...)
	}
	if _, ok := cfg.Environments["pip"]; ok && manifest == nil && md != nil {
		manifest = wheelManifest(a.Wheel, md, markerEnv(a.Wheel, format))
	}
	hostSearch := cfg.Host
	var env NamedEnvironment
	switch {
	case manifest != nil:
		env = cfg.Environments[manifest.Manager]
		if manifest.Manager != "pip" {
			hostSearch = nil // a package's libraries come from the package or its environment
		}
	case prefix != nil:
		env = NamedEnvironment{Environment: prefix.env, Name: "the environment itself"}
		hostSearch = nil
	}
	l := newLinker(bins, files, cfg.Exclude, target, format, hostSearch)
	l.dlls = cfg.DLLs
	l.env = env.Environment
	if fa, ok := l.env.(interface{ ForArch(string) Environment }); ok && len(declared) == 1 {
		l.env = fa.ForArch(declared[0])
	}
	r.Findings = append(r.Findings, environmentProblems(env.Name, l.env)...)
	if sd, ok := target.(interface{ SystemDirs() []string }); ok {
		l.sysDirs = sd.SystemDirs()
	} else if a.Kind == artifact.KindDir || a.Kind == artifact.KindTar {
		l.sysDirs = rootSystemDirs(members) // a sysroot or an unpacked image
	}
	r.Findings = append(r.Findings, l.addLinks(a)...)
	if slices.ContainsFunc(bins, func(b *Binary) bool { return b.Format == FormatPE }) {
		if l.dllDirs, err = findDLLDirs(members, texts); err != nil {
			return fail(err)
		}
		if dd, ok := target.(interface{ DLLDirs() []DLLDir }); ok {
			l.dllDirs = append(l.dllDirs, dd.DLLDirs()...)
		}
	}
	r.ExternalLibs = l.resolve()
	decls := applicableDeclarations(cfg.External, md, markerEnv(a.Wheel, format))
	r.Declared = declare(r, decls, a.Wheel != nil, cfg.RequireDeclared)
	if target != nil {
		target.Judge(r)
	}
	if manifest != nil {
		r.Linkages = append(r.Linkages, l.linkage(r, r.Binaries, manifest, env.Name))
	}
	if prefix != nil {
		for _, p := range prefix.packages(r.Binaries) {
			r.Linkages = append(r.Linkages, l.linkage(r, p.bins, p.manifest, env.Name))
		}
	}
	sortFindings(r.Findings)
	return r
}

// rootSystemDirs returns, for a tree that looks like a root file system
// (it has lib/ or usr/lib/), the directories ld.so searches by default
// there, in glibc's order on Debian and Fedora: /usr/local/lib, the
// multiarch directories the tree has, lib64, usr/lib64, lib, usr/lib.
// It returns nil for other trees (a site-packages).
func rootSystemDirs(members []*artifact.Member) []string {
	has := map[string]bool{}
	var multiarch []string
	for _, m := range members {
		d := path.Dir(installedPath(m.Path))
		for ; d != "." && d != "/"; d = path.Dir(d) {
			if has[d] {
				break
			}
			has[d] = true
			if b := path.Base(d); strings.Contains(b, "-linux-") && (path.Dir(d) == "lib" || path.Dir(d) == "usr/lib") {
				multiarch = append(multiarch, d)
			}
		}
	}
	if !has["lib"] && !has["usr/lib"] {
		return nil
	}
	sort.Strings(multiarch)
	out := []string{"usr/local/lib"}
	for _, prefix := range []string{"lib/", "usr/lib/"} {
		for _, d := range multiarch {
			if strings.HasPrefix(d, prefix) {
				out = append(out, d)
			}
		}
	}
	return append(out, "lib64", "usr/lib64", "lib", "usr/lib")
}

// environmentProblems reports what the environment could not read (a
// broken wheel in --find-links, an unreadable dpkg file list): a library
// there may then be reported not found. At most ten are listed.
func environmentProblems(name string, env Environment) []Finding {
	pe, ok := env.(interface{ Problems() []error })
	if !ok {
		return nil
	}
	var out []Finding
	for i, e := range pe.Problems() {
		if i == 10 {
			out = append(out, Finding{Code: "environment/problem", Severity: Info, Message: fmt.Sprintf("%d more problems in %s not shown", len(pe.Problems())-i, name)})
			break
		}
		out = append(out, Finding{Code: "environment/problem", Severity: Info,
			Message: fmt.Sprintf("%s: %v; a library there may be reported not found", name, e)})
	}
	return out
}

// problemFindings turns the artifact's problems into findings, under the
// code of its kind's metadata.
func problemFindings(a *artifact.Artifact) []Finding {
	code := "artifact/problem"
	switch a.Kind {
	case artifact.KindWheel:
		code = "wheel/metadata"
	case artifact.KindConda:
		code = "conda/metadata"
	case artifact.KindDeb:
		code = "deb/metadata"
	}
	var out []Finding
	for _, p := range a.Problems() {
		sev := Warning
		if p.Serious {
			sev = Error
		}
		out = append(out, Finding{Code: code, Severity: sev, Member: p.Member, Message: p.Msg})
	}
	return out
}

// classify adds each member's result to r (binaries, findings for
// unreadable members) and returns the binaries, with the ELF parses by
// member.
func classify(r *Report, members []*artifact.Member, results []member) ([]*Binary, map[string]*velf.File) {
	files := map[string]*velf.File{}
	var bins []*Binary
	unreadable := 0
	for i, res := range results {
		m := members[i]
		switch {
		case res.err != nil && res.format == "":
			r.Findings = append(r.Findings, Finding{Code: "member/unreadable", Severity: Warning, Member: m.Path,
				Message: fmt.Sprintf("cannot read this member (%v); if it is a binary, it was not audited", res.err)})
		case res.err != nil:
			unreadable++
			r.Findings = append(r.Findings, Finding{Code: "binary/unreadable", Severity: Error, Member: m.Path,
				Message: fmt.Sprintf("cannot parse this %s binary: %v", formatName(res.format), res.err)})
		case len(res.bins) > 0:
			r.Binaries = append(r.Binaries, res.bins...)
			bins = append(bins, res.bins...)
			if res.elf != nil {
				files[m.Path] = res.elf
			}
		}
	}
	r.Pure = len(r.Binaries) == 0 && unreadable == 0
	return bins, files
}

// choosePlatform picks the platform that judges the artifact among those
// whose format some binary has: the one a declared tag belongs to, else
// the one with the most binaries (the first in order on a tie).
func choosePlatform(ps []Platform, bins []*Binary, declared []string) Platform {
	count := map[Format]int{}
	for _, b := range bins {
		count[b.Format]++
	}
	var best Platform
	for _, p := range ps {
		if count[p.Format()] == 0 {
			continue
		}
		for _, t := range declared {
			if p.Claims(t) {
				return p
			}
		}
		if best == nil || count[p.Format()] > count[best.Format()] {
			best = p
		}
	}
	return best
}

// otherFormats reports the binaries the chosen platform does not judge.
func otherFormats(bins []*Binary, p Platform) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, b := range bins {
		if b.Format == p.Format() || seen[b.Member] {
			continue
		}
		seen[b.Member] = true
		out = append(out, Finding{Code: "binary/other-platform", Severity: Warning, Member: b.Member,
			Message: fmt.Sprintf("a %s binary in an artifact judged for %s binaries; it is left out of the verdict", formatName(b.Format), formatName(p.Format()))})
	}
	return out
}

// tagFindings compares the declared tags with the presence of binaries,
// whatever their format: 'any' with binaries, or platform tags without.
func tagFindings(r *Report) []Finding {
	var specific []string
	anyTag := false
	for _, t := range r.DeclaredTags {
		if t == "any" {
			anyTag = true
		} else {
			specific = append(specific, t)
		}
	}
	switch {
	case anyTag && len(r.Binaries) > 0:
		what := fmt.Sprintf("1 native binary (%s)", r.Binaries[0].Member)
		if n := len(r.Binaries); n > 1 {
			what = fmt.Sprintf("%d native binaries (%s, …)", n, r.Binaries[0].Member)
		}
		return []Finding{{Code: "wheel/tag-mismatch", Severity: Error,
			Message: "tagged 'any' (pure Python) but contains " + what + "; installers would put it on every platform"}}
	case r.Pure && len(specific) > 0:
		return []Finding{{Code: "wheel/tag-without-binaries", Severity: Warning,
			Message: fmt.Sprintf("tagged %s but contains no native binary; a pure wheel should be tagged 'any'", strings.Join(specific, ", "))}}
	}
	return nil
}

func formatName(f Format) string {
	switch f {
	case FormatPE:
		return "PE (Windows)"
	case FormatMachO:
		return "Mach-O (macOS)"
	}
	return strings.ToUpper(string(f))
}

// fullTags returns the "python-abi-platform" tags a wheel claims in its
// file name and its WHEEL file, sorted and unique.
func fullTags(w *artifact.Wheel) []string {
	set := map[string]bool{}
	for _, t := range w.FileTags() {
		set[t] = true
	}
	for _, t := range w.Tags {
		set[t] = true
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// declaredTags returns the platform tags a wheel claims in its filename
// and its WHEEL file, sorted and unique.
func declaredTags(w *artifact.Wheel) []string {
	set := map[string]bool{}
	for _, t := range w.PlatformTags {
		set[t] = true
	}
	for _, t := range w.Tags {
		if i := strings.LastIndexByte(t, '-'); i >= 0 {
			for _, p := range strings.Split(t[i+1:], ".") {
				set[p] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// readAll reads members in parallel and returns their results in member
// order. The first fatal error stops the walk.
func readAll(ctx context.Context, members []*artifact.Member, cfg Config) ([]member, error) {
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	retain := retainOf(cfg)
	results := make([]member, len(members))
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		next = make(chan int)
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res := readMember(members[i], retain)
				results[i] = res
				if res.fatal != nil {
					cancel()
				}
			}
		}()
	}
feed:
	for i := range members {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	// Members are handed out in order and each one handed out is read, so
	// the first fatal error by member order is always the same one.
	for _, res := range results {
		if res.fatal != nil {
			return nil, res.fatal
		}
	}
	if err := parent.Err(); err != nil {
		return nil, err
	}
	return results, nil
}

// retainOf is how many leading bytes of a compressed ELF member are kept.
func retainOf(cfg Config) int64 {
	retain := cfg.Retain
	if retain <= 0 {
		retain = DefaultRetain
	}
	return min(retain, maxRetained/2) // leave room for the tables within the budget
}

// walkAll reads the members of a streamed artifact (a .conda, a .deb, a
// tarball) in archive order, each tar stream decoded once, and returns
// the members read with their results, and the text of the Python files
// findDLLDirs reads (reading them later would decode the stream again).
// The first fatal error stops the walk.
func walkAll(ctx context.Context, a *artifact.Artifact, cfg Config) ([]*artifact.Member, []member, map[*artifact.Member][]byte, error) {
	retain := retainOf(cfg)
	var members []*artifact.Member
	var results []member
	texts := map[*artifact.Member][]byte{}
	err := a.Walk(func(m *artifact.Member, r io.Reader) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if initCandidate(m) {
			data, err := io.ReadAll(io.LimitReader(r, maxInitSize))
			if err != nil {
				return err
			}
			texts[m] = data
			members = append(members, m)
			results = append(results, member{})
			return nil
		}
		res := readStream(m, r, retain)
		if res.fatal != nil {
			return res.fatal
		}
		members = append(members, m)
		results = append(results, res)
		return nil
	})
	return members, results, texts, err
}

// sortFindings orders findings by severity (worst first), member, code
// and message, so reports are stable and diffable.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if a.Severity != b.Severity {
			return int(b.Severity) - int(a.Severity)
		}
		if c := strings.Compare(a.Member, b.Member); c != 0 {
			return c
		}
		if c := strings.Compare(a.Code, b.Code); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
}
