package debian

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseRelations(t *testing.T) {
	v := func(s string) Version { return mustVersion(t, s) }
	tests := []struct {
		in    string
		want  []Dependency
		canon string
	}{
		{"libc6 (>= 2.14)", []Dependency{{{Name: "libc6", Op: OpGreaterEqual, Version: v("2.14")}}}, "libc6 (>= 2.14)"},
		{
			"libxml2 (<< 2.7.6.dfsg-2), texlive-binaries (<< 2009-12)",
			[]Dependency{
				{{Name: "libxml2", Op: OpLess, Version: v("2.7.6.dfsg-2")}},
				{{Name: "texlive-binaries", Op: OpLess, Version: v("2009-12")}},
			},
			"libxml2 (<< 2.7.6.dfsg-2), texlive-binaries (<< 2009-12)",
		},
		{
			"debconf (>= 0.5) | debconf-2.0, python3:any",
			[]Dependency{
				{{Name: "debconf", Op: OpGreaterEqual, Version: v("0.5")}, {Name: "debconf-2.0"}},
				{{Name: "python3", Arch: "any"}},
			},
			"debconf (>= 0.5) | debconf-2.0, python3:any",
		},
		{
			"foo:amd64(=1:2.0-1)[amd64 !i386]<!nocheck> < stage1 cross >",
			[]Dependency{{{Name: "foo", Arch: "amd64", Op: OpEqual, Version: v("1:2.0-1"), Arches: []string{"amd64", "!i386"}, Profiles: []string{"!nocheck", "stage1 cross"}}}},
			"foo:amd64 (= 1:2.0-1) [amd64 !i386] <!nocheck> <stage1 cross>",
		},
		// Obsolete operators and a bare version, read as dpkg reads them.
		{"a (< 1), b (> 2), c (3)", []Dependency{
			{{Name: "a", Op: OpLessEqual, Version: v("1")}},
			{{Name: "b", Op: OpGreaterEqual, Version: v("2")}},
			{{Name: "c", Op: OpEqual, Version: v("3")}},
		}, "a (<= 1), b (>= 2), c (= 3)"},
		// Folded over lines, with empty elements and a trailing comma.
		{"a,\n b (>>\n 1.0~rc1),\n\t, c,", []Dependency{
			{{Name: "a"}},
			{{Name: "b", Op: OpGreater, Version: v("1.0~rc1")}},
			{{Name: "c"}},
		}, "a, b (>> 1.0~rc1), c"},
		{"  ", nil, ""},
		{"g++-12 (<= 12.2.0-14), libstdc++6", []Dependency{
			{{Name: "g++-12", Op: OpLessEqual, Version: v("12.2.0-14")}},
			{{Name: "libstdc++6"}},
		}, "g++-12 (<= 12.2.0-14), libstdc++6"},
	}
	for _, tt := range tests {
		got, err := ParseRelations(tt.in)
		if err != nil {
			t.Errorf("ParseRelations(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseRelations(%q)\ngot  %#v\nwant %#v", tt.in, got, tt.want)
		}
		if s := FormatRelations(got); s != tt.canon {
			t.Errorf("FormatRelations(ParseRelations(%q)) = %q, want %q", tt.in, s, tt.canon)
		}
	}
}

func TestParseRelationsErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"a |", "empty alternative"},
		{"a | | b", "empty alternative"},
		{"(>= 1)", "missing package name"},
		{"a (>= )", "has no version"},
		{"a (>= 1", "unterminated version constraint"},
		{"a [amd64", "unterminated architecture restriction"},
		{"a []", "empty architecture restriction"},
		{"a [am_d64]", "architecture restriction"},
		{"a <>", "bad build profile"},
		{"a <x", "unterminated build profile"},
		{"a b", `unexpected "b"`},
		{"a (>= 1) (<< 2)", "unexpected"},
		{"-a", "must start with a letter or digit"},
		{"a/b", "only letters, digits"},
		{"a:", "empty architecture name"},
		{"a:am_d64", "architecture qualifier"},
		{"a (>= 1_0)", "invalid character '_'"},
		{"a (==1)", "invalid character '='"},
		{"${shlibs:Depends}", "must start with a letter or digit"},
	}
	for _, tt := range tests {
		_, err := ParseRelations(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseRelations(%q) error %v, want one containing %q", tt.in, err, tt.msg)
		}
	}
}

func TestSatisfiedBy(t *testing.T) {
	tests := []struct {
		rel, version string
		want         bool
	}{
		{"a", "0", true},
		{"a (>= 1:1.2.3.3.dfsg-1)", "1:1.2.13.dfsg-1", true},
		{"a (>= 1:1.2.3.3.dfsg-1)", "1.2.13.dfsg-1", false},
		{"a (>> 2.36)", "2.36-9+deb12u4", true},
		{"a (<< 2.37)", "2.36-9+deb12u4", true},
		{"a (<< 2.36)", "2.36~rc1", true},
		{"a (<< 2.36)", "2.36", false},
		{"a (<= 2.36)", "2.36", true},
		{"a (= 1.0)", "1.0-0", true},
		{"a (= 1.0)", "1.0-1", false},
		{"a (>> 1.0)", "1.0", false},
	}
	for _, tt := range tests {
		deps, err := ParseRelations(tt.rel)
		if err != nil {
			t.Fatal(err)
		}
		if got := deps[0][0].SatisfiedBy(mustVersion(t, tt.version)); got != tt.want {
			t.Errorf("%q satisfied by %s: %v, want %v", tt.rel, tt.version, got, tt.want)
		}
	}
}
