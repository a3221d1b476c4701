package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/libvet/libvet/artifact"
	"github.com/libvet/libvet/audit"
	"github.com/libvet/libvet/externaldeps"
	"github.com/libvet/libvet/host"
	"github.com/libvet/libvet/internal/binio"
	"github.com/libvet/libvet/policy"
	"github.com/libvet/libvet/report"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes: the one table (see doc.go).
const (
	exitOK       = 0
	exitFindings = 1
	exitUsage    = 2
	exitInput    = 3
)

// env is what run needs from the process, injected for tests.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	isTerminal     bool
}

const usage = `libvet audits the native code inside Python packages.

Usage:
  libvet show  [flags] ARTIFACT...   everything found, with reasons
  libvet check [flags] ARTIFACT...   exit 1 when a declared tag is not supported
                                     or a finding is at or above --fail-on
  libvet deps  [flags] ARTIFACT...   what to install on this system for the
                                     libraries the artifacts need and it lacks
  libvet host  [flags] ARTIFACT...   every library the artifacts need, as this
                                     system (--root) provides it or lacks it
  libvet tree  [flags] FILE          the libraries one binary loads, as its
                                     loader finds them (libvet tree --help)
  libvet help                        this text
  libvet version                     the version

ARTIFACT is a wheel (.whl), a conda package (.conda, .tar.bz2), a Debian
package (.deb), a tarball (.tar, .tar.gz, .tar.xz, .tar.zst), a directory
(site-packages, a conda environment, a sysroot) or a single ELF, PE or
Mach-O binary. Conda packages and .debs also get a linkage audit: which
package each library comes from, overlinking and overdepending.

Flags:
%s
Exit codes (the same for every --format):
  0  clean
  1  check: a finding at or above --fail-on; deps: something to install; host: something missing
  2  usage error
  3  an input could not be read or parsed (wins over 1)
`

// options are the parsed flags.
type options struct {
	format      string
	exclude     []string
	ldpaths     string
	addPath     []string
	root        string
	prefix      string
	with        []string
	findLinks   []string
	sitePkgs    []string
	external    []string
	requireDecl bool
	ecosystem   string
	list        bool
	rootSet     bool
	noISA       bool
	failOn      string
	verbose     bool
	noColor     bool
	failOnLevel audit.Severity
	search      host.Options // the ELF search: --root, --ldpaths, --ld-library-path (elfSearch)
}

