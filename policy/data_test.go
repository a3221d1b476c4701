package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/libvet/libvet/internal/datafile"
)

// dataTestReference is where the facts the data is built from live, relative
// to this package's directory (see ../shared/DESIGN.md).
const dataTestReference = "../../shared/reference"

// TestDataParses proves the embedded files load: the panic in linuxData can
// only fire if this test fails. scripts/refresh-policy.sh runs it after a
// refresh, so parse errors come out with their file:line.
func TestDataParses(t *testing.T) {
	idx, err := loadLinuxData()
	if err != nil {
		t.Fatal(err)
	}
	for _, libc := range []Libc{Glibc, Musl} {
		if len(idx.arches[libc]) == 0 {
			t.Errorf("no architectures for %s", libc)
		}
		for _, arch := range idx.arches[libc] {
			pols := idx.policies[libc][arch]
			if len(pols) == 0 {
				t.Errorf("%s %s: listed architecture without policies", libc, arch)
			}
			for i, p := range pols {
				if p.Libc != libc || p.Arch != arch {
					t.Errorf("%s filed under %s %s", p.Tag(), libc, arch)
				}
				if i > 0 && pols[i-1].Priority <= p.Priority {
					t.Errorf("%s %s: %s (%d) listed before %s (%d)", libc, arch, pols[i-1].Name, pols[i-1].Priority, p.Name, p.Priority)
				}
				if len(p.Allow) == 0 {
					t.Errorf("%s: empty whitelist", p.Tag())
				}
			}
		}
	}
}

// dataTestInventory is the policy list of auditwheel.md §2.2, oldest first.
var dataTestInventory = []struct {
	name     string
	alias    string
	priority int
	arches   string
	allow    int
}{
	{"manylinux_2_5", "manylinux1", 100, "i686 x86_64", 22},
	{"manylinux_2_12", "manylinux2010", 90, "i686 x86_64", 23},
	{"manylinux_2_17", "manylinux2014", 80, "aarch64 armv7l i686 ppc64 ppc64le s390x x86_64", 23},
	{"manylinux_2_24", "", 70, "aarch64 armv7l i686 ppc64le s390x x86_64", 24},
	{"manylinux_2_26", "", 68, "aarch64 armv7l i686 ppc64le s390x x86_64", 24},
	{"manylinux_2_27", "", 65, "aarch64 armv7l i686 ppc64le s390x x86_64", 24},
	{"manylinux_2_28", "", 64, "aarch64 armv7l i686 ppc64le s390x x86_64", 24},
	{"manylinux_2_31", "", 61, "aarch64 armv7l i686 ppc64le riscv64 s390x x86_64", 24},
	{"manylinux_2_34", "", 58, "aarch64 armv7l i686 ppc64le riscv64 s390x x86_64", 24},
	{"manylinux_2_35", "", 57, "aarch64 armv7l i686 ppc64le riscv64 s390x x86_64", 24},
	{"manylinux_2_36", "", 56, "aarch64 armv7l i686 loongarch64 ppc64le riscv64 s390x x86_64", 24},
	{"manylinux_2_37", "", 55, "aarch64 armv7l i686 loongarch64 ppc64le riscv64 s390x x86_64", 24},
	{"manylinux_2_38", "", 54, "aarch64 armv7l i686 loongarch64 ppc64le riscv64 s390x x86_64", 24},
	{"manylinux_2_39", "", 53, "aarch64 armv7l i686 loongarch64 ppc64le riscv64 s390x x86_64", 24},
	{"manylinux_2_40", "", 52, "aarch64 armv7l i686 loongarch64 ppc64le riscv64 s390x x86_64", 24},
	{"manylinux_2_41", "", 51, "aarch64 armv7l i686 loongarch64 ppc64le riscv64 s390x x86_64", 24},
	{"musllinux_1_1", "", 100, "aarch64 armv7l i686 ppc64le riscv64 s390x x86_64", 2},
	{"musllinux_1_2", "", 90, "aarch64 armv7l i686 loongarch64 ppc64le riscv64 s390x x86_64", 2},
}

