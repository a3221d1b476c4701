package artifact

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// tentry is one entry of a tar built by a test.
type tentry struct {
	name string
	data string
	typ  byte // tar.TypeReg when 0
	link string
	size int64 // the declared size, when not len(data): the data is then cut or padded with zeros
	mode int64 // 0644 when 0
}

func tfile(name, data string) tentry { return tentry{name: name, data: data} }
func tdir(name string) tentry        { return tentry{name: name, typ: tar.TypeDir} }
func tsym(name, target string) tentry {
	return tentry{name: name, typ: tar.TypeSymlink, link: target}
}
func thard(name, target string) tentry { return tentry{name: name, typ: tar.TypeLink, link: target} }

// buildTar writes entries with archive/tar, names unchecked. An entry
// declaring more than its data ends the tar there, cut short.
func buildTar(t testing.TB, entries ...tentry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: e.mode, Size: int64(len(e.data)), Format: tar.FormatPAX}
		if e.typ == tar.TypeXGlobalHeader {
			h = &tar.Header{Typeflag: e.typ, PAXRecords: map[string]string{"comment": e.name}}
		}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 && e.typ != tar.TypeXGlobalHeader {
			h.Mode = 0o644
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if e.size != 0 {
			h.Size = e.size
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("%s: %v", e.name, err)
		}
		if h.Size > int64(len(e.data)) {
			buf.WriteString(e.data)
			return buf.Bytes() // cut short
		}
		if _, err := tw.Write([]byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// compress compresses b with c (not bzip2: Go has no bzip2 compressor;
// the bzip2 tests use testdata/tarball).
func compress(t testing.TB, c compression, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch c {
	case compNone:
		return b
	case compGzip:
		w = gzip.NewWriter(&buf)
	case compXz:
		w, err = xz.WriterConfig{DictCap: 1 << 20}.NewWriter(&buf)
	case compZstd:
		w, err = zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	default:
		t.Fatalf("cannot compress with %s", c)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testTar is a tar of a few members of every kind.
func testTar(t testing.TB) []byte {
	return buildTar(t,
		tdir("./"), tdir("./usr/"), tdir("./usr/lib/"),
		tentry{name: "./usr/lib/libfoo.so.1.0", data: "\x7fELF foo " + strings.Repeat("x", 3000), mode: 0o755},
		tsym("./usr/lib/libfoo.so.1", "libfoo.so.1.0"),
		thard("./usr/lib/libfoo-hard.so", "./usr/lib/libfoo.so.1.0"),
		tfile("./usr/share/doc/foo/copyright", "MIT"),
		tfile("./usr/share/doc/foo/empty", ""),
	)
}

var testTarMembers = []string{
	"usr/lib/libfoo-hard.so link to usr/lib/libfoo.so.1.0",
	"usr/lib/libfoo.so.1 -> libfoo.so.1.0",
	"usr/lib/libfoo.so.1.0",
	"usr/share/doc/foo/copyright",
	"usr/share/doc/foo/empty",
}

func TestOpenTarballs(t *testing.T) {
	plain := testTar(t)
	tests := []struct {
		file string
		comp compression
	}{
		{"x.tar", compNone},
		{"x.bin", compNone}, // by content
		{"x.tar.gz", compGzip},
		{"x.tgz", compGzip},
		{"x.tar.xz", compXz},
		{"x.tar.zst", compZstd},
		{"sysroot", compZstd},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := writeTemp(t, tt.file, compress(t, tt.comp, plain))
			a, err := Open(path, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			streamed := tt.comp != compNone
			if a.Kind != KindTar || a.Streamed() != streamed {
				t.Errorf("Kind, Streamed = %q, %v", a.Kind, a.Streamed())
			}
			if n := len(a.Members()); n != 0 && streamed {
				t.Errorf("Open listed %d members of a compressed tar", n)
			}
			if !streamed && !slices.Equal(listing(a), testTarMembers) {
				t.Errorf("Open listed %q", listing(a))
			}
			data, order := walkAll(t, a)
			if !slices.Equal(listing(a), testTarMembers) {
				t.Errorf("members after Walk = %q, want %q", listing(a), testTarMembers)
			}
			if want := []string{"usr/lib/libfoo.so.1.0", "usr/share/doc/foo/copyright", "usr/share/doc/foo/empty"}; !slices.Equal(order, want) {
				t.Errorf("Walk order %q, want %q", order, want)
			}
			lib := a.Member("usr/lib/libfoo.so.1.0")
			if lib.Mode != 0o755 || lib.Compressed != streamed || lib.Size != 3009 || lib.Inner() != lib.Path {
				t.Errorf("lib = %+v", lib)
			}
			if got := readMember(t, a.Member("usr/share/doc/foo/copyright")); got != "MIT" || string(data["usr/share/doc/foo/copyright"]) != "MIT" {
				t.Errorf("copyright = %q", got)
			}
			if _, ok := lib.ReaderAt(); ok == streamed {
				t.Errorf("ReaderAt ok = %v", ok)
			}
			if ra, ok := lib.ReaderAt(); ok {
				b := make([]byte, 4)
				if _, err := ra.ReadAt(b, 0); err != nil || string(b) != "\x7fELF" {
					t.Errorf("ReadAt = %q, %v", b, err)
				}
			}
			if sym := a.Member("usr/lib/libfoo.so.1"); sym.Mode != fs.ModeSymlink|0o644 || readMember(t, sym) != "" {
				t.Errorf("symlink = %+v", sym)
			}
			if m, err := a.Resolve("usr/lib/libfoo-hard.so"); err != nil || m != lib {
				t.Errorf("Resolve(hard link) = %v, %v", m, err)
			}
		})
	}
}

func TestTarRejects(t *testing.T) {
	small := Limits{MaxMembers: 5, MaxMemberSize: 100, MaxTotalSize: 150}
	tests := []struct {
		name    string
		tar     []byte
		lim     Limits
		want    error
		member  string
		text    string
		atWalk  bool // Open succeeds on the uncompressed tar? (it lists everything, so never)
		problem string
	}{
		{name: "dot-dot", tar: buildTar(t, tfile("../evil.so", "x")), want: ErrUnsafePath, member: "../evil.so", text: "'..' component"},
		{name: "dot-dot inside", tar: buildTar(t, tfile("./usr/../../evil", "x")), want: ErrUnsafePath, member: "./usr/../../evil", text: "'..'"},
		{name: "dot-dot directory", tar: buildTar(t, tdir("../up/")), want: ErrUnsafePath, member: "../up/", text: "'..'"},
		{name: "absolute", tar: buildTar(t, tfile("/etc/passwd", "x")), want: ErrUnsafePath, member: "/etc/passwd", text: "absolute path"},
		{name: "backslash dot-dot", tar: buildTar(t, tfile(`a\..\..\b`, "x")), want: ErrUnsafePath, member: `a\..\..\b`, text: "'..'"},
		{name: "dot only", tar: buildTar(t, tfile("./.", "x")), want: ErrUnsafePath, member: "./.", text: "empty after"},
		{name: "hard link out", tar: buildTar(t, thard("a", "../../etc/shadow")), want: ErrUnsafePath, member: "a", text: "unsafe hard link target"},
		{name: "hard link absolute", tar: buildTar(t, thard("a", "/etc/shadow")), want: ErrUnsafePath, member: "a", text: "absolute"},
		{name: "duplicate", tar: buildTar(t, tfile("lib/a.so", "1"), tfile("./lib//a.so", "2")), want: ErrDuplicate, member: "lib/a.so", text: "tar entries 0 and 1"},
		{name: "duplicate link", tar: buildTar(t, tfile("a", "1"), tsym("a", "b")), want: ErrDuplicate, member: "a", text: "duplicate"},
		{name: "long name", tar: buildTar(t, tfile(strings.Repeat("d/", 2100)+"x", "x")), want: ErrTooLarge, text: "over 4096 bytes"},
		{name: "sparse", tar: sparseTar(t), want: ErrUnsupported, member: "holes", text: "sparse"},
		{name: "too many", tar: buildTar(t, tfile("1", ""), tfile("2", ""), tdir("d/"), tfile("3", ""), tfile("4", ""), tfile("5", "")), lim: small, want: ErrTooManyMembers, text: "more than 5 entries"},
		{name: "member too large", tar: buildTar(t, tfile("big", strings.Repeat("x", 101))), lim: small, want: ErrTooLarge, member: "big", text: "Limits.MaxMemberSize"},
		{name: "total too large", tar: buildTar(t, tfile("a", strings.Repeat("x", 100)), tfile("b", strings.Repeat("x", 51))), lim: small, want: ErrTooLarge, member: "b", text: "Limits.MaxTotalSize"},
		{name: "100 GiB declared", tar: buildTar(t, tentry{name: "huge.so", size: 100 << 30}), want: ErrTooLarge, member: "huge.so", text: "declared size 100.0 GiB is over the 8.0 GiB member limit"},
		{name: "short member", tar: buildTar(t, tfile("a", "x"), tentry{name: "b.so", data: "only this", size: 4096}), want: ErrTruncated, member: "b.so", text: "ends early"},
		{name: "corrupt header", tar: corruptHeader(buildTar(t, tfile("a", "1"), tfile("b", "2"))), want: ErrCorrupt, member: "a", text: "corrupt tar header"},
	}
	for _, tt := range tests {
		for _, comp := range []compression{compNone, compZstd} {
			t.Run(fmt.Sprintf("%s/%s", tt.name, comp), func(t *testing.T) {
				path := writeTemp(t, "x.tar"+comp.suffix(), compress(t, comp, tt.tar))
				a, err := Open(path, tt.lim)
				if err == nil {
					defer a.Close()
					if comp == compNone {
						t.Fatal("an uncompressed tar is listed by Open, which should have failed")
					}
					err = a.Walk(func(*Member, io.Reader) error { return nil })
				}
				checkError(t, err, tt.want, path, tt.member)
				if !strings.Contains(err.Error(), tt.text) {
					t.Errorf("message %q does not contain %q", err, tt.text)
				}
			})
		}
	}
}

// sparseTar returns a tar holding an old-style GNU sparse file, which
// archive/tar reads but cannot write.
func sparseTar(t testing.TB) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "holes", Typeflag: tar.TypeReg, Mode: 0o644, Size: 4, Format: tar.FormatGNU}); err != nil {
		t.Fatal(err)
	}
	tw.Write([]byte("data"))
	tw.Close()
	b := buf.Bytes()
	b[156] = tar.TypeGNUSparse
	copy(b[386:], fmt.Sprintf("%011o\x00%011o\x00", 0, 4)) // one sparse entry: offset 0, 4 bytes
	copy(b[483:], fmt.Sprintf("%011o\x00", 4))             // the real size
	fixChecksum(b[:512])
	return b
}

