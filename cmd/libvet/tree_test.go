package main

import (
	"strconv"
	"testing"
)

// roots are the fixture roots of `libvet tree` (testdata/roots/README.md).
const roots = "../../testdata/roots/"

// TestTreeCLI runs `libvet tree` on the fixture roots; the goldens are
// testdata/golden/tree-*.golden, and JSON output is checked against
// tree-schema.json.
func TestTreeCLI(t *testing.T) {
	glibc, musl := roots+"glibc", roots+"musl"
	cases := []cliCase{
		{name: "tree-glibc", args: []string{"tree", "--root", glibc, glibc + "/opt/app/bin/app"}, code: 1},
		{name: "tree-glibc-json", args: []string{"tree", "--root", glibc, "--format", "json", glibc + "/opt/app/bin/app"}, code: 1},
		{name: "tree-glibc-hwcaps-v3", args: []string{"tree", "--root", glibc, "--x86-level", "3", glibc + "/opt/app/bin/md5user"}, code: 1},
		{name: "tree-glibc-baseline", args: []string{"tree", "--root", glibc, "--x86-level", "1", glibc + "/opt/app/bin/md5user"}, code: 0},
		{name: "tree-glibc-ldpaths", args: []string{"tree", "--root", glibc, "--ldpaths", "/opt/vendor/lib", "--no-owners", glibc + "/opt/vendor/lib/libvendor.so.1"}, code: 1},
		{name: "tree-glibc-library-path", args: []string{"tree", "--root", glibc, "--ld-library-path", "/opt/app/private", glibc + "/opt/app/lib/librun.so"}, code: 0},
		// The caller's LD_LIBRARY_PATH names this system's directories, not the root's.
		{name: "tree-glibc-caller-library-path", args: []string{"tree", "--root", glibc, glibc + "/opt/app/lib/librun.so"},
			env: map[string]string{"LD_LIBRARY_PATH": "/opt/app/private"}, code: 1},
		{name: "tree-musl", args: []string{"tree", "--root", musl, musl + "/usr/lib/python3.12/site-packages/markupsafe/_speedups.cpython-312-x86_64-linux-musl.so"}, code: 0},
		{name: "tree-musl-json", args: []string{"tree", "--root", musl, "--format=json", musl + "/usr/lib/python3.12/site-packages/markupsafe/_speedups.cpython-312-x86_64-linux-musl.so"}, code: 0},
		{name: "tree-macos", args: []string{"tree", "--root", roots + "macos", roots + "macos/site-packages/google_crc32c/_crc32c.cpython-312-darwin.so"}, code: 0},
		{name: "tree-windows", args: []string{"tree", "--root", roots + "windows", roots + "windows/site-packages/markupsafe/_speedups.cp312-win32.pyd"}, code: 1},
		{name: "tree-not-binary", args: []string{"tree", "--root", glibc, glibc + "/etc/ld.so.conf"}, code: 3},
		{name: "tree-missing-file", args: []string{"tree", "--root", glibc, glibc + "/nope"}, code: 3},
		{name: "tree-ldpaths-and-library-path", args: []string{"tree", "--ldpaths", "/lib", "--ld-library-path", "/opt", "a"}, code: 2},
		{name: "tree-two-files", args: []string{"tree", "a", "b"}, code: 2},
		{name: "tree-bad-libc", args: []string{"tree", "--libc", "bionic", "a"}, code: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, c.args, c.env)
			if code != c.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.code, stdout, stderr)
			}
			if isJSON(c.args) && stdout != "" {
				checkSchema(t, treeSchema, "tree-schema.json", stdout)
			}
			got := "$ libvet " + shellJoin(c.args) + "\n" + stdout + "--- stderr\n" + stderr + "--- exit " + strconv.Itoa(code) + "\n"
			checkGolden(t, c.name, got)
		})
	}
}
