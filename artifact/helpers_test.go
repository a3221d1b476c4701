package artifact

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// entry is one member of a zip built by a test.
type entry struct {
	name   string
	data   []byte
	method uint16      // zip.Store or zip.Deflate
	mode   fs.FileMode // 0: 0644
}

func stored(name, data string) entry { return entry{name: name, data: []byte(data), method: zip.Store} }
func deflated(name, data string) entry {
	return entry{name: name, data: []byte(data), method: zip.Deflate}
}

// buildZip writes entries with archive/zip, in order, without checking
// their names.
func buildZip(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: e.method}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	testWheelName = "demo-1.0-py3-none-any.whl"
	testWheelFile = "Wheel-Version: 1.0\nGenerator: libvet-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
)

// wheelEntries returns files plus dist's METADATA, WHEEL (wheelFile, or
// testWheelFile when "") and a RECORD listing everything.
func wheelEntries(dist, wheelFile string, files ...entry) []entry {
	if wheelFile == "" {
		wheelFile = testWheelFile
	}
	all := append([]entry{}, files...)
	all = append(all,
		deflated(dist+"/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"),
		deflated(dist+"/WHEEL", wheelFile))
	return append(all, deflated(dist+"/RECORD", record(all, dist+"/RECORD")))
}

// record renders a RECORD for entries, with self listed last.
func record(entries []entry, self string) string {
	var b strings.Builder
	for _, e := range entries {
		if strings.HasSuffix(e.name, "/") {
			continue
		}
		sum := sha256.Sum256(e.data)
		fmt.Fprintf(&b, "%s,sha256=%s,%d\n", e.name, base64.RawURLEncoding.EncodeToString(sum[:]), len(e.data))
	}
	fmt.Fprintf(&b, "%s,,\n", self)
	return b.String()
}

// testWheel is a small valid wheel.
func testWheel(t testing.TB) []byte {
	return buildZip(t, wheelEntries("demo-1.0.dist-info", "",
		stored("demo/__init__.py", "print('hi')\n"),
		deflated("demo/_core.so", strings.Repeat("\x7fELF binary-ish ", 500)),
		entry{name: "demo/", method: zip.Store, mode: fs.ModeDir | 0o755},
	)...)
}

// writeTemp writes data to a file called name in a new temporary
// directory and returns its path.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// centralHeader returns the offset of the central directory header of
// the entry called name.
func centralHeader(t testing.TB, z []byte, name string) int {
	t.Helper()
	for i := 0; i+centralLen <= len(z); i++ {
		if binary.LittleEndian.Uint32(z[i:]) != sigCentral {
			continue
		}
		n := int(binary.LittleEndian.Uint16(z[i+28:]))
		if i+centralLen+n <= len(z) && string(z[i+centralLen:i+centralLen+n]) == name {
			return i
		}
	}
	t.Fatalf("no central header for %q", name)
	return 0
}

// localHeader returns the offset of the local header of the entry called
// name.
func localHeader(t testing.TB, z []byte, name string) int {
	t.Helper()
	return int(binary.LittleEndian.Uint32(z[centralHeader(t, z, name)+42:]))
}

// endRecord returns the offset of the end of central directory record.
func endRecord(t testing.TB, z []byte) int {
	t.Helper()
	i := bytes.LastIndex(z, []byte("PK\x05\x06"))
	if i < 0 {
		t.Fatal("no end record")
	}
	return i
}

func put16(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }
func put32(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }

// zip64Entry describes an entry written by buildZip64.
type zip64Entry struct {
	name    string
	data    []byte
	deflate bool
}

// buildZip64 writes a zip in which every entry stores its sizes and
// local header offset in zip64 extra fields (the 32-bit fields are all
// 0xFFFFFFFF) and the end of the central directory is in zip64 records,
// as writers do for archives over 4 GiB.
func buildZip64(t testing.TB, entries ...zip64Entry) []byte {
	t.Helper()
	var b bytes.Buffer
	le := func(v any) {
		if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	type rec struct {
		name         string
		method       uint16
		crc          uint32
		csize, usize uint64
		off          uint64
	}
	var recs []rec
	for _, e := range entries {
		data, method := e.data, uint16(zip.Store)
		if e.deflate {
			var c bytes.Buffer
			fw, _ := flate.NewWriter(&c, flate.DefaultCompression)
			fw.Write(e.data)
			fw.Close()
			data, method = c.Bytes(), zip.Deflate
		}
		r := rec{e.name, method, crc32.ChecksumIEEE(e.data), uint64(len(data)), uint64(len(e.data)), uint64(b.Len())}
		recs = append(recs, r)
		le(uint32(sigLocal))
		le([]uint16{45, 0, r.method, 0, 0})
		le([]uint32{r.crc, 0xFFFFFFFF, 0xFFFFFFFF})
		le([]uint16{uint16(len(r.name)), 20})
		b.WriteString(r.name)
		le([]uint16{1, 16})
		le([]uint64{r.usize, r.csize})
		b.Write(data)
	}
	cdStart := b.Len()
	for _, r := range recs {
		le(uint32(sigCentral))
		le([]uint16{3<<8 | 45, 45, 0, r.method, 0, 0})
		le([]uint32{r.crc, 0xFFFFFFFF, 0xFFFFFFFF})
		le([]uint16{uint16(len(r.name)), 28, 0, 0, 0})
		le([]uint32{0o100644 << 16, 0xFFFFFFFF})
		b.WriteString(r.name)
		le([]uint16{1, 24})
		le([]uint64{r.usize, r.csize, r.off})
	}
	cdEnd := b.Len()
	le(uint32(sigEnd64))
	le(uint64(end64Len - 12))
	le([]uint16{3<<8 | 45, 45})
	le([]uint32{0, 0})
	le([]uint64{uint64(len(recs)), uint64(len(recs)), uint64(cdEnd - cdStart), uint64(cdStart)})
	le(uint32(sigLocator64))
	le(uint32(0))
	le(uint64(cdEnd))
	le(uint32(1))
	le(uint32(sigEnd))
	le([]uint16{0, 0, 0xFFFF, 0xFFFF})
	le([]uint32{0xFFFFFFFF, 0xFFFFFFFF})
	le(uint16(0))
	return b.Bytes()
}

// readAll streams every member of a and returns their contents.
func readAll(t testing.TB, a *Artifact) map[string][]byte {
	t.Helper()
	got := map[string][]byte{}
	for _, m := range a.Members() {
		rc, err := m.Open()
		if err != nil {
			t.Fatalf("%s: Open: %v", m.Path, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: read: %v", m.Path, err)
		}
		if int64(len(data)) != m.Size {
			t.Fatalf("%s: read %d bytes, Size is %d", m.Path, len(data), m.Size)
		}
		got[m.Path] = data
	}
	return got
}

// checkError asserts that err is an *Error about path (and member, when
// not "") wrapping want.
func checkError(t testing.TB, err error, want error, path, member string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want it to wrap %v", err, want)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T (%v), want *Error", err, err)
	}
	if e.Artifact != path {
		t.Errorf("Error.Artifact = %q, want %q", e.Artifact, path)
	}
	if member != "" && e.Member != member {
		t.Errorf("Error.Member = %q, want %q (%v)", e.Member, member, err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, path+": ") {
		t.Errorf("message %q does not start with the artifact path", msg)
	}
	if member != "" && !strings.Contains(msg, displayName(member)) {
		t.Errorf("message %q does not name member %q", msg, member)
	}
}
