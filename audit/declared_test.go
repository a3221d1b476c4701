package audit

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/libvet/libvet/artifact"
	"github.com/libvet/libvet/externaldeps"
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
		// The run-time entry and the compiler (its runtime library); the
		// sdist's top-level file, not sub/.
		if len(decls) != 2 || !decls[0].Build || decls[0].DepURL != "dep:virtual/compiler/c" ||
			decls[1].DepURL != "dep:generic/libpq" || decls[1].Build || !strings.HasSuffix(decls[1].Source, "pyproject.toml:7 (dependencies)") {
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

func TestMarkers(t *testing.T) {
	md, err := externaldeps.ParseMetadata("METADATA", []byte("Metadata-Version: 2.4\nName: demo\nVersion: 1.0\n"+
		"Requires-Dist: numpy\n"+
		"Requires-Dist: nvidia-cuda-runtime-cu12; extra == \"cuda\"\n"+
		"Requires-Dist: pywin32; sys_platform == \"win32\"\n"+
		"Requires-Dist: tomli; python_version < \"3.11\"\n"+
		"Requires-Dist: weird; platform_release == \"6.1\"\n"+
		"Requires-External-Dep: dep:generic/libpq\n"+
		"Requires-External-Dep: dep:generic/openssl; sys_platform == \"win32\"\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	w := &artifact.Wheel{Name: "demo", Version: "1.0", PythonTags: []string{"cp312"}}
	env := markerEnv(w, FormatELF)
	m := wheelManifest(w, md, env)
	// The extra's and win32's do not count, nor tomli on 3.12; a marker the
	// tags cannot decide (platform_release) keeps its entry.
	if want := []string{"numpy", "weird"}; !slices.Equal(m.Depends, want) {
		t.Errorf("depends %v, want %v", m.Depends, want)
	}
	var kept []string
	for _, d := range metadataDeclarations(md) {
		if applies(d.marker, env) {
			kept = append(kept, d.DepURL)
		}
	}
	if want := []string{"dep:generic/libpq"}; !slices.Equal(kept, want) {
		t.Errorf("declarations %v, want %v", kept, want)
	}
}
