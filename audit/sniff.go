package audit

import "bytes"

// Sniff returns the binary format of a file from its first bytes, or ""
// when it is not a binary libvet audits. Four bytes are enough.
func Sniff(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return FormatELF
	case bytes.HasPrefix(head, []byte("MZ")):
		return FormatPE
	case bytes.HasPrefix(head, []byte{0xfe, 0xed, 0xfa, 0xce}), // MH_MAGIC
		bytes.HasPrefix(head, []byte{0xce, 0xfa, 0xed, 0xfe}), // MH_CIGAM
		bytes.HasPrefix(head, []byte{0xfe, 0xed, 0xfa, 0xcf}), // MH_MAGIC_64
		bytes.HasPrefix(head, []byte{0xcf, 0xfa, 0xed, 0xfe}), // MH_CIGAM_64
		bytes.HasPrefix(head, []byte{0xca, 0xfe, 0xba, 0xbf}): // FAT_MAGIC_64
		return FormatMachO
	case bytes.HasPrefix(head, []byte{0xca, 0xfe, 0xba, 0xbe}): // FAT_MAGIC, or a Java class
		// A Java class file has its version (>= 45) where a fat header
		// has a small architecture count.
		if len(head) >= 8 && head[4] == 0 && head[5] == 0 && head[6] == 0 && head[7] > 0 && head[7] < 40 {
			return FormatMachO
		}
	}
	return ""
}