func newFlags(o *options) *pflag.FlagSet {
	fs := pflag.NewFlagSet("libvet", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringVar(&o.format, "format", "text", "output format: text or json")
	fs.StringArrayVar(&o.exclude, "exclude", nil, "glob on a soname or host library path that another package provides (repeatable)")
	fs.StringVar(&o.ldpaths, "ldpaths", "", "colon-separated host library directories, replacing ld.so.conf and the defaults")
	fs.String("ld-library-path", "", "colon-separated LD_LIBRARY_PATH the root's programs run with (default: $LD_LIBRARY_PATH with --root /, none with another root)")
	fs.StringArrayVar(&o.addPath, "add-path", nil, "colon-separated directories searched for Windows DLLs the artifact needs but does not ship, as delvewheel's --add-path (repeatable)")
	fs.StringVar(&o.root, "root", "/", "the root file system the host libraries and, for .deb packages, the dpkg database are read from")
	fs.StringVar(&o.prefix, "prefix", "", "a conda environment whose packages a conda package's libraries may come from")
	fs.StringArrayVar(&o.with, "with", nil, "a directory of conda packages (.conda, .tar.bz2) a conda package's libraries may come from (repeatable)")
	fs.StringArrayVar(&o.findLinks, "find-links", nil, "a directory of wheels a wheel's libraries may come from (torch, nvidia-*; repeatable)")
	fs.StringArrayVar(&o.sitePkgs, "site-packages", nil, "an installed site-packages whose wheels a wheel's libraries may come from (repeatable)")
	fs.StringArrayVar(&o.external, "external", nil, "a project directory, pyproject.toml or sdist whose [external] table declares the wheels' external dependencies (repeatable)")
	fs.BoolVar(&o.requireDecl, "require-declared", false, "check: an external library no PEP 725 declaration covers is an error")
	fs.StringVar(&o.ecosystem, "ecosystem", "", "deps, host: the package ecosystem to install from (ubuntu, fedora, arch, conda-forge, homebrew, ...); detected from --root when empty")
	fs.BoolVar(&o.list, "list", false, "deps: list the DepURLs libvet knows (the PEP 804 registry and its own), and exit")
	fs.BoolVar(&o.noISA, "disable-isa-ext-check", false, "ignore x86-64 micro-architecture levels (x86-64-v2/v3/v4)")
	fs.StringVar(&o.failOn, "fail-on", "error", "check: the lowest severity that fails: info, warning or error")
	fs.BoolVarP(&o.verbose, "verbose", "v", false, "text: list every need, including those the platform promises")
	fs.BoolVar(&o.noColor, "no-color", false, "text: no colour (also when NO_COLOR is set)")
	return fs
}

func helpText() string {
	var o options
	return fmt.Sprintf(usage, newFlags(&o).FlagUsages())
}

// run is the whole command: parse, audit, render, and pick the exit code.
func run(ctx context.Context, args []string, e env) int {
	e.stderr = printableWriter{e.stderr}
	if len(args) == 0 {
		fmt.Fprint(e.stderr, helpText())
		return exitUsage
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, helpText())
		return exitOK
	case "version", "--version":
		fmt.Fprintf(e.stdout, "libvet %s\n", version)
		return exitOK
	case "tree":
		return runTree(ctx, args, e)
	case "show", "check", "deps", "host":
	default:
		fmt.Fprintf(e.stderr, "libvet: unknown command %q; run 'libvet help' for the list\n", cmd)
		return exitUsage
	}

	var o options
	fs := newFlags(&o)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(e.stdout, helpText())
			return exitOK
		}
		fmt.Fprintf(e.stderr, "libvet %s: %v; run 'libvet help' for usage\n", cmd, err)
		return exitUsage
	}
	o.rootSet = fs.Changed("root")
	var err error
	if o.search, err = elfSearch(fs, e, o.root); err != nil {
		fmt.Fprintf(e.stderr, "libvet %s: %v\n", cmd, err)
		return exitUsage
	}
	if err := o.validate(); err != nil {
		fmt.Fprintf(e.stderr, "libvet %s: %v\n", cmd, err)
		return exitUsage
	}
	paths := fs.Args()
	if cmd == "deps" && o.list {
		if err := listDepURLs(e.stdout, o.format); err != nil {
			fmt.Fprintf(e.stderr, "libvet: write output: %v\n", err)
			return exitInput
		}
		return exitOK
	}
	if len(paths) == 0 {
		fmt.Fprintf(e.stderr, "libvet %s: no artifact given; usage: libvet %s [flags] ARTIFACT...\n", cmd, cmd)
		return exitUsage
	}

	cfg, err := o.config(e, paths)
	if err != nil {
		fmt.Fprintf(e.stderr, "libvet %s: %v\n", cmd, err)
		return exitUsage
	}
	if cmd == "host" {
		if st, err := os.Stat(o.root); err != nil || !st.IsDir() {
			fmt.Fprintf(e.stderr, "libvet host: --root %s is not a directory; give the root file system to check against\n", o.root)
			return exitUsage
		}
		cfg.Platforms = nil // every need not in the artifact is the system's to provide
	}
	reports := make([]*audit.Report, len(paths))
	for i, p := range paths {
		reports[i] = audit.Run(ctx, p, cfg)
	}

	switch cmd {
	case "deps":
		return o.deps(e, reports)
	case "host":
		return o.host(e, reports, cfg.Host)
	}
	switch o.format {
	case "json":
		err = report.WriteJSON(e.stdout, version, reports)
	default:
		color := e.isTerminal && !o.noColor && e.getenv("NO_COLOR") == ""
		err = report.WriteText(e.stdout, reports, report.TextOptions{Color: color, Verbose: o.verbose})
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "libvet: write output: %v\n", err)
		return exitInput
	}
	// Unreadable inputs and check failures are also said on stderr, where
	// CI logs look.
	for _, r := range reports {
		if r.Error != "" {
			fmt.Fprintf(e.stderr, "libvet: %s\n", r.Error)
		}
	}
	code := exitCode(cmd, reports, o.failOnLevel)
	if code == exitFindings {
		for _, r := range reports {
			if n := countAtLeast(r, o.failOnLevel); n > 0 {
				fmt.Fprintf(e.stderr, "libvet check: %s: %d finding(s) at or above %s\n", r.Path, n, o.failOnLevel)
			}
		}
	}
	return code
}

