package main

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/libvet/libvet/internal/datagen"
)

// FileName is the data file's name inside policy/data.
const FileName = "windows.txt"

// formatHeader is the first non-comment line of the data file: the format
// name and its version. policy/windata.go accepts exactly this.
const formatHeader = "libvet-windows-policy 1"

// neverClasses gives the class of each of delvewheel's ignore_regexes, keyed
// by the regex exactly as the facts spell it. A regex missing here is an
// error: a new kind of never-bundled DLL needs a class, and the class a
// mention in policy/windata.go and policy/doc.go.
var neverClasses = map[string]string{
	`api-.*`:                          "api-set",
	`combase\.dll`:                    "combase",
	`libpypy([0-9]+\.)*[0-9]+-c\.dll`: "pypy",
	`python-native\.dll`:              "graalpy",
	`python[0-9]+t?(_d)?\.dll`:        "python",
}

// libvetNever are never-bundled patterns that are libvet's own, not
// delvewheel's; each is written after a comment saying so.
var libvetNever = []neverRule{
	{class: "api-set", pattern: `ext-ms-.*`, note: "extension API sets, virtual names the loader resolves like api-*"},
}

// jsonFacts is the input: delvewheel's _dll_list.py as data. Pointers tell a
// missing (or null) key from an empty value.
type jsonFacts struct {
	Source              *string              `json:"source"`
	SystemDLLsByMachine *map[string][]string `json:"system_dlls_by_machine"`
	IgnoreRegexes       *[]string            `json:"ignore_regexes"`
	IgnoreByABIPlatform *map[string][]string `json:"ignore_by_abi_platform"`
	IgnoreDependency    *map[string][]string `json:"ignore_dependency"`
	VCRedistRegex       *string              `json:"vc_redist_regex"`
}

// facts is the validated input, ready to write. Regexes are in RE2 syntax.
type facts struct {
	source   string
	machines []string            // sorted
	system   map[string][]string // DLL name -> sorted machines that ship it
	never    []neverRule         // sorted by class, then pattern
	runtime  []runtimeRule       // sorted by pattern
	ignore   map[string][]string // dependent -> sorted dependencies
	vcRedist string
}

type neverRule struct {
	class, pattern string
	note           string // libvet's additions only: why
}

type runtimeRule struct {
	pattern string
	dlls    []string // sorted
}

// Render converts the content of windows-system-dlls.json into libvet's
// line-oriented Windows data. The output depends only on src, so running it
// twice on the same input gives the same bytes.
func Render(src []byte) ([]byte, error) {
	raw, err := decode(src)
	if err != nil {
		return nil, err
	}
	f, err := validate(raw)
	if err != nil {
		return nil, err
	}
	return write(src, f), nil
}

