package elf

import (
	"debug/elf"
)

const ntGNUPropertyType0 = 5 // NT_GNU_PROPERTY_TYPE_0

// noteRange is a range of the file holding notes.
type noteRange struct {
	off, size, align uint64
}

// noteSegments returns the segments searched for the GNU property note:
// PT_GNU_PROPERTY when there is one (it covers exactly .note.gnu.property),
// else every PT_NOTE, as glibc does. It is nil for machines other than x86,
// where the x86 ISA property is meaningless.
func noteSegments(h *header, progs []prog) []noteRange {
	if !isX86(h.machine) {
		return nil
	}
	var notes []noteRange
	for _, p := range progs {
		if p.typ == elf.PT_GNU_PROPERTY {
			return []noteRange{{p.off, p.filesz, p.align}}
		}
		if p.typ == elf.PT_NOTE {
			notes = append(notes, noteRange{p.off, p.filesz, p.align})
		}
	}
	return notes
}

// notes looks for the x86 ISA property in the note segments, or in the
// SHT_NOTE sections of a file that has no note segment.
func (d *decoder) notes() error {
	ranges := noteSegments(d.h, d.progs)
	if len(ranges) == 0 {
		for _, s := range d.sects {
			if s.typ == elf.SHT_NOTE {
				ranges = append(ranges, noteRange{s.off, s.size, s.addralign})
			}
		}
	}
	for _, nr := range ranges {
		if nr.size > maxNote {
			return formatErr(nr.off, "note too large", nr.size)
		}
		b, err := d.read(nr.off, nr.size, "notes")
		if err != nil {
			return err
		}
		if v, ok := d.isaNeeded(b, nr.align); ok {
			d.f.X86ISANeeded, d.f.HasX86ISANote = v, true
			return nil
		}
	}
	return nil
}

// isaNeeded walks the notes in b and returns the
// GNU_PROPERTY_X86_ISA_1_NEEDED value of the first NT_GNU_PROPERTY_TYPE_0
// note from "GNU" that has one. Notes are padded to 8 bytes when the segment
// or section is 8-aligned, else to 4. A malformed note ends the walk: the
// property is optional and the loader ignores such notes too.
func (d *decoder) isaNeeded(b []byte, align uint64) (uint32, bool) {
	bo := d.h.bo
	if align != 8 {
		align = 4
	}
	for uint64(len(b)) >= 12 {
		namesz := uint64(bo.Uint32(b))
		descsz := uint64(bo.Uint32(b[4:]))
		typ := bo.Uint32(b[8:])
		descOff := alignUp(12+namesz, align)
		descEnd := descOff + descsz
		if descEnd > uint64(len(b)) {
			return 0, false
		}
		if typ == ntGNUPropertyType0 && namesz == 4 && string(b[12:16]) == "GNU\x00" {
			if v, ok := d.isaProperty(b[descOff:descEnd]); ok {
				return v, true
			}
		}
		next := alignUp(descEnd, align)
		if next >= uint64(len(b)) {
			return 0, false
		}
		b = b[next:]
	}
	return 0, false
}

// isaProperty walks the properties of a GNU property note. Each is
// pr_type, pr_datasz and pr_data padded to 8 bytes (ELF64) or 4 (ELF32).
func (d *decoder) isaProperty(b []byte) (uint32, bool) {
	bo := d.h.bo
	align := uint64(4)
	if d.h.is64() {
		align = 8
	}
	for uint64(len(b)) >= 8 {
		typ := bo.Uint32(b)
		sz := uint64(bo.Uint32(b[4:]))
		if sz > uint64(len(b))-8 {
			return 0, false
		}
		if typ == x86ISANeededProp && sz == 4 {
			return bo.Uint32(b[8:]), true
		}
		next := alignUp(8+sz, align)
		if next >= uint64(len(b)) {
			return 0, false
		}
		b = b[next:]
	}
	return 0, false
}

// alignUp rounds n up to a multiple of align, a power of two. n is at most
// a few times 1<<32, so it cannot overflow.
func alignUp(n, align uint64) uint64 { return (n + align - 1) &^ (align - 1) }