// deps answers `libvet deps` from the reports: the ecosystem from
// --ecosystem or detected from --root, the unmet needs, one install
// command. Exit 1 when something is to be installed (or cannot be
// mapped), 3 when an artifact is unreadable.
func (o *options) deps(e env, reports []*audit.Report) int {
	eco, how, err := o.detectEcosystem(e)
	if err != nil {
		fmt.Fprintf(e.stderr, "libvet deps: %v\n", err)
		return exitUsage
	}
	d := deps(reports, eco, how)
	return o.answer(e, reports, d, func(w io.Writer) error { return writeDepsText(w, d) }, d.unmet() > 0)
}

// host answers `libvet host`: each need of the artifacts' ELF binaries
// as this system (--root) would resolve it, with the package that owns
// each library found, and suggestions for the missing ones. Exit 1 when
// something is missing, 3 when an artifact is unreadable.
func (o *options) host(e env, reports []*audit.Report, cfgHost audit.LibraryFinder) int {
	eco, how, err := o.detectEcosystem(e)
	if err != nil {
		eco, how = "", err.Error() // no suggestions, but the rest of the answer
	}
	if lp, ok := cfgHost.(interface{ Problems() []error }); ok {
		for _, p := range lp.Problems() {
			fmt.Fprintf(e.stderr, "libvet host: --root %s: %v\n", o.root, p)
		}
	}
	owners, problems := host.ReadOwners(o.root)
	for _, p := range problems {
		fmt.Fprintf(e.stderr, "libvet host: --root %s: %v; some owners may not be shown\n", o.root, p)
	}
	in := hostInputs{root: o.root, owners: owners, dpkgNative: owners.DpkgArch(), ecosystem: eco, detected: how}
	if sonames := missingSonames(reports); len(sonames) > 0 {
		var problems []error
		in.providers, problems = host.ReadProviders(o.root, sonames)
		for _, p := range problems {
			fmt.Fprintf(e.stderr, "libvet host: --root %s: %v; its packages are not suggested\n", o.root, p)
		}
	}
	h := hostAnswer(reports, in)
	for _, p := range owners.Problems() { // Spack trees found from the paths
		fmt.Fprintf(e.stderr, "libvet host: --root %s: %v; some owners may not be shown\n", o.root, p)
	}
	missing := slices.ContainsFunc(h.Artifacts, func(a hostArtifact) bool { return a.Missing > 0 })
	return o.answer(e, reports, h, func(w io.Writer) error { return writeHostText(w, h) }, missing)
}

// missingSonames are the libraries the reports' binaries need that the
// host search did not find (or found too old), sorted.
func missingSonames(reports []*audit.Report) []string {
	var out []string
	for _, r := range reports {
		for _, x := range r.ExternalLibs {
			if x.Path == "" && !slices.Contains(out, x.Soname) {
				out = append(out, x.Soname)
			}
		}
	}
	slices.Sort(out)
	return out
}

// answer writes the answer of deps or host (v as JSON, or text), says on
// stderr which artifacts could not be read, and returns the exit code:
// 3 for an unreadable artifact, else 1 when something is lacking.
func (o *options) answer(e env, reports []*audit.Report, v any, text func(io.Writer) error, lacking bool) int {
	var err error
	if o.format == "json" {
		err = writeJSON(e.stdout, v)
	} else {
		err = text(printableWriter{e.stdout}) // names from artifacts and roots
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "libvet: write output: %v\n", err)
		return exitInput
	}
	code := exitOK
	if lacking {
		code = exitFindings
	}
	for _, r := range reports {
		if r.Error != "" {
			fmt.Fprintf(e.stderr, "libvet: %s\n", r.Error)
			code = exitInput
		}
	}
	return code
}

