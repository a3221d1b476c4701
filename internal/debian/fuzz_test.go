package debian

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fixtureFiles returns the dpkg database fixtures of the repository's
// testdata (seeds for the fuzz targets) whose names end in suffix.
func fixtureFiles(f *testing.F, suffix string) [][]byte {
	var out [][]byte
	filepath.WalkDir("../../testdata/dpkgroot", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, suffix) {
			if data, err := os.ReadFile(p); err == nil {
				out = append(out, data)
			}
		}
		return nil
	})
	return out
}

func FuzzControl(f *testing.F) {
	f.Add([]byte("Package: zlib1g\nStatus: install ok installed\nDescription: x\n y\n .\n z\n\nPackage: b\n"))
	f.Add([]byte("A:1\r\n\tb\r\n \r\nC: \n d\n"))
	f.Add([]byte(" x\n"))
	f.Add([]byte("A: 1\na: 2\n"))
	for _, data := range fixtureFiles(f, "status") {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := ParseControl(data, "fuzz")
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error %v is %T, not a *SyntaxError", err, err)
			}
			return
		}
		// Written back out, the paragraphs parse to the same fields.
		var b bytes.Buffer
		for _, p := range ps {
			if len(p.Fields) == 0 {
				t.Fatalf("empty paragraph at line %d", p.Line)
			}
			for _, f := range p.Fields {
				b.WriteString(f.Name + ": " + f.Value + "\n")
			}
			b.WriteString("\n")
		}
		again, err := ParseControl(b.Bytes(), "again")
		if err != nil || len(again) != len(ps) {
			t.Fatalf("written back %q: %d paragraphs, %v", b.String(), len(again), err)
		}
		for i := range ps {
			for j, f := range ps[i].Fields {
				g := again[i].Fields[j]
				if g.Name != f.Name || g.Value != f.Value {
					t.Fatalf("field %+v became %+v", f, g)
				}
			}
		}
	})
}

func FuzzRelations(f *testing.F) {
	for _, s := range []string{
		"libc6 (>= 2.14)", "a | b (<< 2), c:any", "foo:amd64 (= 1:2.0-1) [amd64 !i386] <!nocheck> <stage1 cross>",
		"a (< 1), b (> 2), c (3)", "a,\n b,", "a |", "a (>= 1", "0:0:1", "x (= 0:0:1)",
	} {
		f.Add(s)
	}
	for _, data := range fixtureFiles(f, "status") {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "Depends: "); ok {
				f.Add(v)
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		deps, err := ParseRelations(s)
		if err != nil {
			return
		}
		// The canonical form parses back to the same relations.
		canon := FormatRelations(deps)
		again, err := ParseRelations(canon)
		if err != nil || !reflect.DeepEqual(again, deps) {
			t.Fatalf("%q → %q → %#v, %v; want %#v", s, canon, again, err, deps)
		}
		for _, d := range deps {
			for _, r := range d {
				r.SatisfiedBy(r.Version)
			}
		}
	})
}

func FuzzVersion(f *testing.F) {
	for i := 0; i+1 < len(compareTests); i += 2 {
		f.Add(compareTests[i].a, compareTests[i].b, compareTests[i+1].a)
	}
	f.Add("1:2:3", "0:2:3", "2:3")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		va, errA := ParseVersion(a)
		vb, errB := ParseVersion(b)
		vc, errC := ParseVersion(c)
		for _, v := range []struct {
			v   Version
			err error
		}{{va, errA}, {vb, errB}, {vc, errC}} {
			if v.err != nil {
				continue
			}
			if again, err := ParseVersion(v.v.String()); err != nil || again != v.v {
				t.Fatalf("%#v → %q → %#v, %v", v.v, v.v.String(), again, err)
			}
			if v.v.Compare(v.v) != 0 {
				t.Fatalf("%s is not equal to itself", v.v)
			}
		}
		if errA != nil || errB != nil || errC != nil {
			return
		}
		ab, bc, ac := va.Compare(vb), vb.Compare(vc), va.Compare(vc)
		// Antisymmetric.
		if ab != -vb.Compare(va) || bc != -vc.Compare(vb) || ac != -vc.Compare(va) {
			t.Fatalf("not antisymmetric: %s %s %s", va, vb, vc)
		}
		// Transitive, and equal versions compare alike.
		if ab <= 0 && bc <= 0 && ac > 0 {
			t.Fatalf("%s <= %s <= %s but %s > %s", va, vb, vc, va, vc)
		}
		if ab >= 0 && bc >= 0 && ac < 0 {
			t.Fatalf("%s >= %s >= %s but %s < %s", va, vb, vc, va, vc)
		}
		if ab == 0 && ac != bc {
			t.Fatalf("%s == %s but they compare differently with %s", va, vb, vc)
		}
	})
}

func FuzzShlibs(f *testing.F) {
	f.Add([]byte("libz 1 zlib1g (>= 1:1.2.3.3.dfsg-1)\nudeb: libz 1 zlib1g-udeb (>= 1:1.2.3.3.dfsg-1)\n"))
	f.Add([]byte("# c\n\nlibonly\nx: 1\n"))
	for _, data := range fixtureFiles(f, ".shlibs") {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, _ := ParseShlibs(bytes.NewReader(data), "fuzz")
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, e := range entries {
			if e.Library == "" || e.Version == "" || e.Line < 1 || e.Line > lines {
				t.Fatalf("entry %+v", e)
			}
			lib, ver, ok := SplitSoname(e.Library + ".so." + e.Version)
			if !ok || lib != e.Library || ver != e.Version {
				t.Fatalf("SplitSoname(%s.so.%s) = %q, %q", e.Library, e.Version, lib, ver)
			}
		}
	})
}

func FuzzSymbols(f *testing.F) {
	f.Add([]byte(symbolsFile))
	f.Add([]byte("libfoo.so.1 libfoo1 #MINVER#\n bad\n good@Base 1 1\n| alt\n x@y 0 1\n"))
	for _, data := range fixtureFiles(f, ".symbols") {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		libs, _ := ParseSymbols(bytes.NewReader(data), "fuzz")
		for i := range libs {
			l := &libs[i]
			if l.Soname == "" || len(l.Templates) == 0 {
				t.Fatalf("library %+v", l)
			}
			for _, s := range l.Symbols {
				if s.Name == "" || s.Version == "" || s.Template < 0 || s.Template >= len(l.Templates) {
					t.Fatalf("symbol %+v of %+v", s, l)
				}
				if _, err := l.Depends(s.Template, s.MinVersion.String()); err != nil {
					t.Fatalf("Depends(%d, %s): %v", s.Template, s.MinVersion, err)
				}
			}
			l.MinVersions()
		}
	})
}
