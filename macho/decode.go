package macho

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/libvet/libvet/internal/binio"
)

// Magic numbers, as the first four bytes read big-endian.
const (
	magicFat   = 0xcafebabe // FAT_MAGIC
	magicFat64 = 0xcafebabf // FAT_MAGIC_64
	cigamFat   = 0xbebafeca // FAT_CIGAM: a little-endian fat header
	cigamFat64 = 0xbfbafeca // FAT_CIGAM_64
	magic32    = 0xfeedface // MH_MAGIC in a big-endian file
	magic64    = 0xfeedfacf // MH_MAGIC_64 in a big-endian file
	cigam32    = 0xcefaedfe // MH_MAGIC in a little-endian file
	cigam64    = 0xcffaedfe // MH_MAGIC_64 in a little-endian file
)

// Sizes and limits.
const (
	hdr32Size     = 28 // mach_header
	hdr64Size     = 32 // mach_header_64
	fatHdrSize    = 8  // fat_header
	fatArchSize   = 20 // fat_arch
	fatArch64Size = 32 // fat_arch_64
	nlist32Size   = 12 // nlist
	nlist64Size   = 16 // nlist_64
	loadCmdAlign  = 4  // dyld requires cmdsize % 4 == 0, even in 64-bit files

	// maxFatArches bounds nfat_arch. file(1) uses the same bound to tell
	// a fat file from a Java class file, whose version fields overlay it
	// (class file major versions start at 45).
	maxFatArches = 30
	// maxCmdsSize bounds sizeofcmds; real images use a few KiB.
	maxCmdsSize = 16 << 20
	// maxTable bounds any other single read.
	maxTable = 1 << 30
	// probeSize is the read size above which the last byte is read first.
	probeSize = 1 << 20
	// maxNameLen bounds a symbol name that runs past the string table
	// span read for the imports.
	maxNameLen = 1 << 20

	mhTwoLevel = 0x80 // MH_TWOLEVEL
)

// decoder holds the state of one NewFile call.
type decoder struct {
	r    io.ReaderAt
	size uint64
}

// fileRange reports whether [off, off+n) lies within [0, size), without
// overflowing.
func fileRange(off, n, size uint64) bool { return binio.InRange(off, n, size) }

// read returns the n bytes at off, checking the range against the file
// size before allocating. Large reads first read their last byte, so that a
// size that overstates the data (or a reader that lacks the range) fails
// before the allocation rather than after.
func (d *decoder) read(off, n uint64, what string) ([]byte, error) {
	r := reader(d.r, d.size)
	return r.Read(off, n, what)
}

func (d *decoder) decode() (*File, error) {
	if d.size < 4 {
		return nil, notMachO("file too short for a magic number", d.size)
	}
	b, err := d.read(0, 4, "magic number")
	if err != nil {
		return nil, err
	}
	switch magic := binary.BigEndian.Uint32(b); magic {
	case magicFat, magicFat64:
		return d.decodeFat(magic)
	case magic32, magic64, cigam32, cigam64:
		s, err := d.decodeSlice(0, d.size)
		if err != nil {
			return nil, err
		}
		return &File{Slices: []*Slice{s}}, nil
	case cigamFat, cigamFat64:
		return nil, notMachO("little-endian fat magic number, which no loader accepts", fmt.Sprintf("%#08x", magic))
	default:
		return nil, notMachO("bad magic number", fmt.Sprintf("%#08x", magic))
	}
}