// detectEcosystem returns --ecosystem, or the one detected from --root
// (its os-release) or the environment (CONDA_PREFIX, HOMEBREW_PREFIX,
// which count only when the root is this system's: see isThisSystem).
func (o *options) detectEcosystem(e env) (string, string, error) {
	if o.ecosystem != "" { // known: validate checked it
		return o.ecosystem, "--ecosystem", nil
	}
	getenv := e.getenv
	if !isThisSystem(o.root) {
		getenv = func(k string) string {
			if k == "CONDA_PREFIX" || k == "HOMEBREW_PREFIX" {
				return "" // this system's environment, not the root's
			}
			return e.getenv(k)
		}
	}
	eco, how, err := externaldeps.DetectEcosystem(host.RootFS(o.root), getenv)
	if err != nil {
		err = fmt.Errorf("%w; give one with --ecosystem", err)
	}
	return eco, how, err
}

func (o *options) validate() error {
	switch o.format {
	case "text", "json":
	default:
		return fmt.Errorf("unknown --format %q (want text or json)", o.format)
	}
	if o.ecosystem != "" && !slices.Contains(externaldeps.Ecosystems(), externaldeps.MappingFor(o.ecosystem)) {
		// Checked before any artifact is audited.
		return fmt.Errorf("unknown --ecosystem %q (known: debian, %s; PEP 804 has no mapping for Alpine or openSUSE yet)",
			o.ecosystem, strings.Join(externaldeps.Ecosystems(), ", "))
	}
	level, err := audit.ParseSeverity(o.failOn)
	if err != nil {
		return fmt.Errorf("--fail-on: %w", err)
	}
	o.failOnLevel = level
	return nil
}

// config wires the audit: limits, platform rules, the host search and
// the environments package artifacts are checked against. It reads the
// dpkg database of --root only when a .deb is audited.
func (o *options) config(e env, paths []string) (audit.Config, error) {
	hopts := o.search
	cfg := audit.Config{
		Limits:       artifact.DefaultLimits(),
		Platforms:    policy.Platforms(policy.LinuxPlatform{DisableISACheck: o.noISA}),
		Exclude:      o.exclude,
		Host:         host.NewLoaders(hopts),
		Environments: map[string]audit.NamedEnvironment{},
	}
	var dllDirs []string
	for _, p := range o.addPath {
		dllDirs = append(dllDirs, splitPath(p)...)
	}
	if len(dllDirs) > 0 {
		cfg.DLLs = host.NewDLLPath(dllDirs)
	}
	switch {
	case o.prefix != "" && len(o.with) > 0:
		return cfg, errors.New("give the conda environment with --prefix or with --with, not both")
	case o.prefix != "":
		p, err := host.ReadCondaPrefix(host.RootFS(o.prefix))
		if err != nil {
			return cfg, fmt.Errorf("--prefix %s: %w (want a conda environment, with conda-meta/)", o.prefix, err)
		}
		cfg.Environments["conda"] = audit.NamedEnvironment{Environment: audit.CondaPrefixEnvironment(p), Name: "--prefix " + o.prefix}
	case len(o.with) > 0:
		var envs []*audit.FileEnvironment
		for _, dir := range o.with {
			env, err := audit.CondaPackagesEnvironment(dir, cfg.Limits)
			if err != nil {
				return cfg, err
			}
			envs = append(envs, env)
		}
		cfg.Environments["conda"] = audit.NamedEnvironment{Environment: audit.MergeEnvironments(envs...), Name: "--with " + strings.Join(o.with, ", --with ")}
	}
	if len(o.findLinks) > 0 || len(o.sitePkgs) > 0 {
		env, err := audit.WheelsEnvironment(o.findLinks, o.sitePkgs, cfg.Limits)
		if err != nil {
			return cfg, err
		}
		var names []string
		for _, d := range o.findLinks {
			names = append(names, "--find-links "+d)
		}
		for _, d := range o.sitePkgs {
			names = append(names, "--site-packages "+d)
		}
		cfg.Environments["pip"] = audit.NamedEnvironment{Environment: env, Name: strings.Join(names, ", ")}
	}
	for _, p := range o.external {
		decls, err := audit.ReadDeclarations(p, cfg.Limits)
		if err != nil {
			return cfg, fmt.Errorf("--external %s: %w", p, err)
		}
		cfg.External = append(cfg.External, decls...)
	}
	cfg.RequireDeclared = o.requireDecl
	isDeb := func(p string) bool {
		p = strings.ToLower(p)
		return strings.HasSuffix(p, ".deb") || strings.HasSuffix(p, ".udeb") || strings.HasSuffix(p, ".ddeb")
	}
	if slices.ContainsFunc(paths, isDeb) {
		// A .deb is checked against the dpkg database of --root; without
		// one, its linkage stays within the package and says so.
		db, err := host.ReadDpkg(host.RootFS(o.root))
		switch {
		case err == nil:
			cfg.Environments["dpkg"] = audit.NamedEnvironment{Environment: audit.NewDpkgEnvironment(db, o.root, ""), Name: "--root " + o.root}
		case o.rootSet || !errors.Is(err, fs.ErrNotExist):
			return cfg, fmt.Errorf("--root %s: %w", o.root, err)
		}
	}
	return cfg, nil
}

