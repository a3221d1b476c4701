// Package sqlite reads the tables of a SQLite 3 database file without a
// SQLite library: the file header, the schema table (sqlite_master) and
// the rows of a table B-tree, with their overflow pages. libvet uses it to
// read rpm's rpmdb.sqlite.
//
// Every page number, cell offset, payload size and record header is
// checked against the file before it is used; a B-tree or overflow chain
// that visits a page twice is reported as malformed, and B-trees deeper
// than SQLite's own limit are refused. The largest row it reads is
// [MaxPayload] bytes, so memory stays bounded on hostile input.
//
// # Limitations
//
//   - Read-only, and only the main database file is read. A write-ahead
//     log (the -wal file of a database in WAL mode) is not replayed, so
//     changes not yet checkpointed into the main file are not seen; a hot
//     rollback journal is not rolled back either. This is what SQLite
//     itself does with the immutable=1 URI parameter, which go-rpmdb uses.
//     Copy the database with its -wal file and checkpoint it when
//     freshness matters.
//   - Tables only: rows are read from table B-trees. Indexes and WITHOUT
//     ROWID tables (index B-trees) are not read, and there is no SQL: a
//     table is scanned whole, in rowid order.
//   - A column that is an alias of the rowid (INTEGER PRIMARY KEY) is
//     stored as NULL in the record; [DB.Scan] passes the rowid separately.
//     Rows written before an ALTER TABLE ADD COLUMN have fewer values than
//     the table has columns; the missing ones are not filled with their
//     defaults.
//   - Values come back as they are stored, without the column affinity of
//     the CREATE TABLE statement, which is not parsed: SQLite stores an
//     integral value of a REAL column as an integer (and converts it back
//     when it reads the column), so here it is an int64.
package sqlite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/libvet/libvet/internal/binio"
)

// MaxPayload is the largest row, in bytes, that [DB.Scan] reads; a larger
// one is a *FormatError.
const MaxPayload = 256 << 20

// maxDepth is the deepest B-tree read, SQLite's BTCURSOR_MAX_DEPTH.
const maxDepth = 20

// FormatError reports a malformed, truncated or unsupported database
// file. Offset is the file offset of the offending structure.
type FormatError struct {
	Offset int64  // file offset of the offending structure
	Msg    string // what is wrong, lowercase
	Val    any    // the offending value, or nil
}

// Error returns "sqlite: <msg> '<val>' at offset 0x<offset>", leaving
// out the value when Val is nil.
func (e *FormatError) Error() string { return binio.FormatMessage("sqlite", e.Msg, e.Val, e.Offset) }

func formatErr(off uint64, msg string, val any) error {
	o := int64(off)
	if o < 0 {
		o = -1
	}
	return &FormatError{Offset: o, Msg: msg, Val: val}
}

// ErrNoTable is wrapped by [DB.Scan] when the database has no table of
// that name.
var ErrNoTable = errors.New("no such table")

// A DB is an open database file. It holds no state besides the header,
// so one DB may be scanned by several goroutines at once when its
// io.ReaderAt allows that (an *os.File does).
type DB struct {
	r        binio.Reader
	pageSize uint64
	usable   uint64 // page size less the reserved bytes at the end of each page
	pages    uint32 // pages in the database
	encoding uint32 // 1 UTF-8, 2 UTF-16le, 3 UTF-16be
	wal      bool
}

