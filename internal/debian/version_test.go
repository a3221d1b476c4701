package debian

import (
	"fmt"
	"math/rand"
	"os/exec"
	"strings"
	"testing"
)

// compareTests are pairs whose order is easy to get wrong. The expected
// results are what `dpkg --compare-versions` (dpkg 1.21.22, Debian 12)
// says; TestCompareWithDpkg checks them again when dpkg is installed.
var compareTests = []struct {
	a, b string
	want int
}{
	{"1.0", "1.0", 0},
	{"1.0", "1.0-0", 0}, // no revision compares as "0"
	{"1.0~rc1", "1.0", -1},
	{"1.0~~", "1.0~~a", -1},
	{"1.0~~a", "1.0~", -1},
	{"1.0~", "1.0", -1},
	{"1.0", "1.0a", -1},
	{"1:0.1", "2.0", 1},
	{"0:1.0", "1.0", 0},
	{"1.0-1", "1.0-1ubuntu1", -1},
	{"1.0+dfsg", "1.0", 1},
	{"1.0.1", "1.0", 1},
	{"1.01", "1.1", 0},
	{"1.0a", "1.0b", -1},
	{"1.0a", "1.0+", -1}, // letters sort before other characters
	{"1.0.a", "1.0a", 1},
	{"2.36-9+deb12u4", "2.36-9+deb12u10", -1},
	{"1.2.13.dfsg-1", "1.2.13-1", 1},
	{"10", "9", 1},
	{"1~", "1", -1},
	{"1~~", "1~", -1},
	{"0~", "0", -1},
	{"1.0-1~bpo1", "1.0-1", -1},
	{"a", "1", 1},
	{"00000000000000000000001", "1", 0},
	{"100000000000000000000", "99999999999999999999", 1}, // no overflow
	{"1.0-a", "1.0-A", 1},
	{"2:0", "1:99", 1},
	{"1.2.3-4-5", "1.2.3-4.5", 1}, // the revision starts after the last '-'
	{"1:1.2.13.dfsg-1", "1:1.2.3.3.dfsg-1", 1},
	{"7.88.1-10+deb12u5", "7.88.1-10+deb12u12", -1},
	{"1.0-0.1", "1.0-0", 1},
	{"0.0", "0", 1},
	{"1.0+~", "1.0+", -1},
	{"2.0~beta1", "2.0~alpha2", 1},
	{"1.2.3", "1.2.3.0", -1},
	{"3.4.4-1", "3.4.4", 1},
	{"1:2.0", "1:2.0-0~", 1},
}

func mustVersion(t testing.TB, s string) Version {
	t.Helper()
	v, err := ParseVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCompare(t *testing.T) {
	for _, tt := range compareTests {
		a, b := mustVersion(t, tt.a), mustVersion(t, tt.b)
		if got := a.Compare(b); got != tt.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := b.Compare(a); got != -tt.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in   string
		want Version
		str  string
	}{
		{"1.0", Version{0, "1.0", ""}, "1.0"},
		{" 1:1.2.13.dfsg-1\n", Version{1, "1.2.13.dfsg", "1"}, "1:1.2.13.dfsg-1"},
		{"0:2.36-9+deb12u4", Version{0, "2.36", "9+deb12u4"}, "2.36-9+deb12u4"},
		{"1.2.3-4-5", Version{0, "1.2.3-4", "5"}, "1.2.3-4-5"},
		{"1:2:3", Version{1, "2:3", ""}, "1:2:3"},
		{"2009-12", Version{0, "2009", "12"}, "2009-12"},
		{"git20200101", Version{0, "git20200101", ""}, "git20200101"}, // dpkg only warns
		{"2147483647:1", Version{2147483647, "1", ""}, "2147483647:1"},
	}
	for _, tt := range tests {
		v, err := ParseVersion(tt.in)
		if err != nil {
			t.Errorf("ParseVersion(%q): %v", tt.in, err)
			continue
		}
		if v != tt.want || v.String() != tt.str {
			t.Errorf("ParseVersion(%q) = %#v (%s), want %#v (%s)", tt.in, v, v, tt.want, tt.str)
		}
	}
}

func TestParseVersionErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"", "empty version"},
		{" \t", "empty version"},
		{"1.0 1", "embedded spaces"},
		{":1", "the epoch is empty"},
		{"a:1", "the epoch is not a number"},
		{"+1:1", "the epoch is not a number"},
		{"2147483648:1", "the epoch is too big"},
		{"99999999999999999999999:1", "the epoch is too big"},
		{"1:", "nothing after the colon"},
		{"1.0-", "the revision is empty"},
		{"-1", "the upstream version is empty"},
		{"1:-1", "the upstream version is empty"},
		{"1.0_1", "invalid character '_' in the upstream version"},
		{"1:1.0-1:2", "invalid character ':' in the revision"},
		{"1.0-1:2", "the epoch is not a number"},
		{"1.0-1-", "the revision is empty"},
		{"1.0é", "invalid character"},
	}
	for _, tt := range tests {
		_, err := ParseVersion(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseVersion(%q) error %v, want one containing %q", tt.in, err, tt.msg)
		}
	}
}

