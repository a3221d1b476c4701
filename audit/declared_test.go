package audit

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libvet/libvet/artifact"
)

const pyproject = `[project]
name = "demo"

[external]
build-requires = ["dep:virtual/compiler/c"]
dependencies = [
  "dep:generic/libpq",
]
`

func TestReadDeclarations(t *testing.T) {
	dir := t.TempDir()
	proj := filepath.Join(dir, "proj")
	if err := os.MkdirAll(proj, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(proj, "pyproject.toml"), []byte(pyproject), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range map[string]string{"demo-1.0/pyproject.toml": pyproject, "demo-1.0/sub/pyproject.toml": "[external]\ndependencies = [\"dep:generic/zlib\"]\n"} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	sdist := filepath.Join(dir, "demo-1.0.tar.gz")
	if err := os.WriteFile(sdist, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{proj, filepath.Join(proj, "pyproject.toml"), sdist} {
		decls, err := ReadDeclarations(p, artifact.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		// Only the run-time entry; the sdist's top-level file, not sub/.
		if len(decls) != 1 || decls[0].DepURL != "dep:generic/libpq" || !strings.HasSuffix(decls[0].Source, "pyproject.toml:7 (dependencies)") {
			t.Errorf("%s: %+v", p, decls)
		}
	}
	empty := filepath.Join(dir, "empty.toml")
	os.WriteFile(empty, []byte("[project]\nname = \"x\"\n"), 0o644)
	if _, err := ReadDeclarations(empty, artifact.Limits{}); err == nil || !strings.Contains(err.Error(), "no [external] table") {
		t.Errorf("no table: %v", err)
	}
}

func TestUnhashed(t *testing.T) {
	for in, want := range map[string]string{
		"libsnappy-637b256b.so.1.1.4":                "libsnappy.so.1.1.4",
		"zlib1-6b0ea0e7bb2e1a8b8c3b9d6e4f1a2b3c.dll": "zlib1.dll",
		"libz.so.1":                     "libz.so.1",
		"libfoo-bar.so.1":               "libfoo-bar.so.1",
		"libgfortran-040039e1.so.5.0.0": "libgfortran.so.5.0.0",
	} {
		if got := unhashed(in); got != want {
			t.Errorf("unhashed(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"libz.so.1.2.13": "libz.so.1.2", "libz.so.1": "libz.so", "libz.so": "", "zlib1.dll": ""} {
		if got := shorterVersion(in); got != want {
			t.Errorf("shorterVersion(%q) = %q, want %q", in, got, want)
		}
	}
}
