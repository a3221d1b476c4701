package elf

import (
	"bytes"
	"debug/elf"
	"reflect"
	"testing"
)

// TestSynthetic decodes hand-built files for both classes and byte
// orders, with and without section headers, and checks every field.
func TestSynthetic(t *testing.T) {
	for _, v := range synthVariants {
		s := richSynth(v.class, v.bo, v.m)
		withSections, _ := s.build()
		s.sections = false
		without, _ := s.build()
		for _, tc := range []struct {
			sections bool
			data     []byte
		}{{true, withSections}, {false, without}} {
			t.Run(synthName(v.name, tc.sections), func(t *testing.T) {
				f, err := NewFile(bytes.NewReader(tc.data), int64(len(tc.data)))
				if err != nil {
					t.Fatal(err)
				}
				checkRichSynth(t, f, v.class, v.m)
				checkTwoPass(t, tc.data, f)
				if tc.sections && !compareStd(t, v.name, tc.data, f) {
					t.Errorf("not compared with debug/elf")
				}
			})
		}
	}
}

func checkRichSynth(t *testing.T, f *File, class elf.Class, m elf.Machine) {
	t.Helper()
	x86 := m == elf.EM_X86_64 || m == elf.EM_386
	want := &File{
		Class:      class,
		Data:       f.Data,
		Machine:    m,
		Type:       elf.ET_DYN,
		Flags:      0x05000400,
		Interp:     "/lib/ld-test.so.1",
		Needed:     []string{"libm.so.6", "libc.so.6"},
		Soname:     "libsynth.so.1",
		RPath:      []string{"/opt/a", "", "$ORIGIN"},
		RunPath:    []string{""},
		DynFlags:   uint64(elf.DF_BIND_NOW),
		DynFlags1:  uint64(elf.DF_1_NOW),
		HasDynamic: true,
		VersionNeeds: []VersionNeed{
			{"libm.so.6", []NeedVersion{{"GLIBC_2.29", elfHash("GLIBC_2.29"), 0, 2}}},
			{"libc.so.6", []NeedVersion{
				{"GLIBC_2.14", elfHash("GLIBC_2.14"), 0, 3},
				{"GLIBC_2.2.5", elfHash("GLIBC_2.2.5"), verFlagWeak, 4},
			}},
		},
		VersionDefs: []VersionDef{{"libsynth.so.1", 1, verFlagBase}, {"V1", 5, 0}, {"V2", 6, 0}},
		Symbols: []Symbol{
			{Name: "sin", Version: "GLIBC_2.29", Library: "libm.so.6", Bind: elf.STB_GLOBAL, Type: elf.STT_FUNC},
			{Name: "memcpy", Version: "GLIBC_2.14", Library: "libc.so.6", Bind: elf.STB_GLOBAL, Type: elf.STT_FUNC},
			{Name: "weak_hook", Bind: elf.STB_WEAK},
			{Name: "PyInit_synth", Bind: elf.STB_GLOBAL, Type: elf.STT_FUNC, Defined: true},
			{Name: "api", Version: "V1", Bind: elf.STB_GLOBAL, Type: elf.STT_FUNC, Defined: true, Hidden: true},
			{Name: "api", Version: "V2", Bind: elf.STB_GLOBAL, Type: elf.STT_FUNC, Defined: true},
			{Name: "unknown_index", Bind: elf.STB_GLOBAL},
		},
		X86ISANeeded:  map[bool]uint32{true: 5}[x86],
		HasX86ISANote: x86,
		GNUStack:      true,
		ExecStack:     true,
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("have %+v\nwant %+v", f, want)
	}
	if !f.VersionNeeds[1].Versions[1].Weak() || f.VersionNeeds[1].Versions[0].Weak() {
		t.Errorf("Weak() wrong for %+v", f.VersionNeeds[1].Versions)
	}
	level, err := f.X86ISALevel()
	if wantLevel := map[bool]int{true: 3}[x86]; level != wantLevel || err != nil {
		t.Errorf("X86ISALevel() = %d, %v, want %d", level, err, wantLevel)
	}
	if hard := f.ARMHardFloat(); hard != (m == elf.EM_ARM) {
		t.Errorf("ARMHardFloat() = %v", hard)
	}
}
