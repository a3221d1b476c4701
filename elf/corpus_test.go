package elf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/libvet/libvet/internal/corpustest"
)

// corpusDir holds real binaries from other projects' test suites. It is
// outside the repository and may be absent.
const corpusDir = "../../shared/corpus"

// corpusELF is one ELF file from the corpus.
type corpusELF = corpustest.File

// corpusELFs returns every ELF file in the corpus, standalone or inside a
// wheel, or skips the test when the corpus is absent.
func corpusELFs(tb testing.TB) []corpusELF {
	tb.Helper()
	out := corpustest.Files(tb, corpusDir, func(_ string, data []byte) bool {
		return bytes.HasPrefix(data, []byte(elf.ELFMAG))
	})
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
		name := strings.TrimPrefix(c.Name, corpusDir+"/")
		t.Run(name, func(t *testing.T) {
			f, err := NewFile(bytes.NewReader(c.Data), int64(len(c.Data)))
			if err != nil {
				t.Fatal(err)
			}
			machines[f.Machine] = true
			if !compareStd(t, name, c.Data, f) {
				t.Errorf("dynamic section not compared with debug/elf")
			}
			if len(f.Symbols) == 0 {
				t.Errorf("no dynamic symbols")
			}

			stripped := stripSectionHeaders(c.Data)
			g, err := NewFile(bytes.NewReader(stripped), int64(len(stripped)))
			if err != nil {
				t.Fatalf("without section headers: %v", err)
			}
			if !reflect.DeepEqual(f, g) {
				t.Errorf("without section headers:\nhave %+v\nwant %+v", g, f)
			}
			checkTwoPass(t, c.Data, f)
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
