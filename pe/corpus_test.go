package pe

import (
	"bytes"
	"debug/pe"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/libvet/libvet/internal/corpustest"
)

// corpusDir holds real binaries from other projects' test suites. It is
// outside the repository and may be absent.
const corpusDir = "../../shared/corpus"

// corpusSubdirs are the parts of the corpus that hold Windows binaries.
var corpusSubdirs = []string{"delvewheel", "check-wheel-contents", "repairwheel"}

// corpusPE is one PE file from the corpus.
type corpusPE = corpustest.File

func isPEName(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".dll" || ext == ".pyd" || ext == ".exe"
}

// corpusPEs returns every .dll, .pyd and .exe in the corpus, standalone or
// inside a wheel, or skips the test when the corpus is absent.
func corpusPEs(tb testing.TB) []corpusPE {
	tb.Helper()
	out := corpustest.Files(tb, corpusDir, func(name string, _ []byte) bool { return isPEName(name) }, corpusSubdirs...)
	if len(out) == 0 {
		tb.Fatalf("no PE files under %s", corpusDir)
	}
	return out
}

// dllNames returns the DLL names of imps.
func dllNames(imps []Import) []string {
	var out []string
	for _, imp := range imps {
		out = append(out, imp.DLL)
	}
	return out
}

// TestCorpus decodes every corpus PE file and compares it with debug/pe:
// machine, PE32+, characteristics, subsystem, section table, and the
// by-name imports (debug/pe's ImportedSymbols, which leaves out ordinals
// and delay imports).
func TestCorpus(t *testing.T) {
	files := corpusPEs(t)
	machines := map[string]int{}
	for _, c := range files {
		f, err := NewFile(bytes.NewReader(c.Data), int64(len(c.Data)))
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		machines[f.MachineName]++
		std, err := pe.NewFile(bytes.NewReader(c.Data))
		if err != nil {
			t.Errorf("%s: debug/pe: %v", c.Name, err)
			continue
		}
		if f.Machine != std.Machine || f.Characteristics != std.Characteristics || len(f.Sections) != len(std.Sections) {
			t.Errorf("%s: machine %#x chars %#x %d sections; debug/pe %#x %#x %d", c.Name, f.Machine, f.Characteristics, len(f.Sections), std.Machine, std.Characteristics, len(std.Sections))
		}
		for i, s := range std.Sections {
			if i < len(f.Sections) && (f.Sections[i].VirtualAddress != s.VirtualAddress || f.Sections[i].Offset != s.Offset || f.Sections[i].Size != s.Size) {
				t.Errorf("%s: section %d %+v, debug/pe %+v", c.Name, i, f.Sections[i], s.SectionHeader)
			}
		}
		switch oh := std.OptionalHeader.(type) {
		case *pe.OptionalHeader64:
			if !f.Is64 || f.Subsystem != oh.Subsystem || f.ImageBase != oh.ImageBase || f.CheckSum != oh.CheckSum {
				t.Errorf("%s: PE32+ header mismatch", c.Name)
			}
		case *pe.OptionalHeader32:
			if f.Is64 || f.Subsystem != oh.Subsystem || f.ImageBase != uint64(oh.ImageBase) || f.CheckSum != oh.CheckSum {
				t.Errorf("%s: PE32 header mismatch", c.Name)
			}
		}
		syms, err := std.ImportedSymbols()
		if err != nil {
			t.Errorf("%s: debug/pe ImportedSymbols: %v", c.Name, err)
		}
		var mine []string
		for _, imp := range f.Imports {
			for _, fn := range imp.Functions {
				if !fn.ByOrdinal {
					mine = append(mine, fn.Name+":"+imp.DLL)
				}
			}
		}
		if !slices.Equal(mine, syms) {
			t.Errorf("%s: imported symbols\n%q\ndebug/pe\n%q", c.Name, mine, syms)
		}
		if len(f.Imports) == 0 {
			t.Errorf("%s: no imports", c.Name)
		}
		std.Close()
	}
	t.Logf("%d PE files: %v", len(files), machines)
}

