package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// winDataTestFacts is the JSON the Windows data is built from, relative to
// this package's directory (see ../shared/DESIGN.md).
const winDataTestFacts = "../../shared/reference/windows-system-dlls.json"

// TestWinDataParses proves the embedded file loads: the panic in winData can
// only fire if this test fails. scripts/refresh-policy.sh runs it after a
// refresh, so parse errors come out with their file:line.
func TestWinDataParses(t *testing.T) {
	idx, err := parseWinData(winDataPath, winDataFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"AMD64", "ARM64", "I386"}; !slices.Equal(idx.machines, want) {
		t.Errorf("machines %q, want %q", idx.machines, want)
	}
	// The sizes of delvewheel's ignore_names_x86, _x64 and _arm64
	// (mac_win_abi3.md §2.3).
	for m, want := range map[string]int{"I386": 1226, "AMD64": 1422, "ARM64": 2767} {
		if got := len(idx.system[m]); got != want {
			t.Errorf("%s: %d system DLLs, want %d", m, got, want)
		}
	}
	if len(idx.never) != 6 || len(idx.runtime) != 9 || len(idx.ignore) != 1 || idx.vcRedist == nil {
		t.Errorf("%d never, %d runtime, %d ignore lines; want 6, 9, 1", len(idx.never), len(idx.runtime), len(idx.ignore))
	}
	if got := WindowsMachines(); !slices.Equal(got, []string{"AMD64", "ARM64", "I386"}) {
		t.Errorf("WindowsMachines() = %q", got)
	}
	m := WindowsMachines()
	m[0] = "X"
	if WindowsMachines()[0] != "AMD64" {
		t.Error("WindowsMachines returns the shared slice")
	}
}

// TestWinDataPanics checks that a load error panics with the file:line.
func TestMustDataPanics(t *testing.T) {
	defer func() {
		r := recover()
		want := `policy: embedded data: t.txt:4: unknown keyword "frob"`
		if r != want {
			t.Errorf("panic %v, want %q", r, want)
		}
	}()
	mustData(parseWinData("t.txt", []byte("libvet-windows-policy 1\nmachines AMD64\nsystem kernel32.dll AMD64\nfrob\n")))
	t.Error("no panic")
}

func TestWindowsSystemDLL(t *testing.T) {
	// mac_win_abi3.md §2.3 spot checks: which machines ship the name.
	for name, want := range map[string]string{
		"kernel32.dll":       "AMD64 ARM64 I386",
		"user32.dll":         "AMD64 ARM64 I386",
		"gdi32.dll":          "AMD64 ARM64 I386",
		"ole32.dll":          "AMD64 ARM64 I386",
		"shell32.dll":        "AMD64 ARM64 I386",
		"ws2_32.dll":         "AMD64 ARM64 I386",
		"bcrypt.dll":         "AMD64 ARM64 I386",
		"ntdll.dll":          "AMD64 ARM64 I386",
		"dbghelp.dll":        "AMD64 ARM64 I386",
		"comctl32.dll":       "AMD64 ARM64 I386",
		"msvcrt.dll":         "AMD64 ARM64 I386",
		"ucrtbase.dll":       "ARM64",
		"opengl32.dll":       "AMD64 I386",
		"d3d12.dll":          "ARM64",
		"combase.dll":        "ARM64",
		"vcruntime140.dll":   "",
		"vcruntime140_1.dll": "",
		"msvcp140.dll":       "",
		"concrt140.dll":      "",
		"vcomp140.dll":       "",
		"python3.dll":        "",
		"nvcuda.dll":         "",
		"libiomp5md.dll":     "",
		"kernel32":           "",
		"":                   "",
	} {
		var got []string
		for _, m := range WindowsMachines() {
			if WindowsSystemDLL(m, name) {
				got = append(got, m)
			}
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%q is a system DLL on %q, want %q", name, got, want)
		}
	}
	for _, c := range []struct {
		machine, name string
		want          bool
	}{
		{"AMD64", "KERNEL32.dll", true},
		{"amd64", "Kernel32.DLL", true},
		{"Arm64", "UCRTBASE.DLL", true},
		{"I386", "UCRTBASE.DLL", false},
		{"ARM64EC", "kernel32.dll", false},
		{"x86_64", "kernel32.dll", false},
		{"", "kernel32.dll", false},
		{"AMD64", `C:\Windows\System32\kernel32.dll`, false},
	} {
		if got := WindowsSystemDLL(c.machine, c.name); got != c.want {
			t.Errorf("WindowsSystemDLL(%q, %q) = %v, want %v", c.machine, c.name, got, c.want)
		}
	}
	// The .drv names are system DLLs too.
	for _, m := range WindowsMachines() {
		if !WindowsSystemDLL(m, "winspool.drv") {
			t.Errorf("winspool.drv is not a system DLL on %s", m)
		}
	}
}

