package policy

import (
	"strings"
	"testing"

	"github.com/libvet/libvet/audit"
)

// ext builds a glibc x86_64 extension binary needing libs, with the given
// version needs ("libc.so.6:GLIBC_2.17") and imports ("memcpy@GLIBC_2.14",
// "zcalloc", "weak:__cxa_thread_atexit_impl").
func ext(member string, needed []string, versions []string, imports ...string) *audit.Binary {
	b := &audit.Binary{Member: member, Format: audit.FormatELF, Arch: "x86_64", Machine: "EM_X86_64 64-bit LSB",
		Type: "shared-object", Extension: "_x", Libc: audit.Glibc, LibcReason: "DT_NEEDED libc.so.6", Needed: needed}
	for _, v := range versions {
		lib, ver, _ := strings.Cut(v, ":")
		b.Versions = append(b.Versions, audit.VersionNeed{Library: lib, Version: ver})
	}
	for _, imp := range imports {
		weak := strings.HasPrefix(imp, "weak:")
		imp = strings.TrimPrefix(imp, "weak:")
		name, ver, _ := strings.Cut(imp, "@")
		lib := ""
		for _, v := range b.Versions {
			if v.Version == ver {
				lib = v.Library
			}
		}
		b.Imports = append(b.Imports, audit.Import{Name: name, Version: ver, Library: lib, Weak: weak, Func: true})
	}
	return b
}

// muslBin is a musl extension for arch importing syms.
func muslBin(arch string, syms ...string) *audit.Binary {
	soarch := map[string]string{"x86_64": "x86_64", "i686": "x86", "armv7l": "armv7"}[arch]
	b := ext("m/_x.so", []string{"libc.musl-" + soarch + ".so.1"}, nil, syms...)
	b.Arch, b.Libc, b.LibcReason = arch, audit.Musl, "DT_NEEDED libc.musl-"+soarch+".so.1"
	return b
}

// judge runs the Linux platform like audit.Run does: resolve against the
// target's promises, then judge.
func judge(t *testing.T, lp LinuxPlatform, declared []string, ext []audit.ExternalLib, bins ...*audit.Binary) *audit.Report {
	t.Helper()
	tg := lp.Target(audit.Input{Binaries: bins, Declared: declared})
	if tg == nil {
		t.Fatal("no target for ELF binaries")
	}
	for _, b := range bins {
		b.Resolutions = nil
		for _, n := range b.Needed {
			if r, ok := tg.Promises(b, n); ok {
				b.Resolutions = append(b.Resolutions, r)
			} else {
				b.Resolutions = append(b.Resolutions, audit.Resolution{Need: n, By: audit.ByNone})
			}
		}
	}
	r := &audit.Report{DeclaredTags: declared, Binaries: bins, ExternalLibs: ext}
	tg.Judge(r)
	return r
}