// decode parses src strictly: one JSON object with exactly the six keys of
// the facts, and nothing after it.
func decode(src []byte) (*jsonFacts, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	var raw *jsonFacts
	if err := dec.Decode(&raw); err != nil {
		return nil, datagen.JSONError(src, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the top-level JSON object")
	}
	if raw == nil {
		return nil, errors.New("the input is null, not an object")
	}
	var missing []string
	for _, k := range []struct {
		name string
		nil  bool
	}{
		{"ignore_by_abi_platform", raw.IgnoreByABIPlatform == nil},
		{"ignore_dependency", raw.IgnoreDependency == nil},
		{"ignore_regexes", raw.IgnoreRegexes == nil},
		{"source", raw.Source == nil},
		{"system_dlls_by_machine", raw.SystemDLLsByMachine == nil},
		{"vc_redist_regex", raw.VCRedistRegex == nil},
	} {
		if k.nil {
			missing = append(missing, k.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing or null keys: %s", strings.Join(missing, ", "))
	}
	return raw, nil
}

var machineRE = regexp.MustCompile(`^[A-Z][A-Z0-9]*$`)

// validate checks the decoded facts and turns them into what write needs.
func validate(raw *jsonFacts) (*facts, error) {
	f := &facts{
		source: strings.TrimSpace(*raw.Source),
		system: map[string][]string{},
		ignore: map[string][]string{},
	}
	if f.source == "" || strings.ContainsFunc(f.source, func(r rune) bool { return unicode.IsControl(r) }) {
		return nil, fmt.Errorf("source %q is empty or not one line", *raw.Source)
	}

	if len(*raw.SystemDLLsByMachine) == 0 {
		return nil, errors.New("system_dlls_by_machine names no machine")
	}
	for machine, names := range *raw.SystemDLLsByMachine {
		if !machineRE.MatchString(machine) {
			return nil, fmt.Errorf("system_dlls_by_machine: machine %q is not an upper-case name like AMD64", machine)
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("system_dlls_by_machine[%q] is empty", machine)
		}
		if err := checkNames(names); err != nil {
			return nil, fmt.Errorf("system_dlls_by_machine[%q]: %v", machine, err)
		}
		f.machines = append(f.machines, machine)
		for _, n := range names {
			f.system[n] = append(f.system[n], machine)
		}
	}
	slices.Sort(f.machines)
	for _, ms := range f.system {
		slices.Sort(ms)
	}

	for _, py := range *raw.IgnoreRegexes {
		class, ok := neverClasses[py]
		if !ok {
			return nil, fmt.Errorf("ignore_regexes: %q has no class (add it to neverClasses in policy/internal/wingen, and the class to policy/windata.go)", py)
		}
		re, err := translate(py)
		if err != nil {
			return nil, fmt.Errorf("ignore_regexes: %v", err)
		}
		f.never = append(f.never, neverRule{class: class, pattern: re})
	}
	for _, r := range libvetNever {
		re, err := translate(r.pattern)
		if err != nil {
			return nil, fmt.Errorf("libvet's own never-bundled pattern: %v", err)
		}
		r.pattern = re
		f.never = append(f.never, r)
	}
	slices.SortFunc(f.never, func(a, b neverRule) int {
		return cmp.Or(strings.Compare(a.class, b.class), strings.Compare(a.pattern, b.pattern))
	})
	for i := 1; i < len(f.never); i++ {
		if f.never[i].pattern == f.never[i-1].pattern {
			return nil, fmt.Errorf("ignore_regexes: %q is listed twice", f.never[i].pattern)
		}
	}

	for py, dlls := range *raw.IgnoreByABIPlatform {
		re, err := translate(py)
		if err != nil {
			return nil, fmt.Errorf("ignore_by_abi_platform: %v", err)
		}
		if len(dlls) == 0 {
			return nil, fmt.Errorf("ignore_by_abi_platform[%q] is empty", py)
		}
		if err := checkNames(dlls); err != nil {
			return nil, fmt.Errorf("ignore_by_abi_platform[%q]: %v", py, err)
		}
		f.runtime = append(f.runtime, runtimeRule{pattern: re, dlls: sortedCopy(dlls)})
	}
	slices.SortFunc(f.runtime, func(a, b runtimeRule) int { return strings.Compare(a.pattern, b.pattern) })
	for i := 1; i < len(f.runtime); i++ {
		if f.runtime[i].pattern == f.runtime[i-1].pattern {
			return nil, fmt.Errorf("ignore_by_abi_platform: two keys translate to %q", f.runtime[i].pattern)
		}
	}

	for dependent, deps := range *raw.IgnoreDependency {
		if err := checkNames([]string{dependent}); err != nil {
			return nil, fmt.Errorf("ignore_dependency: %v", err)
		}
		if len(deps) == 0 {
			return nil, fmt.Errorf("ignore_dependency[%q] is empty", dependent)
		}
		if err := checkNames(deps); err != nil {
			return nil, fmt.Errorf("ignore_dependency[%q]: %v", dependent, err)
		}
		f.ignore[dependent] = sortedCopy(deps)
	}

	re, err := translate(*raw.VCRedistRegex)
	if err != nil {
		return nil, fmt.Errorf("vc_redist_regex: %v", err)
	}
	f.vcRedist = re

	if err := checkDisjoint(f); err != nil {
		return nil, err
	}
	return f, nil
}

// checkNames checks DLL names: tokens, lower case (delvewheel compares
// lowercased names, so an upper-case entry could never match), no path
// separators, no repeats.
func checkNames(names []string) error {
	seen := make(map[string]bool, len(names))
	for _, s := range names {
		if err := datagen.CheckToken(s); err != nil {
			return err
		}
		if s != strings.ToLower(s) {
			return fmt.Errorf("%q is not lower case", s)
		}
		if strings.ContainsAny(s, `/\`) {
			return fmt.Errorf("%q is a path, not a file name", s)
		}
		if seen[s] {
			return fmt.Errorf("%q is listed twice", s)
		}
		seen[s] = true
	}
	return nil
}

func sortedCopy(list []string) []string {
	out := slices.Clone(list)
	slices.Sort(out)
	return out
}

// translate converts a regex in Python's re syntax, as delvewheel writes
// them, into Go RE2 syntax with the same meaning under re.fullmatch on a
// lowercased str. Only a subset is accepted; anything whose meaning could
// differ between the two engines is an error rather than a guess:
//
//   - literals: lower-case letters, digits and other non-special characters
//     (an upper-case letter could never match a lowercased name); a
//     backslash before ASCII punctuation;
//   - . * + ? | and their lazy forms, groups ( ) and (?: ), repetition
//     {m} and {m,n};
//   - classes [...] and [^...] of the above and ranges, without a nested '['
//     (a POSIX class in RE2, a literal in Python);
//   - \d and \D, written \p{Nd} and \P{Nd}: in a Python str pattern \d is any
//     Unicode decimal digit, in RE2 only 0-9.
//
// Anchors (^ $ \A \Z \b), flags, named groups, look-around, back-references
// and the other escapes (\w \s \x ...) are refused. The result must compile.
func translate(py string) (string, error) {
	var b strings.Builder
	rs := []rune(py)
	fail := func(format string, args ...any) (string, error) {
		return "", fmt.Errorf("regex %q: %s", py, fmt.Sprintf(format, args...))
	}
	depth := 0
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == '\\':
			if i+1 == len(rs) {
				return fail("trailing backslash")
			}
			i++
			esc, ok := translateEscape(rs[i])
			if !ok {
				return fail(`unsupported escape \%c`, rs[i])
			}
			b.WriteString(esc)
		case c == '[':
			j := i + 1
			b.WriteByte('[')
			if j < len(rs) && rs[j] == '^' {
				b.WriteByte('^')
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				return fail("a class starting with ']' is not supported")
			}
			closed := false
			for ; j < len(rs); j++ {
				d := rs[j]
				if d == ']' {
					closed = true
					break
				}
				switch {
				case d == '\\':
					if j+1 == len(rs) {
						return fail("trailing backslash")
					}
					j++
					esc, ok := translateEscape(rs[j])
					if !ok {
						return fail(`unsupported escape \%c in a class`, rs[j])
					}
					b.WriteString(esc)
				case d == '[':
					return fail("'[' inside a class is not supported")
				case unicode.IsUpper(d):
					return fail("upper-case %q can never match a lowercased name", d)
				case unicode.IsSpace(d) || unicode.IsControl(d):
					return fail("white space or control character %q", d)
				default:
					b.WriteRune(d)
				}
			}
			if !closed {
				return fail("unterminated class")
			}
			b.WriteByte(']')
			i = j
		case c == '(':
			if i+1 < len(rs) && rs[i+1] == '?' {
				if i+2 >= len(rs) || rs[i+2] != ':' {
					return fail("only (?: ) groups are supported")
				}
				b.WriteString("(?:")
				i += 2
			} else {
				b.WriteByte('(')
			}
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return fail("unbalanced ')'")
			}
			b.WriteByte(')')
		case c == '{':
			j := i + 1
			for j < len(rs) && rs[j] != '}' {
				j++
			}
			if j == len(rs) || !repeatRE.MatchString(string(rs[i:j+1])) {
				return fail("only {m} and {m,n} repetitions are supported")
			}
			b.WriteString(string(rs[i : j+1]))
			i = j
		case c == '^' || c == '$':
			return fail("anchors are not supported (patterns always match the whole name)")
		case c == ']' || c == '}':
			b.WriteByte('\\')
			b.WriteRune(c)
		case strings.ContainsRune(".*+?|", c):
			b.WriteRune(c)
		case unicode.IsUpper(c):
			return fail("upper-case %q can never match a lowercased name", c)
		case unicode.IsSpace(c) || unicode.IsControl(c):
			return fail("white space or control character %q", c)
		default:
			b.WriteRune(c)
		}
	}
	if depth != 0 {
		return fail("unbalanced '('")
	}
	out := b.String()
	if _, err := regexp.Compile(anchor(out)); err != nil {
		return fail("RE2 rejects the translation %q: %v", out, err)
	}
	if err := datagen.CheckToken(out); err != nil {
		return fail("%v", err)
	}
	return out, nil
}

var repeatRE = regexp.MustCompile(`^\{[0-9]+(,[0-9]+)?\}$`)

// translateEscape translates the escape \c.
func translateEscape(c rune) (string, bool) {
	switch {
	case c == 'd':
		return `\p{Nd}`, true
	case c == 'D':
		return `\P{Nd}`, true
	case c < 0x80 && unicode.IsPunct(c) || c < 0x80 && unicode.IsSymbol(c):
		return `\` + string(c), true
	}
	return "", false
}

// anchor makes a pattern match whole strings only, as re.fullmatch does. The
// loader in policy/windata.go anchors the same way.
func anchor(re string) string { return `\A(?:` + re + `)\z` }

// checkDisjoint checks, on a sample of tags and names, that no
// ABI-platform string matches two runtime rules and no name matches
// never-bundled rules of two classes. delvewheel tries the runtime rules in
// its source order and takes the first match; the JSON does not keep that
// order and the data file sorts them, so the rules must not overlap for the
// order not to matter.
func checkDisjoint(f *facts) error {
	runtime := make([]*regexp.Regexp, len(f.runtime))
	for i, r := range f.runtime {
		runtime[i] = regexp.MustCompile(anchor(r.pattern))
	}
	for _, tag := range sampleABIPlatforms() {
		var hits []string
		for i, re := range runtime {
			if re.MatchString(tag) {
				hits = append(hits, f.runtime[i].pattern)
			}
		}
		if len(hits) > 1 {
			return fmt.Errorf("ignore_by_abi_platform: %q matches %d rules, %q; the data file cannot keep delvewheel's order, so rules must not overlap", tag, len(hits), hits)
		}
	}
	never := make([]*regexp.Regexp, len(f.never))
	for i, r := range f.never {
		never[i] = regexp.MustCompile(anchor(r.pattern))
	}
	for _, name := range sampleNames(f) {
		class := ""
		for i, re := range never {
			if re.MatchString(name) {
				if class != "" && class != f.never[i].class {
					return fmt.Errorf("ignore_regexes: %q matches patterns of classes %s and %s", name, class, f.never[i].class)
				}
				class = f.never[i].class
			}
		}
	}
	return nil
}

// sampleABIPlatforms returns "<abi tag>-<platform tag>" strings for CPython,
// PyPy and GraalPy ABI tags of every shape delvewheel's rules mention, on
// every Windows platform.
func sampleABIPlatforms() []string {
	var abis []string
	for major := 2; major <= 3; major++ {
		for minor := 0; minor <= 120; minor++ {
			for _, suffix := range []string{"", "m", "mu", "u", "d", "dm", "dmu", "t", "td"} {
				abis = append(abis, fmt.Sprintf("cp%d%d%s", major, minor, suffix))
			}
		}
	}
	for v := 20; v <= 120; v++ {
		for pp := 70; pp <= 79; pp++ {
			abis = append(abis, fmt.Sprintf("pypy%d_pp%d", v, pp))
		}
	}
	for _, v := range []string{"41", "70", "71", "73", "74"} {
		abis = append(abis, "pypy_"+v)
	}
	for _, g := range []string{"0", "230", "231", "240", "241", "242", "250", "300", "311"} {
		for py := 300; py <= 399; py++ {
			abis = append(abis, fmt.Sprintf("graalpy%s_%d_native", g, py))
		}
	}
	abis = append(abis, "abi3", "abi3t", "none")
	var out []string
	for _, abi := range abis {
		for _, plat := range []string{"win32", "win_amd64", "win_arm64", "win_ia64"} {
			out = append(out, abi+"-"+plat)
		}
	}
	return out
}

// sampleNames returns every DLL name in the facts plus names of the kinds
// the never-bundled patterns are about.
func sampleNames(f *facts) []string {
	names := []string{
		"python3.dll", "python27.dll", "python312.dll", "python313t.dll", "python312_d.dll", "python313t_d.dll",
		"python-native.dll", "libpypy-c.dll", "libpypy3-c.dll", "libpypy3.10-c.dll", "libpypy3.9.18-c.dll",
		"api-ms-win-crt-runtime-l1-1-0.dll", "api-ms-win-core-synch-l1-2-0.dll",
		"ext-ms-win-ntuser-window-l1-1-0.dll", "ext-ms-win-gdi-dc-l1-2-0.dll", "combase.dll",
	}
	for n := range f.system {
		names = append(names, n)
	}
	for _, r := range f.runtime {
		names = append(names, r.dlls...)
	}
	for dependent, deps := range f.ignore {
		names = append(names, dependent)
		names = append(names, deps...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// write renders the facts. See policy/doc.go for the format.
func write(src []byte, f *facts) []byte {
	var b bytes.Buffer
	line := func(fields ...string) { b.WriteString(strings.Join(fields, " ") + "\n") }

	line("# libvet Windows platform data: the DLLs a wheel may take from Windows or from the")
	line("# Python interpreter instead of bundling them.")
	line("#")
	line("# Generated by policy/internal/wingen; DO NOT EDIT. Refresh with scripts/refresh-policy.sh,")
	line("# which runs: go run ./policy/internal/wingen -windows FILE -out policy/data")
	line("# Source:", f.source)
	line("#   (input sha256", fmt.Sprintf("%x)", sha256.Sum256(src)))
	line("# Patterns are Go RE2 regexes, matched against the whole lowercased name or tag;")
	line("# delvewheel's Python \\d (any Unicode decimal digit) is written \\p{Nd}.")
	line("# Format: see policy/doc.go.")
	line()
	line(formatHeader)
	line(append([]string{"machines"}, f.machines...)...)

	line()
	line("# never CLASS PATTERN: a DLL whose name matches is never bundled, on any machine.")
	for _, r := range f.never {
		if r.note != "" {
			line("# libvet's addition, not delvewheel's:", r.note+".")
		}
		line("never", r.class, r.pattern)
	}

	line()
	line("# runtime PATTERN DLL...: the interpreter of an ABI tag on a platform ships these DLLs;")
	line("# PATTERN matches \"<abi tag>-<platform tag>\".")
	for _, r := range f.runtime {
		line(append([]string{"runtime", r.pattern}, r.dlls...)...)
	}

	line()
	line("# ignore DEPENDENT DEP...: DEPENDENT's need of each DEP is ignored.")
	for _, dependent := range datagen.SortedKeys(f.ignore) {
		line(append([]string{"ignore", dependent}, f.ignore[dependent]...)...)
	}

	line()
	line("# vcredist PATTERN: the Visual C++ redistributable DLLs.")
	line("vcredist", f.vcRedist)

	line()
	line("# system NAME MACHINE...: every Windows release delvewheel lists ships NAME for these machines.")
	for _, name := range datagen.SortedKeys(f.system) {
		line(append([]string{"system", name}, f.system[name]...)...)
	}
	return b.Bytes()
}
