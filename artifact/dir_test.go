package artifact

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// makeTree creates files (path → content; content "->target" makes a
// symbolic link) under a new directory and returns it.
func makeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if target, ok := strings.CutPrefix(content, "->"); ok {
			err = os.Symlink(target, full)
		} else {
			err = os.WriteFile(full, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestOpenDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	outside := makeTree(t, map[string]string{"secret.so": "outside"})
	root := makeTree(t, map[string]string{
		"lib/libz.so.1.2.13":            "\x7fELF zlib",
		"lib/libz.so.1":                 "->libz.so.1.2.13",
		"lib64":                         "->lib",
		"usr/lib/abs.so":                "->/lib/libz.so.1",
		"usr/lib/escape.so":             "->../../../../../../lib/libz.so.1.2.13",
		"usr/lib/outside.so":            "->" + filepath.Join(outside, "secret.so"),
		"usr/lib/outdir":                "->" + outside,
		"conda-meta/zlib-1.2.13.json":   `{"name": "zlib"}`,
		"site-packages/pkg/__init__.py": "",
	})
	// A socket is skipped, with a problem.
	if l, err := net.Listen("unix", filepath.Join(root, "sock")); err == nil {
		defer l.Close()
	} else {
		t.Logf("no unix socket: %v", err)
	}
	a, err := Open(root, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Kind != KindDir || a.Streamed() || a.Size != 0 {
		t.Errorf("Kind, Streamed, Size = %q, %v, %d", a.Kind, a.Streamed(), a.Size)
	}
	want := []string{
		"conda-meta/zlib-1.2.13.json",
		"lib/libz.so.1 -> libz.so.1.2.13",
		"lib/libz.so.1.2.13",
		"lib64 -> lib",
		"site-packages/pkg/__init__.py",
		"usr/lib/abs.so -> /lib/libz.so.1",
		"usr/lib/escape.so -> ../../../../../../lib/libz.so.1.2.13",
		"usr/lib/outdir -> " + outside,
		"usr/lib/outside.so -> " + filepath.Join(outside, "secret.so"),
	}
	if got := listing(a); !slices.Equal(got, want) {
		t.Errorf("members %q, want %q", got, want)
	}
	if p := a.Problems(); len(p) > 1 || (len(p) == 1 && p[0].String() != "sock: is a socket, not a regular file or a symbolic link; skipped") {
		t.Errorf("problems %v", p)
	}
	data, order := walkAll(t, a)
	if want := []string{"conda-meta/zlib-1.2.13.json", "lib/libz.so.1.2.13", "site-packages/pkg/__init__.py"}; !slices.Equal(order, want) {
		t.Errorf("walk order %q", order)
	}
	if string(data["lib/libz.so.1.2.13"]) != "\x7fELF zlib" {
		t.Errorf("data %q", data)
	}
	lib := a.Member("lib/libz.so.1.2.13")
	for _, p := range []string{"lib/libz.so.1", "lib64/libz.so.1", "usr/lib/abs.so", "usr/lib/escape.so"} {
		if m, err := a.Resolve(p); err != nil || m != lib {
			t.Errorf("Resolve(%s) = %v, %v", p, m, err)
		}
	}
	// Links out of the directory resolve inside it, to nothing.
	for _, p := range []string{"usr/lib/outside.so", "usr/lib/outdir/secret.so"} {
		if m, err := a.Resolve(p); !isErr(err, ErrDanglingLink) {
			t.Errorf("Resolve(%s) = %v, %v", p, m, err)
		}
	}
	if got := readMember(t, a.Member("usr/lib/outside.so")); got != "" {
		t.Errorf("a link member read %q", got)
	}
	if b, ok := a.MetadataFile("conda-meta/zlib-1.2.13.json"); !ok || string(b) != `{"name": "zlib"}` {
		t.Errorf("MetadataFile = %q, %v", b, ok)
	}
	for _, p := range []string{"lib/libz.so.1", "nope", "../etc/passwd"} {
		if _, ok := a.MetadataFile(p); ok {
			t.Errorf("MetadataFile(%q) found something", p)
		}
	}
	if _, ok := lib.ReaderAt(); ok {
		t.Error("ReaderAt for a directory's file")
	}
	// A file replaced by a link after Open is not followed.
	full := filepath.Join(root, "lib", "libz.so.1.2.13")
	os.Remove(full)
	os.Symlink(filepath.Join(outside, "secret.so"), full)
	_, err = lib.Open()
	checkError(t, err, ErrCorrupt, root, "lib/libz.so.1.2.13")
	// A file that grew is a bomb, as a zip member would be.
	os.Remove(full)
	os.WriteFile(full, []byte("\x7fELF zlib, longer now"), 0o644)
	rc, err := lib.Open()
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(rc)
	rc.Close()
	checkError(t, err, ErrBomb, root, "lib/libz.so.1.2.13")
}

// isErr reports whether err is an *Error wrapping target.
func isErr(err, target error) bool {
	var e *Error
	return errors.As(err, &e) && errors.Is(err, target)
}

func TestOpenDirLimits(t *testing.T) {
	root := makeTree(t, map[string]string{"a": "1", "b/c": "22", "b/d": "333", "e": "4444"})
	_, err := Open(root, Limits{MaxMembers: 4})
	checkError(t, err, ErrTooManyMembers, root, "")
	_, err = Open(root, Limits{MaxMemberSize: 3})
	checkError(t, err, ErrTooLarge, root, "e")
	_, err = Open(root, Limits{MaxTotalSize: 5})
	checkError(t, err, ErrTooLarge, root, "")
	a, err := Open(root, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Member("b/d").Mode != 0o644 || a.Member("b/d").Mode.Type() != 0 {
		t.Errorf("mode %v", a.Member("b/d").Mode)
	}
	a.Close()
	if runtime.GOOS != "windows" && os.Getuid() != 0 {
		// An unreadable subdirectory is a problem, not an error.
		os.Chmod(filepath.Join(root, "b"), 0)
		defer os.Chmod(filepath.Join(root, "b"), 0o755)
		a, err := Open(root, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if p := a.Problems(); len(p) != 1 || !strings.HasPrefix(p[0].String(), "b: cannot be read") {
			t.Errorf("problems %v", p)
		}
		a.Close()
	}
	// Open fails for other non-regular files.
	if runtime.GOOS != "windows" {
		sock := filepath.Join(t.TempDir(), "s")
		if l, err := net.Listen("unix", sock); err == nil {
			defer l.Close()
			_, err := Open(sock, Limits{})
			checkError(t, err, ErrUnsupported, sock, "")
		}
	}
}
