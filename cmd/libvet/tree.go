package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/libvet/libvet/host"
)

// treeSchema is the JSON schema of `libvet tree --format json`.
//
//go:embed tree-schema.json
var treeSchema []byte

const treeUsage = `libvet tree shows the shared libraries one binary loads, as its dynamic
loader (glibc, musl, dyld or Windows) would find them under --root, without
running anything: each line is "need => path [search step] (owning package)".

Usage:
  libvet tree [flags] FILE

Flags:
%s
Exit codes:
  0  every library was found and satisfies its need
  1  a library is missing, or lacks a symbol version its parent needs
  2  usage error
  3  FILE could not be read or is not an ELF, Mach-O or PE binary
`

// treeOptions are the tree command's flags.
type treeOptions struct {
	root, format, ldpaths, libc   string
	x86Level                      int
	arch, execPath                string
	dyldPath, dyldFallback, wpath string
	noOwners                      bool
}

func newTreeFlags(o *treeOptions) *pflag.FlagSet {
	fs := pflag.NewFlagSet("libvet tree", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringVar(&o.root, "root", "/", "the root file system libraries are searched in (a container image tree, a sysroot)")
	fs.StringVar(&o.format, "format", "text", "output format: text or json")
	fs.StringVar(&o.ldpaths, "ldpaths", "", "colon-separated library directories, replacing ld.so.cache, ld.so.conf and the defaults (musl: its path file)")
	fs.String("ld-library-path", "", "colon-separated LD_LIBRARY_PATH the root's programs run with (default: $LD_LIBRARY_PATH with --root /, none with another root)")
	fs.StringVar(&o.libc, "libc", "", "ELF loader to emulate: glibc or musl (default: from the binary's interpreter)")
	fs.IntVar(&o.x86Level, "x86-level", 0, "x86-64 level 1-4 whose glibc-hwcaps subdirectories are searched (default: this machine's with --root /, else 1)")
	fs.StringVar(&o.arch, "arch", "", "Mach-O: the slice of a universal binary to follow (arm64, x86_64; default the first)")
	fs.StringVar(&o.execPath, "executable-path", "", "Mach-O: the directory @executable_path stands for when FILE is not an executable")
	fs.StringVar(&o.dyldPath, "dyld-library-path", "", "Mach-O: DYLD_LIBRARY_PATH (colon-separated)")
	fs.StringVar(&o.dyldFallback, "dyld-fallback-library-path", "", "Mach-O: DYLD_FALLBACK_LIBRARY_PATH (default /usr/local/lib:/usr/lib)")
	fs.StringVar(&o.wpath, "path", "", "PE: the PATH searched after the system directories (colon-separated paths of the root)")
	fs.BoolVar(&o.noOwners, "no-owners", false, "do not read the root's package databases (dpkg, rpm, apk, pacman, conda, Homebrew, Nix) for owners")
	return fs
}

// runTree is `libvet tree`.
func runTree(_ context.Context, args []string, e env) int {
	var o treeOptions
	fs := newTreeFlags(&o)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(e.stdout, treeUsage, fs.FlagUsages())
			return exitOK
		}
		fmt.Fprintf(e.stderr, "libvet tree: %v; run 'libvet tree --help' for usage\n", err)
		return exitUsage
	}
	switch {
	case o.format != "text" && o.format != "json":
		fmt.Fprintf(e.stderr, "libvet tree: unknown --format %q (want text or json)\n", o.format)
		return exitUsage
	case o.libc != "" && o.libc != host.LoaderGlibc && o.libc != host.LoaderMusl:
		fmt.Fprintf(e.stderr, "libvet tree: unknown --libc %q (want glibc or musl)\n", o.libc)
		return exitUsage
	case o.x86Level < 0 || o.x86Level > 4:
		fmt.Fprintf(e.stderr, "libvet tree: --x86-level %d is not 1 to 4\n", o.x86Level)
		return exitUsage
	case fs.NArg() != 1:
		fmt.Fprintf(e.stderr, "libvet tree: want one FILE, got %d; usage: libvet tree [flags] FILE\n", fs.NArg())
		return exitUsage
	}
	if st, err := os.Stat(o.root); err != nil || !st.IsDir() {
		fmt.Fprintf(e.stderr, "libvet tree: --root %s is not a directory\n", o.root)
		return exitUsage
	}
	search, err := elfSearch(fs, e, o.root)
	if err != nil {
		fmt.Fprintf(e.stderr, "libvet tree: %v\n", err)
		return exitUsage
	}
	search.X86Level = o.x86Level
	file := fs.Arg(0)
	opts := host.TreeOptions{
		Linux:         search,
		Libc:          o.libc,
		Dyld:          host.DyldOptions{LibraryPath: splitPath(o.dyldPath)},
		ExecutableDir: o.execPath,
		Arch:          o.arch,
		WindowsPath:   splitPath(o.wpath),
	}
	if fs.Changed("dyld-fallback-library-path") {
		opts.Dyld.FallbackLibraryPath = splitPath(o.dyldFallback)
	}
	if !o.noOwners {
		owners, problems := host.ReadOwners(o.root)
		for _, p := range problems {
			fmt.Fprintf(e.stderr, "libvet tree: --root %s: %v; some owners may not be shown (--no-owners silences this)\n", o.root, p)
		}
		opts.Owners = owners
	}
	t, err := host.Tree(o.root, file, opts)
	if err != nil {
		fmt.Fprintf(e.stderr, "libvet tree: %v\n", err)
		return exitInput
	}
	if ow, ok := opts.Owners.(*host.Owners); ok {
		for _, p := range ow.Problems() { // Spack trees found from the paths
			fmt.Fprintf(e.stderr, "libvet tree: --root %s: %v; some owners may not be shown (--no-owners silences this)\n", o.root, p)
		}
	}
	if o.format == "json" {
		err = writeTreeJSON(e.stdout, o.root, t)
	} else {
		err = writeTreeText(printableWriter{e.stdout}, t)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "libvet: write output: %v\n", err)
		return exitInput
	}
	if t.Failed() {
		var missing, problems []string
		t.Walk(func(n *host.TreeNode, _ int) {
			switch {
			case n.NotFound && !n.Optional && !n.Repeat:
				missing = append(missing, n.Need)
			case n.Problem != "":
				problems = append(problems, n.Problem)
			}
		})
		if len(missing) > 0 {
			fmt.Fprintf(e.stderr, "libvet tree: %s: not found: %s\n", file, strings.Join(dedup(missing), ", "))
		}
		for _, p := range problems {
			fmt.Fprintf(e.stderr, "libvet tree: %s\n", p)
		}
		return exitFindings
	}
	return exitOK
}