func TestWindowsNeverBundled(t *testing.T) {
	for name, want := range map[string]string{
		"api-ms-win-crt-runtime-l1-1-0.dll":   "api-set",
		"API-MS-WIN-CORE-SYNCH-L1-2-0.DLL":    "api-set",
		"api-":                                "api-set",
		"ext-ms-win-ntuser-window-l1-1-0.dll": "api-set", // libvet's addition
		"Ext-MS-Win-GDI-DC-l1-2-0.dll":        "api-set",
		"python3.dll":                         "python",
		"python312.dll":                       "python",
		"PYTHON313t.DLL":                      "python",
		"python313t_d.dll":                    "python",
		"python27_d.dll":                      "python",
		"python-native.dll":                   "graalpy",
		"libpypy3.10-c.dll":                   "pypy",
		"libpypy-c.dll":                       "", // PyPy 2.7's name; delvewheel's pattern wants a version
		"libpypy3-c.dll":                      "pypy",
		"libpypy3.9.18-c.dll":                 "pypy",
		"combase.dll":                         "combase",
		"COMBASE.DLL":                         "combase",
		"python.dll":                          "",
		"python3_d.dll.bak":                   "",
		"python3td.dll":                       "",
		"libpypy.3-c.dll":                     "",
		"mypython3.dll":                       "",
		"xapi-ms-win.dll":                     "",
		"ext-ms":                              "",
		"combase.dll.mui":                     "",
		"kernel32.dll":                        "",
		"vcruntime140.dll":                    "",
		"":                                    "",
	} {
		class, ok := WindowsNeverBundled(name)
		if class != want || ok != (want != "") {
			t.Errorf("WindowsNeverBundled(%q) = %q, %v; want %q, %v", name, class, ok, want, want != "")
		}
	}
	// Every class has a pattern.
	seen := map[string]bool{}
	for _, r := range winData().never {
		seen[r.class] = true
	}
	for _, c := range winDataClasses {
		if !seen[c] {
			t.Errorf("class %s has no pattern", c)
		}
	}
}

func TestWindowsInterpreterRuntime(t *testing.T) {
	const (
		vc     = "vcruntime140.dll"
		vc1    = "vcruntime140_1.dll"
		vcd    = "vcruntime140d.dll"
		ucrtd  = "ucrtbased.dll"
		msvc90 = "msvcr90.dll"
	)
	tests := []struct {
		abi, platform string
		want          []string // nil: no rule matches
	}{
		{"cp312", "win_amd64", []string{vc, vc1}},
		{"cp312", "win32", []string{vc}},
		{"cp312", "win_arm64", []string{vc, vc1}},
		{"cp313t", "win_arm64", []string{vc, vc1}},
		{"cp313t", "win32", []string{vc}},
		{"cp39", "win_amd64", []string{vc, vc1}},
		{"cp399", "win_amd64", []string{vc, vc1}},
		{"cp3100", "win_amd64", nil},
		{"cp312t", "win_amd64", nil}, // free-threading starts with 3.13
		{"cp38", "win_amd64", []string{vc}},
		{"cp38", "win_arm64", nil},
		{"cp36m", "win_amd64", []string{vc}},
		{"cp35m", "win32", []string{vc}},
		{"cp34m", "win_amd64", []string{"msvcr100.dll"}},
		{"cp27m", "win32", []string{msvc90}},
		{"cp27m", "win_amd64", []string{msvc90}},
		{"cp27mu", "win32", nil},
		{"cp312d", "win_amd64", []string{ucrtd, vcd}},
		{"cp313td", "win_arm64", []string{ucrtd, vcd}},
		{"cp37dm", "win32", []string{ucrtd, vcd}},
		{"cp38d", "win_amd64", []string{ucrtd, vcd}},
		{"pypy310_pp73", "win_amd64", []string{vc}},
		{"pypy37_pp73", "win_amd64", []string{vc}},
		{"pypy36_pp73", "win32", []string{vc}},
		{"pypy310_pp73", "win32", nil},
		{"pypy_73", "win_amd64", []string{vc}},
		{"pypy_41", "win32", []string{msvc90}},
		{"graalpy240_310_native", "win_amd64", []string{vc, vc1}},
		{"graalpy311_311_native", "win_amd64", []string{vc, vc1}},
		{"graalpy240_310_native", "win_arm64", nil},
		{"CP312", "WIN_AMD64", []string{vc, vc1}}, // tags are compared lowercased
		{"abi3", "win_amd64", nil},
		{"none", "win_amd64", nil},
		{"cp312", "manylinux_2_17_x86_64", nil},
		{"cp312-win_amd64", "", nil},
		{"", "", nil},
	}
	for _, tt := range tests {
		got, ok := WindowsInterpreterRuntime(tt.abi, tt.platform)
		if !slices.Equal(got, tt.want) || ok != (tt.want != nil) {
			t.Errorf("WindowsInterpreterRuntime(%q, %q) = %q, %v; want %q, %v", tt.abi, tt.platform, got, ok, tt.want, tt.want != nil)
		}
	}
	got, _ := WindowsInterpreterRuntime("cp312", "win_amd64")
	got[0] = "x"
	if again, _ := WindowsInterpreterRuntime("cp312", "win_amd64"); again[0] != vc {
		t.Error("WindowsInterpreterRuntime returns the shared slice")
	}
}

