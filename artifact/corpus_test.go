package artifact

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The shared corpus sits beside the repository; tests read it in place.
var corpusDir = filepath.Join("..", "..", "shared", "corpus")

func needCorpus(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join(corpusDir, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("skipping: reference corpus %s is not there (it lives in ../shared beside the repository): %v", dir, err)
	}
	return dir
}

// malformedWheels are check-wheel-contents' broken wheels and what Open
// must say about each.
var malformedWheels = []struct {
	file    string
	want    error  // nil: opens, with problem
	text    string // in the error
	problem string // in Problems
}{
	{"no_record-1.0.0-py3-none-any.whl", nil, "", "no_record-1.0.0.dist-info/RECORD: missing"},
	{"no_wheel_file-1.0.0-py3-none-any.whl", ErrNoWheelFile, "no no_wheel_file-1.0.0.dist-info/WHEEL file; not a valid wheel (PEP 427)", ""},
	{"bad_purelib_line-1.0.0-py3-none-any.whl", ErrBadWheelFile, `Root-Is-Purelib is "purelib", want true or false`, ""},
	{"empty_purelib_line-1.0.0-py3-none-any.whl", ErrBadWheelFile, `Root-Is-Purelib is "", want true or false`, ""},
	{"no_purelib_line-1.0.0-py3-none-any.whl", ErrBadWheelFile, "no Root-Is-Purelib header", ""},
	{"badname-1.0.whl", ErrNotZip, "not a zip archive (empty file)", ""},
}

func TestCorpusMalformed(t *testing.T) {
	dir := needCorpus(t, "check-wheel-contents/test/data/wheels")
	for _, tt := range malformedWheels {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			a, err := Open(path, Limits{})
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				defer a.Close()
				var got []string
				for _, p := range a.Problems() {
					got = append(got, p.String())
				}
				if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, tt.problem) }) {
					t.Errorf("no problem %q in %q", tt.problem, got)
				}
				return
			}
			if err == nil {
				a.Close()
			}
			checkError(t, err, tt.want, path, "")
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("message %q does not contain %q", err, tt.text)
			}
		})
	}
	// badname-1.0.whl is empty, so Open stops at its content; its name is
	// wrong too.
	if _, err := ParseWheelFilename("badname-1.0.whl"); err == nil {
		t.Error("badname-1.0.whl parsed")
	}
}

// TestCorpusWheels opens every other wheel of the corpus and reads every
// member, checking each CRC.
func TestCorpusWheels(t *testing.T) {
	dir := needCorpus(t, "")
	skip := map[string]bool{}
	for _, m := range malformedWheels {
		skip[m.file] = true
	}
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".whl") || skip[d.Name()] {
			return err
		}
		n++
		t.Run(strings.TrimPrefix(path, dir+string(filepath.Separator)), func(t *testing.T) {
			a, err := Open(path, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if a.Kind != KindWheel || a.Wheel == nil || len(a.Members()) == 0 {
				t.Fatalf("Kind %q, Wheel %v, %d members", a.Kind, a.Wheel, len(a.Members()))
			}
			readAll(t, a)
			for _, p := range a.Problems() {
				t.Logf("problem: %s", p)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no wheels under %s", dir)
	}
}
