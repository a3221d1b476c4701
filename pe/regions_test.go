package pe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"reflect"
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

// img builds a PE image section by section, for layouts of the size and
// shape of real DLLs.
type img struct {
	is64      bool
	imageBase uint64
	secs      []*isec
	dirs      [16][2]uint32
	tail      []byte
}

// isec is one section of an img.
type isec struct {
	name string
	va   uint32
	data []byte
}

const (
	imgHeaders   = 0x400
	imgFileAlign = 0x200
)

// section starts a new section after the last one, which must be
// complete.
func (m *img) section(name string) *isec {
	va := uint32(0x1000)
	if n := len(m.secs); n > 0 {
		last := m.secs[n-1]
		va = last.va + max(0x1000, (uint32(len(last.data))+0xfff)&^0xfff)
	}
	s := &isec{name: name, va: va}
	m.secs = append(m.secs, s)
	return s
}

// fileOff returns the file offset of section i's raw data.
func (m *img) fileOff(i int) int {
	off := imgHeaders
	for _, s := range m.secs[:i] {
		off += (len(s.data) + imgFileAlign - 1) &^ (imgFileAlign - 1)
	}
	return off
}

// put appends p, 8-aligned, and returns its RVA.
func (s *isec) put(p []byte) uint32 {
	for len(s.data)%8 != 0 {
		s.data = append(s.data, 0)
	}
	rva := s.va + uint32(len(s.data))
	s.data = append(s.data, p...)
	return rva
}

func (s *isec) reserve(n int) uint32 { return s.put(make([]byte, n)) }
func (s *isec) str(v string) uint32  { return s.put(append([]byte(v), 0)) }
func (s *isec) hintName(hint uint16, name string) uint32 {
	return s.put(append(binary.LittleEndian.AppendUint16(nil, hint), append([]byte(name), 0)...))
}
func (s *isec) set16(rva uint32, v uint16) { binary.LittleEndian.PutUint16(s.data[rva-s.va:], v) }
func (s *isec) set32(rva, v uint32)        { binary.LittleEndian.PutUint32(s.data[rva-s.va:], v) }
func (s *isec) set64(rva uint32, v uint64) { binary.LittleEndian.PutUint64(s.data[rva-s.va:], v) }

// filler appends n bytes of deterministic noise, standing for code or
// constant data nothing points to.
func (s *isec) filler(n int) {
	x := uint32(len(s.data)*2654435761 + 1)
	for range n {
		x = x*1664525 + 1013904223
		s.data = append(s.data, byte(x>>24))
	}
}

func (m *img) build() []byte {
	le := binary.LittleEndian
	out := make([]byte, imgHeaders)
	copy(out, "MZ")
	le.PutUint32(out[0x3c:], 0x80)
	p := out[0x80:]
	copy(p, "PE\x00\x00")
	optSize := 224
	machine := uint16(0x14c)
	if m.is64 {
		optSize, machine = 240, 0x8664
	}
	le.PutUint16(p[4:], machine)
	le.PutUint16(p[6:], uint16(len(m.secs)))
	le.PutUint16(p[20:], uint16(optSize))
	le.PutUint16(p[22:], 0x2022)
	o := p[24:]
	var dd []byte
	if m.is64 {
		le.PutUint16(o, 0x20b)
		le.PutUint64(o[24:], m.imageBase)
		le.PutUint32(o[108:], 16)
		dd = o[112:]
	} else {
		le.PutUint16(o, 0x10b)
		le.PutUint32(o[28:], uint32(m.imageBase))
		le.PutUint32(o[92:], 16)
		dd = o[96:]
	}
	o[2], o[3] = 14, 38
	le.PutUint32(o[32:], 0x1000)
	le.PutUint32(o[36:], imgFileAlign)
	last := m.secs[len(m.secs)-1]
	le.PutUint32(o[56:], last.va+(uint32(len(last.data))+0xfff)&^0xfff)
	le.PutUint32(o[60:], imgHeaders)
	le.PutUint16(o[68:], 3)
	le.PutUint16(o[70:], 0x160)
	for i, d := range m.dirs {
		le.PutUint32(dd[8*i:], d[0])
		le.PutUint32(dd[8*i+4:], d[1])
	}
	sh := o[optSize:]
	for i, s := range m.secs {
		h := sh[40*i:]
		copy(h, s.name)
		raw := (len(s.data) + imgFileAlign - 1) &^ (imgFileAlign - 1)
		le.PutUint32(h[8:], uint32(len(s.data)))
		le.PutUint32(h[12:], s.va)
		le.PutUint32(h[16:], uint32(raw))
		le.PutUint32(h[20:], uint32(m.fileOff(i)))
		le.PutUint32(h[36:], 0x40000040)
	}
	for _, s := range m.secs {
		raw := make([]byte, (len(s.data)+imgFileAlign-1)&^(imgFileAlign-1))
		copy(raw, s.data)
		out = append(out, raw...)
	}
	return append(out, m.tail...)
}

