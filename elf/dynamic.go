package elf

import (
	"debug/elf"
	"strings"
	"unsafe"
)

// Slots for the dynamic tags NewFile uses. For every tag but DT_NEEDED the
// last entry wins, as in glibc's loader.
const (
	dStrtab = iota
	dStrsz
	dSymtab
	dSyment
	dHash
	dGNUHash
	dVersym
	dVerneed
	dVerneednum
	dVerdef
	dVerdefnum
	dFlags
	dFlags1
	dSoname
	dRPath
	dRunPath
	dMIPSSymtabno
	dRel
	dRela
	dJmprel
	nDyn
)

// dynSlot maps a dynamic tag to its slot, or -1.
func dynSlot(tag uint64, m elf.Machine) int {
	switch elf.DynTag(tag) {
	case elf.DT_STRTAB:
		return dStrtab
	case elf.DT_STRSZ:
		return dStrsz
	case elf.DT_SYMTAB:
		return dSymtab
	case elf.DT_SYMENT:
		return dSyment
	case elf.DT_HASH:
		return dHash
	case elf.DT_GNU_HASH:
		return dGNUHash
	case elf.DT_VERSYM:
		return dVersym
	case elf.DT_VERNEED:
		return dVerneed
	case elf.DT_VERNEEDNUM:
		return dVerneednum
	case elf.DT_VERDEF:
		return dVerdef
	case elf.DT_VERDEFNUM:
		return dVerdefnum
	case elf.DT_FLAGS:
		return dFlags
	case elf.DT_FLAGS_1:
		return dFlags1
	case elf.DT_SONAME:
		return dSoname
	case elf.DT_RPATH:
		return dRPath
	case elf.DT_RUNPATH:
		return dRunPath
	case elf.DT_REL:
		return dRel
	case elf.DT_RELA:
		return dRela
	case elf.DT_JMPREL:
		return dJmprel
	case elf.DT_MIPS_SYMTABNO:
		if m == elf.EM_MIPS || m == elf.EM_MIPS_RS3_LE {
			return dMIPSSymtabno
		}
	}
	return -1
}

// dynInfo is the decoded dynamic table.
type dynInfo struct {
	off    uint64         // file offset of the table, for errors
	val    [nDyn]uint64   // value of the last entry for each slot
	has    [nDyn]bool     // whether the slot was seen
	needed []uint64       // DT_NEEDED string offsets, in order
	strs   string         // the dynamic string table
	vers   []versionIndex // version index -> version, see versions
}

// versionIndex is what one version index stands for.
type versionIndex struct {
	name, lib string
	set       bool
}

// dynamic decodes the dynamic table and everything found through it.
func (d *decoder) dynamic() error {
	var off, size uint64
	found := false
	for _, p := range d.progs {
		if p.typ == elf.PT_DYNAMIC {
			off, size, found = p.off, p.filesz, true
			break // like auditwheel (pyelftools), use the first
		}
	}
	if !found {
		for _, s := range d.sects {
			if s.typ == elf.SHT_DYNAMIC {
				off, size, found = s.off, s.size, true
				break
			}
		}
	}
	if !found {
		return nil
	}
	f := d.f
	f.HasDynamic = true
	d.dynOff = off
	if size > maxDynamic {
		return formatErr(off, "dynamic table too large", size)
	}
	b, err := d.read(off, size, "dynamic table")
	if err != nil {
		return err
	}
	dyn := &dynInfo{off: off}
	d.parseDynamic(dyn, b)

	if dyn.has[dStrtab] {
		if err := d.strtab(dyn); err != nil {
			return err
		}
	} else if len(dyn.needed) > 0 || dyn.has[dSoname] || dyn.has[dRPath] || dyn.has[dRunPath] || dyn.has[dSymtab] {
		return formatErr(off, "dynamic table has strings or symbols but no DT_STRTAB", nil)
	}

	if len(dyn.needed) > 0 {
		f.Needed = make([]string, len(dyn.needed))
		for i, o := range dyn.needed {
			if f.Needed[i], err = dyn.str(o, "DT_NEEDED"); err != nil {
				return err
			}
		}
	}
	if dyn.has[dSoname] {
		if f.Soname, err = dyn.str(dyn.val[dSoname], "DT_SONAME"); err != nil {
			return err
		}
	}
	if dyn.has[dRPath] {
		s, err := dyn.str(dyn.val[dRPath], "DT_RPATH")
		if err != nil {
			return err
		}
		f.RPath = strings.Split(s, ":")
	}
	if dyn.has[dRunPath] {
		s, err := dyn.str(dyn.val[dRunPath], "DT_RUNPATH")
		if err != nil {
			return err
		}
		f.RunPath = strings.Split(s, ":")
	}
	f.DynFlags = dyn.val[dFlags]
	f.DynFlags1 = dyn.val[dFlags1]

	if err := d.versions(dyn); err != nil {
		return err
	}
	return d.symbols(dyn)
}

