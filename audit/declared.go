package audit

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/libvet/libvet/artifact"
	"github.com/libvet/libvet/externaldeps"
)

// Declaration is an external (non-Python) dependency a package declares
// under PEP 725: a Requires-External-Dep line of its METADATA, or a
// run-time entry of its pyproject.toml [external] table.
type Declaration struct {
	// DepURL is the declared DepURL as written.
	DepURL string `json:"depurl"`
	// Source says where it was declared ("METADATA:14",
	// "pyproject.toml:7 (dependencies)").
	Source string `json:"source"`
	// Used lists the external libraries it covers; empty when none does.
	Used []string `json:"used"`
	// Build marks a compiler declared for the build, which covers its
	// runtime library when one is linked and is not reported unused.
	Build bool `json:"build,omitempty"`

	marker *externaldeps.Marker // nil when the declaration has none
}

// markerEnv is the PEP 508 environment of the systems a wheel installs
// on, as far as its tags say: the platform of its binaries and, for a
// cpXY tag, the Python version. Variables it cannot know are left out,
// so a marker using them is kept (Evaluate fails, and the entry counts).
func markerEnv(w *artifact.Wheel, format Format) map[string]string {
	env := map[string]string{"extra": ""}
	switch format {
	case FormatELF:
		env["sys_platform"], env["platform_system"], env["os_name"] = "linux", "Linux", "posix"
	case FormatMachO:
		env["sys_platform"], env["platform_system"], env["os_name"] = "darwin", "Darwin", "posix"
	case FormatPE:
		env["sys_platform"], env["platform_system"], env["os_name"] = "win32", "Windows", "nt"
	}
	if w != nil && len(w.PythonTags) == 1 {
		if v, ok := strings.CutPrefix(w.PythonTags[0], "cp"); ok && len(v) >= 2 {
			env["python_version"] = v[:1] + "." + v[1:]
			env["implementation_name"] = "cpython"
		}
	}
	return env
}

// applies reports whether an entry with marker m applies in env: no
// marker, a marker that holds, or one env cannot decide.
func applies(m *externaldeps.Marker, env map[string]string) bool {
	if m == nil {
		return true
	}
	ok, err := m.Evaluate(env)
	return ok || err != nil
}

// wheelMetadata parses the wheel's .dist-info/METADATA, nil when it has
// none (a problem artifact already reports).
func wheelMetadata(a *artifact.Artifact, max int64) (*externaldeps.Metadata, error) {
	if a.Wheel == nil || a.Wheel.DistInfo == "" {
		return nil, nil
	}
	m := a.Member(a.Wheel.DistInfo + "/METADATA")
	if m == nil {
		return nil, nil
	}
	data, err := m.ReadAll(max)
	if err != nil {
		return nil, err
	}
	return externaldeps.ParseMetadata(m.Path, data)
}

// metadataDeclarations are the Requires-External-Dep lines of md.
func metadataDeclarations(md *externaldeps.Metadata) []Declaration {
	if md == nil {
		return nil
	}
	var out []Declaration
	for _, r := range md.RequiresExternalDep {
		out = append(out, Declaration{DepURL: r.DepURL.String(), Source: fmt.Sprintf("%s:%d", md.File, r.Line), Used: []string{}, marker: r.Marker})
	}
	return out
}

// applicableDeclarations are the declarations of --external and of the
// wheel's METADATA whose marker holds where the artifact installs (a
// win32-only dependency of a Linux wheel does not count).
func applicableDeclarations(external []Declaration, md *externaldeps.Metadata, env map[string]string) []Declaration {
	var out []Declaration
	for _, d := range append(append([]Declaration(nil), external...), metadataDeclarations(md)...) {
		if applies(d.marker, env) {
			d.Used = []string{}
			out = append(out, d)
		}
	}
	return out
}

