package artifact

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

func TestSniffCompression(t *testing.T) {
	for _, tt := range []struct {
		b    string
		want compression
	}{
		{"\x1f\x8b\x08", compGzip},
		{"BZh91AY&SY", compBzip2},
		{"BZh0", compNone},
		{"BZ", compNone},
		{"\xfd7zXZ\x00\x00", compXz},
		{"\xfd7zXZ", compNone},
		{"\x28\xb5\x2f\xfd\x04", compZstd},
		{"ustar", compNone},
		{"", compNone},
	} {
		if got := sniffCompression([]byte(tt.b)); got != tt.want {
			t.Errorf("sniffCompression(%q) = %s, want %s", tt.b, got, tt.want)
		}
	}
}

// decodeAll decodes b, compressed with c, with the limits.
func decodeAll(c compression, b []byte, lim Limits) ([]byte, error) {
	d, err := newDecoder(c, bytes.NewReader(b), int64(len(b)), lim.withDefaults())
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return io.ReadAll(d)
}

// xzStream compresses b with the Go xz encoder.
func xzStream(t testing.TB, b []byte, cfg xz.WriterConfig) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := cfg.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestXzGuard runs streams of every shape through the guard and the
// decoder: the guard must follow them all without a false alarm.
func TestXzGuard(t *testing.T) {
	text := []byte(strings.Repeat("some text that compresses, and some more\n", 3000))
	multi := xzStream(t, text, xz.WriterConfig{BlockSize: 8 << 10, DictCap: 64 << 10})
	single := xzStream(t, text, xz.WriterConfig{})
	liblzma, err := os.ReadFile(filepath.Join("testdata", "tarball", "multiblock.tar.xz"))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct{ stream, want []byte }{
		"one block":                  {single, text},
		"blocks of 8 KiB":            {multi, text},
		"CRC32":                      {xzStream(t, text, xz.WriterConfig{CheckSum: xz.CRC32}), text},
		"SHA-256":                    {xzStream(t, text, xz.WriterConfig{CheckSum: xz.SHA256}), text},
		"no check":                   {xzStream(t, text, xz.WriterConfig{NoCheckSum: true}), text},
		"empty":                      {xzStream(t, nil, xz.WriterConfig{}), nil},
		"two streams with padding":   {append(append(bytes.Clone(single), 0, 0, 0, 0), multi...), append(bytes.Clone(text), text...)},
		"liblzma, 9 blocks, SHA-256": {liblzma, xzPlain(t, liblzma)},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := decodeAll(compXz, tt.stream, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("decoded %d bytes, want %d", len(got), len(tt.want))
			}
		})
	}
}

// xzPlain decodes an xz stream with the decoder alone, without the guard.
func xzPlain(t testing.TB, b []byte) []byte {
	t.Helper()
	r, err := xz.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// setXzDict rewrites the dictionary byte of the first block header of an xz
// stream from the Go encoder (one LZMA2 filter, no size fields), and the
// header's CRC32.
func setXzDict(b []byte, dict byte) []byte {
	b = bytes.Clone(b)
	size := (int(b[12]) + 1) * 4 // the first block's header follows the 12-byte stream header
	h := b[12 : 12+size]
	if h[1]&0xc0 != 0 || h[2] != 0x21 || h[3] != 1 {
		panic("unexpected block header")
	}
	h[4] = dict
	binary.LittleEndian.PutUint32(h[size-4:], crc32.ChecksumIEEE(h[:size-4]))
	return b
}

func TestXzDictionaryLimit(t *testing.T) {
	s := xzStream(t, []byte("hello, world"), xz.WriterConfig{DictCap: 1 << 20})
	before := totalAlloc()
	_, err := decodeAll(compXz, setXzDict(s, 40), Limits{}) // 4 GiB
	if err == nil || !strings.Contains(err.Error(), "asks for a 4.0 GiB dictionary, over the 128.0 MiB limit (Limits.MaxWindow)") {
		t.Fatalf("got %v", err)
	}
	if got := totalAlloc() - before; got > 16<<20 {
		t.Errorf("allocated %d bytes before refusing", got)
	}
	// The limit is Limits.MaxWindow: 2 MiB (code 18) passes a 2 MiB
	// limit, and fails a 1 MiB one.
	if got, err := decodeAll(compXz, setXzDict(s, 18), Limits{MaxWindow: 2 << 20}); err != nil || string(got) != "hello, world" {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := decodeAll(compXz, setXzDict(s, 18), Limits{MaxWindow: 1 << 20}); err == nil || !strings.Contains(err.Error(), "2.0 MiB dictionary, over the 1.0 MiB limit") {
		t.Errorf("got %v", err)
	}
	if _, err := decodeAll(compXz, setXzDict(s, 41), Limits{}); err == nil || !strings.Contains(err.Error(), "bad block header") {
		t.Errorf("dictionary code 41: %v", err)
	}
}

// TestXzManyBlocks: every block after the first allocates its dictionary
// again; a stream of tiny blocks with big dictionaries is a bomb.
func TestXzManyBlocks(t *testing.T) {
	text := bytes.Repeat([]byte("0123456789abcdef"), 4<<10) // 64 KiB
	s := xzStream(t, text, xz.WriterConfig{BlockSize: 4 << 10, DictCap: 8 << 20})
	before := totalAlloc()
	_, err := decodeAll(compXz, s, Limits{})
	if err == nil || !strings.Contains(err.Error(), "of dictionaries, one per block") {
		t.Fatalf("got %v", err)
	}
	if got := totalAlloc() - before; got > 2*(uint64(len(s))*1100+8<<20) {
		t.Errorf("allocated %d bytes before refusing", got)
	}
}

// zstdFrame returns a zstd frame whose header asks for a window of
// 2^log bytes, holding one empty raw block.
func zstdFrame(log int) []byte {
	return []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, byte(log-10) << 3, 0x01, 0x00, 0x00}
}

func TestZstdWindowLimit(t *testing.T) {
	if _, err := decodeAll(compZstd, zstdFrame(27), Limits{}); err != nil {
		t.Errorf("128 MiB window: %v", err)
	}
	_, err := decodeAll(compZstd, zstdFrame(28), Limits{})
	if err == nil || !strings.Contains(err.Error(), "over the 128.0 MiB limit (Limits.MaxWindow)") {
		t.Errorf("256 MiB window: %v", err)
	}
	if _, err := decodeAll(compZstd, zstdFrame(28), Limits{MaxWindow: 256 << 20}); err != nil {
		t.Errorf("256 MiB window, 256 MiB limit: %v", err)
	}
}

// bombTar is a tar of one 8 MiB member of zeros.
func bombTar(t testing.TB) []byte {
	return buildTar(t, tfile("zeros.so", string(make([]byte, 8<<20))))
}

// TestBombs walks streams that expand far past Limits.MaxRatio: the walk
// stops at about MaxRatio times the compressed size, in bounded memory.
func TestBombs(t *testing.T) {
	plain := bombTar(t)
	cases := map[string][]byte{}
	for _, c := range []compression{compGzip, compXz, compZstd} {
		cases["bomb.tar"+c.suffix()] = compress(t, c, plain)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "tarball", "bomb.tar.bz2"))
	if err != nil {
		t.Fatal(err)
	}
	cases["bomb.tar.bz2"] = b
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			path := writeTemp(t, name, data)
			before := totalAlloc()
			a, err := Open(path, Limits{MaxRatio: 100})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			var n int64
			err = a.Walk(func(m *Member, r io.Reader) error {
				k, err := io.Copy(io.Discard, r)
				n += k
				return err
			})
			checkError(t, err, ErrBomb, path, "zeros.so")
			if limit := max(int64(len(data))*100, bombAllowance); n > limit {
				t.Errorf("read %d bytes, more than %d", n, limit)
			}
			if got := totalAlloc() - before; got > 32<<20 {
				t.Errorf("allocated %d bytes", got)
			}
		})
	}
}

