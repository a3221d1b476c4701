package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/libvet/libvet/artifact"
	"github.com/libvet/libvet/audit"
	"github.com/libvet/libvet/host"
	"github.com/libvet/libvet/policy"
)

// corpus is the reference tools' fixtures, beside the repository in CI.
const corpus = "../../../shared/corpus/"

// auditHermetic audits path with no host library directories, so the
// verdict does not depend on the machine.
func auditHermetic(t *testing.T, path string, exclude ...string) *audit.Report {
	t.Helper()
	return audit.Run(context.Background(), path, audit.Config{
		Limits:    artifact.DefaultLimits(),
		Platforms: policy.Platforms(policy.LinuxPlatform{}),
		Exclude:   exclude,
		Host:      host.NewLinux(host.Options{LDPaths: []string{}}),
	})
}

func findingCodes(r *audit.Report, sev audit.Severity) []string {
	var codes []string
	for _, f := range r.Findings {
		if f.Severity >= sev && !slices.Contains(codes, f.Code) {
			codes = append(codes, f.Code)
		}
	}
	slices.Sort(codes)
	return codes
}

func externalNames(r *audit.Report) []string {
	names := []string{}
	for _, x := range r.ExternalLibs {
		names = append(names, x.Soname)
	}
	return names
}

// TestCorpusExpected asserts the verdicts of ../shared/corpus/EXPECTED.md
// for the Linux fixtures. Deliberate differences from auditwheel are in
// docs/differences.md.
func TestCorpusExpected(t *testing.T) {
	if _, err := os.Stat(corpus + "EXPECTED.md"); err != nil {
		t.Skipf("conformance corpus not found at %s (it lives in ../shared beside the repository): %v", corpus, err)
	}
	bw := corpus + "auditwheel/tests/bundled-wheels/"
	tests := []struct {
		file     string
		tag, sym string
		external []string
		errors   []string // error finding codes, sorted
		pure     bool
	}{
		{file: "glibc/testsimple-0.0.1-cp313-cp313-linux_x86_64.whl", tag: "manylinux_2_5_x86_64", sym: "manylinux_2_5_x86_64", errors: []string{}},
		{file: "glibc/testsimple-0.0.1-cp313-cp313-linux_i686.whl", tag: "manylinux_2_5_i686", sym: "manylinux_2_5_i686", errors: []string{}},
		{file: "glibc/testsimple-0.0.1-cp313-cp313-linux_aarch64.whl", tag: "manylinux_2_17_aarch64", sym: "manylinux_2_17_aarch64", errors: []string{}},
		{file: "glibc/testsimple-0.0.1-cp313-cp313-linux_armv7l.whl", tag: "manylinux_2_17_armv7l", sym: "manylinux_2_17_armv7l", errors: []string{}},
		{file: "glibc/testsimple-0.0.1-cp313-cp313-linux_ppc64le.whl", tag: "manylinux_2_17_ppc64le", sym: "manylinux_2_17_ppc64le", errors: []string{}},
		{file: "glibc/testsimple-0.0.1-cp313-cp313-linux_s390x.whl", tag: "manylinux_2_17_s390x", sym: "manylinux_2_17_s390x", errors: []string{}},
		{file: "glibc/testsimple-0.0.1-cp313-cp313-linux_riscv64.whl", tag: "manylinux_2_31_riscv64", sym: "manylinux_2_31_riscv64", errors: []string{}},
		{file: "glibc/testsimple-0.0.1-cp313-cp313-linux_armv5l.whl", errors: []string{"linux/unsupported-arch"}},
		{file: "glibc/testsimple-0.0.1-cp313-cp313-linux_mips64.whl", errors: []string{"linux/unsupported-arch"}},
		{file: "musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_x86_64.whl", tag: "musllinux_1_2_x86_64", sym: "musllinux_1_2_x86_64", errors: []string{}},
		{file: "musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_aarch64.whl", tag: "musllinux_1_2_aarch64", sym: "musllinux_1_2_aarch64", errors: []string{}},
		{file: "musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_armv6l.whl", tag: "musllinux_1_2_armv7l", sym: "musllinux_1_2_armv7l", errors: []string{}},
		{file: "musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_i686.whl", tag: "musllinux_1_2_i686", sym: "musllinux_1_2_i686", errors: []string{}},
		{file: "musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_riscv64.whl", tag: "musllinux_1_2_riscv64", sym: "musllinux_1_2_riscv64", errors: []string{}},
		// No NEEDED and a -linux-gnu.so name: auditwheel crashes; libvet
		// says glibc from the name, and why.
		{file: "musllinux_1_2/testsimple-0.0.1-cp310-cp310-linux_x86_64.whl", tag: "manylinux_2_5_x86_64", sym: "manylinux_2_5_x86_64", errors: []string{}},
		{file: "testzlib-0.0.1-cp310-cp310-linux_x86_64.whl", tag: "linux_x86_64", sym: "manylinux_2_12_x86_64", errors: []string{"linux/blacklisted-symbol"}},
		{file: "fpewheel-0.0.0-cp35-cp35m-linux_x86_64.whl", tag: "linux_x86_64", sym: "manylinux_2_5_x86_64", errors: []string{"linux/pyfpe"}},
		{file: "cffi-1.5.0-cp27-none-linux_x86_64.whl", tag: "linux_x86_64", sym: "manylinux_2_5_x86_64", external: []string{"libffi.so.5"},
			errors: []string{"linux/external-library", "linux/libpython", "linux/ucs2"}},
		{file: "python_snappy-0.5.2-pp260-pypy_41-linux_x86_64.whl", tag: "linux_x86_64", sym: "manylinux_2_5_x86_64", external: []string{"libsnappy.so.1"},
			errors: []string{"linux/external-library"}},
		{file: "python_mscl-67.0.1.0-cp313-cp313-manylinux2014_aarch64.whl", tag: "linux_aarch64", sym: "manylinux_2_31_aarch64",
			errors: []string{"linux/libpython", "linux/tag-unsupported"}},
		{file: "plumbum-1.6.8-py2.py3-none-any.whl", pure: true, errors: []string{}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			r := auditHermetic(t, bw+tt.file)
			if r.Error != "" {
				t.Fatalf("unreadable: %s", r.Error)
			}
			if r.PlatformTag != tt.tag || r.SymbolTag != tt.sym || r.Pure != tt.pure {
				t.Errorf("tag %q sym %q pure %v; want %q %q %v\nfindings: %+v", r.PlatformTag, r.SymbolTag, r.Pure, tt.tag, tt.sym, tt.pure, r.Findings)
			}
			if want := append([]string{}, tt.external...); !slices.Equal(externalNames(r), want) {
				t.Errorf("external libs %v, want %v", externalNames(r), want)
			}
			if got := findingCodes(r, audit.Error); !slices.Equal(got, tt.errors) && !(len(got) == 0 && len(tt.errors) == 0) {
				t.Errorf("error findings %v, want %v\n%+v", got, tt.errors, r.Findings)
			}
		})
	}
}