// corruptHeader breaks the checksum of the second header of a tar of
// one-byte members.
func corruptHeader(b []byte) []byte {
	for i := 512; i+512 <= len(b); i += 512 {
		if b[i+257] == 'u' && b[i+345] == 0 && b[i] == 'b' { // the "b" entry (PAX may put headers before)
			b[i+1] = 'X'
			return b
		}
	}
	panic("no header b")
}

// fixChecksum recomputes a tar header's checksum.
func fixChecksum(h []byte) {
	copy(h[148:156], "        ")
	sum := 0
	for _, c := range h[:512] {
		sum += int(c)
	}
	copy(h[148:156], fmt.Sprintf("%06o\x00 ", sum))
}

func TestTarProblems(t *testing.T) {
	b := buildTar(t, tfile("a", "1"), tentry{name: "dev/null", typ: tar.TypeChar}, tentry{name: "fifo", typ: tar.TypeFifo},
		tsym("empty-link", ""), tentry{name: "weird", typ: 'Z'}, tentry{name: "global", typ: tar.TypeXGlobalHeader})
	for _, comp := range []compression{compNone, compGzip} {
		path := writeTemp(t, "x.tar"+comp.suffix(), compress(t, comp, b))
		a, err := Open(path, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		walkAll(t, a)
		var got []string
		for _, p := range a.Problems() {
			got = append(got, p.String())
		}
		want := []string{"dev/null: is a character device; skipped", "empty-link: is a symbolic link with an empty target; skipped",
			"fifo: is a named pipe; skipped", `weird: has tar entry type 'Z', which libvet does not read; skipped`}
		if !slices.Equal(got, want) {
			t.Errorf("%s: problems %q, want %q", comp, got, want)
		}
		if !slices.Equal(listing(a), []string{"a"}) {
			t.Errorf("members %q", listing(a))
		}
		a.Close()
	}
}

// TestTruncatedStreams cuts compressed tars at several points: every cut
// is an error wrapping ErrTruncated, never a short listing.
func TestTruncatedStreams(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	noise := make([]byte, 40000)
	for i := range noise {
		noise[i] = byte(rng.IntN(256))
	}
	plain := buildTar(t, tfile("a.so", string(noise)), tfile("b/c.so", string(noise[:9000])), tfile("d", "end"))
	cases := map[string][]byte{}
	for _, comp := range []compression{compNone, compGzip, compXz, compZstd} {
		cases["x.tar"+comp.suffix()] = compress(t, comp, plain)
	}
	for _, name := range []string{"multiblock.tar.xz", "lib-first.tar.bz2"} {
		b, err := os.ReadFile(filepath.Join("testdata", "tarball", name))
		if err != nil {
			t.Fatal(err)
		}
		cases[name] = b
	}
	for name, full := range cases {
		for _, k := range []int{1, 2, 3, 5, 7, 10, 13, 15} {
			cut := len(full) * k / 16
			if name == "x.tar" && cut%512 == 0 {
				cut++ // a tar cut at a block boundary is indistinguishable from a shorter tar
			}
			t.Run(fmt.Sprintf("%s/%d", name, cut), func(t *testing.T) {
				path := writeTemp(t, name, full[:cut])
				a, err := Open(path, Limits{})
				if err == nil {
					defer a.Close()
					err = a.Walk(func(m *Member, r io.Reader) error { _, err := io.Copy(io.Discard, r); return err })
				}
				if !errors.Is(err, ErrTruncated) {
					t.Fatalf("got %v, want a truncation error", err)
				}
				checkError(t, err, ErrTruncated, path, "")
				if !strings.Contains(err.Error(), "re-download") {
					t.Errorf("message %q does not say what to do", err)
				}
			})
		}
	}
}

// TestCorruptStreams damages compressed data: errors wrap ErrCorrupt
// (or ErrTruncated when the damage makes a decoder read past the end).
func TestCorruptStreams(t *testing.T) {
	plain := testTar(t)
	for _, comp := range []compression{compGzip, compXz, compZstd} {
		full := compress(t, comp, plain)
		for _, at := range []int{len(full) / 3, len(full) / 2, len(full) - 6} {
			t.Run(fmt.Sprintf("%s/%d", comp, at), func(t *testing.T) {
				b := slices.Clone(full)
				b[at] ^= 0x55
				path := writeTemp(t, "x.tar"+comp.suffix(), b)
				a, err := Open(path, Limits{})
				if err == nil {
					defer a.Close()
					err = a.Walk(func(m *Member, r io.Reader) error { _, err := io.Copy(io.Discard, r); return err })
				}
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTruncated) {
					t.Fatalf("got %v, want a corruption error", err)
				}
				var e *Error
				if !errors.As(err, &e) || e.Artifact != path {
					t.Fatalf("%v is not an *Error about %s", err, path)
				}
			})
		}
		t.Run(comp.String()+"/trailing garbage", func(t *testing.T) {
			path := writeTemp(t, "x.tar"+comp.suffix(), append(slices.Clone(full), "this is not a compressed stream"...))
			a, err := Open(path, Limits{})
			if err == nil {
				defer a.Close()
				err = a.Walk(func(*Member, io.Reader) error { return nil })
			}
			checkError(t, err, ErrCorrupt, path, "")
		})
	}
}

