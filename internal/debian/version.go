package debian

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// A Version is a Debian version number, [epoch:]upstream[-revision]
// (deb-version(7)).
type Version struct {
	// Epoch is 0 when the version has none.
	Epoch int
	// Upstream is the upstream version ("1.2.13.dfsg").
	Upstream string
	// Revision is the Debian revision ("1"), "" when there is none.
	Revision string
}

// ParseVersion parses a version number the way dpkg does: surrounding
// whitespace is ignored, the epoch ends at the first colon and the
// revision starts after the last hyphen. It rejects what dpkg rejects
// (an empty version, embedded spaces, an epoch that is not a number, an
// empty upstream version or revision) and, stricter than dpkg, which
// only warns, characters other than letters, digits and ".+~" (and '-'
// and ':' in the upstream version).
func ParseVersion(s string) (Version, error) {
	orig := s
	s = strings.Trim(s, " \t\n\r")
	fail := func(msg string) (Version, error) {
		return Version{}, fmt.Errorf("version %q: %s", clip(orig), msg)
	}
	if s == "" {
		return fail("empty version")
	}
	if strings.ContainsAny(s, " \t\n\r") {
		return fail("embedded spaces")
	}
	var v Version
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if i == 0 {
			return fail("the epoch is empty")
		}
		if !isDigits(s[:i]) {
			return fail("the epoch is not a number")
		}
		e, err := strconv.ParseUint(s[:i], 10, 64)
		if err != nil || e > math.MaxInt32 {
			return fail("the epoch is too big")
		}
		v.Epoch = int(e)
		s = s[i+1:]
		if s == "" {
			return fail("nothing after the colon")
		}
	}
	v.Upstream = s
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		v.Upstream, v.Revision = s[:i], s[i+1:]
		if v.Revision == "" {
			return fail("the revision is empty")
		}
	}
	if v.Upstream == "" {
		return fail("the upstream version is empty")
	}
	for i := 0; i < len(v.Upstream); i++ {
		if c := v.Upstream[i]; !isAlnum(c) && !strings.ContainsRune(".-+~:", rune(c)) {
			return fail(fmt.Sprintf("invalid character %q in the upstream version", c))
		}
	}
	for i := 0; i < len(v.Revision); i++ {
		if c := v.Revision[i]; !isAlnum(c) && !strings.ContainsRune(".+~", rune(c)) {
			return fail(fmt.Sprintf("invalid character %q in the revision", c))
		}
	}
	return v, nil
}

// String returns the version as dpkg prints it: the epoch only when it
// is not 0 (or the upstream version has a colon), the revision only when
// there is one. ParseVersion reads it back as v.
func (v Version) String() string {
	s := v.Upstream
	if v.Epoch != 0 || strings.Contains(s, ":") {
		s = strconv.Itoa(v.Epoch) + ":" + s
	}
	if v.Revision != "" {
		s += "-" + v.Revision
	}
	return s
}

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w,
// by deb-version(7): epochs numerically, then the upstream versions,
// then the revisions, each compared with dpkg's verrevcmp.
func (v Version) Compare(w Version) int {
	switch {
	case v.Epoch < w.Epoch:
		return -1
	case v.Epoch > w.Epoch:
		return 1
	}
	if c := compareParts(v.Upstream, w.Upstream); c != 0 {
		return c
	}
	return compareParts(v.Revision, w.Revision)
}

// compareParts is dpkg's verrevcmp: alternately the longest non-digit
// prefixes, compared character by character with order, and the longest
// digit prefixes, compared as numbers of any length.
func compareParts(a, b string) int {
	for a != "" || b != "" {
		for (a != "" && !isDigit(a[0])) || (b != "" && !isDigit(b[0])) {
			ac, bc := order(a), order(b)
			if ac != bc {
				return sign(ac - bc)
			}
			a, b = a[1:], b[1:]
		}
		a = strings.TrimLeft(a, "0")
		b = strings.TrimLeft(b, "0")
		first := 0
		for a != "" && b != "" && isDigit(a[0]) && isDigit(b[0]) {
			if first == 0 {
				first = int(a[0]) - int(b[0])
			}
			a, b = a[1:], b[1:]
		}
		if a != "" && isDigit(a[0]) {
			return 1
		}
		if b != "" && isDigit(b[0]) {
			return -1
		}
		if first != 0 {
			return sign(first)
		}
	}
	return 0
}

// order ranks the first character of s in a non-digit run: '~' before
// the end of the part, the end (and digits) before letters, letters
// before everything else.
func order(s string) int {
	if s == "" {
		return 0
	}
	switch c := s[0]; {
	case isDigit(c):
		return 0
	case isAlpha(c):
		return int(c)
	case c == '~':
		return -1
	default:
		return int(c) + 256
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
