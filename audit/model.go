package audit

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Format is the binary format of a member.
type Format string

// Binary formats libvet recognises by magic bytes.
const (
	FormatELF   Format = "elf"
	FormatPE    Format = "pe"
	FormatMachO Format = "macho"
)

// Libc is the C library a Linux binary was built against.
type Libc string

// C libraries.
const (
	LibcUnknown Libc = ""
	Glibc       Libc = "glibc"
	Musl        Libc = "musl"
)

// Binary is the format-neutral description of one binary found in an
// artifact: what it is, what it needs, and how each need was resolved.
type Binary struct {
	// Member is the binary's path inside the artifact ("pkg/_core.so").
	Member string `json:"member"`
	Format Format `json:"format"`
	// Arch is the platform-tag architecture: for ELF x86_64, i686,
	// aarch64, armv7l, ppc64le, ppc64, s390x, riscv64 or loongarch64; for
	// PE win32, amd64 or arm64 (as in win_amd64); for Mach-O the slice's
	// architecture (x86_64, arm64, i386, ...). It is "" when the machine
	// is not one that any platform tag names.
	Arch string `json:"arch"`
	// Machine describes the raw machine for messages ("EM_MIPS, 64-bit LSB").
	Machine string `json:"machine"`
	// Type is the object type: for ELF "shared-object", "executable" or
	// "relocatable"; for PE "dll" or "executable"; for Mach-O the file
	// type ("bundle", "dylib", "executable", "object", ...).
	Type string `json:"type"`
	// Extension is the Python module name when the binary is a Python
	// extension (it defines PyInit_<name>, init<name> or
	// _cffi_pypyinit_<name>), else "".
	Extension string `json:"extension,omitempty"`
	Libc      Libc   `json:"libc,omitempty"`
	// LibcReason says how Libc was decided ("PT_INTERP /lib/ld-musl-x86_64.so.1").
	LibcReason string `json:"libc_reason,omitempty"`
	Interp     string `json:"interpreter,omitempty"`
	Soname     string `json:"soname,omitempty"`
	// InstallName is a Mach-O dylib's own install name (LC_ID_DYLIB).
	InstallName string `json:"install_name,omitempty"`
	// Fat reports a slice of a fat (universal) Mach-O file: the member
	// then has one Binary per slice, told apart by Arch.
	Fat bool `json:"fat,omitempty"`
	// OS, MinOS and SDK are a Mach-O slice's deployment target
	// ("macos", "10.9", "14.2"), from LC_BUILD_VERSION or
	// LC_VERSION_MIN_*; empty when the slice has none.
	OS    string `json:"os,omitempty"`
	MinOS string `json:"min_os,omitempty"`
	SDK   string `json:"sdk,omitempty"`
	// Needed lists the libraries the binary needs, in load order:
	// DT_NEEDED, PE imports then delay-load imports (each DLL once), or
	// Mach-O dependent dylibs (install names as written).
	Needed []string `json:"needed"`
	// WeakNeeded lists the entries of Needed that may be absent
	// (LC_LOAD_WEAK_DYLIB); DelayNeeded those a PE binary loads only on
	// first use (delay-load imports).
	WeakNeeded  []string `json:"weak_needed,omitempty"`
	DelayNeeded []string `json:"delay_needed,omitempty"`
	// RPath is DT_RPATH, or a Mach-O slice's LC_RPATHs in load order.
	RPath    []string      `json:"rpath,omitempty"`
	RunPath  []string      `json:"runpath,omitempty"`
	Versions []VersionNeed `json:"version_needs,omitempty"`
	// Imports are the binary's undefined dynamic symbols, in symbol-table
	// order. They are kept for reasons and blacklist checks and not
	// serialised.
	Imports []Import `json:"-"`
	// ISA is the x86-64 micro-architecture level the binary declares in
	// its GNU property note ("x86-64-v2"), "" for the baseline, or
	// ISAUnknown.
	ISA string `json:"isa,omitempty"`
	// ExecStack reports a PT_GNU_STACK segment that is executable.
	ExecStack bool `json:"exec_stack,omitempty"`
	// CodeSigned reports a Mach-O LC_CODE_SIGNATURE or a PE Authenticode
	// certificate table; the signature is not verified.
	CodeSigned bool `json:"code_signed,omitempty"`
	// DependentLoadFlags is a PE image's load-config DependentLoadFlags
	// (LOAD_LIBRARY_SEARCH_* for its static imports), 0 when unset.
	DependentLoadFlags uint16 `json:"dependent_load_flags,omitempty"`
	// OverlaySize counts the bytes after a PE image's last section that
	// the loader does not map (a signature excepted).
	OverlaySize int64 `json:"overlay_size,omitempty"`
	// DotNet reports a .NET (CLR) assembly.
	DotNet bool `json:"dotnet,omitempty"`
	// Resolutions says, for each entry of Needed, who provides it.
	Resolutions []Resolution `json:"resolutions"`

	// kinds holds Resolution.Kind for the needs that have one.
	kinds map[string]string
}