// decodeFat decodes a fat header (always big-endian) and each slice.
func (d *decoder) decodeFat(magic uint32) (*File, error) {
	if d.size < fatHdrSize {
		return nil, formatErr(0, "unexpected end of file reading fat header", d.size)
	}
	b, err := d.read(4, 4, "fat header")
	if err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(b)
	if n == 0 {
		return nil, formatErr(4, "fat file without architectures", n)
	}
	if n > maxFatArches {
		if magic == magicFat {
			return nil, notMachO("fat architecture count too large (a Java class file?)", n)
		}
		return nil, formatErr(4, "fat architecture count too large", n)
	}
	ent := uint64(fatArchSize)
	if magic == magicFat64 {
		ent = fatArch64Size
	}
	tbl, err := d.read(fatHdrSize, uint64(n)*ent, "fat architecture table")
	if err != nil {
		return nil, err
	}
	end := fatHdrSize + uint64(n)*ent
	f := &File{Fat: true, Slices: make([]*Slice, 0, n)}
	be := binary.BigEndian
	for i := range uint64(n) {
		e := tbl[i*ent:]
		at := fatHdrSize + i*ent
		cpu := be.Uint32(e)
		var off, size uint64
		if magic == magicFat64 {
			off, size = be.Uint64(e[8:]), be.Uint64(e[16:])
		} else {
			off, size = uint64(be.Uint32(e[8:])), uint64(be.Uint32(e[12:]))
		}
		if !fileRange(off, size, d.size) {
			return nil, formatErr(at, "fat slice extends past end of file", fmt.Sprintf("%#x+%#x", off, size))
		}
		if off < end {
			return nil, formatErr(at, "fat slice overlaps the fat header", fmt.Sprintf("%#x", off))
		}
		s, err := d.decodeSlice(off, size)
		if err != nil {
			return nil, err
		}
		if s.CPU != cpu {
			return nil, formatErr(at, "fat architecture cputype differs from its slice's", fmt.Sprintf("%#x != %#x", cpu, s.CPU))
		}
		f.Slices = append(f.Slices, s)
	}
	return f, nil
}

// Load commands (mach-o/loader.h).
const (
	lcReqDyld = 0x80000000 // LC_REQ_DYLD

	lcSegment            = 0x1
	lcSymtab             = 0x2
	lcDysymtab           = 0xb
	lcLoadDylib          = 0xc
	lcIDDylib            = 0xd
	lcTwolevelHints      = 0x16
	lcLoadWeakDylib      = 0x18 | lcReqDyld
	lcSegment64          = 0x19
	lcRPath              = 0x1c | lcReqDyld
	lcCodeSignature      = 0x1d
	lcSegmentSplitInfo   = 0x1e
	lcReexportDylib      = 0x1f | lcReqDyld
	lcLazyLoadDylib      = 0x20
	lcEncryptionInfo     = 0x21
	lcDyldInfo           = 0x22
	lcDyldInfoOnly       = 0x22 | lcReqDyld
	lcLoadUpwardDylib    = 0x23 | lcReqDyld
	lcVersionMinMacOSX   = 0x24
	lcVersionMinIPhoneOS = 0x25
	lcFunctionStarts     = 0x26
	lcDataInCode         = 0x29
	lcDylibCodeSignDRs   = 0x2b
	lcEncryptionInfo64   = 0x2c
	lcLinkerOptimization = 0x2e
	lcVersionMinTVOS     = 0x2f
	lcVersionMinWatchOS  = 0x30
	lcNote               = 0x31
	lcBuildVersion       = 0x32
	lcDyldExportsTrie    = 0x33 | lcReqDyld
	lcDyldChainedFixups  = 0x34 | lcReqDyld
	lcAtomInfo           = 0x36
	dylibUseMarker       = 0x1a741800 // DYLIB_USE_MARKER, in dylib_command.timestamp
	dylibUseCmdSize      = 28         // sizeof(struct dylib_use_command)
	dylibUseWeakLink     = 0x01       // DYLIB_USE_WEAK_LINK
	dylibUseReexport     = 0x02       // DYLIB_USE_REEXPORT
	dylibUseUpward       = 0x04       // DYLIB_USE_UPWARD
	dylibUseDelayedInit  = 0x08       // DYLIB_USE_DELAYED_INIT
	segment32Size        = 56         // segment_command
	segment64Size        = 72         // segment_command_64
	section32Size        = 68         // section
	section64Size        = 80         // section_64
	dysymtabSize         = 80         // dysymtab_command
	dyldInfoSize         = 48         // dyld_info_command
	noteSize             = 40         // note_command
	buildVersionSize     = 24         // build_version_command
	buildToolSize        = 8          // build_tool_version
	module32Size         = 52         // dylib_module
	module64Size         = 56         // dylib_module_64
	relocSize            = 8          // relocation_info
)

// sliceDecoder holds the state of one slice's decoding.
type sliceDecoder struct {
	*decoder
	s    *Slice
	bo   binary.ByteOrder
	base uint64 // file offset of the slice
	size uint64 // slice size

	hasSymtab, hasDysymtab bool
	symoff, nsyms          uint32
	stroff, strsize        uint32
	iundef, nundef         uint32
	symtabAt, dysymtabAt   uint64 // file offsets of the commands, for errors
}

