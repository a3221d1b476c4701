package audit

import "github.com/libvet/libvet/internal/magic"

// Sniff returns the binary format of a file from its first bytes, or ""
// when it is not a binary libvet audits (see magic.Sniff).
func Sniff(head []byte) Format { return Format(magic.Sniff(head)) }