func TestDataInventory(t *testing.T) {
	want := map[Libc]map[string][]string{} // libc -> arch -> names, most compatible first
	count := map[Libc]int{}
	for _, w := range dataTestInventory {
		libc := Glibc
		if strings.HasPrefix(w.name, "musllinux_") {
			libc = Musl
		}
		count[libc]++
		if want[libc] == nil {
			want[libc] = map[string][]string{}
		}
		for _, arch := range strings.Fields(w.arches) {
			want[libc][arch] = append(want[libc][arch], w.name)
			p, ok := LookupLinux(w.name + "_" + arch)
			if !ok {
				t.Errorf("LookupLinux(%q) not found", w.name+"_"+arch)
				continue
			}
			if p.Name != w.name || p.Arch != arch || p.Libc != libc || p.Priority != w.priority {
				t.Errorf("%s_%s: got name %q arch %q libc %q priority %d; want priority %d", w.name, arch, p.Name, p.Arch, p.Libc, p.Priority, w.priority)
			}
			var aliases []string
			if w.alias != "" {
				aliases = []string{w.alias}
			}
			if !slices.Equal(p.Aliases, aliases) {
				t.Errorf("%s: aliases %q, want %q", p.Tag(), p.Aliases, aliases)
			}
			if w.alias != "" {
				if q, ok := LookupLinux(w.alias + "_" + arch); !ok || q != p {
					t.Errorf("LookupLinux(%q) = %v, %v; want %s", w.alias+"_"+arch, q, ok, p.Tag())
				}
			}
			if len(p.Allow) != w.allow {
				t.Errorf("%s: %d whitelisted libraries, want %d", p.Tag(), len(p.Allow), w.allow)
			}
		}
	}
	if count[Glibc] != 16 || count[Musl] != 2 {
		t.Fatalf("inventory table is wrong: %v", count)
	}
	for libc, byArch := range want {
		var arches []string
		for arch, names := range byArch {
			arches = append(arches, arch)
			var got []string
			for _, p := range LinuxPolicies(libc, arch) {
				got = append(got, p.Name)
			}
			if !slices.Equal(got, names) {
				t.Errorf("LinuxPolicies(%s, %s) = %v, want %v", libc, arch, got, names)
			}
		}
		slices.Sort(arches)
		if got := LinuxArches(libc); !slices.Equal(got, arches) {
			t.Errorf("LinuxArches(%s) = %v, want %v", libc, got, arches)
		}
	}
	if got := LinuxArches(Glibc); !slices.Equal(got, strings.Fields("aarch64 armv7l i686 loongarch64 ppc64 ppc64le riscv64 s390x x86_64")) {
		t.Errorf("LinuxArches(Glibc) = %v", got)
	}

	// Every tag and alias tag of every loaded policy resolves to it, and
	// nothing else is loaded.
	total := 0
	for _, libc := range []Libc{Glibc, Musl} {
		for _, arch := range LinuxArches(libc) {
			for _, p := range LinuxPolicies(libc, arch) {
				total++
				for _, tag := range p.Tags() {
					if q, ok := LookupLinux(tag); !ok || q != p {
						t.Errorf("LookupLinux(%q) = %v, %v; want %s", tag, q, ok, p.Tag())
					}
				}
			}
		}
	}
	wantTotal := 0
	for _, w := range dataTestInventory {
		wantTotal += len(strings.Fields(w.arches))
	}
	if total != wantTotal {
		t.Errorf("%d policies loaded, want %d", total, wantTotal)
	}

	for _, tag := range []string{
		"manylinux2014_riscv64",     // 2_17 has no riscv64
		"manylinux_2_24_ppc64",      // ppc64 ends with 2_17
		"manylinux1_aarch64",        // 2_5 is x86 only
		"musllinux_1_1_loongarch64", // loongarch64 starts with 1_2
		"musllinux_1_2_ppc64",
		"linux_x86_64", // the fallback is not a policy
		"manylinux_2_17",
		"manylinux2014",
		"manylinux_2_17_x86_64_v2",
		"",
	} {
		if p, ok := LookupLinux(tag); ok {
			t.Errorf("LookupLinux(%q) = %s, want not found", tag, p.Tag())
		}
	}
	for _, c := range []struct {
		libc Libc
		arch string
	}{{Glibc, "sparc"}, {Glibc, ""}, {Musl, "ppc64"}, {"uclibc", "x86_64"}} {
		if got := LinuxPolicies(c.libc, c.arch); got != nil {
			t.Errorf("LinuxPolicies(%q, %q) = %d policies, want nil", c.libc, c.arch, len(got))
		}
	}
	if got := LinuxArches("uclibc"); got != nil {
		t.Errorf("LinuxArches(uclibc) = %v, want nil", got)
	}

	// The returned slices are the caller's.
	a := LinuxPolicies(Glibc, "x86_64")
	a[0] = nil
	if LinuxPolicies(Glibc, "x86_64")[0] == nil {
		t.Error("LinuxPolicies returns the shared slice")
	}
}

func TestDataTags(t *testing.T) {
	for tag, want := range map[string][]string{
		"manylinux_2_17_x86_64":  {"manylinux_2_17_x86_64", "manylinux2014_x86_64"},
		"manylinux1_i686":        {"manylinux_2_5_i686", "manylinux1_i686"},
		"manylinux2010_x86_64":   {"manylinux_2_12_x86_64", "manylinux2010_x86_64"},
		"manylinux_2_28_aarch64": {"manylinux_2_28_aarch64"},
		"musllinux_1_2_aarch64":  {"musllinux_1_2_aarch64"},
	} {
		p, ok := LookupLinux(tag)
		if !ok {
			t.Errorf("LookupLinux(%q) not found", tag)
			continue
		}
		if got := p.Tags(); !slices.Equal(got, want) {
			t.Errorf("%s: Tags() = %q, want %q", tag, got, want)
		}
		if p.Tag() != want[0] {
			t.Errorf("%s: Tag() = %q, want %q", tag, p.Tag(), want[0])
		}
	}
}

