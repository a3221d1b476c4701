// Package streamtest checks a parser's streaming planner (pe.Regions,
// macho.Regions) the way audit uses it: a compressed member streams by
// once through artifact.RetainMore, keeping the first 64 KiB and what the
// planner locates each time a kept range is complete; if the parser then
// still lacks bytes, a second pass keeps what the first held plus what
// the planner finds in it. It is a test helper shared by the parser
// packages' tests.
package streamtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"sort"
	"testing"

	"github.com/libvet/libvet/artifact"
	"github.com/libvet/libvet/internal/corpustest"
)

// Plan is a planner with its ranges converted to artifact.Range.
type Plan func(r io.ReaderAt, size int64) []artifact.Range

// Keep returns a reader that holds only ranges of data (clipped and
// merged), like a streamed member; reads of other bytes fail with an
// *artifact.MissingError.
func Keep(tb testing.TB, data []byte, ranges []artifact.Range) *artifact.Sparse {
	tb.Helper()
	sp, err := artifact.Retain(bytes.NewReader(data), int64(len(data)), ranges)
	if err != nil {
		tb.Fatal(err)
	}
	return sp
}

// CheckRanges fails the test unless rs is sorted, merged, non-empty
// ranges within [0, size).
func CheckRanges(tb testing.TB, rs []artifact.Range, size int64) {
	tb.Helper()
	for i, r := range rs {
		if r.Off < 0 || r.Len <= 0 || r.Off > size-r.Len {
			tb.Fatalf("range %d %+v outside a %d-byte file", i, r, size)
		}
		if i > 0 && r.Off <= rs[i-1].Off+rs[i-1].Len {
			tb.Fatalf("ranges %+v and %+v not sorted and merged", rs[i-1], r)
		}
	}
}

// Covered reports whether rs (sorted, merged) holds [off, off+n).
func Covered(rs []artifact.Range, off, n int64) bool {
	i := sort.Search(len(rs), func(i int) bool { return rs[i].Off+rs[i].Len > off })
	return n == 0 || i < len(rs) && rs[i].Off <= off && off+n <= rs[i].Off+rs[i].Len
}

// Recorder is an io.ReaderAt that records the ranges read.
type Recorder struct {
	R     io.ReaderAt
	Reads []artifact.Range
}

// ReadAt implements io.ReaderAt.
func (r *Recorder) ReadAt(p []byte, off int64) (int, error) {
	r.Reads = append(r.Reads, artifact.Range{Off: off, Len: int64(len(p))})
	return r.R.ReadAt(p, off)
}

// Result is the outcome of a simulated streaming read.
type Result struct {
	Sparse *artifact.Sparse
	Passes int // 1, or 2 if the first pass was not enough
	Calls  int // calls of the planner
}

// Simulate streams data the way audit does; parse is the parser, whose
// *artifact.MissingError asks for the second pass (which does not call
// the planner again: the stricter of the ways a caller can do it).
func Simulate(tb testing.TB, data []byte, plan Plan, parse func(io.ReaderAt, int64) error) Result {
	tb.Helper()
	size := int64(len(data))
	calls := 0
	more := func(s *artifact.Sparse) []artifact.Range {
		calls++
		rs := plan(s, size)
		CheckRanges(tb, rs, size)
		return rs
	}
	head := []artifact.Range{{Off: 0, Len: min(size, 64<<10)}}
	sp, err := artifact.RetainMore(bytes.NewReader(data), size, head, more)
	if err != nil {
		tb.Fatal(err)
	}
	var miss *artifact.MissingError
	if !errors.As(parse(sp, size), &miss) {
		return Result{sp, 1, calls}
	}
	return Result{Keep(tb, data, append(sp.Ranges(), more(sp)...)), 2, calls}
}

