package policy

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/libvet/libvet/internal/datafile"
)

// WindowsMachines lists the machines with system DLL data, sorted: "AMD64",
// "ARM64", "I386" (delvewheel's MachineType names for the PE machines
// 0x8664, 0xaa64 and 0x14c, and the platform tags win_amd64, win_arm64 and
// win32). The slice is new on every call.
func WindowsMachines() []string {
	return slices.Clone(winData().machines)
}

// WindowsSystemDLL reports whether every Windows release libvet knows ships
// name for machine, so that a wheel may leave it to the system: for example
// kernel32.dll on every machine, ucrtbase.dll only on ARM64 (Windows 7 SP1
// does not ship the UCRT). The releases are delvewheel's: Windows 7 SP1, 8,
// 8.1, 10 and 11 for I386 and AMD64 (for I386, their 32-bit DLLs, including
// those of Windows 10 and 11 on ARM64), Windows 10 and 11 for ARM64. machine
// is one of [WindowsMachines], in any case; name is a DLL file name without
// a directory, in any case.
//
// API sets, interpreter DLLs and the Visual C++ runtime DLLs a wheel must
// bring (vcruntime140.dll, msvcp140.dll) are not in these lists: see
// [WindowsNeverBundled], [WindowsInterpreterRuntime] and [WindowsVCRedist].
func WindowsSystemDLL(machine, name string) bool {
	_, ok := winData().system[strings.ToUpper(machine)][strings.ToLower(name)]
	return ok
}

// WindowsNeverBundled reports the class of a DLL that is never bundled, by
// pattern, whatever the machine and the interpreter:
//
//   - "api-set": an API set, api-* (api-ms-win-crt-runtime-l1-1-0.dll), and,
//     libvet's addition to delvewheel's rules, ext-ms-*: virtual names the
//     loader resolves to system DLLs;
//   - "python": CPython's own DLL (python3.dll, python312.dll,
//     python313t.dll, python312_d.dll);
//   - "pypy": PyPy's (libpypy3.10-c.dll);
//   - "graalpy": GraalPy's (python-native.dll);
//   - "combase": combase.dll, the COM base library, which the system lists
//     have for ARM64 only (Windows 7 lacks it).
//
// name is a DLL file name, in any case; ok is false when no pattern matches.
func WindowsNeverBundled(name string) (class string, ok bool) {
	name = strings.ToLower(name)
	for _, r := range winData().never {
		if r.re.MatchString(name) {
			return r.class, true
		}
	}
	return "", false
}

// WindowsInterpreterRuntime returns the DLLs that the interpreter for an ABI
// tag ships on a platform, sorted, and whether a rule matched: ("cp312",
// "win_amd64") → [vcruntime140.dll vcruntime140_1.dll], true; ("cp27m",
// "win32") → [msvcr90.dll], true; ("abi3", "win_amd64") → nil, false. The
// rules match "<abi>-<platform>", lowercased, as a whole. The slice is new
// on every call.
//
// A wheel with several ABI tags may leave to the interpreter only the DLLs
// every tag's interpreter ships, and nothing if a tag matches no rule
// (delvewheel intersects the sets that way). delvewheel's separate rules for
// abi3 wheels, keyed on the Python tag, are not in libvet's data.
func WindowsInterpreterRuntime(abi, platform string) ([]string, bool) {
	tag := strings.ToLower(abi + "-" + platform)
	for _, r := range winData().runtime {
		if r.re.MatchString(tag) {
			return slices.Clone(r.dlls), true
		}
	}
	return nil, false
}

// WindowsIgnoredDependency reports whether dependent's need of dep is to be
// ignored: some builds of msvcp140.dll delay-load concrt140.dll, apparently
// for Windows XP only, so a wheel bundling msvcp140.dll need not bring it.
// Names are compared in any case.
func WindowsIgnoredDependency(dependent, dep string) bool {
	_, ok := winData().ignore[strings.ToLower(dependent)][strings.ToLower(dep)]
	return ok
}

