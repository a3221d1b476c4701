package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileNamesNotPrinted: names a root controls (an installed
// package, a loader path, an index's repository) reach the output with
// their escape sequences and bidi overrides replaced, in every command
// and on stderr.
func TestHostileNamesNotPrinted(t *testing.T) {
	root := t.TempDir()
	if err := os.CopyFS(root, os.DirFS("../../testdata/roots/alpine")); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(root, "lib/apk/db/installed")
	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "P:libvetdemo\nV:1.0-r0", "P:libvet\x1b]0;PWNED\x07demo\nV:1.0\u202e-r0\x1b[2J", 1))
	if err := os.WriteFile(db, data, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := "opt/e\x1b[2Jx"
	if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
		t.Fatal(err)
	}
	lib, _ := os.ReadFile(filepath.Join(root, "usr/lib/vetdemo/libvetdemo.so.1"))
	os.WriteFile(filepath.Join(root, dir, "libvetdemo.so.1"), lib, 0o644)
	os.WriteFile(filepath.Join(root, "etc/ld-musl-x86_64.path"), []byte("/"+dir+"\n/lib\n/usr/lib\n"), 0o644)
	ext := filepath.Join(root, "usr/lib/python3.12/site-packages/markupsafe/_speedups.cpython-312-x86_64-linux-musl.so")
	for _, args := range [][]string{
		{"host", "--root", root, ext},
		{"tree", "--root", root, ext},
		{"show", "--root", root, ext},
	} {
		stdout, stderr, _ := runCLI(t, args, nil)
		for _, out := range []string{stdout, stderr} {
			if strings.ContainsAny(out, "\x1b\x07\u202e") {
				t.Errorf("libvet %s printed a control or bidi character:\n%q", args[0], out)
			}
		}
		if args[0] != "show" && !strings.Contains(stdout, "opt/e\ufffd[2Jx") {
			t.Errorf("libvet %s: the loader path is not shown made printable:\n%s", args[0], stdout)
		}
	}
}