func TestDataGlibcVersion(t *testing.T) {
	for tag, want := range map[string][2]int{
		"manylinux1_x86_64":      {2, 5},
		"manylinux_2_17_aarch64": {2, 17},
		"manylinux_2_41_x86_64":  {2, 41},
		"musllinux_1_1_x86_64":   {1, 1},
		"musllinux_1_2_armv7l":   {1, 2},
	} {
		p := dataTestLookup(t, tag)
		if maj, min := p.GlibcVersion(); maj != want[0] || min != want[1] {
			t.Errorf("%s: GlibcVersion() = %d, %d; want %d, %d", tag, maj, min, want[0], want[1])
		}
	}
}

// TestDataMonotonic is auditwheel's _validate_pep600_compliance, extended:
// going from an older (higher priority) policy to the next newer one on the
// same architecture, the whitelist and every symbol version set may only
// grow, a newer policy may not constrain a namespace the older one left
// free, and the blacklist may only shrink. The libc version in the name
// grows with it.
func TestDataMonotonic(t *testing.T) {
	for _, libc := range []Libc{Glibc, Musl} {
		for _, arch := range LinuxArches(libc) {
			pols := LinuxPolicies(libc, arch)
			for i := 1; i < len(pols); i++ {
				old, cur := pols[i-1], pols[i]
				pair := fmt.Sprintf("%s → %s", old.Tag(), cur.Tag())
				oMaj, oMin := old.GlibcVersion()
				cMaj, cMin := cur.GlibcVersion()
				if cMaj < oMaj || (cMaj == oMaj && cMin <= oMin) {
					t.Errorf("%s: lower priority but libc version %d.%d is not newer than %d.%d", pair, cMaj, cMin, oMaj, oMin)
				}
				if lost := dataTestMissing(old.Allow, cur.Allow); len(lost) > 0 {
					t.Errorf("%s: whitelist loses %v", pair, lost)
				}
				for ns, vers := range cur.Versions {
					oldVers, ok := old.Versions[ns]
					if !ok {
						t.Errorf("%s: newer policy constrains namespace %s, which the older one does not list", pair, ns)
						continue
					}
					if lost := dataTestMissing(oldVers, vers); len(lost) > 0 {
						t.Errorf("%s: %s loses versions %v", pair, ns, lost)
					}
				}
				for soname, syms := range cur.Blacklist {
					if added := dataTestMissing(syms, old.Blacklist[soname]); len(added) > 0 {
						t.Errorf("%s: blacklist of %s adds %v", pair, soname, added)
					}
				}
			}
		}
	}
}

// dataTestMissing returns the entries of from that are not in to.
func dataTestMissing(from, to []string) []string {
	var out []string
	for _, s := range from {
		if !slices.Contains(to, s) {
			out = append(out, s)
		}
	}
	return out
}

func dataTestLookup(t *testing.T, tag string) *Linux {
	t.Helper()
	p, ok := LookupLinux(tag)
	if !ok {
		t.Fatalf("LookupLinux(%q) not found", tag)
	}
	return p
}

func TestDataAllows(t *testing.T) {
	tests := []struct {
		tag, soname string
		want        bool
	}{
		{"manylinux_2_17_x86_64", "libc.so.6", true},
		{"manylinux_2_17_x86_64", "libstdc++.so.6", true},
		{"manylinux_2_17_x86_64", "libexpat.so.1", true},
		{"manylinux_2_5_x86_64", "libexpat.so.1", false},
		{"manylinux_2_12_x86_64", "libexpat.so.1", true},
		{"manylinux_2_17_x86_64", "libmvec.so.1", false},
		{"manylinux_2_24_x86_64", "libmvec.so.1", true},
		{"manylinux_2_41_aarch64", "libssl.so.3", false},
		{"manylinux_2_17_x86_64", "libc.so", false},
		{"manylinux_2_17_x86_64", "", false},
		{"musllinux_1_2_x86_64", "libc.musl-x86_64.so.1", true},
		{"musllinux_1_2_x86_64", "libz.so.1", true},
		{"musllinux_1_2_x86_64", "libc.so", false},
		{"musllinux_1_2_x86_64", "libc.musl-aarch64.so.1", false},
		{"musllinux_1_2_x86_64", "libc.so.6", false},
		{"musllinux_1_1_i686", "libc.musl-x86.so.1", true},
		{"musllinux_1_1_armv7l", "libc.musl-armv7.so.1", true},
		{"musllinux_1_2_loongarch64", "libc.musl-loongarch64.so.1", true},
	}
	for _, tt := range tests {
		if got := dataTestLookup(t, tt.tag).Allows(tt.soname); got != tt.want {
			t.Errorf("%s Allows(%q) = %v, want %v", tt.tag, tt.soname, got, tt.want)
		}
	}
	// The musl libc soname is the only per-architecture entry, in
	// auditwheel's whitelist position.
	musl := map[string]string{
		"x86_64": "libc.musl-x86_64.so.1", "i686": "libc.musl-x86.so.1", "aarch64": "libc.musl-aarch64.so.1",
		"armv7l": "libc.musl-armv7.so.1", "ppc64le": "libc.musl-ppc64le.so.1", "s390x": "libc.musl-s390x.so.1",
		"riscv64": "libc.musl-riscv64.so.1", "loongarch64": "libc.musl-loongarch64.so.1",
	}
	for _, arch := range LinuxArches(Musl) {
		for _, p := range LinuxPolicies(Musl, arch) {
			if want := []string{musl[arch], "libz.so.1"}; !slices.Equal(p.Allow, want) {
				t.Errorf("%s: Allow = %q, want %q", p.Tag(), p.Allow, want)
			}
		}
	}
}

