package debian

import (
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParseControl(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Paragraph
	}{
		{
			name: "status stanzas",
			in: "Package: zlib1g\nStatus: install ok installed\nDepends: libc6 (>= 2.14)\n" +
				"Description: compression library - runtime\n zlib is a library\n .\n implementing deflate.\n" +
				"\n\n" +
				"Package: dash\nVersion: 0.5.12-2\n",
			want: []Paragraph{
				{Line: 1, Fields: []Field{
					{"Package", "zlib1g", 1},
					{"Status", "install ok installed", 2},
					{"Depends", "libc6 (>= 2.14)", 3},
					{"Description", "compression library - runtime\n zlib is a library\n .\n implementing deflate.", 4},
				}},
				{Line: 10, Fields: []Field{{"Package", "dash", 10}, {"Version", "0.5.12-2", 11}}},
			},
		},
		{
			name: "whitespace-only separator, CRLF, tabs, folded field",
			in:   "A:  x  \r\nB:\ta,\r\n\tb\r\n \t \r\nC:y\n",
			want: []Paragraph{
				{Line: 1, Fields: []Field{{"A", "x", 1}, {"B", "a,\n\tb", 2}}},
				{Line: 5, Fields: []Field{{"C", "y", 5}}},
			},
		},
		{
			name: "empty value and odd but legal names",
			in:   "X-Custom_Field.1: \nConffiles:\n /etc/a 0123\n /etc/b 4567\n",
			want: []Paragraph{{Line: 1, Fields: []Field{{"X-Custom_Field.1", "", 1}, {"Conffiles", "\n /etc/a 0123\n /etc/b 4567", 2}}}},
		},
		{name: "empty file", in: "", want: nil},
		{name: "only blank lines", in: "\n\n  \n", want: nil},
	}
	for _, tt := range tests {
		got, err := ParseControl([]byte(tt.in), "control")
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\ngot  %#v\nwant %#v", tt.name, got, tt.want)
		}
	}
}

func TestParseControlErrors(t *testing.T) {
	tests := []struct {
		in   string
		line int
		msg  string
	}{
		{" continued\n", 1, "does not follow a field"},
		{"A: 1\nB: 2\na: 3\n", 3, `duplicate field "a" (first on line 1)`},
		{"A: 1\nnot a field\n", 2, "is not a field"},
		{"# comment\nA: 1\n", 1, "comment lines are not allowed"},
		{"#A: 1\n", 1, "comment lines are not allowed"},
		{"-A: 1\n", 1, "starts with '-'"},
		{"A B: 1\n", 1, "only printable US-ASCII"},
		{": 1\n", 1, "empty field name"},
		{"A: 1\n\nB: 2\nB: 3\n", 4, "duplicate field"},
		{"A: " + strings.Repeat("x", MaxLineLength) + "\n", 1, "line longer than"},
	}
	for _, tt := range tests {
		_, err := ParseControl([]byte(tt.in), "f")
		var se *SyntaxError
		if !errors.As(err, &se) || se.Line != tt.line || !strings.Contains(se.Msg, tt.msg) || se.File != "f" {
			t.Errorf("ParseControl(%.40q): error %v, want line %d containing %q", tt.in, err, tt.line, tt.msg)
		}
	}
}

func TestReaderComments(t *testing.T) {
	in := "# debian/control\nSource: foo\n# between fields\nBuild-Depends: a,\n# between continuation lines\n b\n\n#\nPackage: foo\n"
	r := NewReader(strings.NewReader(in), "debian/control")
	r.Comments = true
	var got []Paragraph
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, *p)
	}
	want := []Paragraph{
		{Line: 2, Fields: []Field{{"Source", "foo", 2}, {"Build-Depends", "a,\n b", 4}}},
		{Line: 9, Fields: []Field{{"Package", "foo", 9}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
	// The error is sticky.
	r = NewReader(strings.NewReader(" x\nA: 1\n"), "f")
	_, err1 := r.Next()
	_, err2 := r.Next()
	if err1 == nil || err1 != err2 {
		t.Errorf("errors %v then %v, want the same error twice", err1, err2)
	}
}

func TestParagraphLookup(t *testing.T) {
	ps, err := ParseControl([]byte("Package: a\nMulti-Arch: same\n"), "f")
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	if got := p.Value("multi-arch"); got != "same" {
		t.Errorf("Value(multi-arch) = %q", got)
	}
	if f, ok := p.Field("PACKAGE"); !ok || f.Line != 1 {
		t.Errorf("Field(PACKAGE) = %+v, %v", f, ok)
	}
	if _, ok := p.Field("Version"); ok || p.Value("Version") != "" {
		t.Error("absent field found")
	}
}

// TestRealStatus parses this machine's dpkg status file: every
// paragraph, every version and every relationship field.
func TestRealStatus(t *testing.T) {
	data, err := os.ReadFile("/var/lib/dpkg/status")
	if err != nil {
		t.Skipf("no dpkg status file on this machine: %v", err)
	}
	ps, err := ParseControl(data, "/var/lib/dpkg/status")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) < 10 {
		t.Fatalf("only %d paragraphs", len(ps))
	}
	relations := []string{"Depends", "Pre-Depends", "Recommends", "Suggests", "Enhances", "Breaks", "Conflicts", "Replaces", "Provides", "Built-Using"}
	nrel := 0
	for _, p := range ps {
		if p.Value("Package") == "" {
			t.Errorf("paragraph at line %d has no Package", p.Line)
		}
		if v, ok := p.Field("Version"); ok {
			if _, err := ParseVersion(v.Value); err != nil {
				t.Errorf("line %d: %v", v.Line, err)
			}
		}
		for _, name := range relations {
			f, ok := p.Field(name)
			if !ok {
				continue
			}
			deps, err := ParseRelations(f.Value)
			if err != nil {
				t.Errorf("line %d: %s: %v", f.Line, name, err)
				continue
			}
			nrel += len(deps)
			// The canonical form parses back to the same relations.
			again, err := ParseRelations(FormatRelations(deps))
			if err != nil || !reflect.DeepEqual(again, deps) {
				t.Errorf("line %d: %s %q does not round-trip: %v", f.Line, name, FormatRelations(deps), err)
			}
		}
	}
	t.Logf("%d paragraphs, %d relations", len(ps), nrel)
}
