package elf

import (
	"bytes"
	"debug/elf"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSystemLibraries compares NewFile with debug/elf, with and without
// section headers, on every ELF file under the directories listed in
// $LIBVET_ELF_SYSTEM_DIRS (colon-separated, e.g. /usr/lib:/usr/bin). It is
// opt-in because the result depends on the machine.
func TestSystemLibraries(t *testing.T) {
	dirs := os.Getenv("LIBVET_ELF_SYSTEM_DIRS")
	if dirs == "" {
		t.Skip("set LIBVET_ELF_SYSTEM_DIRS to compare against the host's binaries")
	}
	n := 0
	for _, dir := range strings.Split(dirs, ":") {
		filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
			if err != nil || !de.Type().IsRegular() {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil || !bytes.HasPrefix(data, []byte(elf.ELFMAG)) {
				return nil
			}
			n++
			f, err := NewFile(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				if _, serr := elf.NewFile(bytes.NewReader(data)); serr == nil {
					t.Errorf("%s: %v (debug/elf decodes it)", path, err)
				}
				return nil
			}
			compareStd(t, path, data, f)
			if f.Type == elf.ET_REL {
				return nil // notes live only in sections: stripping them changes the result
			}
			stripped := stripSectionHeaders(data)
			g, err := NewFile(bytes.NewReader(stripped), int64(len(stripped)))
			if err != nil {
				t.Errorf("%s without section headers: %v", path, err)
			} else if !reflect.DeepEqual(f, g) {
				t.Errorf("%s: decoded differently without section headers", path)
			}
			return nil
		})
	}
	t.Logf("%d ELF files", n)
}
