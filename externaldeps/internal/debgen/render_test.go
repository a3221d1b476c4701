package main

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

// contents is a small Contents index: every kind of line Render must tell
// apart.
const contents = `lib/x86_64-linux-gnu/libz.so.1                          libs/zlib1g
lib/x86_64-linux-gnu/libz.so.1.2.13                     libs/zlib1g
usr/lib/x86_64-linux-gnu/libz.so                        libdevel/zlib1g-dev
usr/lib/x86_64-linux-gnu/libz.so.1                      libs/libzadc4
usr/lib/x86_64-linux-gnu/zadc/libz.so.1                 libs/libzadc4
usr/lib/x86_64-linux-gnu/blas/libblas.so.3              libs/libblas3
usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3  libs/libopenblas0-pthread
usr/lib/x86_64-linux-gnu/deep/er/libz.so.1              libs/ignored-deep
usr/lib/x86_64-linux-gnu/debug/libstdc++.so.6           debug/libstdc++6-12-dbg
usr/lib/x86_64-linux-gnu/libstdc++.so.6                 libs/libstdc++6,debug/libstdc++6-11-dbg
usr/lib/x86_64-linux-gnu/libcublas.so.11                non-free/libs/libcublas11
usr/lib/x86_64-linux-gnu/libnotknown.so.1               libs/libnotknown1
usr/lib64/libz.so.1                                     libs/lib64z
usr/lib32/libz.so.1                                     libs/lib32z1
usr/share/doc/zlib1g/libz.so.1                          doc/not-a-lib
usr/lib/x86_64-linux-gnu/with space/libz.so.1           libs/spaced

usr/lib/python3/dist-packages/libz.so.1                 python/not-a-lib
`

// keep stands for the knowledge base's Linux patterns.
func keep(name string) bool {
	return strings.HasPrefix(name, "libz.so") || name == "libblas.so.3" || name == "libstdc++.so.6" || name == "libcublas.so.11"
}

const wantBody = `
alt libblas.so.3 libblas3 libopenblas0-pthread
lib libcublas.so.11 libcublas11
lib libstdc++.so.6 libstdc++6
lib libz.so zlib1g-dev
lib libz.so.1 lib64z libzadc4 zlib1g
alt libz.so.1 spaced
lib libz.so.1.2.13 zlib1g
`

func TestRender(t *testing.T) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(contents))
	w.Close()
	opt := Options{Suite: "bookworm", Triplet: "x86_64-linux-gnu", Keep: keep}
	for name, data := range map[string][]byte{"plain": []byte(contents), "gzip": gz.Bytes()} {
		out, err := Render([]Input{{Label: "main", Data: bytes.NewReader(data)}}, opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, got, ok := strings.Cut(string(out), "\n"+format+"\n")
		if !ok || got != wantBody {
			t.Errorf("%s: got\n%s\nwant\n%s", name, got, wantBody)
		}
		if !strings.Contains(string(out), "#   main ") || !strings.Contains(string(out), "Debian's Contents-amd64 indexes of bookworm") {
			t.Errorf("%s: header\n%s", name, out)
		}
	}
	// Two inputs merge; each is named in the header.
	out, err := Render([]Input{
		{Label: "main", Data: strings.NewReader("usr/lib/x86_64-linux-gnu/libz.so.1 libs/zlib1g\n")},
		{Label: "contrib", Data: strings.NewReader("usr/lib/x86_64-linux-gnu/libz.so.1 contrib/libs/zz\n")},
	}, opt)
	if err != nil || !strings.Contains(string(out), "\nlib libz.so.1 zlib1g zz\n") || !strings.Contains(string(out), "#   contrib ") {
		t.Errorf("two inputs: %v\n%s", err, out)
	}
}

func TestRenderErrors(t *testing.T) {
	opt := Options{Suite: "bookworm", Triplet: "x86_64-linux-gnu", Keep: keep}
	for _, tt := range []struct{ data, want string }{
		{"lib/libz.so.1\n", "main: line 1: no package list"},
		{"ok libs/a1\nlib/libz.so.1 libs/zlib1g,\n", `main: line 2: "" is not a Debian package name`},
		{"lib/libz.so.1 libs/Zlib\n", `"Zlib" is not a Debian package name`},
		{"lib/libz.so.1 " + strings.Repeat("a", maxLine) + "\n", "main: after line 0: bufio.Scanner: token too long"},
		{"\x1f\x8b not gzip", "main: "},
	} {
		if _, err := Render([]Input{{Label: "main", Data: strings.NewReader(tt.data)}}, opt); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Render(%.40q): %v, want %q", tt.data, err, tt.want)
		}
	}
	if _, err := Render(nil, opt); err == nil {
		t.Error("no inputs: no error")
	}
	if _, err := Render([]Input{{Label: "a b", Data: strings.NewReader("")}}, opt); err == nil {
		t.Error("a label with a space: no error")
	}
}

// FuzzScan parses arbitrary Contents data (downloaded, so not trusted):
// no panic, and every kept line has a file and packages.
func FuzzScan(f *testing.F) {
	f.Add([]byte(contents))
	f.Add([]byte("a b/c,d/e/f\n\n x \t y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = scan(bytes.NewReader(data), func(file string, pkgs []location) {
			if len(pkgs) == 0 {
				t.Fatalf("%q: no packages", file)
			}
			for _, p := range pkgs {
				if !packageRE.MatchString(p.pkg) {
					t.Fatalf("%q: package %q", file, p.pkg)
				}
			}
		})
		_, _ = Render([]Input{{Label: "f", Data: bytes.NewReader(data)}}, Options{Suite: "s", Triplet: "t", Keep: func(string) bool { return true }})
	})
}
