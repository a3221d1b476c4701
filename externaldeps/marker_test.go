package externaldeps

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"testing"
)

// linuxEnv is a CPython 3.11.4 on x86_64 Linux, as packaging's
// default_environment() gives it.
var linuxEnv = map[string]string{
	"python_version":                 "3.11",
	"python_full_version":            "3.11.4",
	"os_name":                        "posix",
	"sys_platform":                   "linux",
	"platform_release":               "6.1.0-18-amd64",
	"platform_system":                "Linux",
	"platform_version":               "#1 SMP",
	"platform_machine":               "x86_64",
	"platform_python_implementation": "CPython",
	"implementation_name":            "cpython",
	"implementation_version":         "3.11.4",
	"extra":                          "",
}

// TestMarkerEvaluate checks evaluation against what packaging 26.3's
// Marker(...).evaluate(linuxEnv) answered (and its canonical str()).
func TestMarkerEvaluate(t *testing.T) {
	tests := []struct {
		marker, canonical string
		want              bool
	}{
		{`python_version >= "3.8"`, `python_version >= "3.8"`, true},
		{`python_version < "3.8"`, `python_version < "3.8"`, false},
		{`python_version > "3.11"`, `python_version > "3.11"`, false},
		{`python_version == "3.*"`, `python_version == "3.*"`, true},
		{`python_version ~= "3.10"`, `python_version ~= "3.10"`, true},
		{`python_version === "3.11"`, `python_version === "3.11"`, true},
		{`python_full_version < "3.11.4"`, `python_full_version < "3.11.4"`, false},
		{`python_full_version <= "3.11"`, `python_full_version <= "3.11"`, false},
		{`python_version > "3.11.0"`, `python_version > "3.11.0"`, false},
		{`"3.8" < python_version`, `"3.8" < python_version`, true},
		{`os_name == "posix"`, `os_name == "posix"`, true},
		{`os_name >= "posix"`, `os_name >= "posix"`, true},
		{`os_name < "z"`, `os_name < "z"`, false},
		{`'linux' in sys_platform`, `"linux" in sys_platform`, true},
		{`'lin' not in sys_platform`, `"lin" not in sys_platform`, false},
		{`sys_platform in "linux2"`, `sys_platform in "linux2"`, true},
		{`platform_release >= "6.1"`, `platform_release >= "6.1"`, false},
		{`platform_release > "5"`, `platform_release > "5"`, false},
		{`platform_release == "6.1.0-18-amd64"`, `platform_release == "6.1.0-18-amd64"`, true},
		{`python_version == "foo"`, `python_version == "foo"`, false},
		{`python_version in "3.11 3.12"`, `python_version in "3.11 3.12"`, true},
		{`python_version != "3.11"`, `python_version != "3.11"`, false},
		{`os_name == "posix" and (python_version < "3" or sys_platform == "linux")`, `os_name == "posix" and (python_version < "3" or sys_platform == "linux")`, true},
		{`platform_machine == "x86_64" or platform_machine == "aarch64" and os_name == "nt"`, `platform_machine == "x86_64" or platform_machine == "aarch64" and os_name == "nt"`, true},
		{`python_version >= "3.11.0a1"`, `python_version >= "3.11.0a1"`, true},
		{`python_full_version > "3.11.4"`, `python_full_version > "3.11.4"`, false},
		{`python_full_version >= "3.11.4rc1"`, `python_full_version >= "3.11.4rc1"`, true},
		{`os.name == "posix"`, `os_name == "posix"`, true},
		{`python_implementation == "CPython"`, `platform_python_implementation == "CPython"`, true},
		{`os_name=="posix"and os_name=="posix"`, `os_name == "posix" and os_name == "posix"`, true},
		{`((os_name == "nt"))`, `os_name == "nt"`, false},
		{`os_name == "nt" or (sys_platform == "win32" or platform_system == "Linux")`, `os_name == "nt" or sys_platform == "win32" or platform_system == "Linux"`, true},
		{`platform_version == 'has "quotes"'`, `platform_version == 'has "quotes"'`, false},
		{"\tos_name\t==\t'posix'  ", `os_name == "posix"`, true},
		{`extra == ""`, `extra == ""`, true},
	}
	for _, tt := range tests {
		m, err := ParseMarker(tt.marker)
		if err != nil {
			t.Errorf("ParseMarker(%q): %v", tt.marker, err)
			continue
		}
		if got := m.String(); got != tt.canonical {
			t.Errorf("ParseMarker(%q).String() = %q, want %q", tt.marker, got, tt.canonical)
		}
		got, err := m.Evaluate(linuxEnv)
		if err != nil || got != tt.want {
			t.Errorf("ParseMarker(%q).Evaluate = %v, %v; want %v", tt.marker, got, err, tt.want)
		}
	}
}