// TestCorpusExpected checks what ../shared/corpus/EXPECTED.md and
// delvewheel's tests say about particular files.
func TestCorpusExpected(t *testing.T) {
	byName := map[string]corpusPE{}
	for _, c := range corpusPEs(t) {
		byName[c.Name] = c
	}
	crt := []string{"VCRUNTIME140.dll", "api-ms-win-crt-stdio-l1-1-0.dll", "api-ms-win-crt-runtime-l1-1-0.dll", "KERNEL32.dll"}
	const dw, simple = "delvewheel/tests/", "delvewheel/tests/simpleext/"
	for _, tc := range []struct {
		name       string
		machine    string
		is64       bool
		imports    []string // exact, in order; nil to skip
		has        []string // DLLs that must be among the imports
		delay      int      // number of delay imports
		delayPre   string   // prefix every delay import shares
		overlay    int64
		cert       int64
		dlf        uint16
		exportName string
	}{
		{name: simple + "x64/simpledll.dll", machine: "AMD64", is64: true, imports: crt, exportName: "simpledll.dll"},
		{name: simple + "x86/simpledll.dll", machine: "I386", imports: crt, exportName: "simpledll.dll"},
		{name: simple + "x64/DependentLoadFlags/simpledll.dll", machine: "AMD64", is64: true, imports: crt, dlf: 0x800},
		{name: simple + "x64/FixedAddress/simpledll.dll", machine: "AMD64", is64: true, imports: crt},
		{name: simple + "x64/msvcp140.dll", machine: "AMD64", is64: true, has: []string{"VCRUNTIME140.dll", "KERNEL32.dll"}, cert: 20560, exportName: "MSVCP140.dll"},
		{name: simple + "x64/old/msvcp140.dll", machine: "AMD64", is64: true, has: []string{"ole32.dll"}, cert: 20304},
		{name: simple + "x64/simpleexe.exe", machine: "AMD64", is64: true, has: []string{"simpledll.dll", "MSVCP140.dll", "VCRUNTIME140.dll", "VCRUNTIME140_1.dll", "KERNEL32.dll"}},
		{name: dw + "iknowpy/iKnowEngine.dll", machine: "AMD64", is64: true, has: []string{"iKnowBase.dll", "iKnowShell.dll", "iKnowCore.dll", "iKnowALI.dll", "MSVCP140.dll"}},
		{name: dw + "iknowpy/icuuc74.dll", machine: "AMD64", is64: true, has: []string{"icudt74.dll", "ADVAPI32.dll"}},
		{name: dw + "iknowpy/trailing_data_1/iKnowEngine.dll", machine: "AMD64", is64: true, overlay: 10},
		{name: dw + "iknowpy/trailing_data_2/iKnowCore.dll", machine: "AMD64", is64: true, overlay: 10},
		{name: "delvewheel/history/trailing_data_simpledll.dll", machine: "AMD64", is64: true, imports: crt, overlay: 10},
		{name: "delvewheel/history/delay_load_iKnowShell.dll", machine: "AMD64", is64: true, has: []string{"iKnowCore.dll", "iKnowBase.dll"}, delay: 22, delayPre: "iKnowModel"},
		{name: simple + "simpleext-0.0.1-cp312-cp312-win_amd64.whl!simpleext.cp312-win_amd64.pyd", machine: "AMD64", is64: true, has: []string{"simpledll.dll", "python312.dll", "KERNEL32.dll", "VCRUNTIME140.dll", "api-ms-win-crt-runtime-l1-1-0.dll"}},
		{name: simple + "simpleext-0.0.1-cp312-cp312-win32.whl!simpleext.cp312-win32.pyd", machine: "I386", has: []string{"python312.dll"}},
		{name: simple + "simpleext-0.0.1-cp36-abi3-win_amd64.whl!simpleext.pyd", machine: "AMD64", is64: true, has: []string{"python3.dll"}},
		{name: simple + "simpleext-0.0.1-cp312-abi3-win_amd64.whl!simpleext.pyd", machine: "AMD64", is64: true, has: []string{"python3.dll"}},
		{name: simple + "simpleext-0.0.1-cp313-cp313t-win_amd64.whl!simpleext.cp313t-win_amd64.pyd", machine: "AMD64", is64: true, has: []string{"python313t.dll"}},
		{name: simple + "simpleext-0.0.1-pp310-pypy310_pp73-win_amd64.whl!simpleext.pypy310-pp73-win_amd64.pyd", machine: "AMD64", is64: true, has: []string{"libpypy3.10-c.dll"}},
		{name: simple + "simpleext-0.0.1-0dlf-cp312-cp312-win_amd64.whl!simpleext.cp312-win_amd64.pyd", machine: "AMD64", is64: true, dlf: 0x800},
		{name: "repairwheel/tests/testwheel/cp36-abi3-win_amd64/testwheel-0.0.1-cp36-abi3-win_amd64.whl!testwheel/testwheel.pyd", machine: "AMD64", is64: true, has: []string{"python3.dll", "testdep.dll", "KERNEL32.dll", "msvcrt.dll"}},
		{name: "check-wheel-contents/test/data/wheels/bcrypt-3.1.7-cp38-cp38-win_amd64.whl!bcrypt/_bcrypt.cp38-win_amd64.pyd", machine: "AMD64", is64: true},
	} {
		c, ok := byName[tc.name]
		if !ok {
			var near []string
			for n := range byName {
				if strings.HasPrefix(n, strings.SplitN(tc.name, "!", 2)[0]) {
					near = append(near, n)
				}
			}
			t.Errorf("%s: not in the corpus (same file: %q)", tc.name, near)
			continue
		}
		f, err := NewFile(bytes.NewReader(c.Data), int64(len(c.Data)))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if f.MachineName != tc.machine || f.Is64 != tc.is64 || !f.DLL && !strings.HasSuffix(tc.name, ".exe") {
			t.Errorf("%s: machine %s is64 %v dll %v", tc.name, f.MachineName, f.Is64, f.DLL)
		}
		names := dllNames(f.Imports)
		if tc.imports != nil && !slices.Equal(names, tc.imports) {
			t.Errorf("%s: imports %q, want %q", tc.name, names, tc.imports)
		}
		for _, h := range tc.has {
			if !slices.Contains(names, h) {
				t.Errorf("%s: imports %q, want %s among them", tc.name, names, h)
			}
		}
		if len(f.DelayImports) != tc.delay {
			t.Errorf("%s: %d delay imports %q, want %d", tc.name, len(f.DelayImports), dllNames(f.DelayImports), tc.delay)
		}
		for _, d := range f.DelayImports {
			if !strings.HasPrefix(d.DLL, tc.delayPre) || len(d.Functions) == 0 {
				t.Errorf("%s: delay import %+v", tc.name, d)
			}
		}
		if f.OverlaySize != tc.overlay || f.CertificateSize != tc.cert || f.DependentLoadFlags != tc.dlf {
			t.Errorf("%s: overlay %d certificate %d DependentLoadFlags %#x; want %d %d %#x", tc.name, f.OverlaySize, f.CertificateSize, f.DependentLoadFlags, tc.overlay, tc.cert, tc.dlf)
		}
		if tc.exportName != "" && f.ExportName != tc.exportName {
			t.Errorf("%s: export name %q, want %q", tc.name, f.ExportName, tc.exportName)
		}
		if f.CLR {
			t.Errorf("%s: CLR set on a native DLL", tc.name)
		}
	}
}