func TestDataAllowsVersion(t *testing.T) {
	tests := []struct {
		tag, ns, ver string
		listed, ok   bool
	}{
		{"manylinux_2_17_x86_64", "GLIBC", "2.17", true, true},
		{"manylinux_2_17_x86_64", "GLIBC", "2.18", true, false},
		{"manylinux_2_17_x86_64", "GLIBC", "2.2.5", true, true},
		{"manylinux_2_17_x86_64", "GLIBC", "2.0", true, false}, // i686-only node
		{"manylinux_2_17_i686", "GLIBC", "2.0", true, true},
		{"manylinux_2_17_x86_64", "GLIBCXX", "3.4.19", true, true},
		{"manylinux_2_17_x86_64", "GLIBCXX", "3.4.20", true, false},
		{"manylinux_2_17_x86_64", "CXXABI", "TM_1", true, true},
		{"manylinux_2_17_x86_64", "CXXABI", "FLOAT128", true, false},
		{"manylinux_2_24_x86_64", "CXXABI", "FLOAT128", true, true},
		{"manylinux_2_17_x86_64", "LIBATOMIC", "1.0", true, false}, // listed, empty
		{"manylinux_2_5_x86_64", "ZLIB", "1.2.0", true, false},     // listed, empty
		{"manylinux_2_12_x86_64", "ZLIB", "1.2.0", true, true},
		{"manylinux_2_17_x86_64", "OPENSSL", "3.0.0", false, true}, // not listed: ignored
		{"manylinux_2_17_x86_64", "glibc", "2.17", false, true},    // namespaces are case-sensitive
		{"manylinux_2_28_x86_64", "GLIBC", "2.18", true, true},
		{"manylinux_2_28_x86_64", "GLIBC", "2.19", true, false}, // the set jumps 2.18 → 2.22
		{"manylinux_2_28_x86_64", "GLIBC", "2.21", true, false},
		{"manylinux_2_28_x86_64", "GLIBC", "2.22", true, true},
		{"manylinux_2_28_x86_64", "GLIBC", "2.29", true, false},
		{"manylinux_2_31_x86_64", "GLIBC", "2.29", true, true},
		{"manylinux_2_37_x86_64", "GLIBC", "2.37", true, false}, // 2_37's GLIBC set stops at 2.36
		{"manylinux_2_36_x86_64", "GLIBC", "ABI_DT_RELR", true, true},
		{"manylinux_2_35_x86_64", "GLIBC", "ABI_DT_RELR", true, false},
		{"manylinux_2_37_riscv64", "GLIBC", "ABI_DT_RELR", true, false},
		{"manylinux_2_38_riscv64", "GLIBC", "ABI_DT_RELR", true, true},
		{"manylinux_2_17_ppc64le", "GLIBCXX", "LDBL_3.4", true, true},
		{"manylinux_2_17_x86_64", "GLIBCXX", "LDBL_3.4", true, false},
		{"manylinux_2_17_armv7l", "CXXABI", "ARM_1.3.3", true, true},
		{"musllinux_1_2_x86_64", "GLIBC", "2.17", false, true},
	}
	for _, tt := range tests {
		listed, ok := dataTestLookup(t, tt.tag).AllowsVersion(tt.ns, tt.ver)
		if listed != tt.listed || ok != tt.ok {
			t.Errorf("%s AllowsVersion(%q, %q) = %v, %v; want %v, %v", tt.tag, tt.ns, tt.ver, listed, ok, tt.listed, tt.ok)
		}
	}
	// GLIBC_PRIVATE fails every glibc policy.
	for _, arch := range LinuxArches(Glibc) {
		for _, p := range LinuxPolicies(Glibc, arch) {
			ns, ver := SplitVersion("GLIBC_PRIVATE")
			if listed, ok := p.AllowsVersion(ns, ver); !listed || ok {
				t.Errorf("%s AllowsVersion(GLIBC, PRIVATE) = %v, %v; want true, false", p.Tag(), listed, ok)
			}
		}
	}
}