func TestLinuxVerdicts(t *testing.T) {
	libc := []string{"libc.so.6"}
	tests := []struct {
		name     string
		declared []string
		ext      []audit.ExternalLib
		bins     []*audit.Binary
		noISA    bool
		wantTag  string
		wantSym  string
		// wantReason must appear in some failing policy's reasons.
		wantReason string
		// wantFinding is a finding code that must be present.
		wantFinding string
	}{
		{name: "no needs", bins: []*audit.Binary{ext("m/_x.so", nil, nil)},
			wantTag: "manylinux_2_5_x86_64", wantSym: "manylinux_2_5_x86_64"},
		{name: "glibc 2.17", bins: []*audit.Binary{ext("m/_x.so", libc, []string{"libc.so.6:GLIBC_2.2.5", "libc.so.6:GLIBC_2.17"}, "clock_gettime@GLIBC_2.17")},
			wantTag: "manylinux_2_17_x86_64", wantSym: "manylinux_2_17_x86_64",
			wantReason: "m/_x.so needs GLIBC_2.17 (clock_gettime) from libc.so.6; this policy allows up to GLIBC_2.12"},
		{name: "glibcxx names symbol", bins: []*audit.Binary{ext("m/_x.so", []string{"libstdc++.so.6", "libc.so.6"},
			[]string{"libstdc++.so.6:GLIBCXX_3.4.26", "libstdc++.so.6:GLIBCXX_3.4.21", "libc.so.6:GLIBC_2.14"}, "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE10_M_replaceEmmPKcm@GLIBCXX_3.4.21", "_ZNSt13runtime_errorC1EPKc@GLIBCXX_3.4.26")},
			wantTag: "manylinux_2_31_x86_64", wantSym: "manylinux_2_31_x86_64",
			wantReason: "m/_x.so needs GLIBCXX_3.4.26 (std::runtime_error::runtime_error) from libstdc++.so.6; this policy allows up to GLIBCXX_3.4.19 (also too new: GLIBCXX_3.4.21)"},
		{name: "unknown namespace ignored", bins: []*audit.Binary{ext("m/_x.so", []string{"libssl.so.3"}, []string{"libssl.so.3:OPENSSL_3.0.0"})},
			ext:     []audit.ExternalLib{{Soname: "libssl.so.3", Reason: "not found", NeededBy: []string{"m/_x.so"}}},
			wantTag: "linux_x86_64", wantSym: "manylinux_2_5_x86_64", wantFinding: "linux/external-library",
			wantReason: "needs 1 external library that no policy allows and the loader would not find in the artifact: libssl.so.3"},
		{name: "GLIBC_PRIVATE fails every policy", bins: []*audit.Binary{ext("m/_x.so", libc, []string{"libc.so.6:GLIBC_PRIVATE"}, "_dl_x@GLIBC_PRIVATE")},
			wantTag: "linux_x86_64", wantSym: "linux_x86_64"},
		{name: "blacklisted zcalloc", bins: []*audit.Binary{ext("m/_x.so", []string{"libz.so.1", "libc.so.6"}, []string{"libz.so.1:ZLIB_1.2.0"}, "zcalloc@ZLIB_1.2.0", "zcfree")},
			wantTag: "linux_x86_64", wantSym: "manylinux_2_12_x86_64", wantFinding: "linux/blacklisted-symbol",
			wantReason: "m/_x.so uses zcalloc, zcfree from libz.so.1"},
		{name: "weak blacklisted ignored", bins: []*audit.Binary{ext("m/_x.so", libc, []string{"libc.so.6:GLIBC_2.2.5"}, "weak:__cxa_thread_atexit_impl")},
			wantTag: "manylinux_2_5_x86_64", wantSym: "manylinux_2_5_x86_64"},
		{name: "strong blacklisted libc symbol pins 2_24", bins: []*audit.Binary{ext("m/_x.so", libc, []string{"libc.so.6:GLIBC_2.2.5"}, "__cxa_thread_atexit_impl")},
			wantTag: "manylinux_2_24_x86_64", wantSym: "manylinux_2_5_x86_64",
			wantReason: "m/_x.so uses __cxa_thread_atexit_impl from libc.so.6, which this policy forbids"},
		{name: "libmvec allowed from 2_24", bins: []*audit.Binary{ext("m/_x.so", []string{"libmvec.so.1", "libc.so.6"}, nil)},
			wantTag: "manylinux_2_24_x86_64", wantSym: "manylinux_2_5_x86_64",
			wantReason: "m/_x.so needs libmvec.so.1, which this policy does not allow (allowed from manylinux_2_24_x86_64)"},
		{name: "isa v3", bins: []*audit.Binary{func() *audit.Binary { b := ext("m/_x.so", nil, nil); b.ISA = "x86-64-v3"; return b }()},
			wantTag: "linux_x86_64", wantFinding: "linux/isa", wantSym: "manylinux_2_5_x86_64"},
		{name: "isa v3 check disabled", noISA: true, bins: []*audit.Binary{func() *audit.Binary { b := ext("m/_x.so", nil, nil); b.ISA = "x86-64-v3"; return b }()},
			wantTag: "manylinux_2_5_x86_64", wantSym: "manylinux_2_5_x86_64"},
		{name: "pyfpe", bins: []*audit.Binary{ext("m/_x.so", nil, nil, "PyFPE_jbuf")},
			wantTag: "linux_x86_64", wantFinding: "linux/pyfpe", wantSym: "manylinux_2_5_x86_64"},
		{name: "declared tag too old", declared: []string{"manylinux2014_x86_64", "manylinux_2_17_x86_64"},
			bins:    []*audit.Binary{ext("m/_x.so", libc, []string{"libc.so.6:GLIBC_2.28"}, "fcntl64@GLIBC_2.28")},
			wantTag: "manylinux_2_28_x86_64", wantSym: "manylinux_2_28_x86_64", wantFinding: "linux/tag-unsupported"},
		{name: "declared newer tag is fine", declared: []string{"manylinux_2_34_x86_64"},
			bins:    []*audit.Binary{ext("m/_x.so", libc, []string{"libc.so.6:GLIBC_2.28"}, "fcntl64@GLIBC_2.28")},
			wantTag: "manylinux_2_28_x86_64", wantSym: "manylinux_2_28_x86_64"},
		{name: "declared wrong arch", declared: []string{"manylinux_2_17_aarch64"},
			bins:    []*audit.Binary{ext("m/_x.so", nil, nil)},
			wantTag: "manylinux_2_5_x86_64", wantSym: "manylinux_2_5_x86_64", wantFinding: "linux/tag-mismatch"},
		// 'any' with binaries is package audit's finding, for every format.
		{name: "declared any with binaries", declared: []string{"any"},
			bins:    []*audit.Binary{ext("m/_x.so", nil, nil)},
			wantTag: "manylinux_2_5_x86_64", wantSym: "manylinux_2_5_x86_64"},
		{name: "unknown ISA level", bins: []*audit.Binary{func() *audit.Binary { b := ext("m/_x.so", nil, nil); b.ISA = audit.ISAUnknown; return b }()},
			wantTag: "linux_x86_64", wantFinding: "linux/isa", wantSym: "manylinux_2_5_x86_64",
			wantReason: "m/_x.so declares an x86-64 ISA level libvet does not know"},
		{name: "pyfpe data symbol is not PyFPE", bins: []*audit.Binary{func() *audit.Binary {
			b := ext("m/_x.so", nil, nil, "PyFPE_jbuf")
			b.Imports[0].Func, b.Imports[0].Object = false, true
			return b
		}()}, wantTag: "manylinux_2_5_x86_64", wantSym: "manylinux_2_5_x86_64"},
		{name: "musl", bins: []*audit.Binary{func() *audit.Binary {
			b := ext("m/_x.so", []string{"libc.musl-x86_64.so.1"}, nil)
			b.Libc, b.LibcReason = audit.Musl, "DT_NEEDED libc.musl-x86_64.so.1"
			return b
		}()}, wantTag: "musllinux_1_2_x86_64", wantSym: "musllinux_1_2_x86_64",
			wantReason: "musl has no symbol versions"},
		{name: "musl declared 1_1 is trusted", declared: []string{"musllinux_1_1_x86_64"}, bins: []*audit.Binary{muslBin("x86_64")},
			wantTag: "musllinux_1_1_x86_64", wantSym: "musllinux_1_1_x86_64"},
		{name: "musl time64 needs 1_2", declared: []string{"musllinux_1_1_i686"}, bins: []*audit.Binary{muslBin("i686", "__clock_gettime64")},
			wantTag: "musllinux_1_2_i686", wantSym: "musllinux_1_2_i686", wantFinding: "linux/tag-unsupported",
			wantReason: "m/_x.so uses __clock_gettime64 (64-bit time_t), which musl provides from 1.2"},
		{name: "armv6l declared on armv7l binaries", declared: []string{"linux_armv6l"}, bins: []*audit.Binary{func() *audit.Binary {
			b := muslBin("armv7l")
			return b
		}()}, wantTag: "musllinux_1_2_armv7l", wantSym: "musllinux_1_2_armv7l", wantFinding: "linux/arch-name"},
		{name: "declared musllinux on glibc binaries", declared: []string{"musllinux_1_2_x86_64"},
			bins:    []*audit.Binary{ext("m/_x.so", libc, []string{"libc.so.6:GLIBC_2.2.5"})},
			wantTag: "manylinux_2_5_x86_64", wantSym: "manylinux_2_5_x86_64", wantFinding: "linux/tag-mismatch"},
		{name: "unsupported arch", bins: []*audit.Binary{func() *audit.Binary {
			b := ext("m/_x.so", nil, nil)
			b.Arch, b.Machine = "", "EM_ARM 32-bit LSB (EABI5, soft-float)"
			return b
		}()}, wantTag: "", wantFinding: "linux/unsupported-arch"},
		{name: "exec stack", bins: []*audit.Binary{func() *audit.Binary { b := ext("m/_x.so", nil, nil); b.ExecStack = true; return b }()},
			wantTag: "manylinux_2_5_x86_64", wantSym: "manylinux_2_5_x86_64", wantFinding: "linux/exec-stack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := judge(t, LinuxPlatform{DisableISACheck: tt.noISA}, tt.declared, tt.ext, tt.bins...)
			if r.PlatformTag != tt.wantTag {
				t.Errorf("platform tag %q, want %q\npolicies: %+v\nfindings: %+v", r.PlatformTag, tt.wantTag, r.Policies, r.Findings)
			}
			if r.SymbolTag != tt.wantSym {
				t.Errorf("symbol tag %q, want %q", r.SymbolTag, tt.wantSym)
			}
			if tt.wantReason != "" && !hasReason(r, tt.wantReason) {
				t.Errorf("no policy reason contains %q\npolicies: %+v", tt.wantReason, r.Policies)
			}
			if tt.wantFinding != "" && !hasFinding(r, tt.wantFinding) {
				t.Errorf("no finding %s\nfindings: %+v", tt.wantFinding, r.Findings)
			}
			for _, f := range r.Findings {
				switch f.Code {
				case "linux/pyfpe", "linux/ucs2", "linux/libpython", "linux/isa", "linux/blacklisted-symbol", "linux/exec-stack":
					if f.Member == "" {
						t.Errorf("finding %s does not name its member: %+v", f.Code, f)
					}
				}
				if f.Severity == audit.Error && tt.wantFinding == "" && tt.wantTag != "linux_x86_64" {
					t.Errorf("unexpected error finding: %+v", f)
				}
			}
		})
	}
}

