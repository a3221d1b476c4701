package audit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/libvet/libvet/artifact"
	velf "github.com/libvet/libvet/elf"
)

// Platform is a family of platform rules (Linux, later macOS and
// Windows). Package policy implements it.
type Platform interface {
	// Target chooses what the artifact targets on this platform (C
	// library, architecture) from its binaries and declared platform
	// tags. It returns nil when no binary is for this platform.
	Target(bins []*Binary, declared []string) Target
}

// Target is one artifact judged against one platform.
type Target interface {
	// Promises reports whether the platform provides the library on every
	// system the artifact could be tagged for, with the rule that says so
	// ("allowed by manylinux_2_5_x86_64 and newer").
	Promises(soname string) (rule string, ok bool)
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
	if a.Wheel != nil {
		r.DeclaredTags = declaredTags(a.Wheel)
	}
	for _, p := range a.Problems() {
		sev := Warning
		if p.Serious {
			sev = Error
		}
		r.Findings = append(r.Findings, Finding{Code: "wheel/metadata", Severity: sev, Member: p.Member, Message: p.Msg})
	}

	members := a.Members()
	results, err := readAll(ctx, members, cfg)
	if err != nil {
		var aerr *artifact.Error
		if !errors.As(err, &aerr) {
			err = fmt.Errorf("%s: %w", path, err)
		}
		r.Error = err.Error()
		return r
	}
	elfs, files := classify(r, members, results)
	var target Target
	for _, p := range cfg.Platforms {
		if target = p.Target(elfs, r.DeclaredTags); target != nil {
			break
		}
	}
	l := newLinker(elfs, files, cfg.Exclude, target, cfg.Host)
	r.ExternalLibs = l.resolve()
	if target != nil {
		target.Judge(r)
	}
	sortFindings(r.Findings)
	return r
}

// classify adds each member's result to r (binaries, findings for
// unreadable members) and returns the ELF binaries with their parses.
func classify(r *Report, members []*artifact.Member, results []member) ([]*Binary, map[string]*velf.File) {
	files := map[string]*velf.File{}
	var elfs, others []*Binary
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
				Message: fmt.Sprintf("cannot parse this %s binary: %v", strings.ToUpper(string(res.format)), res.err)})
		case res.bin != nil:
			r.Binaries = append(r.Binaries, res.bin)
			files[m.Path] = res.elf
			elfs = append(elfs, res.bin)
		case res.format != "":
			b := &Binary{Member: m.Path, Format: res.format, Needed: []string{}, Resolutions: []Resolution{}}
			r.Binaries = append(r.Binaries, b)
			others = append(others, b)
		}
	}
	r.Pure = len(r.Binaries) == 0 && unreadable == 0
	r.Findings = append(r.Findings, tagFindings(r)...)
	// Binaries libvet cannot judge yet: an error when nothing else in the
	// artifact was judged (check must not pass what it did not look at).
	for _, b := range others {
		sev := Warning
		if len(elfs) == 0 {
			sev = Error
		}
		r.Findings = append(r.Findings, Finding{Code: "binary/not-audited", Severity: sev, Member: b.Member,
			Message: fmt.Sprintf("%s binaries are recognised but not audited by this version of libvet", formatName(b.Format))})
	}
	return elfs, files
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
	retain := cfg.Retain
	if retain <= 0 {
		retain = DefaultRetain
	}
	retain = min(retain, maxRetained/2) // leave room for the tables within the budget
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