// importSet is a set of DLLs and functions to import, and how to write
// its tables into a section: order lists the parts ("names", "desc",
// "ilt", "iat", or "gap" for gap bytes of filler) in file order.
type importSet struct {
	dlls  []string
	nfn   int // functions per DLL, all by name, plus one by ordinal
	delay bool
	order []string
	gap   int
}

// write writes the tables into s and returns the directory's RVA and size.
func (is importSet) write(m *img, s *isec) (uint32, uint32) {
	esize := 4
	if m.is64 {
		esize = 8
	}
	dsize := importDescSize
	if is.delay {
		dsize = delayDescSize
	}
	n := len(is.dlls)
	var desc uint32
	ilt, iat := make([]uint32, n), make([]uint32, n)
	names := make([]uint32, n)
	hints := make([][]uint32, n)
	for _, part := range is.order {
		switch part {
		case "gap":
			s.filler(is.gap)
		case "desc":
			desc = s.reserve(dsize * (n + 1))
		case "ilt", "iat":
			for i := range n {
				r := s.reserve(esize * (is.nfn + 2))
				if part == "ilt" {
					ilt[i] = r
				} else {
					iat[i] = r
				}
			}
		case "names":
			for i, dll := range is.dlls {
				names[i] = s.str(dll)
				for j := range is.nfn {
					hints[i] = append(hints[i], s.hintName(uint16(j), fmt.Sprintf("?function_%d@%s@@YAXPEAX@Z", j, strings.TrimSuffix(dll, ".dll"))))
				}
			}
		}
	}
	for i := range n {
		for _, tbl := range []uint32{ilt[i], iat[i]} {
			for j, h := range hints[i] {
				if m.is64 {
					s.set64(tbl+uint32(8*j), uint64(h))
				} else {
					s.set32(tbl+uint32(4*j), h)
				}
			}
			at := tbl + uint32(esize*is.nfn)
			if m.is64 {
				s.set64(at, 1<<63|uint64(i+1))
			} else {
				s.set32(at, 1<<31|uint32(i+1))
			}
		}
		d := desc + uint32(dsize*i)
		if is.delay {
			s.set32(d, 1)
			s.set32(d+4, names[i])
			s.set32(d+12, iat[i])
			s.set32(d+16, ilt[i])
		} else {
			s.set32(d, ilt[i])
			s.set32(d+12, names[i])
			s.set32(d+16, iat[i])
		}
	}
	return desc, uint32(dsize * (n + 1))
}

// writeExports writes an export directory of n functions into s: every
// 50th has no name and every 100th is forwarded. With namesFirst, the
// name strings come gap bytes before the directory and its tables.
func writeExports(s *isec, code uint32, n int, namesFirst bool, gap int) (uint32, uint32) {
	var nameRVAs []uint32
	var slotOf []uint16
	writeNames := func() {
		for i := range n {
			if i%50 != 49 {
				nameRVAs = append(nameRVAs, s.str(fmt.Sprintf("PyInit_export_%05d", i)))
				slotOf = append(slotOf, uint16(i))
			}
		}
	}
	if namesFirst {
		writeNames()
		s.filler(gap)
	}
	dir := s.reserve(exportDirSize)
	eat := s.reserve(4 * n)
	nnames := n - n/50
	ptrs := s.reserve(4 * nnames)
	ords := s.reserve(2 * nnames)
	dllName := s.str("big.dll")
	if !namesFirst {
		writeNames()
	}
	for i := range n {
		rva := code + uint32(16*i)
		if i%100 == 99 {
			rva = s.str(fmt.Sprintf("OTHER.target_%d", i))
		}
		s.set32(eat+uint32(4*i), rva)
	}
	for i, r := range nameRVAs {
		s.set32(ptrs+uint32(4*i), r)
		s.set16(ords+uint32(2*i), slotOf[i])
	}
	s.set32(dir+12, dllName)
	s.set32(dir+16, 1)
	s.set32(dir+20, uint32(n))
	s.set32(dir+24, uint32(nnames))
	s.set32(dir+28, eat)
	s.set32(dir+32, ptrs)
	s.set32(dir+36, ords)
	return dir, uint32(len(s.data)) + s.va - dir
}

