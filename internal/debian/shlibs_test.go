package debian

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSplitSoname(t *testing.T) {
	tests := []struct {
		soname, lib, ver string
		ok               bool
	}{
		{"libz.so.1", "libz", "1", true},
		{"libfoo.so.1.2.3", "libfoo", "1.2.3", true},
		{"ld-linux-x86-64.so.2", "ld-linux-x86-64", "2", true},
		{"libatk-bridge-2.0.so.0", "libatk-bridge-2.0", "0", true},
		{"libpython3.11.so.1.0", "libpython3.11", "1.0", true},
		{"a.so.b.so.c", "a.so.b", "c", true},
		{"libfoo-1.2.so", "libfoo", "1.2", true},
		{"libfoo-1.2-3.so", "libfoo-1.2", "3", true},
		{"libfoo-1-x.so", "libfoo", "1-x", true},
		{"libfoo-bar.so", "", "", false},
		{"libfoo.so", "", "", false},
		{"libfoo.dll", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		lib, ver, ok := SplitSoname(tt.soname)
		if lib != tt.lib || ver != tt.ver || ok != tt.ok {
			t.Errorf("SplitSoname(%q) = %q, %q, %v, want %q, %q, %v", tt.soname, lib, ver, ok, tt.lib, tt.ver, tt.ok)
		}
	}
}

func TestParseShlibs(t *testing.T) {
	// zlib1g's shlibs file on Debian 12, plus a comment, a blank line
	// and a library without dependencies.
	in := "# comment\nlibz 1 zlib1g (>= 1:1.2.3.3.dfsg-1)\nudeb: libz 1 zlib1g-udeb (>= 1:1.2.3.3.dfsg-1)\n\n" +
		"ld-linux-x86-64 2 libc6 (>= 2.36)\nlibnodeps 0\n"
	got, err := ParseShlibs(strings.NewReader(in), "zlib1g:amd64.shlibs")
	if err != nil {
		t.Fatal(err)
	}
	v := func(s string) Version { return mustVersion(t, s) }
	want := []Shlib{
		{Library: "libz", Version: "1", Depends: []Dependency{{{Name: "zlib1g", Op: OpGreaterEqual, Version: v("1:1.2.3.3.dfsg-1")}}}, Line: 2},
		{Type: "udeb", Library: "libz", Version: "1", Depends: []Dependency{{{Name: "zlib1g-udeb", Op: OpGreaterEqual, Version: v("1:1.2.3.3.dfsg-1")}}}, Line: 3},
		{Library: "ld-linux-x86-64", Version: "2", Depends: []Dependency{{{Name: "libc6", Op: OpGreaterEqual, Version: v("2.36")}}}, Line: 5},
		{Library: "libnodeps", Version: "0", Line: 6},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
	if !got[0].Matches("libz.so.1") || got[0].Matches("libz.so.2") || !got[2].Matches("ld-linux-x86-64.so.2") {
		t.Error("Matches is wrong")
	}
}

func TestParseShlibsErrors(t *testing.T) {
	in := "libz 1 zlib1g\nlibonly\nlibbad 1 zlib1g (>= 1\nlibok 2 ok\n"
	got, err := ParseShlibs(strings.NewReader(in), "x.shlibs")
	if len(got) != 2 || got[0].Library != "libz" || got[1].Library != "libok" {
		t.Errorf("good entries %+v, want libz and libok", got)
	}
	var se *SyntaxError
	if !errors.As(err, &se) || se.File != "x.shlibs" || se.Line != 2 {
		t.Fatalf("error %v, want a SyntaxError at x.shlibs:2", err)
	}
	for _, msg := range []string{`x.shlibs:2: line "libonly" is not`, "x.shlibs:3: dependencies: relation"} {
		if !strings.Contains(err.Error(), msg) {
			t.Errorf("error %q does not mention %q", err, msg)
		}
	}
	// At most maxLineErrors lines are reported.
	_, err = ParseShlibs(strings.NewReader(strings.Repeat("bad\n", 100)), "x")
	if n := strings.Count(err.Error(), "\n") + 1; n != maxLineErrors {
		t.Errorf("%d errors reported, want %d", n, maxLineErrors)
	}
}

// TestRealShlibsAndSymbols parses every shlibs and symbols file of this
// machine's dpkg database.
func TestRealShlibsAndSymbols(t *testing.T) {
	shlibs, _ := filepath.Glob("/var/lib/dpkg/info/*.shlibs")
	symbols, _ := filepath.Glob("/var/lib/dpkg/info/*.symbols")
	if len(shlibs)+len(symbols) == 0 {
		t.Skip("no shlibs or symbols files under /var/lib/dpkg/info on this machine")
	}
	nshlibs, nsyms := 0, 0
	for _, name := range shlibs {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := ParseShlibs(f, name)
		f.Close()
		if err != nil {
			t.Error(err)
		}
		nshlibs += len(entries)
	}
	for _, name := range symbols {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		libs, err := ParseSymbols(f, name)
		f.Close()
		if err != nil {
			t.Error(err)
		}
		for i := range libs {
			nsyms += len(libs[i].Symbols)
			for id := range libs[i].Templates {
				if _, err := libs[i].Depends(id, "1.0"); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
		}
	}
	t.Logf("%d shlibs files (%d entries), %d symbols files (%d symbols)", len(shlibs), nshlibs, len(symbols), nsyms)
}