// ErrText is err's message, "" for nil.
func ErrText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Check checks a planner on data: every byte newFile reads lies in the
// plan of the whole file; a reader holding just those ranges, and one
// built by the simulated streaming read, decode to exactly what the whole
// file decodes to; and the streaming read needed at most maxPasses
// passes.
func Check[F any](t *testing.T, name string, data []byte, maxPasses int, plan Plan, newFile func(io.ReaderAt, int64) (F, error)) Result {
	t.Helper()
	size := int64(len(data))
	rec := &Recorder{R: bytes.NewReader(data)}
	want, wantErr := newFile(rec, size)
	full := plan(bytes.NewReader(data), size)
	CheckRanges(t, full, size)
	for _, r := range rec.Reads {
		if !Covered(full, r.Off, min(r.Len, size-r.Off)) {
			t.Errorf("%s: NewFile reads %+v, outside Regions %+v", name, r, full)
			break
		}
	}
	got, err := newFile(Keep(t, data, full), size)
	if !reflect.DeepEqual(got, want) || ErrText(err) != ErrText(wantErr) {
		t.Errorf("%s: from Regions of the whole file: %v; want %v", name, err, wantErr)
	}

	parse := func(r io.ReaderAt, size int64) error { _, err := newFile(r, size); return err }
	res := Simulate(t, data, plan, parse)
	got, err = newFile(res.Sparse, size)
	var miss *artifact.MissingError
	switch {
	case errors.As(err, &miss):
		t.Errorf("%s: still missing bytes after %d passes: %v", name, res.Passes, err)
	case ErrText(err) != ErrText(wantErr):
		t.Errorf("%s: streamed: error %v, want %v", name, err, wantErr)
	case !reflect.DeepEqual(got, want):
		t.Errorf("%s: streamed: decoded\n%+v\nwant\n%+v", name, got, want)
	}
	if res.Passes > maxPasses {
		t.Errorf("%s: %d passes, want at most %d", name, res.Passes, maxPasses)
	}
	return res
}

// CheckCorpus runs Check on every file (at most two passes each) and logs
// how much of the files the streaming reads kept.
func CheckCorpus[F any](t *testing.T, files []corpustest.File, plan Plan, newFile func(io.ReaderAt, int64) (F, error)) {
	t.Helper()
	passes := map[int]int{}
	var total, kept int64
	for _, c := range files {
		res := Check(t, c.Name, c.Data, 2, plan, newFile)
		passes[res.Passes]++
		total += int64(len(c.Data))
		kept += res.Sparse.Retained()
		if len(c.Data) >= 1<<20 {
			t.Logf("%s: %d bytes, %d passes, %d Regions calls, retained %.1f%%", c.Name, len(c.Data), res.Passes, res.Calls, 100*float64(res.Sparse.Retained())/float64(len(c.Data)))
		}
	}
	t.Logf("%d files, passes %v, retained %.1f%% of %d bytes", len(files), passes, 100*float64(kept)/float64(total), total)
}

// FuzzPlan is the body of a planner's fuzz test, run on arbitrary bytes
// read whole and through a reader that holds only their first cut bytes:
// the planner must not panic, and must return sorted, merged ranges
// within the file; for the whole file, every byte newFile reads must lie
// in those ranges.
func FuzzPlan[F any](t *testing.T, data []byte, cut uint16, plan Plan, newFile func(io.ReaderAt, int64) (F, error)) {
	t.Helper()
	size := int64(len(data))
	rs := plan(bytes.NewReader(data), size)
	CheckRanges(t, rs, size)
	rec := &Recorder{R: bytes.NewReader(data)}
	_, _ = newFile(rec, size)
	for _, r := range rec.Reads {
		if n := min(r.Len, size-r.Off); !Covered(rs, r.Off, n) {
			t.Fatalf("NewFile reads %+v, outside Regions %+v", r, rs)
		}
	}
	part := data[:min(int(cut), len(data))]
	CheckRanges(t, plan(bytes.NewReader(part), size), size)
	CheckRanges(t, plan(bytes.NewReader(part), size+int64(cut)<<20), size+int64(cut)<<20)
}

// Allocated returns the bytes allocated while f runs.
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// HoleError is the error a [HoleReader] returns: a type of the caller's
// own, which a parser must pass on (wrapped) rather than replace.
type HoleError struct{ Off int64 }

func (e *HoleError) Error() string { return fmt.Sprintf("byte %d not available", e.Off) }

// HoleReader reads Data but fails every read that touches [Lo, Hi).
type HoleReader struct {
	Data   []byte
	Lo, Hi int64
}

// ReadAt implements io.ReaderAt.
func (r HoleReader) ReadAt(p []byte, off int64) (int, error) {
	if off < r.Hi && off+int64(len(p)) > r.Lo {
		n := 0
		if off < r.Lo {
			n = copy(p, r.Data[off:r.Lo])
		}
		return n, &HoleError{Off: max(off, r.Lo)}
	}
	return bytes.NewReader(r.Data).ReadAt(p, off)
}

// FailReader fails every read.
type FailReader struct{}

// ReadAt implements io.ReaderAt.
func (FailReader) ReadAt([]byte, int64) (int, error) { return 0, errors.New("no data") }