func TestMarkerEvaluateExtra(t *testing.T) {
	m, err := ParseMarker(`extra == "Foo_Bar" and python_version >= "3"`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.String(), `extra == "foo-bar" and python_version >= "3"`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := m.Extras(); !slices.Equal(got, []string{"foo-bar"}) {
		t.Errorf("Extras() = %q", got)
	}
	if got := m.Variables(); !slices.Equal(got, []string{"extra", "python_version"}) {
		t.Errorf("Variables() = %q", got)
	}
	for extra, want := range map[string]bool{"foo.bar": true, "FOO-BAR": true, "foo": false, "": false} {
		env := map[string]string{"extra": extra, "python_version": "3.12"}
		if got, err := m.Evaluate(env); err != nil || got != want {
			t.Errorf("Evaluate(extra=%q) = %v, %v; want %v", extra, got, err, want)
		}
	}
	sets, err := ParseMarker(`"Docs" in extras and "test" not in dependency_groups`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		extras, groups string
		want           bool
	}{
		{"docs", "", true},
		{"pdf, DOCS", "lint", true},
		{"pdf", "", false},
		{"docs", "dev,test", false},
	} {
		got, err := sets.Evaluate(map[string]string{"extras": tt.extras, "dependency_groups": tt.groups})
		if err != nil || got != tt.want {
			t.Errorf("Evaluate(extras=%q, groups=%q) = %v, %v; want %v", tt.extras, tt.groups, got, err, tt.want)
		}
	}
}

func TestMarkerEvaluateErrors(t *testing.T) {
	tests := []struct{ marker, env, want string }{
		{`os_name ~= "posix"`, "", `"posix" ~= "posix" is undefined`},
		{`python_version ~= "3"`, "", `~= only compares versions`},
		{`os_name === "posix"`, "", `=== only compares versions`},
		{`extra == "docs"`, "no-extra", "marker variable extra is not defined"},
		{`extras == "docs"`, "", "is a set"},
	}
	for _, tt := range tests {
		m, err := ParseMarker(tt.marker)
		if err != nil {
			t.Fatalf("ParseMarker(%q): %v", tt.marker, err)
		}
		env := map[string]string{"os_name": "posix", "python_version": "3.11", "extras": "docs"}
		if tt.env != "no-extra" {
			env["extra"] = ""
		}
		_, err = m.Evaluate(env)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Evaluate(%q) error = %v, want it to contain %q", tt.marker, err, tt.want)
		}
	}
}