func TestStreamCap(t *testing.T) {
	d := DefaultLimits()
	if got := streamCap(d); got != 64<<30+1_000_000*tarOverhead+bombAllowance {
		t.Errorf("streamCap(defaults) = %d", got)
	}
	if got := streamCap(Limits{MaxTotalSize: 1 << 62, MaxMembers: 1 << 60}); got <= 1<<62 {
		t.Errorf("streamCap overflows: %d", got)
	}
	// The cap applies to the decoded stream, whatever the tar says.
	junk := compress(t, compZstd, make([]byte, 3<<20))
	_, err := decodeAll(compZstd, junk, Limits{MaxTotalSize: 100, MaxMembers: 1, MaxRatio: 1 << 40})
	if err == nil || !strings.Contains(err.Error(), "Limits.MaxTotalSize") {
		t.Errorf("got %v", err)
	}
}

func TestDecoderErrors(t *testing.T) {
	if _, err := decodeAll(compGzip, []byte("\x1f\x8bnot gzip at all"), Limits{}); err == nil || !strings.Contains(err.Error(), "corrupt gzip data") {
		t.Errorf("gzip: %v", err)
	}
	if _, err := decodeAll(compZstd, []byte("\x28\xb5\x2f\xfd"), Limits{}); err == nil || !strings.Contains(err.Error(), "ends early") {
		t.Errorf("zstd: %v", err)
	}
	if _, err := decodeAll(compXz, []byte("\xfd7zXZ\x00\x00\x01"), Limits{}); err == nil || !strings.Contains(err.Error(), "ends early") {
		t.Errorf("xz: %v", err)
	}
	var d *decodeReader
	d, _ = newDecoder(compZstd, bytes.NewReader(zstdFrame(20)), 9, DefaultLimits())
	d.Close()
	d.Close()
	if _, err := d.Read(make([]byte, 1)); err == nil {
		t.Error("Read after Close")
	}
}

func TestDecompress(t *testing.T) {
	plain := bytes.Repeat([]byte("P:zlib\nV:1.3.1-r0\np:so:libz.so.1=1.3.1\n\n"), 100)
	for _, c := range []compression{compNone, compGzip, compXz, compZstd} {
		data := plain
		if c != compNone {
			data = compress(t, c, plain)
		}
		t.Run(c.String(), func(t *testing.T) {
			r, name, err := Decompress(bytes.NewReader(data), int64(len(data)), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, plain) || name != c.String() {
				t.Errorf("got %d bytes, %q, %v; want %d bytes, %q", len(got), name, err, len(plain), c)
			}
		})
	}
	for _, tt := range []struct {
		name string
		data []byte
		want error
	}{
		{"truncated", compress(t, compGzip, plain)[:40], ErrTruncated},
		{"bomb", compress(t, compZstd, make([]byte, 8<<20)), ErrBomb},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, _, err := Decompress(bytes.NewReader(tt.data), int64(len(tt.data)), Limits{MaxRatio: 100})
			if err == nil {
				_, err = io.ReadAll(r)
				r.Close()
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}
