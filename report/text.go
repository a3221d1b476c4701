package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/libvet/libvet/audit"
	"github.com/libvet/libvet/internal/binio"
)

// TextOptions configure the text report.
type TextOptions struct {
	// Color uses ANSI colours; the caller decides (a terminal, no NO_COLOR).
	Color bool
	// Verbose lists every need of every binary, including those the
	// platform promises or the interpreter provides.
	Verbose bool
}

const (
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	green  = "\x1b[32m"
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
	reset  = "\x1b[0m"
)

// textWriter keeps the first write error and stops writing after it.
type textWriter struct {
	w     io.Writer
	color bool
	err   error
}

// printf writes, with the strings it is given made printable
// (binio.Printable): a member name with an escape sequence must not
// steer the terminal. Only what paint returns keeps its colour codes.
func (t *textWriter) printf(format string, args ...any) {
	if t.err != nil {
		return
	}
	for i, a := range args {
		switch a := a.(type) {
		case string:
			args[i] = binio.Printable(a)
		case painted:
			args[i] = string(a)
		}
	}
	_, t.err = fmt.Fprintf(t.w, format, args...)
}

// painted is text made printable and, with colour on, coloured: printf
// writes it as it is.
type painted string

// paint makes s printable and colours it with code ("" for none) when
// colour is on.
func (t *textWriter) paint(code, s string) painted {
	s = binio.Printable(s)
	if !t.color || s == "" || code == "" {
		return painted(s)
	}
	return painted(code + s + reset)
}

// WriteText writes the reports for people: per artifact its verdict, the
// reasons more compatible tags fail, its binaries and their needs, external
// libraries and findings.
func WriteText(w io.Writer, reports []*audit.Report, opts TextOptions) error {
	t := &textWriter{w: w, color: opts.Color}
	for i, r := range reports {
		if i > 0 {
			t.printf("\n")
		}
		writeReport(t, r, opts)
	}
	return t.err
}

func writeReport(t *textWriter, r *audit.Report, opts TextOptions) {
	t.printf("%s\n", t.paint(bold, r.Path))
	if r.Error != "" {
		t.printf("  %s %s\n", t.paint(red, "error:"), r.Error)
		return
	}
	if len(r.DeclaredTags) > 0 {
		t.printf("  declared tags: %s\n", strings.Join(r.DeclaredTags, ", "))
	}
	switch {
	case r.Pure && r.Kind == "file":
		t.printf("  not a binary: no ELF, PE or Mach-O magic bytes\n")
	case r.Pure:
		t.printf("  no native binaries: a pure artifact\n")
	case r.PlatformTag != "":
		tag := r.PlatformTag
		if len(r.PlatformTags) > 1 {
			tag += " (also " + strings.Join(r.PlatformTags[1:], ", ") + ")"
		}
		color := green
		if strings.HasPrefix(r.PlatformTag, "linux_") {
			color = yellow
		}
		t.printf("  platform tag:  %s\n", t.paint(color, tag))
		if r.SymbolTag != "" && r.SymbolTag != r.PlatformTag {
			t.printf("  symbol tag:    %s (from symbol versions alone)\n", r.SymbolTag)
		}
	default:
		t.printf("  platform tag:  %s\n", t.paint(red, "none"))
	}

	var failing []audit.PolicyResult
	for _, p := range r.Policies {
		if !p.OK {
			failing = append(failing, p)
		}
	}
	if len(failing) > 0 {
		t.printf("\n  why not a more compatible tag:\n")
		// Consecutive policies that fail for the same reasons are listed once.
		for i := 0; i < len(failing); {
			j := i + 1
			for j < len(failing) && slices.Equal(failing[j].Reasons, failing[i].Reasons) {
				j++
			}
			name := failing[i].Tag
			if len(failing[i].Aliases) > 0 {
				name += " (" + strings.Join(failing[i].Aliases, ", ") + ")"
			}
			if j-i > 1 {
				name = fmt.Sprintf("%s … %s (%d policies)", failing[i].Tag, failing[j-1].Tag, j-i)
			}
			t.printf("    %s\n", name)
			for _, reason := range failing[i].Reasons {
				t.printf("      - %s\n", reason)
			}
			i = j
		}
	}

	if len(r.Binaries) > 0 {
		t.printf("\n  binaries (%d):\n", len(r.Binaries))
		for _, b := range r.Binaries {
			writeBinary(t, b, opts)
		}
	}

	if len(r.ExternalLibs) > 0 {
		t.printf("\n  external libraries (%d):\n", len(r.ExternalLibs))
		for _, x := range r.ExternalLibs {
			where := "not found"
			if x.Path != "" {
				where = x.Path
			}
			dep := ""
			switch {
			case x.Declared != "":
				dep = "  declared " + x.Declared
			case x.DepURL != "":
				dep = "  likely " + x.DepURL
			}
			t.printf("    %s  %s%s  %s\n", t.paint(bold, x.Soname), where, dep, t.paint(dim, "needed by "+strings.Join(x.NeededBy, ", ")))
		}
	}

	for _, lk := range r.Linkages {
		writeLinkage(t, lk)
	}

	if len(r.Findings) > 0 {
		t.printf("\n  findings:\n")
		for _, f := range r.Findings {
			sev := t.paint("", f.Severity.String())
			switch f.Severity {
			case audit.Error:
				sev = t.paint(red, f.Severity.String())
			case audit.Warning:
				sev = t.paint(yellow, f.Severity.String())
			}
			where := ""
			if f.Member != "" {
				where = f.Member + ": "
			}
			t.printf("    %s %s %s%s\n", sev, t.paint(dim, "["+f.Code+"]"), where, f.Message)
		}
	}
}