// parseDynamic decodes dynamic entries up to DT_NULL.
func (d *decoder) parseDynamic(dyn *dynInfo, b []byte) {
	bo := d.h.bo
	ent := uint64(dyn32Size)
	if d.h.is64() {
		ent = dyn64Size
	}
	n := uint64(len(b)) / ent
	for i := uint64(0); i < n; i++ {
		e := b[i*ent:]
		var tag, val uint64
		if d.h.is64() {
			tag, val = bo.Uint64(e), bo.Uint64(e[8:])
		} else {
			tag, val = uint64(bo.Uint32(e)), uint64(bo.Uint32(e[4:]))
		}
		if elf.DynTag(tag) == elf.DT_NULL {
			break
		}
		if elf.DynTag(tag) == elf.DT_NEEDED {
			dyn.needed = append(dyn.needed, val)
			continue
		}
		if s := dynSlot(tag, d.h.machine); s >= 0 {
			dyn.val[s], dyn.has[s] = val, true
		}
	}
}

// strtab reads the dynamic string table.
func (d *decoder) strtab(dyn *dynInfo) error {
	off, err := d.addrToOff(dyn.val[dStrtab], "DT_STRTAB")
	if err != nil {
		return err
	}
	size := dyn.val[dStrsz]
	if !dyn.has[dStrsz] {
		s := d.sectionAt(elf.SHT_STRTAB, off)
		if s == nil {
			return formatErr(dyn.off, "dynamic table has DT_STRTAB but no DT_STRSZ", nil)
		}
		size = s.size
	}
	if !fileRange(off, size, d.size) {
		return formatErr(off, "dynamic string table size past end of file", size)
	}
	b, err := d.read(off, size, "dynamic string table")
	if err != nil {
		return err
	}
	// b is never written again, so every name can be a substring of one
	// string sharing its memory: no copy of a table that reaches tens of
	// megabytes in large C++ libraries.
	if len(b) > 0 {
		dyn.strs = unsafe.String(&b[0], len(b))
	}
	return nil
}

// str returns the NUL-terminated string at offset o of the string table.
// A string missing its terminator runs to the end of the table.
func (dyn *dynInfo) str(o uint64, what string) (string, error) {
	if o >= uint64(len(dyn.strs)) {
		if o == 0 && len(dyn.strs) == 0 {
			return "", nil
		}
		return "", formatErr(dyn.off, what+" string offset out of range", o)
	}
	s := dyn.strs[o:]
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return s, nil
}

// versions decodes the version needs and definitions and builds the version
// index table the symbols use. Where an index appears twice, the first
// need wins, then the first definition, as in debug/elf.
func (d *decoder) versions(dyn *dynInfo) error {
	if dyn.has[dVerneed] {
		if err := d.verneed(dyn); err != nil {
			return err
		}
	}
	if dyn.has[dVerdef] {
		if err := d.verdef(dyn); err != nil {
			return err
		}
	}
	top := -1
	for _, vn := range d.f.VersionNeeds {
		for _, v := range vn.Versions {
			if v.Other < 0x8000 {
				top = max(top, int(v.Other))
			}
		}
	}
	for _, vd := range d.f.VersionDefs {
		if vd.Index < 0x8000 {
			top = max(top, int(vd.Index))
		}
	}
	if top < 2 {
		return nil
	}
	dyn.vers = make([]versionIndex, top+1)
	for _, vn := range d.f.VersionNeeds {
		for _, v := range vn.Versions {
			if v.Other < 0x8000 && !dyn.vers[v.Other].set {
				dyn.vers[v.Other] = versionIndex{v.Name, vn.File, true}
			}
		}
	}
	for _, vd := range d.f.VersionDefs {
		if vd.Index < 0x8000 && !dyn.vers[vd.Index].set {
			dyn.vers[vd.Index] = versionIndex{vd.Name, "", true}
		}
	}
	return nil
}

