package macho

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/libvet/libvet/artifact"
	"github.com/libvet/libvet/internal/streamtest"
)

// This file tests Regions by simulating what audit does with a compressed
// wheel member: one streaming pass that keeps the first 64 KiB and what
// Regions locates as it goes, then, if NewFile still lacks bytes, a
// second pass keeping those.

// plan is Regions in artifact ranges, for streamtest.
func plan(r io.ReaderAt, size int64) []artifact.Range { return artifact.RangesOf(Regions(r, size)) }

// checkStreaming is streamtest.Check on this package's NewFile.
func checkStreaming(t *testing.T, name string, data []byte, maxPasses int) streamtest.Result {
	t.Helper()
	return streamtest.Check(t, name, data, maxPasses, plan, NewFile)
}

// filler returns n bytes of deterministic noise, standing for code and
// data nothing points to.
func filler(n int, seed uint32) []byte {
	out := make([]byte, n)
	x := seed*2654435761 + 1
	for i := range out {
		x = x*1664525 + 1013904223
		out[i] = byte(x >> 24)
	}
	return out
}

// bigOpts shapes a large synthetic Mach-O image.
type bigOpts struct {
	bo       binary.ByteOrder
	is64     bool
	lead     int  // bytes of code before __LINKEDIT
	ndef     int  // defined external symbols
	nundef   int  // undefined symbols (imports)
	dysym    bool // with LC_DYSYMTAB
	undefStr bool // imported names first in the string table (else last)
	longName bool // the imported name stored last is 700 bytes long
	strFirst bool // the string table before the symbol table, far apart
	sig      int  // bytes of code signature at the end
}

// bigMachO builds a thin Mach-O dylib of the size of a real extension
// library: lead bytes of code, then the symbol table, an indirect symbol
// table and the string table (or the string table first, with strFirst),
// then a code signature.
func bigMachO(o bigOpts) []byte {
	bo := o.bo
	s := newSynth(bo, o.is64)
	s.add(
		dylibCmd(bo, lcIDDylib, "@rpath/libbig.dylib", 0x10000, 0x10000),
		dylibCmd(bo, lcLoadDylib, "/usr/lib/libSystem.B.dylib", 1292<<16, 0x10000),
		dylibCmd(bo, lcLoadDylib, "@rpath/libc10.dylib", 0x10000, 0x10000),
		dylibCmd(bo, lcLoadWeakDylib, "@rpath/libomp.dylib", 0, 0),
		rpathCmd(bo, "@loader_path/../lib"),
		buildVersionCmd(bo, 1, 11<<16, 14<<16),
	)
	nl := nlist32Size
	if o.is64 {
		nl = nlist64Size
	}
	// Names: defined ones, and imports, in string table order.
	strs := []byte(" \x00")
	defx := make([]uint32, o.ndef)
	undefx := make([]uint32, o.nundef)
	putDef := func() {
		for i := range defx {
			defx[i] = uint32(len(strs))
			strs = append(strs, fmt.Sprintf("__ZN5torch6detail8defined%dEv", i)...)
			strs = append(strs, 0)
		}
	}
	putUndef := func() {
		for i := range undefx {
			undefx[i] = uint32(len(strs))
			name := fmt.Sprintf("__ZN3c106detail9undefined%dEv", i)
			if o.longName && i == len(undefx)-1 {
				name += strings.Repeat("x", 700)
			}
			strs = append(strs, name...)
			strs = append(strs, 0)
		}
	}
	if o.undefStr {
		putUndef()
		putDef()
	} else {
		putDef()
		putUndef()
	}
	// Symbols: locals (stabs and sections), defined externals, then the
	// imports, as ld64 orders them.
	var tab []byte
	entry := func(strx uint32, ntype uint8, desc uint16, value uint64) {
		e := make([]byte, nl)
		bo.PutUint32(e, strx)
		e[4] = ntype
		bo.PutUint16(e[6:], desc)
		if o.is64 {
			bo.PutUint64(e[8:], value)
		} else {
			bo.PutUint32(e[8:], uint32(value))
		}
		tab = append(tab, e...)
	}
	for i := range 50 {
		entry(1, nSect, 0, uint64(0x1000+i))
	}
	for i, x := range defx {
		entry(x, nSectExt, 0, uint64(0x2000+16*i))
	}
	iundef := len(tab) / nl
	for i, x := range undefx {
		entry(x, nUndfExt, desc(uint8(1+i%3), i%7 == 0), 0)
	}
	nsyms := len(tab) / nl
	s.tail = filler(o.lead, 1)
	var symoff, stroff int
	if o.strFirst {
		stroff = tailOff + len(s.tail)
		s.tail = append(s.tail, strs...)
		s.tail = append(s.tail, filler(300<<10, 2)...)
		symoff = tailOff + len(s.tail)
		s.tail = append(s.tail, tab...)
	} else {
		symoff = tailOff + len(s.tail)
		s.tail = append(s.tail, tab...)
		s.tail = append(s.tail, filler(4*o.nundef, 3)...) // indirect symbols
		stroff = tailOff + len(s.tail)
		s.tail = append(s.tail, strs...)
	}
	sig := tailOff + len(s.tail)
	s.tail = append(s.tail, filler(o.sig, 4)...)
	s.add(u32cmd(bo, lcSymtab, uint32(symoff), uint32(nsyms), uint32(stroff), uint32(len(strs))))
	if o.dysym {
		d := make([]uint32, 18)
		d[0], d[1] = 0, 50
		d[2], d[3] = 50, uint32(len(defx))
		d[4], d[5] = uint32(iundef), uint32(len(undefx))
		s.add(u32cmd(bo, lcDysymtab, d...))
	}
	s.add(u32cmd(bo, lcCodeSignature, uint32(sig), uint32(o.sig)))
	return s.build()
}

