package elf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// Indexes of richSynth's program headers.
const (
	synthLoad = iota
	synthDynamic
	synthInterp
	synthNote
)

// badInput builds a malformed file from richSynth output, with the file
// size NewFile is told (-1 for the real size).
type badInput struct {
	name string
	make func() ([]byte, int64)
	want string // substring of the error message
}

func badInputs() []badInput {
	// base returns a well-formed file to break.
	base := func(class elf.Class, sections bool) ([]byte, synth, synthLayout) {
		s := richSynth(class, binary.LittleEndian, elf.EM_X86_64)
		if class == elf.ELFCLASS32 {
			s.machine = elf.EM_386
		}
		s.sections = sections
		data, lay := s.build()
		return data, s, lay
	}
	// prog returns the offset of field fieldOff64 (ELF64) of program header i.
	prog := func(lay synthLayout, i int, field uint64) uint64 {
		return lay.phoff + uint64(i)*phdr64Size + field
	}
	le := binary.LittleEndian
	mod := func(class elf.Class, sections bool, f func([]byte, synth, synthLayout)) func() ([]byte, int64) {
		return func() ([]byte, int64) {
			data, s, lay := base(class, sections)
			f(data, s, lay)
			return data, -1
		}
	}
	raw := func(b []byte) func() ([]byte, int64) {
		return func() ([]byte, int64) { return b, -1 }
	}
	valid, _, _ := base(elf.ELFCLASS64, true)
	return []badInput{
		{"empty", raw(nil), "bad magic"},
		{"short magic", raw([]byte("\x7fEL")), "bad magic"},
		{"not ELF", raw(bytes.Repeat([]byte("MZ"), 64)), "bad magic"},
		{"truncated header", raw(valid[:20]), "too short for ELF header"},
		{"unknown class", raw(append([]byte("\x7fELF\x03\x01\x01"), make([]byte, 64)...)), "unknown ELF class"},
		{"unknown data", raw(append([]byte("\x7fELF\x02\x00\x01"), make([]byte, 64)...)), "unknown ELF data"},
		{"unknown version", raw(append([]byte("\x7fELF\x02\x01\x02"), make([]byte, 64)...)), "unknown ELF version"},
		{"negative size", func() ([]byte, int64) { return valid, -5 }, "negative file size"},
		{"phnum huge", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, _ synthLayout) {
			le.PutUint16(d[0x38:], 0xffff)
		}), "program header table extends past end of file"},
		{"phentsize too small", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, _ synthLayout) {
			le.PutUint16(d[0x36:], 8)
		}), "program header entry size too small"},
		{"phoff huge", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, _ synthLayout) {
			le.PutUint64(d[0x20:], 1<<63)
		}), "invalid program header offset"},
		{"shoff past end", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, _ synthLayout) {
			le.PutUint64(d[0x28:], uint64(len(d)-10))
		}), "section header table extends past end of file"},
		{"shentsize too small", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, _ synthLayout) {
			le.PutUint16(d[0x3a:], 10)
		}), "section header entry size too small"},
		{"extended shnum absurd", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, lay synthLayout) {
			le.PutUint16(d[0x3c:], 0)
			le.PutUint64(d[lay.shoff+32:], 1<<40) // section 0 sh_size
		}), "too many section headers"},
		{"PT_DYNAMIC outside file", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, lay synthLayout) {
			le.PutUint64(d[prog(lay, synthDynamic, 8):], 1<<40)
		}), "dynamic table extends past end of file"},
		{"PT_DYNAMIC huge", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, lay synthLayout) {
			le.PutUint64(d[prog(lay, synthDynamic, 32):], 1<<62)
		}), "dynamic table too large"},
		{"PT_INTERP huge", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, lay synthLayout) {
			le.PutUint64(d[prog(lay, synthInterp, 32):], 1<<40)
		}), "PT_INTERP too large"},
		{"PT_INTERP past end", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, lay synthLayout) {
			le.PutUint64(d[prog(lay, synthInterp, 8):], uint64(len(d)-4))
		}), "PT_INTERP extends past end of file"},
		{"PT_NOTE huge", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, lay synthLayout) {
			le.PutUint64(d[prog(lay, synthNote, 32):], 1<<40)
		}), "note too large"},
		{"strtab size absurd", mod(elf.ELFCLASS64, true, func(d []byte, s synth, lay synthLayout) {
			setDyn(d, s, lay, elf.DT_STRSZ, 1<<62)
		}), "dynamic string table size past end of file"},
		{"strtab size lies with file size", func() ([]byte, int64) {
			d, s, lay := base(elf.ELFCLASS64, true)
			setDyn(d, s, lay, elf.DT_STRSZ, 512<<20)
			return d, 1 << 40 // the reader holds far less: the probe read fails first
		}, "unexpected end of file reading dynamic string table"},
		{"strtab unmapped", mod(elf.ELFCLASS64, true, func(d []byte, s synth, lay synthLayout) {
			setDyn(d, s, lay, elf.DT_STRTAB, 1<<40)
		}), "DT_STRTAB address is not in any loadable segment"},
		{"strings without strtab", mod(elf.ELFCLASS64, true, func(d []byte, s synth, lay synthLayout) {
			setDynTag(d, s, lay, elf.DT_STRTAB, elf.DT_DEBUG)
		}), "no DT_STRTAB"},
		{"needed offset out of range", mod(elf.ELFCLASS64, true, func(d []byte, s synth, lay synthLayout) {
			setDyn(d, s, lay, elf.DT_NEEDED, 1<<20)
		}), "DT_NEEDED string offset out of range"},
		{"syment wrong", mod(elf.ELFCLASS64, true, func(d []byte, s synth, lay synthLayout) {
			setDyn(d, s, lay, elf.DT_SYMENT, 7)
		}), "unsupported DT_SYMENT"},
		{"symbol count absurd", mod(elf.ELFCLASS64, false, func(d []byte, _ synth, lay synthLayout) {
			le.PutUint32(d[lay.hash+4:], 0xffffffff) // nchain
		}), "dynamic symbol table extends past end of file"},
		{"symbol name out of range", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, lay synthLayout) {
			le.PutUint32(d[lay.dynsym+sym64Size:], 0xffffff)
		}), "symbol name offset out of range"},
		{"versym past end", mod(elf.ELFCLASS64, false, func(d []byte, s synth, lay synthLayout) {
			setDyn(d, s, lay, elf.DT_VERSYM, uint64(len(d)-4))
		}), "symbol version table extends past end of file"},
		{"GNU hash buckets absurd", mod(elf.ELFCLASS64, false, func(d []byte, s synth, lay synthLayout) {
			setDynTag(d, s, lay, elf.DT_HASH, elf.DT_GNU_HASH)
			le.PutUint32(d[lay.hash:], 0x7fffffff) // nbuckets
		}), "GNU hash table extends past end of file"},
		{"GNU hash chain unterminated", mod(elf.ELFCLASS64, false, func(d []byte, s synth, lay synthLayout) {
			setDynTag(d, s, lay, elf.DT_HASH, elf.DT_GNU_HASH)
			le.PutUint32(d[lay.hash:], 1)   // nbuckets
			le.PutUint32(d[lay.hash+4:], 1) // symoffset
			le.PutUint32(d[lay.hash+8:], 0) // bloom words
			// Bucket 0 starts its chain at the file's last word, which is
			// zero (DT_NULL), so the chain runs off the end of the file.
			chain := lay.hash + 20
			le.PutUint32(d[lay.hash+16:], uint32(1+(uint64(len(d))-chain)/4-1))
		}), "GNU hash chain extends past end of file"},
		{"GNU hash bucket below symoffset", mod(elf.ELFCLASS64, false, func(d []byte, s synth, lay synthLayout) {
			setDynTag(d, s, lay, elf.DT_HASH, elf.DT_GNU_HASH)
			le.PutUint32(d[lay.hash:], 1)
			le.PutUint32(d[lay.hash+4:], 5)
			le.PutUint32(d[lay.hash+8:], 0)
			le.PutUint32(d[lay.hash+16:], 2)
		}), "GNU hash bucket below symbol offset"},
		{"no symbol count", mod(elf.ELFCLASS64, false, func(d []byte, s synth, lay synthLayout) {
			for _, tag := range []elf.DynTag{elf.DT_HASH, elf.DT_STRTAB, elf.DT_VERSYM, elf.DT_VERNEED, elf.DT_VERDEF} {
				if tag != elf.DT_STRTAB {
					setDynTag(d, s, lay, tag, elf.DT_DEBUG)
				}
			}
			setDyn(d, s, lay, elf.DT_STRTAB, lay.dynsym-8) // below the symbols
		}), "cannot tell the dynamic symbol count"},
		{"verneed revision", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, lay synthLayout) {
			le.PutUint16(d[lay.verneed:], 2)
		}), "unsupported version need revision"},
		{"verneed cycle", mod(elf.ELFCLASS32, false, func(d []byte, s synth, lay synthLayout) {
			// vn_next = -16 in 32-bit arithmetic: back to this entry.
			le.PutUint32(d[lay.verneed+12:], 0xfffffff0)
			setDyn(d, s, lay, elf.DT_VERNEEDNUM, 0xffffffff)
		}), "version need extends past end of file"},
		{"vernaux cycle", mod(elf.ELFCLASS32, false, func(d []byte, _ synth, lay synthLayout) {
			le.PutUint16(d[lay.verneed+2:], 0xffff)         // vn_cnt
			le.PutUint32(d[lay.verneed+16+12:], 0xfffffff0) // vna_next: back to the entry
		}), "version need aux extends past end of file"},
		{"verneed file out of range", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, lay synthLayout) {
			le.PutUint32(d[lay.verneed+4:], 0xfffffff)
		}), "version need file string offset out of range"},
		{"verdef revision", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, lay synthLayout) {
			le.PutUint16(d[lay.verdef:], 0)
		}), "unsupported version definition revision"},
		{"verdef without name", mod(elf.ELFCLASS64, true, func(d []byte, _ synth, lay synthLayout) {
			le.PutUint16(d[lay.verdef+6:], 0)
		}), "version definition has no name"},
		{"verdef cycle", mod(elf.ELFCLASS32, false, func(d []byte, s synth, lay synthLayout) {
			le.PutUint32(d[lay.verdef+16:], 0xffffffe4) // vd_next = -28
			setDyn(d, s, lay, elf.DT_VERDEFNUM, 0xffffffff)
		}), "version definition extends past end of file"},
	}
}