// WindowsVCRedist reports whether name is a Visual C++ redistributable DLL,
// by delvewheel's pattern: vcruntime*, vccorlib*, msvcp*, msvcr*, concrt*,
// mfc*, vcamp*, vcomp*, ucrtbase*, each mostly followed by a digit. The
// pattern also matches DLLs that Windows itself ships (msvcrt.dll,
// mfc42.dll, msvcp60.dll, and ucrtbase.dll on ARM64): callers decide which
// answer comes first. name is compared in any case.
func WindowsVCRedist(name string) bool {
	return winData().vcRedist.MatchString(strings.ToLower(name))
}

// winDataFile is the embedded Windows data, in the format described in
// doc.go and written by policy/internal/wingen.
//
//go:embed data/windows.txt
var winDataFile []byte

// winDataPath names the embedded file in messages, relative to the module
// root.
const winDataPath = "policy/data/windows.txt"

// winDataFormat is the first non-comment line the Windows data file must
// have: the format's name and version.
const winDataFormat = "libvet-windows-policy 1"

// winDataClasses are the classes a "never" line may carry.
var winDataClasses = []string{"api-set", "combase", "graalpy", "pypy", "python"}

// winData returns the parsed embedded data, loading it on first use. The
// embedded file is part of the build, and TestWinDataParses proves it loads,
// so the panic can only be reached by a build whose data was edited without
// running the tests.
var winData = sync.OnceValue(func() *winDataIndex {
	return mustData(parseWinData(winDataPath, winDataFile))
})

// winDataIndex is the loaded data.
type winDataIndex struct {
	machines []string                       // sorted
	system   map[string]map[string]struct{} // machine -> names
	never    []winDataNever                 // data order: by class, then pattern
	runtime  []winDataRuntime               // data order: by pattern
	ignore   map[string]map[string]struct{} // dependent -> dependencies
	vcRedist *regexp.Regexp
}

type winDataNever struct {
	class string
	re    *regexp.Regexp
}

type winDataRuntime struct {
	re   *regexp.Regexp
	dlls []string
}

// winDataMachineRE is the shape of a machine name.
var winDataMachineRE = regexp.MustCompile(`^[A-Z][A-Z0-9]*$`)

