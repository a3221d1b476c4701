// Package corpustest finds test inputs in the reference corpus that lives
// beside the repository (../shared/corpus): real binaries from other
// projects' test suites. It is for tests only.
package corpustest

import (
	"archive/zip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// maxMember bounds the size of a wheel member Files reads.
const maxMember = 64 << 20

// File is one file of the corpus: a plain file, or a member of a wheel.
type File struct {
	// Name is the path below the corpus root, with "!member" for a wheel
	// member ("delvewheel/tests/x.whl!pkg/x.pyd").
	Name string
	Data []byte
}

// Files walks the subdirectories of the corpus at root (all of it when
// none are given) and returns every plain file and every member of every
// wheel for which keep(name, data) is true; keep sees the member's name
// for wheel members. It skips the test, naming root, when the corpus is
// absent. Unreadable (malformed) wheels are part of the corpus and are
// passed over.
func Files(tb testing.TB, root string, keep func(name string, data []byte) bool, subdirs ...string) []File {
	tb.Helper()
	if _, err := os.Stat(root); err != nil {
		tb.Skipf("corpus not available at %s (it lives outside the repository): %v", root, err)
	}
	if len(subdirs) == 0 {
		subdirs = []string{"."}
	}
	var out []File
	for _, sub := range subdirs {
		err := filepath.WalkDir(filepath.Join(root, sub), func(path string, de fs.DirEntry, err error) error {
			if err != nil || !de.Type().IsRegular() {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			if strings.HasSuffix(path, ".whl") {
				out = append(out, wheelMembers(path, rel, keep)...)
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if keep(rel, data) {
				out = append(out, File{rel, data})
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

func wheelMembers(path, rel string, keep func(string, []byte) bool) []File {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil
	}
	defer zr.Close()
	var out []File
	for _, zf := range zr.File {
		if zf.UncompressedSize64 > maxMember {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			continue
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err == nil && keep(zf.Name, data) {
			out = append(out, File{rel + "!" + zf.Name, data})
		}
	}
	return out
}

// maxSeed bounds the corpus files Seed adds: larger fuzz inputs make
// minimisation crawl.
const maxSeed = 64 << 10

// Seed adds the corpus files that files returns and that are at most
// 64 KiB as seeds of f; it adds nothing when the corpus at root is
// absent, so the fuzz target still runs.
func Seed(f *testing.F, root string, files func(testing.TB) []File) {
	if _, err := os.Stat(root); err != nil {
		return
	}
	for _, c := range files(f) {
		if len(c.Data) <= maxSeed {
			f.Add(c.Data)
		}
	}
}
