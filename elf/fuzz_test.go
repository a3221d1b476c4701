package elf

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/libvet/libvet/internal/corpustest"
)

// FuzzNewFile decodes arbitrary bytes. NewFile must not panic (the
// recovered-panic error counts as a failure here), must fail only with a
// *FormatError on an in-memory reader, and must stay consistent with
// Regions: decoding through a reader that holds only the regions and part
// of the file either gives the same File or fails with that reader's error.
func FuzzNewFile(f *testing.F) {
	if testing.Short() {
		f.Skip("skipping in short mode")
	}
	seeds, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range seeds {
		if fi, err := os.Stat(name); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, v := range synthVariants {
		s := richSynth(v.class, v.bo, v.m)
		data, _ := s.build()
		f.Add(data)
		s.sections = false
		data, _ = s.build()
		f.Add(data)
	}
	for _, b := range badInputs() {
		data, _ := b.make()
		f.Add(data)
	}
	corpustest.Seed(f, corpusDir, corpusELFs)

	f.Fuzz(func(t *testing.T, data []byte) {
		size := int64(len(data))
		file, err := NewFile(bytes.NewReader(data), size)
		var fe *FormatError
		if err != nil {
			if !errors.As(err, &fe) {
				t.Fatalf("NewFile error %v (%T), want *FormatError", err, err)
			}
			if fe.Msg == panicMsg {
				t.Fatalf("NewFile panicked: %v", err)
			}
		} else {
			exercise(t, file, size)
		}

		if rs, err := Regions(data, size/2); err == nil {
			for _, r := range rs {
				if r.Off < 0 || r.Len <= 0 || r.Off+r.Len > size/2 {
					t.Fatalf("bad regions %+v for a %d-byte file", rs, size/2)
				}
			}
		}
		hs, err := HeadSize(data)
		if err != nil || hs > size {
			return
		}
		rs, err := Regions(data[:hs], size)
		if err != nil {
			return
		}
		for i, r := range rs {
			if r.Off < 0 || r.Len <= 0 || r.Off+r.Len > size || (i > 0 && r.Off <= rs[i-1].Off+rs[i-1].Len) {
				t.Fatalf("bad regions %+v for a %d-byte file", rs, size)
			}
		}
		first := newSparse(data, rs...)
		if more, err := DynamicRegions(first, size); err == nil {
			for _, r := range more {
				if r.Off < 0 || r.Len <= 0 || r.Off+r.Len > size {
					t.Fatalf("bad dynamic regions %+v for a %d-byte file", more, size)
				}
			}
		}
		if file == nil {
			return
		}
		for _, prefix := range []int64{0, size / 2} {
			g, err := NewFile(newSparse(data, append(rs, Region{0, prefix})...), size)
			var miss *errMissing
			if err != nil && !errors.As(err, &miss) {
				t.Fatalf("regions %+v, prefix %d: error %v, want *errMissing", rs, prefix, err)
			}
			if err == nil && !reflect.DeepEqual(g, file) {
				t.Fatalf("regions %+v, prefix %d: decoded differently:\nhave %+v\nwant %+v", rs, prefix, g, file)
			}
		}
	})
}

// exercise calls every method of f and checks invariants that hold for any
// file NewFile accepts.
func exercise(t *testing.T, f *File, size int64) {
	f.ARMHardFloat()
	f.ARMEABIVersion()
	level, err := f.X86ISALevel()
	if level < 0 || level > 4 || (err != nil && !errors.Is(err, ErrUnknownISA)) {
		t.Fatalf("X86ISALevel() = %d, %v", level, err)
	}
	for _, n := range f.VersionNeeds {
		for _, v := range n.Versions {
			v.Weak()
		}
	}
	if int64(len(f.Symbols)) > size/sym32Size {
		t.Fatalf("%d symbols in a %d-byte file", len(f.Symbols), size)
	}
	if int64(len(f.Needed)) > size/dyn32Size || int64(len(f.VersionNeeds)+len(f.VersionDefs)) > size {
		t.Fatalf("%d needed, %d version needs, %d version definitions in a %d-byte file",
			len(f.Needed), len(f.VersionNeeds), len(f.VersionDefs), size)
	}
}