func TestDataMaxVersion(t *testing.T) {
	// The x86_64 columns of auditwheel.md §2.2: GLIBC GLIBCXX CXXABI GCC
	// ZLIB LIBATOMIC, "-" for none.
	table := map[string]string{
		"manylinux_2_5":  "2.5 3.4.8 1.3.1 4.2.0 - -",
		"manylinux_2_12": "2.12 3.4.13 1.3.3 4.3.0 1.2.2.4 -",
		"manylinux_2_17": "2.17 3.4.19 1.3.7 4.8.0 1.2.5.2 -",
		"manylinux_2_24": "2.24 3.4.22 1.3.10 4.8.0 1.2.5.2 1.2",
		"manylinux_2_26": "2.26 3.4.22 1.3.10 4.8.0 1.2.5.2 1.2",
		"manylinux_2_27": "2.27 3.4.24 1.3.11 7.0.0 1.2.9 1.2",
		"manylinux_2_28": "2.28 3.4.24 1.3.11 7.0.0 1.2.9 1.2",
		"manylinux_2_31": "2.31 3.4.28 1.3.12 7.0.0 1.2.9 1.2",
		"manylinux_2_34": "2.34 3.4.29 1.3.13 7.0.0 1.2.9 1.2",
		"manylinux_2_35": "2.35 3.4.30 1.3.13 12.0.0 1.2.9 1.2",
		"manylinux_2_36": "2.36 3.4.30 1.3.13 12.0.0 1.2.9 1.2",
		"manylinux_2_37": "2.36 3.4.30 1.3.13 12.0.0 1.2.12 1.2",
		"manylinux_2_38": "2.38 3.4.30 1.3.13 12.0.0 1.2.12 1.2",
		"manylinux_2_39": "2.39 3.4.33 1.3.15 14.0.0 1.2.12 1.2",
		"manylinux_2_40": "2.40 3.4.33 1.3.15 14.0.0 1.2.12 1.2",
		"manylinux_2_41": "2.41 3.4.33 1.3.15 14.0.0 1.2.12 1.2",
	}
	namespaces := []string{"GLIBC", "GLIBCXX", "CXXABI", "GCC", "ZLIB", "LIBATOMIC"}
	for name, row := range table {
		p := dataTestLookup(t, name+"_x86_64")
		for i, want := range strings.Fields(row) {
			if want == "-" {
				want = ""
			}
			if got := p.MaxVersion(namespaces[i]); got != want {
				t.Errorf("%s MaxVersion(%s) = %q, want %q", p.Tag(), namespaces[i], got, want)
			}
		}
	}
	for _, tt := range []struct{ tag, ns, want string }{
		{"manylinux_2_17_x86_64", "OPENSSL", ""},
		{"manylinux_2_17_ppc64le", "GLIBC", "2.17"},     // the set is {2.0, 2.17}
		{"manylinux_2_17_ppc64le", "GLIBCXX", "3.4.19"}, // not LDBL_3.4.10
		{"manylinux_2_17_i686", "LIBATOMIC", "1.0"},
		{"musllinux_1_2_x86_64", "GLIBC", ""},
	} {
		if got := dataTestLookup(t, tt.tag).MaxVersion(tt.ns); got != tt.want {
			t.Errorf("%s MaxVersion(%s) = %q, want %q", tt.tag, tt.ns, got, tt.want)
		}
	}
}