// randomVersions returns n valid versions built from the characters
// that matter to the ordering, with a fixed seed.
func randomVersions(n int) []string {
	rng := rand.New(rand.NewSource(1))
	part := func(chars string, max int) string {
		var b strings.Builder
		for i := rng.Intn(max) + 1; i > 0; i-- {
			b.WriteByte(chars[rng.Intn(len(chars))])
		}
		return b.String()
	}
	var out []string
	for range n {
		v := part("0123456789", 2) + part("0.1.9~+a.z0Z", 5)
		if rng.Intn(3) == 0 {
			v = part("0123", 1) + ":" + v
		}
		if rng.Intn(2) == 0 {
			v += "-" + part("01~+.a9", 4)
		}
		out = append(out, v)
	}
	return out
}

// dpkgCompare asks dpkg how a and b compare.
func dpkgCompare(t *testing.T, a, b string) int {
	t.Helper()
	for _, r := range []struct {
		op   string
		want int
	}{{"lt", -1}, {"eq", 0}, {"gt", 1}} {
		err := exec.Command("dpkg", "--compare-versions", a, r.op, b).Run()
		if err == nil {
			return r.want
		}
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("dpkg --compare-versions %q %s %q: %v", a, r.op, b, err)
		}
	}
	t.Fatalf("dpkg says %q and %q are neither lt, eq nor gt", a, b)
	return 0
}

// TestCompareWithDpkg checks Compare against dpkg itself, on the static
// table and on generated pairs.
func TestCompareWithDpkg(t *testing.T) {
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("dpkg is not installed; TestCompare covers the same table")
	}
	if testing.Short() {
		t.Skip("runs dpkg a few hundred times")
	}
	var pairs [][2]string
	for _, tt := range compareTests {
		pairs = append(pairs, [2]string{tt.a, tt.b})
	}
	vs := randomVersions(160)
	for i := 0; i+1 < len(vs); i += 2 {
		pairs = append(pairs, [2]string{vs[i], vs[i+1]})
		// Near-equal pairs: the same version with one change.
		pairs = append(pairs, [2]string{vs[i], vs[i] + "~"}, [2]string{vs[i], strings.Replace(vs[i], ".", "0.", 1)})
	}
	for _, p := range pairs {
		a, b := mustVersion(t, p[0]), mustVersion(t, p[1])
		if got, want := a.Compare(b), dpkgCompare(t, p[0], p[1]); got != want {
			t.Errorf("Compare(%q, %q) = %d, dpkg says %d", p[0], p[1], got, want)
		}
	}
}

func ExampleVersion_Compare() {
	a, _ := ParseVersion("1:1.2.13.dfsg-1")
	b, _ := ParseVersion("1:1.2.3.3.dfsg-1")
	fmt.Println(a.Compare(b))
	// Output: 1
}
