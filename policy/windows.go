package policy

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/libvet/libvet/audit"
)

// WindowsPlatform judges PE binaries against Windows platform tags
// (win32, win_amd64, win_arm64): the machine, the DLLs Windows itself
// provides (system DLLs per machine, API sets), the Python runtime DLL the
// wheel's ABI tag implies, and the Visual C++ runtime DLLs the
// interpreter ships.
type WindowsPlatform struct{}

var _ audit.Platform = WindowsPlatform{}

// Format implements [audit.Platform]: Windows runs PE binaries.
func (WindowsPlatform) Format() audit.Format { return audit.FormatPE }

// Claims implements [audit.Platform]: win32 and win_* tags.
func (WindowsPlatform) Claims(tag string) bool {
	return tag == "win32" || strings.HasPrefix(tag, "win_")
}

// windowsArches maps Binary.Arch of a PE binary to its platform tag and
// the machine name of the system DLL data.
var windowsArches = map[string]struct{ tag, machine string }{
	"x86":   {"win32", "I386"},
	"amd64": {"win_amd64", "AMD64"},
	"arm64": {"win_arm64", "ARM64"},
}

// winTarget is one artifact judged against Windows.
type winTarget struct {
	bins     []*audit.Binary
	declared []string
	arch     string // Binary.Arch the artifact targets, "" when none fits
	tag      string // its platform tag
	machine  string // its machine name in the system DLL data
	// abis are the wheel's ABI tags with their Python tags, for the
	// runtime rules.
	abis []wheelABI
	// runtime holds the interpreter's runtime DLLs (lower case) every
	// interpreter the tags allow ships, and runtimeRule says so.
	runtime     map[string]bool
	runtimeRule string
	findings    []audit.Finding
}

// wheelABI is the Python and ABI part of one wheel tag.
type wheelABI struct{ python, abi string }

// Target implements [audit.Platform].
func (WindowsPlatform) Target(in audit.Input) audit.Target {
	var bins []*audit.Binary
	count := map[string]int{}
	for _, b := range in.Binaries {
		if b.Format == audit.FormatPE {
			bins = append(bins, b)
			if b.Arch != "" {
				count[b.Arch]++
			}
		}
	}
	if len(bins) == 0 {
		return nil
	}
	t := &winTarget{bins: bins, declared: in.Declared}
	// The architecture: the declared tag's when a binary has it, else
	// the most common one.
	for _, tag := range in.Declared {
		for arch, w := range windowsArches {
			if w.tag == tag && count[arch] > 0 && t.arch == "" {
				t.arch = arch
			}
		}
	}
	if t.arch == "" {
		for _, arch := range sortedKeys(count) {
			if t.arch == "" || count[arch] > count[t.arch] {
				t.arch = arch
			}
		}
	}
	if t.arch != "" {
		t.tag, t.machine = windowsArches[t.arch].tag, windowsArches[t.arch].machine
	}
	seen := map[wheelABI]bool{}
	for _, full := range in.Tags {
		parts := strings.Split(full, "-")
		if len(parts) != 3 || (parts[2] != t.tag && parts[2] != "any") {
			continue
		}
		a := wheelABI{parts[0], parts[1]}
		if !seen[a] {
			seen[a] = true
			t.abis = append(t.abis, a)
		}
	}
	if len(in.Tags) == 0 {
		// A loose binary: assume any CPython from 3.5 (the first built
		// with the UCRT and vcruntime140.dll) may load it.
		t.abis = []wheelABI{{"cp35", "none"}}
	}
	t.runtime, t.runtimeRule = t.runtimeDLLs()
	return t
}

// maxCPythonMinor is the last CPython 3 minor version the runtime rules
// are evaluated for when a tag allows every later version (abi3, py3).
const maxCPythonMinor = 30

// runtimeDLLs returns the runtime DLLs every interpreter the wheel's
// tags allow ships: for each ABI tag, the DLLs the interpreters with that
// ABI ship; for abi3 and "none", those of every CPython from the Python
// tag's version on. Tags with no rule (or no tags at all) promise none.
func (t *winTarget) runtimeDLLs() (map[string]bool, string) {
	if len(t.abis) == 0 || t.tag == "" {
		return map[string]bool{}, ""
	}
	var set map[string]bool
	var names []string
	for _, a := range t.abis {
		for _, abi := range interpreterABIs(a) {
			dlls, ok := WindowsInterpreterRuntime(abi, t.tag)
			if !ok {
				return map[string]bool{}, ""
			}
			cur := map[string]bool{}
			for _, d := range dlls {
				cur[d] = true
			}
			if set == nil {
				set = cur
			} else {
				for d := range set {
					if !cur[d] {
						delete(set, d)
					}
				}
			}
		}
		names = append(names, a.python+"-"+a.abi)
	}
	return set, fmt.Sprintf("every interpreter the tags %s allow on %s ships it", strings.Join(names, ", "), t.tag)
}

var cpTag = regexp.MustCompile(`^cp3(\d+)$`)

