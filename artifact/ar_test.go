package artifact

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// arMember is one member of an ar archive built by a test.
type arMember struct {
	name string // written as dpkg does, unless header is set
	data []byte
	hdr  string // the raw 16-byte name field, when not name+spaces
}

// buildAr writes an ar archive of members.
func buildAr(members ...arMember) []byte {
	var b bytes.Buffer
	b.WriteString(arMagic)
	for _, m := range members {
		field := m.hdr
		if field == "" {
			field = m.name
		}
		fmt.Fprintf(&b, "%-16s%-12d%-6d%-6d%-8o%-10d`\n", field, 1667651040, 0, 0, 0o100644, len(m.data))
		b.Write(m.data)
		if len(m.data)%2 == 1 {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func TestReadAr(t *testing.T) {
	longNames := "a-rather-long-member-name.o/\nsecond-long-name-here.o/\n"
	tests := []struct {
		name  string
		ar    []byte
		want  []string // name=data
		err   error
		text  string
		entry string
	}{
		{name: "dpkg names", ar: buildAr(arMember{name: "debian-binary", data: []byte("2.0\n")}, arMember{name: "odd", data: []byte("abc")}, arMember{name: "after", data: []byte("x")}),
			want: []string{"debian-binary=2.0\n", "odd=abc", "after=x"}},
		{name: "GNU names", ar: buildAr(arMember{hdr: "/", data: []byte("symbols")}, arMember{hdr: "//", data: []byte(longNames)},
			arMember{hdr: "short.o/", data: []byte("s")}, arMember{hdr: "/0", data: []byte("l1")}, arMember{hdr: "/29", data: []byte("l2")}),
			want: []string{"short.o=s", "a-rather-long-member-name.o=l1", "second-long-name-here.o=l2"}},
		{name: "BSD names", ar: buildAr(arMember{hdr: "#1/20", data: []byte("a-long-bsd-name.o\x00\x00\x00data")}, arMember{hdr: "__.SYMDEF", data: []byte("x")}),
			want: []string{"a-long-bsd-name.o=data", "__.SYMDEF=x"}},
		{name: "empty archive", ar: []byte(arMagic)},
		{name: "cut header", ar: buildAr(arMember{name: "a", data: []byte("1")})[:30], err: ErrTruncated, text: "cut short"},
		{name: "cut data", ar: buildAr(arMember{name: "a", data: []byte("12345")})[:70], err: ErrTruncated, text: "past the end"},
		{name: "bad magic", ar: bytes.Replace(buildAr(arMember{name: "a", data: []byte("1")}), []byte("`\n"), []byte("XX"), 1), err: ErrCorrupt, text: "bad member header"},
		{name: "bad size", ar: bytes.Replace(buildAr(arMember{name: "a", data: []byte("1")}), []byte("1         `"), []byte("-1        `"), 1), err: ErrCorrupt, text: "bad size"},
		{name: "long name missing", ar: buildAr(arMember{hdr: "/7", data: []byte("x")}), err: ErrCorrupt, text: "not in the name table"},
		{name: "BSD name too long", ar: buildAr(arMember{hdr: "#1/99", data: []byte("x")}), err: ErrCorrupt, text: "bad BSD name"},
		{name: "traversal", ar: buildAr(arMember{hdr: "#1/9", data: []byte("../evilxx")}), err: ErrUnsafePath, entry: "../evilxx", text: "'..'"},
		{name: "directory", ar: buildAr(arMember{hdr: "#1/3", data: []byte("a/b")}), err: ErrUnsafePath, entry: "a/b", text: "no directories"},
		{name: "too many", ar: buildAr(arMember{name: "a"}, arMember{name: "b"}, arMember{name: "c"}), err: ErrTooManyMembers, text: "more than 2 entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Artifact{Path: "x.deb", lim: Limits{MaxMembers: 2}.withDefaults()}
			if tt.err == nil {
				a.lim.MaxMembers = 100
			}
			es, err := a.readAr(bytes.NewReader(tt.ar), int64(len(tt.ar)))
			if tt.err != nil {
				checkError(t, err, tt.err, "x.deb", tt.entry)
				if !strings.Contains(err.Error(), tt.text) {
					t.Errorf("message %q does not contain %q", err, tt.text)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range es {
				got = append(got, e.name+"="+string(tt.ar[e.off:e.off+e.size]))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// debParts are the members of a test .deb.
type debParts struct {
	version     string // debian-binary; "2.0\n" when ""
	control     []byte // a tar; compressed with controlComp
	data        []byte
	controlComp compression
	dataComp    compression
	extra       []arMember // after data.tar
}

func buildDeb(t testing.TB, p debParts) []byte {
	if p.version == "" {
		p.version = "2.0\n"
	}
	ms := []arMember{
		{name: "debian-binary", data: []byte(p.version)},
		{name: "control.tar" + p.controlComp.suffix(), data: compress(t, p.controlComp, p.control)},
		{name: "data.tar" + p.dataComp.suffix(), data: compress(t, p.dataComp, p.data)},
	}
	return buildAr(append(ms, p.extra...)...)
}

func testControl(t testing.TB) []byte {
	return buildTar(t, tdir("./"), tfile("./control", "Package: foo\nVersion: 1.0\n"), tfile("./shlibs", "libfoo 1 foo (>= 1.0)\n"), tfile("./md5sums", "x  usr/lib/libfoo.so.1.0\n"))
}

func TestOpenDeb(t *testing.T) {
	for _, comp := range []compression{compNone, compGzip, compXz, compZstd} {
		t.Run(comp.String(), func(t *testing.T) {
			deb := buildDeb(t, debParts{control: testControl(t), data: testTar(t), controlComp: compGzip, dataComp: comp,
				extra: []arMember{{name: "_gpgbuilder", data: []byte("signature")}}})
			path := writeTemp(t, "foo_1.0_amd64.deb", deb)
			a, err := Open(path, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if a.Kind != KindDeb || a.Streamed() != (comp != compNone) {
				t.Errorf("Kind, Streamed = %q, %v", a.Kind, a.Streamed())
			}
			if b, ok := a.MetadataFile("control"); !ok || string(b) != "Package: foo\nVersion: 1.0\n" {
				t.Errorf("control = %q, %v", b, ok)
			}
			if _, ok := a.MetadataFile("md5sums"); ok {
				t.Error("md5sums kept")
			}
			_, order := walkAll(t, a)
			var want []string
			for _, m := range testTarMembers {
				want = append(want, "data.tar"+comp.suffix()+"!"+m)
			}
			want = append([]string{"_gpgbuilder", "control.tar.gz!control", "control.tar.gz!md5sums", "control.tar.gz!shlibs"}, want...)
			want = append(want, "debian-binary")
			if got := listing(a); !slices.Equal(got, want) {
				t.Errorf("members %q, want %q", got, want)
			}
			dataPrefix := "data.tar" + comp.suffix() + "!"
			wantOrder := []string{"debian-binary", "control.tar.gz!control", "control.tar.gz!shlibs", "control.tar.gz!md5sums",
				dataPrefix + "usr/lib/libfoo.so.1.0", dataPrefix + "usr/share/doc/foo/copyright", dataPrefix + "usr/share/doc/foo/empty", "_gpgbuilder"}
			if !slices.Equal(order, wantOrder) {
				t.Errorf("walk order %q, want %q", order, wantOrder)
			}
			// ar members and members of an uncompressed data.tar read at random.
			if _, ok := a.Member("debian-binary").ReaderAt(); !ok {
				t.Error("no ReaderAt for debian-binary")
			}
			lib := a.Member(dataPrefix + "usr/lib/libfoo.so.1.0")
			if _, ok := lib.ReaderAt(); ok != (comp == compNone) {
				t.Errorf("ReaderAt of %s: %v", lib.Path, ok)
			}
			if lib.Inner() != "usr/lib/libfoo.so.1.0" {
				t.Errorf("Inner = %q", lib.Inner())
			}
			// Absolute links resolve inside the data tar.
			if m, err := a.Resolve(dataPrefix + "usr/lib/libfoo.so.1"); err != nil || m != lib {
				t.Errorf("Resolve = %v, %v", m, err)
			}
		})
	}
}

func TestOpenDebRejects(t *testing.T) {
	control, data := testControl(t), testTar(t)
	ok := func(name string, d []byte) arMember { return arMember{name: name, data: d} }
	tests := []struct {
		name   string
		deb    []byte
		want   error
		member string
		text   string
	}{
		{"not ar", []byte("<html>404</html>"), ErrCorrupt, "", "is this really a .deb?"},
		{"empty", nil, ErrCorrupt, "", "is this really a .deb?"},
		{"first not debian-binary", buildAr(ok("control.tar", control), ok("debian-binary", []byte("2.0\n"))), ErrCorrupt, "", `first member is "control.tar"`},
		{"no data", buildAr(ok("debian-binary", []byte("2.0\n")), ok("control.tar", control)), ErrCorrupt, "", "no control.tar or data.tar"},
		{"data first", buildAr(ok("debian-binary", []byte("2.0\n")), ok("data.tar", data), ok("control.tar", control)), ErrCorrupt, "data.tar", "before any control.tar"},
		{"two data", buildAr(ok("debian-binary", []byte("2.0\n")), ok("control.tar", control), ok("data.tar", data), ok("data.tar.gz", compress(t, compGzip, data))), ErrCorrupt, "data.tar.gz", "a second data.tar"},
		{"lzma", buildAr(ok("debian-binary", []byte("2.0\n")), ok("control.tar", control), ok("data.tar.lzma", data)), ErrUnsupported, "data.tar.lzma", "unsupported compression"},
		{"control bzip2", buildAr(ok("debian-binary", []byte("2.0\n")), ok("control.tar.bz2", control), ok("data.tar", data)), ErrUnsupported, "control.tar.bz2", "unsupported compression"},
		{"format 3", buildDeb(t, debParts{version: "3.0\n", control: control, data: data}), ErrUnsupported, "debian-binary", `format "3.0" is not supported`},
		{"bad control tar", buildDeb(t, debParts{control: []byte(strings.Repeat("x", 1024)), data: data}), ErrCorrupt, "control.tar", "corrupt tar header"},
		{"unsafe control member", buildDeb(t, debParts{control: buildTar(t, tfile("../control", "x")), data: data}), ErrUnsafePath, "control.tar!../control", "'..'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "foo.deb", tt.deb)
			_, err := Open(path, Limits{})
			checkError(t, err, tt.want, path, tt.member)
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("message %q does not contain %q", err, tt.text)
			}
		})
	}
	// A mislabelled stream is read by its content, with a problem.
	path := writeTemp(t, "foo.deb", buildAr(ok("debian-binary", []byte("2.0\n")), ok("control.tar.xz", compress(t, compGzip, control)), ok("data.tar", data)))
	a, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if p := a.Problems(); len(p) != 1 || p[0].String() != "control.tar.xz: holds gzip data, not what its name says (xz); read as gzip" {
		t.Errorf("problems %v", p)
	}
	// An ar archive not named .deb is a plain file.
	path = writeTemp(t, "libfoo.a", buildAr(ok("foo.o", []byte("x"))))
	if a, err := Open(path, Limits{}); err != nil || a.Kind != KindFile {
		t.Errorf("libfoo.a: %v, %v", a, err)
	} else {
		a.Close()
	}
}
