package macho

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/libvet/libvet/internal/corpustest"
)

// FuzzNewFile decodes arbitrary bytes. NewFile must not panic (the
// recovered-panic error counts as a failure here), must fail only with a
// *FormatError on an in-memory reader, and must return slices that lie
// within the file and lists bounded by its size.
func FuzzNewFile(f *testing.F) {
	if testing.Short() {
		f.Skip("skipping in short mode")
	}
	for _, s := range synthSeeds() {
		f.Add(s)
	}
	corpustest.Seed(f, corpusDir, corpusMachOs)
	// testdata/fuzz/FuzzNewFile holds the regression seeds, which the
	// fuzzing engine adds itself.
	if _, err := os.Stat(filepath.Join("testdata", "fuzz", "FuzzNewFile")); err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		size := int64(len(data))
		file, err := NewFile(bytes.NewReader(data), size)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("NewFile error %v (%T), want *FormatError", err, err)
			}
			if fe.Msg == panicMsg {
				t.Fatalf("NewFile panicked: %v", err)
			}
			_ = fe.Error()
			return
		}
		exercise(t, file, size)
	})
}

// exercise calls every method of f and checks invariants that hold for any
// file NewFile accepts.
func exercise(t *testing.T, f *File, size int64) {
	t.Helper()
	if len(f.Slices) == 0 || (!f.Fat && len(f.Slices) != 1) {
		t.Fatalf("Fat %v with %d slices", f.Fat, len(f.Slices))
	}
	if len(f.Arches()) != len(f.Slices) {
		t.Fatalf("Arches() = %v", f.Arches())
	}
	for _, s := range f.Slices {
		exerciseSlice(t, s, size)
	}
}

// exerciseSlice calls every method of s and checks its invariants.
func exerciseSlice(t *testing.T, s *Slice, size int64) {
	t.Helper()
	if s.Offset < 0 || s.Size <= 0 || s.Offset > size || s.Size > size-s.Offset {
		t.Fatalf("slice %d+%d in a %d-byte file", s.Offset, s.Size, size)
	}
	if s.Arch == "" || s.TypeName == "" {
		t.Fatalf("Arch %q TypeName %q", s.Arch, s.TypeName)
	}
	if s.SubCPU != s.SubCPURaw&^cpuSubtypeMask {
		t.Fatalf("SubCPU %#x, raw %#x", s.SubCPU, s.SubCPURaw)
	}
	s.TwoLevel()
	if n := int64(len(s.Dylibs) + len(s.RPaths) + len(s.Builds)); n > s.Size/8 || int64(len(s.Imports)) > s.Size/nlist32Size {
		t.Fatalf("%d load commands, %d imports in a %d-byte slice", n, len(s.Imports), s.Size)
	}
	for _, d := range s.Dylibs {
		_ = d.CurrentVersion.String() + d.CompatVersion.String()
		switch d.Kind {
		case "load", "weak", "reexport", "upward", "lazy", "delayed":
		default:
			t.Fatalf("Dylib kind %q", d.Kind)
		}
	}
	for _, b := range s.Builds {
		_ = b.MinOS.String() + b.SDK.String() + b.Platform
	}
	if (s.Platform == "") != (len(s.Builds) == 0) || (s.Platform == "" && !s.MinOS.IsZero()) {
		t.Fatalf("Platform %q MinOS %v with %d builds", s.Platform, s.MinOS, len(s.Builds))
	}
	_ = s.MinOS.Compare(s.SDK)
	for _, sym := range s.Imports {
		if sym.Ordinal < OrdinalExecutable || sym.Ordinal > 253 {
			t.Fatalf("import %q ordinal %d", sym.Name, sym.Ordinal)
		}
		s.Library(sym.Ordinal)
	}
}
