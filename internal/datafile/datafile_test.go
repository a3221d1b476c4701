package datafile

import (
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	data := "# comment\n\n  fmt 1  \nkey a  b\n\t# indented comment\nother\tx y   z \n"
	lines, err := Lines("f", []byte(data), "fmt 1")
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[0].Num != 4 || lines[1].Num != 6 {
		t.Fatalf("lines %+v", lines)
	}
	for _, tt := range []struct {
		l    Line
		n    int
		want string
	}{
		{lines[0], 0, "key a  b"},
		{lines[0], 1, "a  b"},
		{lines[0], 2, "b"},
		{lines[0], 3, ""},
		{lines[0], 9, ""},
		{lines[1], 2, "y   z"},
	} {
		if got := tt.l.Rest(tt.n); got != tt.want {
			t.Errorf("line %d rest(%d) = %q, want %q", tt.l.Num, tt.n, got, tt.want)
		}
	}
	if err := lines[1].Errorf("f", "bad %s", "x"); err.Error() != "f:6: bad x" {
		t.Errorf("errorf: %v", err)
	}

	for _, bad := range []struct{ data, want string }{
		{"", `f:1: no format line "fmt 1"`},
		{"# only comments\n", `f:1: no format line "fmt 1"`},
		{"\nfmt 2\n", `f:2: unsupported format version 2 (this libvet reads "fmt 1")`},
		{"key a\nfmt 1\n", `f:1: want the format line "fmt 1" first, got "key a"`},
	} {
		if _, err := Lines("f", []byte(bad.data), "fmt 1"); err == nil || err.Error() != bad.want {
			t.Errorf("Lines(%q): %v, want %s", bad.data, err, bad.want)
		}
	}
}

func TestMust(t *testing.T) {
	if got := Must("pkg", 3, nil); got != 3 {
		t.Errorf("Must = %d", got)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "pkg: embedded data: f:1: x") {
			t.Errorf("panic %v", r)
		}
	}()
	Must("pkg", 0, &Error{File: "f", Line: 1, Msg: "x"})
}
