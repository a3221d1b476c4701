package macho

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/libvet/libvet/internal/streamtest"
)

// crasherSeed is the project's copy of the go-macho crasher
// (corpus/crashers/go-macho-4gib-alloc.gofuzz): a 1,256-byte file that
// makes go-macho's NewFile allocate about 4 GiB.
var crasherSeed = filepath.Join("testdata", "fuzz", "FuzzNewFile", "go-macho-4gib-alloc")

// readFuzzSeed decodes a one-value []byte file in the Go fuzz corpus
// format.
func readFuzzSeed(tb testing.TB, name string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 || lines[0] != "go test fuzz v1" {
		tb.Fatalf("%s: not a one-value fuzz seed", name)
	}
	lit, ok := strings.CutPrefix(lines[1], "[]byte(")
	lit, ok2 := strings.CutSuffix(lit, ")")
	if !ok || !ok2 {
		tb.Fatalf("%s: not a []byte seed", name)
	}
	s, err := strconv.Unquote(lit)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return []byte(s)
}

// TestCrasher checks that the go-macho crasher and its variants are
// rejected with a *FormatError within bounded memory. The original has a
// garbage ncmds; the variants repair it so that the decoder reaches the
// LC_NOTE whose size made go-macho allocate 4 GiB, and then set that size
// to 0x7fff... (go-macho's makeslice panic).
func TestCrasher(t *testing.T) {
	orig := readFuzzSeed(t, crasherSeed)
	if shared := filepath.Join(corpusDir, "crashers", "go-macho-4gib-alloc.gofuzz"); fileExists(shared) {
		if !bytes.Equal(readFuzzSeed(t, shared), orig) {
			t.Errorf("%s differs from %s", crasherSeed, shared)
		}
	}
	le := binary.LittleEndian
	if len(orig) != 1256 || le.Uint32(orig[32:]) != lcNote {
		t.Fatalf("unexpected seed: %d bytes, first command %#x", len(orig), le.Uint32(orig[32:]))
	}
	fixed := bytes.Clone(orig)
	le.PutUint32(fixed[16:], 9) // the nine commands that fit in sizeofcmds
	makeslice := bytes.Clone(fixed)
	le.PutUint64(makeslice[32+32:], 0x7fffffffffffffff)
	huge := bytes.Clone(fixed)
	le.PutUint64(huge[32+24:], 0x20)
	le.PutUint64(huge[32+32:], 1<<32)
	noNote := bytes.Clone(fixed)
	le.PutUint64(noNote[32+24:], 0)
	le.PutUint64(noNote[32+32:], 0)

	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"original", orig, "more load commands"},
		{"ncmds repaired", fixed, "note extends past end"},
		{"makeslice", makeslice, "note extends past end"},
		{"4 GiB note", huge, "note extends past end"},
		{"note emptied", noNote, ""}, // whatever is wrong next
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			alloc := streamtest.Allocated(func() { _, err = decode(t, tt.data) })
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Msg == panicMsg || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewFile error %v, want a *FormatError containing %q", err, tt.want)
			}
			if alloc > 64<<10 {
				t.Errorf("allocated %d bytes for a %d-byte file", alloc, len(tt.data))
			}
			t.Logf("%v (allocated %d bytes)", err, alloc)
		})
	}
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