// ProjectDeclarations are the run-time entries ("dependencies" and
// "optional-dependencies") of a pyproject.toml [external] table, for
// --external.
func ProjectDeclarations(file string, ext *externaldeps.External) []Declaration {
	var out []Declaration
	for _, e := range ext.All() {
		// Run-time entries, and compilers at any stage: a compiler
		// declared for the build implies its runtime library (libgfortran,
		// libstdc++), which PEP 725 does not ask to declare again.
		compiler := strings.HasPrefix(e.Requirement.DepURL.String(), "dep:virtual/compiler/")
		if e.Category.Stage() != "run" && !compiler {
			continue
		}
		src := fmt.Sprintf("%s:%d (%s)", file, e.Requirement.Line, e.Category)
		out = append(out, Declaration{DepURL: e.Requirement.DepURL.String(), Source: src, Used: []string{}, Build: e.Category.Stage() != "run", marker: e.Requirement.Marker})
	}
	return out
}

// graftedHash matches the hash repair tools put in the names of the
// libraries they graft, before the first dot after the stem:
// auditwheel's libz-d8e79d8f.so.1.2.13 and
// libopenblas64_p-r0-0cf96a72.3.23.dev.so (8 hex digits), delvewheel's
// zlib1-6b0ea0e7bb2e1a8b8c3b9d6e4f1a2b3c.dll (32).
var graftedHash = regexp.MustCompile(`^(.+?)-([0-9a-f]{8}|[0-9a-f]{32})(\..*)$`)

// unhashed is the name a grafted library had before a repair tool
// renamed it: libsnappy-637b256b.so.1.1.4 was libsnappy.so.1.1.4.
func unhashed(name string) string {
	if m := graftedHash.FindStringSubmatch(name); m != nil {
		return m[1] + m[3]
	}
	return name
}

// LookupNames are the names to look a needed library up by, in order:
// the name without the hash a repair tool added, then with version
// components dropped one by one (a grafted file keeps the library's file
// name, libsnappy.so.1.1.4, not its soname, libsnappy.so.1).
func LookupNames(name string) []string {
	var out []string
	for n := unhashed(name); n != ""; n = shorterVersion(n) {
		out = append(out, n)
	}
	return out
}

// likelyDepURL is the DepURL libvet's knowledge base gives the first of
// LookupNames(name), "" when it knows none.
func likelyDepURL(name, platform string) string {
	for _, n := range LookupNames(name) {
		if m, ok := externaldeps.LookupSoname(n, platform); ok {
			return m.DepURL
		}
	}
	return ""
}

// shorterVersion drops the last version component of an ELF file name
// ("libz.so.1.2.13" → "libz.so.1.2"), "" when there is none.
func shorterVersion(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i < 0 || !strings.Contains(name[:i], ".so") || strings.HasSuffix(name[:i], ".so") && name[i+1:] == "" {
		return ""
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return ""
	}
	return name[:i]
}

// platformOf is the knowledge base's platform for a binary format.
func platformOf(f Format) string {
	switch f {
	case FormatMachO:
		return externaldeps.PlatformMacOS
	case FormatPE:
		return externaldeps.PlatformWindows
	}
	return externaldeps.PlatformLinux
}

