package pe

import (
	"bytes"
	"errors"
	"testing"

	"github.com/libvet/libvet/internal/corpustest"
)

// FuzzNewFile decodes arbitrary bytes. NewFile must not panic (the
// recovered-panic error counts as a failure here), must fail only with a
// *FormatError on an in-memory reader, and must return lists bounded by
// the file size.
func FuzzNewFile(f *testing.F) {
	if testing.Short() {
		f.Skip("skipping in short mode")
	}
	for _, is64 := range []bool{false, true} {
		s, _ := typical(is64)
		f.Add(s.build())
		s, _ = typical(is64)
		oldDelay(s)
		f.Add(s.build())
	}
	for _, b := range badInputs() {
		f.Add(b.data())
	}
	corpustest.Seed(f, corpusDir, corpusPEs)

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
		}
		if file != nil {
			exercise(t, file, size)
		}
	})
}

// exercise reads every field of f and checks invariants that hold for any
// File NewFile returns, complete or partial.
func exercise(t *testing.T, f *File, size int64) {
	if f.MachineName != MachineString(f.Machine) {
		t.Fatalf("MachineName %q for %#x", f.MachineName, f.Machine)
	}
	if f.DLL != (f.Characteristics&0x2000 != 0) {
		t.Fatalf("DLL %v for characteristics %#x", f.DLL, f.Characteristics)
	}
	if f.OverlaySize < 0 || f.OverlaySize > size || f.CertificateSize < 0 || f.CertificateSize > size {
		t.Fatalf("overlay %d, certificate %d in a %d-byte file", f.OverlaySize, f.CertificateSize, size)
	}
	if int64(len(f.Sections))*sectionSize > size {
		t.Fatalf("%d sections in a %d-byte file", len(f.Sections), size)
	}
	var fns, names int64
	for _, list := range [][]Import{f.Imports, f.DelayImports} {
		for _, imp := range list {
			names += int64(len(imp.DLL))
			fns += int64(len(imp.Functions))
			for _, fn := range imp.Functions {
				names += int64(len(fn.Name))
				if fn.ByOrdinal && fn.Name != "" {
					t.Fatalf("import by ordinal with a name: %+v", fn)
				}
			}
		}
	}
	if n := int64(len(f.Imports)+len(f.DelayImports)) + fns; n > size/4+16 {
		t.Fatalf("%d import descriptors and functions in a %d-byte file", n, size)
	}
	if names > 2*size+64<<10 {
		t.Fatalf("%d bytes of import names in a %d-byte file", names, size)
	}
	if len(f.Exports) > 2*maxExports {
		t.Fatalf("%d exports", len(f.Exports))
	}
	for _, e := range f.Exports {
		_ = e.Name + e.Forwarder
	}
	_ = f.ExportName
	_, _, _ = f.CLR, f.DependentLoadFlags, f.Is64
}