// Open reads the header of the database file r of the given size.
func Open(r io.ReaderAt, size int64) (*DB, error) {
	if size < 0 {
		return nil, formatErr(0, "negative file size", size)
	}
	db := &DB{r: binio.Reader{R: r, Size: uint64(size), Max: 1 << 16, Probe: 1 << 16, Name: "sqlite", Format: formatErr}}
	h, err := db.r.Read(0, 100, "database header")
	if err != nil {
		return nil, err
	}
	if string(h[:16]) != "SQLite format 3\x00" {
		return nil, formatErr(0, "not a SQLite 3 database (bad magic)", nil)
	}
	ps := uint64(binary.BigEndian.Uint16(h[16:]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps&(ps-1) != 0 {
		return nil, formatErr(16, "page size is not a power of two from 512 to 65536", ps)
	}
	db.pageSize = ps
	db.usable = ps - uint64(h[20])
	if db.usable < 480 {
		return nil, formatErr(20, "too many reserved bytes per page", h[20])
	}
	if h[21] != 64 || h[22] != 32 || h[23] != 32 {
		return nil, formatErr(21, "bad payload fractions", [3]byte{h[21], h[22], h[23]})
	}
	if h[18] > 2 || h[19] > 2 {
		return nil, formatErr(18, "unsupported file format version", [2]byte{h[18], h[19]})
	}
	db.wal = h[18] == 2 || h[19] == 2
	filePages := uint64(size) / ps
	if filePages > math.MaxUint32 {
		filePages = math.MaxUint32
	}
	db.pages = uint32(filePages)
	// The page count in the header is valid when the change counter
	// matches the version-valid-for number (SQLite 3.7.0 and later).
	if n := binary.BigEndian.Uint32(h[28:]); n != 0 && binary.BigEndian.Uint32(h[24:]) == binary.BigEndian.Uint32(h[92:]) && n < db.pages {
		db.pages = n
	}
	if db.pages == 0 {
		return nil, formatErr(0, "file is shorter than one page", size)
	}
	switch enc := binary.BigEndian.Uint32(h[56:]); enc {
	case 0, 1:
		db.encoding = 1
	case 2, 3:
		db.encoding = enc
	default:
		return nil, formatErr(56, "unknown text encoding", enc)
	}
	return db, nil
}

// PageSize returns the database's page size in bytes.
func (db *DB) PageSize() int { return int(db.pageSize) }

// WAL reports whether the header says the database is in WAL mode: then
// changes may sit in a -wal file that this package does not read.
func (db *DB) WAL() bool { return db.wal }

// An Object is a row of the schema table sqlite_master: a table, index,
// view or trigger.
type Object struct {
	Type     string // "table", "index", "view" or "trigger"
	Name     string
	TblName  string // the table an index or trigger belongs to
	RootPage uint32 // first page of a table's or index's B-tree; 0 for others
	SQL      string // the CREATE statement
}

// Schema returns the rows of sqlite_master, in rowid order.
func (db *DB) Schema() ([]Object, error) {
	var out []Object
	s := db.newScan(nil)
	s.fn = func(rowid int64, v []any) error {
		if len(v) < 5 {
			return formatErr(s.cell, "schema row with fewer than 5 columns", len(v))
		}
		var o Object
		var ok [4]bool
		o.Type, ok[0] = v[0].(string)
		o.Name, ok[1] = v[1].(string)
		o.TblName, ok[2] = v[2].(string)
		o.SQL, _ = v[4].(string) // NULL for automatic indexes
		switch root := v[3].(type) {
		case int64:
			if root < 0 || root > math.MaxUint32 {
				return formatErr(s.cell, "schema row with a bad root page", root)
			}
			o.RootPage, ok[3] = uint32(root), true
		case nil:
			ok[3] = true
		}
		if !ok[0] || !ok[1] || !ok[2] || !ok[3] {
			return formatErr(s.cell, "schema row "+strconv.FormatInt(rowid, 10)+" has columns of the wrong type", nil)
		}
		out = append(out, o)
		return nil
	}
	err := s.page(1, 0)
	return out, err
}

// Scan calls fn for each row of the named table (compared without regard
// to case, as SQLite does), in rowid order, with the row's rowid and its
// column values: nil, int64, float64, []byte or string. The values of one
// row are not reused by later rows. When fn returns an error, Scan stops
// and returns it. A table that does not exist gives an error wrapping
// [ErrNoTable].
func (db *DB) Scan(table string, fn func(rowid int64, values []any) error) error {
	objs, err := db.Schema()
	if err != nil {
		return fmt.Errorf("reading the schema: %w", err)
	}
	for _, o := range objs {
		if o.Type == "table" && strings.EqualFold(o.Name, table) {
			if o.RootPage == 0 {
				return fmt.Errorf("table %s: no root page", table)
			}
			return db.ScanRoot(o.RootPage, fn)
		}
	}
	return fmt.Errorf("table %s: %w", table, ErrNoTable)
}

// ScanRoot is [DB.Scan] for the table whose B-tree starts at page root
// (1 is sqlite_master).
func (db *DB) ScanRoot(root uint32, fn func(rowid int64, values []any) error) error {
	return db.newScan(fn).page(root, 0)
}

func (db *DB) newScan(fn func(int64, []any) error) *scan {
	return &scan{db: db, fn: fn, seen: make([]uint64, (uint64(db.pages)+64)/64)}
}

type scan struct {
	db   *DB
	fn   func(int64, []any) error
	seen []uint64 // bit per page: visited by this scan
	cell uint64   // file offset of the leaf cell whose row fn is passed
}

// visit reads page pgno, marking it visited; a page visited twice means
// a cycle (or a page shared by two branches).
func (s *scan) visit(pgno uint32, what string) ([]byte, uint64, error) {
	off := (uint64(pgno) - 1) * s.db.pageSize
	if pgno == 0 || pgno > s.db.pages {
		return nil, off, formatErr(off, what+" page number out of range", pgno)
	}
	if s.seen[pgno/64]&(1<<(pgno%64)) != 0 {
		return nil, off, formatErr(off, what+" page visited twice (a cycle in the page pointers)", pgno)
	}
	s.seen[pgno/64] |= 1 << (pgno % 64)
	b, err := s.db.r.Read(off, s.db.pageSize, what+" page")
	if err != nil {
		return nil, off, err
	}
	return b[:s.db.usable], off, nil
}

func (s *scan) page(pgno uint32, depth int) error {
	if depth > maxDepth {
		return formatErr((uint64(pgno)-1)*s.db.pageSize, "b-tree deeper than 20 levels", pgno)
	}
	p, base, err := s.visit(pgno, "b-tree")
	if err != nil {
		return err
	}
	h := 0
	if pgno == 1 {
		h = 100
	}
	var hdrLen int
	switch p[h] {
	case 5: // interior table page
		hdrLen = 12
	case 13: // leaf table page
		hdrLen = 8
	case 2, 10:
		return formatErr(base+uint64(h), "index b-tree page where a table was expected", p[h])
	default:
		return formatErr(base+uint64(h), "bad b-tree page type", p[h])
	}
	n := int(binary.BigEndian.Uint16(p[h+3:]))
	ptrs := h + hdrLen
	end := ptrs + 2*n
	if end > len(p) {
		return formatErr(base+uint64(h+3), "more cells than fit in the page", n)
	}
	for i := range n {
		at := ptrs + 2*i
		off := int(binary.BigEndian.Uint16(p[at:]))
		if off < end || off >= len(p) {
			return formatErr(base+uint64(at), "cell offset out of range", off)
		}
		if hdrLen == 12 {
			if off+4 > len(p) {
				return formatErr(base+uint64(off), "interior cell past the end of the page", nil)
			}
			if err := s.page(binary.BigEndian.Uint32(p[off:]), depth+1); err != nil {
				return err
			}
			continue
		}
		if err := s.leafCell(p, base, off); err != nil {
			return err
		}
	}
	if hdrLen == 12 {
		return s.page(binary.BigEndian.Uint32(p[h+8:]), depth+1)
	}
	return nil
}

// leafCell decodes the table leaf cell at off in page p (at file offset
// base) and passes its row to fn.
func (s *scan) leafCell(p []byte, base uint64, off int) error {
	size, n := varint(p[off:])
	if n == 0 {
		return formatErr(base+uint64(off), "truncated payload size", nil)
	}
	rowid, m := varint(p[off+n:])
	if m == 0 {
		return formatErr(base+uint64(off+n), "truncated rowid", nil)
	}
	at := off + n + m
	if size > MaxPayload {
		return formatErr(base+uint64(off), "row larger than the limit", size)
	}
	u := s.db.usable
	local := size
	if maxLocal := u - 35; size > maxLocal {
		minLocal := (u-12)*32/255 - 23
		local = minLocal + (size-minLocal)%(u-4)
		if local > maxLocal {
			local = minLocal
		}
	}
	if local > uint64(len(p)-at) || size > local && local+4 > uint64(len(p)-at) {
		return formatErr(base+uint64(off), "cell payload past the end of the page", size)
	}
	if size-local > uint64(s.db.pages)*(u-4) {
		return formatErr(base+uint64(off), "row larger than the file", size)
	}
	payload := make([]byte, 0, size)
	payload = append(payload, p[at:at+int(local)]...)
	if size > local {
		next := binary.BigEndian.Uint32(p[at+int(local):])
		for uint64(len(payload)) < size {
			ov, _, err := s.visit(next, "overflow")
			if err != nil {
				return err
			}
			next = binary.BigEndian.Uint32(ov)
			k := min(size-uint64(len(payload)), u-4)
			payload = append(payload, ov[4:4+k]...)
		}
	}
	values, err := s.db.record(payload)
	if err != nil {
		return formatErr(base+uint64(off), fmt.Sprintf("row %d: %v", int64(rowid), err), nil)
	}
	s.cell = base + uint64(off)
	return s.fn(int64(rowid), values)
}

// record decodes a record: a header of serial types, then the values.
func (db *DB) record(b []byte) ([]any, error) {
	hsize, n := varint(b)
	if n == 0 || hsize < uint64(n) || hsize > uint64(len(b)) {
		return nil, fmt.Errorf("bad record header size %d", hsize)
	}
	hdr, body := b[n:hsize], b[hsize:]
	var out []any
	for len(hdr) > 0 {
		t, n := varint(hdr)
		if n == 0 {
			return nil, errors.New("truncated record header")
		}
		hdr = hdr[n:]
		var size uint64
		switch {
		case t <= 4:
			size = t
		case t == 5:
			size = 6
		case t == 6, t == 7:
			size = 8
		case t == 8, t == 9:
		case t == 10, t == 11:
			return nil, fmt.Errorf("reserved serial type %d", t)
		default:
			size = (t - 12) / 2
		}
		if size > uint64(len(body)) {
			return nil, fmt.Errorf("value of serial type %d past the end of the record", t)
		}
		v := body[:size]
		body = body[size:]
		switch {
		case t == 0:
			out = append(out, nil)
		case t <= 6:
			var x int64
			if v[0]&0x80 != 0 {
				x = -1
			}
			for _, c := range v {
				x = x<<8 | int64(c)
			}
			out = append(out, x)
		case t == 7:
			out = append(out, math.Float64frombits(binary.BigEndian.Uint64(v)))
		case t == 8 || t == 9:
			out = append(out, int64(t-8))
		case t%2 == 0:
			out = append(out, v)
		default:
			out = append(out, db.text(v))
		}
	}
	return out, nil
}

func (db *DB) text(v []byte) string {
	if db.encoding == 1 {
		return string(v)
	}
	u := make([]uint16, len(v)/2)
	for i := range u {
		if db.encoding == 2 {
			u[i] = binary.LittleEndian.Uint16(v[2*i:])
		} else {
			u[i] = binary.BigEndian.Uint16(v[2*i:])
		}
	}
	return string(utf16.Decode(u))
}

// varint decodes SQLite's variable-length integer: up to 9 bytes, big
// endian, 7 bits from each of the first 8 and all 8 of the ninth. It
// returns the number of bytes read, 0 when b ends first.
func varint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < 8; i++ {
		if i >= len(b) {
			return 0, 0
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	if len(b) < 9 {
		return 0, 0
	}
	return v<<8 | uint64(b[8]), 9
}