func (b *Binary) setKind(need, kind string) {
	if b.kinds == nil {
		b.kinds = map[string]string{}
	}
	b.kinds[need] = kind
}

// NeedKind returns how b needs a library: "" for an ordinary load, else
// [Resolution.Kind].
func (b *Binary) NeedKind(need string) string { return b.kinds[need] }

// ISAUnknown is Binary.ISA for an x86 ISA property libvet does not know.
const ISAUnknown = "unknown"

// VersionNeed is one symbol version a binary requires from a library
// (an ELF verneed entry).
type VersionNeed struct {
	Library string `json:"library"`
	Version string `json:"version"`
	Weak    bool   `json:"weak,omitempty"`
}

// Import is an undefined dynamic symbol.
type Import struct {
	Name    string
	Version string // "" when unversioned
	Library string // the verneed file that provides Version, "" when unversioned
	Weak    bool
	Func    bool // STT_FUNC
	Object  bool // STT_OBJECT
}

// Provider says who satisfies a need.
type Provider string

// Providers, in the order the resolver chain consults them.
const (
	// ByArtifact: the artifact ships the library where the loader finds it.
	ByArtifact Provider = "artifact"
	// BySkip: the need is never resolved by design (the dynamic loader,
	// libpython: the interpreter provides it).
	BySkip Provider = "interpreter"
	// ByPolicy: the platform policy promises the library.
	ByPolicy Provider = "policy"
	// ByExclude: the user said another package provides it (--exclude).
	ByExclude Provider = "excluded"
	// ByPackage: another package of the environment installs it where
	// the loader looks (conda --prefix/--with).
	ByPackage Provider = "package"
	// ByHost: found on the host (an external library).
	ByHost Provider = "host"
	// ByNone: nobody provides it.
	ByNone Provider = "none"
)

// Resolution records who satisfies one needed library and why.
type Resolution struct {
	Need string   `json:"need"`
	By   Provider `json:"by"`
	// Path is where the library was found: a member path for ByArtifact,
	// a host path for ByHost, else "".
	Path string `json:"path,omitempty"`
	// Detail is the reason in words ("RUNPATH $ORIGIN/../numpy.libs",
	// "manylinux_2_5_x86_64 allow-list", "--exclude 'libcuda*'").
	Detail string `json:"detail"`
	// Kind qualifies the need when it is not an ordinary load: "weak"
	// (may be absent), "delay" (PE delay-load), "reexport", "upward" or
	// "lazy" (Mach-O load command kinds).
	Kind string `json:"kind,omitempty"`
	// Package names the package that installs the library, for
	// ByPackage (and for ByHost when the host's package database knows).
	Package string `json:"package,omitempty"`
}

// Severity ranks findings.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Warning
	Error
)

var severityNames = []string{"info", "warning", "error"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// ParseSeverity parses "info", "warning" or "error".
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(n, name) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want info, warning or error)", name)
}

