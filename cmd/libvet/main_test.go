package main

import (
	"archive/zip"
	"bytes"
	"context"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/libvet/libvet/internal/jsonschema"
	"github.com/libvet/libvet/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// wheels is where the committed real wheels live, relative to this package.
const wheels = "../../testdata/wheels/"

// cliCase is one libvet invocation with its golden output.
type cliCase struct {
	name string
	args []string
	env  map[string]string
	// code is the expected exit code; the golden file records it too.
	code int
}

// runCLI runs libvet in-process with a hermetic environment: no
// LD_LIBRARY_PATH, no terminal.
func runCLI(t *testing.T, args []string, envs map[string]string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, env{
		stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return envs[k] },
	})
	return stdout.String(), stderr.String(), code
}

// checkGolden compares got with testdata/golden/name.golden, or rewrites
// it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run 'go test ./cmd/libvet -update' to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (run with -update if the change is intended)\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

func TestCLI(t *testing.T) {
	tmp := t.TempDir()
	bad := writeBadInputs(t, tmp)
	hermetic := []string{"--ldpaths", ""}
	cases := []cliCase{
		{name: "help", args: []string{"help"}, code: 0},
		{name: "no-args", args: nil, code: 2},
		{name: "unknown-command", args: []string{"frobnicate"}, code: 2},
		{name: "unknown-flag", args: []string{"show", "--frob", "x.whl"}, code: 2},
		{name: "bad-format", args: []string{"show", "--format", "xml", "x.whl"}, code: 2},
		{name: "bad-fail-on", args: []string{"check", "--fail-on", "fatal", "x.whl"}, code: 2},
		{name: "no-artifact", args: []string{"check"}, code: 2},
		{name: "missing-file", args: []string{"show", filepath.Join(tmp, "nope.whl")}, code: 3},
		{name: "not-a-zip", args: []string{"show", bad["not_a_zip"]}, code: 3},
		{name: "truncated", args: []string{"check", bad["truncated"]}, code: 3},
		{name: "traversal", args: []string{"show", "--format", "json", bad["traversal"]}, code: 3},
		{name: "bomb", args: []string{"check", bad["bomb"]}, code: 3},
		{name: "no-wheel-file", args: []string{"show", bad["no_wheel_file"]}, code: 3},

		// Packages: the linkage audit (testdata/conda, testdata/containers,
		// testdata/prefix and testdata/dpkgroot say what each is for).
		{name: "conda-alone", args: []string{"check", "../../testdata/conda/libpng-1.6.39-h0_0.conda"}, code: 0},
		{name: "conda-with", args: []string{"check", "--with", "../../testdata/conda/with", "../../testdata/conda/libpng-1.6.39-h0_0.conda",
			"../../testdata/conda/libpng-1.6.39-h0_0.tar.bz2", "../../testdata/conda/pngbad-1.6.39-h0_0.conda"}, code: 1},
		{name: "conda-with-json", args: []string{"show", "--format", "json", "--with", "../../testdata/conda/with", "../../testdata/conda/pngbad-1.6.39-h0_0.conda"}, code: 0},
		{name: "conda-prefix", args: []string{"show", "--prefix", "../../testdata/prefix", "../../testdata/conda/libpng-1.6.39-h0_0.tar.bz2"}, code: 0},
		{name: "conda-prefix-dir", args: []string{"show", "../../testdata/prefix"}, code: 0},
		{name: "conda-prefix-and-with", args: []string{"show", "--prefix", "../../testdata/prefix", "--with", "../../testdata/conda/with", "x.conda"}, code: 2},
		{name: "conda-bad-with", args: []string{"show", "--with", "../../testdata/wheels", "x.conda"}, code: 2},
		{name: "deb-root", args: []string{"check", "--root", "../../testdata/dpkgroot/debian", "../../testdata/containers/zlib1g_1.2.13.dfsg-1_amd64.deb",
			"../../testdata/containers/libffi8_3.4.4-1_amd64.deb"}, code: 0},
		// libvet host against a fixture root (its ld.so.cache and dpkg database).
		{name: "host-glibc-root", args: []string{"host", "--root", "../../testdata/roots/glibc", "--ecosystem", "ubuntu",
			"../../testdata/wheels/deb_psycopg2-2.9.5-cp311-cp311-manylinux_2_17_x86_64.whl", "../../testdata/wheels/markupsafe-3.0.4-cp312-cp312-win_amd64.whl"}, code: 1},
		{name: "host-glibc-root-json", args: []string{"host", "--root", "../../testdata/roots/glibc", "--ecosystem", "fedora", "--format", "json",
			"../../testdata/wheels/python_snappy-0.6.1-cp310-cp310-manylinux_2_12_x86_64.manylinux2010_x86_64.whl"}, code: 1},
		{name: "host-musl-root", args: []string{"host", "--root", "../../testdata/roots/musl", "--ecosystem", "ubuntu",
			"../../testdata/wheels/MarkupSafe-2.1.5-cp312-cp312-musllinux_1_1_x86_64.whl"}, code: 0},
		{name: "host-musl-wheel-glibc-root", args: []string{"host", "--root", "../../testdata/roots/glibc", "--ecosystem", "ubuntu",
			"../../testdata/wheels/MarkupSafe-2.1.5-cp312-cp312-musllinux_1_1_x86_64.whl"}, code: 1},
		// An Alpine root: apk's repository index names the packages (PEP 804 has no Alpine mapping),
		// and the installed package whose library is off musl's path is named.
		{name: "host-alpine-root", args: []string{"host", "--root", "../../testdata/roots/alpine",
			"../../testdata/roots/alpine/usr/lib/python3.12/site-packages/markupsafe/_speedups.cpython-312-x86_64-linux-musl.so"}, code: 1},
		{name: "host-alpine-root-json", args: []string{"host", "--root", "../../testdata/roots/alpine", "--format", "json",
			"../../testdata/roots/alpine/usr/lib/python3.12/site-packages/markupsafe/_speedups.cpython-312-x86_64-linux-musl.so"}, code: 1},
		// Roots whose dnf, zypper and pacman caches (made by those tools; host/testdata) name the packages.
		{name: "host-dnf-root", args: []string{"host", "--root", "../../host/testdata/rpmrepo/dnf", "--ecosystem", "fedora",
			"../../testdata/roots/vetdemo/needs-vetdemo.so"}, code: 1},
		{name: "host-zypper-root-json", args: []string{"host", "--root", "../../host/testdata/rpmrepo/zypper", "--format", "json",
			"../../testdata/roots/vetdemo/needs-vetdemo.so"}, code: 1},
		{name: "host-pacman-root", args: []string{"host", "--root", "../../host/testdata/pacmansync/root", "--ecosystem", "arch",
			"../../testdata/roots/vetdemo/needs-vetdemo.so"}, code: 1},
		// A 32-bit binary on those roots: dnf's name.arch, Arch's lib32- package.
		{name: "host-dnf-root-32", args: []string{"host", "--root", "../../host/testdata/rpmrepo/dnf", "../../testdata/roots/vetdemo/needs-vetdemo-32.so"}, code: 1},
		{name: "host-pacman-root-32", args: []string{"host", "--root", "../../host/testdata/pacmansync/root", "../../testdata/roots/vetdemo/needs-vetdemo-32.so"}, code: 1},
		// The mapping of another ecosystem than the root's index: one command per manager.
		{name: "host-mixed-managers", args: []string{"host", "--root", "../../host/testdata/rpmrepo/dnf", "--ecosystem", "ubuntu", "../../testdata/roots/vetdemo/needs-vetdemo.so",
			"../../testdata/wheels/python_snappy-0.6.1-cp310-cp310-manylinux_2_12_x86_64.manylinux2010_x86_64.whl"}, code: 1},
		// HOMEBREW_PREFIX is this system's, not the foreign root's: no ecosystem is detected from it.
		{name: "host-foreign-root-env", args: []string{"host", "--root", "../../host/testdata/rpmrepo/zypper", "../../testdata/roots/vetdemo/needs-vetdemo.so"},
			env: map[string]string{"HOMEBREW_PREFIX": "/home/linuxbrew/.linuxbrew", "CONDA_PREFIX": "/opt/conda"}, code: 1},
		{name: "host-ldpaths-and-library-path", args: []string{"host", "--ldpaths", "/lib", "--ld-library-path", "/opt", "x.whl"}, code: 2},
		// A wheel of another architecture than the root's dpkg: name:arch packages.
		{name: "host-foreign-arch", args: []string{"host", "--root", "../../testdata/roots/glibc", "--ecosystem", "ubuntu",
			"../../testdata/wheels/markupsafe-3.0.4-cp312-cp312-manylinux2014_aarch64.manylinux_2_17_aarch64.manylinux_2_28_aarch64.whl"}, code: 1},
		{name: "host-bad-root", args: []string{"host", "--root", "../../testdata/nonexistent",
			"../../testdata/wheels/MarkupSafe-2.1.5-cp312-cp312-musllinux_1_1_x86_64.whl"}, code: 2},
		{name: "deb-root-json", args: []string{"show", "--format", "json", "--root", "../../testdata/dpkgroot/debian", "../../testdata/containers/liblz4-1_1.9.4-1_amd64.deb"}, code: 0},
	}
	for _, w := range goldenWheels {
		args := append(append([]string{w.cmd}, hermetic...), w.flags...)
		args = append(args, wheels+w.file)
		for _, f := range w.more {
			args = append(args, wheels+f)
		}
		cases = append(cases, cliCase{name: w.name, args: args, code: w.code})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, c.args, c.env)
			if code != c.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.code, stdout, stderr)
			}
			if isJSON(c.args) && stdout != "" && c.args[0] == "host" {
				checkSchema(t, hostSchema, "host-schema.json", stdout)
			}
			if isJSON(c.args) && stdout != "" && c.args[0] != "deps" && c.args[0] != "host" { // deps and host have their own shapes
				errs, err := jsonschema.Validate(report.Schema, []byte(stdout))
				if err != nil {
					t.Fatal(err)
				}
				if len(errs) > 0 {
					t.Errorf("JSON output does not match report/schema.json:\n%s", strings.Join(errs, "\n"))
				}
			}
			got := "$ libvet " + shellJoin(c.args) + "\n" + stdout + "--- stderr\n" + stderr + "--- exit " + strconv.Itoa(code) + "\n"
			checkGolden(t, c.name, fixup(got, tmp))
		})
	}
}