// interpreterABIs lists the interpreter ABI tags a wheel ABI allows:
// itself, or for abi3/abi3t/none with a cp3X (or py3: from 3.0) Python
// tag, the ABI of every CPython from 3.X on (cp37m, cp38, cp39, ..., with
// "t" for abi3t). Versions no runtime rule covers (3.0, 3.1) make the
// caller promise nothing.
func interpreterABIs(a wheelABI) []string {
	switch a.abi {
	case "abi3", "abi3t", "none":
	default:
		return []string{a.abi}
	}
	from := 0
	if m := cpTag.FindStringSubmatch(a.python); m != nil {
		from, _ = strconv.Atoi(m[1])
	} else if a.python != "py3" && a.python != "cp3" {
		return []string{a.python} // pp310, graalpy..., py2: no rule matches
	}
	var out []string
	for v := from; v <= maxCPythonMinor; v++ {
		switch {
		case a.abi == "abi3t" && v < 13:
			continue
		case a.abi == "abi3t":
			out = append(out, fmt.Sprintf("cp3%dt", v))
		case v <= 7:
			out = append(out, fmt.Sprintf("cp3%dm", v))
		default:
			out = append(out, fmt.Sprintf("cp3%d", v))
		}
	}
	return out
}

// Promises implements [audit.Target].
func (t *winTarget) Promises(from *audit.Binary, name string) (audit.Resolution, bool) {
	lname := strings.ToLower(name)
	r := audit.Resolution{Need: name, By: audit.ByPolicy}
	if from != nil && WindowsIgnoredDependency(path.Base(from.Member), lname) {
		r.Detail = fmt.Sprintf("%s's need of %s is never used by Python code (delvewheel's rule)", strings.ToLower(path.Base(from.Member)), lname)
		return r, true
	}
	if class, ok := WindowsNeverBundled(lname); ok {
		switch class {
		case "api-set":
			r.Detail = "an API set, mapped to a system DLL by Windows"
		case "python", "pypy", "graalpy":
			r.By, r.Detail = audit.BySkip, "the Python runtime DLL; the interpreter provides it"
		default:
			r.Detail = "a Windows system DLL (" + class + ")"
		}
		return r, true
	}
	if t.machine != "" && WindowsSystemDLL(t.machine, lname) {
		r.Detail = fmt.Sprintf("a system DLL of every Windows release for %s", t.machine)
		return r, true
	}
	if t.runtime[lname] {
		r.Detail = "a runtime DLL of the interpreter: " + t.runtimeRule
		return r, true
	}
	return audit.Resolution{}, false
}

// NotPromised implements [audit.Target].
func (t *winTarget) NotPromised(name string) string {
	lname := strings.ToLower(name)
	if WindowsVCRedist(lname) {
		if len(t.abis) == 0 {
			return "a Visual C++ runtime DLL; which ones the interpreter ships depends on the wheel's Python and ABI tags, and this artifact has none"
		}
		return "a Visual C++ runtime DLL that neither Windows nor every interpreter the wheel's tags allow ships; vendor it"
	}
	if t.machine == "" {
		return "no Windows platform tag covers this machine"
	}
	return "not a DLL every Windows release for " + t.machine + " ships"
}

func (t *winTarget) add(code string, sev audit.Severity, member, format string, args ...any) {
	t.findings = append(t.findings, audit.Finding{Code: code, Severity: sev, Member: member, Message: fmt.Sprintf(format, args...)})
}

// Judge implements [audit.Target].
func (t *winTarget) Judge(r *audit.Report) {
	var reasons []string
	for _, b := range t.bins {
		switch {
		case b.Arch == "":
			t.add("windows/unsupported-machine", audit.Error, b.Member, "%s is not a machine any Windows platform tag covers (win32, win_amd64, win_arm64)", b.Machine)
			reasons = append(reasons, b.Member+" is "+b.Machine)
		case b.Arch != t.arch:
			t.add("windows/wrong-machine", audit.Error, b.Member, "%s binary in a %s artifact; Windows will not load it into a %s process", b.Machine, t.tag, t.machine)
			reasons = append(reasons, fmt.Sprintf("%s is %s, not %s", b.Member, b.Machine, t.machine))
		}
		if b.DotNet {
			t.add("windows/dotnet", audit.Info, b.Member, "a .NET assembly; its managed dependencies are not audited")
		}
		reasons = append(reasons, t.checkPythonDLLs(b)...)
		t.checkDelayLoads(b)
	}
	for _, x := range r.ExternalLibs {
		kind := ""
		if t.allDelay(x) {
			kind = " (delay-loaded: needed when first called)"
		}
		t.add("windows/external-dll", audit.Error, strings.Join(x.NeededBy, ", "), "needs %s%s: %s", x.Soname, kind, x.Reason)
		reasons = append(reasons, "needs "+x.Soname+", which Windows, the interpreter and the artifact do not provide")
	}
	if t.tag == "" {
		r.Findings = append(r.Findings, t.findings...)
		return
	}
	t.checkDeclared()
	r.PlatformTag, r.PlatformTags = t.tag, []string{t.tag}
	r.Policies = []audit.PolicyResult{{Tag: t.tag, OK: len(reasons) == 0, Reasons: reasons}}
	if t.runtimeRule != "" {
		t.add("windows/runtime", audit.Info, "", "interpreter runtime DLLs assumed present: %s (%s)", strings.Join(sortedKeys(t.runtime), ", "), t.runtimeRule)
	}
	r.Findings = append(r.Findings, t.findings...)
}

