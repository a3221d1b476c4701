package elf

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// corpusDir holds real binaries from other projects' test suites. It is
// outside the repository and may be absent.
const corpusDir = "../../shared/corpus"

// corpusELF is one ELF file from the corpus.
type corpusELF struct {
	name string // path, with "!member" for wheel members
	data []byte
}

// corpusELFs returns every ELF file in the corpus, standalone or inside a
// wheel, or skips the test when the corpus is absent.
func corpusELFs(tb testing.TB) []corpusELF {
	tb.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		tb.Skipf("corpus not available at %s (it lives outside the repository): %v", corpusDir, err)
	}
	var out []corpusELF
	err := filepath.WalkDir(corpusDir, func(path string, de fs.DirEntry, err error) error {
		if err != nil || !de.Type().IsRegular() {
			return err
		}
		if strings.HasSuffix(path, ".whl") {
			zr, err := zip.OpenReader(path)
			if err != nil {
				return nil // malformed wheels are part of the corpus
			}
			defer zr.Close()
			for _, zf := range zr.File {
				if zf.UncompressedSize64 < 4 || zf.UncompressedSize64 > 64<<20 {
					continue
				}
				rc, err := zf.Open()
				if err != nil {
					continue
				}
				data, err := io.ReadAll(rc)
				rc.Close()
				if err == nil && bytes.HasPrefix(data, []byte(elf.ELFMAG)) {
					out = append(out, corpusELF{path + "!" + zf.Name, data})
				}
			}
			return nil
		}
		fh, err := os.Open(path)
		if err != nil {
			return err
		}
		var magic [4]byte
		_, err = io.ReadFull(fh, magic[:])
		fh.Close()
		if err != nil || string(magic[:]) != elf.ELFMAG {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out = append(out, corpusELF{path, data})
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatalf("no ELF files found under %s", corpusDir)
	}
	return out
}

// TestCorpus decodes every ELF in the corpus, compares it with debug/elf,
// and checks that removing its section headers changes nothing.
func TestCorpus(t *testing.T) {
	machines := map[elf.Machine]bool{}
	for _, c := range corpusELFs(t) {
		name := strings.TrimPrefix(c.name, corpusDir+"/")
		t.Run(name, func(t *testing.T) {
			f, err := NewFile(bytes.NewReader(c.data), int64(len(c.data)))
			if err != nil {
				t.Fatal(err)
			}
			machines[f.Machine] = true
			if !compareStd(t, name, c.data, f) {
				t.Errorf("dynamic section not compared with debug/elf")
			}
			if len(f.Symbols) == 0 {
				t.Errorf("no dynamic symbols")
			}

			stripped := stripSectionHeaders(c.data)
			g, err := NewFile(bytes.NewReader(stripped), int64(len(stripped)))
			if err != nil {
				t.Fatalf("without section headers: %v", err)
			}
			if !reflect.DeepEqual(f, g) {
				t.Errorf("without section headers:\nhave %+v\nwant %+v", g, f)
			}
			checkTwoPass(t, c.data, f)
			checkTwoPass(t, stripped, f)

			// Facts from corpus/EXPECTED.md.
			switch {
			case strings.Contains(name, "linux_armv7l"), strings.Contains(name, "linux_armv6l"):
				if f.Machine != elf.EM_ARM || !f.ARMHardFloat() {
					t.Errorf("%v flags %#x: ARMHardFloat() = false, want true", f.Machine, f.Flags)
				}
			case strings.Contains(name, "linux_armv5l"):
				if f.Machine != elf.EM_ARM || f.ARMHardFloat() || f.ARMEABIVersion() != 5 {
					t.Errorf("%v flags %#x: ARMHardFloat() = true or EABI %d, want soft-float EABI 5", f.Machine, f.Flags, f.ARMEABIVersion())
				}
			case strings.Contains(name, "linux_s390x"):
				if f.Machine != elf.EM_S390 || f.Data != elf.ELFDATA2MSB {
					t.Errorf("s390x: %v %v", f.Machine, f.Data)
				}
			case strings.Contains(name, "linux_mips64"):
				if f.Machine != elf.EM_MIPS || f.Data != elf.ELFDATA2LSB || f.Class != elf.ELFCLASS64 {
					t.Errorf("mips64el: %v %v %v", f.Machine, f.Data, f.Class)
				}
			case strings.Contains(name, "testzlib"):
				if !slices.Contains(f.Needed, "libz.so.1") {
					t.Errorf("testzlib: Needed = %q, want libz.so.1", f.Needed)
				}
			}
			if f.Machine == elf.EM_X86_64 {
				if _, err := f.X86ISALevel(); err != nil {
					t.Errorf("X86ISALevel: %v", err)
				}
			}
		})
	}
	for _, m := range []elf.Machine{elf.EM_X86_64, elf.EM_386, elf.EM_AARCH64, elf.EM_ARM, elf.EM_PPC64, elf.EM_S390, elf.EM_RISCV, elf.EM_MIPS} {
		if !machines[m] {
			t.Errorf("corpus has no %v binary", m)
		}
	}
}

// stripSectionHeaders returns a copy of an ELF file with e_shoff, e_shnum
// and e_shstrndx zeroed, so that only the program headers describe it.
func stripSectionHeaders(data []byte) []byte {
	out := bytes.Clone(data)
	bo := binary.ByteOrder(binary.LittleEndian)
	if out[elf.EI_DATA] == byte(elf.ELFDATA2MSB) {
		bo = binary.BigEndian
	}
	if elf.Class(out[elf.EI_CLASS]) == elf.ELFCLASS64 {
		bo.PutUint64(out[0x28:], 0)
		bo.PutUint16(out[0x3c:], 0)
		bo.PutUint16(out[0x3e:], 0)
	} else {
		bo.PutUint32(out[0x20:], 0)
		bo.PutUint16(out[0x30:], 0)
		bo.PutUint16(out[0x32:], 0)
	}
	return out
}
