package artifact

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// compression is how a tar stream is compressed.
type compression uint8

const (
	compNone compression = iota
	compGzip
	compBzip2
	compXz
	compZstd
)

// String returns the compressor's name, as used in messages.
func (c compression) String() string {
	return [...]string{"uncompressed", "gzip", "bzip2", "xz", "zstd"}[c]
}

// suffix returns the file name suffix that goes with c (".xz").
func (c compression) suffix() string {
	return [...]string{"", ".gz", ".bz2", ".xz", ".zst"}[c]
}

// sniffCompression recognises a compressed stream by its magic bytes.
func sniffCompression(b []byte) compression {
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		return compGzip
	case bytes.HasPrefix(b, []byte("BZh")) && len(b) > 3 && '1' <= b[3] && b[3] <= '9':
		return compBzip2
	case bytes.HasPrefix(b, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return compXz
	case bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return compZstd
	}
	return compNone
}

// bombAllowance is how much any stream may expand to before the ratio
// check applies, so that small files, whose tar headers and padding
// compress very well, pass.
const bombAllowance = 1 << 20

// tarOverhead is what a tar may add per entry to the sizes of its
// members: headers (with PAX records or GNU long names) and padding.
const tarOverhead = 4 << 10

// streamCap is the most a decoded stream may hold: Limits.MaxTotalSize,
// plus the tar overhead of Limits.MaxMembers entries and the allowance.
func streamCap(lim Limits) int64 {
	extra := int64(bombAllowance)
	if int64(lim.MaxMembers) < (math.MaxInt64-extra)/tarOverhead {
		extra += int64(lim.MaxMembers) * tarOverhead
	} else {
		return math.MaxInt64
	}
	if lim.MaxTotalSize > math.MaxInt64-extra {
		return math.MaxInt64
	}
	return lim.MaxTotalSize + extra
}

// decodeReader is the decompressed content of one stream. It enforces
// streamCap and [Limits.MaxRatio] on its output and turns
// decompressor errors into reasons wrapping a sentinel; the caller adds
// the artifact and member. It holds a fixed buffer and one decompressor
// whatever the stream's size.
type decodeReader struct {
	c     compression
	src   io.Reader
	csize int64 // compressed size
	n     int64 // bytes returned so far
	bomb  int64 // n may not exceed this (MaxRatio × csize, or the allowance)
	ratio int64 // MaxRatio
	max   int64 // nor this (streamCap)
	xz    *xzGuard
	win   int64 // largest zstd window or xz dictionary accepted
	err   error // sticky

	br   *bufio.Reader // pooled
	zd   *zstd.Decoder // pooled in zp
	zp   *sync.Pool
	gz   *gzip.Reader // pooled
	done bool
}

// newDecoder returns the decompressed bytes of r, a c-compressed stream
// of csize bytes. Close the result to release its buffers.
func newDecoder(c compression, r io.Reader, csize int64, lim Limits) (*decodeReader, error) {
	d := &decodeReader{c: c, csize: csize, max: streamCap(lim), bomb: math.MaxInt64, ratio: lim.MaxRatio, win: lim.MaxWindow}
	if c == compNone {
		d.src = r
		return d, nil
	}
	if csize <= math.MaxInt64/lim.MaxRatio {
		d.bomb = max(bombAllowance, csize*lim.MaxRatio)
	}
	d.br = bufPool.Get().(*bufio.Reader)
	d.br.Reset(r)
	var err error
	switch c {
	case compGzip:
		if gz, ok := gzipPool.Get().(*gzip.Reader); ok {
			err = gz.Reset(d.br)
			d.gz = gz
		} else {
			d.gz, err = gzip.NewReader(d.br)
		}
		d.src = d.gz
	case compBzip2:
		d.src = bzip2.NewReader(d.br)
	case compXz:
		d.xz = &xzGuard{r: d.br, max: lim.MaxWindow}
		d.src, err = xz.ReaderConfig{}.NewReader(d.xz)
	case compZstd:
		d.zp = zstdPool(lim.MaxWindow)
		if zd, ok := d.zp.Get().(*zstd.Decoder); ok {
			d.zd = zd
			err = zd.Reset(d.br)
		} else {
			d.zd, err = zstd.NewReader(d.br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
				zstd.WithDecoderMaxWindow(uint64(lim.MaxWindow)), zstd.WithDecoderMaxMemory(uint64(lim.MaxWindow)))
		}
		d.src = d.zd
	}
	if err != nil {
		err = d.mapErr(err)
		d.Close()
		return nil, err
	}
	return d, nil
}