// synthFiles returns the synthetic files the package's tests build, and
// the large layouts above, each with the number of streaming passes it
// needs.
func synthFiles() []struct {
	name   string
	data   []byte
	passes int
} {
	type sf = struct {
		name   string
		data   []byte
		passes int
	}
	le, be := binary.LittleEndian, binary.BigEndian
	var out []sf
	for i, d := range synthSeeds() {
		out = append(out, sf{fmt.Sprintf("synth seed %d", i), d, 1})
	}
	for _, bi := range badInputs() {
		out = append(out, sf{"bad input " + bi.name, bi.data, 1})
	}
	const lead = 3 << 20
	big := func(o bigOpts) []byte {
		if o.bo == nil {
			o.bo = le
		}
		if o.lead == 0 {
			o.lead = lead
		}
		return bigMachO(o)
	}
	base := bigOpts{is64: true, ndef: 20000, nundef: 3000, dysym: true, sig: 100 << 10}
	with := func(f func(o *bigOpts)) bigOpts {
		o := base
		f(&o)
		return o
	}
	out = append(out,
		sf{"big", big(base), 1},
		sf{"big be32", big(with(func(o *bigOpts) { o.bo, o.is64 = be, false })), 1},
		sf{"big without LC_DYSYMTAB", big(with(func(o *bigOpts) { o.dysym = false })), 1},
		sf{"big imports first", big(with(func(o *bigOpts) { o.undefStr = true })), 1},
		sf{"big long name", big(with(func(o *bigOpts) { o.undefStr, o.longName = true, true })), 1},
		sf{"big string table first", big(with(func(o *bigOpts) { o.strFirst = true })), 2},
		sf{"big string table first, long name", big(with(func(o *bigOpts) { o.strFirst, o.undefStr, o.longName = true, true, true })), 2},
		sf{"big fat", fatFile(magicFat,
			fatSlice{cpuX86_64, 3, big(base)},
			fatSlice{cpuX86, 3, big(with(func(o *bigOpts) { o.is64, o.longName, o.undefStr = false, true, true }))}), 1},
		sf{"big fat64", fatFile(magicFat64,
			fatSlice{cpuX86_64, 3, big(with(func(o *bigOpts) { o.lead = 100 << 10 }))},
			fatSlice{cpuX86, 3, big(with(func(o *bigOpts) { o.is64, o.dysym = false, false }))}), 1},
	)
	return out
}

