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
		r.Findings = append(r.Findings, Finding{Code: "wheel/metadata", Severity: Warning, Member: p.Member, Message: p.Msg})
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
	files := map[string]*velf.File{}
	var elfs []*Binary
	for i, res := range results {
		m := members[i]
		switch {
		case res.err != nil:
			r.Findings = append(r.Findings, Finding{Code: "binary/unreadable", Severity: Error, Member: m.Path,
				Message: fmt.Sprintf("cannot parse this %s binary: %v", strings.ToUpper(string(res.format)), res.err)})
		case res.bin != nil:
			r.Binaries = append(r.Binaries, res.bin)
			files[m.Path] = res.elf
			elfs = append(elfs, res.bin)
		case res.format != "":
			r.Binaries = append(r.Binaries, &Binary{Member: m.Path, Format: res.format, Needed: []string{}, Resolutions: []Resolution{}})
			r.Findings = append(r.Findings, Finding{Code: "binary/not-audited", Severity: Warning, Member: m.Path,
				Message: fmt.Sprintf("%s binaries are recognised but not audited by this version of libvet", formatName(res.format))})
		}
	}
	r.Pure = len(r.Binaries) == 0
	if r.Pure {
		var specific []string
		for _, t := range r.DeclaredTags {
			if t != "any" {
				specific = append(specific, t)
			}
		}
		if len(specific) > 0 {
			r.Findings = append(r.Findings, Finding{Code: "wheel/tag-without-binaries", Severity: Warning,
				Message: fmt.Sprintf("tagged %s but contains no native binary; a pure wheel should be tagged 'any'", strings.Join(specific, ", "))})
		}
	}

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
	results := make([]member, len(members))
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		next  = make(chan int)
		once  sync.Once
		fatal error
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res := readMember(members[i], retain)
				results[i] = res
				if res.fatal != nil {
					once.Do(func() { fatal = res.fatal; cancel() })
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
	if fatal != nil {
		return nil, fatal
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