var (
	gzipPool sync.Pool
	// zstdPools holds idle zstd decoders, a pool per window limit: a
	// decoder keeps the limit it was made with (ResetWithOptions does not
	// reach its frame decoder). They are made with concurrency 1, so they
	// decode in the caller's goroutine and start none of their own: an
	// idle one can be dropped without Close.
	zstdPools sync.Map // int64 → *sync.Pool
)

// zstdPool returns the pool of zstd decoders for a window limit.
func zstdPool(window int64) *sync.Pool {
	p, _ := zstdPools.LoadOrStore(window, new(sync.Pool))
	return p.(*sync.Pool)
}

// Read implements io.Reader.
func (d *decodeReader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.done {
		return 0, errReaderClosed
	}
	n, err := d.src.Read(p)
	d.n += int64(n)
	switch out := d.n + d.dicts(); {
	case d.n > d.max:
		d.err = reasonf(ErrTooLarge, "%s stream expands past %s, more than Limits.MaxTotalSize and the tar headers of Limits.MaxMembers entries", d.c, humanSize(d.max))
	case out > d.bomb && d.dicts() > d.n:
		d.err = reasonf(ErrBomb, "xz stream of %s asks for %s of dictionaries, one per block, over %d:1 (Limits.MaxRatio; decompression bomb?)", humanSize(d.csize), humanSize(d.dicts()), d.ratio)
	case out > d.bomb:
		d.err = reasonf(ErrBomb, "%s stream of %s expands past %s, over %d:1 (Limits.MaxRatio; decompression bomb?)", d.c, humanSize(d.csize), humanSize(d.bomb), d.ratio)
	case err == io.EOF:
		d.err = io.EOF
	case err != nil:
		d.err = d.mapErr(err)
	}
	if d.err != nil && d.err != io.EOF {
		return 0, d.err
	}
	return n, d.err
}

// dicts returns the xz dictionaries allocated after the first, which
// count as output: a stream of many tiny blocks, each asking for a large
// dictionary, would otherwise cost far more than it produces.
func (d *decodeReader) dicts() int64 {
	if d.xz == nil {
		return 0
	}
	return d.xz.dicts
}

// mapErr turns a decompressor error into a reason.
func (d *decodeReader) mapErr(err error) error {
	var r *reason
	var pe *fs.PathError
	switch {
	case errors.As(err, &r):
		return err
	case errors.As(err, &pe) || errors.Is(err, os.ErrClosed):
		return unwrapPathError(err)
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return causef(ErrTruncated, io.ErrUnexpectedEOF, "%s data ends early (after %d bytes of output); re-download the file", d.c, d.n)
	case errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrDecoderSizeExceeded):
		return causef(ErrTooLarge, err, "zstd frame asks for a window over the %s limit (Limits.MaxWindow)", humanSize(d.win))
	}
	return causef(ErrCorrupt, err, "corrupt %s data after %d bytes of output (%v); re-download the file", d.c, d.n, err)
}

// Close releases the decoder's buffers. It is idempotent.
func (d *decodeReader) Close() error {
	if d.done {
		return nil
	}
	d.done = true
	if d.err == nil {
		d.err = errReaderClosed
	}
	if d.zd != nil {
		if d.zd.Reset(nil) == nil {
			d.zp.Put(d.zd)
		}
		d.zd = nil
	}
	if d.gz != nil {
		gzipPool.Put(d.gz)
		d.gz = nil
	}
	if d.br != nil {
		d.br.Reset(nil)
		bufPool.Put(d.br)
		d.br = nil
	}
	d.src = nil
	return nil
}

// xzGuard passes an xz stream through unchanged while following its
// structure (the .xz file format 1.2.1: stream header, block headers,
// LZMA2 chunk headers, index, footer, stream padding) without decoding
// it. The xz decoder allocates whatever dictionary a block header
// declares, up to 4 GiB, and does so again for every block; the guard
// fails the read that would complete a header asking for more than max,
// so the decoder never sees it, and sums the dictionaries of the blocks
// after the first in dicts, which [decodeReader] charges as output.
type xzGuard struct {
	r     io.Reader
	max   int64 // largest dictionary accepted
	dicts int64 // dictionary bytes of every block after the first
	err   error

	state    xzState
	buf      [1024]byte // the header being collected (a block header is at most 1024 bytes)
	have     int        // bytes in buf
	need     int        // bytes buf must hold before parse
	skip     int64      // bytes to pass without looking at them
	check    int64      // size of each block's check field in this stream
	blocks   int64      // blocks seen, in all streams
	blockLen int64      // block header and compressed data so far, for the block padding
	indexLen int64      // index bytes so far, for the index padding
	records  uint64     // index varints still to read after the count
	value    uint64     // the record count, as it is read
	shift    uint
}

