package elf

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"strings"
	"testing"
)

// compareStd checks f, decoded from data, against what debug/elf reports
// for the same bytes. debug/elf works from section headers, so files it
// cannot decode, or that have no SHT_DYNAMIC section, are compared on the
// file header only. It returns whether the dynamic part was compared.
func compareStd(t *testing.T, name string, data []byte, f *File) bool {
	t.Helper()
	sf, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Logf("%s: debug/elf cannot decode it (%v); not compared", name, err)
		return false
	}
	errorf := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s: "+format, append([]any{name}, args...)...)
	}

	if f.Class != sf.Class || f.Data != sf.Data || f.Machine != sf.Machine ||
		f.OSABI != sf.OSABI || f.ABIVersion != sf.ABIVersion || f.Type != sf.Type {
		errorf("header: have %v %v %v %v %v %v, debug/elf %v %v %v %v %v %v",
			f.Class, f.Data, f.Machine, f.OSABI, f.ABIVersion, f.Type,
			sf.Class, sf.Data, sf.Machine, sf.OSABI, sf.ABIVersion, sf.Type)
	}
	flagsOff := 0x24
	if sf.Class == elf.ELFCLASS64 {
		flagsOff = 0x30
	}
	if want := sf.ByteOrder.Uint32(data[flagsOff:]); f.Flags != want {
		errorf("Flags = %#x, want %#x", f.Flags, want)
	}
	interp, stack, execStack := "", false, false
	seenInterp := false
	for _, p := range sf.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			if seenInterp {
				continue
			}
			seenInterp = true
			b, err := io.ReadAll(p.Open())
			if err != nil {
				errorf("reading PT_INTERP: %v", err)
			}
			interp, _, _ = strings.Cut(string(b), "\x00")
		case elf.PT_GNU_STACK:
			stack, execStack = true, p.Flags&elf.PF_X != 0
		}
	}
	if f.Interp != interp {
		errorf("Interp = %q, want %q", f.Interp, interp)
	}
	if f.GNUStack != stack || f.ExecStack != execStack {
		errorf("GNUStack, ExecStack = %v, %v, want %v, %v", f.GNUStack, f.ExecStack, stack, execStack)
	}

	if sf.SectionByType(elf.SHT_DYNAMIC) == nil {
		return false
	}
	if !f.HasDynamic {
		errorf("HasDynamic = false with an SHT_DYNAMIC section")
	}
	needed, err := sf.DynString(elf.DT_NEEDED)
	if err != nil {
		errorf("debug/elf DT_NEEDED: %v", err)
	}
	if !equalStrings(f.Needed, needed) {
		errorf("Needed = %q, want %q", f.Needed, needed)
	}
	last := func(tag elf.DynTag) (string, bool) {
		v, err := sf.DynString(tag)
		if err != nil {
			errorf("debug/elf %v: %v", tag, err)
		}
		if len(v) == 0 {
			return "", false
		}
		return v[len(v)-1], true
	}
	if soname, _ := last(elf.DT_SONAME); f.Soname != soname {
		errorf("Soname = %q, want %q", f.Soname, soname)
	}
	for _, c := range []struct {
		tag  elf.DynTag
		have []string
	}{{elf.DT_RPATH, f.RPath}, {elf.DT_RUNPATH, f.RunPath}} {
		s, ok := last(c.tag)
		var want []string
		if ok {
			want = strings.Split(s, ":")
		}
		if !equalStrings(c.have, want) || (c.have == nil) != (want == nil) {
			errorf("%v = %q, want %q", c.tag, c.have, want)
		}
	}
	lastVal := func(tag elf.DynTag) uint64 {
		v, _ := sf.DynValue(tag)
		if len(v) == 0 {
			return 0
		}
		return v[len(v)-1]
	}
	if f.DynFlags != lastVal(elf.DT_FLAGS) || f.DynFlags1 != lastVal(elf.DT_FLAGS_1) {
		errorf("DynFlags, DynFlags1 = %#x, %#x, want %#x, %#x",
			f.DynFlags, f.DynFlags1, lastVal(elf.DT_FLAGS), lastVal(elf.DT_FLAGS_1))
	}

	if needs, err := sf.DynamicVersionNeeds(); err == nil {
		if have, want := fmtNeeds(f.VersionNeeds), fmtStdNeeds(needs); have != want {
			errorf("VersionNeeds:\nhave %s\nwant %s", have, want)
		}
	} else if len(f.VersionNeeds) > 0 && sf.SectionByType(elf.SHT_GNU_VERSYM) != nil {
		errorf("debug/elf DynamicVersionNeeds: %v", err)
	}
	if defs, err := sf.DynamicVersions(); err == nil {
		if have, want := fmtDefs(f.VersionDefs), fmtStdDefs(defs); have != want {
			errorf("VersionDefs:\nhave %s\nwant %s", have, want)
		}
	}

	syms, err := sf.DynamicSymbols()
	if err != nil {
		if len(f.Symbols) > 0 {
			errorf("debug/elf DynamicSymbols: %v, have %d symbols", err, len(f.Symbols))
		}
		return true
	}
	if len(f.Symbols) != len(syms) {
		errorf("%d symbols, debug/elf has %d", len(f.Symbols), len(syms))
		return true
	}
	bad := 0
	for i, s := range syms {
		want := Symbol{
			Name:       s.Name,
			Bind:       elf.ST_BIND(s.Info),
			Type:       elf.ST_TYPE(s.Info),
			Visibility: elf.ST_VISIBILITY(s.Other),
			Defined:    s.Section != elf.SHN_UNDEF,
			Version:    s.Version,
			Library:    s.Library,
			Hidden:     s.HasVersion && s.VersionIndex.IsHidden(),
		}
		if f.Symbols[i] != want {
			errorf("symbol %d:\nhave %+v\nwant %+v", i+1, f.Symbols[i], want)
			if bad++; bad > 5 {
				break
			}
		}
	}
	return true
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func fmtNeeds(needs []VersionNeed) string {
	var sb strings.Builder
	for _, n := range needs {
		fmt.Fprintf(&sb, "%s:", n.File)
		for _, v := range n.Versions {
			fmt.Fprintf(&sb, " %s/%#x/%d", v.Name, v.Flags, v.Other)
		}
		sb.WriteString("; ")
	}
	return sb.String()
}

func fmtStdNeeds(needs []elf.DynamicVersionNeed) string {
	var sb strings.Builder
	for _, n := range needs {
		fmt.Fprintf(&sb, "%s:", n.Name)
		for _, v := range n.Needs {
			fmt.Fprintf(&sb, " %s/%#x/%d", v.Dep, uint16(v.Flags), v.Index)
		}
		sb.WriteString("; ")
	}
	return sb.String()
}

func fmtDefs(defs []VersionDef) string {
	var sb strings.Builder
	for _, d := range defs {
		fmt.Fprintf(&sb, "%s/%d/%#x; ", d.Name, d.Index, d.Flags)
	}
	return sb.String()
}

func fmtStdDefs(defs []elf.DynamicVersion) string {
	var sb strings.Builder
	for _, d := range defs {
		fmt.Fprintf(&sb, "%s/%d/%#x; ", d.Name, d.Index, uint16(d.Flags))
	}
	return sb.String()
}
