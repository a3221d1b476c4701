package externaldeps

import (
	"strings"
	"testing"
)

func TestDataLines(t *testing.T) {
	data := "# comment\n\n  fmt 1  \nkey a  b\n\t# indented comment\nother\tx y   z \n"
	lines, err := dataLines("f", []byte(data), "fmt 1")
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[0].num != 4 || lines[1].num != 6 {
		t.Fatalf("lines %+v", lines)
	}
	for _, tt := range []struct {
		l    dataLine
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
		if got := tt.l.rest(tt.n); got != tt.want {
			t.Errorf("line %d rest(%d) = %q, want %q", tt.l.num, tt.n, got, tt.want)
		}
	}
	if err := lines[1].errorf("f", "bad %s", "x"); err.Error() != "f:6: bad x" {
		t.Errorf("errorf: %v", err)
	}

	for _, bad := range []struct{ data, want string }{
		{"", `f:1: no format line "fmt 1"`},
		{"# only comments\n", `f:1: no format line "fmt 1"`},
		{"\nfmt 2\n", `f:2: unsupported format version 2 (this libvet reads "fmt 1")`},
		{"key a\nfmt 1\n", `f:1: want the format line "fmt 1" first, got "key a"`},
	} {
		if _, err := dataLines("f", []byte(bad.data), "fmt 1"); err == nil || err.Error() != bad.want {
			t.Errorf("dataLines(%q): %v, want %s", bad.data, err, bad.want)
		}
	}
}

func TestMustLoad(t *testing.T) {
	if got := mustLoad(3, nil); got != 3 {
		t.Errorf("mustLoad = %d", got)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "externaldeps: embedded data: f:1: x") {
			t.Errorf("panic %v", r)
		}
	}()
	mustLoad(0, &dataFileError{"f", 1, "x"})
}
