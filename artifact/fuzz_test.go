package artifact

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

var sentinels = []error{
	ErrNotZip, ErrTruncated, ErrCorrupt, ErrBomb, ErrUnsafePath, ErrDuplicate, ErrNoWheelFile,
	ErrBadWheelFile, ErrTooLarge, ErrTooManyMembers, ErrChecksum, ErrBadFilename, ErrUnsupported,
	ErrNotFound, ErrDanglingLink,
}

// fuzzLimits keep each input cheap: no member inflates past 1 MiB, no
// decoder takes more than an 8 MiB window.
var fuzzLimits = Limits{MaxMemberSize: 1 << 20, MaxTotalSize: 4 << 20, MaxMembers: 2000, MaxMetadataSize: 64 << 10, MaxWindow: 8 << 20}

// maxSeed bounds the files seedGlob adds, as corpustest.Seed does
// (larger fuzz inputs make minimisation crawl), but high enough for every
// committed container seed (the largest, zlib1g's .deb, is 86 KB).
const maxSeed = 128 << 10

// seedGlob adds each readable file matching pattern that is at most
// maxSeed bytes as a seed of f: its contents, then args (the fuzz
// target's other arguments).
func seedGlob(f *testing.F, pattern string, args ...any) {
	names, _ := filepath.Glob(pattern)
	for _, name := range names {
		if b, err := os.ReadFile(name); err == nil && len(b) <= maxSeed {
			f.Add(append([]any{b}, args...)...)
		}
	}
}

func FuzzOpen(f *testing.F) {
	if testing.Short() {
		f.Skip("slow in -short mode")
	}
	f.Add(testWheel(f), true)
	f.Add(buildZip(f), true)
	f.Add(buildZip(f, stored("a", "alpha"), deflated("b/c", strings.Repeat("gamma", 100)), entry{name: "d/", method: zip.Store, mode: fs.ModeDir | 0o755}), false)
	f.Add(buildZip64(f, zip64Entry{"demo/a.so", []byte(strings.Repeat("zip64", 100)), true}, zip64Entry{"b", []byte("stored"), false}), false)
	f.Add([]byte("\x7fELF plain file"), false)
	// Small real wheels, when the shared corpus is there.
	seedGlob(f, filepath.Join(corpusDir, "check-wheel-contents", "test", "data", "wheels", "*.whl"), true)
	dir := fuzzScratch(f)
	f.Fuzz(func(t *testing.T, data []byte, wheel bool) {
		name := "x.zip"
		if wheel {
			name = testWheelName
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		a, err := Open(path, fuzzLimits)
		if err != nil {
			checkFuzzError(t, err, path)
			return
		}
		defer a.Close()
		if wheel && a.Wheel == nil {
			t.Fatal("a wheel with no Wheel")
		}
		ms := a.Members()
		if !slices.IsSortedFunc(ms, func(x, y *Member) int { return strings.Compare(x.Path, y.Path) }) {
			t.Fatal("members not sorted")
		}
		var total int64
		for i, m := range ms {
			if i > 0 && ms[i-1].Path == m.Path {
				t.Fatalf("duplicate member %q", m.Path)
			}
			if a.Member(m.Path) != m {
				t.Fatalf("Member(%q) is not the listed member", m.Path)
			}
			if m.Size > fuzzLimits.MaxMemberSize || m.Mode.IsDir() {
				t.Fatalf("member %q: size %d, mode %v", m.Path, m.Size, m.Mode)
			}
			total += m.Size
			rc, err := m.Open()
			if err != nil {
				checkFuzzError(t, err, path)
				continue
			}
			n, err := io.Copy(io.Discard, rc)
			rc.Close()
			if n > m.Size {
				t.Fatalf("member %q: read %d bytes, declared %d", m.Path, n, m.Size)
			}
			if err != nil {
				checkFuzzError(t, err, path)
			} else if n != m.Size {
				t.Fatalf("member %q: read %d bytes without error, declared %d", m.Path, n, m.Size)
			}
			if ra, ok := m.ReaderAt(); ok {
				buf := make([]byte, m.Size)
				if n, err := ra.ReadAt(buf, 0); n != len(buf) && err != io.EOF {
					t.Fatalf("member %q: ReaderAt: %d bytes, %v", m.Path, n, err)
				}
			}
		}
		if total > fuzzLimits.MaxTotalSize {
			t.Fatalf("members total %d bytes", total)
		}
	})
}

// fuzzScratch returns a directory for fuzz inputs, reused by every
// input of one process: a tmpfs when there is one, because creating and
// deleting a file per input on a disk mounted with discard costs ~10 ms.
func fuzzScratch(f *testing.F) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "libvet-fuzz-"); err == nil {
			f.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return f.TempDir()
}