// TestRegionsSynth streams every synthetic file and checks that NewFile
// decodes the same File from what was kept as from the whole file.
func TestRegionsSynth(t *testing.T) {
	for _, sf := range synthFiles() {
		t.Run(sf.name, func(t *testing.T) {
			res := checkStreaming(t, sf.name, sf.data, sf.passes)
			if res.Passes != sf.passes {
				t.Errorf("%d passes, want %d", res.Passes, sf.passes)
			}
			if strings.HasPrefix(sf.name, "big") {
				f, err := NewFile(bytes.NewReader(sf.data), int64(len(sf.data)))
				if err != nil || len(f.Slices[0].Imports) != 3000 || len(f.Slices[0].Dylibs) != 3 {
					t.Fatalf("layout decodes to %v, %v", f, err)
				}
				frac := float64(res.Sparse.Retained()) / float64(len(sf.data))
				t.Logf("%d bytes, %d passes, %d Regions calls, retained %.1f%%", len(sf.data), res.Passes, res.Calls, 100*frac)
				if frac > 0.25 {
					t.Errorf("retained %.1f%% of the file", 100*frac)
				}
			}
		})
	}
}

// TestRegionsCorpus streams every Mach-O file of the corpus.
func TestRegionsCorpus(t *testing.T) {
	streamtest.CheckCorpus(t, corpusMachOs(t), plan, NewFile)
}

// zeroReader reads zeros everywhere.
type zeroReader struct{}

func (zeroReader) ReadAt(p []byte, _ int64) (int, error) { clear(p); return len(p), nil }

// TestRegionsBad checks Regions on truncated and lying files, and on
// readers that hold little or nothing: it must not panic, must allocate
// little, and must return ranges within the file.
func TestRegionsBad(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	good := richSynth(le, true).build()
	patch := func(data []byte, f func(b []byte)) []byte {
		b := bytes.Clone(data)
		f(b)
		return b
	}
	fat := fatFile(magicFat, fatSlice{cpuX86_64, 3, good}, fatSlice{cpuX86_64, 3, good})
	// symtabAt is the offset of good's LC_SYMTAB.
	symtabAt := func() int {
		off := hdr64Size
		for range 12 {
			if le.Uint32(good[off:]) == lcSymtab {
				return off
			}
			off += int(le.Uint32(good[off+4:]))
		}
		panic("no LC_SYMTAB")
	}()
	huge := int64(1) << 40
	type tc = struct {
		name string
		r    io.ReaderAt
		size int64
	}
	tests := []tc{
		{"empty", bytes.NewReader(nil), 0},
		{"negative size", bytes.NewReader(good), -1},
		{"nil reader", nil, 100},
		{"failing reader", streamtest.FailReader{}, 1 << 30},
		{"zero reader", zeroReader{}, huge},
		{"three bytes", bytes.NewReader(good[:3]), 3},
		{"truncated mach header", bytes.NewReader(good[:20]), 20},
		{"truncated load commands", bytes.NewReader(good[:100]), int64(len(good))},
		{"reader shorter than size", bytes.NewReader(good[:100]), huge},
		{"size beyond the data", bytes.NewReader(good), huge},
		{"nfat_arch 2^31", bytes.NewReader(patch(fat, func(b []byte) { be.PutUint32(b[4:], 1<<31) })), int64(len(fat))},
		{"nfat_arch 2^31, size beyond the data", bytes.NewReader(patch(fat, func(b []byte) { be.PutUint32(b[4:], 1<<31) })), huge},
		{"fat64 nfat_arch 2^31", bytes.NewReader(patch(fat, func(b []byte) { be.PutUint32(b, magicFat64); be.PutUint32(b[4:], 1<<31) })), huge},
		{"fat slices far away", bytes.NewReader(patch(fat, func(b []byte) {
			be.PutUint32(b[8+8:], 0xfffff000)
			be.PutUint32(b[8+12:], 0xfff)
		})), huge},
		{"sizeofcmds beyond the file", bytes.NewReader(patch(good, func(b []byte) { le.PutUint32(b[20:], 0xfffffff0) })), int64(len(good))},
		{"sizeofcmds 16 MiB, size beyond the data", bytes.NewReader(patch(good, func(b []byte) { le.PutUint32(b[20:], maxCmdsSize) })), huge},
		{"ncmds 2^32-1", bytes.NewReader(patch(good, func(b []byte) { le.PutUint32(b[16:], 0xffffffff) })), int64(len(good))},
		{"symoff past EOF", bytes.NewReader(patch(good, func(b []byte) { le.PutUint32(b[symtabAt+8:], 0xfffffff0) })), int64(len(good))},
		{"stroff past EOF", bytes.NewReader(patch(good, func(b []byte) { le.PutUint32(b[symtabAt+16:], 0xfffffff0) })), int64(len(good))},
		{"nsyms 2^32-1", bytes.NewReader(patch(good, func(b []byte) { le.PutUint32(b[symtabAt+12:], 0xffffffff) })), int64(len(good))},
		{"nsyms 2^32-1, size beyond the data", bytes.NewReader(patch(good, func(b []byte) { le.PutUint32(b[symtabAt+12:], 0xffffffff) })), huge},
		{"symbol table of 64 MiB of zeros", zeroReader{}, huge},
	}
	// A header whose symbol table is 64 MiB, read through a reader of
	// zeros: NewFile would read it whole; Regions reads it a chunk at a
	// time.
	zs := newSynth(le, true).add(u32cmd(le, lcSymtab, 0x1000, 1<<22, 0x1000, 16)).build()
	tests[len(tests)-1].r = prefixReader{zs}
	for _, bi := range badInputs() {
		tests = append(tests, tc{"bad input " + bi.name, bytes.NewReader(bi.data), int64(len(bi.data))})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rs []Region
			alloc := streamtest.Allocated(func() { rs = Regions(tt.r, tt.size) })
			streamtest.CheckRanges(t, artifact.RangesOf(rs), max(tt.size, 0))
			if alloc > 4<<20 {
				t.Errorf("allocated %d bytes", alloc)
			}
			var n int64
			for _, r := range rs {
				n += r.Len
			}
			t.Logf("%d ranges, %d bytes, allocated %d bytes", len(rs), n, alloc)
		})
	}
}

