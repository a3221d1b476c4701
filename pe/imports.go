package pe

import "sort"

// offsetOf returns the file offset of rva, or -1 if rva is not backed by
// file data. It is only used to place errors.
func (d *decoder) offsetOf(rva uint64) int64 {
	s, ok := d.spans.find(rva)
	if !ok || rva-s.va >= s.raw {
		return -1
	}
	return s.off + int64(rva-s.va)
}

// count charges one descriptor or function against the import budget.
// Sections may map the same file bytes at many RVAs, so without it a
// small file could describe a quadratic number of imports.
func (d *decoder) count(rva uint64, what string) error {
	if d.thunks--; d.thunks < 0 {
		return formatErr(d.offsetOf(rva), "too many "+what, nil)
	}
	return nil
}

// exhausted reports whether a global limit has been hit, after which
// decoding stops rather than going on to the next descriptor.
func (d *decoder) exhausted() bool { return d.thunks < 0 || d.strBudget < 0 }

// imports decodes the import directory. Like the Windows loader (as Wine
// reimplements it), the descriptor list ends at the first descriptor whose
// Name or FirstThunk is zero; the directory's Size field is not used.
func (d *decoder) imports() error {
	dir := d.dirs[dirImport]
	if dir.va == 0 {
		return nil
	}
	var first error
	for i := uint64(0); ; i++ {
		rva := uint64(dir.va) + i*importDescSize
		b, err := d.readRVA(rva, importDescSize, "import descriptor", d.offsetOf(rva))
		if err != nil {
			return firstOf(first, err)
		}
		ilt, name, iat := le.Uint32(b), le.Uint32(b[12:]), le.Uint32(b[16:])
		if name == 0 || iat == 0 {
			return first
		}
		if err := d.count(rva, "import descriptors"); err != nil {
			return firstOf(first, err)
		}
		if ilt == 0 {
			ilt = iat // no lookup table: the names are in the IAT itself
		}
		at := d.offsetOf(rva + 12)
		dll, err := d.cstring(uint64(name), "import DLL name", at)
		if err != nil {
			first = firstOf(first, err)
			if d.exhausted() || readFailed(err) {
				return first
			}
			continue
		}
		fns, err := d.functions(uint64(ilt), false)
		d.f.Imports = append(d.f.Imports, Import{DLL: dll, Functions: fns})
		if err != nil {
			first = firstOf(first, err)
			if d.exhausted() || readFailed(err) {
				return first
			}
		}
	}
}

// delayImports decodes the delay-load import directory. A descriptor with
// bit 0 of Attributes clear is an old-style (Visual C++ 6) one whose
// pointers are virtual addresses rather than RVAs. The list ends at the
// first descriptor whose DllNameRVA is zero.
func (d *decoder) delayImports() error {
	dir := d.dirs[dirDelayImport]
	if dir.va == 0 {
		return nil
	}
	var first error
	for i := uint64(0); ; i++ {
		rva := uint64(dir.va) + i*delayDescSize
		b, err := d.readRVA(rva, delayDescSize, "delay import descriptor", d.offsetOf(rva))
		if err != nil {
			return firstOf(first, err)
		}
		attrs, name, int_ := le.Uint32(b), uint64(le.Uint32(b[4:])), uint64(le.Uint32(b[16:]))
		if name == 0 {
			return first
		}
		if err := d.count(rva, "delay import descriptors"); err != nil {
			return firstOf(first, err)
		}
		vaBased := attrs&1 == 0
		at := d.offsetOf(rva + 4)
		if vaBased {
			if name, err = d.toRVA(name, at); err == nil && int_ != 0 {
				int_, err = d.toRVA(int_, at)
			}
			if err != nil {
				first = firstOf(first, err)
				continue
			}
		}
		dll, err := d.cstring(name, "delay import DLL name", at)
		if err != nil {
			first = firstOf(first, err)
			if d.exhausted() || readFailed(err) {
				return first
			}
			continue
		}
		var fns []ImportedFunction
		if int_ != 0 {
			fns, err = d.functions(int_, vaBased)
		}
		d.f.DelayImports = append(d.f.DelayImports, Import{DLL: dll, Functions: fns})
		if err != nil {
			first = firstOf(first, err)
			if d.exhausted() || readFailed(err) {
				return first
			}
		}
	}
}

// toRVA converts a virtual address from an old-style delay import
// descriptor to an RVA.
func (d *decoder) toRVA(va uint64, at int64) (uint64, error) {
	if va < d.f.ImageBase || va-d.f.ImageBase > 0xffffffff {
		return 0, formatErr(at, "delay import address outside the image", hex(va))
	}
	return va - d.f.ImageBase, nil
}