// checkFuzzError asserts that err is an *Error about path that wraps a
// sentinel or an I/O error.
func checkFuzzError(t *testing.T, err error, path string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Artifact != path {
		t.Fatalf("error %v (%T) is not an *Error about %s", err, err, path)
	}
	if !slices.ContainsFunc(sentinels, func(s error) bool { return errors.Is(err, s) }) {
		t.Fatalf("error %v wraps no sentinel", err)
	}
}

func FuzzParseWheelFilename(f *testing.F) {
	for _, s := range []string{
		"demo-1.0-py3-none-any.whl", "six-1.16.0-1build-py2.py3-none-any.WHL", "badname-1.0.whl",
		"numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "a-b-c-d-e-f-g.whl",
		"zope.interface-1!2.0+local_1-cp3.py3-abi3.none-any.whl", "Ünïcode-1-py3-none-any.whl", ".whl", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWheelFilename(s)
		if err != nil {
			if !errors.Is(err, ErrBadFilename) {
				t.Fatalf("error %v does not wrap ErrBadFilename", err)
			}
			return
		}
		if w.Name == "" || w.Version == "" || len(w.PythonTags) == 0 || len(w.ABITags) == 0 || len(w.PlatformTags) == 0 {
			t.Fatalf("%q parsed to %+v", s, w)
		}
		// The parts put back together are the file name.
		parts := []string{w.Name, w.Version}
		if w.Build != "" {
			parts = append(parts, w.Build)
		}
		parts = append(parts, strings.Join(w.PythonTags, "."), strings.Join(w.ABITags, "."), strings.Join(w.PlatformTags, "."))
		base := filepath.Base(s)
		if got := strings.Join(parts, "-"); got != base[:len(base)-4] {
			t.Fatalf("%q parsed to %+v, which reads back as %q", s, w, got)
		}
	})
}

// FuzzWheelMetadata fuzzes the WHEEL and RECORD parsers, which FuzzOpen
// rarely reaches: a mutated member fails its CRC check first.
func FuzzWheelMetadata(f *testing.F) {
	if testing.Short() {
		f.Skip("slow in -short mode")
	}
	f.Add(testWheelFile, "demo/a.py,sha256=x,1\ndemo-1.0.dist-info/RECORD,,\n")
	f.Add("Wheel-Version: 1.0\r\nRoot-Is-Purelib: TRUE\r\n  folded\r\nTag: py3-none-any\r\n\r\nbody", "\"demo/a,b.py\",,\n../x,md5=y,-1\n")
	dir := fuzzScratch(f)
	f.Fuzz(func(t *testing.T, wheelFile, record string) {
		z := buildZip(t,
			stored("demo/a.py", "a"),
			stored("demo-1.0.dist-info/METADATA", "Name: demo\n"),
			stored("demo-1.0.dist-info/WHEEL", wheelFile),
			stored("demo-1.0.dist-info/RECORD", record))
		path := filepath.Join(dir, testWheelName)
		if err := os.WriteFile(path, z, 0o644); err != nil {
			t.Fatal(err)
		}
		a, err := Open(path, fuzzLimits)
		if err != nil {
			if !errors.Is(err, ErrBadWheelFile) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		defer a.Close()
		w := a.Wheel
		if w.WheelVersion == "" || len(a.Problems()) > maxProblems+1 {
			t.Fatalf("wheel %+v, %d problems", w, len(a.Problems()))
		}
		for _, e := range w.Record {
			if e.Size < -1 {
				t.Fatalf("RECORD entry %+v", e)
			}
		}
	})
}

// tarNames are the file names FuzzOpenTar gives its inputs: content
// decides the kind, but a .tar.bz2 may be a conda package.
var tarNames = []string{"x.tar", "x.tar.gz", "x.tar.bz2", "x.tar.xz", "x.tar.zst", "x.bin"}

func FuzzOpenTar(f *testing.F) {
	if testing.Short() {
		f.Skip("slow in -short mode")
	}
	plain := testTar(f)
	for i, c := range []compression{compNone, compGzip, compXz, compZstd} {
		f.Add(compress(f, c, plain), uint8(i))
	}
	f.Add(compress(f, compZstd, buildTar(f, tfile("a", "1"), tsym("b", "/a"), thard("c", "a"), tdir("d/"))), uint8(4))
	f.Add(buildTar(f, tentry{name: "big", size: 1 << 40}), uint8(0))
	seedGlob(f, filepath.Join("testdata", "tarball", "*.tar.*"), uint8(2))
	dir := fuzzScratch(f)
	f.Fuzz(func(t *testing.T, data []byte, name uint8) {
		checkContainer(t, filepath.Join(dir, tarNames[int(name)%len(tarNames)]), data)
	})
}

func FuzzOpenDeb(f *testing.F) {
	if testing.Short() {
		f.Skip("slow in -short mode")
	}
	control, data := testControl(f), testTar(f)
	for _, c := range []compression{compNone, compGzip, compXz, compZstd} {
		f.Add(buildDeb(f, debParts{control: control, data: data, controlComp: c, dataComp: c}))
	}
	f.Add(buildAr(arMember{name: "debian-binary", data: []byte("2.0\n")}, arMember{hdr: "//", data: []byte("control.tar/\n")},
		arMember{hdr: "/0", data: control}, arMember{hdr: "#1/8", data: append([]byte("data.tar"), data...)}))
	seedGlob(f, filepath.Join(containersDir, "*.deb"))
	dir := fuzzScratch(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkContainer(t, filepath.Join(dir, "x.deb"), data)
	})
}

