package audit

import (
	"fmt"
	"path"
	"strings"

	"github.com/libvet/libvet/macho"
)

// describeMachO turns a parsed Mach-O file into one Binary per slice.
// Needed lists each dependent library once, in load order.
func describeMachO(member string, f *macho.File) []*Binary {
	out := make([]*Binary, 0, len(f.Slices))
	for _, s := range f.Slices {
		b := &Binary{
			Member:      member,
			Format:      FormatMachO,
			Arch:        s.Arch,
			Machine:     machoMachine(s),
			Type:        s.TypeName,
			InstallName: s.InstallName,
			Fat:         f.Fat,
			OS:          s.Platform,
			Needed:      []string{},
			RPath:       s.RPaths,
			CodeSigned:  s.CodeSignature,
		}
		if !s.MinOS.IsZero() {
			b.MinOS = s.MinOS.String()
		}
		if !s.SDK.IsZero() {
			b.SDK = s.SDK.String()
		}
		seen := map[string]bool{}
		for _, d := range s.Dylibs {
			if seen[d.Name] {
				continue
			}
			seen[d.Name] = true
			b.Needed = append(b.Needed, d.Name)
			if d.Kind != "load" {
				b.setKind(d.Name, d.Kind)
			}
			if d.Weak {
				b.WeakNeeded = append(b.WeakNeeded, d.Name)
			}
		}
		for _, sym := range s.Imports {
			imp := Import{Name: sym.Name, Weak: sym.Weak}
			if d, ok := s.Library(sym.Ordinal); ok {
				imp.Library = d.Name
			}
			b.Imports = append(b.Imports, imp)
		}
		// Mach-O imports do not show the module's own PyInit_ symbol:
		// a bundle or dylib named like a module is taken for one.
		if base := path.Base(member); strings.HasSuffix(base, ".so") && (s.Type == macho.TypeBundle || s.Type == macho.TypeDylib) {
			b.Extension = moduleName(member)
		}
		out = append(out, b)
	}
	return out
}

func machoMachine(s *macho.Slice) string {
	bits := "32-bit"
	if s.Is64 {
		bits = "64-bit"
	}
	return fmt.Sprintf("%s (Mach-O %s)", s.Arch, bits)
}
