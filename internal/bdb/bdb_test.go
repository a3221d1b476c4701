package bdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdata is the repository's testdata/rpmdb; its make.sh wrote the
// databases with Berkeley DB 5.3's db_load.
const testdata = "../../testdata/rpmdb"

var seeds = []string{"hash512.db", "bdb/var/lib/rpm/Packages"}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func scanAll(b []byte) (map[string][]byte, error) {
	h, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	got := map[string][]byte{}
	err = h.Scan(func(k, d []byte) error {
		if _, dup := got[string(k)]; dup {
			return fmt.Errorf("key %q twice", k)
		}
		got[string(k)] = d
		return nil
	})
	return got, err
}

// TestHash512 reads the 120 pairs make.sh wrote: key%03d → byte i
// repeated, with items too big for a 512-byte page on overflow pages.
func TestHash512(t *testing.T) {
	b := readFile(t, "hash512.db")
	h, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if h.PageSize() != 512 || h.ByteOrder() != binary.LittleEndian {
		t.Errorf("page size %d, byte order %v", h.PageSize(), h.ByteOrder())
	}
	got, err := scanAll(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 120 {
		t.Errorf("%d pairs, want 120", len(got))
	}
	for i := range 120 {
		size := i % 40
		if i%20 == 0 {
			size = (i * 37) % 1500
		}
		if d, ok := got[fmt.Sprintf("key%03d", i)]; !ok || !bytes.Equal(d, bytes.Repeat([]byte{byte(i)}, size)) {
			t.Errorf("key%03d: %d bytes, want %d", i, len(d), size)
		}
	}
}

// TestPackages reads the rpm Packages file: key 0 holds the next header
// number, keys 1-4 the headers.
func TestPackages(t *testing.T) {
	got, err := scanAll(readFile(t, "bdb/var/lib/rpm/Packages"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || !bytes.Equal(got["\x00\x00\x00\x00"], []byte{5, 0, 0, 0}) {
		t.Errorf("%d pairs, key 0 = %x", len(got), got["\x00\x00\x00\x00"])
	}
	for i := byte(1); i <= 4; i++ {
		d := got[string([]byte{i, 0, 0, 0})]
		if len(d) < 8 || int(binary.BigEndian.Uint32(d))*16+8 > len(d) {
			t.Errorf("header %d: %d bytes, not an rpm header", i, len(d))
		}
	}
	stop := errors.New("stop")
	h, _ := Open(bytes.NewReader(readFile(t, "bdb/var/lib/rpm/Packages")), 28672)
	if err := h.Scan(func(k, d []byte) error { return stop }); err != stop {
		t.Errorf("Scan returned %v, want fn's error", err)
	}
}

// firstBucket returns the file offset of bucket 0's page.
func firstBucket(b []byte) int {
	spare := binary.LittleEndian.Uint32(b[96:])
	return int(spare) * int(binary.LittleEndian.Uint32(b[20:]))
}

func TestMalformed(t *testing.T) {
	good := readFile(t, "hash512.db")
	pg := firstBucket(good)
	put16 := func(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }
	put32 := func(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
	tests := []struct {
		name string
		edit func(b []byte) []byte
		open string // wanted Open error, "" for none
		scan string // wanted Scan error
	}{
		{name: "empty", edit: func(b []byte) []byte { return nil }, open: "past end of file"},
		{name: "magic", edit: func(b []byte) []byte { b[12] = 0; return b }, open: "bad magic"},
		{name: "version", edit: func(b []byte) []byte { put32(b, 16, 3); return b }, open: "hash version"},
		{name: "page size", edit: func(b []byte) []byte { put32(b, 20, 1000); return b }, open: "page size"},
		{name: "encrypted", edit: func(b []byte) []byte { b[24] = 1; return b }, open: "encrypted"},
		{name: "not meta", edit: func(b []byte) []byte { b[25] = 9; return b }, open: "not a hash metadata page"},
		{name: "checksums", edit: func(b []byte) []byte { b[26] = 1; return b }, open: "checksums"},
		{name: "buckets", edit: func(b []byte) []byte { put32(b, 72, 1<<20); return b }, open: "more buckets than pages"},
		{name: "truncated", edit: func(b []byte) []byte { return b[:len(b)-1024] }, scan: "out of range"},
		{name: "cycle", edit: func(b []byte) []byte {
			put32(b, pg+16, uint32(pg/512))
			return b
		}, scan: "visited twice"},
		{name: "page type", edit: func(b []byte) []byte { b[pg+25] = 5; return b }, scan: "not a hash page"},
		{name: "odd entries", edit: func(b []byte) []byte { put16(b, pg+20, 3); return b }, scan: "bad number of entries"},
		{name: "entries", edit: func(b []byte) []byte { put16(b, pg+20, 1000); return b }, scan: "bad number of entries"},
		{name: "item offset", edit: func(b []byte) []byte { put16(b, pg+26, 2); return b }, scan: "item offset out of range"},
		{name: "item type", edit: func(b []byte) []byte {
			b[pg+int(binary.LittleEndian.Uint16(b[pg+26:]))] = 9
			return b
		}, scan: "bad item type"},
		{name: "off-page duplicates", edit: func(b []byte) []byte {
			b[pg+int(binary.LittleEndian.Uint16(b[pg+26:]))] = itemOffDup
			return b
		}, scan: "unsupported item type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.edit(bytes.Clone(good))
			_, err := scanAll(b)
			want := tt.open + tt.scan
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v, want %q", err, want)
			}
			var fe *FormatError
			if err != nil && !errors.As(err, &fe) {
				t.Errorf("error %T is not a *FormatError", err)
			}
		})
	}
}

// TestOverflow damages the overflow chain of a big item.
func TestOverflow(t *testing.T) {
	good := readFile(t, "hash512.db")
	// Find an off-page item and its first overflow page.
	var item, ovpg int
	for p := 512; p < len(good) && item == 0; p += 512 {
		if good[p+25] != pageHash {
			continue
		}
		n := int(binary.LittleEndian.Uint16(good[p+20:]))
		for i := range n {
			at := p + int(binary.LittleEndian.Uint16(good[p+26+2*i:]))
			if good[at] == itemOffPage {
				item, ovpg = at, int(binary.LittleEndian.Uint32(good[at+4:]))
				break
			}
		}
	}
	if item == 0 {
		t.Fatal("no off-page item in hash512.db")
	}
	tests := []struct {
		name string
		edit func(b []byte)
		want string
	}{
		{"length", func(b []byte) { binary.LittleEndian.PutUint32(b[item+8:], 1<<30) }, "item larger than the limit"},
		{"file", func(b []byte) { binary.LittleEndian.PutUint32(b[item+8:], 1<<20) }, "item larger than the file"},
		{"type", func(b []byte) { b[ovpg*512+25] = pageHash }, "not an overflow page"},
		{"used", func(b []byte) { binary.LittleEndian.PutUint16(b[ovpg*512+22:], 0) }, "bad overflow page length"},
		{"cycle", func(b []byte) { binary.LittleEndian.PutUint32(b[ovpg*512+16:], uint32(ovpg)) }, "visited twice"},
		{"end", func(b []byte) { binary.LittleEndian.PutUint32(b[ovpg*512+16:], 0) }, "page number out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bytes.Clone(good)
			tt.edit(b)
			if _, err := scanAll(b); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestDuplicates(t *testing.T) {
	s := &scan{h: &Hash{order: binary.LittleEndian}}
	var got []string
	s.fn = func(k, d []byte) error { got = append(got, string(k)+"="+string(d)); return nil }
	set := []byte{2, 0, 'a', 'b', 2, 0, 1, 0, 'c', 1, 0}
	if err := s.duplicates([]byte("k"), set, 0); err != nil || strings.Join(got, ",") != "k=ab,k=c" {
		t.Errorf("duplicates: %v, %v", got, err)
	}
	for _, bad := range [][]byte{{2}, {2, 0, 'a', 'b', 3, 0}, {5, 0, 'a'}} {
		if err := s.duplicates([]byte("k"), bad, 0); err == nil {
			t.Errorf("duplicates(%x) succeeded", bad)
		}
	}
}

func TestLog2(t *testing.T) {
	for n, want := range map[uint64]int{1: 0, 2: 1, 3: 2, 4: 2, 5: 3, 1 << 31: 31, 1<<31 + 1: 32} {
		if got := log2(n); got != want {
			t.Errorf("log2(%d) = %d, want %d", n, got, want)
		}
	}
}

func FuzzOpen(f *testing.F) {
	for _, s := range seeds {
		f.Add(readFile(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		_ = h.Scan(func(k, d []byte) error { return nil })
	})
}