func TestDataBlacklisted(t *testing.T) {
	old := map[string]bool{"manylinux_2_5": true, "manylinux_2_12": true, "manylinux_2_17": true}
	n := 0
	for _, libc := range []Libc{Glibc, Musl} {
		for _, arch := range LinuxArches(libc) {
			for _, p := range LinuxPolicies(libc, arch) {
				n++
				if !p.Blacklisted("libz.so.1", "zcalloc") {
					t.Errorf("%s: libz.so.1 zcalloc is not blacklisted", p.Tag())
				}
				want := libc == Glibc && old[p.Name]
				if got := p.Blacklisted("libc.so.6", "__cxa_thread_atexit_impl"); got != want {
					t.Errorf("%s Blacklisted(libc.so.6, __cxa_thread_atexit_impl) = %v, want %v", p.Tag(), got, want)
				}
				if p.Blacklisted("libz.so.1", "deflate") || p.Blacklisted("libz.so.1", "") {
					t.Errorf("%s: libz.so.1 deflate is blacklisted", p.Tag())
				}
				if p.Blacklisted("libfoo.so.1", "zcalloc") {
					t.Errorf("%s: blacklist of libz.so.1 applies to libfoo.so.1", p.Tag())
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no policies")
	}
	for tag, want := range map[string]map[string]int{
		"manylinux_2_17_x86_64": {"libc.so.6": 6, "libm.so.6": 3, "libpthread.so.0": 2, "libz.so.1": 41},
		"manylinux_2_31_x86_64": {"libz.so.1": 41},
		"manylinux_2_34_x86_64": {"libz.so.1": 40},
		"manylinux_2_36_x86_64": {"libz.so.1": 26},
		"manylinux_2_41_x86_64": {"libz.so.1": 23},
		"musllinux_1_1_x86_64":  {"libz.so.1": 31},
		"musllinux_1_2_x86_64":  {"libz.so.1": 31},
	} {
		p := dataTestLookup(t, tag)
		got := map[string]int{}
		for soname, syms := range p.Blacklist {
			got[soname] = len(syms)
			if !slices.IsSorted(syms) {
				t.Errorf("%s: blacklist of %s is not sorted", tag, soname)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: blacklist sizes %v, want %v", tag, got, want)
		}
	}
}

// TestDataHandBuilt checks that a Linux built without the loader (as tests
// of other packages may do) answers from its exported fields.
func TestDataHandBuilt(t *testing.T) {
	p := &Linux{
		Name: "manylinux_2_17", Aliases: []string{"manylinux2014"}, Priority: 80, Libc: Glibc, Arch: "x86_64",
		Allow:     []string{"libc.so.6"},
		Versions:  map[string][]string{"GLIBC": {"2.5", "2.17", "PRIVATE"}, "LIBATOMIC": {}},
		Blacklist: map[string][]string{"libz.so.1": {"zcalloc"}},
	}
	if !p.Allows("libc.so.6") || p.Allows("libz.so.1") {
		t.Error("Allows")
	}
	if l, ok := p.AllowsVersion("GLIBC", "2.17"); !l || !ok {
		t.Error("AllowsVersion(GLIBC, 2.17)")
	}
	if l, ok := p.AllowsVersion("LIBATOMIC", "1.0"); !l || ok {
		t.Error("AllowsVersion(LIBATOMIC, 1.0)")
	}
	if l, ok := p.AllowsVersion("ZLIB", "1.0"); l || !ok {
		t.Error("AllowsVersion(ZLIB, 1.0)")
	}
	if got := p.MaxVersion("GLIBC"); got != "2.17" {
		t.Errorf("MaxVersion = %q", got)
	}
	if !p.Blacklisted("libz.so.1", "zcalloc") || p.Blacklisted("libc.so.6", "zcalloc") {
		t.Error("Blacklisted")
	}
	if maj, min := p.GlibcVersion(); maj != 2 || min != 17 {
		t.Errorf("GlibcVersion = %d, %d", maj, min)
	}
	if got := p.Tags(); !slices.Equal(got, []string{"manylinux_2_17_x86_64", "manylinux2014_x86_64"}) {
		t.Errorf("Tags = %q", got)
	}
	if maj, min := (&Linux{Name: "linux"}).GlibcVersion(); maj != 0 || min != 0 {
		t.Errorf("GlibcVersion of linux = %d, %d", maj, min)
	}
}

func TestDataParseErrors(t *testing.T) {
	const hdr = "libvet-linux-policy 1\nfamily manylinux glibc\n"
	const pol = hdr + "policy manylinux_2_5 100\narch i686 x86_64\n" // lines 1-4
	tests := []struct{ name, in, want string }{
		{"empty", "", "t.txt:1: no format line"},
		{"no format line", "family manylinux glibc\n", "t.txt:1: want the format line"},
		{"future format", "# comment\n\nlibvet-linux-policy 2\n", "t.txt:3: unsupported format version 2"},
		{"no family", "libvet-linux-policy 1\n", "t.txt:1: no family line"},
		{"policy before family", "libvet-linux-policy 1\npolicy manylinux_2_5 100\n", "t.txt:2: policy before the family line"},
		{"unknown libc", "libvet-linux-policy 1\nfamily manylinux uclibc\n", "t.txt:2: unknown libc"},
		{"repeated family", hdr + "family musllinux musl\n", "t.txt:3: repeated family line"},
		{"no policies", hdr, "t.txt:1: no policies"},
		{"outside policy", hdr + "allow libc.so.6\n", "t.txt:3: allow outside a policy"},
		{"unknown keyword", pol + "frob x\n", "t.txt:5: unknown keyword \"frob\""},
		{"wrong family name", hdr + "policy musllinux_1_1 100\n", "t.txt:3: policy name \"musllinux_1_1\" is not manylinux_<major>_<minor>"},
		{"bad name", hdr + "policy manylinux_2_x 100\n", "t.txt:3: policy name"},
		{"bad priority", hdr + "policy manylinux_2_5 -1\n", "t.txt:3: priority \"-1\" is not a positive integer"},
		{"zero priority", hdr + "policy manylinux_2_5 0\n", "t.txt:3: priority \"0\""},
		{"repeated priority", pol + "policy manylinux_2_12 100\n", "t.txt:5: priority 100 already used by manylinux_2_5"},
		{"repeated name", pol + "policy manylinux_2_5 90\n", "t.txt:5: name manylinux_2_5 already used on line 3"},
		{"alias is a name", pol + "alias manylinux_2_5\n", "t.txt:5: name manylinux_2_5 already used"},
		{"no arch line", hdr + "policy manylinux_2_5 100\nallow libc.so.6\n", "t.txt:4: allow before the arch line"},
		{"no arch at all", hdr + "policy manylinux_2_5 100\npolicy manylinux_2_12 90\n", "t.txt:3: policy manylinux_2_5 has no arch line"},
		{"no arch at eof", hdr + "policy manylinux_2_5 100\n", "t.txt:3: policy manylinux_2_5 has no arch line"},
		{"repeated arch line", pol + "arch x86_64\n", "t.txt:5: repeated arch line"},
		{"unsorted arches", hdr + "policy manylinux_2_5 100\narch x86_64 i686\n", "t.txt:4: architectures are not sorted or repeat"},
		{"allow unknown arch", pol + "allow libc.so.6 aarch64\n", "t.txt:5: policy manylinux_2_5 has no architecture aarch64"},
		{"allow twice", pol + "allow libc.so.6\nallow libc.so.6 x86_64\n", "t.txt:6: libc.so.6 is allowed twice"},
		{"deny without symbols", pol + "deny libz.so.1\n", "t.txt:5: want: deny SONAME SYMBOL..."},
		{"deny unsorted", pol + "deny libz.so.1 zcfree zcalloc\n", "t.txt:5: symbols are not sorted or repeat"},
		{"deny repeated", pol + "deny libz.so.1 zcalloc\ndeny libz.so.1 zcfree\n", "t.txt:6: repeated deny line for libz.so.1"},
		{"version unknown arch", pol + "version aarch64 GLIBC 2.17\n", "t.txt:5: policy manylinux_2_5 has no architecture aarch64"},
		{"version unsorted", pol + "version x86_64 GLIBC 2.10 2.9\n", "t.txt:5: versions are not in CompareVersion order or repeat"},
		{"version repeated", pol + "version x86_64 GLIBC 2.5 2.5\n", "t.txt:5: versions are not in CompareVersion order or repeat"},
		{"version line repeated", pol + "version x86_64 GLIBC 2.5\nversion x86_64 GLIBC 2.6\n", "t.txt:6: repeated version line for x86_64 GLIBC"},
		{"version without namespace", pol + "version x86_64\n", "t.txt:5: want: version ARCH NAMESPACE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseLinuxData("t.txt", []byte(tt.in))
			checkDataError(t, err, tt.want)
		})
	}
}

// checkDataError checks that a data file parser failed with a
// *datafile.Error whose message starts with want.
func checkDataError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("parsed without error, want %q", want)
	}
	var de *datafile.Error
	if !errors.As(err, &de) {
		t.Errorf("error %T is not a *datafile.Error", err)
	}
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q\nwant prefix %q", err, want)
	}
}