// verneed walks the version needs table. Both the entries and their aux
// records are linked by forward offsets (vn_next, vna_next) that end at 0;
// DT_VERNEEDNUM, when present, also bounds the entries. Offsets are added
// in 64 bits, so a "backwards" 32-bit offset lands past the end of the file
// instead of looping, and the total number of records is capped.
func (d *decoder) verneed(dyn *dynInfo) error {
	off, err := d.addrToOff(dyn.val[dVerneed], "DT_VERNEED")
	if err != nil {
		return err
	}
	c, err := d.sectionCache(elf.SHT_GNU_VERNEED, off, "version needs")
	if err != nil {
		return err
	}
	bo := d.h.bo
	num := dyn.val[dVerneednum]
	records := 0
	for i := uint64(0); !dyn.has[dVerneednum] || i < num; i++ {
		if records++; records > maxVerEntries {
			return formatErr(off, "too many version needs", records)
		}
		e, err := d.at(c, off, 16, "version need")
		if err != nil {
			return err
		}
		if v := bo.Uint16(e); v != 1 {
			return formatErr(off, "unsupported version need revision", v)
		}
		cnt := bo.Uint16(e[2:])
		file, err := dyn.str(uint64(bo.Uint32(e[4:])), "version need file")
		if err != nil {
			return err
		}
		aux := uint64(bo.Uint32(e[8:]))
		next := uint64(bo.Uint32(e[12:]))
		vn := VersionNeed{File: file}
		a := off + aux
		for j := 0; j < int(cnt); j++ {
			if records++; records > maxVerEntries {
				return formatErr(a, "too many version needs", records)
			}
			e, err := d.at(c, a, 16, "version need aux")
			if err != nil {
				return err
			}
			name, err := dyn.str(uint64(bo.Uint32(e[8:])), "version need name")
			if err != nil {
				return err
			}
			vn.Versions = append(vn.Versions, NeedVersion{
				Name:  name,
				Hash:  bo.Uint32(e),
				Flags: bo.Uint16(e[4:]),
				Other: bo.Uint16(e[6:]),
			})
			an := uint64(bo.Uint32(e[12:]))
			if an == 0 {
				break
			}
			a += an
		}
		d.f.VersionNeeds = append(d.f.VersionNeeds, vn)
		if next == 0 {
			break
		}
		off += next
	}
	return nil
}

// verdef walks the version definition table, like verneed. Only the first
// aux record of each definition (its name) is read.
func (d *decoder) verdef(dyn *dynInfo) error {
	off, err := d.addrToOff(dyn.val[dVerdef], "DT_VERDEF")
	if err != nil {
		return err
	}
	c, err := d.sectionCache(elf.SHT_GNU_VERDEF, off, "version definitions")
	if err != nil {
		return err
	}
	bo := d.h.bo
	num := dyn.val[dVerdefnum]
	for i := uint64(0); !dyn.has[dVerdefnum] || i < num; i++ {
		if i >= maxVerEntries {
			return formatErr(off, "too many version definitions", i)
		}
		e, err := d.at(c, off, 20, "version definition")
		if err != nil {
			return err
		}
		if v := bo.Uint16(e); v != 1 {
			return formatErr(off, "unsupported version definition revision", v)
		}
		vd := VersionDef{Flags: bo.Uint16(e[2:]), Index: bo.Uint16(e[4:])}
		if cnt := bo.Uint16(e[6:]); cnt == 0 {
			return formatErr(off, "version definition has no name", nil)
		}
		aux := uint64(bo.Uint32(e[12:]))
		next := uint64(bo.Uint32(e[16:]))
		a, err := d.at(c, off+aux, 8, "version definition aux")
		if err != nil {
			return err
		}
		if vd.Name, err = dyn.str(uint64(bo.Uint32(a)), "version definition name"); err != nil {
			return err
		}
		d.f.VersionDefs = append(d.f.VersionDefs, vd)
		if next == 0 {
			break
		}
		off += next
	}
	return nil
}