func TestParseMarkerErrors(t *testing.T) {
	tests := []struct {
		marker string
		col    int
		want   string
	}{
		{`python_version <> "3"`, 17, `expected a marker variable or a quoted string, found the operator >`},
		{`"a" == "b"`, 5, "both sides of == are quoted strings"},
		{`os_name == os_name`, 9, "both sides of == are variables"},
		{`foo == "x"`, 1, `unknown marker variable "foo"`},
		{`os_name == "posix" and`, 23, "found the end of the marker"},
		{`(os_name == "posix"`, 1, "'(' is never closed"},
		{`os_name == "posix" or or`, 23, `found "or"`},
		{`os_name = "posix"`, 9, `unknown operator "="`},
		{`os_name == "posix`, 12, "unterminated string"},
		{`os_name not "x"`, 13, "expected 'in' after 'not'"},
		{`os_name == "x" os_name`, 16, "expected 'and', 'or' or the end"},
		{`os_name == "x")`, 15, "expected 'and', 'or' or the end"},
		{``, 1, "expected a marker variable or a quoted string, found the end"},
		{`os_name == "é" and ö`, 21, `unexpected character 'ö'`},
		{strings.Repeat("(", 65) + `os_name == "x"` + strings.Repeat(")", 65), 65, "nested more than 64 deep"},
	}
	for _, tt := range tests {
		_, err := ParseMarker(tt.marker)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseMarker(%q) error = %v, want a *SyntaxError", tt.marker, err)
			continue
		}
		if se.Offset+1 != tt.col || !strings.Contains(se.Msg, tt.want) {
			t.Errorf("ParseMarker(%q) = column %d %q, want column %d %q", tt.marker, se.Offset+1, se.Msg, tt.col, tt.want)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"Foo_Bar": "foo-bar", "foo.-_bar": "foo-bar", "FOO": "foo", "a--b__c..d": "a-b-c-d", "-x-": "-x-",
	} {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestVersionOrder checks the ordering example of the version specifiers
// specification, each version sorting before the next.
func TestVersionOrder(t *testing.T) {
	order := []string{"1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456",
		"1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5",
		"1.0+abc.7", "1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1"}
	var vs []pep440
	for _, s := range order {
		v, ok := parseVersion(s)
		if !ok {
			t.Fatalf("parseVersion(%q) failed", s)
		}
		vs = append(vs, v)
	}
	for i := range vs {
		for j := range vs {
			if got, want := compareVersions(vs[i], vs[j]), cmp.Compare(i, j); got != want {
				t.Errorf("compare(%s, %s) = %d, want %d", order[i], order[j], got, want)
			}
		}
	}
	equal := [][2]string{{"1.0", "1.0.0"}, {"01.00", "1"}, {"1.0alpha1", "1.0a1"}, {"1.0-1", "1.0.post1"},
		{"1.0c1", "1.0rc1"}, {"v1.0", "1.0"}, {"0!1.0", "1.0"}, {"1.0.DEV", "1.0.dev0"},
		{"99999999999999999999999.0", "99999999999999999999999"}}
	for _, p := range equal {
		a, ok1 := parseVersion(p[0])
		b, ok2 := parseVersion(p[1])
		if !ok1 || !ok2 || compareVersions(a, b) != 0 {
			t.Errorf("%s and %s should be equal versions", p[0], p[1])
		}
	}
	for _, bad := range []string{"", "1.x", "abc", "1.0+", "1..0", "1.0-", ".1"} {
		if _, ok := parseVersion(bad); ok {
			t.Errorf("parseVersion(%q) succeeded", bad)
		}
	}
}

// TestSpecifierContains checks specifiers against what packaging 26.3's
// Specifier(spec).contains(v, prereleases=True) answered for each version.
func TestSpecifierContains(t *testing.T) {
	versions := []string{"1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0b2.post345", "1.0rc1", "1.0", "1.0.0",
		"1.0+abc.5", "1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1", "1.1", "2!0.5", "0.9",
		"1!1.0", "1.0.0.0.1", "01.00"}
	tests := []struct{ spec, want string }{
		{"==1.0", "0000011110000000001"},
		{"==1.0.*", "1111111111110000011"},
		{"!=1.0", "1111100001111111110"},
		{"!=1.0.*", "0000000000001111100"},
		{"==1.0+abc.5", "0000000100000000000"},
		{"<1.0", "0000000000000001000"},
		{"<=1.0", "1111111110000001001"},
		{">1.0", "0000000000011110110"},
		{">=1.0", "0000011111111110111"},
		{"~=1.0", "0000011111111100011"},
		{"~=1.0.0", "0000011111110000011"},
		{"<1.0rc1", "1111000000000001000"},
		{">1.0.post456", "0000000000011110110"},
		{"<2!0", "1111111111111101111"},
		{"===1.0", "0000010000000000000"},
		{"==1.*", "1111111111111100011"},
		{">1.0.post1", "0000000001111110110"},
		{">=1.0a1", "0111111111111110111"},
		{"<1.1", "1111111111110001011"},
	}
	for _, tt := range tests {
		sp, err := parseSpecifier(tt.spec)
		if err != nil {
			t.Errorf("parseSpecifier(%q): %v", tt.spec, err)
			continue
		}
		var got strings.Builder
		for _, v := range versions {
			if sp.containsString(v) {
				got.WriteByte('1')
			} else {
				got.WriteByte('0')
			}
		}
		if got.String() != tt.want {
			t.Errorf("%s: got %s, want %s (versions %q)", tt.spec, got.String(), tt.want, versions)
		}
	}
	for spec, valid := range map[string]bool{"==1.0.*.1": false, "~=1": false, "<1.0+local": false, "==1.0a1.*": false,
		">=1.*": false, "=1": false, "1.0": false, ">= 1.0": true, "== 1.0.*": true, "===": false, "==": false} {
		if _, err := parseSpecifier(spec); (err == nil) != valid {
			t.Errorf("parseSpecifier(%q) error = %v, want valid=%v", spec, err, valid)
		}
	}
}

// FuzzMarker checks that a marker that parses round-trips through its
// canonical text, that errors carry an offset inside the input, and that
// evaluation never panics.
func FuzzMarker(f *testing.F) {
	for _, s := range []string{
		`python_version >= "3.8"`, `os_name == "posix" and (python_version < "3" or sys_platform == "linux")`,
		`'linux' in sys_platform`, `extra == "Foo_Bar"`, `"docs" in extras`, `python_full_version ~= "3.11.0"`,
		`platform_release >= "6.1"`, `python_version === "3.11"`, `os.name == 'nt' or platform.machine != "x"`,
		`python_version == "3.*" and implementation_version > "3.11.0a1+local.7"`, `((os_name == "nt"))`,
	} {
		f.Add(s)
	}
	env := map[string]string{"extras": "docs,test", "dependency_groups": "dev"}
	for k, v := range linuxEnv {
		env[k] = v
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMarker(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(s) || se.Input != s {
				t.Fatalf("ParseMarker(%q): %#v", s, err)
			}
			return
		}
		text := m.String()
		m2, err := ParseMarker(text)
		if err != nil || m2.String() != text {
			t.Fatalf("ParseMarker(%q).String() = %q, which reparses to %v, %v", s, text, m2, err)
		}
		got, err1 := m.Evaluate(env)
		got2, err2 := m2.Evaluate(env)
		if got != got2 || (err1 == nil) != (err2 == nil) {
			t.Fatalf("%q and its canonical form %q evaluate differently: %v %v, %v %v", s, text, got, err1, got2, err2)
		}
		m.Extras()
		m.Variables()
	})
}