// checkDeclared compares the declared tags with the machine.
func (t *winTarget) checkDeclared() {
	for _, tag := range t.declared {
		switch {
		case tag == "any" || tag == t.tag:
		case WindowsPlatform{}.Claims(tag):
			t.add("windows/tag-mismatch", audit.Error, "", "declared tag %s does not match the binaries, which are %s (%s)", tag, t.machine, t.tag)
		default:
			t.add("windows/tag-mismatch", audit.Error, "", "declared tag %s is not for Windows, but the artifact contains PE (Windows) binaries", tag)
		}
	}
}

var (
	pythonDLL = regexp.MustCompile(`^python(\d)(\d*)(t?)(_d)?\.dll$`)
	pypyDLL   = regexp.MustCompile(`^libpypy(\d+)\.(\d+)-c\.dll$`)
	cpABI     = regexp.MustCompile(`^cp(\d)(\d+)(t?)(d?)(m?)(u?)$`)
)

// checkPythonDLLs compares the Python runtime DLLs b imports with the
// wheel's ABI tags: at least one tag must accept each. An abi3 extension
// must import python3.dll (python3.dll is fine for every CPython 3), a
// cp312 one python312.dll, a free-threaded cp313t one python313t.dll, a
// PyPy 3.10 one libpypy3.10-c.dll.
func (t *winTarget) checkPythonDLLs(b *audit.Binary) []string {
	if len(t.abis) == 0 {
		return nil
	}
	var out []string
	for _, n := range b.Needed {
		ln := strings.ToLower(n)
		var accepts func(a wheelABI) bool
		var hint string
		if m := pythonDLL.FindStringSubmatch(ln); m != nil {
			if m[2] == "" {
				continue // python3.dll: the stable ABI
			}
			hint = fmt.Sprintf("only CPython %s.%s%s provides it", m[1], m[2], map[bool]string{true: " (free-threaded)"}[m[3] == "t"])
			accepts = func(a wheelABI) bool {
				if a.abi == "none" {
					// Only a Python tag naming this very CPython pins it.
					return a.python == "cp"+m[1]+m[2] && m[3] == ""
				}
				am := cpABI.FindStringSubmatch(a.abi)
				return am != nil && am[1] == m[1] && am[2] == m[2] && am[3] == m[3]
			}
		} else if m := pypyDLL.FindStringSubmatch(ln); m != nil {
			hint = fmt.Sprintf("only PyPy for Python %s.%s provides it", m[1], m[2])
			accepts = func(a wheelABI) bool { return a.python == "pp"+m[1]+m[2] }
		} else {
			continue
		}
		var abis []string
		ok := false
		for _, a := range t.abis {
			abis = append(abis, a.python+"-"+a.abi)
			ok = ok || accepts(a)
		}
		if ok {
			continue
		}
		msg := fmt.Sprintf("imports %s, which the wheel's tags (%s) do not allow: %s", n, strings.Join(abis, ", "), hint)
		for _, a := range t.abis {
			if a.abi == "abi3" || a.abi == "abi3t" {
				msg = fmt.Sprintf("is in an %s wheel but imports %s: %s; link against python3.dll (define Py_LIMITED_API)", a.abi, n, hint)
				break
			}
		}
		t.add("windows/python-dll", audit.Error, b.Member, "%s", msg)
		out = append(out, b.Member+" "+msg)
	}
	return out
}

// checkDelayLoads warns about delay-loaded DLLs found in a directory of
// the artifact: the default delay-load helper loads them with a plain
// LoadLibrary, whose search includes neither the extension module's
// directory nor os.add_dll_directory directories.
func (t *winTarget) checkDelayLoads(b *audit.Binary) {
	for _, res := range b.Resolutions {
		if res.Kind != "delay" || res.By != audit.ByArtifact || strings.HasPrefix(res.Detail, "already loaded") {
			continue
		}
		t.add("windows/delay-load", audit.Warning, b.Member,
			"delay-loads %s from %s (%s); the default delay-load helper does not search there unless the process's DLL search path includes it, so it works only when %s is already loaded (delvewheel's delayhook.c fixes this)",
			res.Need, res.Path, res.Detail, res.Need)
	}
}

// allDelay reports whether every binary needing x delay-loads it.
func (t *winTarget) allDelay(x audit.ExternalLib) bool {
	delay := false
	for _, b := range t.bins {
		if !slices.Contains(x.NeededBy, b.Member) {
			continue
		}
		for _, res := range b.Resolutions {
			if strings.EqualFold(res.Need, x.Soname) {
				if res.Kind != "delay" {
					return false
				}
				delay = true
			}
		}
	}
	return delay
}