func TestDataParseMinimal(t *testing.T) {
	in := "# c\nlibvet-linux-policy 1\nfamily musllinux musl\n\n" +
		"policy musllinux_1_1 100\narch i686 x86_64\nallow libc.musl-x86.so.1 i686\nallow libc.musl-x86_64.so.1 x86_64\nallow libz.so.1\n" +
		"deny libz.so.1 zcalloc zcfree\nversion x86_64 X 1.0\nversion x86_64 Y\n"
	lf, err := parseLinuxData("t.txt", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := indexLinuxData([]*linuxFile{lf})
	if err != nil {
		t.Fatal(err)
	}
	p := idx.byTag["musllinux_1_1_x86_64"]
	if p == nil || !slices.Equal(p.Allow, []string{"libc.musl-x86_64.so.1", "libz.so.1"}) {
		t.Fatalf("x86_64 policy: %+v", p)
	}
	if q := idx.byTag["musllinux_1_1_i686"]; q == nil || !slices.Equal(q.Allow, []string{"libc.musl-x86.so.1", "libz.so.1"}) || len(q.Versions) != 0 {
		t.Fatalf("i686 policy: %+v", q)
	}
	if l, ok := p.AllowsVersion("Y", "1.0"); !l || ok {
		t.Error("empty version line does not list the namespace")
	}
	if _, err := indexLinuxData([]*linuxFile{lf, lf}); err == nil || !strings.HasPrefix(err.Error(), "t.txt:1: libc musl already loaded") {
		t.Errorf("loading a libc twice: %v", err)
	}
}

// dataTestJSONPolicy is one entry of auditwheel's policy JSON, decoded here
// independently of the generator.
type dataTestJSONPolicy struct {
	Name           string                         `json:"name"`
	Aliases        []string                       `json:"aliases"`
	Priority       int                            `json:"priority"`
	SymbolVersions map[string]map[string][]string `json:"symbol_versions"`
	LibWhitelist   []string                       `json:"lib_whitelist"`
	Blacklist      map[string][]string            `json:"blacklist"`
}

// TestDataMatchesAuditwheel compares the embedded data with auditwheel's JSON
// in ../shared/reference: the same policies, architectures, priorities,
// aliases, whitelists (after auditwheel's musl libc rewrite, in the same
// order), symbol version sets and blacklists.
func TestDataMatchesAuditwheel(t *testing.T) {
	// auditwheel's _fixup_musl_libc_soname (src/auditwheel/policy/__init__.py).
	muslLibc := map[string]string{
		"x86_64": "libc.musl-x86_64.so.1", "i686": "libc.musl-x86.so.1", "aarch64": "libc.musl-aarch64.so.1",
		"s390x": "libc.musl-s390x.so.1", "ppc64le": "libc.musl-ppc64le.so.1", "armv7l": "libc.musl-armv7.so.1",
		"riscv64": "libc.musl-riscv64.so.1", "loongarch64": "libc.musl-loongarch64.so.1",
	}
	for _, fam := range []struct {
		libc Libc
		file string
	}{
		{Glibc, "auditwheel-manylinux-policy.json"},
		{Musl, "auditwheel-musllinux-policy.json"},
	} {
		path := filepath.Join(dataTestReference, fam.file)
		src, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			t.Skipf("reference facts not available: %s does not exist", path)
		}
		if err != nil {
			t.Fatal(err)
		}
		var pols []dataTestJSONPolicy
		if err := json.Unmarshal(src, &pols); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		seen := 0
		for _, jp := range pols {
			if jp.Name == "linux" {
				if jp.Priority != 0 || len(jp.Aliases)+len(jp.SymbolVersions)+len(jp.LibWhitelist)+len(jp.Blacklist) != 0 {
					t.Errorf("%s: the linux entry is not the empty priority-0 fallback libvet assumes", path)
				}
				continue
			}
			for arch, nss := range jp.SymbolVersions {
				seen++
				tag := jp.Name + "_" + arch
				p, ok := LookupLinux(tag)
				if !ok {
					t.Errorf("%s: %s is not embedded", path, tag)
					continue
				}
				if p.Name != jp.Name || p.Arch != arch || p.Libc != fam.libc || p.Priority != jp.Priority {
					t.Errorf("%s: got %s %s %s priority %d, want priority %d", tag, p.Name, p.Arch, p.Libc, p.Priority, jp.Priority)
				}
				if !slices.Equal(p.Aliases, jp.Aliases) && len(p.Aliases)+len(jp.Aliases) > 0 {
					t.Errorf("%s: aliases %q, want %q", tag, p.Aliases, jp.Aliases)
				}
				allow := slices.Clone(jp.LibWhitelist)
				if fam.libc == Musl {
					for i, s := range allow {
						if s == "libc.so" {
							allow[i] = muslLibc[arch]
						}
					}
				}
				if !slices.Equal(p.Allow, allow) {
					t.Errorf("%s: Allow = %q\nwant %q", tag, p.Allow, allow)
				}
				for _, d := range dataTestDiffSets(p.Versions, nss) {
					t.Errorf("%s: symbol versions: %s", tag, d)
				}
				for _, d := range dataTestDiffSets(p.Blacklist, jp.Blacklist) {
					t.Errorf("%s: blacklist: %s", tag, d)
				}
			}
		}
		loaded := 0
		for _, arch := range LinuxArches(fam.libc) {
			loaded += len(LinuxPolicies(fam.libc, arch))
		}
		if loaded != seen {
			t.Errorf("%s: %d policies embedded for %s, auditwheel defines %d", path, loaded, fam.libc, seen)
		}
	}
}

// dataTestDiffSets describes how got differs from want, both maps of sets
// (the order of the lists does not matter); nil means they are equal.
func dataTestDiffSets(got, want map[string][]string) []string {
	var out []string
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			out = append(out, fmt.Sprintf("%s is missing", k))
			continue
		}
		if missing := dataTestMissing(w, g); len(missing) > 0 {
			out = append(out, fmt.Sprintf("%s lacks %v", k, missing))
		}
		if extra := dataTestMissing(g, w); len(extra) > 0 {
			out = append(out, fmt.Sprintf("%s has extra %v", k, extra))
		}
		if len(g) != len(w) {
			out = append(out, fmt.Sprintf("%s has %d entries, want %d", k, len(g), len(w)))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("%s is extra", k))
		}
	}
	slices.Sort(out)
	return out
}

func TestDebianArch(t *testing.T) {
	for arch, want := range map[string]string{
		"x86_64": "amd64", "i686": "i386", "aarch64": "arm64", "armv7l": "armhf",
		"ppc64le": "ppc64el", "loongarch64": "loong64", "mips": "", "": "",
	} {
		if got := DebianArch(arch); got != want {
			t.Errorf("DebianArch(%q) = %q, want %q", arch, got, want)
		}
	}
}