// symbols decodes the dynamic symbol table in one pass.
func (d *decoder) symbols(dyn *dynInfo) error {
	if !dyn.has[dSymtab] {
		return nil
	}
	ent := uint64(sym32Size)
	if d.h.is64() {
		ent = sym64Size
	}
	if dyn.has[dSyment] && dyn.val[dSyment] != ent {
		return formatErr(dyn.off, "unsupported DT_SYMENT", dyn.val[dSyment])
	}
	off, err := d.addrToOff(dyn.val[dSymtab], "DT_SYMTAB")
	if err != nil {
		return err
	}
	count, err := d.symbolCount(dyn, off, ent)
	if err != nil {
		return err
	}
	if count > maxSymbols || !fileRange(off, count*ent, d.size) {
		return formatErr(off, "dynamic symbol table extends past end of file", count)
	}
	if count <= 1 {
		return nil
	}
	tab, err := d.read(off, count*ent, "dynamic symbol table")
	if err != nil {
		return err
	}
	var versym []byte
	if dyn.has[dVersym] {
		voff, err := d.addrToOff(dyn.val[dVersym], "DT_VERSYM")
		if err != nil {
			return err
		}
		if versym, err = d.read(voff, count*2, "symbol version table"); err != nil {
			return err
		}
	}

	bo := d.h.bo
	is64 := d.h.is64()
	strs := dyn.strs
	vers := dyn.vers
	syms := make([]Symbol, count-1)
	for i := range syms {
		e := tab[(uint64(i)+1)*ent:][:ent]
		nameOff := uint64(bo.Uint32(e))
		var info, other byte
		var shndx uint16
		if is64 {
			info, other, shndx = e[4], e[5], bo.Uint16(e[6:])
		} else {
			info, other, shndx = e[12], e[13], bo.Uint16(e[14:])
		}
		s := &syms[i]
		if nameOff != 0 {
			if nameOff >= uint64(len(strs)) {
				return formatErr(off+(uint64(i)+1)*ent, "symbol name offset out of range", nameOff)
			}
			name := strs[nameOff:]
			if j := strings.IndexByte(name, 0); j >= 0 {
				name = name[:j]
			}
			s.Name = name
		}
		s.Bind = elf.SymBind(info >> 4)
		s.Type = elf.SymType(info & 0xf)
		s.Visibility = elf.SymVis(other & 3)
		s.Defined = elf.SectionIndex(shndx) != elf.SHN_UNDEF
		if versym != nil {
			vi := bo.Uint16(versym[(i+1)*2:])
			s.Hidden = vi&0x8000 != 0
			if ndx := int(vi & 0x7fff); ndx >= 2 && ndx < len(vers) {
				s.Version, s.Library = vers[ndx].name, vers[ndx].lib
			}
		}
	}
	d.f.Symbols = syms
	return nil
}

// symbolCount works out how many entries the dynamic symbol table has,
// including the null symbol. The dynamic table does not say, so in order:
// a .dynsym section header at the same offset (as debug/elf would use),
// DT_HASH's nchain (what the loader relies on), DT_MIPS_SYMTABNO,
// DT_GNU_HASH's last chain, and finally the distance to the next table,
// which is also used when DT_GNU_HASH hashes no symbol at all (a library
// that only imports).
func (d *decoder) symbolCount(dyn *dynInfo, off, ent uint64) (uint64, error) {
	if s := d.sectionAt(elf.SHT_DYNSYM, off); s != nil &&
		(s.entsize == ent || s.entsize == 0) && s.size%ent == 0 &&
		(s.flags&elf.SHF_ALLOC == 0 || s.addr == dyn.val[dSymtab]) {
		return s.size / ent, nil
	}
	if dyn.has[dHash] {
		return d.hashCount(dyn)
	}
	if dyn.has[dMIPSSymtabno] {
		return dyn.val[dMIPSSymtabno], nil
	}
	if dyn.has[dGNUHash] {
		n, exact, err := d.gnuHashCount(dyn)
		if err != nil {
			return 0, err
		}
		if !exact {
			// No symbol is hashed: the table only says that there
			// are at least symoffset symbols.
			if guess, ok := dyn.nextTableCount(ent); ok && guess > n {
				n = guess
			}
		}
		return n, nil
	}
	n, ok := dyn.nextTableCount(ent)
	if !ok {
		return 0, formatErr(dyn.off, "cannot tell the dynamic symbol count", nil)
	}
	return n, nil
}