// TestCorpusMPC2860 checks the I386 binaries in a wheel tagged pure.
func TestCorpusMPC2860(t *testing.T) {
	n := 0
	for _, c := range corpusPEs(t) {
		if !strings.Contains(c.Name, "MPC2860") {
			continue
		}
		n++
		f, err := NewFile(bytes.NewReader(c.Data), int64(len(c.Data)))
		if err != nil || f.MachineName != "I386" || f.Is64 {
			t.Errorf("%s: %v %+v", c.Name, err, f)
		}
	}
	if n == 0 {
		t.Error("no PE files in the MPC2860 wheel")
	}
}

// TestCorpusPrefixes decodes every prefix-truncated corpus file: always a
// clean error or a (partial) File, never a panic.
func TestCorpusTruncated(t *testing.T) {
	for _, c := range corpusPEs(t) {
		if len(c.Data) > 64<<10 {
			continue
		}
		for _, n := range []int{0, 2, 63, 64, 0x100, 0x200, 0x400, len(c.Data) / 2, len(c.Data) - 1} {
			if n > len(c.Data) {
				continue
			}
			_, err := NewFile(bytes.NewReader(c.Data[:n]), int64(n))
			var fe *FormatError
			if err != nil && (!errors.As(err, &fe) || fe.Msg == panicMsg) {
				t.Errorf("%s[:%d]: %v", c.Name, n, err)
			}
		}
	}
}
