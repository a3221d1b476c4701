// Package pyname normalises Python distribution names, for every place
// libvet compares them (a wheel's .dist-info directory with its file
// name, Requires-Dist with installed wheels, markers' extras).
package pyname

import "strings"

// Normalize normalises a distribution, extra or group name (PEP 503,
// PEP 685): lower case, with each run of '-', '_' and '.' made one '-'.
func Normalize(s string) string {
	var b strings.Builder
	sep := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' || c == '_' || c == '.' {
			sep = true
			continue
		}
		if sep {
			b.WriteByte('-')
			sep = false
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	if sep {
		b.WriteByte('-')
	}
	return b.String()
}