// TestBadInputs checks that malformed files give a *FormatError naming the
// problem, never a panic, and that decoding them allocates little.
func TestBadInputs(t *testing.T) {
	for _, tt := range badInputs() {
		t.Run(tt.name, func(t *testing.T) {
			data, size := tt.make()
			if size == -1 {
				size = int64(len(data))
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			f, err := NewFile(bytes.NewReader(data), size)
			runtime.ReadMemStats(&after)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("NewFile = %+v, %v; want a *FormatError", f, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("decoding allocated %d bytes", alloc)
			}
		})
	}
}

// errMissing is a caller's own error type for bytes it does not hold.
type errMissing struct{ off, n int64 }

func (e *errMissing) Error() string { return fmt.Sprintf("missing %d bytes at %d", e.n, e.off) }

// failingReader fails every read at or beyond offset from.
type failingReader struct {
	data []byte
	from int64
}

func (r *failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > r.from {
		return 0, &errMissing{off, int64(len(p))}
	}
	return copy(p, r.data[off:]), nil
}

// TestReaderErrors checks that the ReaderAt's own errors reach the caller
// wrapped, not turned into a FormatError, wherever the read fails.
func TestReaderErrors(t *testing.T) {
	s := richSynth(elf.ELFCLASS64, binary.LittleEndian, elf.EM_X86_64)
	data, _ := s.build()
	for from := int64(0); from < int64(len(data)); from += 7 {
		r := &failingReader{data, from}
		_, err := NewFile(r, int64(len(data)))
		var miss *errMissing
		var fe *FormatError
		if !errors.As(err, &miss) || errors.As(err, &fe) {
			t.Fatalf("reads failing from %d: NewFile error %v, want the reader's error", from, err)
		}
	}
	if _, err := NewFile(&failingReader{data, int64(len(data))}, int64(len(data))); err != nil {
		t.Fatalf("all reads succeed: %v", err)
	}
}

// TestSymbolCountHeuristic checks the last-resort symbol count, used when
// there is no section header and no hash table, or a GNU hash table that
// hashes no symbol (so that its symoffset is only a lower bound).
func TestSymbolCountHeuristic(t *testing.T) {
	t.Run("empty GNU hash", func(t *testing.T) {
		s := richSynth(elf.ELFCLASS64, binary.LittleEndian, elf.EM_X86_64)
		s.sections = false
		data, lay := s.build()
		le := binary.LittleEndian
		setDynTag(data, s, lay, elf.DT_HASH, elf.DT_GNU_HASH)
		le.PutUint32(data[lay.hash:], 1)   // nbuckets
		le.PutUint32(data[lay.hash+4:], 1) // symoffset
		le.PutUint32(data[lay.hash+8:], 1) // bloom words
		le.PutUint64(data[lay.hash+16:], 0)
		le.PutUint32(data[lay.hash+24:], 0) // the only bucket is empty
		f, err := NewFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Symbols) != len(s.syms) {
			t.Errorf("%d symbols, want %d", len(f.Symbols), len(s.syms))
		}
	})

	s := richSynth(elf.ELFCLASS64, binary.LittleEndian, elf.EM_X86_64)
	s.sections = false
	s.needs, s.defs = nil, nil
	for i := range s.syms {
		s.syms[i].versym = 0
	}
	data, lay := s.build()
	// Nothing but the hash table follows the symbols: without it, the
	// next table is the dynamic table, which is not a DT_* pointer. Point
	// DT_HASH's replacement at the end of the symbols instead.
	setDynTag(data, s, lay, elf.DT_HASH, elf.DT_RELA)
	setDyn(data, s, lay, elf.DT_RELA, lay.dynsym+uint64(len(s.syms)+1)*sym64Size)
	f, err := NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Symbols) != len(s.syms) {
		t.Errorf("%d symbols, want %d", len(f.Symbols), len(s.syms))
	}
}

// TestDynamicRegionsBadInputs checks that DynamicRegions, run on what a
// first pass kept of each malformed file, never returns a range outside
// the file.
func TestDynamicRegionsBadInputs(t *testing.T) {
	inputs := badInputs()
	inputs = append(inputs, badInput{name: "PT_LOAD offset huge", make: func() ([]byte, int64) {
		s := richSynth(elf.ELFCLASS64, binary.LittleEndian, elf.EM_X86_64)
		data, lay := s.build()
		binary.LittleEndian.PutUint64(data[lay.phoff+8:], 1<<63) // PT_LOAD p_offset
		return data, -1
	}})
	for _, tt := range inputs {
		data, size := tt.make()
		if size != -1 {
			continue
		}
		size = int64(len(data))
		hs, err := HeadSize(data)
		if err != nil || hs > size {
			continue
		}
		rs, err := Regions(data[:hs], size)
		if err != nil {
			continue
		}
		more, err := DynamicRegions(newSparse(data, rs...), size)
		if err != nil {
			continue
		}
		for _, r := range more {
			if r.Off < 0 || r.Len <= 0 || r.Off+r.Len > size {
				t.Errorf("%s: DynamicRegions = %+v for a %d-byte file", tt.name, more, size)
			}
		}
	}
}
