package elf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// sparseReader holds only some byte ranges of a file, like a caller that
// streamed a compressed member and kept what Regions asked for. Reads
// outside them fail with *errMissing.
type sparseReader struct {
	data []byte
	keep []Region // merged
}

func (r *sparseReader) ReadAt(p []byte, off int64) (int, error) {
	end := off + int64(len(p))
	for _, k := range r.keep {
		if off >= k.Off && end <= k.Off+k.Len {
			return copy(p, r.data[off:end]), nil
		}
	}
	return 0, &errMissing{off, int64(len(p))}
}

func newSparse(data []byte, keep ...Region) *sparseReader {
	return &sparseReader{data, mergeRegions(slices.Clone(keep))}
}

// regionsOf runs HeadSize and Regions the way a streaming caller would.
func regionsOf(t *testing.T, data []byte) []Region {
	t.Helper()
	n, err := HeadSize(data[:min(len(data), 16)])
	if err != nil {
		t.Fatal(err)
	}
	for {
		m, err := HeadSize(data[:min(int64(len(data)), n)])
		if err != nil {
			t.Fatal(err)
		}
		if m <= n {
			break
		}
		n = m
	}
	rs, err := Regions(data[:n], int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if r.Off < 0 || r.Len <= 0 || r.Off+r.Len > int64(len(data)) || (i > 0 && r.Off <= rs[i-1].Off+rs[i-1].Len) {
			t.Fatalf("bad regions %+v for a %d-byte file", rs, len(data))
		}
	}
	return rs
}

// dynTables returns the file ranges of the tables NewFile finds through
// PT_DYNAMIC, from debug/elf's section headers: what a caller's second
// pass, or its kept prefix, must supply.
func dynTables(t *testing.T, data []byte) []Region {
	t.Helper()
	sf, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var rs []Region
	for _, s := range sf.Sections {
		switch s.Type {
		case elf.SHT_DYNSYM, elf.SHT_STRTAB, elf.SHT_GNU_VERSYM, elf.SHT_GNU_VERNEED,
			elf.SHT_GNU_VERDEF, elf.SHT_HASH, elf.SHT_GNU_HASH, elf.SHT_NOTE:
			rs = append(rs, Region{int64(s.Offset), int64(s.Size)})
		}
	}
	return rs
}

// testFiles returns the committed fixtures and the synthetic variants.
func testFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, tt := range fixtureTests {
		data, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		files[tt.file] = data
	}
	for _, v := range synthVariants {
		files[v.name], _ = richSynth(v.class, v.bo, v.m).build()
	}
	return files
}

// TestRegions checks the Regions contract: with the regions plus the
// tables PT_DYNAMIC points to, NewFile decodes the same File as from the
// whole file; with the regions alone, it fails with the reader's error.
func TestRegions(t *testing.T) {
	for name, data := range testFiles(t) {
		t.Run(name, func(t *testing.T) {
			full, err := NewFile(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			rs := regionsOf(t, data)
			size := int64(len(data))

			f, err := NewFile(newSparse(data, append(rs, dynTables(t, data)...)...), size)
			if err != nil {
				t.Fatalf("regions %+v and dynamic tables: %v", rs, err)
			}
			if !reflect.DeepEqual(f, full) {
				t.Errorf("from regions:\nhave %+v\nwant %+v", f, full)
			}

			// A caller keeping a 64 KiB prefix as well needs no second
			// pass for files this small.
			f, err = NewFile(newSparse(data, append(rs, Region{0, min(size, 64<<10)})...), size)
			if err != nil || !reflect.DeepEqual(f, full) {
				t.Errorf("regions and prefix: %+v, %v", f, err)
			}

			checkTwoPass(t, data, full)

			_, err = NewFile(newSparse(data, rs...), size)
			var miss *errMissing
			switch {
			case full.HasDynamic && !errors.As(err, &miss):
				t.Errorf("regions alone: NewFile error %v, want *errMissing", err)
			case !full.HasDynamic && err != nil:
				t.Errorf("regions alone, no dynamic table: %v", err)
			}
		})
	}
}

// checkTwoPass checks the two-pass streaming read: a first pass keeps
// Regions, a second keeps Regions and DynamicRegions (found from what the
// first pass kept), and NewFile then decodes the whole File.
func checkTwoPass(t *testing.T, data []byte, full *File) {
	t.Helper()
	size := int64(len(data))
	rs := regionsOf(t, data)
	more, err := DynamicRegions(newSparse(data, rs...), size)
	if err != nil {
		t.Fatalf("DynamicRegions: %v", err)
	}
	for _, r := range more {
		if r.Off < 0 || r.Len <= 0 || r.Off+r.Len > size {
			t.Fatalf("bad dynamic regions %+v for a %d-byte file", more, size)
		}
	}
	f, err := NewFile(newSparse(data, append(rs, more...)...), size)
	if err != nil {
		t.Fatalf("regions %+v and dynamic regions %+v: %v", rs, more, err)
	}
	if !reflect.DeepEqual(f, full) {
		t.Errorf("from two passes:\nhave %+v\nwant %+v", f, full)
	}
}

func TestHeadSize(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "libfoo32.so"))
	if err != nil {
		t.Fatal(err)
	}
	phEnd := int64(52 + 32*binary.LittleEndian.Uint16(data[0x2c:]))
	for _, tt := range []struct {
		n    int
		want int64
	}{
		{0, 64}, {3, 64}, {16, 52}, {51, 52}, {52, phEnd}, {int(phEnd), phEnd}, {len(data), phEnd},
	} {
		got, err := HeadSize(data[:tt.n])
		if got != tt.want || err != nil {
			t.Errorf("HeadSize(%d bytes) = %d, %v, want %d", tt.n, got, err, tt.want)
		}
	}
	var fe *FormatError
	for _, head := range []string{"MZ", "\x7fELX", "\x7fELF\x09", "\x7fELF\x02\x03\x01" + strings.Repeat("\x00", 57)} {
		if n, err := HeadSize([]byte(head)); !errors.As(err, &fe) {
			t.Errorf("HeadSize(%q) = %d, %v, want *FormatError", head, n, err)
		}
	}
	if _, err := Regions(data[:52], int64(len(data))); err == nil {
		t.Errorf("Regions with a head missing the program headers succeeded")
	}
	if _, err := Regions(data[:phEnd], phEnd-1); !errors.As(err, &fe) {
		t.Errorf("Regions with a size below the head: %v, want *FormatError", err)
	}
}

func TestMergeRegions(t *testing.T) {
	got := mergeRegions([]Region{{100, 10}, {0, 64}, {64, 10}, {105, 2}, {200, 1}, {109, 5}})
	want := []Region{{0, 74}, {100, 14}, {200, 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mergeRegions = %+v, want %+v", got, want)
	}
}
