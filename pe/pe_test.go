package pe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// decoded keeps the fields the synthetic tests compare.
func decoded(f *File) *File {
	return &File{
		Is64: f.Is64, DLL: f.DLL, Imports: f.Imports, DelayImports: f.DelayImports,
		ExportName: f.ExportName, Exports: f.Exports, CLR: f.CLR,
		DependentLoadFlags: f.DependentLoadFlags, OverlaySize: f.OverlaySize,
		CertificateSize: f.CertificateSize,
	}
}

func TestSynth(t *testing.T) {
	for _, tc := range []struct {
		name   string
		is64   bool
		modify func(s *synth, want *File)
	}{
		{name: "pe32", is64: false},
		{name: "pe32+", is64: true},
		{name: "old-style delay pe32", modify: func(s *synth, want *File) {
			want.DelayImports = []Import{oldDelay(s)}
		}},
		{name: "old-style delay pe32+", is64: true, modify: func(s *synth, want *File) {
			s.imageBase = 0x10000000 // VAs in the descriptor are 32-bit
			want.DelayImports = []Import{oldDelay(s)}
		}},
		{name: "clr", modify: func(s *synth, want *File) {
			s.dirs[dirCLR] = [2]uint32{s.put(make([]byte, 72)), 72}
			want.CLR = true
		}},
		{name: "certificate then overlay", modify: func(s *synth, want *File) {
			off := 0x200 + s.rawSize()
			s.dirs[dirSecurity] = [2]uint32{uint32(off), 16}
			s.tail = append(make([]byte, 16), "abc"...)
			want.CertificateSize, want.OverlaySize = 16, 3
		}},
		{name: "overlay without certificate", modify: func(s *synth, want *File) {
			s.tail = make([]byte, 10)
			want.OverlaySize = 10
		}},
		{name: "names in the zero-filled tail", modify: func(s *synth, want *File) {
			// The directory's lookup table ends in the section's
			// virtual-only tail, which reads as zeros.
			s.exactRaw = true
			s.virtExtra = 0x100
			dll := s.str("tail.dll")
			ilt := s.put(binary.LittleEndian.AppendUint32(nil, s.ordinal32(4)))
			imp := s.u32s(ilt, 0, 0, dll, ilt)
			// Nothing after: the descriptor terminator and the thunk
			// terminator both come from the tail.
			s.dirs[dirImport] = [2]uint32{imp, 40}
			want.Imports = []Import{{DLL: "tail.dll", Functions: []ImportedFunction{{Ordinal: 4, ByOrdinal: true}}}}
		}},
		{name: "rich header crasher", modify: func(s *synth, want *File) {
			// saferwall/pe v1.6.5 panics on "DanS" right before "Rich".
			s.dosStub = []byte("DanSRich\x01\x02\x03\x04")
		}},
		{name: "no import lookup table", modify: func(s *synth, want *File) {
			dll := s.str("iatonly.dll")
			iat := s.thunks(uint64(s.hintName(3, "Fn")))
			imp := s.u32s(0, 0, 0, dll, iat, 0, 0, 0, 0, 0)
			s.dirs[dirImport] = [2]uint32{imp, 40}
			want.Imports = []Import{{DLL: "iatonly.dll", Functions: []ImportedFunction{{Name: "Fn", Hint: 3}}}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, want := typical(tc.is64)
			if tc.modify != nil {
				tc.modify(s, want)
			}
			data := s.build()
			f, err := NewFile(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if got := decoded(f); !reflect.DeepEqual(got, want) {
				t.Errorf("decoded\n%+v\nwant\n%+v", got, want)
			}
			wantMachine := "I386"
			if tc.is64 {
				wantMachine = "AMD64"
			}
			if f.MachineName != wantMachine || f.Subsystem != 2 || f.MajorLinkerVersion != 14 || f.MinorLinkerVersion != 40 || len(f.Sections) != 1 || f.Sections[0].Name != ".data" {
				t.Errorf("headers: %+v", f)
			}
		})
	}
}

// ordinal32 is a 32-bit import-by-ordinal entry (the tail test is PE32).
func (s *synth) ordinal32(n uint16) uint32 { return 1<<31 | uint32(n) }

func TestMachineString(t *testing.T) {
	for m, want := range map[uint16]string{0x14c: "I386", 0x8664: "AMD64", 0xaa64: "ARM64", 0xa641: "ARM64EC", 0x1c4: "ARMNT", 0x1c0: "0x01c0", 0: "0x0000"} {
		if got := MachineString(m); got != want {
			t.Errorf("MachineString(%#x) = %q, want %q", m, got, want)
		}
	}
}

func TestFormatError(t *testing.T) {
	e := &FormatError{Offset: 0x3c, Msg: "bad thing", Val: hex(0x10)}
	if got, want := e.Error(), "pe: bad thing '0x10' at offset 0x3c"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e.Val = nil
	if got, want := e.Error(), "pe: bad thing at offset 0x3c"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// badInput is a malformed file and what NewFile must make of it.
type badInput struct {
	name    string
	data    func() []byte
	partial bool   // a non-nil File comes back with the error
	msg     string // a substring of the error
	check   func(t *testing.T, f *File)
}

func badInputs() []badInput {
	valid := func(mod func(s *synth)) func() []byte {
		return func() []byte {
			s, _ := typical(false)
			if mod != nil {
				mod(s)
			}
			return s.build()
		}
	}
	patch := func(mod func(b []byte) []byte) func() []byte {
		return func() []byte {
			s, _ := typical(true)
			return mod(s.build())
		}
	}
	le := binary.LittleEndian
	return []badInput{
		{name: "empty", data: func() []byte { return nil }, msg: "too small for a DOS header"},
		{name: "truncated DOS header", data: func() []byte { return []byte("MZ\x90\x00") }, msg: "too small"},
		{name: "not MZ", data: patch(func(b []byte) []byte { b[0] = 'Z'; return b }), msg: "bad DOS magic"},
		{name: "e_lfanew past end", data: patch(func(b []byte) []byte { le.PutUint32(b[0x3c:], 0xfffffff0); return b }), msg: "PE header offset past end"},
		{name: "e_lfanew near end", data: patch(func(b []byte) []byte { le.PutUint32(b[0x3c:], uint32(len(b)-10)); return b }), msg: "PE header offset past end"},
		{name: "bad PE signature", data: patch(func(b []byte) []byte { b[0x81] = 'X'; return b }), msg: "bad PE signature"},
		{name: "truncated optional header", data: patch(func(b []byte) []byte { return b[:0x80+24+50] }), msg: "optional header past end"},
		{name: "no optional header", data: patch(func(b []byte) []byte { le.PutUint16(b[0x80+20:], 0); return b }), msg: "no optional header"},
		{name: "small optional header", data: patch(func(b []byte) []byte { le.PutUint16(b[0x80+20:], 100); return b }), msg: "optional header too small"},
		{name: "ROM magic", data: patch(func(b []byte) []byte { le.PutUint16(b[0x80+24:], 0x107); return b }), msg: "unknown optional header magic"},
		{name: "huge NumberOfSections", data: patch(func(b []byte) []byte { le.PutUint16(b[0x80+6:], 0xffff); return b }), msg: "section table past end"},
		{name: "huge NumberOfRvaAndSizes", data: valid(func(s *synth) { s.ndirs = 0xffffffff })},
		{name: "zero sections", data: valid(func(s *synth) { s.nsecs = -1 }), partial: true, msg: "not in any section"},
		{name: "import directory outside every section", partial: true, msg: "import descriptor address not in any section",
			data: valid(func(s *synth) { s.dirs[dirImport][0] = 0x7fff0000 }),
			check: func(t *testing.T, f *File) {
				if len(f.Imports) != 0 || f.ExportName != "synth.dll" || len(f.DelayImports) != 1 || f.DependentLoadFlags != 0x800 {
					t.Errorf("the other directories were not decoded: %+v", f)
				}
			}},
		{name: "unterminated descriptor list", partial: true, msg: "import descriptor runs past the end of its section",
			data: valid(func(s *synth) {
				s.exactRaw = true
				dll := s.str("a.dll")
				ilt := s.thunks()
				var descs []uint32
				for len(s.sec)%20 != 0 || len(s.sec) < 0x300 {
					s.sec = append(s.sec, 0)
				}
				start := s.u32s()
				for range 30 {
					descs = append(descs, ilt, 0, 0, dll, ilt)
				}
				s.u32s(descs...)
				s.dirs[dirImport] = [2]uint32{start, 20}
			}),
			check: func(t *testing.T, f *File) {
				if len(f.Imports) != 30 {
					t.Errorf("%d imports before the end of the section, want 30", len(f.Imports))
				}
			}},
		{name: "unterminated thunk array", partial: true, msg: "import lookup table runs past the end of its section",
			data: valid(func(s *synth) {
				s.exactRaw = true
				good := s.str("good.dll")
				goodILT := s.thunks(s.ordinal(1))
				bad := s.str("bad.dll")
				imp := s.u32s(goodILT, 0, 0, bad, goodILT, goodILT, 0, 0, good, goodILT, 0, 0, 0, 0, 0)
				s.dirs[dirImport] = [2]uint32{imp, 60}
				// bad.dll's table: ordinals up to the end of the section.
				badILT := s.u32s()
				binary.LittleEndian.PutUint32(s.sec[imp-synthVA:], badILT)
				for len(s.sec) < 0x400 {
					s.sec = binary.LittleEndian.AppendUint32(s.sec, 0x80000001)
				}
			}),
			check: func(t *testing.T, f *File) {
				if len(f.Imports) != 2 || f.Imports[0].DLL != "bad.dll" || f.Imports[1].DLL != "good.dll" || len(f.Imports[1].Functions) != 1 {
					t.Errorf("imports %+v, want bad.dll (partial) then good.dll", f.Imports)
				}
			}},
		{name: "one thunk table shared by many descriptors", partial: true, msg: "too many imported functions",
			data: valid(func(s *synth) {
				dll := s.str("a.dll")
				var ords []uint64
				for i := range 2000 {
					ords = append(ords, s.ordinal(uint16(i)))
				}
				ilt := s.thunks(ords...)
				var descs []uint32
				for range 2000 {
					descs = append(descs, ilt, 0, 0, dll, ilt)
				}
				imp := s.u32s(append(descs, 0, 0, 0, 0, 0)...)
				s.dirs[dirImport] = [2]uint32{imp, 20}
			}),
			check: func(t *testing.T, f *File) {
				n := 0
				for _, imp := range f.Imports {
					n += len(imp.Functions)
				}
				if n > 100000 {
					t.Errorf("%d functions decoded", n)
				}
			}},
		{name: "unterminated DLL name", partial: true, msg: "unterminated import DLL name",
			data: valid(func(s *synth) {
				s.exactRaw = true
				ilt := s.thunks()
				imp := s.u32s(ilt, 0, 0, 0, ilt, 0, 0, 0, 0, 0)
				name := s.put([]byte("endless"))
				binary.LittleEndian.PutUint32(s.sec[imp-synthVA+12:], name)
				s.dirs[dirImport] = [2]uint32{imp, 40}
			})},
		{name: "import name too long", partial: true, msg: "import name too long",
			data: valid(func(s *synth) {
				dll := s.str("long.dll")
				ilt := s.thunks(uint64(s.hintName(0, strings.Repeat("x", maxName+1))))
				imp := s.u32s(ilt, 0, 0, dll, ilt, 0, 0, 0, 0, 0)
				s.dirs[dirImport] = [2]uint32{imp, 40}
			}),
			check: func(t *testing.T, f *File) {
				if len(f.Imports) != 1 || f.Imports[0].DLL != "long.dll" || len(f.Imports[0].Functions) != 0 {
					t.Errorf("imports %+v", f.Imports)
				}
			}},
		{name: "delay descriptor list runs off its section", partial: true, msg: "delay import descriptor runs past the end of its section",
			data: valid(func(s *synth) {
				s.exactRaw = true
				dll := s.str("d.dll")
				for (len(s.sec)+synthVA)%32 != 0 || len(s.sec) < 0x300 {
					s.sec = append(s.sec, 0)
				}
				var descs []uint32
				for range 8 {
					descs = append(descs, 1, dll, 0, 0, 0, 0, 0, 0)
				}
				s.dirs[dirDelayImport] = [2]uint32{s.u32s(descs...), 32}
			}),
			check: func(t *testing.T, f *File) {
				if len(f.DelayImports) != 8 {
					t.Errorf("%d delay imports, want 8", len(f.DelayImports))
				}
			}},
		{name: "too many exports", partial: true, msg: "too many exports",
			data: valid(func(s *synth) {
				d := s.dirs[dirExport][0] - synthVA
				binary.LittleEndian.PutUint32(s.sec[d+20:], 1<<30)
			}),
			check: func(t *testing.T, f *File) {
				if f.ExportName != "synth.dll" || f.Exports != nil || len(f.Imports) != 2 {
					t.Errorf("partial file %+v", f)
				}
			}},
		{name: "export ordinal out of range", partial: true, msg: "export ordinal out of range",
			data: valid(func(s *synth) {
				d := s.dirs[dirExport][0] - synthVA
				ords := binary.LittleEndian.Uint32(s.sec[d+36:]) - synthVA
				binary.LittleEndian.PutUint16(s.sec[ords:], 3)
			})},
		{name: "old-style delay import below image base", partial: true, msg: "delay import address outside the image",
			data: valid(func(s *synth) {
				d := s.u32s(0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
				s.dirs[dirDelayImport] = [2]uint32{d, 64}
			})},
		{name: "load config outside every section", partial: true, msg: "load configuration directory address not in any section",
			data: valid(func(s *synth) { s.dirs[dirLoadConfig][0] = 0x90000000 })},
		{name: "section raw data past end of file", partial: true, msg: "import descriptor past end of file",
			data: valid(func(s *synth) {}), // cut below
		},
	}
}

func TestBadInputs(t *testing.T) {
	for _, bi := range badInputs() {
		t.Run(bi.name, func(t *testing.T) {
			data := bi.data()
			if bi.name == "section raw data past end of file" {
				data = data[:0x200+0x80]
			}
			f, err := NewFile(bytes.NewReader(data), int64(len(data)))
			var fe *FormatError
			switch {
			case bi.msg == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case bi.msg != "" && (!errors.As(err, &fe) || !strings.Contains(err.Error(), bi.msg)):
				t.Fatalf("error %v (%T), want a *FormatError containing %q", err, err, bi.msg)
			case fe != nil && fe.Msg == panicMsg:
				t.Fatalf("panic: %v", err)
			}
			if (f != nil) != (bi.partial || bi.msg == "") {
				t.Fatalf("File %v with error %v, want partial=%v", f, err, bi.partial)
			}
			if f != nil && bi.check != nil {
				bi.check(t, f)
			}
		})
	}
}

// errReader fails every read.
type errReader struct{}

var errBoom = errors.New("boom")

func (errReader) ReadAt([]byte, int64) (int, error) { return 0, errBoom }

func TestReaderError(t *testing.T) {
	f, err := NewFile(errReader{}, 4096)
	if f != nil || !errors.Is(err, errBoom) {
		t.Fatalf("NewFile = %v, %v; want nil and an error wrapping errBoom", f, err)
	}
	var fe *FormatError
	if errors.As(err, &fe) {
		t.Fatalf("reader error reported as a FormatError: %v", err)
	}
	// A reader that is shorter than the size it claims.
	s, _ := typical(true)
	data := s.build()
	_, err = NewFile(bytes.NewReader(data[:0x100]), int64(len(data)))
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "unexpected end of file") {
		t.Fatalf("short reader: %v", err)
	}
	if _, err := NewFile(bytes.NewReader(data), -1); !errors.As(err, &fe) {
		t.Fatalf("negative size: %v", err)
	}
}

func TestOpen(t *testing.T) {
	s, want := typical(true)
	name := filepath.Join(t.TempDir(), "synth.dll")
	if err := os.WriteFile(name, s.build(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(name)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(decoded(f), want) {
		t.Errorf("Open decoded %+v", f)
	}
	if _, err := Open(name + ".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.dll")
	os.WriteFile(bad, []byte("MZ"), 0o644)
	if _, err := Open(bad); err == nil || !strings.HasPrefix(err.Error(), bad+": pe: ") {
		t.Errorf("Open(bad) = %v", err)
	}
}

// TestCrashers feeds the shared crasher corpus (go test fuzz files) to
// NewFile: each must fail cleanly.
func TestCrashers(t *testing.T) {
	dir := filepath.Join(corpusDir, "crashers")
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(names) == 0 {
		t.Skipf("no crashers at %s (the corpus lives outside the repository)", dir)
	}
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		data := raw
		if bytes.HasPrefix(raw, []byte("go test fuzz v1\n")) {
			line := strings.TrimSpace(string(raw[len("go test fuzz v1\n"):]))
			if q, ok := strings.CutPrefix(line, "[]byte("); ok {
				if s, err := strconv.Unquote(strings.TrimSuffix(q, ")")); err == nil {
					data = []byte(s)
				}
			}
		}
		f, err := NewFile(bytes.NewReader(data), int64(len(data)))
		var fe *FormatError
		if err != nil && (!errors.As(err, &fe) || fe.Msg == panicMsg) {
			t.Errorf("%s: %v", name, err)
		}
		_ = f
	}
}

var _ = io.EOF