// Finding is one problem or observation, always with its location.
type Finding struct {
	// Code is a stable identifier ("linux/symbol-version").
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	// Member is the member the finding is about, "" for the whole artifact.
	Member  string `json:"member"`
	Message string `json:"message"`
}

// ExternalLib is a library the artifact needs that it neither ships where
// the loader finds it nor may assume from the platform.
type ExternalLib struct {
	Soname string `json:"soname"`
	// Path is where the host provides it, "" when not found.
	Path string `json:"path"`
	// Reason says why it is external.
	Reason string `json:"reason"`
	// NeededBy lists the members (or host libraries) that need it.
	NeededBy []string `json:"needed_by"`
	// DepURL is the PEP 725 DepURL the library most likely is, from
	// libvet's soname knowledge base; "" when it does not know.
	DepURL string `json:"depurl,omitempty"`
	// Declared is the declared external dependency that covers it, ""
	// when none does.
	Declared string `json:"declared,omitempty"`
	// Step is the host search step that found it ("ld.so.cache",
	// "RUNPATH /opt/lib"), "" when it was not found.
	Step string `json:"step,omitempty"`
	// Incompatible is where the host has a library of that name that
	// lacks the symbol versions needed (Reason names them); Path is then
	// "".
	Incompatible string `json:"incompatible,omitempty"`
}

// PolicyResult is the verdict of one platform policy on an artifact.
type PolicyResult struct {
	// Tag is the policy's platform tag ("manylinux_2_17_x86_64").
	Tag     string   `json:"tag"`
	Aliases []string `json:"aliases,omitempty"`
	OK      bool     `json:"ok"`
	// Reasons say, when !OK, what stops the artifact from this tag.
	Reasons []string `json:"reasons,omitempty"`
}

// Report is the audit of one artifact.
type Report struct {
	Path string `json:"path"`
	Kind string `json:"kind"`
	// DeclaredTags are the platform tags the artifact claims (wheel
	// filename and WHEEL file), sorted.
	DeclaredTags []string `json:"declared_tags"`
	// PlatformTag is the best (most compatible) tag the contents support,
	// "" when the artifact is pure or unreadable.
	PlatformTag string `json:"platform_tag"`
	// PlatformTags is PlatformTag with its aliases.
	PlatformTags []string `json:"platform_tags"`
	// SymbolTag is the best tag from symbol versions alone.
	SymbolTag    string         `json:"symbol_tag"`
	Pure         bool           `json:"pure"`
	Binaries     []*Binary      `json:"binaries"`
	ExternalLibs []ExternalLib  `json:"external_libs"`
	Policies     []PolicyResult `json:"policies"`
	// Declared are the external dependencies the artifact (or --external)
	// declares under PEP 725, with the libraries each covers.
	Declared []Declaration `json:"declared_external,omitempty"`
	// Linkages are the linkage audits of the packages in the artifact:
	// one for a conda package or a .deb, one per package for a conda
	// environment directory; empty for wheels and files.
	Linkages []*Linkage `json:"linkages,omitempty"`
	Findings []Finding  `json:"findings"`
	// Error is set when the artifact could not be read; the other fields
	// then hold what was learned before the failure.
	Error string `json:"error,omitempty"`
}

// Worst returns the highest severity among the report's findings, and
// false when there are none.
func (r *Report) Worst() (Severity, bool) {
	if len(r.Findings) == 0 {
		return 0, false
	}
	w := Info
	for _, f := range r.Findings {
		if f.Severity > w {
			w = f.Severity
		}
	}
	return w, true
}

// MarshalJSON writes Path as null when the library was not found.
func (x ExternalLib) MarshalJSON() ([]byte, error) {
	type plain ExternalLib
	var p *string
	if x.Path != "" {
		p = &x.Path
	}
	return json.Marshal(struct {
		plain
		Path *string `json:"path"`
	}{plain(x), p})
}