// nextTableCount guesses the symbol count from the distance between
// DT_SYMTAB and the next table the dynamic table points to: linkers put
// the symbol table right before another table, usually the string table.
func (dyn *dynInfo) nextTableCount(ent uint64) (uint64, bool) {
	sym := dyn.val[dSymtab]
	next := uint64(0)
	for _, s := range []int{dStrtab, dHash, dGNUHash, dVersym, dVerneed, dVerdef, dRel, dRela, dJmprel} {
		if v := dyn.val[s]; dyn.has[s] && v > sym && (next == 0 || v < next) {
			next = v
		}
	}
	if next == 0 {
		return 0, false
	}
	return (next - sym) / ent, true
}

// hashCount reads nchain from the DT_HASH table. Its words are 8 bytes on
// 64-bit s390 and Alpha, 4 elsewhere.
func (d *decoder) hashCount(dyn *dynInfo) (uint64, error) {
	off, err := d.addrToOff(dyn.val[dHash], "DT_HASH")
	if err != nil {
		return 0, err
	}
	bo := d.h.bo
	if d.h.is64() && (d.h.machine == elf.EM_S390 || d.h.machine == elf.EM_ALPHA) {
		b, err := d.read(off, 16, "hash table header")
		if err != nil {
			return 0, err
		}
		return bo.Uint64(b[8:]), nil
	}
	b, err := d.read(off, 8, "hash table header")
	if err != nil {
		return 0, err
	}
	return uint64(bo.Uint32(b[4:])), nil
}

// gnuHashCount finds the symbol count from a DT_GNU_HASH table: the highest
// bucket's chain is followed to its end marker (low bit set). When every
// bucket is empty, it returns symoffset, a lower bound, and exact false.
func (d *decoder) gnuHashCount(dyn *dynInfo) (n uint64, exact bool, err error) {
	off, err := d.addrToOff(dyn.val[dGNUHash], "DT_GNU_HASH")
	if err != nil {
		return 0, false, err
	}
	bo := d.h.bo
	b, err := d.read(off, 16, "GNU hash table header")
	if err != nil {
		return 0, false, err
	}
	nbuckets := uint64(bo.Uint32(b))
	symoffset := uint64(bo.Uint32(b[4:]))
	bloom := uint64(bo.Uint32(b[8:]))
	word := uint64(4)
	if d.h.is64() {
		word = 8
	}
	if nbuckets > d.size/4 || bloom > d.size/word {
		return 0, false, formatErr(off, "GNU hash table extends past end of file", nbuckets)
	}
	buckets := off + 16 + bloom*word
	b, err = d.read(buckets, nbuckets*4, "GNU hash buckets")
	if err != nil {
		return 0, false, err
	}
	top := uint64(0)
	for i := uint64(0); i < nbuckets; i++ {
		top = max(top, uint64(bo.Uint32(b[i*4:])))
	}
	if top == 0 {
		return symoffset, false, nil
	}
	if top < symoffset {
		return 0, false, formatErr(buckets, "GNU hash bucket below symbol offset", top)
	}
	// Read the chain a growing chunk at a time: chains are short, but
	// reading one word per call would be slow on a hostile file.
	chain := buckets + nbuckets*4
	at := chain + (top-symoffset)*4
	for chunk := uint64(8); ; chunk = min(chunk*2, 4096) {
		if at >= d.size {
			return 0, false, formatErr(chain, "GNU hash chain extends past end of file", top)
		}
		n := min(chunk, (d.size-at)/4)
		if n == 0 {
			return 0, false, formatErr(chain, "GNU hash chain extends past end of file", top)
		}
		b, err := d.read(at, n*4, "GNU hash chain")
		if err != nil {
			return 0, false, err
		}
		for i := uint64(0); i < n; i++ {
			if bo.Uint32(b[i*4:])&1 != 0 {
				return top + i + 1, true, nil
			}
		}
		top += n
		at += n * 4
	}
}