func hasReason(r *audit.Report, want string) bool {
	for _, p := range r.Policies {
		for _, reason := range p.Reasons {
			if strings.Contains(reason, want) {
				return true
			}
		}
	}
	return false
}

func hasFinding(r *audit.Report, code string) bool {
	for _, f := range r.Findings {
		if f.Code == code {
			return true
		}
	}
	return false
}

func TestParsePlatformTag(t *testing.T) {
	tests := []struct {
		tag  string
		want platformTag
		ok   bool
	}{
		{"manylinux_2_17_x86_64", platformTag{"manylinux", 2, 17, "x86_64"}, true},
		{"manylinux2014_aarch64", platformTag{"manylinux", 2, 17, "aarch64"}, true},
		{"manylinux1_i686", platformTag{"manylinux", 2, 5, "i686"}, true},
		{"manylinux2010_x86_64", platformTag{"manylinux", 2, 12, "x86_64"}, true},
		{"musllinux_1_2_armv7l", platformTag{"musllinux", 1, 2, "armv7l"}, true},
		{"linux_x86_64", platformTag{"linux", 0, 0, "x86_64"}, true},
		{"macosx_11_0_arm64", platformTag{}, false},
		{"any", platformTag{}, false},
	}
	for _, tt := range tests {
		got, ok := parsePlatformTag(tt.tag)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parsePlatformTag(%q) = %+v, %v; want %+v, %v", tt.tag, got, ok, tt.want, tt.ok)
		}
	}
}
