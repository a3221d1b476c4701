package artifact

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	entries := []tentry{
		tfile("lib/libfoo.so.1.0", "foo"),
		tfile("usr/lib/libbar.so.2", "bar"),
		tfile("usr/share/doc/README", "readme"),
		tsym("lib/libfoo.so.1", "libfoo.so.1.0"),
		tsym("lib/libfoo.so", "libfoo.so.1"), // a chain
		tsym("usr/lib/libfoo.so.1", "../../lib/libfoo.so.1"),
		tsym("usr/lib/abs.so", "/lib/libfoo.so.1.0"),
		tsym("lib64", "lib"),                                  // a directory link
		tsym("usr/lib64", "/usr/lib"),                         // an absolute directory link
		tsym("usr/up", "lib/../../lib"),                       // through "..": usr/lib/.. is usr
		tsym("escape.so", "../../../../../lib/libfoo.so.1.0"), // ".." stops at the root
		tsym("loop1", "loop2"),
		tsym("loop2", "loop1"),
		tsym("self", "self"),
		tsym("dangling.so", "lib/libnope.so"),
		tsym("dangling-dir", "nodir/x"),
		tsym("todir", "usr/lib"),
		tsym("through-file", "lib/libfoo.so.1.0/x"),
		thard("hard.so", "lib/libfoo.so.1.0"),
		thard("hard-to-link", "lib/libfoo.so"),
	}
	// A chain of 40 links works; 41 is too many.
	for i := range 41 {
		entries = append(entries, tsym(fmt.Sprintf("chain/%02d", i), fmt.Sprintf("%02d", i+1)))
	}
	entries = append(entries, tfile("chain/41", "end"))
	a, err := Open(writeTemp(t, "x.tar", buildTar(t, entries...)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	tests := []struct {
		path, want string
		err        error
		text       string
	}{
		{path: "lib/libfoo.so.1.0", want: "lib/libfoo.so.1.0"},
		{path: "lib/libfoo.so.1", want: "lib/libfoo.so.1.0"},
		{path: "lib/libfoo.so", want: "lib/libfoo.so.1.0"},
		{path: "./lib//libfoo.so", want: "lib/libfoo.so.1.0"},
		{path: "usr/lib/libfoo.so.1", want: "lib/libfoo.so.1.0"},
		{path: "usr/lib/abs.so", want: "lib/libfoo.so.1.0"},
		{path: "lib64/libfoo.so.1", want: "lib/libfoo.so.1.0"},
		{path: "usr/lib64/libbar.so.2", want: "usr/lib/libbar.so.2"},
		{path: "usr/lib64/../share/doc/README", want: "usr/share/doc/README"},
		{path: "usr/up/libfoo.so", want: "lib/libfoo.so.1.0"},
		{path: "escape.so", want: "lib/libfoo.so.1.0"},
		{path: "../../lib/libfoo.so.1", want: "lib/libfoo.so.1.0"},
		{path: "hard.so", want: "lib/libfoo.so.1.0"},
		{path: "hard-to-link", want: "lib/libfoo.so.1.0"},
		{path: "chain/01", want: "chain/41"},
		{path: "chain/00", err: ErrDanglingLink, text: "more than 40 links to follow (a loop?)"},
		{path: "loop1", err: ErrDanglingLink, text: "more than 40 links"},
		{path: "self", err: ErrDanglingLink, text: "self -> self"},
		{path: "dangling.so", err: ErrDanglingLink, text: "dangling link: dangling.so -> lib/libnope.so; lib/libnope.so does not exist"},
		{path: "dangling-dir", err: ErrDanglingLink, text: "nodir is not a directory"},
		{path: "todir", err: ErrDanglingLink, text: "usr/lib is not a file"},
		{path: "through-file", err: ErrDanglingLink, text: "lib/libfoo.so.1.0 is not a directory"},
		{path: "hard.so/x", err: ErrDanglingLink, text: "hard.so is a hard link, not a directory"},
		{path: "nope", err: ErrNotFound, text: "no such member (nope does not exist)"},
		{path: "usr/lib", err: ErrNotFound, text: "usr/lib is not a file"},
		{path: "lib/libfoo.so.1.0/x", err: ErrNotFound, text: "is not a directory"},
		{path: "", err: ErrNotFound},
	}
	for _, tt := range tests {
		m, err := a.Resolve(tt.path)
		if tt.err != nil {
			if err == nil {
				t.Errorf("Resolve(%q) = %s, want an error", tt.path, m.Path)
				continue
			}
			checkError(t, err, tt.err, a.Path, "")
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Resolve(%q): message %q does not contain %q", tt.path, err, tt.text)
			}
			// Reaching a directory is told apart from reaching nothing.
			if isDir := strings.Contains(tt.text, "is not a file"); errors.Is(err, ErrIsDir) != isDir {
				t.Errorf("Resolve(%q): errors.Is(ErrIsDir) = %v, want %v", tt.path, !isDir, isDir)
			}
			continue
		}
		if err != nil || m.Path != tt.want {
			t.Errorf("Resolve(%q) = %v, %v; want %s", tt.path, m, err, tt.want)
		}
	}
}

// TestResolveNested: links stay inside their own container.
func TestResolveNested(t *testing.T) {
	data := buildTar(t, tfile("./usr/lib/libfoo.so.1", "x"), tsym("./usr/lib/abs.so", "/usr/lib/libfoo.so.1"),
		tsym("./usr/lib/out.so", "../../../control"), tsym("./usr/lib/ctl", "/control"))
	deb := buildDeb(t, debParts{control: testControl(t), data: data, dataComp: compXz})
	a, err := Open(writeTemp(t, "x.deb", deb), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// Before Walk, the data tar's links are not known.
	if _, err := a.Resolve("data.tar.xz!usr/lib/abs.so"); err == nil {
		t.Error("Resolve before Walk found a member of the data tar")
	}
	walkAll(t, a)
	if m, err := a.Resolve("data.tar.xz!usr/lib/abs.so"); err != nil || m.Path != "data.tar.xz!usr/lib/libfoo.so.1" {
		t.Errorf("abs.so: %v, %v", m, err)
	}
	for _, p := range []string{"data.tar.xz!usr/lib/out.so", "data.tar.xz!usr/lib/ctl"} {
		if m, err := a.Resolve(p); err == nil {
			t.Errorf("%s reached %s, outside its container", p, m.Path)
		}
	}
	if m, err := a.Resolve("control.tar!control"); err != nil || m.Inner() != "control" {
		t.Errorf("control: %v, %v", m, err)
	}
}