// decodeSlice decodes the thin Mach-O image of the given size at file
// offset base.
func (d *decoder) decodeSlice(base, size uint64) (*Slice, error) {
	if size < 4 {
		return nil, formatErr(base, "fat slice too small for a mach header", size)
	}
	hb, err := d.read(base, min(size, hdr64Size), "mach header")
	if err != nil {
		return nil, err
	}
	s := &Slice{Offset: int64(base), Size: int64(size)}
	sd := &sliceDecoder{decoder: d, s: s, base: base, size: size}
	hs := uint64(hdr32Size)
	switch magic := binary.BigEndian.Uint32(hb); magic {
	case magic32:
		sd.bo, s.BigEndian = binary.BigEndian, true
	case magic64:
		sd.bo, s.BigEndian, s.Is64, hs = binary.BigEndian, true, true, hdr64Size
	case cigam32:
		sd.bo = binary.LittleEndian
	case cigam64:
		sd.bo, s.Is64, hs = binary.LittleEndian, true, hdr64Size
	case magicFat, magicFat64, cigamFat, cigamFat64:
		return nil, formatErr(base, "fat file nested in a fat file", fmt.Sprintf("%#08x", magic))
	default:
		return nil, formatErr(base, "fat slice is not a Mach-O image: bad magic number", fmt.Sprintf("%#08x", magic))
	}
	if size < hs {
		return nil, formatErr(base, "unexpected end of file reading mach header", size)
	}
	bo := sd.bo
	s.CPU = bo.Uint32(hb[4:])
	s.SubCPURaw = bo.Uint32(hb[8:])
	s.SubCPU = s.SubCPURaw &^ cpuSubtypeMask
	s.Arch = archName(s.CPU, s.SubCPU)
	s.Type = bo.Uint32(hb[12:])
	s.TypeName = typeName(s.Type)
	s.NCmds = bo.Uint32(hb[16:])
	sizeofcmds := uint64(bo.Uint32(hb[20:]))
	s.Flags = bo.Uint32(hb[24:])

	if sizeofcmds > size-hs {
		return nil, formatErr(base+20, "load commands extend past end of image", sizeofcmds)
	}
	if sizeofcmds > maxCmdsSize {
		return nil, formatErr(base+20, "load commands too large", sizeofcmds)
	}
	if uint64(s.NCmds)*8 > sizeofcmds {
		return nil, formatErr(base+16, "more load commands than sizeofcmds holds", s.NCmds)
	}
	cmds, err := d.read(base+hs, sizeofcmds, "load commands")
	if err != nil {
		return nil, err
	}
	if err := sd.loadCommands(cmds, base+hs); err != nil {
		return nil, err
	}
	if err := sd.imports(); err != nil {
		return nil, err
	}
	for _, b := range s.Builds {
		if b.Platform == "macos" {
			s.Platform, s.MinOS, s.SDK = b.Platform, b.MinOS, b.SDK
			break
		}
	}
	if s.Platform == "" && len(s.Builds) > 0 {
		b := s.Builds[0]
		s.Platform, s.MinOS, s.SDK = b.Platform, b.MinOS, b.SDK
	}
	return s, nil
}

// loadCommands walks the ncmds load commands in cmds, which starts at file
// offset at, checking each command's size and every table it points to.
func (sd *sliceDecoder) loadCommands(cmds []byte, at uint64) error {
	s, bo := sd.s, sd.bo
	off := uint64(0)
	for i := range s.NCmds {
		pos := at + off
		rest := uint64(len(cmds)) - off
		if rest < 8 {
			return formatErr(pos, "load command extends past sizeofcmds", fmt.Sprintf("#%d", i))
		}
		cmd, csize := bo.Uint32(cmds[off:]), uint64(bo.Uint32(cmds[off+4:]))
		switch {
		case csize < 8:
			return formatErr(pos+4, "load command size too small", csize)
		case csize%loadCmdAlign != 0:
			return formatErr(pos+4, "load command size not a multiple of 4", csize)
		case csize > rest:
			return formatErr(pos+4, "load command extends past sizeofcmds", csize)
		}
		if err := sd.loadCommand(cmd, cmds[off:off+csize], pos); err != nil {
			return err
		}
		off += csize
	}
	return nil
}

