// Package magic tells the binary formats libvet reads apart by their
// first bytes, for every reader of files of unknown format (the audit of
// an artifact's members, libvet tree's file).
package magic

import (
	"bytes"
	"encoding/binary"
)

// The formats, as [Sniff] names them.
const (
	ELF   = "elf"
	PE    = "pe"
	MachO = "macho"
)

// HeadLen is how many leading bytes are enough for Sniff: a PE file's
// e_lfanew and signature in the usual layout.
const HeadLen = 512

// Sniff returns the binary format of a file from its first bytes, or ""
// when it is not a binary libvet audits. An "MZ" file is PE only when its
// e_lfanew points at a "PE\0\0" signature within the first 4 KiB; when
// head is too short to show it (PE headers usually start within 512
// bytes), MZ is taken as PE.
func Sniff(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return ELF
	case bytes.HasPrefix(head, []byte("MZ")):
		if len(head) < 0x40 {
			return PE
		}
		lfanew := int64(binary.LittleEndian.Uint32(head[0x3c:]))
		if lfanew < 0x40 || lfanew >= 1<<12 {
			return "" // no PE header can start there: not a Windows binary
		}
		if lfanew+4 > int64(len(head)) {
			return PE // past what was read: take MZ's word for it
		}
		if bytes.Equal(head[lfanew:lfanew+4], []byte("PE\x00\x00")) {
			return PE
		}
		return "" // a DOS program, or text starting with MZ
	case bytes.HasPrefix(head, []byte{0xfe, 0xed, 0xfa, 0xce}), // MH_MAGIC
		bytes.HasPrefix(head, []byte{0xce, 0xfa, 0xed, 0xfe}), // MH_CIGAM
		bytes.HasPrefix(head, []byte{0xfe, 0xed, 0xfa, 0xcf}), // MH_MAGIC_64
		bytes.HasPrefix(head, []byte{0xcf, 0xfa, 0xed, 0xfe}), // MH_CIGAM_64
		bytes.HasPrefix(head, []byte{0xca, 0xfe, 0xba, 0xbf}): // FAT_MAGIC_64
		return MachO
	case bytes.HasPrefix(head, []byte{0xca, 0xfe, 0xba, 0xbe}): // FAT_MAGIC, or a Java class
		// A Java class file has its version (>= 45) where a fat header
		// has a small architecture count.
		if len(head) >= 8 && head[4] == 0 && head[5] == 0 && head[6] == 0 && head[7] > 0 && head[7] < 40 {
			return MachO
		}
	}
	return ""
}