func dedup(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// writeTreeText renders the tree like lddtree: the file with its loader,
// then one indented line per need.
func writeTreeText(w io.Writer, t *host.TreeNode) error {
	var b strings.Builder
	t.Walk(func(n *host.TreeNode, depth int) {
		if depth == 0 {
			fmt.Fprintf(&b, "%s [%s %s", n.Path, n.Loader, n.Arch)
			if n.Interpreter != "" {
				fmt.Fprintf(&b, ", interpreter %s", n.Interpreter)
			}
			b.WriteString("]\n")
			return
		}
		indent := strings.Repeat("    ", depth)
		b.WriteString(indent + n.Need + " => ")
		switch {
		case n.NotFound && n.Optional:
			b.WriteString("not found (optional: the loader tolerates its absence)")
		case n.NotFound:
			b.WriteString("not found")
		case n.Cycle:
			b.WriteString(n.Path + " (cycle)")
		case n.Repeat:
			b.WriteString(n.Path + " (already loaded)")
		default:
			fmt.Fprintf(&b, "%s [%s]", n.Path, n.Step)
			if n.Owner != nil {
				fmt.Fprintf(&b, " (%s)", n.Owner)
			}
		}
		b.WriteString("\n")
		if n.Problem != "" {
			fmt.Fprintf(&b, "%s    problem: %s\n", indent, n.Problem)
		}
	})
	_, err := io.WriteString(w, b.String())
	return err
}

// treeJSON is `libvet tree --format json`, described by tree-schema.json.
type treeJSON struct {
	SchemaVersion string        `json:"schema_version"`
	Root          string        `json:"root"`
	File          string        `json:"file"`
	Loader        string        `json:"loader"`
	Arch          string        `json:"arch"`
	Interpreter   string        `json:"interpreter,omitempty"`
	OK            bool          `json:"ok"`
	Tree          *treeNodeJSON `json:"tree"`
}

type treeNodeJSON struct {
	Need     string          `json:"need"`
	Path     string          `json:"path,omitempty"`
	RealPath string          `json:"real_path,omitempty"`
	Step     string          `json:"step,omitempty"`
	Owner    *owner          `json:"owner,omitempty"`
	Repeat   bool            `json:"repeat,omitempty"`
	Cycle    bool            `json:"cycle,omitempty"`
	NotFound bool            `json:"not_found,omitempty"`
	Optional bool            `json:"optional,omitempty"`
	Problem  string          `json:"problem,omitempty"`
	Children []*treeNodeJSON `json:"children"`
}

// writeTreeJSON writes the tree as JSON (tree-schema.json).
func writeTreeJSON(w io.Writer, root string, t *host.TreeNode) error {
	var conv func(n *host.TreeNode) *treeNodeJSON
	conv = func(n *host.TreeNode) *treeNodeJSON {
		j := &treeNodeJSON{Need: n.Need, Path: n.Path, RealPath: n.RealPath, Step: n.Step, Repeat: n.Repeat, Cycle: n.Cycle,
			NotFound: n.NotFound, Optional: n.Optional, Problem: n.Problem, Children: []*treeNodeJSON{}}
		if n.Owner != nil {
			j.Owner = newOwner(*n.Owner)
		}
		for _, c := range n.Children {
			j.Children = append(j.Children, conv(c))
		}
		return j
	}
	doc := treeJSON{SchemaVersion: "1", Root: root, File: t.Need, Loader: t.Loader, Arch: t.Arch,
		Interpreter: t.Interpreter, OK: !t.Failed(), Tree: conv(t)}
	return writeJSON(w, doc)
}