// writeLoadConfig writes a load configuration directory with
// DependentLoadFlags 0x800.
func writeLoadConfig(s *isec, is64 bool) (uint32, uint32) {
	lc := s.reserve(0x140)
	s.set32(lc, 0x140)
	if is64 {
		s.set16(lc+78, 0x800)
	} else {
		s.set16(lc+54, 0x800)
	}
	return lc, 0x140
}

// bigLayout builds a PE image shaped like a large extension DLL: lead
// bytes of code, then .rdata with the directories gap bytes apart, .data,
// and a signature and overlay. kind chooses where the tables lie:
//
//   - "msvc": every table after what points to it, as link.exe and GNU ld
//     lay them out;
//   - "backward": names and strings before the tables that point to them,
//     far apart, so that the first pass misses them;
//   - "go": the imports in a small .idata section written the way Go's
//     linker writes it (names, lookup tables, address tables, then the
//     descriptors).
func bigLayout(is64 bool, kind string, lead, gap, nfn, nexp int) []byte {
	m := &img{is64: is64, imageBase: 0x10000000}
	if is64 {
		m.imageBase = 0x180000000
	}
	text := m.section(".text")
	text.filler(lead)
	rdata := m.section(".rdata")
	imps := importSet{dlls: []string{"KERNEL32.dll", "c10.dll", "python312.dll", "VCRUNTIME140.dll"}, nfn: nfn, gap: gap}
	delay := importSet{dlls: []string{"cudart64_12.dll", "nvToolsExt64_1.dll"}, nfn: nfn / 10, delay: true, gap: gap}
	switch kind {
	case "msvc":
		imps.order = []string{"iat", "gap", "desc", "ilt", "names"}
		delay.order = []string{"desc", "iat", "ilt", "names"}
		rdata.filler(gap)
		m.dirs[dirLoadConfig][0], m.dirs[dirLoadConfig][1] = writeLoadConfig(rdata, is64)
		rdata.filler(gap)
		m.dirs[dirExport][0], m.dirs[dirExport][1] = writeExports(rdata, text.va, nexp, false, gap)
		rdata.filler(gap)
		m.dirs[dirImport][0], m.dirs[dirImport][1] = imps.write(m, rdata)
		rdata.filler(gap)
		m.dirs[dirDelayImport][0], m.dirs[dirDelayImport][1] = delay.write(m, rdata)
		rdata.filler(gap)
	case "backward":
		imps.order = []string{"names", "gap", "desc", "ilt", "iat"}
		delay.order = []string{"names", "gap", "desc", "ilt", "iat"}
		rdata.filler(gap)
		m.dirs[dirImport][0], m.dirs[dirImport][1] = imps.write(m, rdata)
		rdata.filler(gap)
		m.dirs[dirExport][0], m.dirs[dirExport][1] = writeExports(rdata, text.va, nexp, true, gap)
		rdata.filler(gap)
		m.dirs[dirDelayImport][0], m.dirs[dirDelayImport][1] = delay.write(m, rdata)
		rdata.filler(gap)
		m.dirs[dirLoadConfig][0], m.dirs[dirLoadConfig][1] = writeLoadConfig(rdata, is64)
	case "go":
		rdata.filler(gap)
		m.dirs[dirExport][0], m.dirs[dirExport][1] = writeExports(rdata, text.va, nexp, false, gap)
		rdata.filler(gap)
		// Go binaries import a few dozen functions; this .idata still
		// spans several cache blocks but stays under specSection.
		idata := m.section(".idata")
		imps.nfn = nfn / 5
		imps.order = []string{"names", "ilt", "iat", "desc"}
		m.dirs[dirImport][0], m.dirs[dirImport][1] = imps.write(m, idata)
	default:
		panic(kind)
	}
	data := m.section(".data")
	data.filler(0x3000)
	end := m.fileOff(len(m.secs))
	m.dirs[dirSecurity] = [2]uint32{uint32(end + 0x100), 0x1800}
	m.tail = make([]byte, 0x100+0x1800)
	return m.build()
}