func FuzzOpenConda(f *testing.F) {
	if testing.Short() {
		f.Skip("slow in -short mode")
	}
	f.Add(buildZip(f, condaParts(f, "x-1-0", testInfo(f), testTar(f))...))
	f.Add(buildZip(f, condaParts(f, "x-1-0", buildTar(f, tfile("info/index.json", "{}")), buildTar(f, tsym("a", "b"), tfile("b", "x")))...))
	seedGlob(f, filepath.Join(containersDir, "*.conda"))
	dir := fuzzScratch(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkContainer(t, filepath.Join(dir, "x-1-0.conda"), data)
	})
}

// checkContainer opens data as the file at path, walks it, and checks
// what every API says about it against the limits and each other.
func checkContainer(t *testing.T, path string, data []byte) {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := Open(path, fuzzLimits)
	if err != nil {
		checkFuzzError(t, err, path)
		return
	}
	defer a.Close()
	walked := map[string]bool{}
	var read int64
	err = a.Walk(func(m *Member, r io.Reader) error {
		if m.Link != "" || walked[m.Path] {
			t.Fatalf("Walk passed %q (link %q, again: %v)", m.Path, m.Link, walked[m.Path])
		}
		walked[m.Path] = true
		n, err := io.Copy(io.Discard, r)
		if n > m.Size {
			t.Fatalf("%s: read %d bytes, declared %d", m.Path, n, m.Size)
		}
		read += n
		if err == nil && n != m.Size {
			t.Fatalf("%s: read %d bytes without error, declared %d", m.Path, n, m.Size)
		}
		return err
	})
	complete := err == nil
	if err != nil {
		checkFuzzError(t, err, path)
	}
	ms := a.Members()
	if !slices.IsSortedFunc(ms, func(x, y *Member) int { return strings.Compare(x.Path, y.Path) }) {
		t.Fatal("members not sorted")
	}
	var total int64
	for i, m := range ms {
		if i > 0 && ms[i-1].Path == m.Path {
			t.Fatalf("duplicate member %q", m.Path)
		}
		if m.Size > fuzzLimits.MaxMemberSize || m.Mode.IsDir() || !strings.HasSuffix(m.Path, m.Inner()) {
			t.Fatalf("member %q: size %d, mode %v, inner %q", m.Path, m.Size, m.Mode, m.Inner())
		}
		if complete && m.Link == "" && !walked[m.Path] && m.unreadable() == nil {
			t.Fatalf("member %q was not walked", m.Path)
		}
		total += m.Size
		if r, err := a.Resolve(m.Path); err != nil {
			checkFuzzError(t, err, path)
		} else if r.Link != "" {
			t.Fatalf("Resolve(%q) = link %q", m.Path, r.Path)
		}
	}
	if total > fuzzLimits.MaxTotalSize {
		t.Fatalf("members total %d bytes", total)
	}
	// Member.Open agrees with Walk, for a few members.
	for _, m := range ms[:min(len(ms), 3)] {
		rc, err := m.Open()
		if err != nil {
			checkFuzzError(t, err, path)
			continue
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if n > m.Size || (err == nil && n != m.Size) {
			t.Fatalf("%s: Member.Open read %d bytes (%v), declared %d", m.Path, n, err, m.Size)
		}
		if err != nil {
			checkFuzzError(t, err, path)
		}
	}
}

// FuzzResolve follows links in a made-up set of members: one per line,
// "PATH" for a file, "PATH -> TARGET" for a symbolic link and
// "PATH => TARGET" for a hard link; paths may start with "c.tar!" for a
// nested container.
func FuzzResolve(f *testing.F) {
	f.Add("lib/a.so\nlib/b.so -> a.so\nlib64 -> lib\nc.tar!usr/x -> /usr/y\nc.tar!usr/y\n", "lib64/b.so")
	f.Add("a -> b\nb -> a\n", "a")
	f.Add("a -> ../../../../x\nx\nh => x\nd/e -> ../h\n", "d/e")
	f.Add("a -> /a/a/a/a/a/a/a/a/a\n", "a/a")
	f.Fuzz(func(t *testing.T, spec, probe string) {
		a := &Artifact{Path: "fuzz", streams: []*stream{{name: "c.tar"}}}
		seen := map[string]bool{}
		for line := range strings.Lines(spec) {
			line = strings.TrimSuffix(line, "\n")
			m := &Member{a: a}
			var ok bool
			if m.Path, m.Link, ok = strings.Cut(line, " -> "); ok {
				m.Mode = fs.ModeSymlink
			} else {
				m.Path, m.Link, _ = strings.Cut(line, " => ")
			}
			if m.Path == "" || seen[m.Path] || len(a.members) > 100 {
				continue
			}
			seen[m.Path] = true
			if strings.HasPrefix(m.Path, "c.tar!") {
				m.inner = len("c.tar!")
			}
			a.members = append(a.members, m)
		}
		slices.SortFunc(a.members, func(x, y *Member) int { return strings.Compare(x.Path, y.Path) })
		for _, p := range append([]string{probe}, slices.Collect(func(yield func(string) bool) {
			for _, m := range a.members {
				if !yield(m.Path) {
					return
				}
			}
		})...) {
			m, err := a.Resolve(p)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Artifact != "fuzz" || !(errors.Is(err, ErrNotFound) || errors.Is(err, ErrDanglingLink)) {
					t.Fatalf("Resolve(%q): %v", p, err)
				}
				continue
			}
			if m.Link != "" || a.container(m.Path) != a.container(p) {
				t.Fatalf("Resolve(%q) = %q (link %q)", p, m.Path, m.Link)
			}
		}
	})
}