// loadCommand decodes one load command c (cmdsize bytes) at file offset
// pos.
func (sd *sliceDecoder) loadCommand(cmd uint32, c []byte, pos uint64) error {
	s, bo := sd.s, sd.bo
	need := func(n int) error {
		if len(c) < n {
			return formatErr(pos+4, fmt.Sprintf("load command %#x too small", cmd), len(c))
		}
		return nil
	}
	u32 := func(at int) uint64 { return uint64(bo.Uint32(c[at:])) }
	switch cmd {
	case lcLoadDylib, lcLoadWeakDylib, lcReexportDylib, lcLoadUpwardDylib, lcLazyLoadDylib, lcIDDylib:
		if err := need(24); err != nil {
			return err
		}
		name, err := sd.lcStr(c, 8, 24, pos)
		if err != nil {
			return err
		}
		if cmd == lcIDDylib {
			if s.InstallName == "" {
				s.InstallName = name
			}
			return nil
		}
		dl := Dylib{Name: name, CurrentVersion: VersionFromPacked(uint32(u32(16))), CompatVersion: VersionFromPacked(uint32(u32(20)))}
		switch cmd {
		case lcLoadDylib:
			dl.Kind = "load"
		case lcLoadWeakDylib:
			dl.Kind, dl.Weak = "weak", true
		case lcReexportDylib:
			dl.Kind = "reexport"
		case lcLoadUpwardDylib:
			dl.Kind = "upward"
		case lcLazyLoadDylib:
			dl.Kind = "lazy"
		}
		if u32(8) == dylibUseCmdSize && u32(12) == dylibUseMarker && len(c) >= dylibUseCmdSize {
			flags := u32(24)
			switch {
			case flags&dylibUseReexport != 0:
				dl.Kind = "reexport"
			case flags&dylibUseUpward != 0:
				dl.Kind = "upward"
			case flags&dylibUseDelayedInit != 0:
				dl.Kind = "delayed"
			case flags&dylibUseWeakLink != 0:
				dl.Kind = "weak"
			}
			dl.Weak = dl.Weak || flags&dylibUseWeakLink != 0
		}
		s.Dylibs = append(s.Dylibs, dl)
	case lcRPath:
		if err := need(12); err != nil {
			return err
		}
		p, err := sd.lcStr(c, 8, 12, pos)
		if err != nil {
			return err
		}
		s.RPaths = append(s.RPaths, p)
	case lcBuildVersion:
		if err := need(buildVersionSize); err != nil {
			return err
		}
		if nt := u32(20); nt > uint64(len(c)-buildVersionSize)/buildToolSize {
			return formatErr(pos+20, "build tool count exceeds load command", nt)
		}
		s.Builds = append(s.Builds, Build{
			Platform: platformName(uint32(u32(8))),
			MinOS:    VersionFromPacked(uint32(u32(12))),
			SDK:      VersionFromPacked(uint32(u32(16))),
		})
	case lcVersionMinMacOSX, lcVersionMinIPhoneOS, lcVersionMinTVOS, lcVersionMinWatchOS:
		if err := need(16); err != nil {
			return err
		}
		p := "macos"
		switch cmd {
		case lcVersionMinIPhoneOS:
			p = "ios"
		case lcVersionMinTVOS:
			p = "tvos"
		case lcVersionMinWatchOS:
			p = "watchos"
		}
		s.Builds = append(s.Builds, Build{Platform: p, MinOS: VersionFromPacked(uint32(u32(8))), SDK: VersionFromPacked(uint32(u32(12)))})
	case lcSymtab:
		if err := need(24); err != nil {
			return err
		}
		if sd.hasSymtab {
			return formatErr(pos, "more than one LC_SYMTAB", nil)
		}
		sd.hasSymtab, sd.symtabAt = true, pos
		sd.symoff, sd.nsyms, sd.stroff, sd.strsize = uint32(u32(8)), uint32(u32(12)), uint32(u32(16)), uint32(u32(20))
		nl := uint64(nlist32Size)
		if s.Is64 {
			nl = nlist64Size
		}
		if err := sd.table(pos+8, "symbol table", u32(8), u32(12), nl); err != nil {
			return err
		}
		return sd.table(pos+16, "string table", u32(16), u32(20), 1)
	case lcDysymtab:
		if err := need(dysymtabSize); err != nil {
			return err
		}
		if sd.hasDysymtab {
			return formatErr(pos, "more than one LC_DYSYMTAB", nil)
		}
		sd.hasDysymtab, sd.dysymtabAt = true, pos
		sd.iundef, sd.nundef = uint32(u32(24)), uint32(u32(28))
		mod := uint64(module32Size)
		if s.Is64 {
			mod = module64Size
		}
		for _, t := range [...]struct {
			at   int
			what string
			ent  uint64
		}{
			{32, "table of contents", 8},
			{40, "module table", mod},
			{48, "external reference table", 4},
			{56, "indirect symbol table", 4},
			{64, "external relocations", relocSize},
			{72, "local relocations", relocSize},
		} {
			if err := sd.table(pos+uint64(t.at), t.what, u32(t.at), u32(t.at+4), t.ent); err != nil {
				return err
			}
		}
	case lcSegment, lcSegment64:
		hdr, sect, fo := uint64(segment32Size), uint64(section32Size), 32
		if cmd == lcSegment64 {
			hdr, sect, fo = segment64Size, section64Size, 40
		}
		if err := need(int(hdr)); err != nil {
			return err
		}
		var fileoff, filesize uint64
		if cmd == lcSegment64 {
			fileoff, filesize = bo.Uint64(c[fo:]), bo.Uint64(c[fo+8:])
		} else {
			fileoff, filesize = u32(fo), u32(fo+4)
		}
		nsects := u32(int(hdr) - 8)
		if nsects > (uint64(len(c))-hdr)/sect {
			return formatErr(pos+hdr-8, "segment section count exceeds load command", nsects)
		}
		if !fileRange(fileoff, filesize, sd.size) {
			return formatErr(pos+uint64(fo), "segment extends past end of image", fmt.Sprintf("%#x+%#x", fileoff, filesize))
		}
	case lcCodeSignature, lcSegmentSplitInfo, lcFunctionStarts, lcDataInCode, lcDylibCodeSignDRs,
		lcLinkerOptimization, lcDyldExportsTrie, lcDyldChainedFixups, lcAtomInfo:
		if err := need(16); err != nil {
			return err
		}
		if cmd == lcCodeSignature {
			s.CodeSignature = true
		}
		return sd.table(pos+8, fmt.Sprintf("linkedit data of load command %#x", cmd), u32(8), u32(12), 1)
	case lcDyldInfo, lcDyldInfoOnly:
		if err := need(dyldInfoSize); err != nil {
			return err
		}
		for i, what := range [...]string{"rebase info", "bind info", "weak bind info", "lazy bind info", "export info"} {
			at := 8 + 8*i
			if err := sd.table(pos+uint64(at), what, u32(at), u32(at+4), 1); err != nil {
				return err
			}
		}
	case lcNote:
		if err := need(noteSize); err != nil {
			return err
		}
		off, n := bo.Uint64(c[24:]), bo.Uint64(c[32:])
		if !fileRange(off, n, sd.size) {
			return formatErr(pos+24, "note extends past end of image", fmt.Sprintf("%#x+%#x", off, n))
		}
	case lcTwolevelHints:
		if err := need(16); err != nil {
			return err
		}
		return sd.table(pos+8, "two-level hints", u32(8), u32(12), 4)
	case lcEncryptionInfo, lcEncryptionInfo64:
		if err := need(20); err != nil {
			return err
		}
		return sd.table(pos+8, "encrypted range", u32(8), u32(12), 1)
	}
	return nil
}