// declare gives each external library its likely DepURL (from libvet's
// soname knowledge base) and the declaration that covers it. For a wheel
// (wheel is true), an external library no declaration covers is
// reported (info; an error with requireDeclared), and so is a
// declaration nothing uses.
func declare(r *Report, decls []Declaration, wheel, requireDeclared bool) []Declaration {
	formats := map[string]Format{}
	for _, b := range r.Binaries {
		formats[b.Member] = b.Format
	}
	for i := range r.ExternalLibs {
		x := &r.ExternalLibs[i]
		f := FormatELF
		if len(x.NeededBy) > 0 {
			if bf, ok := formats[x.NeededBy[0]]; ok {
				f = bf
			}
		}
		name := x.Soname
		if f == FormatMachO {
			name = path.Base(name)
		}
		x.DepURL = likelyDepURL(name, platformOf(f))
		for j := range decls {
			if x.DepURL != "" && externaldeps.Covers(decls[j].DepURL, x.DepURL) {
				decls[j].Used = append(decls[j].Used, x.Soname)
				if x.Declared == "" {
					x.Declared = decls[j].DepURL
				}
			}
		}
		if !wheel || x.Declared != "" {
			continue
		}
		// The platform already reports the library as external; this says
		// what it likely is. --require-declared makes it fail the check.
		sev := Info
		if requireDeclared {
			sev = Error
		}
		likely := "libvet's soname knowledge base does not know it: name the library's upstream project"
		if x.DepURL != "" {
			likely = "likely " + x.DepURL
		}
		r.Findings = append(r.Findings, Finding{Code: "external/undeclared", Severity: sev, Member: strings.Join(x.NeededBy, ", "),
			Message: fmt.Sprintf("needs %s (%s), which is neither vendored, allowed, provided by another wheel, nor declared: declare it (Requires-External-Dep, or [external] dependencies in pyproject.toml) or vendor it", x.Soname, likely)})
	}
	// A library another wheel provides still counts as the declared one.
	for _, b := range r.Binaries {
		for _, res := range b.Resolutions {
			if res.By != ByPackage {
				continue
			}
			dep := likelyDepURL(path.Base(res.Need), platformOf(b.Format))
			for j := range decls {
				if dep != "" && externaldeps.Covers(decls[j].DepURL, dep) && !slices.Contains(decls[j].Used, res.Need) {
					decls[j].Used = append(decls[j].Used, res.Need)
				}
			}
		}
	}
	if wheel {
		for _, d := range decls {
			if len(d.Used) == 0 && !d.Build {
				r.Findings = append(r.Findings, Finding{Code: "external/declared-unused", Severity: Info,
					Message: fmt.Sprintf("declares %s (%s), but no binary links a library it provides; it may be loaded at run time (dlopen, ctypes) or no longer needed", d.DepURL, d.Source)})
			}
		}
	}
	return decls
}

// ReadDeclarations reads the [external] table of a project for
// --external: a project directory, its pyproject.toml (any *.toml
// file), or an sdist (.tar.gz or .zip, whose top directory holds
// pyproject.toml).
func ReadDeclarations(p string, lim artifact.Limits) ([]Declaration, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	var file string
	var ext *externaldeps.External
	switch {
	case st.IsDir():
		file = filepath.Join(p, "pyproject.toml")
		ext, err = externaldeps.ReadPyproject(file)
	case strings.HasSuffix(p, ".toml"):
		file = p
		ext, err = externaldeps.ReadPyproject(file)
	default:
		var data []byte
		if file, data, err = sdistPyproject(p, lim); err == nil {
			ext, err = externaldeps.ParsePyproject(file, data)
		}
	}
	if err != nil {
		return nil, err
	}
	if ext == nil {
		return nil, fmt.Errorf("%s has no [external] table", file)
	}
	return ProjectDeclarations(file, ext), nil
}

// errFound ends a walk that has found what it looks for.
var errFound = errors.New("found")

// sdistPyproject returns the pyproject.toml at the top of an sdist,
// decompressing no further than it.
func sdistPyproject(p string, lim artifact.Limits) (string, []byte, error) {
	a, err := artifact.Open(p, lim)
	if err != nil {
		return "", nil, err
	}
	defer a.Close()
	var name string
	var data []byte
	err = a.Walk(func(m *artifact.Member, r io.Reader) error {
		dir, base := path.Split(m.Inner())
		if base != "pyproject.toml" || strings.Count(dir, "/") != 1 {
			return nil
		}
		if m.Size > externaldeps.MaxPyprojectSize {
			return fmt.Errorf("%s is %d bytes, over %d", m.Path, m.Size, externaldeps.MaxPyprojectSize)
		}
		b, err := io.ReadAll(io.LimitReader(r, externaldeps.MaxPyprojectSize+1))
		if err != nil {
			return err
		}
		name, data = p+"!"+m.Path, b
		return errFound // the rest of the sdist need not be decompressed
	})
	if errors.Is(err, errFound) {
		err = nil
	}
	if err == nil && data == nil {
		err = errors.New("no pyproject.toml in the sdist's top directory; give a project directory, a pyproject.toml or an sdist")
	}
	return name, data, err
}
