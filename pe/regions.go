package pe

import (
	"io"
	"slices"

	"github.com/libvet/libvet/internal/binio"
)

// Region is a byte range of a file: Len bytes starting at offset Off.
type Region struct {
	Off, Len int64
}

// Limits of the ranges [Regions] returns ahead of need.
const (
	// specSection: a section holding the import or delay-import directory
	// is kept whole when its raw data is at most this large (a dedicated
	// .idata section, or the .rdata of a small extension), so that tables
	// placed before the directory, as Go's linker places them, are kept
	// before the stream passes them.
	specSection = 256 << 10
	// specDir bounds how much of the export directory's declared range
	// (its tables and strings) is kept as soon as the headers are read.
	specDir = 16 << 20

	// planThunks and planNames cap the import descriptors and functions,
	// and the bytes of names, one call of Regions decodes: NewFile's own
	// limits grow with the file size, and a caller calls Regions many
	// times per file. Real DLLs stay far below them.
	planThunks = 1 << 18
	planNames  = 64 << 20
)

// Regions returns, sorted and merged, the byte ranges of a file of the
// given size that [NewFile] reads and that can be located from the bytes
// r holds now. r may hold only part of the file: a read of bytes it does
// not hold may fail with any error, or return fewer bytes.
//
// Regions is for reading a compressed archive member in one streaming
// pass while keeping only what NewFile needs. Each call locates what it
// can from what r holds: from the DOS header, the PE headers and section
// table; from those, the data directories NewFile decodes (import, delay
// import, export and load configuration; the CLR header and certificate
// table are only located, never read); from the directories, once r holds
// them, the tables they point to (lookup tables, hint/name entries, DLL
// names, the export address, name and ordinal tables, export names and
// forwarders), wherever they lie. A caller that keeps what Regions
// returns, and asks again each time more of the file is held, ends up
// holding every byte NewFile reads; NewFile then decodes the same File
// from those ranges as from the whole file.
//
// NewFile reads through a cache of 16 KiB blocks, so the ranges are whole
// blocks (the last one ends at size). Beyond what NewFile reads, Regions
// also returns, as soon as the headers are held, the export directory's
// declared range (at most 16 MiB) and the whole section holding the
// import or delay-import directory when it is at most 256 KiB, so that
// tables placed before the directory in the file are kept before a
// streaming reader has passed them.
//
// Regions never fails and never panics: for a malformed file it returns
// what it could locate (NewFile reports the error). It decodes with
// NewFile's own code and limits, treating bytes r does not hold as zeros,
// so it allocates in proportion to what it reads, never to a count or
// size read from the file. Because callers call it many times per file,
// it also stops after 2^18 import descriptors and functions or 64 MiB of
// names, far more than any real DLL has; a file that needs more (import
// tables shared by thousands of descriptors, say) gets the whole file as
// its one range, which holds whatever NewFile reads. Every range lies
// within [0, size).
func Regions(r io.ReaderAt, size int64) []Region {
	if size <= 0 || r == nil {
		return nil
	}
	pr := &planReader{r: r, size: size, blocks: make(map[int64]struct{})}
	thunks, names := size/4+16, 2*size+64<<10 // NewFile's limits
	d := &decoder{
		rd:        reader{r: pr, size: size},
		strs:      make(map[uint64]string),
		strBudget: min(names, planNames),
		thunks:    min(thunks, planThunks),
	}
	func() {
		defer func() { _ = recover() }() // NewFile reports the same problem
		_, _ = d.decode()
		if d.f != nil && d.spans != nil {
			d.lookAhead(pr)
		}
	}()
	if d.thunks < 0 && thunks > planThunks || d.strBudget < 0 && names > planNames {
		// NewFile may decode further than Regions did: only the whole
		// file is sure to hold what it reads.
		return []Region{{Off: 0, Len: size}}
	}
	return pr.regions()
}

// lookAhead marks the ranges Regions keeps ahead of need once the headers
// and section table are known (see Regions).
func (d *decoder) lookAhead(pr *planReader) {
	// The file range of n bytes at rva, clipped to its span's raw data.
	mark := func(rva, n uint64) {
		s, ok := d.spans.find(rva)
		if !ok || rva-s.va >= s.raw {
			return
		}
		rel := rva - s.va
		pr.mark(s.off+int64(rel), int64(min(n, s.raw-rel)))
	}
	for _, i := range []int{dirImport, dirDelayImport} {
		dir := d.dirs[i]
		if dir.va == 0 {
			continue
		}
		if s, ok := d.spans.find(uint64(dir.va)); ok && s.raw <= specSection {
			pr.mark(s.off, int64(s.raw))
		}
		mark(uint64(dir.va), uint64(dir.size))
	}
	if dir := d.dirs[dirExport]; dir.va != 0 {
		mark(uint64(dir.va), min(uint64(dir.size), specDir))
	}
	if dir := d.dirs[dirLoadConfig]; dir.va != 0 {
		field := uint64(54)
		if d.f.Is64 {
			field = 78
		}
		mark(uint64(dir.va)+field, 2)
	}
}

// planReader is the io.ReaderAt Regions decodes through: it records which
// blocks each read touches, and reads the bytes the underlying reader does
// not hold as zeros. Zeros end every list NewFile walks (descriptor lists,
// lookup tables, names), so decoding stops where the held data stops, and
// the block it stopped at is recorded.
type planReader struct {
	r      io.ReaderAt
	size   int64
	blocks map[int64]struct{} // indexes of the blocks read
}

// ReadAt implements io.ReaderAt. It never fails within the file.
func (pr *planReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= pr.size {
		return 0, io.EOF
	}
	n := len(p)
	if int64(n) > pr.size-off {
		n = int(pr.size - off)
	}
	pr.mark(off, int64(n))
	m, _ := pr.r.ReadAt(p[:n], off)
	m = max(0, min(m, n))
	clear(p[m:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// mark records the blocks holding the n bytes at off, clipped to the
// file.
func (pr *planReader) mark(off, n int64) {
	if off < 0 || n <= 0 || off >= pr.size {
		return
	}
	n = min(n, pr.size-off)
	for b := off >> blockShift; b <= (off+n-1)>>blockShift; b++ {
		pr.blocks[b] = struct{}{}
	}
}

// regions returns the recorded blocks as sorted, merged ranges within the
// file.
func (pr *planReader) regions() []Region {
	if len(pr.blocks) == 0 {
		return nil
	}
	out := make([]Region, 0, len(pr.blocks))
	for b := range pr.blocks {
		off := b << blockShift
		out = append(out, Region{Off: off, Len: min(pr.size, off+1<<blockShift) - off})
	}
	return slices.Clip(binio.MergeRanges(out))
}