// table checks that count entries of ent bytes at slice offset off lie
// within the slice; at is the file offset of the fields, for the error.
func (sd *sliceDecoder) table(at uint64, what string, off, count, ent uint64) error {
	if count == 0 {
		return nil // an empty table's offset does not matter
	}
	if !fileRange(off, count*ent, sd.size) { // count, ent < 1<<32: no overflow
		return formatErr(at, what+" extends past end of image", fmt.Sprintf("%#x+%#x", off, count*ent))
	}
	return nil
}

// lcStr returns the NUL-terminated string of a load command whose offset
// (lc_str) is at byte field of c and must not point into the command's
// fixed part (the first fixed bytes).
func (sd *sliceDecoder) lcStr(c []byte, field, fixed int, pos uint64) (string, error) {
	off := uint64(sd.bo.Uint32(c[field:]))
	if off < uint64(fixed) || off >= uint64(len(c)) {
		return "", formatErr(pos+uint64(field), "load command string offset out of range", off)
	}
	b := c[off:]
	n := bytes.IndexByte(b, 0)
	if n < 0 {
		return "", formatErr(pos+off, "load command string not NUL-terminated", nil)
	}
	return string(b[:n]), nil
}

// imports decodes the undefined external symbols of the symbol table.
func (sd *sliceDecoder) imports() error {
	if !sd.hasSymtab {
		return nil
	}
	s, bo := sd.s, sd.bo
	first, count := uint64(0), uint64(sd.nsyms)
	if sd.hasDysymtab {
		first, count = uint64(sd.iundef), uint64(sd.nundef)
		if count > uint64(sd.nsyms) || first > uint64(sd.nsyms)-count {
			return formatErr(sd.dysymtabAt+24, "undefined symbol range exceeds symbol table", fmt.Sprintf("%d+%d > %d", first, count, sd.nsyms))
		}
	}
	if count == 0 {
		return nil
	}
	nl := uint64(nlist32Size)
	if s.Is64 {
		nl = nlist64Size
	}
	tab, err := sd.read(sd.base+uint64(sd.symoff)+first*nl, count*nl, "symbol table")
	if err != nil {
		return err
	}
	type cand struct {
		strx uint32
		desc uint16
	}
	var cands []cand
	lo, hi := uint64(sd.strsize), uint64(0)
	for i := range count {
		e := tab[i*nl:]
		ntype := e[4]
		var value uint64
		if s.Is64 {
			value = bo.Uint64(e[8:])
		} else {
			value = uint64(bo.Uint32(e[8:]))
		}
		// Undefined (N_TYPE == N_UNDF), external (N_EXT), not a debugging
		// entry (N_STAB) and not a common symbol (non-zero value).
		if ntype&0xe0 != 0 || ntype&0x0e != 0 || ntype&0x01 == 0 || value != 0 {
			continue
		}
		strx := bo.Uint32(e)
		if uint64(strx) >= uint64(sd.strsize) {
			return formatErr(sd.base+uint64(sd.symoff)+(first+i)*nl, "symbol name offset out of range", strx)
		}
		cands = append(cands, cand{strx, bo.Uint16(e[6:])})
		lo, hi = min(lo, uint64(strx)), max(hi, uint64(strx))
	}
	if len(cands) == 0 {
		return nil
	}
	// Read the part of the string table that holds the names, plus some
	// slack for the last one; names that run past it are read alone.
	end := min(uint64(sd.strsize), hi+256)
	strBase := sd.base + uint64(sd.stroff)
	buf, err := sd.read(strBase+lo, end-lo, "string table")
	if err != nil {
		return err
	}
	s.Imports = make([]Symbol, 0, len(cands))
	two := s.TwoLevel()
	for _, c := range cands {
		rel := uint64(c.strx) - lo
		n := bytes.IndexByte(buf[rel:], 0)
		var name string
		if n >= 0 {
			name = string(buf[rel : rel+uint64(n)])
		} else {
			ln := min(uint64(sd.strsize)-uint64(c.strx), maxNameLen)
			b, err := sd.read(strBase+uint64(c.strx), ln, "symbol name")
			if err != nil {
				return err
			}
			n = bytes.IndexByte(b, 0)
			if n < 0 {
				return formatErr(strBase+uint64(c.strx), "symbol name unterminated or too long", ln)
			}
			name = string(b[:n])
		}
		sym := Symbol{Name: name, Weak: c.desc&0x40 != 0} // N_WEAK_REF
		if two {
			switch o := int(c.desc >> 8); o {
			case 0xfe:
				sym.Ordinal = OrdinalDynamicLookup
			case 0xff:
				sym.Ordinal = OrdinalExecutable
			default:
				sym.Ordinal = o
			}
		}
		s.Imports = append(s.Imports, sym)
	}
	return nil
}
