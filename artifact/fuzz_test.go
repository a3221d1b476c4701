package artifact

import (
	"archive/zip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var sentinels = []error{
	ErrNotZip, ErrTruncated, ErrCorrupt, ErrBomb, ErrUnsafePath, ErrDuplicate, ErrNoWheelFile,
	ErrBadWheelFile, ErrTooLarge, ErrTooManyMembers, ErrChecksum, ErrBadFilename, ErrUnsupported,
}

// fuzzLimits keep each input cheap: no member inflates past 1 MiB.
var fuzzLimits = Limits{MaxMemberSize: 1 << 20, MaxTotalSize: 4 << 20, MaxMembers: 2000, MaxMetadataSize: 64 << 10}

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
	names, _ := filepath.Glob(filepath.Join(corpusDir, "check-wheel-contents", "test", "data", "wheels", "*.whl"))
	for _, name := range names {
		if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
			f.Add(b, true)
		}
	}
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
