package artifact

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

func TestMergeRanges(t *testing.T) {
	tests := []struct {
		name string
		keep []Range
		size int64
		want []Range
	}{
		{"none", nil, 100, nil},
		{"sorted and merged", []Range{{50, 10}, {0, 10}, {55, 10}, {10, 5}}, 100, []Range{{0, 15}, {50, 15}}},
		{"contained", []Range{{0, 50}, {10, 5}}, 100, []Range{{0, 50}}},
		{"clipped at size", []Range{{90, 50}, {200, 1}}, 100, []Range{{90, 10}}},
		{"negative offset", []Range{{-5, 10}, {-10, 5}}, 100, []Range{{0, 5}}},
		{"empty and negative lengths", []Range{{5, 0}, {6, -3}}, 100, nil},
		{"huge length", []Range{{10, 1 << 62}}, 100, []Range{{10, 90}}},
	}
	for _, tt := range tests {
		if got := mergeRanges(tt.keep, tt.size); !reflect.DeepEqual(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRetain(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	keep := []Range{{0, 64}, {1000, 500}, {1400, 200}, {500_000, 70_000}, {1<<20 - 10, 100}}
	// One-byte reads and odd-sized reads must give the same result.
	readers := []struct {
		name string
		r    func() io.Reader
	}{
		{"plain", func() io.Reader { return bytes.NewReader(data) }},
		{"one byte", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) }},
		{"half", func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) }},
		{"data with EOF", func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) }},
	}
	for _, rd := range readers {
		t.Run(rd.name, func(t *testing.T) {
			s, err := Retain(rd.r(), int64(len(data)), keep)
			if err != nil {
				t.Fatal(err)
			}
			if s.Size() != int64(len(data)) || s.Retained() != 64+600+70_000+10 {
				t.Errorf("Size, Retained = %d, %d", s.Size(), s.Retained())
			}
			for _, tc := range []struct{ off, n int }{{0, 64}, {10, 20}, {1000, 600}, {1200, 1}, {500_000, 70_000}, {569_999, 1}} {
				buf := make([]byte, tc.n)
				n, err := s.ReadAt(buf, int64(tc.off))
				if err != nil || n != tc.n || !bytes.Equal(buf, data[tc.off:tc.off+tc.n]) {
					t.Errorf("ReadAt(%d, %d) = %d, %v", tc.n, tc.off, n, err)
				}
			}
			// Reading up to and past the end gives io.EOF with the tail.
			buf := make([]byte, 50)
			n, err := s.ReadAt(buf, 1<<20-10)
			if n != 10 || err != io.EOF || !bytes.Equal(buf[:10], data[1<<20-10:]) {
				t.Errorf("ReadAt at the end = %d, %v", n, err)
			}
			if n, err := s.ReadAt(buf, 1<<20); n != 0 || err != io.EOF {
				t.Errorf("ReadAt past the end = %d, %v", n, err)
			}
		})
	}
}

func TestSparseMissing(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 100)
	s, err := Retain(bytes.NewReader(data), 1000, []Range{{100, 100}, {300, 100}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		off, n    int64
		wantN     int
		wantRange MissingError
	}{
		{0, 10, 0, MissingError{0, 10}},         // before every range
		{150, 100, 50, MissingError{200, 50}},   // runs off the end of a range
		{150, 200, 50, MissingError{200, 100}},  // spans a gap into the next range
		{50, 400, 0, MissingError{50, 400}},     // gaps on both sides: one span covers them
		{250, 200, 0, MissingError{250, 200}},   // gap, range, gap
		{990, 100, 0, MissingError{990, 10}},    // past the last range, up to the end
		{399, 2, 1, MissingError{400, 1}},       // last byte of a range and one more
		{100, 300, 100, MissingError{200, 100}}, // exactly the gap between
		{0, 1000, 0, MissingError{0, 1000}},     // everything
	}
	for _, tt := range tests {
		buf := make([]byte, tt.n)
		n, err := s.ReadAt(buf, tt.off)
		var me *MissingError
		if !errors.As(err, &me) {
			t.Errorf("ReadAt(%d, %d): got %v, want a *MissingError", tt.n, tt.off, err)
			continue
		}
		if *me != tt.wantRange || n != tt.wantN {
			t.Errorf("ReadAt(%d, %d) = %d, %+v; want %d, %+v", tt.n, tt.off, n, *me, tt.wantN, tt.wantRange)
		}
		if !bytes.Equal(buf[:n], data[tt.off:tt.off+int64(n)]) {
			t.Errorf("ReadAt(%d, %d): partial bytes differ", tt.n, tt.off)
		}
		if !strings.Contains(err.Error(), "not retained") {
			t.Errorf("message %q", err)
		}
	}
	if _, err := s.ReadAt(make([]byte, 1), -1); err == nil {
		t.Error("negative offset accepted")
	}
	if n, err := s.ReadAt(nil, 5000); n != 0 || err != nil {
		t.Errorf("empty read past the end = %d, %v", n, err)
	}
}