// goldenWheel is a committed wheel with the command run on it.
type goldenWheel struct {
	name, cmd, file string
	flags           []string
	code            int
	// more are further wheels audited in the same invocation.
	more []string
}

// goldenWheels are filled in by goldens_test.go.
var goldenWheels []goldenWheel

// shellJoin quotes empty arguments, for the golden files' command line.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "" {
			out[i] = `""`
		}
	}
	return strings.Join(out, " ")
}

// checkSchema validates a JSON output against one of libvet's schemas.
func checkSchema(t *testing.T, schema []byte, name, stdout string) {
	t.Helper()
	errs, err := jsonschema.Validate(schema, []byte(stdout))
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Errorf("JSON output does not match %s:\n%s", name, strings.Join(errs, "\n"))
	}
}

func isJSON(args []string) bool {
	for i, a := range args {
		if a == "--format=json" || (a == "--format" && i+1 < len(args) && args[i+1] == "json") {
			return true
		}
	}
	return false
}

// fixup replaces the test's temporary directory with $TMP.
func fixup(s, tmp string) string {
	return strings.ReplaceAll(s, tmp, "$TMP")
}

// writeBadInputs writes hostile or broken artifacts into dir.
func writeBadInputs(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	write := func(name string, data []byte) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out[strings.SplitN(name, "-1.0", 2)[0]] = p
	}
	write("not_a_zip-1.0-py3-none-any.whl", []byte("<html>404 not found</html>\n"))

	good := zipOf(t, map[string]string{
		"demo-1.0.dist-info/WHEEL":    "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp312-cp312-manylinux_2_17_x86_64\n",
		"demo-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
		"demo/__init__.py":            strings.Repeat("# padding\n", 200),
	})
	write("truncated-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", good[:len(good)*2/3])
	write("traversal-1.0-py3-none-any.whl", zipOf(t, map[string]string{
		"traversal-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
		"../../etc/evil.so":             "x",
	}))
	write("no_wheel_file-1.0-py3-none-any.whl", zipOf(t, map[string]string{"demo/__init__.py": ""}))
	write("bomb-1.0-py3-none-any.whl", bombZip(t))
	return out
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bombZip is a wheel whose member inflates far past the size its headers
// declare.
func bombZip(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("bomb-1.0.dist-info/WHEEL")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"))
	hdr := &zip.FileHeader{Name: "bomb/data.so", Method: zip.Deflate}
	w, err = zw.CreateHeader(hdr)
	if err != nil {
		t.Fatal(err)
	}
	// A valid ELF64 header (no program headers) so libvet streams the
	// whole member, then 16 MiB of zeros.
	ehdr := []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
		"\x03\x00\x3e\x00\x01\x00\x00\x00" + strings.Repeat("\x00", 24) +
		"\x00\x00\x00\x00\x40\x00\x38\x00\x00\x00\x40\x00\x00\x00\x00\x00")
	w.Write(ehdr)
	zeros := make([]byte, 1<<20)
	for range 16 {
		w.Write(zeros)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	// Make both headers claim the member is 4 KiB.
	data := buf.Bytes()
	name := []byte("bomb/data.so")
	for i := 0; ; {
		j := bytes.Index(data[i:], name)
		if j < 0 {
			break
		}
		at := i + j
		switch {
		case at >= 30 && bytes.Equal(data[at-30:at-26], []byte("PK\x03\x04")):
			putLE32(data[at-30+22:], 4096)
		case at >= 46 && bytes.Equal(data[at-46:at-42], []byte("PK\x01\x02")):
			putLE32(data[at-46+24:], 4096)
		}
		i = at + len(name)
	}
	return data
}

func putLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