// FuzzXzGuard feeds xz streams to the guarded decoder: errors wrap a
// sentinel, and whatever the guarded decoder reads, the decoder alone
// reads the same (the guard passes bytes unchanged). The other way round,
// that the guard stops no stream the decoder reads, cannot be fuzzed
// safely, since the decoder alone would allocate the dictionaries the
// guard is there to refuse; TestXzGuard checks it on streams of every
// shape.
func FuzzXzGuard(f *testing.F) {
	text := []byte(strings.Repeat("fuzzing the xz guard\n", 500))
	f.Add(xzStream(f, text, xz.WriterConfig{}))
	f.Add(xzStream(f, text, xz.WriterConfig{BlockSize: 1 << 10, DictCap: 4 << 10, CheckSum: xz.SHA256}))
	f.Add(append(xzStream(f, nil, xz.WriterConfig{NoCheckSum: true}), 0, 0, 0, 0))
	if b, err := os.ReadFile(filepath.Join("testdata", "tarball", "multiblock.tar.xz")); err == nil {
		f.Add(b)
	}
	lim := Limits{MaxWindow: 1 << 20, MaxRatio: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		guarded, err := decodeAll(compXz, data, lim)
		if err != nil {
			if !slices.ContainsFunc(sentinels, func(s error) bool { return errors.Is(err, s) }) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		// Every block header passed the guard: the decoder alone is safe.
		r, err := xz.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("the guarded decoder read the stream, the decoder alone fails: %v", err)
		}
		plain, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(plain, guarded) {
			t.Fatalf("the decoder alone reads %d bytes (%v), the guarded one %d", len(plain), err, len(guarded))
		}
	})
}