// prefixReader reads its bytes, then zeros for ever.
type prefixReader struct{ b []byte }

func (r prefixReader) ReadAt(p []byte, off int64) (int, error) {
	clear(p)
	if off < int64(len(r.b)) {
		copy(p, r.b[off:])
	}
	return len(p), nil
}

// TestReaderErrorWrapped checks that NewFile returns the reader's own
// error, wrapped, and no File, when any byte of any read fails: for each
// read NewFile makes of the whole file, a reader that fails at that
// read's first byte.
func TestReaderErrorWrapped(t *testing.T) {
	le := binary.LittleEndian
	files := map[string][]byte{
		"rich":      richSynth(le, true).build(),
		"fat":       synthSeeds()[2],
		"long name": bigMachO(bigOpts{bo: le, is64: true, lead: 1000, ndef: 100, nundef: 20, dysym: true, undefStr: true, longName: true, sig: 64}),
	}
	for name, data := range files {
		size := int64(len(data))
		rec := &streamtest.Recorder{R: bytes.NewReader(data)}
		if _, err := NewFile(rec, size); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(rec.Reads) < 3 {
			t.Fatalf("%s: only %d reads", name, len(rec.Reads))
		}
		for _, r := range rec.Reads {
			f, err := NewFile(streamtest.HoleReader{Data: data, Lo: r.Off, Hi: r.Off + 1}, size)
			var he *streamtest.HoleError
			var fe *FormatError
			if f != nil || !errors.As(err, &he) || errors.As(err, &fe) {
				t.Errorf("%s: hole at %d: NewFile = %v, %v; want nil and the reader's error", name, r.Off, f != nil, err)
			}
			sp := streamtest.Keep(t, data, []artifact.Range{{Off: 0, Len: r.Off}, {Off: r.Off + 1, Len: size}})
			var miss *artifact.MissingError
			if f, err := NewFile(sp, size); f != nil || !errors.As(err, &miss) {
				t.Errorf("%s: sparse without byte %d: NewFile = %v, %v; want nil and an *artifact.MissingError", name, r.Off, f != nil, err)
			}
		}
	}
}

// FuzzRegions checks Regions on arbitrary bytes, read whole and through a
// reader that holds only a prefix: it must not panic, and must return
// sorted, merged ranges within the file. For the whole file, every byte
// NewFile reads must lie in those ranges.
func FuzzRegions(f *testing.F) {
	for _, s := range synthSeeds() {
		f.Add(s, uint16(0x100))
	}
	for _, bi := range badInputs() {
		f.Add(bi.data, uint16(0x40))
	}
	f.Add(bigMachO(bigOpts{bo: binary.LittleEndian, is64: true, lead: 100, ndef: 10, nundef: 5, dysym: true, undefStr: true, longName: true, sig: 16}), uint16(0x800))
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		streamtest.FuzzPlan(t, data, cut, plan, NewFile)
	})
}
