package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The reference documents (../shared/reference, from the module root) and
// the committed data, relative to this package's directory.
const (
	referenceDir = "../../../../shared/reference/pep804-mappings/data"
	dataDir      = "../../data/pep804"
)

// TestRenderMatchesCommitted runs the generator on the reference documents
// and requires every committed file to be byte for byte what it produces,
// so stale or hand-edited data is caught.
func TestRenderMatchesCommitted(t *testing.T) {
	if _, err := os.Stat(referenceDir); errors.Is(err, os.ErrNotExist) {
		t.Skipf("reference documents not available: %s does not exist", referenceDir)
	}
	out := t.TempDir()
	ok, err := run(referenceDir, out, false)
	if err != nil || !ok {
		t.Fatalf("run: %v, %v", ok, err)
	}
	again := t.TempDir()
	if _, err := run(referenceDir, again, false); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.txt"))
	committed, _ := filepath.Glob(filepath.Join(dataDir, "*.txt"))
	if len(files) != len(committed) || len(files) < 2 {
		t.Errorf("generated %d files, %d committed", len(files), len(committed))
	}
	for _, f := range files {
		got, _ := os.ReadFile(f)
		second, _ := os.ReadFile(filepath.Join(again, filepath.Base(f)))
		if !bytes.Equal(got, second) {
			t.Errorf("%s: two runs differ", filepath.Base(f))
		}
		want, err := os.ReadFile(filepath.Join(dataDir, filepath.Base(f)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("externaldeps/data/pep804/%s is not what the generator makes from %s (%v); run scripts/refresh-externaldeps.sh", filepath.Base(f), referenceDir, err)
		}
	}
}

// TestRunCheck checks -check mode: up to date, then a changed and a stale
// file are reported and nothing is written.
func TestRunCheck(t *testing.T) {
	in := t.TempDir()
	write := func(dir, name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(in, "registry.json", smallRegistry)
	write(in, "known-ecosystems.json", `{"ecosystems": {"eco": {"mapping": "https://example.org/eco.mapping.json"}}}`)
	write(in, "eco.mapping.json", smallMapping)
	out := t.TempDir()
	if ok, err := run(in, out, false); err != nil || !ok {
		t.Fatalf("write: %v %v", ok, err)
	}
	if ok, err := run(in, out, true); err != nil || !ok {
		t.Fatalf("check after write: %v %v", ok, err)
	}
	write(out, "eco.txt", "changed")
	write(out, "gone.txt", "stale")
	if ok, err := run(in, out, true); err != nil || ok {
		t.Fatalf("check of a changed file: %v %v", ok, err)
	}
	if data, _ := os.ReadFile(filepath.Join(out, "eco.txt")); string(data) != "changed" {
		t.Error("check mode wrote a file")
	}
	if ok, err := run(in, out, false); err != nil || !ok {
		t.Fatalf("rewrite: %v %v", ok, err)
	}
	if _, err := os.Stat(filepath.Join(out, "gone.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Error("the stale file was not removed")
	}
	// A known ecosystem without a mapping is an error.
	write(in, "known-ecosystems.json", `{"ecosystems": {"eco": {"mapping": "x"}, "other": {"mapping": "y"}}}`)
	if _, err := run(in, out, true); err == nil || !strings.Contains(err.Error(), "lists other, but") {
		t.Errorf("missing mapping: %v", err)
	}
}

func TestNormalizeID(t *testing.T) {
	for in, want := range map[string]string{
		"dep:generic/zlib":                "dep:generic/zlib",
		"pkg:generic/zlib":                "dep:generic/zlib",
		"virtual:compiler/C":              "dep:virtual/compiler/c",
		"dep:virtual/Interface/BLAS":      "dep:virtual/interface/blas",
		"dep:github/OpenMathLib/OpenBLAS": "dep:github/openmathlib/openblas",
		"DEP:Generic/zlib":                "dep:generic/zlib",
		"dep:generic/cmake?repository_url=https://gitlab.kitware.com/cmake/cmake": "dep:generic/cmake?repository_url=https://gitlab.kitware.com/cmake/cmake",
	} {
		if got, err := NormalizeID(in); err != nil || got != want {
			t.Errorf("NormalizeID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "zlib", "dep:", "dep:generic/zlib@1.3", "dep:generic/a b", "npm:foo"} {
		if got, err := NormalizeID(bad); err == nil {
			t.Errorf("NormalizeID(%q) = %q, want an error", bad, got)
		}
	}
}

const smallRegistry = `{
  "$schema": "https://example.org/central-registry.schema.json",
  "schema_version": 1,
  "definitions": [
    {"id": "dep:generic/zlib", "description": "Compression library", "urls": {"home": "https://zlib.net"}},
    {"id": "pkg:generic/openblas", "description": "OpenBLAS", "provides": ["virtual:interface/blas"]},
    {"id": "dep:github/Madler/Zlib", "description": null, "provides": "dep:generic/zlib"},
    {"id": "dep:virtual/interface/blas"}
  ]
}`

// body returns out without its header comments: what follows the format
// line.
func body(t *testing.T, out []byte, format string) string {
	t.Helper()
	_, after, ok := strings.Cut(string(out), "\n"+format+"\n")
	if !ok {
		t.Fatalf("no format line in\n%s", out)
	}
	return after
}

func TestRenderRegistry(t *testing.T) {
	out, err := RenderRegistry([]byte(smallRegistry))
	if err != nil {
		t.Fatal(err)
	}
	want := `
def dep:generic/zlib Compression library
def dep:generic/openblas OpenBLAS
provides dep:virtual/interface/blas
def dep:github/madler/zlib
provides dep:generic/zlib
def dep:virtual/interface/blas
`
	if got := body(t, out, registryFormat); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !bytes.Contains(out, []byte("# Generated by externaldeps/internal/pep804gen; DO NOT EDIT.")) || !bytes.Contains(out, []byte("input sha256 ")) {
		t.Errorf("header:\n%s", out)
	}

	for _, bad := range []struct{ src, want string }{
		{`{"definitions": []}`, "no definitions"},
		{`{"definitions": [{"id": "dep:generic/a", "extra": 1}]}`, `unknown field "extra"`},
		{`{"definitions": [{"id": "dep:generic/a"}, {"id": "pkg:generic/a"}]}`, "dep:generic/a is defined twice"},
		{`{"schema_version": 2, "definitions": [{"id": "dep:generic/a"}]}`, "schema_version 2"},
		{`{"definitions": [{"id": "dep:virtual/interface/blas", "provides": "dep:generic/a"}]}`, "a virtual DepURL must not provide anything"},
		{`{"definitions": [{"id": "dep:generic/a", "provides": ["dep:generic/a"]}]}`, "provides itself"},
		{`{"definitions": [{"id": "dep:generic/a", "provides": [1]}]}`, "want a DepURL or a list"},
		{`{"definitions": [{"id": "dep:generic/a", "description": "two\nlines"}]}`, "control characters"},
		{`{"definitions": [{"id": "generic/a"}]}`, "generic/a"},
		{`{"definitions": [{"id": "dep:generic/a"}]} {}`, "unexpected data after the top-level JSON value"},
		{"{\n  \"definitions\": [,]\n}", "line 2, column"},
	} {
		if _, err := RenderRegistry([]byte(bad.src)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("RenderRegistry(%s): %v, want %q", bad.src, err, bad.want)
		}
	}
}

func TestKnownEcosystems(t *testing.T) {
	got, err := KnownEcosystems([]byte(`{"schema_version": 1, "ecosystems": {"ubuntu": {"mapping": "u"}, "debian+12": {"mapping": "d"}, "arch": {"mapping": "a"}}}`))
	if err != nil || strings.Join(got, " ") != "arch debian+12 ubuntu" {
		t.Errorf("got %q, %v", got, err)
	}
	for _, bad := range []string{`{"ecosystems": {}}`, `{"ecosystems": {"Ubuntu": {"mapping": "u"}}}`, `{"ecosystems": {"a": {"url": "u"}}}`} {
		if _, err := KnownEcosystems([]byte(bad)); err == nil {
			t.Errorf("KnownEcosystems(%s): no error", bad)
		}
	}
}

const smallMapping = `{
  "schema_version": 1,
  "name": "Eco 1.0",
  "description": "Mapping for Eco",
  "package_managers": [
    {"name": "ecopm",
     "commands": {"install": {"command": ["ecopm", "install", "{}"], "requires_elevation": true, "multiple_specifiers": "name-only"},
                  "query": {"command": ["ecopm", "query", "{}"]}},
     "specifier_syntax": {"name_only": ["{name}"], "exact_version": ["{name}=={version}"], "version_ranges": null}},
    {"name": "ecoshell",
     "commands": {"install": {"command": ["ecoshell", "-p", "{}"]}, "query": {"command": []}},
     "specifier_syntax": {"name_only": ["--pkg", "{name}"], "exact_version": null, "version_ranges": null}}
  ],
  "mappings": [
    {"id": "dep:generic/zlib", "description": "Compression library", "specs": "zlib", "urls": {"x": "https://x"}},
    {"id": "pkg:generic/openblas", "specs": {"build": [], "host": ["openblas", "openblas-dev"], "run": "openblas"}, "extra_metadata": {"k": 1}},
    {"id": "virtual:interface/blas", "specs_from": "pkg:generic/openblas"},
    {"id": "dep:virtual/interface/blas", "description": "alternative", "specs": ["blas * *_mkl", "other"]},
    {"id": "dep:virtual/interface/openmp", "specs": []}
  ]
}`

func TestRenderMapping(t *testing.T) {
	out, err := RenderMapping("eco", []byte(smallMapping), true)
	if err != nil {
		t.Fatal(err)
	}
	want := `ecosystem eco
name Eco 1.0
description Mapping for Eco

manager ecopm
install-elevated name-only ecopm install {}
query never ecopm query {}
name-only {name}

manager ecoshell
install always ecoshell -p {}
name-only --pkg {name}

entry dep:generic/zlib Compression library
build zlib
host zlib
run zlib

entry dep:generic/openblas
host openblas
host openblas-dev
run openblas

entry dep:virtual/interface/blas
from dep:generic/openblas

entry dep:virtual/interface/blas alternative
build blas * *_mkl
build other
host blas * *_mkl
host other
run blas * *_mkl
run other

entry dep:virtual/interface/openmp
`
	if got := body(t, out, mappingFormat); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if bytes.Contains(out, []byte("does not list this ecosystem")) {
		t.Error("a known ecosystem is said to be unknown")
	}
	out, err = RenderMapping("pypi", []byte(smallMapping), false)
	if err != nil || !bytes.Contains(out, []byte("# known-ecosystems.json does not list this ecosystem.")) {
		t.Errorf("unknown ecosystem: %v\n%s", err, out)
	}

	pm := `"package_managers": [{"name": "p", "commands": {"install": {"command": ["p", "{}"]}, "query": null}, "specifier_syntax": {"name_only": ["{name}"], "exact_version": null, "version_ranges": null}}]`
	for _, bad := range []struct{ eco, src, want string }{
		{"Eco", `{"mappings": [], ` + pm + `}`, `ecosystem "Eco" does not match`},
		{"eco", `{"mappings": []}`, "mappings and package_managers are required"},
		{"eco", `{"mappings": [], "package_managers": []}`, "no package managers"},
		{"eco", `{"mappings": [{"id": "dep:generic/a"}], ` + pm + `}`, "want exactly one of specs and specs_from"},
		{"eco", `{"mappings": [{"id": "dep:generic/a", "specs": "a", "specs_from": "dep:generic/b"}], ` + pm + `}`, "want exactly one of specs and specs_from"},
		{"eco", `{"mappings": [{"id": "dep:generic/a", "specs_from": "dep:generic/b"}], ` + pm + `}`, "specs_from dep:generic/b names no other entry"},
		{"eco", `{"mappings": [{"id": "dep:generic/a", "specs": {"run": "a", "test": "b"}}], ` + pm + `}`, "want a string, a list or {build, host, run}"},
		{"eco", `{"mappings": [{"id": "dep:generic/a", "specs": {"run": 1}}], ` + pm + `}`, "run: want a string or a list of strings"},
		{"eco", `{"mappings": [{"id": "dep:generic/a", "specs": ""}], ` + pm + `}`, "an empty specifier"},
		{"eco", `{"mappings": [{"id": "dep:generic/a", "specs": ["a", "a"]}], ` + pm + `}`, `build specifier "a" is listed twice`},
		{"eco", `{"mappings": [{"id": "dep:generic/a", "specs": [" a"]}], ` + pm + `}`, "leading or trailing white space"},
		{"eco", `{"mappings": [{"id": "dep:generic/a@2", "specs": "a"}], ` + pm + `}`, "an identifier has no version"},
		{"eco", `{"mappings": [], "package_managers": [{"name": "p", "commands": {"install": {"command": ["p"]}, "query": null}, "specifier_syntax": {"name_only": ["{name}"]}}]}`, "needs exactly one {} argument"},
		{"eco", `{"mappings": [], "package_managers": [{"name": "p", "commands": {"install": {"command": ["p", "{}", "a b"]}, "query": null}, "specifier_syntax": {"name_only": ["{name}"]}}]}`, "contains ' '"},
		{"eco", `{"mappings": [], "package_managers": [{"name": "p", "commands": {"install": {"command": ["p", "{}"], "multiple_specifiers": "some"}, "query": null}, "specifier_syntax": {"name_only": ["{name}"]}}]}`, `multiple_specifiers "some"`},
		{"eco", `{"mappings": [], "package_managers": [{"name": "p", "commands": {"install": {"command": ["p", "{}"]}, "query": null}, "specifier_syntax": {"name_only": ["pkg"]}}]}`, "name_only needs an argument with {name}"},
		{"eco", `{"mappings": [], "package_managers": [{"name": "p", "commands": {"query": null}, "specifier_syntax": {"name_only": ["{name}"]}}]}`, "commands.install and specifier_syntax are required"},
		{"eco", `{"mappings": [], "package_managers": [` + pm[len(`"package_managers": [`):len(pm)-1] + `, ` + pm[len(`"package_managers": [`):] + `}`, "package manager p is listed twice"},
		{"eco", `{"name": "two\nlines", "mappings": [], ` + pm + `}`, "control characters"},
	} {
		if _, err := RenderMapping(bad.eco, []byte(bad.src), true); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("RenderMapping(%s, %s): %v, want %q", bad.eco, bad.src, err, bad.want)
		}
	}
}

func TestWrap(t *testing.T) {
	got := wrap("aaa bbb ccc ddddddddddd e", 7)
	if strings.Join(got, "|") != "aaa bbb|ccc|ddddddddddd|e" {
		t.Errorf("wrap: %q", got)
	}
}

// FuzzRenderMapping renders arbitrary JSON: no panic, and what renders
// ends with a newline.
func FuzzRenderMapping(f *testing.F) {
	// Small seeds: the fuzzer mutates them far faster than the 20 KB
	// reference documents, which TestRenderMatchesCommitted renders.
	f.Add([]byte(smallMapping))
	f.Add([]byte(smallRegistry))
	f.Add([]byte(`{"ecosystems": {"ubuntu": {"mapping": "u"}}}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		if out, err := RenderMapping("eco", src, true); err == nil && !bytes.HasSuffix(out, []byte("\n")) {
			t.Fatal("no final newline")
		}
		if out, err := RenderRegistry(src); err == nil && !bytes.HasSuffix(out, []byte("\n")) {
			t.Fatal("no final newline")
		}
		_, _ = KnownEcosystems(src)
	})
}
