package artifact

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestOpenWheel(t *testing.T) {
	path := writeTemp(t, testWheelName, testWheel(t))
	a, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Kind != KindWheel || a.Path != path {
		t.Errorf("Kind, Path = %q, %q", a.Kind, a.Path)
	}
	var paths []string
	for _, m := range a.Members() {
		paths = append(paths, m.Path)
	}
	want := []string{"demo-1.0.dist-info/METADATA", "demo-1.0.dist-info/RECORD", "demo-1.0.dist-info/WHEEL", "demo/__init__.py", "demo/_core.so"}
	if !slices.Equal(paths, want) {
		t.Errorf("members = %q, want %q", paths, want)
	}
	if p := a.Problems(); len(p) != 0 {
		t.Errorf("problems: %v", p)
	}
	w := a.Wheel
	if w.Name != "demo" || w.Version != "1.0" || w.DistInfo != "demo-1.0.dist-info" || w.WheelVersion != "1.0" ||
		w.Generator != "libvet-test" || !w.RootIsPurelib || !slices.Equal(w.Tags, []string{"py3-none-any"}) {
		t.Errorf("wheel = %+v", w)
	}
	if len(w.Record) != 5 || w.Record[0].Path != "demo/__init__.py" || w.Record[0].Size != 12 || !strings.HasPrefix(w.Record[0].Hash, "sha256=") || w.Record[4].Size != -1 {
		t.Errorf("record = %+v", w.Record)
	}
	core := a.Member("demo/_core.so")
	if core == nil || !core.Compressed || core.Size != 8000 || core.Mode != 0o644 {
		t.Fatalf("demo/_core.so = %+v", core)
	}
	if a.Member("demo") != nil || a.Member("demo/") != nil || a.Member("nope") != nil {
		t.Error("Member found a directory or a missing path")
	}
	got := readAll(t, a)
	if string(got["demo/__init__.py"]) != "print('hi')\n" || string(got["demo/_core.so"]) != strings.Repeat("\x7fELF binary-ish ", 500) {
		t.Error("member contents differ")
	}
}

func TestOpenKinds(t *testing.T) {
	z := buildZip(t, stored("a.txt", "alpha"), deflated("b/c.txt", "gamma"))
	tests := []struct {
		name, file string
		data       []byte
		kind       Kind
		members    map[string]string
	}{
		{"zip by content", "x.bin", z, KindZip, map[string]string{"a.txt": "alpha", "b/c.txt": "gamma"}},
		{"zip named .zip", "x.zip", z, KindZip, map[string]string{"a.txt": "alpha", "b/c.txt": "gamma"}},
		{"plain file", "libfoo.so.1", []byte("\x7fELF..."), KindFile, map[string]string{"libfoo.so.1": "\x7fELF..."}},
		{"plain file named .zip", "fake.zip", []byte("<html>"), KindFile, map[string]string{"fake.zip": "<html>"}},
		{"empty plain file", "empty", nil, KindFile, map[string]string{"empty": ""}},
		{"empty zip", "e.zip", buildZip(t), KindZip, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, tt.file, tt.data)
			a, err := Open(path, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if a.Kind != tt.kind || a.Size != int64(len(tt.data)) || a.Wheel != nil {
				t.Errorf("Kind, Size, Wheel = %q, %d, %v", a.Kind, a.Size, a.Wheel)
			}
			got := map[string]string{}
			for p, b := range readAll(t, a) {
				got[p] = string(b)
			}
			if !reflect.DeepEqual(got, tt.members) {
				t.Errorf("members = %q, want %q", got, tt.members)
			}
		})
	}
}

// patched builds a zip from entries and applies fix to its bytes.
func patched(entries []entry, fix func(t testing.TB, z []byte) []byte) func(t testing.TB) []byte {
	return func(t testing.TB) []byte {
		z := buildZip(t, entries...)
		if fix != nil {
			z = fix(t, z)
		}
		return z
	}
}

func raw(b []byte) func(testing.TB) []byte { return func(testing.TB) []byte { return b } }

