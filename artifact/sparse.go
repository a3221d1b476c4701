package artifact

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"

	"github.com/libvet/libvet/internal/binio"
)

// Range is a byte range [Off, Off+Len) of a stream.
type Range struct{ Off, Len int64 }

// RangesOf converts the byte ranges a parser plans (elf.Region,
// pe.Region, macho.Region: any struct of Off and Len) to Ranges.
func RangesOf[R ~struct{ Off, Len int64 }](rs []R) []Range {
	out := make([]Range, len(rs))
	for i, r := range rs {
		out[i] = Range(r)
	}
	return out
}

// Sparse holds selected byte ranges of a stream of known size, kept by
// [Retain]. It is an io.ReaderAt over the whole stream that fails with a
// [*MissingError] for bytes it did not keep. It is safe for concurrent
// use.
type Sparse struct {
	size     int64
	segs     []segment // sorted, not overlapping (ranges added while streaming may touch)
	retained int64
}

type segment struct {
	off  int64
	data []byte
}

func (s segment) end() int64 { return s.off + int64(len(s.data)) }

// MissingError reports a read of bytes that [Retain] did not keep. Off
// and Len span every missing byte of the request, so retaining that
// range as well is enough for the read to succeed.
type MissingError struct{ Off, Len int64 }

// Error returns "bytes OFF to END (LEN bytes) were not retained".
func (e *MissingError) Error() string {
	return fmt.Sprintf("bytes %d to %d (%d bytes) were not retained", e.Off, e.Off+e.Len, e.Len)
}

var retainBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// Retain reads r to EOF, exactly once, and keeps only the bytes inside
// keep. Ranges are clipped to [0, size) and merged; the memory held is at
// most the sum of their lengths, and for ranges over 64 MiB grows only as
// the stream delivers the bytes. A stream shorter than size is an
// [ErrTruncated] error and a longer one an [ErrBomb] error; errors from r
// are returned as they are.
//
// Retain is for parsing a large compressed member (an ELF file whose
// headers, dynamic section and symbol tables are a small part of it)
// without holding all of it: parse the headers from a first Retain, then
// retain what they point to in a second pass over a new [Member.Open].
func Retain(r io.Reader, size int64, keep []Range) (*Sparse, error) {
	return RetainMore(r, size, keep, nil)
}

// RetainMore is [Retain] that can keep more as it goes: each time a kept
// range is complete, more (when not nil) is called with what is kept so
// far, and the ranges it returns are kept too, from the end of the range
// just completed on (bytes already streamed past are gone). It lets a
// parser locate tables from headers it has just seen (an ELF file's
// dynamic section points to its symbol tables) within the same single
// pass.
func RetainMore(r io.Reader, size int64, keep []Range, more func(*Sparse) []Range) (*Sparse, error) {
	if size < 0 {
		return nil, errors.New("artifact: Retain: negative size")
	}
	ranges := mergeRanges(keep, size)
	s := &Sparse{size: size}
	bp := retainBufs.Get().(*[]byte)
	defer retainBufs.Put(bp)
	buf := *bp
	var pos int64
	next := 0 // first range not yet complete
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if int64(n) > size-pos {
				return nil, reasonf(ErrBomb, "stream is longer than its declared size %d", size)
			}
			start, end := pos, pos+int64(n)
			for next < len(ranges) && ranges[next].Off < end {
				rg := ranges[next]
				if len(s.segs) == next {
					// A range is allocated at once up to 64 MiB; past that,
					// memory grows with the bytes that really arrive, not
					// with what a (possibly lying) header asked for.
					s.segs = append(s.segs, segment{off: rg.Off, data: make([]byte, 0, min(rg.Len, 64<<20))})
				}
				lo, hi := max(rg.Off, start), min(rg.Off+rg.Len, end)
				s.segs[next].data = append(s.segs[next].data, buf[lo-start:hi-start]...)
				s.retained += hi - lo
				if rg.Off+rg.Len > end {
					break
				}
				next++
				if more != nil {
					ranges = growRanges(ranges, next, rg.Off+rg.Len, more(s), size)
				}
			}
			pos = end
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if pos < size {
		return nil, reasonf(ErrTruncated, "stream ends after %d of its declared %d bytes", pos, size)
	}
	return s, nil
}

// growRanges adds extra to the ranges not yet started (ranges[next:]),
// clipped to start at from.
func growRanges(ranges []Range, next int, from int64, extra []Range, size int64) []Range {
	if len(extra) == 0 {
		return ranges
	}
	pending := slices.Clone(ranges[next:])
	for _, r := range extra {
		if end := r.Off + r.Len; end > from {
			r.Off = max(r.Off, from)
			r.Len = end - r.Off
			pending = append(pending, r)
		}
	}
	return append(ranges[:next:next], mergeRanges(pending, size)...)
}

// mergeRanges clips keep to [0, size), drops empty ranges, sorts them and
// merges those that overlap or touch.
func mergeRanges(keep []Range, size int64) []Range {
	var rs []Range
	for _, r := range keep {
		if r.Len <= 0 || r.Off >= size {
			continue
		}
		if r.Off < 0 {
			if r.Len <= -r.Off {
				continue
			}
			r.Len += r.Off
			r.Off = 0
		}
		r.Len = min(r.Len, size-r.Off)
		rs = append(rs, r)
	}
	return binio.MergeRanges(rs)
}

// Size returns the size of the whole stream.
func (s *Sparse) Size() int64 { return s.size }

// Ranges returns the byte ranges held, in order (touching ranges are not
// merged).
func (s *Sparse) Ranges() []Range {
	out := make([]Range, len(s.segs))
	for i, seg := range s.segs {
		out[i] = Range{Off: seg.off, Len: int64(len(seg.data))}
	}
	return out
}

// Retained returns the number of bytes held.
func (s *Sparse) Retained() int64 { return s.retained }

// ReadAt implements io.ReaderAt. A read that reaches the end of the
// stream returns io.EOF with the bytes before it. A read of any byte
// that was not retained returns the retained bytes from off up to the
// first missing one, and a [*MissingError].
func (s *Sparse) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("artifact: Sparse.ReadAt: negative offset")
	}
	if off >= s.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	end := off + int64(len(p))
	eof := end > s.size || end < off
	if eof {
		end = s.size
	}
	// Copy from the first segment that ends after off, and on through
	// segments that touch (ranges added while streaming may start exactly
	// where a completed one ends).
	j := sort.Search(len(s.segs), func(i int) bool { return s.segs[i].end() > off })
	n, cur := 0, off
	for k := j; k < len(s.segs) && cur < end && s.segs[k].off <= cur; k++ {
		c := copy(p[cur-off:end-off], s.segs[k].data[cur-s.segs[k].off:])
		n += c
		cur += int64(c)
	}
	if cur == end {
		if eof {
			return n, io.EOF
		}
		return n, nil
	}
	// The missing bytes start at cur; the span runs to the last byte of
	// the request that no segment holds.
	hi := end
	for k := len(s.segs) - 1; k >= 0; k-- {
		if seg := s.segs[k]; seg.off < hi && seg.end() >= hi && seg.off > cur {
			hi = seg.off
		}
	}
	return n, &MissingError{Off: cur, Len: hi - cur}
}
