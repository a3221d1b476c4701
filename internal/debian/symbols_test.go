package debian

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// symbolsFile has the shapes of deb-symbols(5): a plain library (from
// zlib1g's file on Debian 12), and one with an alternative template, a
// field and a symbol that uses the alternative (from libc6's).
const symbolsFile = `libz.so.1 zlib1g #MINVER#
 ZLIB_1.2.0@ZLIB_1.2.0 1:1.2.0
 ZLIB_1.2.9@ZLIB_1.2.9 1:1.2.11.dfsg
 adler32@Base 1:1.1.4
 adler32_z@ZLIB_1.2.9 1:1.2.11.dfsg
 compressBound@ZLIB_1.2.0 1:1.2.0
 inflateCodesUsed@ZLIB_1.2.9 1:1.2.9
# a comment

libc.so.6 libc6 #MINVER#
| libc6 (>> 2.36), libc6 (<< 2.37)
* Build-Depends-Package: libc-dev
 GLIBC_2.2.5@GLIBC_2.2.5 2.2.5
 GLIBC_PRIVATE@GLIBC_PRIVATE 0 1
 __libc_enable_secure@GLIBC_PRIVATE 0 1
`

func TestParseSymbols(t *testing.T) {
	libs, err := ParseSymbols(strings.NewReader(symbolsFile), "test.symbols")
	if err != nil {
		t.Fatal(err)
	}
	if len(libs) != 2 {
		t.Fatalf("%d libraries, want 2", len(libs))
	}
	z, c := &libs[0], &libs[1]
	if z.Soname != "libz.so.1" || !reflect.DeepEqual(z.Templates, []string{"zlib1g #MINVER#"}) || z.Line != 1 || len(z.Symbols) != 6 {
		t.Errorf("libz entry %+v", z)
	}
	if got, want := z.Symbols[2], (Symbol{Name: "adler32", Version: "Base", MinVersion: mustVersion(t, "1:1.1.4")}); got != want {
		t.Errorf("symbol %+v, want %+v", got, want)
	}
	wantMin := map[string]string{"ZLIB_1.2.0": "1:1.2.0", "ZLIB_1.2.9": "1:1.2.9", "Base": "1:1.1.4"}
	min := z.MinVersions()
	if len(min) != len(wantMin) {
		t.Errorf("MinVersions = %v", min)
	}
	for node, want := range wantMin {
		if got := min[node].String(); got != want {
			t.Errorf("MinVersions()[%s] = %s, want %s", node, got, want)
		}
	}
	if c.Soname != "libc.so.6" || len(c.Templates) != 2 || len(c.Fields) != 1 || c.Fields[0] != (Field{"Build-Depends-Package", "libc-dev", 12}) {
		t.Errorf("libc entry %+v", c)
	}
	if s := c.Symbols[1]; s.Name != "GLIBC_PRIVATE" || s.Template != 1 || s.MinVersion.String() != "0" {
		t.Errorf("GLIBC_PRIVATE symbol %+v", s)
	}

	deps := []struct {
		lib      *SymbolsLib
		template int
		minver   string
		want     string
	}{
		{z, 0, "1:1.2.9", "zlib1g (>= 1:1.2.9)"},
		{z, 0, "", "zlib1g"},
		{c, 1, "0", "libc6 (>= 0), libc6 (>> 2.36), libc6 (<< 2.37)"},
	}
	for _, tt := range deps {
		got, err := tt.lib.Depends(tt.template, tt.minver)
		if err != nil || FormatRelations(got) != tt.want {
			t.Errorf("%s Depends(%d, %q) = %q, %v, want %q", tt.lib.Soname, tt.template, tt.minver, FormatRelations(got), err, tt.want)
		}
	}
	if _, err := z.Depends(1, ""); err == nil {
		t.Error("Depends with an undefined template succeeded")
	}
}

func TestParseSymbolsErrors(t *testing.T) {
	tests := []struct {
		in   string
		line int
		msg  string
	}{
		{" foo@Base 1.0\n", 1, "symbol line before the first library line"},
		{"| alt\n", 1, "alternative dependency template before"},
		{"* Field: x\n", 1, "field line before"},
		{"libfoo.so.1\n", 1, "has no dependency template"},
		{"libfoo.so.1 libfoo1 (>= \n", 1, "dependency template"},
		{"libfoo.so.1 libfoo1\n| \n", 2, "empty dependency template"},
		{"libfoo.so.1 libfoo1\n*: x\n", 2, "is not \"* Name: value\""},
		{"libfoo.so.1 libfoo1\n foo 1.0\n", 2, "is not name@version"},
		{"libfoo.so.1 libfoo1\n foo@ 1.0\n", 2, "is not name@version"},
		{"libfoo.so.1 libfoo1\n foo@Base\n", 2, "is not \" name@version"},
		{"libfoo.so.1 libfoo1\n foo@Base 1.0 1 x\n", 2, "is not \" name@version"},
		{"libfoo.so.1 libfoo1\n foo@Base 1_0\n", 2, "minimal version"},
		{"libfoo.so.1 libfoo1\n foo@Base 1.0 1\n", 2, "does not name an alternative template"},
		{"libfoo.so.1 libfoo1\n foo@Base 1.0 +1\n", 2, "does not name an alternative template"},
		{"libfoo.so.1 libfoo1\n (c++)foo()@Base 1.0\n", 2, "template syntax"},
	}
	for _, tt := range tests {
		_, err := ParseSymbols(strings.NewReader(tt.in), "f")
		var se *SyntaxError
		if !errors.As(err, &se) || se.Line != tt.line || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("ParseSymbols(%q): error %v, want line %d containing %q", tt.in, err, tt.line, tt.msg)
		}
	}
	// A bad symbol line does not hide the rest of the library.
	libs, err := ParseSymbols(strings.NewReader("libfoo.so.1 libfoo1 #MINVER#\n bad\n good@Base 1\n"), "f")
	if err == nil || len(libs) != 1 || len(libs[0].Symbols) != 1 {
		t.Errorf("got %+v, %v; want the good symbol and an error", libs, err)
	}
}