func TestRetainErrors(t *testing.T) {
	data := []byte("0123456789")
	if _, err := Retain(bytes.NewReader(data), 5, []Range{{0, 5}}); !errors.Is(err, ErrBomb) {
		t.Errorf("long stream: %v, want ErrBomb", err)
	}
	if _, err := Retain(bytes.NewReader(data), 20, []Range{{0, 5}}); !errors.Is(err, ErrTruncated) {
		t.Errorf("short stream: %v, want ErrTruncated", err)
	}
	boom := errors.New("boom")
	if _, err := Retain(iotest.ErrReader(boom), 20, nil); err != boom {
		t.Errorf("reader error: %v, want it returned as is", err)
	}
	if _, err := Retain(bytes.NewReader(data), -1, nil); err == nil {
		t.Error("negative size accepted")
	}
	// Memory for a range is taken only when the stream reaches it: a
	// stream that ends early does not cost the ranges it never reached.
	before := totalAlloc()
	_, err := Retain(io.LimitReader(zeroReader{}, 1<<10), 1<<30, []Range{{0, 1 << 10}, {1 << 29, 1 << 29}})
	if d := totalAlloc() - before; d > 256<<10 {
		t.Errorf("Retain of a 1 KiB stream allocated %d bytes", d)
	}
	if !errors.Is(err, ErrTruncated) {
		t.Errorf("got %v, want ErrTruncated", err)
	}
}

// TestRetainMember parses a deflated member through Retain, as the ELF
// reader will.
func TestRetainMember(t *testing.T) {
	a, err := Open(writeTemp(t, testWheelName, testWheel(t)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	m := a.Member("demo/_core.so")
	rc, err := m.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	s, err := Retain(rc, m.Size, []Range{{0, 4}, {m.Size - 16, 16}})
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 4)
	if _, err := s.ReadAt(head, 0); err != nil || string(head) != "\x7fELF" {
		t.Errorf("head = %q, %v", head, err)
	}
	if s.Retained() != 20 {
		t.Errorf("retained %d bytes", s.Retained())
	}
}

func totalAlloc() uint64 {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	return s.TotalAlloc
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestRetainMore(t *testing.T) {
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte(i % 251)
	}
	calls := 0
	more := func(s *Sparse) []Range {
		calls++
		// After the first range, ask for one range behind the stream
		// (lost), one straddling its position (kept from there on) and one
		// ahead (kept).
		if calls == 1 {
			return []Range{{Off: 2, Len: 5}, {Off: 90, Len: 20}, {Off: 700, Len: 50}}
		}
		return nil
	}
	// A reader that yields 7 bytes at a time, so ranges end mid-buffer.
	s, err := RetainMore(iotest.HalfReader(bytes.NewReader(data)), int64(len(data)), []Range{{Off: 0, Len: 100}}, more)
	if err != nil {
		t.Fatal(err)
	}
	check := func(off, n int64, ok bool) {
		t.Helper()
		p := make([]byte, n)
		_, err := s.ReadAt(p, off)
		if (err == nil) != ok {
			t.Errorf("ReadAt(%d, %d): err %v, want ok=%v", off, n, err, ok)
		}
		if err == nil && !bytes.Equal(p, data[off:off+n]) {
			t.Errorf("ReadAt(%d, %d) returned the wrong bytes", off, n)
		}
	}
	check(0, 100, true)  // the original range
	check(100, 10, true) // the straddling range, kept from 100 on
	check(110, 1, false) // nothing asked past 110
	check(700, 50, true) // the range ahead
	check(750, 1, false)
	if calls < 2 {
		t.Errorf("more was called %d times, want once per completed range", calls)
	}
	if got, want := s.Retained(), int64(100+10+50); got != want {
		t.Errorf("retained %d bytes, want %d", got, want)
	}
}

// TestRetainMoreTouching: a range asked for while streaming that overlaps
// the range just completed is kept from its end on, in a segment that
// touches the completed one; a read across both must succeed.
func TestRetainMoreTouching(t *testing.T) {
	data := make([]byte, 400)
	for i := range data {
		data[i] = byte(i)
	}
	asked := false
	s, err := RetainMore(bytes.NewReader(data), int64(len(data)), []Range{{Off: 0, Len: 100}}, func(*Sparse) []Range {
		if asked {
			return nil
		}
		asked = true
		return []Range{{Off: 50, Len: 100}}
	})
	if err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 20)
	if n, err := s.ReadAt(p, 90); err != nil || n != 20 || !bytes.Equal(p, data[90:110]) {
		t.Fatalf("ReadAt across touching segments: n=%d err=%v", n, err)
	}
	var miss *MissingError
	if _, err := s.ReadAt(make([]byte, 20), 140); !errors.As(err, &miss) || miss.Off != 150 || miss.Len != 10 {
		t.Errorf("ReadAt past the kept bytes: %v, want bytes 150 to 160 missing", err)
	}
}
