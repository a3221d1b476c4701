package audit

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/libvet/libvet/artifact"
)

// zipFile is one member of a test zip.
type zipFile struct {
	name   string
	data   []byte
	method uint16
}

// openZip writes files into a zip and opens it.
func openZip(t *testing.T, files ...zipFile) *artifact.Artifact {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: f.method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "t.zip")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := artifact.Open(p, artifact.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// zipMembers writes a zip holding each fixture twice, stored
// ("NAME.stored") and deflated ("NAME.deflated"), and opens it.
func zipMembers(t *testing.T, fixtures ...string) *artifact.Artifact {
	t.Helper()
	var files []zipFile
	for _, f := range fixtures {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(f)
		files = append(files, zipFile{base + ".stored", data, zip.Store}, zipFile{base + ".deflated", data, zip.Deflate})
	}
	return openZip(t, files...)
}

// TestReadMemberPasses checks that a deflated ELF member gives the same
// Binary as a stored one, inflated once when its tables are in the
// retained prefix or after the dynamic section, twice otherwise.
func TestReadMemberPasses(t *testing.T) {
	a := zipMembers(t, "../elf/testdata/libfoo.so", "../elf/testdata/libfoo-patchelf.so")
	tests := []struct {
		member     string
		retain     int64
		wantPasses int
	}{
		{"libfoo.so.deflated", DefaultRetain, 1},
		// The tables lie before the dynamic section and past a 64-byte
		// prefix: a second pass keeps exactly them.
		{"libfoo.so.deflated", 64, 2},
		// patchelf moved .dynstr/.dynsym after the dynamic section (the
		// version tables stay in the prefix): they are kept as the stream
		// reaches them.
		{"libfoo-patchelf.so.deflated", 2048, 1},
		{"libfoo-patchelf.so.deflated", 64, 2},
	}
	for _, tt := range tests {
		stored := readMember(a.Member(tt.member[:len(tt.member)-len(".deflated")]+".stored"), tt.retain)
		got := readMember(a.Member(tt.member), tt.retain)
		if got.err != nil || got.fatal != nil || stored.err != nil {
			t.Fatalf("%s: %v %v %v", tt.member, got.err, got.fatal, stored.err)
		}
		if got.passes != tt.wantPasses {
			t.Errorf("%s with a %d-byte prefix: %d passes, want %d", tt.member, tt.retain, got.passes, tt.wantPasses)
		}
		sb, gb := stored.bins[0], got.bins[0]
		sb.Member, gb.Member = "", ""
		if !reflect.DeepEqual(sb, gb) {
			t.Errorf("%s: streamed binary differs from the stored one:\n%+v\n%+v", tt.member, gb, sb)
		}
		if len(gb.Needed) == 0 || len(gb.Imports) == 0 {
			t.Errorf("%s: parsed nothing: %+v", tt.member, gb)
		}
	}
}

// TestReadMemberPlanned checks that deflated PE and Mach-O members, read
// in one pass keeping only what the planners locate, give the same
// binaries as stored ones.
func TestReadMemberPlanned(t *testing.T) {
	const corpus = "../../shared/corpus/"
	files := []string{
		corpus + "delvewheel/tests/iknowpy/iKnowEngine.dll",
		corpus + "delvewheel/tests/iknowpy/msvcp140.dll",
		corpus + "delvewheel/history/delay_load_iKnowShell.dll",
		corpus + "delocate/delocate/tests/data/liba_both.dylib",
		corpus + "delocate/delocate/tests/data/libextfunc_rpath.dylib",
		corpus + "delocate/delocate/tests/data/np-1.6.0_intel_lib__compiled_base.so",
	}
	if _, err := os.Stat(files[0]); err != nil {
		t.Skipf("conformance corpus not found at %s (it lives in ../shared beside the repository): %v", corpus, err)
	}
	a := zipMembers(t, files...)
	for _, f := range files {
		name := filepath.Base(f)
		stored := readMember(a.Member(name+".stored"), DefaultRetain)
		got := readMember(a.Member(name+".deflated"), DefaultRetain)
		if got.err != nil || got.fatal != nil || stored.err != nil {
			t.Fatalf("%s: %v %v %v", name, got.err, got.fatal, stored.err)
		}
		if got.passes != 1 {
			t.Errorf("%s: %d passes, want 1", name, got.passes)
		}
		if len(got.bins) == 0 || len(got.bins) != len(stored.bins) {
			t.Fatalf("%s: %d binaries streamed, %d stored", name, len(got.bins), len(stored.bins))
		}
		for i := range got.bins {
			gb, sb := *got.bins[i], *stored.bins[i]
			gb.Member, sb.Member = "", ""
			if !reflect.DeepEqual(gb, sb) {
				t.Errorf("%s: streamed binary differs from the stored one:\n%+v\n%+v", name, gb, sb)
			}
		}
	}
}
