package policy

import (
	"slices"
	"testing"

	"github.com/libvet/libvet/internal/symver"
)

func TestVersionSplit(t *testing.T) {
	tests := []struct{ in, ns, ver string }{
		{"GLIBCXX_3.4.19", "GLIBCXX", "3.4.19"},
		{"GLIBC_2.2.5", "GLIBC", "2.2.5"},
		{"GLIBC_PRIVATE", "GLIBC", "PRIVATE"},
		{"GLIBC_ABI_DT_RELR", "GLIBC", "ABI_DT_RELR"},
		{"CXXABI_TM_1", "CXXABI", "TM_1"},
		{"GLIBCXX_LDBL_3.4.7", "GLIBCXX", "LDBL_3.4.7"},
		{"CXXABI_FLOAT128", "CXXABI", "FLOAT128"},
		{"ZLIB_1.2.5.2", "ZLIB", "1.2.5.2"},
		{"GLIBC_", "GLIBC", ""},
		{"_1.0", "", "1.0"},
		{"libfoo.so.1", "libfoo.so.1", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		ns, ver := SplitVersion(tt.in)
		if ns != tt.ns || ver != tt.ver {
			t.Errorf("SplitVersion(%q) = %q, %q; want %q, %q", tt.in, ns, ver, tt.ns, tt.ver)
		}
	}
}

func TestVersionCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"3.4.9", "3.4.19", -1},
		{"3.4.19", "3.4.9", 1},
		{"2.2.5", "2.10", -1},
		{"2.9", "2.10", -1},
		{"2.17", "2.17", 0},
		{"2.2", "2.2.5", -1},
		{"2.2.5", "2.2", 1},
		{"2", "2.0", -1},
		{"1.3.11", "FLOAT128", -1},
		{"FLOAT128", "TM_1", -1},
		{"TM_1", "1.3", 1},
		{"3.4.31", "LDBL_3.4", -1},
		{"LDBL_3.4.10", "LDBL_3.4.7", 1}, // "LDBL_3" ties, then 10 > 7
		{"2.36", "ABI_DT_RELR", -1},
		{"PRIVATE", "2.41", 1},
		{"1.2.0.8", "1.2.2", -1},
		{"12.0.0", "7.0.0", 1},
		{"01", "1", -1}, // numerically equal: byte-wise tie-break keeps the order total
		{"1", "01", 1},
		{"2.017", "2.17", -1},
		{"", "0", 1}, // an empty component is not numeric
		{"1..2", "1.0.2", 1},
		{"99999999999999999999999", "100000000000000000000000", -1}, // beyond int64
	}
	for _, tt := range tests {
		if got := CompareVersion(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersion(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestVersionCompareTotalOrder checks the order laws on a sample that mixes
// every kind of version found in the policies.
func TestVersionCompareTotalOrder(t *testing.T) {
	sample := []string{
		"", "0", "00", "1", "01", "1.0", "1.0.0", "1.2", "1.2.0", "1.2.0.2", "1.2.10", "1.2.9",
		"2.0", "2.1.1", "2.2.5", "2.10", "2.17", "2.18", "2.22", "2.41", "3.4", "3.4.9", "3.4.19",
		"12.0.0", "7.0.0", "TM_1", "FLOAT128", "LDBL_3.4", "LDBL_3.4.7", "LDBL_3.4.10",
		"IEEE128_3.4.29", "ARM_1.3.3", "ABI_DT_RELR", "PRIVATE", "1..2", ".", "a.1", "a.b", "1a",
	}
	for _, a := range sample {
		for _, b := range sample {
			ab, ba := CompareVersion(a, b), CompareVersion(b, a)
			if ab != -ba {
				t.Errorf("CompareVersion(%q, %q) = %d but reverse = %d", a, b, ab, ba)
			}
			if (ab == 0) != (a == b) {
				t.Errorf("CompareVersion(%q, %q) = %d", a, b, ab)
			}
			for _, c := range sample {
				if ab < 0 && CompareVersion(b, c) < 0 && CompareVersion(a, c) >= 0 {
					t.Errorf("not transitive: %q < %q < %q but CompareVersion(%q, %q) = %d", a, b, c, a, c, CompareVersion(a, c))
				}
			}
		}
	}
	got := slices.Clone(sample)
	slices.SortFunc(got, CompareVersion)
	again := slices.Clone(got)
	slices.Reverse(again)
	slices.SortFunc(again, CompareVersion)
	if !slices.Equal(got, again) {
		t.Errorf("sort is not deterministic:\n%q\n%q", got, again)
	}
}

func TestVersionIsNumeric(t *testing.T) {
	for v, want := range map[string]bool{
		"2.17": true, "1.2.5.2": true, "3": true, "007": true,
		"": false, "TM_1": false, "LDBL_3.4": false, "ABI_DT_RELR": false, "2.": false, ".2": false, "1..2": false, "2.a": false,
	} {
		if got := symver.AllNumeric(v); got != want {
			t.Errorf("symver.AllNumeric(%q) = %v, want %v", v, got, want)
		}
	}
}