func TestOpenRejects(t *testing.T) {
	zeros := entry{name: "zeros.so", data: make([]byte, 1<<20), method: zip.Deflate}
	small := Limits{MaxMemberSize: 100, MaxTotalSize: 150, MaxMembers: 4, MaxRatio: 100, MaxMetadataSize: 64}
	wheel := func(dist, wheelFile string, files ...entry) func(testing.TB) []byte {
		return patched(wheelEntries(dist, wheelFile, files...), nil)
	}
	tests := []struct {
		name   string
		file   string
		build  func(testing.TB) []byte
		lim    Limits
		want   error
		member string // the member the error must name
		text   string // a substring of the message
	}{
		{"html named .whl", testWheelName, raw([]byte("<html><body>404</body></html>")), Limits{}, ErrNotZip, "", "bad magic 0x3c68746d); is this really a wheel?"},
		{"empty .whl", testWheelName, raw(nil), Limits{}, ErrNotZip, "", "empty file"},
		{"3-byte .whl", testWheelName, raw([]byte("PK\x03")), Limits{}, ErrNotZip, "", "only 3 bytes"},
		{"upper-case .WHL", "demo-1.0-py3-none-any.WHL", raw([]byte("ELF!")), Limits{}, ErrNotZip, "", "bad magic"},
		{"no end record", "x.zip", raw([]byte("PK\x03\x04 and nothing else")), Limits{}, ErrTruncated, "", "no end of central directory"},

		{"dot-dot", "x.zip", patched([]entry{stored("ok", ""), stored("../evil.so", "x")}, nil), Limits{}, ErrUnsafePath, "../evil.so", "unsafe member name ('..' component); refusing to read it"},
		{"absolute", "x.zip", patched([]entry{stored("/abs", "x")}, nil), Limits{}, ErrUnsafePath, "/abs", "absolute path"},
		{"dot-dot inside", "x.zip", patched([]entry{stored("a/../../b", "x")}, nil), Limits{}, ErrUnsafePath, "a/../../b", "'..'"},
		{"backslash dot-dot", "x.zip", patched([]entry{stored(`a\..\..\b`, "x")}, nil), Limits{}, ErrUnsafePath, `a\..\..\b`, "'..'"},
		{"backslash absolute", "x.zip", patched([]entry{stored(`\windows\x.dll`, "x")}, nil), Limits{}, ErrUnsafePath, `\windows\x.dll`, "absolute"},
		{"drive letter", "x.zip", patched([]entry{stored(`C:x.dll`, "x")}, nil), Limits{}, ErrUnsafePath, `C:x.dll`, "Windows"},
		{"NUL byte", "x.zip", patched([]entry{stored("a\x00.so", "x")}, nil), Limits{}, ErrUnsafePath, "a\x00.so", "NUL"},
		{"empty name", "x.zip", patched([]entry{stored("", "x")}, nil), Limits{}, ErrUnsafePath, "", "empty name"},
		{"dot name", "x.zip", patched([]entry{stored("./.", "x")}, nil), Limits{}, ErrUnsafePath, "./.", "empty after"},
		{"unsafe in wheel", testWheelName, wheel("demo-1.0.dist-info", "", stored("../evil.so", "x")), Limits{}, ErrUnsafePath, "../evil.so", "refusing"},

		{"duplicate", "x.zip", patched([]entry{stored("a.so", "1"), stored("a.so", "2")}, nil), Limits{}, ErrDuplicate, "a.so", "duplicate"},
		{"duplicate after cleaning", "x.zip", patched([]entry{stored("lib/a.so", "1"), stored("./lib//a.so", "2")}, nil), Limits{}, ErrDuplicate, "lib/a.so", `"./lib//a.so"`},
		{"duplicate on Windows", "x.zip", patched([]entry{stored("lib/a.dll", "1"), stored(`lib\a.dll`, "2")}, nil), Limits{}, ErrDuplicate, `lib\a.dll`, "Windows"},

		{"too many members", "x.zip", patched([]entry{stored("1", ""), stored("2", ""), stored("3", ""), stored("4", ""), stored("5", "")}, nil), small, ErrTooManyMembers, "", "5 entries, over the limit of 4"},
		{"member too large", "x.zip", patched([]entry{stored("big", strings.Repeat("x", 101))}, nil), small, ErrTooLarge, "big", "Limits.MaxMemberSize"},
		{"total too large", "x.zip", patched([]entry{stored("a", strings.Repeat("x", 100)), stored("b", strings.Repeat("x", 100))}, nil), small, ErrTooLarge, "b", "Limits.MaxTotalSize"},
		{"declared size over limit", "x.zip", patched([]entry{stored("big", "x")}, func(t testing.TB, z []byte) []byte {
			put32(z, centralHeader(t, z, "big")+24, 0xFFFFFFFE)
			return z
		}), Limits{MaxMemberSize: 1 << 30}, ErrTooLarge, "big", "declared size 4.0 GiB is over the 1.0 GiB member limit"},
		{"plain file too large", "f.so", raw(make([]byte, 200)), small, ErrTooLarge, "", "Limits.MaxMemberSize"},

		{"high ratio", "x.zip", patched([]entry{zeros}, nil), Limits{MaxRatio: 100}, ErrBomb, "zeros.so", "compression ratio"},
		{"ratio lie", "x.zip", patched([]entry{zeros}, func(t testing.TB, z []byte) []byte {
			put32(z, centralHeader(t, z, "zeros.so")+24, 1<<31) // claims 2 GiB from ~1 KiB
			return z
		}), Limits{}, ErrBomb, "zeros.so", "over 1100:1 (zip bomb?)"},
		{"nothing inflates to something", "x.zip", patched([]entry{deflated("a", "abc")}, func(t testing.TB, z []byte) []byte {
			put32(z, centralHeader(t, z, "a")+20, 0)
			return z
		}), Limits{}, ErrBomb, "a", "infinite"},
		{"overlapping entries", "x.zip", patched([]entry{stored("a", "aaaa"), stored("b", "bbbb")}, func(t testing.TB, z []byte) []byte {
			put32(z, centralHeader(t, z, "b")+42, 0) // b's data is a's
			return z
		}), Limits{}, ErrBomb, "", "overlapping-entry zip bomb"},

		{"directory past end", "x.zip", patched([]entry{stored("a", "aaaa")}, func(t testing.TB, z []byte) []byte {
			put32(z, endRecord(t, z)+16, uint32(len(z)))
			return z
		}), Limits{}, ErrTruncated, "", "runs past the end"},
		{"bad central signature", "x.zip", patched([]entry{stored("a", "aaaa")}, func(t testing.TB, z []byte) []byte {
			z[centralHeader(t, z, "a")] = 'X'
			return z
		}), Limits{}, ErrCorrupt, "", "bad signature"},
		{"entry count mismatch", "x.zip", patched([]entry{stored("a", "aaaa")}, func(t testing.TB, z []byte) []byte {
			put16(z, endRecord(t, z)+10, 0)
			return z
		}), Limits{}, ErrCorrupt, "", "end record says 0"},
		{"local header after directory", "x.zip", patched([]entry{stored("a", "aaaa")}, func(t testing.TB, z []byte) []byte {
			put32(z, centralHeader(t, z, "a")+42, uint32(len(z)))
			return z
		}), Limits{}, ErrCorrupt, "a", "not before the central directory"},

		{"bad wheel filename", "badname-1.0.whl", wheel("badname-1.0.dist-info", ""), Limits{}, ErrBadFilename, "", "2 dash-separated fields, want 5 or 6"},
		{"bad wheel version field", "demo-1_0-py3-none-any.whl", raw(buildZip(t)), Limits{}, ErrNoWheelFile, "", "no demo-1_0.dist-info/WHEEL file; not a valid wheel (PEP 427)"},
		{"empty zip wheel", testWheelName, raw(buildZip(t)), Limits{}, ErrNoWheelFile, "", "no demo-1.0.dist-info/WHEEL"},
		{"no WHEEL", testWheelName, patched([]entry{stored("demo-1.0.dist-info/METADATA", "x")}, nil), Limits{}, ErrNoWheelFile, "", "no demo-1.0.dist-info/WHEEL"},
		{"WHEEL outside dist-info", testWheelName, patched([]entry{stored("WHEEL", testWheelFile), stored("demo/x.py", "")}, nil), Limits{}, ErrNoWheelFile, "", "not a valid wheel"},
		{"no Root-Is-Purelib", testWheelName, wheel("demo-1.0.dist-info", "Wheel-Version: 1.0\nTag: py3-none-any\n"), Limits{}, ErrBadWheelFile, "demo-1.0.dist-info/WHEEL", "no Root-Is-Purelib header"},
		{"bad Root-Is-Purelib", testWheelName, wheel("demo-1.0.dist-info", "Wheel-Version: 1.0\nRoot-Is-Purelib: purelib\n"), Limits{}, ErrBadWheelFile, "demo-1.0.dist-info/WHEEL", `Root-Is-Purelib is "purelib"`},
		{"no Wheel-Version", testWheelName, wheel("demo-1.0.dist-info", "Root-Is-Purelib: true\n"), Limits{}, ErrBadWheelFile, "demo-1.0.dist-info/WHEEL", "no Wheel-Version"},
		{"Wheel-Version 2", testWheelName, wheel("demo-1.0.dist-info", "Wheel-Version: 2.0\nRoot-Is-Purelib: true\n"), Limits{}, ErrBadWheelFile, "demo-1.0.dist-info/WHEEL", "2.0 is not supported"},
		{"bad Wheel-Version", testWheelName, wheel("demo-1.0.dist-info", "Wheel-Version: one\nRoot-Is-Purelib: true\n"), Limits{}, ErrBadWheelFile, "demo-1.0.dist-info/WHEEL", "MAJOR.MINOR"},
		{"WHEEL too large", testWheelName, wheel("demo-1.0.dist-info", testWheelFile+strings.Repeat("X-Pad: 0123456789\n", 10)), Limits{MaxMetadataSize: 100}, ErrTooLarge, "demo-1.0.dist-info/WHEEL", "over the 100 bytes limit"},
		{"two dist-infos, none matching", testWheelName, patched(append(wheelEntries("other-1.0.dist-info", ""), wheelEntries("third-2.0.dist-info", "")...), nil), Limits{}, ErrBadWheelFile, "", "2 .dist-info directories (other-1.0.dist-info, third-2.0.dist-info) and 0 of them match"},
		{"corrupt WHEEL", testWheelName, patched(wheelEntries("demo-1.0.dist-info", ""), func(t testing.TB, z []byte) []byte {
			put32(z, centralHeader(t, z, "demo-1.0.dist-info/WHEEL")+16, 0xDEADBEEF)
			return z
		}), Limits{}, ErrChecksum, "demo-1.0.dist-info/WHEEL", "CRC-32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, tt.file, tt.build(t))
			a, err := Open(path, tt.lim)
			if err == nil {
				a.Close()
			}
			checkError(t, err, tt.want, path, tt.member)
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("message %q does not contain %q", err, tt.text)
			}
		})
	}
}

func TestOpenFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.whl")
	_, err := Open(missing, Limits{})
	checkError(t, err, fs.ErrNotExist, missing, "")
	if strings.Count(err.Error(), missing) != 1 {
		t.Errorf("message %q repeats the path", err)
	}
}

// TestTruncated cuts a wheel at every eighth of its length.
func TestTruncated(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 64<<10)
	for i := range noise {
		noise[i] = byte(rng.IntN(256))
	}
	z := buildZip(t, wheelEntries("demo-1.0.dist-info", "",
		entry{name: "demo/a.so", data: noise, method: zip.Deflate},
		entry{name: "demo/b.so", data: noise[:1000], method: zip.Store})...)
	for _, name := range []string{testWheelName, "demo.zip"} {
		for k := 1; k < 8; k++ {
			t.Run(fmt.Sprintf("%s/%d-8", name, k), func(t *testing.T) {
				path := writeTemp(t, name, z[:len(z)*k/8])
				_, err := Open(path, Limits{})
				checkError(t, err, ErrTruncated, path, "")
				if !strings.Contains(err.Error(), "re-download") {
					t.Errorf("message %q does not say what to do", err)
				}
			})
		}
	}
}

// TestReadErrors covers damage that Open cannot see because it reads no
// member data.
func TestReadErrors(t *testing.T) {
	zeros := make([]byte, 4<<20)
	noise := make([]byte, 10000)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range noise {
		noise[i] = byte(rng.IntN(256))
	}
	tests := []struct {
		name   string
		e      entry
		fix    func(z []byte, central, local int)
		want   error
		text   string
		atOpen bool // Member.Open fails, not Read
	}{
		{"bomb: deflated size lie", entry{name: "m", data: zeros, method: zip.Deflate}, func(z []byte, c, _ int) { put32(z, c+24, 1024) }, ErrBomb, "member inflates past its declared size 1024 (zip bomb?)", false},
		{"bomb: stored size lie", entry{name: "m", data: zeros[:4096], method: zip.Store}, func(z []byte, c, _ int) { put32(z, c+24, 1024) }, ErrBomb, "past its declared size 1024", false},
		{"stored data short", entry{name: "m", data: zeros[:4096], method: zip.Store}, func(z []byte, c, _ int) { put32(z, c+24, 8192) }, ErrTruncated, "data ends after 4096 of 8192 bytes", false},
		{"deflated data cut", entry{name: "m", data: noise, method: zip.Deflate}, func(z []byte, c, _ int) { put32(z, c+20, binary.LittleEndian.Uint32(z[c+20:])/2) }, ErrTruncated, "compressed data ends early", false},
		{"deflated checksum", entry{name: "m", data: []byte("hello, world"), method: zip.Deflate}, func(z []byte, c, _ int) { put32(z, c+16, 1) }, ErrChecksum, "the archive says 00000001", false},
		{"stored checksum", entry{name: "m", data: []byte("hello, world"), method: zip.Store}, func(z []byte, c, _ int) { put32(z, c+16, 1) }, ErrChecksum, "re-download", false},
		{"corrupt deflate", entry{name: "m", data: []byte(strings.Repeat("abc", 100)), method: zip.Deflate}, func(z []byte, _, l int) { z[l+localLen+1] = 0xff }, ErrCorrupt, "corrupt deflate data", false},
		{"local name differs", entry{name: "m", data: []byte("x"), method: zip.Store}, func(z []byte, _, l int) { z[l+localLen] = 'n' }, ErrCorrupt, "zip parser confusion", true},
		{"no local header", entry{name: "m", data: []byte("x"), method: zip.Store}, func(z []byte, _, l int) { z[l] = 'X' }, ErrCorrupt, "no local header", true},
		{"local extra overlaps", entry{name: "m", data: []byte("x"), method: zip.Store}, func(z []byte, _, l int) { put16(z, l+28, 1000) }, ErrBomb, "overlaps", true},
		{"encrypted", entry{name: "m", data: []byte("x"), method: zip.Store}, func(z []byte, c, _ int) { put16(z, c+8, 1) }, ErrUnsupported, "encrypted", true},
		{"bzip2", entry{name: "m", data: []byte("x"), method: zip.Store}, func(z []byte, c, _ int) { put16(z, c+10, 12) }, ErrUnsupported, "method 12 (bzip2)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := buildZip(t, stored("other", "fine"), tt.e)
			tt.fix(z, centralHeader(t, z, "m"), localHeader(t, z, "m"))
			path := writeTemp(t, "x.zip", z)
			a, err := Open(path, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			m := a.Member("m")
			rc, err := m.Open()
			if tt.atOpen != (err != nil) {
				t.Fatalf("Member.Open error = %v, want one: %v", err, tt.atOpen)
			}
			var n int64
			if err == nil {
				n, err = io.Copy(io.Discard, rc)
				rc.Close()
				if n > m.Size {
					t.Errorf("read %d bytes from a member of declared size %d", n, m.Size)
				}
			}
			checkError(t, err, tt.want, path, "m")
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("message %q does not contain %q", err, tt.text)
			}
			// A bad member does not hide the others.
			if got := readMember(t, a.Member("other")); got != "fine" {
				t.Errorf("other = %q", got)
			}
		})
	}
}

