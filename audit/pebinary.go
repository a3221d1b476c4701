package audit

import (
	"fmt"
	"strings"

	"github.com/libvet/libvet/pe"
)

// describePE turns a parsed PE image into a Binary. Needed lists each
// DLL once (names compare case-insensitively, the first spelling is
// kept): the import directory's DLLs, then the delay-load ones not
// already imported, which DelayNeeded repeats.
func describePE(member string, f *pe.File) *Binary {
	b := &Binary{
		Member:             member,
		Format:             FormatPE,
		Arch:               peArch(f.Machine),
		Machine:            peMachine(f),
		Type:               "executable",
		Needed:             []string{},
		CodeSigned:         f.CertificateSize > 0,
		DependentLoadFlags: f.DependentLoadFlags,
		OverlaySize:        f.OverlaySize,
		DotNet:             f.CLR,
	}
	if f.DLL {
		b.Type = "dll"
	}
	seen := map[string]bool{}
	add := func(imps []pe.Import, delay bool) {
		for _, imp := range imps {
			for _, fn := range imp.Functions {
				name := fn.Name
				if fn.ByOrdinal {
					name = fmt.Sprintf("#%d", fn.Ordinal)
				}
				b.Imports = append(b.Imports, Import{Name: name, Library: imp.DLL, Func: true})
			}
			key := strings.ToLower(imp.DLL)
			if imp.DLL == "" || seen[key] {
				continue
			}
			seen[key] = true
			b.Needed = append(b.Needed, imp.DLL)
			if delay {
				b.DelayNeeded = append(b.DelayNeeded, imp.DLL)
				b.setKind(imp.DLL, "delay")
			}
		}
	}
	add(f.Imports, false)
	add(f.DelayImports, true)
	mod := moduleName(member)
	for _, e := range f.Exports {
		if isModuleInit(e.Name, mod) {
			b.Extension = mod
			break
		}
	}
	return b
}

// peArch maps a PE machine to the architecture of its Windows platform
// tag: x86 (win32), amd64 (win_amd64), arm64 (win_arm64); "" for any
// other machine, ARM64EC included (no Python tag names it).
func peArch(machine uint16) string { return peArches[machine] }

// peArches are the machines Windows platform tags name.
var peArches = map[uint16]string{0x014c: "x86", 0x8664: "amd64", 0xaa64: "arm64"}

// peMachineOf is the PE machine of b's architecture, 0 when no platform
// tag names it.
func peMachineOf(b *Binary) uint16 {
	for m, arch := range peArches {
		if arch == b.Arch {
			return m
		}
	}
	return 0
}

func peMachine(f *pe.File) string {
	kind := "PE32"
	if f.Is64 {
		kind = "PE32+"
	}
	return fmt.Sprintf("%s (%s)", f.MachineName, kind)
}