func TestWalkSkipsUnread(t *testing.T) {
	for _, comp := range []compression{compNone, compXz} {
		path := writeTemp(t, "x.tar"+comp.suffix(), compress(t, comp, testTar(t)))
		a, err := Open(path, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		var kept io.Reader
		got := map[string]string{}
		err = a.Walk(func(m *Member, r io.Reader) error {
			var b [5]byte // read at most 5 bytes of each
			n, _ := io.ReadFull(r, b[:])
			got[m.Path] = string(b[:n])
			kept = r
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"usr/lib/libfoo.so.1.0": "\x7fELF ", "usr/share/doc/foo/copyright": "MIT", "usr/share/doc/foo/empty": ""}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %q", comp, got)
		}
		if _, err := kept.Read(make([]byte, 1)); err == nil || !strings.Contains(err.Error(), "walk moved on") {
			t.Errorf("%s: read after the callback: %v", comp, err)
		}
		// An error from fn stops the walk and comes back as it is.
		stop := errors.New("stop")
		calls := 0
		if err := a.Walk(func(*Member, io.Reader) error { calls++; return stop }); err != stop || calls != 1 {
			t.Errorf("%s: Walk = %v after %d calls", comp, err, calls)
		}
		a.Close()
	}
}

// TestWalkPartial: members stay listed up to a failure, and a later
// complete Walk lists them all.
func TestWalkPartial(t *testing.T) {
	path := writeTemp(t, "x.tar.zst", compress(t, compZstd, testTar(t)))
	a, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	stop := errors.New("stop")
	err = a.Walk(func(m *Member, _ io.Reader) error {
		if strings.HasSuffix(m.Path, "copyright") {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Fatal(err)
	}
	if got := len(a.Members()); got != 4 {
		t.Errorf("%d members after a partial walk: %q", got, listing(a))
	}
	lib := a.Member("usr/lib/libfoo.so.1.0")
	walkAll(t, a)
	if !slices.Equal(listing(a), testTarMembers) || a.Member("usr/lib/libfoo.so.1.0") != lib {
		t.Errorf("members %q (the same *Member for a path: %v)", listing(a), a.Member("usr/lib/libfoo.so.1.0") == lib)
	}
	if a.Streamed() != true {
		t.Error("Streamed changed")
	}
}

// TestMillionMembers opens a tar of a million and one empty members:
// Limits.MaxMembers stops it, in bounded time and memory.
func TestMillionMembers(t *testing.T) {
	if testing.Short() {
		t.Skip("slow in -short mode")
	}
	var buf bytes.Buffer
	zw, _ := zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedFastest))
	tw := tar.NewWriter(zw)
	for i := range 1_000_001 {
		if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("f/%07d", i), Typeflag: tar.TypeReg, Mode: 0o644, Format: tar.FormatUSTAR}); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	zw.Close()
	path := writeTemp(t, "many.tar.zst", buf.Bytes())
	a, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	calls := 0
	err = a.Walk(func(*Member, io.Reader) error { calls++; return nil })
	checkError(t, err, ErrTooManyMembers, path, "")
	if calls != 1_000_000 {
		t.Errorf("%d calls", calls)
	}
}

// TestMemberOpenConcurrent reads members of a compressed tar through
// Member.Open from several goroutines.
func TestMemberOpenConcurrent(t *testing.T) {
	path := writeTemp(t, "x.tar.gz", compress(t, compGzip, testTar(t)))
	a, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	want, _ := walkAll(t, a)
	done := make(chan error)
	for range 8 {
		go func() {
			for path, data := range want {
				rc, err := a.Member(path).Open()
				if err != nil {
					done <- err
					return
				}
				b, err := io.ReadAll(rc)
				rc.Close()
				if err == nil && !bytes.Equal(b, data) {
					err = fmt.Errorf("%s: other bytes", path)
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestNestedNotOpened: a compressed tar inside a tarball is a member, not
// a container.
func TestNestedNotOpened(t *testing.T) {
	inner := compress(t, compGzip, testTar(t))
	path := writeTemp(t, "outer.tar.zst", compress(t, compZstd, buildTar(t, tfile("inner.tar.gz", string(inner)))))
	a, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	data, _ := walkAll(t, a)
	if got := listing(a); !slices.Equal(got, []string{"inner.tar.gz"}) || !bytes.Equal(data["inner.tar.gz"], inner) {
		t.Errorf("members %q", got)
	}
}