func readMember(t testing.TB, m *Member) string {
	t.Helper()
	rc, err := m.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBombMemory reads a member that says 1 KiB and inflates to 64 MiB:
// the reader must stop at 1 KiB, and memory must stay far below the
// bomb's size.
func TestBombMemory(t *testing.T) {
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "bomb.so", Method: zip.Deflate})
	chunk := make([]byte, 1<<20)
	for range 64 {
		w.Write(chunk)
	}
	zw.Close()
	b := z.Bytes()
	c := centralHeader(t, b, "bomb.so")
	put32(b, c+24, 1024)
	path := writeTemp(t, "bomb.zip", b)
	t.Logf("bomb: %d bytes inflating to 64 MiB", len(b))

	a, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rc, err := a.Member("bomb.so").Open()
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rc)
	rc.Close()
	runtime.ReadMemStats(&after)
	checkError(t, err, ErrBomb, path, "bomb.so")
	if n != 1024 {
		t.Errorf("read %d bytes, want the declared 1024", n)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("allocated %d bytes reading a bomb", d)
	}
}

func TestZip64(t *testing.T) {
	big := bytes.Repeat([]byte("zip64 "), 10000)
	z := buildZip64(t,
		zip64Entry{"demo/a.so", big, true},
		zip64Entry{"demo/b.txt", []byte("stored"), false},
		zip64Entry{"demo/empty", nil, false},
	)
	// The writer above is hand-made: check it against archive/zip first.
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil || len(zr.File) != 3 || zr.File[0].UncompressedSize64 != uint64(len(big)) {
		t.Fatalf("archive/zip cannot read the test zip64: %v", err)
	}
	a, err := Open(writeTemp(t, "z64.zip", z), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	got := readAll(t, a)
	if !bytes.Equal(got["demo/a.so"], big) || string(got["demo/b.txt"]) != "stored" || len(got) != 3 {
		t.Errorf("zip64 contents differ: %d members", len(got))
	}
	if ra, ok := a.Member("demo/b.txt").ReaderAt(); !ok {
		t.Error("no ReaderAt for a stored zip64 member")
	} else if buf := make([]byte, 6); func() bool { _, err := ra.ReadAt(buf, 0); return err != nil }() || string(buf) != "stored" {
		t.Errorf("ReaderAt read %q", buf)
	}

	// A zip64 member whose extra field is cut short.
	bad := bytes.Clone(z)
	put16(bad, centralHeader(t, bad, "demo/a.so")+30, 4) // extra field length: header only
	path := writeTemp(t, "bad64.zip", bad)
	_, err = Open(path, Limits{})
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("short zip64 extra: got %v, want ErrCorrupt", err)
	}
}

