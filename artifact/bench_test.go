package artifact

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// binaryLike fills p with bytes that deflate about as well as machine
// code (2.7×, where libc.so.6 gives 2.2×): skewed literals, copies of
// recent stretches, and runs of zeros.
func binaryLike(p []byte, rng *rand.Rand) {
	i := 0
	for i < len(p) {
		n := min(len(p)-i, 8+rng.IntN(120))
		switch k := rng.IntN(10); {
		case k < 4: // literals, mostly small values
			for j := range n {
				p[i+j] = byte(rng.IntN(256) & rng.IntN(256))
			}
		case k < 9 && i > 4096: // a repeat from within the deflate window
			src := max(i-1-rng.IntN(min(i-n, 32000))-n, 0)
			copy(p[i:i+n], p[src:src+n])
		default:
			clear(p[i : i+n])
		}
		i += n
	}
}

// writeBenchWheel writes a wheel of about 210 MB uncompressed (80 MB on
// disk): four deflated 48 MiB libraries and one stored 8 MiB library. It returns the total
// uncompressed size.
func writeBenchWheel(b *testing.B, path string) int64 {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	zw := zip.NewWriter(bw)
	rng := rand.New(rand.NewPCG(11, 12))
	buf := make([]byte, 48<<20)
	var total int64
	var record strings.Builder
	add := func(name string, data []byte, method uint16) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			b.Fatal(err)
		}
		w.Write(data)
		total += int64(len(data))
		fmt.Fprintf(&record, "%s,,%d\n", name, len(data))
	}
	for i := range 4 {
		binaryLike(buf, rng)
		add(fmt.Sprintf("big.libs/libbig%d.so", i), buf, zip.Deflate)
	}
	binaryLike(buf[:8<<20], rng)
	add("big/_stored.so", buf[:8<<20], zip.Store)
	add("big-1.0.dist-info/METADATA", []byte("Metadata-Version: 2.1\nName: big\nVersion: 1.0\n"), zip.Deflate)
	add("big-1.0.dist-info/WHEEL", []byte("Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp312-cp312-linux_x86_64\n"), zip.Deflate)
	record.WriteString("big-1.0.dist-info/RECORD,,\n")
	add("big-1.0.dist-info/RECORD", []byte(record.String()), zip.Deflate)
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return total
}

// BenchmarkStream opens a 200 MB wheel and streams every member, as the
// auditor does. Sub-benchmarks: open only (central directory, WHEEL,
// RECORD), sequential streaming, and one goroutine per member.
func BenchmarkStream(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big-1.0-cp312-cp312-linux_x86_64.whl")
	total := writeBenchWheel(b, path)
	fi, _ := os.Stat(path)
	if a, err := Open(path, Limits{}); err != nil || len(a.Problems()) != 0 {
		b.Fatalf("bench wheel: %v %v", err, a.Problems())
	} else {
		a.Close()
	}
	b.Logf("bench wheel: %.0f MB on disk, %.0f MB uncompressed", float64(fi.Size())/1e6, float64(total)/1e6)

	b.Run("open", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a, err := Open(path, Limits{})
			if err != nil {
				b.Fatal(err)
			}
			a.Close()
		}
	})
	b.Run("sequential", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(total)
		buf := make([]byte, 64<<10)
		for b.Loop() {
			a, err := Open(path, Limits{})
			if err != nil {
				b.Fatal(err)
			}
			for _, m := range a.Members() {
				rc, err := m.Open()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.CopyBuffer(io.Discard, rc, buf); err != nil {
					b.Fatal(err)
				}
				rc.Close()
			}
			a.Close()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(total)
		for b.Loop() {
			a, err := Open(path, Limits{})
			if err != nil {
				b.Fatal(err)
			}
			var wg sync.WaitGroup
			for _, m := range a.Members() {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rc, err := m.Open()
					if err != nil {
						b.Error(err)
						return
					}
					defer rc.Close()
					if _, err := io.Copy(io.Discard, rc); err != nil {
						b.Error(err)
					}
				}()
			}
			wg.Wait()
			a.Close()
		}
	})
}

// writeBenchTar writes a tar of about 50 MB of machine-code-like members,
// compressed with c, and returns the uncompressed size of its members.
func writeBenchTar(b *testing.B, path string, c compression) int64 {
	rng := rand.New(rand.NewPCG(13, 14))
	var entries []tentry
	var total int64
	for i := range 6 {
		data := make([]byte, 8<<20)
		binaryLike(data, rng)
		entries = append(entries, tentry{name: fmt.Sprintf("usr/lib/libbench%d.so", i), data: string(data)})
		total += int64(len(data))
	}
	entries = append(entries, tsym("usr/lib/libbench.so", "libbench0.so"))
	if err := os.WriteFile(path, compress(b, c, buildTar(b, entries...)), 0o644); err != nil {
		b.Fatal(err)
	}
	return total
}

// BenchmarkWalk walks a 50 MB tarball, as the auditor does with a .deb's
// data tar or a .conda's pkg tar: each stream is decoded once.
func BenchmarkWalk(b *testing.B) {
	for _, c := range []compression{compZstd, compXz, compGzip} {
		b.Run(c.String(), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "bench.tar"+c.suffix())
			total := writeBenchTar(b, path, c)
			fi, _ := os.Stat(path)
			b.Logf("%s: %.0f MB on disk, %.0f MB uncompressed", filepath.Base(path), float64(fi.Size())/1e6, float64(total)/1e6)
			b.ReportAllocs()
			b.SetBytes(total)
			buf := make([]byte, 64<<10)
			for b.Loop() {
				a, err := Open(path, Limits{})
				if err != nil {
					b.Fatal(err)
				}
				err = a.Walk(func(m *Member, r io.Reader) error {
					_, err := io.CopyBuffer(io.Discard, r, buf)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				a.Close()
			}
		})
	}
}