// parseWinData parses the Windows data; path is used in errors only. See
// doc.go for the format. Errors are *datafile.Error values.
func parseWinData(path string, data []byte) (*winDataIndex, error) {
	idx := &winDataIndex{
		system: map[string]map[string]struct{}{},
		ignore: map[string]map[string]struct{}{},
	}
	var (
		vcRedistLine int
		// The key of the previous line of each keyword, for the order checks.
		lastSystem, lastRuntime, lastIgnore string
		lastNever                           [2]string
		neverPatterns                       = map[string]int{} // pattern -> line
	)
	records, err := datafile.Lines(path, data, winDataFormat)
	if err != nil {
		return nil, err
	}
	for _, rec := range records {
		ln, f := rec.Num, rec.Fields
		errf := func(format string, args ...any) error { return rec.Errorf(path, format, args...) }
		kw, args := f[0], f[1:]
		if kw != "machines" && idx.machines == nil {
			return nil, errf("%s before the machines line", kw)
		}
		// pattern compiles a pattern, anchored to match whole strings.
		pattern := func(p string) (*regexp.Regexp, error) {
			re, err := regexp.Compile(`\A(?:` + p + `)\z`)
			if err != nil {
				return nil, errf("bad pattern %q: %v", p, err)
			}
			return re, nil
		}
		switch kw {
		case "machines":
			if idx.machines != nil {
				return nil, errf("repeated machines line")
			}
			if len(args) == 0 {
				return nil, errf("want: machines MACHINE...")
			}
			for _, m := range args {
				if !winDataMachineRE.MatchString(m) {
					return nil, errf("machine %q is not an upper-case name like AMD64", m)
				}
			}
			if !strictlySorted(args, strings.Compare) {
				return nil, errf("machines are not sorted or repeat")
			}
			idx.machines = args
			for _, m := range args {
				idx.system[m] = map[string]struct{}{}
			}

		case "system":
			if len(args) < 2 {
				return nil, errf("want: system NAME MACHINE...")
			}
			name, machines := args[0], args[1:]
			if err := winDataCheckName(name); err != "" {
				return nil, errf("%s", err)
			}
			if name <= lastSystem {
				return nil, errf("system %s is not after %s: names are not sorted or repeat", name, lastSystem)
			}
			lastSystem = name
			if !strictlySorted(machines, strings.Compare) {
				return nil, errf("machines are not sorted or repeat")
			}
			for _, m := range machines {
				set, ok := idx.system[m]
				if !ok {
					return nil, errf("machine %s is not on the machines line", m)
				}
				set[name] = struct{}{}
			}

		case "never":
			if len(args) != 2 {
				return nil, errf("want: never CLASS PATTERN")
			}
			class, p := args[0], args[1]
			if !slices.Contains(winDataClasses, class) {
				return nil, errf("unknown class %q (want one of %s)", class, strings.Join(winDataClasses, ", "))
			}
			if prev, dup := neverPatterns[p]; dup {
				return nil, errf("pattern %s already used on line %d", p, prev)
			}
			neverPatterns[p] = ln
			key := [2]string{class, p}
			if lastNever != [2]string{} && (key[0] < lastNever[0] || key[0] == lastNever[0] && key[1] <= lastNever[1]) {
				return nil, errf("never lines are not sorted by class, then pattern")
			}
			lastNever = key
			re, err := pattern(p)
			if err != nil {
				return nil, err
			}
			idx.never = append(idx.never, winDataNever{class: class, re: re})

		case "runtime":
			if len(args) < 2 {
				return nil, errf("want: runtime PATTERN DLL...")
			}
			p, dlls := args[0], args[1:]
			if p <= lastRuntime {
				return nil, errf("runtime patterns are not sorted or repeat")
			}
			lastRuntime = p
			if err := winDataCheckNames(dlls); err != "" {
				return nil, errf("%s", err)
			}
			re, err := pattern(p)
			if err != nil {
				return nil, err
			}
			idx.runtime = append(idx.runtime, winDataRuntime{re: re, dlls: dlls})

		case "ignore":
			if len(args) < 2 {
				return nil, errf("want: ignore DEPENDENT DEP...")
			}
			dependent, deps := args[0], args[1:]
			if err := winDataCheckName(dependent); err != "" {
				return nil, errf("%s", err)
			}
			if dependent <= lastIgnore {
				return nil, errf("ignore lines are not sorted by dependent or repeat")
			}
			lastIgnore = dependent
			if err := winDataCheckNames(deps); err != "" {
				return nil, errf("%s", err)
			}
			set := map[string]struct{}{}
			for _, d := range deps {
				set[d] = struct{}{}
			}
			idx.ignore[dependent] = set

		case "vcredist":
			if len(args) != 1 {
				return nil, errf("want: vcredist PATTERN")
			}
			if vcRedistLine != 0 {
				return nil, errf("repeated vcredist line (first on line %d)", vcRedistLine)
			}
			vcRedistLine = ln
			re, err := pattern(args[0])
			if err != nil {
				return nil, err
			}
			idx.vcRedist = re

		default:
			return nil, errf("unknown keyword %q", kw)
		}
	}
	if idx.machines == nil {
		return nil, &datafile.Error{File: path, Line: 1, Msg: "no machines line"}
	}
	for _, m := range idx.machines {
		if len(idx.system[m]) == 0 {
			return nil, &datafile.Error{File: path, Line: 1, Msg: fmt.Sprintf("no system DLLs for machine %s", m)}
		}
	}
	if idx.vcRedist == nil {
		return nil, &datafile.Error{File: path, Line: 1, Msg: "no vcredist line"}
	}
	return idx, nil
}

// winDataCheckName returns why name cannot be a DLL name in the data, or "".
// Names are stored lowercased, as the accessors look them up.
func winDataCheckName(name string) string {
	if name != strings.ToLower(name) {
		return fmt.Sprintf("DLL name %s is not lower case", name)
	}
	if strings.ContainsAny(name, `/\`) {
		return fmt.Sprintf("DLL name %s is a path", name)
	}
	return ""
}

// winDataCheckNames checks a sorted list of DLL names.
func winDataCheckNames(names []string) string {
	for _, n := range names {
		if err := winDataCheckName(n); err != "" {
			return err
		}
	}
	if !strictlySorted(names, strings.Compare) {
		return "DLL names are not sorted or repeat"
	}
	return ""
}