// TestManyEntries writes more than 65535 entries, which archive/zip
// records in zip64 end records.
func TestManyEntries(t *testing.T) {
	if testing.Short() {
		t.Skip("slow in -short mode")
	}
	const n = 70000
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range n {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("f/%06d", i), Method: zip.Store})
		fmt.Fprint(w, i)
	}
	zw.Close()
	path := writeTemp(t, "many.zip", buf.Bytes())
	a, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if len(a.Members()) != n || readMember(t, a.Member("f/069999")) != "69999" {
		t.Errorf("got %d members", len(a.Members()))
	}
	_, err = Open(path, Limits{MaxMembers: n - 1})
	checkError(t, err, ErrTooManyMembers, path, "")
}

func TestReaderAt(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 300_000)
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	z := buildZip(t, entry{name: "lib/x.so", data: data, method: zip.Store}, entry{name: "lib/y.so", data: data, method: zip.Deflate})
	a, err := Open(writeTemp(t, "r.zip", z), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, ok := a.Member("lib/y.so").ReaderAt(); ok {
		t.Error("ReaderAt for a deflated member")
	}
	ra, ok := a.Member("lib/x.so").ReaderAt()
	if !ok {
		t.Fatal("no ReaderAt for a stored member")
	}
	if _, ok := ra.(*io.SectionReader); !ok {
		t.Errorf("ReaderAt is a %T, want a zero-copy *io.SectionReader", ra)
	}
	checkReaderAt(t, ra, data, rng)

	plain := writeTemp(t, "x.so", data)
	b, err := Open(plain, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ra, ok = b.Members()[0].ReaderAt()
	if !ok {
		t.Fatal("no ReaderAt for a plain file")
	}
	checkReaderAt(t, ra, data, rng)
}

func checkReaderAt(t *testing.T, ra io.ReaderAt, want []byte, rng *rand.Rand) {
	t.Helper()
	for range 200 {
		off := rng.IntN(len(want))
		buf := make([]byte, rng.IntN(5000)+1)
		n, err := ra.ReadAt(buf, int64(off))
		end := min(off+len(buf), len(want))
		if n != end-off || !bytes.Equal(buf[:n], want[off:end]) {
			t.Fatalf("ReadAt(%d, %d) = %d bytes, differ", len(buf), off, n)
		}
		if (end < off+len(buf)) != (err == io.EOF) || (err != nil && err != io.EOF) {
			t.Fatalf("ReadAt(%d, %d) error %v", len(buf), off, err)
		}
	}
}

func TestConcurrentReads(t *testing.T) {
	var es []entry
	want := map[string][]byte{}
	for i := range 8 {
		data := bytes.Repeat([]byte(fmt.Sprintf("member %d ", i)), 20000+i)
		name := fmt.Sprintf("m%d", i)
		es = append(es, entry{name: name, data: data, method: uint16(i%2) * zip.Deflate})
		want[name] = data
	}
	a, err := Open(writeTemp(t, "c.zip", buildZip(t, es...)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 8 {
				name := fmt.Sprintf("m%d", (g+i)%8)
				if g%4 == 0 {
					name = "m1" // many readers of one member
				}
				rc, err := a.Member(name).Open()
				if err != nil {
					errs <- err
					return
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				if err != nil || !bytes.Equal(got, want[name]) {
					errs <- fmt.Errorf("%s: %v, %d bytes", name, err, len(got))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestReaderClose(t *testing.T) {
	path := writeTemp(t, testWheelName, testWheel(t))
	a, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m := a.Member("demo/_core.so")
	rc, _ := m.Open()
	rc.Close()
	if err := rc.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := rc.Read(make([]byte, 10)); err == nil {
		t.Error("Read after Close succeeded")
	}
	rc, _ = m.Open()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(rc); err == nil {
		t.Error("Read after Artifact.Close succeeded")
	} else {
		checkError(t, err, os.ErrClosed, path, m.Path)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Artifact.Close: %v", err)
	}
}

// TestReadAllocs checks that opening and reading a deflated member
// reuses its buffers.
func TestReadAllocs(t *testing.T) {
	a, err := Open(writeTemp(t, testWheelName, testWheel(t)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	m := a.Member("demo/_core.so")
	buf := make([]byte, 32<<10)
	allocs := testing.AllocsPerRun(100, func() {
		rc, _ := m.Open()
		for {
			if _, err := rc.Read(buf); err != nil {
				break
			}
		}
		rc.Close()
	})
	if allocs > 10 {
		t.Errorf("%.0f allocations per Open and read; buffers are not reused", allocs)
	}
}

func TestWheelProblems(t *testing.T) {
	so := deflated("demo/_core.so", "binary")
	tests := []struct {
		name    string
		file    string
		entries []entry
		fix     func(t testing.TB, z []byte)
		want    []string // "MEMBER: substring"
	}{
		{"no RECORD", testWheelName, wheelEntries("demo-1.0.dist-info", "", so)[:3], nil, []string{"demo-1.0.dist-info/RECORD: missing"}},
		{"RECORD lists a missing file", testWheelName, wheelEntries("demo-1.0.dist-info", "", so)[1:], nil, []string{"demo/_core.so: is listed in RECORD but not in the archive"}},
		{"unlisted member", testWheelName, append(wheelEntries("demo-1.0.dist-info", "", so), stored("demo/extra.so", "x")), nil, []string{"demo/extra.so: is not listed in RECORD"}},
		{"dist-info mismatch", testWheelName, wheelEntries("Other-1.0.dist-info", "", so), nil, []string{"Other-1.0.dist-info: does not match the wheel's file name (want demo-1.0.dist-info)"}},
		{"normalised name matches", "Demo_Pkg-1.0-py3-none-any.whl", wheelEntries("demo.pkg-1.0.dist-info", "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: py3-none-any\n", so), nil, nil},
		{"tags differ", "demo-1.0-py2.py3-none-any.whl", wheelEntries("demo-1.0.dist-info", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\nTag: cp312-abi3-linux_x86_64\n", so), nil,
			[]string{"demo-1.0.dist-info/WHEEL: has no Tag line for py2-none-any", "demo-1.0.dist-info/WHEEL: declares Tag cp312-abi3-linux_x86_64"}},
		{"no tags", testWheelName, wheelEntries("demo-1.0.dist-info", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n", so), nil, []string{"demo-1.0.dist-info/WHEEL: has no Tag lines"}},
		{"newer Wheel-Version", testWheelName, wheelEntries("demo-1.0.dist-info", "Wheel-Version: 1.9\nRoot-Is-Purelib: true\nTag: py3-none-any\n", so), nil, []string{"demo-1.0.dist-info/WHEEL: Wheel-Version 1.9 is newer"}},
		{"odd WHEEL lines", testWheelName, wheelEntries("demo-1.0.dist-info", "Wheel-Version: 1.0\r\nroot-is-purelib: TRUE\r\nGenerator: a\r\n  b\r\nnonsense\r\nGenerator: c\r\nRoot-Is-Purelib: false\r\nTag: py3-none-any\r\n\r\nBody: ignored\n", so), nil,
			// A second Generator line is what repair tools append: fine.
			[]string{"demo-1.0.dist-info/WHEEL: line 5 is not a 'Key: value' header", "demo-1.0.dist-info/WHEEL: repeats the root-is-purelib header"}},
		{"no METADATA", testWheelName, wheelEntries("demo-1.0.dist-info", "", so)[:1], nil, nil},
		{"case collision", testWheelName, wheelEntries("demo-1.0.dist-info", "", so, stored("demo/_CORE.so", "x")), nil, []string{"demo/_core.so: differs only in case from demo/_CORE.so"}},
		{"backslash", testWheelName, wheelEntries("demo-1.0.dist-info", "", so, stored(`demo\win.dll`, "x")), nil, []string{`demo\win.dll: name contains a backslash`}},
		{"file and directory", testWheelName, wheelEntries("demo-1.0.dist-info", "", so, stored("demo", "x")), nil, []string{"demo: is both a file and a directory"}},
		{"two dist-infos", testWheelName, append(wheelEntries("demo-1.0.dist-info", "", so), wheelEntries("vendored-2.0.dist-info", "")...), nil,
			[]string{": 2 .dist-info directories (demo-1.0.dist-info, vendored-2.0.dist-info); using demo-1.0.dist-info",
				"vendored-2.0.dist-info/METADATA: is not listed in RECORD", "vendored-2.0.dist-info/RECORD: is not listed in RECORD", "vendored-2.0.dist-info/WHEEL: is not listed in RECORD"}},
		{"bzip2 member", testWheelName, wheelEntries("demo-1.0.dist-info", "", so), func(t testing.TB, z []byte) {
			put16(z, centralHeader(t, z, "demo/_core.so")+10, 12)
		}, []string{"demo/_core.so: uses compression method 12 (bzip2)"}},
		{"encrypted member", testWheelName, wheelEntries("demo-1.0.dist-info", "", so), func(t testing.TB, z []byte) {
			put16(z, centralHeader(t, z, "demo/_core.so")+8, 1)
		}, []string{"demo/_core.so: is encrypted"}},
		{"RECORD unreadable", testWheelName, wheelEntries("demo-1.0.dist-info", "", so), func(t testing.TB, z []byte) {
			put32(z, centralHeader(t, z, "demo-1.0.dist-info/RECORD")+16, 7)
		}, []string{"demo-1.0.dist-info/RECORD: cannot be read (CRC-32 is"}},
	}
	// "no METADATA": a dist-info with WHEEL and RECORD only.
	tests[9].entries = []entry{so, deflated("demo-1.0.dist-info/WHEEL", testWheelFile), deflated("demo-1.0.dist-info/RECORD", "demo/_core.so,,\ndemo-1.0.dist-info/WHEEL,,\n")}
	tests[9].want = []string{"demo-1.0.dist-info/METADATA: missing"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := buildZip(t, tt.entries...)
			if tt.fix != nil {
				tt.fix(t, z)
			}
			a, err := Open(writeTemp(t, tt.file, z), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			var got []string
			for _, p := range a.Problems() {
				got = append(got, p.Member+": "+p.Msg)
			}
			for _, w := range tt.want {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, w) }) {
					t.Errorf("no problem %q in\n%s", w, strings.Join(got, "\n"))
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %d problems, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
		})
	}
}

func TestRecordProblems(t *testing.T) {
	files := []entry{deflated("demo/a.py", "a"), deflated("demo/b.py", "bb")}
	rec := "demo/a.py,sha256=x,1\n" +
		"demo/a.py,sha256=x,1\n" + // twice
		"demo/b.py,md5=abc,5\n" + // weak hash, wrong size
		"../evil,sha256=x,1\n" +
		"demo/c.py,nohash,x\n" +
		"\"demo/d,comma.py\",sha256=x\n" +
		"demo-1.0.dist-info/METADATA,,\ndemo-1.0.dist-info/WHEEL,,\ndemo-1.0.dist-info/RECORD,,\n"
	es := append(files,
		deflated("demo-1.0.dist-info/METADATA", "Name: demo\n"),
		deflated("demo-1.0.dist-info/WHEEL", testWheelFile),
		deflated("demo-1.0.dist-info/RECORD", rec))
	a, err := Open(writeTemp(t, testWheelName, buildZip(t, es...)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var got []string
	for _, p := range a.Problems() {
		got = append(got, p.String())
	}
	want := []string{
		`demo-1.0.dist-info/RECORD: line 3: md5 hash; PEP 427 requires sha256 or stronger`,
		`demo-1.0.dist-info/RECORD: line 4 lists an unsafe path "../evil" ('..' component)`,
		`demo-1.0.dist-info/RECORD: line 5: bad size "x"`,
		`demo-1.0.dist-info/RECORD: line 5: bad hash "nohash" (want ALGORITHM=DIGEST)`,
		`demo-1.0.dist-info/RECORD: line 6: has 2 fields, want 3 (path,hash,size)`,
		`demo/a.py: is listed more than once in RECORD`,
		`demo/b.py: is 2 bytes, RECORD says 5`,
		`demo/c.py: is listed in RECORD but not in the archive`,
		`demo/d,comma.py: is listed in RECORD but not in the archive`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(a.Wheel.Record); n != 9 {
		t.Errorf("%d RECORD entries, want 9", n)
	}
}

func TestProblemCap(t *testing.T) {
	es := wheelEntries("demo-1.0.dist-info", "")
	for i := range maxProblems + 50 {
		es = append(es, stored(fmt.Sprintf("demo/f%d", i), ""))
	}
	a, err := Open(writeTemp(t, testWheelName, buildZip(t, es...)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	p := a.Problems()
	if len(p) != maxProblems+1 || p[len(p)-1].Msg != "50 more problems not shown" {
		t.Errorf("%d problems, last %v", len(p), p[len(p)-1])
	}
}

func TestParseWheelFilename(t *testing.T) {
	tests := []struct {
		in   string
		want *Wheel
		err  string
	}{
		{"demo-1.0-py3-none-any.whl", &Wheel{Name: "demo", Version: "1.0", PythonTags: []string{"py3"}, ABITags: []string{"none"}, PlatformTags: []string{"any"}}, ""},
		{"dir/x/numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", &Wheel{Name: "numpy", Version: "2.1.0", PythonTags: []string{"cp312"}, ABITags: []string{"cp312"}, PlatformTags: []string{"manylinux_2_17_x86_64", "manylinux2014_x86_64"}}, ""},
		{"six-1.16.0-1build-py2.py3-none-any.WHL", &Wheel{Name: "six", Version: "1.16.0", Build: "1build", PythonTags: []string{"py2", "py3"}, ABITags: []string{"none"}, PlatformTags: []string{"any"}}, ""},
		{"torch-2.4.0+cu121-cp311-cp311-linux_x86_64.whl", &Wheel{Name: "torch", Version: "2.4.0+cu121", PythonTags: []string{"cp311"}, ABITags: []string{"cp311"}, PlatformTags: []string{"linux_x86_64"}}, ""},
		{"zope.interface-1!2.0-py3-none-any.whl", &Wheel{Name: "zope.interface", Version: "1!2.0", PythonTags: []string{"py3"}, ABITags: []string{"none"}, PlatformTags: []string{"any"}}, ""},
		{"badname-1.0.whl", nil, "badname-1.0.whl: invalid wheel filename: 2 dash-separated fields, want 5 or 6 (NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl, PEP 427)"},
		{"demo-1.0-py3-none-any.zip", nil, "does not end in .whl"},
		{"demo-1.0-x-py3-none-any.whl", nil, `bad build tag "x"`},
		{"de mo-1.0-py3-none-any.whl", nil, `bad project name "de mo"`},
		{"-1.0-py3-none-any.whl", nil, "bad project name"},
		{"demo--py3-none-any.whl", nil, "bad version"},
		{"demo-1.0-py3..py2-none-any.whl", nil, `bad Python tag "py3..py2"`},
		{"demo-1.0-py3-none-.whl", nil, "bad platform tag"},
		{"demo-1.0-py3-no+ne-any.whl", nil, "bad ABI tag"},
		{"a-b-c-d-e-f-g.whl", nil, "7 dash-separated fields"},
		{".whl", nil, "1 dash-separated fields"},
	}
	for _, tt := range tests {
		w, err := ParseWheelFilename(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", tt.in, err, tt.err)
			}
			checkError(t, err, ErrBadFilename, tt.in, "")
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
		} else if !reflect.DeepEqual(w, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.in, w, tt.want)
		}
	}
	w, _ := ParseWheelFilename("x-1-py2.py3-none-any.linux_x86_64.whl")
	if got := w.FileTags(); !slices.Equal(got, []string{"py2-none-any", "py2-none-linux_x86_64", "py3-none-any", "py3-none-linux_x86_64"}) {
		t.Errorf("FileTags = %q", got)
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Artifact: "dist.whl", Member: "../evil.so", Err: reasonf(ErrUnsafePath, "unsafe member name ('..' component); refusing to read it")}, "dist.whl: ../evil.so: unsafe member name ('..' component); refusing to read it"},
		{&Error{Artifact: "x.whl", Err: ErrTruncated}, "x.whl: truncated archive"},
		{&Error{Artifact: "x.whl", Member: "a\nb", Err: ErrBomb}, `x.whl: "a\nb": possible zip bomb`},
		{&Error{Member: "m"}, "m: unknown error"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	if !errors.Is(causef(ErrCorrupt, io.ErrUnexpectedEOF, "x"), io.ErrUnexpectedEOF) {
		t.Error("causef does not wrap its cause")
	}
}

func TestDefaultLimits(t *testing.T) {
	d := DefaultLimits()
	if got := (Limits{}).withDefaults(); got != d {
		t.Errorf("zero Limits = %+v, want %+v", got, d)
	}
	if got := (Limits{MaxMembers: 7, MaxRatio: -1}).withDefaults(); got.MaxMembers != 7 || got.MaxRatio != d.MaxRatio {
		t.Errorf("got %+v", got)
	}
	if d.MaxMemberSize != 8<<30 || d.MaxTotalSize != 64<<30 || d.MaxMembers != 1_000_000 || d.MaxRatio != 1100 || d.MaxMetadataSize != 16<<20 {
		t.Errorf("defaults changed: %+v", d)
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 1024: "1.0 KiB", 8 << 30: "8.0 GiB", 1<<62 + 1<<61: "6.0 EiB"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