func TestWindowsIgnoredDependency(t *testing.T) {
	for _, c := range []struct {
		dependent, dep string
		want           bool
	}{
		{"msvcp140.dll", "concrt140.dll", true},
		{"MSVCP140.dll", "CONCRT140.DLL", true},
		{"concrt140.dll", "msvcp140.dll", false},
		{"msvcp140_1.dll", "concrt140.dll", false},
		{"msvcp140.dll", "vcruntime140.dll", false},
		{"", "", false},
	} {
		if got := WindowsIgnoredDependency(c.dependent, c.dep); got != c.want {
			t.Errorf("WindowsIgnoredDependency(%q, %q) = %v, want %v", c.dependent, c.dep, got, c.want)
		}
	}
}

func TestWindowsVCRedist(t *testing.T) {
	for name, want := range map[string]bool{
		"vcruntime140.dll":         true,
		"VCRUNTIME140_1.dll":       true,
		"vcruntime140d.dll":        true,
		"msvcp140.dll":             true,
		"msvcp140_atomic_wait.dll": true,
		"msvcp_win.dll":            true,
		"msvcr90.dll":              true,
		"msvcr100.dll":             true,
		"msvcrt.dll":               true, // also a system DLL
		"mfc42.dll":                true, // also a system DLL
		"mfc140u.dll":              true,
		"mfcm140.dll":              true,
		"mfcmifc80.dll":            true,
		"concrt140.dll":            true,
		"vccorlib140.dll":          true,
		"vcamp140.dll":             true,
		"vcomp.dll":                true,
		"vcomp140.dll":             true,
		"ucrtbase.dll":             true,
		"ucrtbased.dll":            true,
		"ucrtbase_clr0400.dll":     true,
		"vcruntime١٤٠.dll":         true, // Python's \d is any Unicode decimal digit
		"vcruntime.dll":            false,
		"msvcr.dll":                false,
		"msvcrt20.dll":             false,
		"msvcp.dll":                false,
		"mfc.dll":                  false,
		"ucrtbasex.dll":            false,
		"vcruntime140.dll.bak":     false,
		"libvcruntime140.dll":      false,
		"kernel32.dll":             false,
		"":                         false,
	} {
		if got := WindowsVCRedist(name); got != want {
			t.Errorf("WindowsVCRedist(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestWinDataParseErrors(t *testing.T) {
	const hdr = "libvet-windows-policy 1\nmachines AMD64 I386\n" // lines 1-2
	const full = hdr + "vcredist msvcp.*\\.dll\nsystem kernel32.dll AMD64 I386\n"
	tests := []struct{ name, in, want string }{
		{"empty", "", "t.txt:1: no format line"},
		{"no format line", "machines AMD64\n", "t.txt:1: want the format line"},
		{"linux format", "libvet-linux-policy 1\n", "t.txt:1: want the format line"},
		{"future format", "# comment\n\nlibvet-windows-policy 2\n", "t.txt:3: unsupported format version 2"},
		{"no machines", "libvet-windows-policy 1\n", "t.txt:1: no machines line"},
		{"system before machines", "libvet-windows-policy 1\nsystem kernel32.dll AMD64\n", "t.txt:2: system before the machines line"},
		{"repeated machines", hdr + "machines ARM64\n", "t.txt:3: repeated machines line"},
		{"empty machines", "libvet-windows-policy 1\nmachines\n", "t.txt:2: want: machines MACHINE..."},
		{"lower-case machine", "libvet-windows-policy 1\nmachines amd64\n", "t.txt:2: machine \"amd64\" is not an upper-case name"},
		{"unsorted machines", "libvet-windows-policy 1\nmachines I386 AMD64\n", "t.txt:2: machines are not sorted or repeat"},
		{"unknown keyword", full + "frob x\n", "t.txt:5: unknown keyword \"frob\""},
		{"no vcredist", hdr + "system kernel32.dll AMD64 I386\n", "t.txt:1: no vcredist line"},
		{"no system for a machine", hdr + "vcredist x\nsystem kernel32.dll AMD64\n", "t.txt:1: no system DLLs for machine I386"},
		{"system without machine", full + "system user32.dll\n", "t.txt:5: want: system NAME MACHINE..."},
		{"system unknown machine", full + "system user32.dll ARM64\n", "t.txt:5: machine ARM64 is not on the machines line"},
		{"system unsorted machines", full + "system user32.dll I386 AMD64\n", "t.txt:5: machines are not sorted or repeat"},
		{"system upper case", full + "system User32.dll AMD64\n", "t.txt:5: DLL name User32.dll is not lower case"},
		{"system path", full + "system sys/user32.dll AMD64\n", "t.txt:5: DLL name sys/user32.dll is a path"},
		{"system unsorted", full + "system advapi32.dll AMD64\n", "t.txt:5: system advapi32.dll is not after kernel32.dll"},
		{"system repeated", full + "system kernel32.dll AMD64\n", "t.txt:5: system kernel32.dll is not after kernel32.dll"},
		{"never unknown class", full + "never cuda nvcuda\\.dll\n", "t.txt:5: unknown class \"cuda\""},
		{"never arity", full + "never python\n", "t.txt:5: want: never CLASS PATTERN"},
		{"never bad pattern", full + "never python python(\n", "t.txt:5: bad pattern \"python(\""},
		{"never unsorted", full + "never python p.*\nnever api-set api-.*\n", "t.txt:6: never lines are not sorted by class, then pattern"},
		{"never unsorted in class", full + "never api-set ext-ms-.*\nnever api-set api-.*\n", "t.txt:6: never lines are not sorted"},
		{"never repeated pattern", full + "never api-set x.*\nnever python x.*\n", "t.txt:6: pattern x.* already used on line 5"},
		{"runtime without DLLs", full + "runtime cp3.*\n", "t.txt:5: want: runtime PATTERN DLL..."},
		{"runtime unsorted DLLs", full + "runtime cp3.* vcruntime140_1.dll vcruntime140.dll\n", "t.txt:5: DLL names are not sorted or repeat"},
		{"runtime upper-case DLL", full + "runtime cp3.* VCRUNTIME140.dll\n", "t.txt:5: DLL name VCRUNTIME140.dll is not lower case"},
		{"runtime unsorted", full + "runtime cp3.* a.dll\nruntime cp2.* a.dll\n", "t.txt:6: runtime patterns are not sorted or repeat"},
		{"runtime bad pattern", full + "runtime cp3[ a.dll\n", "t.txt:5: bad pattern \"cp3[\""},
		{"ignore without deps", full + "ignore msvcp140.dll\n", "t.txt:5: want: ignore DEPENDENT DEP..."},
		{"ignore repeated", full + "ignore msvcp140.dll a.dll\nignore msvcp140.dll b.dll\n", "t.txt:6: ignore lines are not sorted by dependent or repeat"},
		{"ignore upper case", full + "ignore MSVCP140.dll a.dll\n", "t.txt:5: DLL name MSVCP140.dll is not lower case"},
		{"vcredist repeated", full + "vcredist y\n", "t.txt:5: repeated vcredist line (first on line 3)"},
		{"vcredist arity", hdr + "vcredist a b\n", "t.txt:3: want: vcredist PATTERN"},
		{"vcredist bad pattern", hdr + "vcredist (?P<x\n", "t.txt:3: bad pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWinData("t.txt", []byte(tt.in))
			checkDataError(t, err, tt.want)
		})
	}
}

func TestWinDataParseMinimal(t *testing.T) {
	in := "# c\nlibvet-windows-policy 1\n  machines AMD64 ARM64\n\n" +
		"never api-set api-.*\nnever api-set ext-.*\nnever python python3\\.dll\n" +
		"runtime a-.* x.dll\nruntime b-.* x.dll y.dll\n" +
		"ignore a.dll b.dll c.dll\n" +
		"vcredist vc\\p{Nd}\n" +
		"# the long list\nsystem k.dll AMD64 ARM64\nsystem u.drv ARM64\n"
	idx, err := parseWinData("t.txt", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := idx.system["ARM64"]["u.drv"]; !ok || len(idx.system["AMD64"]) != 1 || len(idx.system["ARM64"]) != 2 {
		t.Errorf("system sets %v", idx.system)
	}
	if len(idx.never) != 3 || idx.never[2].class != "python" || !idx.never[1].re.MatchString("ext-x") || idx.never[2].re.MatchString("xpython3.dll") {
		t.Errorf("never rules %v", idx.never)
	}
	if len(idx.runtime) != 2 || !slices.Equal(idx.runtime[1].dlls, []string{"x.dll", "y.dll"}) || idx.runtime[0].re.MatchString("xa-1") {
		t.Errorf("runtime rules %v", idx.runtime)
	}
	if _, ok := idx.ignore["a.dll"]["c.dll"]; !ok {
		t.Errorf("ignore %v", idx.ignore)
	}
	if !idx.vcRedist.MatchString("vc٣") || idx.vcRedist.MatchString("vc1x") {
		t.Error("vcredist pattern is not anchored or not compiled as written")
	}
}

// winDataTestJSON is windows-system-dlls.json, decoded here independently
// of the generator.
type winDataTestJSON struct {
	SystemDLLsByMachine map[string][]string `json:"system_dlls_by_machine"`
	IgnoreRegexes       []string            `json:"ignore_regexes"`
	IgnoreByABIPlatform map[string][]string `json:"ignore_by_abi_platform"`
	IgnoreDependency    map[string][]string `json:"ignore_dependency"`
	VCRedistRegex       string              `json:"vc_redist_regex"`
}

// TestWinDataMatchesFacts compares the embedded data with the facts in
// ../shared/reference: the same system DLLs per machine and ignored
// dependencies, and, on every DLL name of the facts and a sample of names
// and tags, the same answers as delvewheel's regexes. The facts' regexes
// compile in Go as written; on the ASCII samples Go's \d means what
// Python's does. policy/internal/wingen's TestRenderMatchesCommitted checks
// that the file is byte for byte what the generator makes of the facts.
func TestWinDataMatchesFacts(t *testing.T) {
	src, err := os.ReadFile(winDataTestFacts)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("reference facts not available: %s does not exist", winDataTestFacts)
	}
	if err != nil {
		t.Fatal(err)
	}
	var facts winDataTestJSON
	if err := json.Unmarshal(src, &facts); err != nil {
		t.Fatalf("%s: %v", winDataTestFacts, err)
	}
	full := func(re string) *regexp.Regexp { return regexp.MustCompile(`^(?:` + re + `)$`) }

	var machines []string
	var names []string
	for m, list := range facts.SystemDLLsByMachine {
		machines = append(machines, m)
		names = append(names, list...)
		for _, n := range list {
			if !WindowsSystemDLL(m, n) {
				t.Errorf("%s: %s is not a system DLL", m, n)
			}
		}
		if got := len(winData().system[m]); got != len(list) {
			t.Errorf("%s: %d system DLLs, the facts list %d", m, got, len(list))
		}
	}
	slices.Sort(machines)
	if got := WindowsMachines(); !slices.Equal(got, machines) {
		t.Errorf("WindowsMachines() = %q, the facts have %q", got, machines)
	}

	pairs := 0
	for dependent, deps := range facts.IgnoreDependency {
		names = append(names, dependent)
		for _, d := range deps {
			pairs++
			names = append(names, d)
			if !WindowsIgnoredDependency(dependent, d) {
				t.Errorf("%s → %s is not ignored", dependent, d)
			}
		}
	}
	n := 0
	for _, deps := range winData().ignore {
		n += len(deps)
	}
	if n != pairs {
		t.Errorf("%d ignored dependencies, the facts have %d", n, pairs)
	}

	// Never-bundled classes, by delvewheel's regex (independent of the
	// generator's table), plus libvet's ext-ms-* addition.
	classOf := map[string]string{
		`api-.*`:                          "api-set",
		`combase\.dll`:                    "combase",
		`libpypy([0-9]+\.)*[0-9]+-c\.dll`: "pypy",
		`python-native\.dll`:              "graalpy",
		`python[0-9]+t?(_d)?\.dll`:        "python",
	}
	names = append(names, "python3.dll", "python312_d.dll", "python313t.dll", "python-native.dll", "libpypy3.10-c.dll",
		"api-ms-win-crt-runtime-l1-1-0.dll", "ext-ms-win-gdi-dc-l1-2-0.dll", "vcruntime140.dll", "vcruntime140_1.dll",
		"msvcp140.dll", "msvcp140_atomic_wait.dll", "vcomp.dll", "vcomp140.dll", "ucrtbased.dll", "mfc140u.dll", "msvcrt20.dll")
	for _, list := range facts.IgnoreByABIPlatform {
		names = append(names, list...)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	vc := full(facts.VCRedistRegex)
	ignore := map[*regexp.Regexp]string{}
	for _, re := range facts.IgnoreRegexes {
		class, ok := classOf[re]
		if !ok {
			t.Fatalf("the facts have a new ignore regex %q: give it a class", re)
		}
		ignore[full(re)] = class
	}
	for _, name := range names {
		want := ""
		for re, class := range ignore {
			if re.MatchString(name) {
				want = class
			}
		}
		if strings.HasPrefix(name, "ext-ms-") {
			want = "api-set"
		}
		if got, _ := WindowsNeverBundled(name); got != want {
			t.Errorf("WindowsNeverBundled(%q) = %q, delvewheel's regexes say %q", name, got, want)
		}
		if got, want := WindowsVCRedist(name), vc.MatchString(name); got != want {
			t.Errorf("WindowsVCRedist(%q) = %v, delvewheel's regex says %v", name, got, want)
		}
	}

	// Interpreter runtimes on a sample of ABI tags; in the facts no tag may
	// match two rules, since the data cannot keep delvewheel's order.
	var abis []string
	for minor := 0; minor <= 120; minor++ {
		for _, suffix := range []string{"", "m", "mu", "d", "dm", "t", "td"} {
			abis = append(abis, fmt.Sprintf("cp2%d%s", minor, suffix), fmt.Sprintf("cp3%d%s", minor, suffix))
		}
	}
	for v := 20; v <= 120; v++ {
		abis = append(abis, fmt.Sprintf("pypy%d_pp73", v), fmt.Sprintf("pypy%d_pp72", v))
	}
	for py := 300; py <= 400; py++ {
		abis = append(abis, fmt.Sprintf("graalpy240_%d_native", py), fmt.Sprintf("graalpy0_%d_native", py))
	}
	abis = append(abis, "pypy_41", "pypy_73", "abi3", "none")
	rules := map[*regexp.Regexp][]string{}
	for re, dlls := range facts.IgnoreByABIPlatform {
		rules[full(re)] = slices.Sorted(slices.Values(dlls))
	}
	matched := 0
	for _, abi := range abis {
		for _, plat := range []string{"win32", "win_amd64", "win_arm64"} {
			var want []string
			hits := 0
			for re, dlls := range rules {
				if re.MatchString(abi + "-" + plat) {
					hits++
					want = dlls
				}
			}
			if hits > 1 {
				t.Errorf("%s-%s matches %d of the facts' rules", abi, plat, hits)
			}
			if hits == 1 {
				matched++
			}
			got, ok := WindowsInterpreterRuntime(abi, plat)
			if !slices.Equal(got, want) || ok != (hits > 0) {
				t.Errorf("WindowsInterpreterRuntime(%q, %q) = %q, %v; the facts say %q", abi, plat, got, ok, want)
			}
		}
	}
	if matched < 100 {
		t.Errorf("only %d sample tags match a rule: the sample is too small", matched)
	}
}