// synthFiles returns the synthetic files the package's tests build, and
// the large layouts above, each with the number of streaming passes it
// may need.
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
	var out []sf
	for _, is64 := range []bool{false, true} {
		s, _ := typical(is64)
		out = append(out, sf{fmt.Sprintf("typical is64=%v", is64), s.build(), 1})
		s, _ = typical(is64)
		if is64 {
			s.imageBase = 0x10000000
		}
		oldDelay(s)
		out = append(out, sf{fmt.Sprintf("old delay is64=%v", is64), s.build(), 1})
	}
	for _, bi := range badInputs() {
		data := bi.data()
		if bi.name == "section raw data past end of file" {
			data = data[:0x200+0x80]
		}
		out = append(out, sf{"bad input " + bi.name, data, 1})
	}
	for _, is64 := range []bool{false, true} {
		for _, kind := range []struct {
			name   string
			passes int
		}{{"msvc", 1}, {"go", 1}, {"backward", 2}} {
			data := bigLayout(is64, kind.name, 3<<20, 96<<10, 1500, 4000)
			out = append(out, sf{fmt.Sprintf("%s layout is64=%v", kind.name, is64), data, kind.passes})
		}
	}
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
			if strings.Contains(sf.name, "layout") {
				f, err := NewFile(bytes.NewReader(sf.data), int64(len(sf.data)))
				if err != nil || len(f.Imports) == 0 || len(f.Exports) < 4000 || f.DependentLoadFlags == 0 && !strings.HasPrefix(sf.name, "go") {
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

// TestRegionsCorpus streams every PE file of the corpus.
func TestRegionsCorpus(t *testing.T) {
	streamtest.CheckCorpus(t, corpusPEs(t), plan, NewFile)
}

// TestRegionsBudget checks the file Regions gives up on: 2000
// descriptors sharing one 2000-entry lookup table, in a file large enough
// that NewFile's own limit lets it decode more functions than Regions
// will. Regions must return the whole file, quickly.
func TestRegionsBudget(t *testing.T) {
	var data []byte
	for _, bi := range badInputs() {
		if bi.name == "one thunk table shared by many descriptors" {
			data = append(bi.data(), make([]byte, 4<<20)...) // overlay
		}
	}
	size := int64(len(data))
	var rs []Region
	alloc := streamtest.Allocated(func() { rs = Regions(bytes.NewReader(data), size) })
	if !reflect.DeepEqual(rs, []Region{{0, size}}) {
		t.Errorf("Regions = %+v, want the whole file", rs)
	}
	if alloc > 64<<20 {
		t.Errorf("allocated %d bytes", alloc)
	}
	f, err := NewFile(bytes.NewReader(data), size)
	n := 0
	for _, imp := range f.Imports {
		n += len(imp.Functions)
	}
	if n <= planThunks || !strings.Contains(streamtest.ErrText(err), "too many imported functions") {
		t.Fatalf("NewFile decodes %d functions (%v); the test needs more than %d", n, err, planThunks)
	}
	checkStreaming(t, "shared lookup table", data, 1)
}

// TestRegionsBad checks Regions on truncated and lying files, and on
// readers that hold little or nothing: it must not panic, must allocate
// little, and must return ranges within the file.
func TestRegionsBad(t *testing.T) {
	le := binary.LittleEndian
	s, _ := typical(true)
	good := s.build()
	patch := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	opt := 0x80 + 24
	dd := opt + 112
	huge := int64(1) << 40
	tests := []struct {
		name string
		r    io.ReaderAt
		size int64
	}{
		{"empty", bytes.NewReader(nil), 0},
		{"negative size", bytes.NewReader(good), -1},
		{"nil reader", nil, 100},
		{"failing reader", streamtest.FailReader{}, 1 << 30},
		{"DOS header only", bytes.NewReader(good[:64]), int64(len(good))},
		{"truncated DOS header", bytes.NewReader(good[:30]), 30},
		{"truncated PE header", bytes.NewReader(good[:0x90]), 0x90},
		{"truncated optional header", bytes.NewReader(good[:0x100]), 0x100},
		{"truncated section table", bytes.NewReader(good[:opt+240+20]), int64(len(good))},
		{"reader shorter than size", bytes.NewReader(good[:0x180]), huge},
		{"size beyond the data", bytes.NewReader(good), huge},
		{"e_lfanew far", bytes.NewReader(patch(func(b []byte) { le.PutUint32(b[0x3c:], 0x7ffffff0) })), huge},
		{"e_lfanew past end", bytes.NewReader(patch(func(b []byte) { le.PutUint32(b[0x3c:], 0xfffffff0) })), int64(len(good))},
		{"65535 sections", bytes.NewReader(patch(func(b []byte) { le.PutUint16(b[0x86:], 0xffff) })), int64(len(good))},
		{"65535 sections, size beyond the data", bytes.NewReader(patch(func(b []byte) { le.PutUint16(b[0x86:], 0xffff) })), huge},
		{"optional header 65535 bytes", bytes.NewReader(patch(func(b []byte) { le.PutUint16(b[0x80+20:], 0xffff) })), huge},
		{"directories far away", bytes.NewReader(patch(func(b []byte) {
			for i := range 16 {
				le.PutUint32(b[dd+8*i:], 0xfff00000)
				le.PutUint32(b[dd+8*i+4:], 0xffffffff)
			}
		})), int64(len(good))},
		{"directory sizes 4 GiB", bytes.NewReader(patch(func(b []byte) {
			for i := range 16 {
				le.PutUint32(b[dd+8*i+4:], 0xffffffff)
			}
		})), huge},
		{"section of 4 GiB", bytes.NewReader(patch(func(b []byte) {
			sh := opt + 240
			le.PutUint32(b[sh+8:], 0xffffffff)
			le.PutUint32(b[sh+16:], 0xffffffff)
		})), huge},
		{"many exports", bytes.NewReader(patch(func(b []byte) {
			d := 0x200 + int(s.dirs[dirExport][0]-synthVA)
			le.PutUint32(b[d+20:], 1<<16)
			le.PutUint32(b[d+24:], 1<<16)
		})), huge},
		{"too many exports", bytes.NewReader(patch(func(b []byte) {
			d := 0x200 + int(s.dirs[dirExport][0]-synthVA)
			le.PutUint32(b[d+20:], 1<<30)
		})), int64(len(good))},
	}
	for _, bi := range badInputs() {
		data := bi.data()
		tests = append(tests, struct {
			name string
			r    io.ReaderAt
			size int64
		}{"bad input " + bi.name, bytes.NewReader(data), int64(len(data))})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rs []Region
			alloc := streamtest.Allocated(func() { rs = Regions(tt.r, tt.size) })
			streamtest.CheckRanges(t, artifact.RangesOf(rs), max(tt.size, 0))
			if alloc > 8<<20 {
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

// TestReaderErrorWrapped checks that NewFile returns the reader's own
// error, wrapped, wherever the read fails, also after a *FormatError in
// the same directory, and never a partial File.
func TestReaderErrorWrapped(t *testing.T) {
	const far = 40 << 10 // puts what follows in another cache block
	// build returns a file and the file offset of the bytes to fail.
	type build func() ([]byte, int64)
	fileOff := func(rva uint32) int64 { return int64(0x200 + rva - synthVA) }
	tests := []struct {
		name string
		b    build
	}{
		{"DOS header", func() ([]byte, int64) { s, _ := typical(true); return s.build(), 0 }},
		{"import name", func() ([]byte, int64) {
			s, _ := typical(true)
			imp := s.u32s(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
			s.put(make([]byte, far))
			ilt := s.thunks(s.ordinal(1))
			name := s.str("far.dll")
			le.PutUint32(s.sec[imp-synthVA:], ilt)
			le.PutUint32(s.sec[imp-synthVA+12:], name)
			le.PutUint32(s.sec[imp-synthVA+16:], ilt)
			s.dirs[dirImport] = [2]uint32{imp, 40}
			return s.build(), fileOff(name)
		}},
		{"import name after a bad descriptor", func() ([]byte, int64) {
			s, _ := typical(true)
			imp := s.u32s(0, 0, 0, 0x7fff0000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
			s.put(make([]byte, far))
			ilt := s.thunks(s.ordinal(1))
			name := s.str("far.dll")
			le.PutUint32(s.sec[imp-synthVA:], ilt)
			le.PutUint32(s.sec[imp-synthVA+16:], ilt)
			le.PutUint32(s.sec[imp-synthVA+20:], ilt)
			le.PutUint32(s.sec[imp-synthVA+32:], name)
			le.PutUint32(s.sec[imp-synthVA+36:], ilt)
			s.dirs[dirImport] = [2]uint32{imp, 60}
			return s.build(), fileOff(name)
		}},
		{"lookup table after a bad descriptor", func() ([]byte, int64) {
			s, _ := typical(true)
			name := s.str("near.dll")
			imp := s.u32s(0, 0, 0, 0x7fff0000, 0, 0, 0, 0, name, 0, 0, 0, 0, 0, 0)
			s.put(make([]byte, far))
			ilt := s.thunks(s.ordinal(1))
			le.PutUint32(s.sec[imp-synthVA+16:], ilt)
			le.PutUint32(s.sec[imp-synthVA+20:], ilt)
			le.PutUint32(s.sec[imp-synthVA+36:], ilt)
			s.dirs[dirImport] = [2]uint32{imp, 60}
			return s.build(), fileOff(ilt)
		}},
		{"delay import name after a bad descriptor", func() ([]byte, int64) {
			s, _ := typical(true)
			d := s.u32s(0, 0x10, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
			s.put(make([]byte, far))
			name := s.str("far.dll")
			le.PutUint32(s.sec[d-synthVA+36:], name)
			s.dirs[dirDelayImport] = [2]uint32{d, 96}
			return s.build(), fileOff(name)
		}},
		{"export tables after a bad export name", func() ([]byte, int64) {
			s, _ := typical(true)
			d := s.dirs[dirExport][0] - synthVA
			le.PutUint32(s.sec[d+12:], 0x7fff0000)
			s.put(make([]byte, far))
			eat := s.u32s(0x1000)
			le.PutUint32(s.sec[d+20:], 1)
			le.PutUint32(s.sec[d+24:], 0)
			le.PutUint32(s.sec[d+28:], eat)
			return s.build(), fileOff(eat)
		}},
		{"export name", func() ([]byte, int64) {
			s, _ := typical(true)
			d := s.dirs[dirExport][0] - synthVA
			s.put(make([]byte, far))
			name := s.str("far.dll")
			le.PutUint32(s.sec[d+12:], name)
			return s.build(), fileOff(name)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, off := tt.b()
			if _, err := NewFile(bytes.NewReader(data), int64(len(data))); err != nil && !strings.Contains(tt.name, "bad") {
				t.Fatalf("whole file: %v", err)
			}
			f, err := NewFile(streamtest.HoleReader{Data: data, Lo: off, Hi: off + 1}, int64(len(data)))
			var he *streamtest.HoleError
			var fe *FormatError
			if f != nil || !errors.As(err, &he) || errors.As(err, &fe) {
				t.Fatalf("NewFile = %v, %v; want nil and the reader's error", f != nil, err)
			}
			// A sparse reader's missing range, likewise.
			sp := streamtest.Keep(t, data, []artifact.Range{{Off: 0, Len: off}, {Off: off + 1, Len: int64(len(data))}})
			var miss *artifact.MissingError
			if f, err := NewFile(sp, int64(len(data))); f != nil || !errors.As(err, &miss) {
				t.Fatalf("sparse: NewFile = %v, %v; want nil and an *artifact.MissingError", f != nil, err)
			}
		})
	}
}

// FuzzRegions checks Regions on arbitrary bytes, read whole and through a
// reader that holds only a prefix: it must not panic, and must return
// sorted, merged ranges within the file. For the whole file, every byte
// NewFile reads must lie in those ranges.
func FuzzRegions(f *testing.F) {
	for _, is64 := range []bool{false, true} {
		s, _ := typical(is64)
		f.Add(s.build(), uint16(0x200))
	}
	for _, bi := range badInputs() {
		f.Add(bi.data(), uint16(0x100))
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		streamtest.FuzzPlan(t, data, cut, plan, NewFile)
	})
}