// TestCorpusExclude is auditwheel's test_analyze_wheel_abi exclude table
// on the cffi wheel (libpython is never external in libvet; see
// docs/differences.md).
func TestCorpusExclude(t *testing.T) {
	wheel := corpus + "auditwheel/tests/bundled-wheels/cffi-1.5.0-cp27-none-linux_x86_64.whl"
	if _, err := os.Stat(wheel); err != nil {
		t.Skipf("conformance corpus not found at %s: %v", corpus, err)
	}
	tests := []struct {
		exclude  []string
		external []string
	}{
		{nil, []string{"libffi.so.5"}},
		{[]string{"libffi.so.5"}, []string{}},
		{[]string{"libffi.so.[4,5]"}, []string{}},
		{[]string{"libffi.so.[6,7]"}, []string{"libffi.so.5"}},
		{[]string{"libffi.so.*"}, []string{}},
		{[]string{"*"}, []string{}},
	}
	for _, tt := range tests {
		r := auditHermetic(t, wheel, tt.exclude...)
		if got := externalNames(r); !slices.Equal(got, tt.external) {
			t.Errorf("--exclude %q: external %v, want %v", tt.exclude, got, tt.external)
		}
	}
}

// TestCorpusLibraryPath is auditwheel's cffi case with the corpus's
// stand-in libffi.so.5 on the library search path: found there, it is
// external with its path; excluded by a glob on that path, it is not.
func TestCorpusLibraryPath(t *testing.T) {
	wheel := corpus + "auditwheel/tests/bundled-wheels/cffi-1.5.0-cp27-none-linux_x86_64.whl"
	dir, err := filepath.Abs(corpus + "auditwheel/tests/integration")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir + "/libffi.so.5"); err != nil {
		t.Skipf("conformance corpus not found at %s: %v", corpus, err)
	}
	run := func(exclude ...string) *audit.Report {
		return audit.Run(context.Background(), wheel, audit.Config{
			Limits:    artifact.DefaultLimits(),
			Platforms: policy.Platforms(policy.LinuxPlatform{}),
			Exclude:   exclude,
			Host:      host.NewLinux(host.Options{LDPaths: []string{dir}}),
		})
	}
	r := run()
	if len(r.ExternalLibs) != 1 || r.ExternalLibs[0].Path != dir+"/libffi.so.5" || r.PlatformTag != "linux_x86_64" {
		t.Errorf("external %+v, tag %s; want libffi.so.5 at %s/libffi.so.5", r.ExternalLibs, r.PlatformTag, dir)
	}
	if r := run("*/integration/*"); len(r.ExternalLibs) != 0 {
		t.Errorf("excluded by its real path, libffi.so.5 is still external: %+v", r.ExternalLibs)
	}
}