// functions decodes the import lookup (or name) table at rva, up to its
// zero entry. With vaBased, name entries hold virtual addresses.
func (d *decoder) functions(rva uint64, vaBased bool) ([]ImportedFunction, error) {
	esize := uint64(4)
	if d.f.Is64 {
		esize = 8
	}
	var fns []ImportedFunction
	for i := uint64(0); ; i++ {
		trva := rva + i*esize
		at := d.offsetOf(trva)
		b, err := d.readRVA(trva, int(esize), "import lookup table", at)
		if err != nil {
			return fns, err
		}
		var v uint64
		var byOrd bool
		if d.f.Is64 {
			v = le.Uint64(b)
			byOrd = v>>63 != 0
		} else {
			v = uint64(le.Uint32(b))
			byOrd = v>>31 != 0
		}
		if v == 0 {
			return fns, nil
		}
		if err := d.count(trva, "imported functions"); err != nil {
			return fns, err
		}
		if byOrd {
			fns = append(fns, ImportedFunction{Ordinal: uint16(v), ByOrdinal: true})
			continue
		}
		if vaBased {
			if v, err = d.toRVA(v, at); err != nil {
				return fns, err
			}
		} else {
			v &= 0x7fffffff
		}
		b, err = d.readRVA(v, 2, "import hint", at)
		if err != nil {
			return fns, err
		}
		hint := le.Uint16(b)
		name, err := d.cstring(v+2, "import name", at)
		if err != nil {
			return fns, err
		}
		fns = append(fns, ImportedFunction{Name: name, Hint: hint})
	}
}

// exports decodes the export directory. ExportName is kept even when the
// tables are malformed; Exports is all or nothing.
func (d *decoder) exports() error {
	dir := d.dirs[dirExport]
	if dir.va == 0 {
		return nil
	}
	at := d.offsetOf(uint64(dir.va))
	b, err := d.readRVA(uint64(dir.va), exportDirSize, "export directory", dir.at)
	if err != nil {
		return err
	}
	name, base := uint64(le.Uint32(b[12:])), le.Uint32(b[16:])
	nfun, nnames := uint64(le.Uint32(b[20:])), uint64(le.Uint32(b[24:]))
	aof, aon, aoo := uint64(le.Uint32(b[28:])), uint64(le.Uint32(b[32:])), uint64(le.Uint32(b[36:]))
	var first error
	if name != 0 {
		if d.f.ExportName, err = d.cstring(name, "export DLL name", at+12); err != nil {
			if readFailed(err) {
				return err
			}
			first = err
		}
	}
	if nfun > maxExports {
		return firstOf(first, formatErr(at+20, "too many exports", nfun))
	}
	if nnames > nfun {
		return firstOf(first, formatErr(at+24, "more export names than exports", nnames))
	}
	if nfun == 0 {
		return first
	}
	eat := make([]uint32, nfun)
	if b, err = d.readRVA(aof, int(4*nfun), "export address table", at+28); err != nil {
		return firstOf(first, err)
	}
	for i := range eat {
		eat[i] = le.Uint32(b[4*i:])
	}
	type named struct {
		idx  uint16
		name string
	}
	names := make([]named, nnames)
	if nnames > 0 {
		if b, err = d.readRVA(aoo, int(2*nnames), "export ordinal table", at+36); err != nil {
			return firstOf(first, err)
		}
		for i := range names {
			names[i].idx = le.Uint16(b[2*i:])
			if uint64(names[i].idx) >= nfun {
				return firstOf(first, formatErr(d.offsetOf(aoo+2*uint64(i)), "export ordinal out of range", names[i].idx))
			}
		}
		ptrs := make([]uint32, nnames)
		if b, err = d.readRVA(aon, int(4*nnames), "export name table", at+32); err != nil {
			return firstOf(first, err)
		}
		for i := range ptrs {
			ptrs[i] = le.Uint32(b[4*i:])
		}
		for i, p := range ptrs {
			if names[i].name, err = d.cstringNoCache(uint64(p), "export name", d.offsetOf(aon+4*uint64(i))); err != nil {
				return firstOf(first, err)
			}
		}
		sort.SliceStable(names, func(i, j int) bool { return names[i].idx < names[j].idx })
	}
	exps := make([]Export, 0, max(nnames, nfun/2))
	n := 0
	for i, rva := range eat {
		fwd := ""
		if rva >= dir.va && uint64(rva)-uint64(dir.va) < uint64(dir.size) {
			if fwd, err = d.cstringNoCache(uint64(rva), "export forwarder", d.offsetOf(aof+4*uint64(i))); err != nil {
				return firstOf(first, err)
			}
		}
		ord := base + uint32(i)
		had := false
		for ; n < len(names) && int(names[n].idx) == i; n++ {
			exps = append(exps, Export{Name: names[n].name, Ordinal: ord, Forwarder: fwd})
			had = true
		}
		if !had && rva != 0 {
			exps = append(exps, Export{Ordinal: ord, Forwarder: fwd})
		}
	}
	d.f.Exports = exps
	return first
}

// firstOf returns the error a directory reports: the first problem found,
// except that an error from the ReaderAt wins over a *FormatError found
// before it, so that NewFile returns the reader's error (a caller's
// missing range or I/O failure) rather than a partial File.
func firstOf(first, err error) error {
	if first != nil && (err == nil || !readFailed(err) || readFailed(first)) {
		return first
	}
	return err
}

// readFailed reports an error from the ReaderAt rather than a problem with
// the file: decoding stops at once.
func readFailed(err error) bool {
	_, ok := err.(*FormatError)
	return err != nil && !ok
}
