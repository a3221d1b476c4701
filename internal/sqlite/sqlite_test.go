package sqlite

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdata is the repository's testdata/rpmdb; its make.sh wrote the
// databases with Python's sqlite3 module (and rpm).
const testdata = "../../testdata/rpmdb"

var seeds = []string{"types.sqlite", "utf16.sqlite", "sqlite/var/lib/rpm/rpmdb.sqlite"}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func open(t testing.TB, b []byte) *DB {
	t.Helper()
	db, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// wantRow is the row make.sh inserted as number i.
func wantRow(i int64) []any {
	ints := []int64{0, 1, -1, 127, -129, 32767, -8388608, 1<<31 - 1, -(1 << 47), math.MaxInt64, math.MinInt64}
	n := ints[i%int64(len(ints))]
	if n > -(1<<40) && n < 1<<40 {
		n += i
	}
	size := i % 40
	if i%20 == 0 {
		size = (i * 37) % 1500
	}
	return []any{nil, n, float64(i) / 4, fmt.Sprintf("row %d é", i), bytes.Repeat([]byte{byte(i % 251)}, int(size)), nil}
}

func checkRows(t *testing.T, db *DB, rows int64) {
	t.Helper()
	next := int64(1)
	err := db.Scan("T", func(rowid int64, v []any) error {
		if rowid != next {
			return fmt.Errorf("rowid %d, want %d", rowid, next)
		}
		want := wantRow(rowid)
		if len(v) != len(want) {
			return fmt.Errorf("row %d: %d values, want %d", rowid, len(v), len(want))
		}
		for i := range v {
			w, g := want[i], v[i]
			if wb, ok := w.([]byte); ok {
				gb, ok := g.([]byte)
				if !ok || !bytes.Equal(gb, wb) {
					return fmt.Errorf("row %d column %d: %T of %d bytes, want %d bytes", rowid, i, g, len(gb), len(wb))
				}
				continue
			}
			if f, ok := w.(float64); ok && g == any(int64(f)) && f == math.Trunc(f) {
				continue // SQLite stores an integral REAL as an integer
			}
			if g != w {
				return fmt.Errorf("row %d column %d: %#v, want %#v", rowid, i, g, w)
			}
		}
		next++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if next != rows+1 {
		t.Errorf("%d rows, want %d", next-1, rows)
	}
}

func TestTypes(t *testing.T) {
	db := open(t, readFile(t, "types.sqlite"))
	if db.PageSize() != 512 || db.WAL() {
		t.Errorf("page size %d, WAL %v", db.PageSize(), db.WAL())
	}
	checkRows(t, db, 200)
}

func TestUTF16(t *testing.T) {
	checkRows(t, open(t, readFile(t, "utf16.sqlite")), 3)
}

func TestRpmdb(t *testing.T) {
	db := open(t, readFile(t, "sqlite/var/lib/rpm/rpmdb.sqlite"))
	if !db.WAL() {
		t.Error("rpm's database is not in WAL mode")
	}
	schema, err := db.Schema()
	if err != nil {
		t.Fatal(err)
	}
	if len(schema) == 0 || schema[0].Name != "Packages" || schema[0].Type != "table" ||
		!strings.Contains(schema[0].SQL, "hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL") {
		t.Errorf("schema starts with %+v", schema[0])
	}
	var hnums []int64
	err = db.Scan("Packages", func(rowid int64, v []any) error {
		blob, ok := v[1].([]byte)
		if v[0] != nil || !ok || len(blob) < 8 || int(binary.BigEndian.Uint32(blob))*16+8 > len(blob) {
			return fmt.Errorf("row %d is not (NULL, header blob): %#v", rowid, v)
		}
		hnums = append(hnums, rowid)
		return nil
	})
	if err != nil || fmt.Sprint(hnums) != "[1 2 3 4]" {
		t.Errorf("rows %v, err %v", hnums, err)
	}
	if err := db.Scan("nosuch", nil); !errors.Is(err, ErrNoTable) {
		t.Errorf("Scan(nosuch) = %v, want ErrNoTable", err)
	}
	stop := errors.New("stop")
	if err := db.Scan("Packages", func(int64, []any) error { return stop }); err != stop {
		t.Errorf("Scan returned %v, want fn's error", err)
	}
}

// rootOf returns the root page of table t in the types database.
func rootOf(t *testing.T, b []byte) uint32 {
	schema, err := open(t, b).Schema()
	if err != nil {
		t.Fatal(err)
	}
	return schema[0].RootPage
}

func TestMalformed(t *testing.T) {
	good := readFile(t, "types.sqlite")
	root := rootOf(t, good)
	rootOff := (int(root) - 1) * 512
	if good[rootOff] != 5 {
		t.Fatalf("root page of t is of type %d, not an interior page", good[rootOff])
	}
	put16 := func(b []byte, off int, v uint16) { binary.BigEndian.PutUint16(b[off:], v) }
	put32 := func(b []byte, off int, v uint32) { binary.BigEndian.PutUint32(b[off:], v) }
	tests := []struct {
		name   string
		edit   func(b []byte) []byte
		open   string // wanted Open error, "" for none
		scan   string // wanted Scan error
		scanOf string // table scanned, "t" by default
	}{
		{name: "empty", edit: func(b []byte) []byte { return nil }, open: "past end of file"},
		{name: "magic", edit: func(b []byte) []byte { b[0] = 'X'; return b }, open: "bad magic"},
		{name: "page size", edit: func(b []byte) []byte { put16(b, 16, 1000); return b }, open: "page size"},
		{name: "reserved", edit: func(b []byte) []byte { b[20] = 100; return b }, open: "reserved bytes"},
		{name: "fractions", edit: func(b []byte) []byte { b[21] = 1; return b }, open: "payload fractions"},
		{name: "encoding", edit: func(b []byte) []byte { put32(b, 56, 9); return b }, open: "text encoding"},
		{name: "version", edit: func(b []byte) []byte { b[18] = 3; return b }, open: "file format version"},
		{name: "one page short", edit: func(b []byte) []byte { return b[:300] }, open: "shorter than one page"},
		{name: "truncated", edit: func(b []byte) []byte { put32(b, 28, 0); return b[:len(b)/2] }, scan: "page number out of range"},
		{name: "cycle", edit: func(b []byte) []byte { put32(b, rootOff+8, root); return b }, scan: "visited twice"},
		{name: "page type", edit: func(b []byte) []byte { b[rootOff] = 10; return b }, scan: "index b-tree page"},
		{name: "bad page type", edit: func(b []byte) []byte { b[rootOff] = 77; return b }, scan: "bad b-tree page type"},
		{name: "cell count", edit: func(b []byte) []byte { put16(b, rootOff+3, 5000); return b }, scan: "more cells than fit"},
		{name: "cell offset", edit: func(b []byte) []byte { put16(b, rootOff+12, 3); return b }, scan: "cell offset out of range"},
		{name: "child page 0", edit: func(b []byte) []byte { put32(b, rootOff+8, 0); return b }, scan: "page number out of range"},
		{name: "schema", edit: func(b []byte) []byte { b[100] = 2; return b }, scan: "reading the schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.edit(bytes.Clone(good))
			db, err := Open(bytes.NewReader(b), int64(len(b)))
			if tt.open != "" {
				if err == nil || !strings.Contains(err.Error(), tt.open) {
					t.Fatalf("Open: %v, want %q", err, tt.open)
				}
				var fe *FormatError
				if !errors.As(err, &fe) {
					t.Errorf("Open error %T is not a *FormatError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			err = db.Scan("t", func(int64, []any) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tt.scan) {
				t.Errorf("Scan: %v, want %q", err, tt.scan)
			}
		})
	}
}

func TestRecord(t *testing.T) {
	db := &DB{encoding: 1}
	tests := []struct {
		rec  []byte
		want string // fmt %#v of the values, or the error
	}{
		{[]byte{1}, "[]interface {}(nil)"},
		{[]byte{4, 1, 8, 9, 0x80}, "[]interface {}{-128, 0, 1}"},
		{[]byte{2, 7, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}, "[]interface {}{1}"},
		{[]byte{3, 19, 12, 'a', 'b', 'c'}, `[]interface {}{"abc", []uint8{}}`},
		{[]byte{2, 10}, "reserved serial type 10"},
		{[]byte{2, 6, 1}, "past the end of the record"},
		{[]byte{9}, "bad record header size"},
		{[]byte{0}, "bad record header size"},
		{[]byte{2, 0x81}, "truncated record header"},
	}
	for _, tt := range tests {
		v, err := db.record(tt.rec)
		got := fmt.Sprintf("%#v", v)
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("record(%x) = %s, want %s", tt.rec, got, tt.want)
		}
	}
}

func TestVarint(t *testing.T) {
	tests := []struct {
		in []byte
		v  uint64
		n  int
	}{
		{[]byte{0x7f}, 127, 1},
		{[]byte{0x81, 0x00}, 128, 2},
		{bytes.Repeat([]byte{0xff}, 9), math.MaxUint64, 9},
		{[]byte{0x81}, 0, 0},
		{bytes.Repeat([]byte{0xff}, 8), 0, 0},
		{nil, 0, 0},
	}
	for _, tt := range tests {
		if v, n := varint(tt.in); v != tt.v || n != tt.n {
			t.Errorf("varint(%x) = %d, %d; want %d, %d", tt.in, v, n, tt.v, tt.n)
		}
	}
}

func FuzzOpen(f *testing.F) {
	if testing.Short() {
		f.Skip("fuzz seeds are large")
	}
	for _, s := range seeds {
		f.Add(readFile(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		db, err := Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		schema, err := db.Schema()
		if err != nil {
			return
		}
		for _, o := range schema {
			if o.Type == "table" {
				_ = db.ScanRoot(o.RootPage, func(int64, []any) error { return nil })
			}
		}
	})
}