// elfSearch reads the ELF search flags of fs (both commands' flag sets
// have them): --ldpaths replaces the system directories and
// LD_LIBRARY_PATH; otherwise LD_LIBRARY_PATH is --ld-library-path, or
// the caller's environment when the root is this system (a foreign
// root's programs do not run with it: its LD_LIBRARY_PATH names
// directories of this system). Both flags together are an error.
func elfSearch(fs *pflag.FlagSet, e env, root string) (host.Options, error) {
	ldpaths, _ := fs.GetString("ldpaths")
	ldLib, _ := fs.GetString("ld-library-path")
	o := host.Options{Root: root}
	switch {
	case fs.Changed("ldpaths") && fs.Changed("ld-library-path"):
		return o, errors.New("--ldpaths replaces the whole search, LD_LIBRARY_PATH included: give --ld-library-path or --ldpaths, not both")
	case fs.Changed("ldpaths"):
		o.LDPaths = splitPath(ldpaths)
	case fs.Changed("ld-library-path"):
		o.LibraryPath = splitPath(ldLib)
	case isThisSystem(root):
		o.LibraryPath = splitPath(e.getenv("LD_LIBRARY_PATH"))
	}
	return o, nil
}

// printableWriter writes through binio.Printable: the messages on
// stderr quote names from artifacts and roots, which must not steer the
// terminal.
type printableWriter struct{ w io.Writer }

// Write implements io.Writer.
func (p printableWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, binio.Printable(string(b))); err != nil {
		return 0, err
	}
	return len(b), nil
}

// isThisSystem reports whether root is the root of the system libvet
// runs on, whose environment (LD_LIBRARY_PATH, CONDA_PREFIX,
// HOMEBREW_PREFIX) describes it; another root's programs do not run with
// this environment.
func isThisSystem(root string) bool {
	if filepath.Clean(root) == "/" {
		return true
	}
	a, err1 := os.Stat(root)
	b, err2 := os.Stat("/")
	return err1 == nil && err2 == nil && os.SameFile(a, b) // "--root ." from /, /proc/self/root
}

func splitPath(s string) []string {
	out := []string{}
	for _, d := range strings.Split(s, ":") {
		if d != "" {
			out = append(out, d)
		}
	}
	return out
}

// countAtLeast counts r's findings at or above sev.
func countAtLeast(r *audit.Report, sev audit.Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity >= sev {
			n++
		}
	}
	return n
}

// exitCode applies the exit-code table: unreadable input wins, then (for
// check) findings at or above the threshold.
func exitCode(cmd string, reports []*audit.Report, failOn audit.Severity) int {
	code := exitOK
	for _, r := range reports {
		if r.Error != "" {
			return exitInput
		}
		if cmd == "check" {
			if w, ok := r.Worst(); ok && w >= failOn {
				code = exitFindings
			}
		}
	}
	return code
}