func writeBinary(t *textWriter, b *audit.Binary, opts TextOptions) {
	var what []string
	if b.Arch != "" {
		what = append(what, b.Arch)
	} else if b.Machine != "" {
		what = append(what, b.Machine)
	} else {
		what = append(what, string(b.Format))
	}
	if b.Extension != "" {
		what = append(what, "Python extension "+b.Extension)
	} else if b.Type != "" {
		what = append(what, b.Type)
	}
	if b.ISA != "" {
		what = append(what, b.ISA)
	}
	switch {
	case b.MinOS != "" && b.OS == "macos":
		what = append(what, "macOS "+b.MinOS+"+")
	case b.MinOS != "":
		what = append(what, b.OS+" "+b.MinOS+"+")
	}
	t.printf("    %s  %s\n", b.Member, t.paint(dim, strings.Join(what, ", ")))
	switch {
	case b.Format == audit.FormatMachO && len(b.RPath) > 0:
		t.printf("      %s\n", t.paint(dim, "LC_RPATH "+strings.Join(b.RPath, ", ")))
	case len(b.RunPath) > 0:
		t.printf("      %s\n", t.paint(dim, "RUNPATH "+strings.Join(b.RunPath, ":")))
	case len(b.RPath) > 0:
		t.printf("      %s\n", t.paint(dim, "RPATH "+strings.Join(b.RPath, ":")))
	}
	for _, res := range b.Resolutions {
		if !opts.Verbose && (res.By == audit.ByPolicy || res.By == audit.BySkip) {
			continue
		}
		label := t.paint("", string(res.By))
		switch res.By {
		case audit.ByNone, audit.ByHost:
			label = t.paint(red, "external")
		case audit.ByArtifact:
			label = t.paint(green, "vendored")
		}
		detail := res.Detail
		if res.By == audit.ByArtifact {
			detail = res.Path + " (" + res.Detail + ")"
		}
		need := res.Need
		if res.Kind != "" {
			need += " [" + res.Kind + "]"
		}
		t.printf("      %s %s: %s\n", label, need, detail)
	}
}

// writeLinkage writes a package's linkage grouped by provider, as `conda
// inspect linkages --show-files` does: each library with where it was
// found and the binaries that link against it.
func writeLinkage(t *textWriter, lk *audit.Linkage) {
	t.printf("\n  linkage of %s (%s):\n", lk.Package, lk.Manager)
	deps := "none"
	if len(lk.Depends) > 0 {
		deps = strings.Join(lk.Depends, ", ")
	}
	t.printf("    depends: %s\n", deps)
	if lk.Environment != "" {
		t.printf("    environment: %s\n", lk.Environment)
	}
	for _, g := range lk.Groups {
		var title painted
		switch g.Kind {
		case "self":
			title = t.paint("", "this package")
		case "package":
			if g.InDepends {
				title = t.paint("", g.Package+" (in depends)")
			} else {
				title = t.paint(red, g.Package+" (NOT in depends: overlinking)")
			}
		case "not-found":
			title = t.paint(red, "not found")
		default:
			title = t.paint("", g.Kind)
		}
		t.printf("    %s:\n", title)
		for _, x := range g.Libs {
			where := ""
			if x.Path != "" {
				where = " (" + x.Path + ")"
			}
			t.printf("      %s%s %s\n", x.Need, where, t.paint(dim, "from "+strings.Join(x.NeededBy, ", ")))
		}
	}
	if len(lk.Overdepending) > 0 {
		t.printf("    %s %s\n", t.paint(yellow, "overdepending:"), strings.Join(lk.Overdepending, ", "))
	}
	if len(lk.Unchecked) > 0 {
		t.printf("    not checked for overdepending: %s\n", strings.Join(lk.Unchecked, ", "))
	}
}