type xzState uint8

const (
	xzStreamHeader xzState = iota // collecting the 12-byte stream header
	xzBlockStart                  // one byte: a block header's size, or 0 for the index
	xzBlockHeader                 // collecting a block header
	xzChunk                       // one byte: an LZMA2 chunk's control byte
	xzChunkHeader                 // collecting the rest of an LZMA2 chunk header
	xzIndexCount                  // reading the index's record count
	xzIndexRecords                // reading the index's records
	xzFooter                      // collecting the 12-byte stream footer
	xzStreamEnd                   // after a footer: stream padding, another stream, or the end
)

// xzCheckSizes maps the check type in a stream's flags to the size of
// each block's check field.
var xzCheckSizes = [16]int64{0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64}

// Read implements io.Reader.
func (g *xzGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.need == 0 && g.state == xzStreamHeader {
		g.need = 12
	}
	n, err := g.r.Read(p)
	if perr := g.consume(p[:n]); perr != nil {
		g.err = perr
		return 0, perr
	}
	if err == io.EOF && (g.state != xzStreamEnd || g.have > 0 || g.skip > 0) {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// consume follows the structure through p.
func (g *xzGuard) consume(p []byte) error {
	for len(p) > 0 {
		switch {
		case g.skip > 0:
			k := min(g.skip, int64(len(p)))
			g.skip -= k
			p = p[k:]
		case g.state == xzIndexCount || g.state == xzIndexRecords:
			b := p[0]
			p = p[1:]
			g.indexLen++
			if err := g.indexByte(b); err != nil {
				return err
			}
		case g.state == xzStreamEnd:
			if p[0] == 0 { // stream padding
				p = p[1:]
				continue
			}
			g.state, g.need = xzStreamHeader, 12
		default:
			k := min(g.need-g.have, len(p))
			copy(g.buf[g.have:], p[:k])
			g.have += k
			p = p[k:]
			if g.have == g.need {
				if err := g.parse(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// indexByte reads one byte of the index's varints: the record count,
// then two varints per record, whose values do not matter here.
func (g *xzGuard) indexByte(b byte) error {
	more := b&0x80 != 0
	if g.state == xzIndexCount {
		if g.shift > 56 {
			return reasonf(ErrCorrupt, "corrupt xz data (bad index); re-download the file")
		}
		g.value |= uint64(b&0x7f) << g.shift
		g.shift += 7
		if more {
			return nil
		}
		if g.value > math.MaxUint64/2 {
			return reasonf(ErrCorrupt, "corrupt xz data (index of %d records); re-download the file", g.value)
		}
		g.state, g.records = xzIndexRecords, 2*g.value
	} else if !more {
		g.records--
	}
	if g.records == 0 && !more {
		// Padding to a multiple of 4 and a CRC32 end the index.
		g.skip = (4-g.indexLen%4)%4 + 4
		g.state, g.need = xzFooter, 12
	}
	return nil
}

// parse handles a complete g.buf[:g.need] and sets up the next state.
func (g *xzGuard) parse() error {
	b := g.buf[:g.need]
	g.have = 0
	switch g.state {
	case xzStreamHeader:
		if !bytes.HasPrefix(b, []byte{0xfd, '7', 'z', 'X', 'Z', 0}) {
			return reasonf(ErrCorrupt, "corrupt xz data (bad stream header); re-download the file")
		}
		if b[6] != 0 || b[7]&0xf0 != 0 {
			return reasonf(ErrCorrupt, "corrupt xz data (reserved stream flags set); re-download the file")
		}
		g.check = xzCheckSizes[b[7]&0x0f]
		g.state, g.need = xzBlockStart, 1
	case xzBlockStart:
		if b[0] == 0 {
			g.state, g.indexLen, g.value, g.shift = xzIndexCount, 1, 0, 0
			return nil
		}
		g.buf[0] = b[0]
		g.state, g.need, g.have = xzBlockHeader, (int(b[0])+1)*4, 1
	case xzBlockHeader:
		dict, err := xzBlockDict(b)
		if err != nil {
			return err
		}
		if dict > g.max {
			return reasonf(ErrTooLarge, "xz block asks for a %s dictionary, over the %s limit (Limits.MaxWindow)", humanSize(dict), humanSize(g.max))
		}
		if g.blocks > 0 {
			g.dicts += dict
		}
		g.blocks++
		g.blockLen = int64(len(b))
		g.state, g.need = xzChunk, 1
	case xzChunk:
		switch c := b[0]; {
		case c == 0: // the end of the LZMA2 data: block padding, then the check
			g.blockLen++
			g.skip = (4-g.blockLen%4)%4 + g.check
			g.state, g.need = xzBlockStart, 1
		case c == 1 || c == 2: // an uncompressed chunk: 2 bytes of size
			g.buf[0] = c
			g.state, g.need, g.have = xzChunkHeader, 3, 1
		case c >= 0x80: // an LZMA chunk: sizes, and properties from 0xC0 on
			g.buf[0] = c
			g.state, g.need, g.have = xzChunkHeader, 5, 1
			if c >= 0xc0 {
				g.need = 6
			}
		default:
			return reasonf(ErrCorrupt, "corrupt xz data (invalid LZMA2 chunk type 0x%02x); re-download the file", c)
		}
	case xzChunkHeader:
		var size int64 // the data that follows the header
		if b[0] < 0x80 {
			size = int64(binary.BigEndian.Uint16(b[1:])) + 1
		} else {
			size = int64(binary.BigEndian.Uint16(b[3:])) + 1
		}
		g.blockLen += int64(len(b)) + size
		g.skip = size
		g.state, g.need = xzChunk, 1
	case xzFooter:
		if string(b[10:12]) != "YZ" {
			return reasonf(ErrCorrupt, "corrupt xz data (bad stream footer); re-download the file")
		}
		g.state, g.need = xzStreamEnd, 0
	}
	return nil
}

// xzBlockDict returns the LZMA2 dictionary size a block header asks for.
// The filter chain must be LZMA2 alone: it is all the decoder reads.
func xzBlockDict(h []byte) (int64, error) {
	corrupt := reasonf(ErrCorrupt, "corrupt xz data (bad block header); re-download the file")
	flags := h[1]
	if flags&0x3c != 0 {
		return 0, corrupt
	}
	fields := h[2 : len(h)-4] // without the CRC32
	varint := func() (uint64, bool) {
		v, n := binary.Uvarint(fields)
		if n <= 0 || n > 9 {
			return 0, false
		}
		fields = fields[n:]
		return v, true
	}
	for _, bit := range []byte{0x40, 0x80} { // compressed and uncompressed sizes
		if flags&bit != 0 {
			if _, ok := varint(); !ok {
				return 0, corrupt
			}
		}
	}
	filters := int(flags&3) + 1
	for i := range filters {
		id, ok := varint()
		if !ok {
			return 0, corrupt
		}
		size, ok := varint()
		if !ok || size > uint64(len(fields)) {
			return 0, corrupt
		}
		props := fields[:size]
		fields = fields[size:]
		if id != 0x21 || i != filters-1 {
			return 0, reasonf(ErrUnsupported, "xz filter 0x%x is not supported; libvet reads LZMA2 only", id)
		}
		if size != 1 || props[0] > 40 {
			return 0, corrupt
		}
		d := props[0]
		if d == 40 {
			return math.MaxUint32, nil
		}
		return int64(2|d&1) << (d/2 + 11), nil
	}
	return 0, corrupt
}

// Decompress returns the decompressed content of r, a stream of size
// bytes compressed with gzip, bzip2, xz or zstd (recognised by its magic
// bytes) or not compressed at all, and the compressor's name
// ("uncompressed" for the latter). The decoder enforces lim as it does
// for a compressed tar (Limits.MaxTotalSize, Limits.MaxRatio,
// Limits.MaxWindow; zero fields take [DefaultLimits]); its errors wrap
// [ErrTruncated], [ErrCorrupt], [ErrBomb] or [ErrTooLarge]. Close the
// result to release its buffers. It is for the compressed files that
// are not artifacts: package-manager indexes and databases.
func Decompress(r io.Reader, size int64, lim Limits) (io.ReadCloser, string, error) {
	lim = lim.withDefaults()
	br := bufio.NewReader(r)
	magic, err := br.Peek(6)
	if err != nil && err != io.EOF {
		return nil, "", err
	}
	c := sniffCompression(magic)
	d, err := newDecoder(c, br, size, lim)
	if err != nil {
		return nil, c.String(), err
	}
	return d, c.String(), nil
}
