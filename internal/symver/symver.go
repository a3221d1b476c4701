// Package symver splits and orders ELF symbol version names
// ("GLIBCXX_3.4.19"). Package policy exports it, and the generator of the
// policy data sorts with it, so both agree by construction; externaldeps
// compares the numbers of PEP 440 versions with CompareNumeric.
package symver

import (
	"cmp"
	"strings"
)

// Split splits an ELF symbol version name into its namespace and its
// version, at the first '_', as auditwheel does (str.partition("_")):
//
//	"GLIBCXX_3.4.19"    → "GLIBCXX", "3.4.19"
//	"GLIBC_PRIVATE"     → "GLIBC", "PRIVATE"
//	"GLIBCXX_LDBL_3.4"  → "GLIBCXX", "LDBL_3.4"
//	"GLIBC_ABI_DT_RELR" → "GLIBC", "ABI_DT_RELR"
//
// A name without '_' is all namespace: it returns (v, "").
func Split(v string) (namespace, version string) {
	namespace, version, _ = strings.Cut(v, "_")
	return namespace, version
}

// Compare orders the version part of symbol versions (the text after
// the namespace, see [Split]). It returns -1, 0 or +1.
//
// Versions are compared component by component, splitting at '.':
//   - two numeric components (ASCII digits only) compare as numbers, so
//     "3.4.9" < "3.4.19" and "2.2.5" < "2.10";
//   - a numeric component sorts before a non-numeric one, so "1.3.11" <
//     "FLOAT128" < "TM_1" and "3.4.31" < "LDBL_3.4";
//   - two non-numeric components compare byte-wise;
//   - when one version is a prefix of the other, the shorter sorts first
//     ("2.2" < "2.2.5").
//
// Versions equal under these rules (only possible with leading zeros, "01"
// and "1") fall back to a byte-wise comparison of the whole strings, so the
// order is total and deterministic: Compare(a, b) == 0 exactly when
// a == b.
func Compare(a, b string) int {
	if a == b {
		return 0
	}
	ra, rb := a, b
	for {
		ca, moreA := versionNextComponent(&ra)
		cb, moreB := versionNextComponent(&rb)
		if c := versionCompareComponent(ca, cb); c != 0 {
			return c
		}
		switch {
		case !moreA && !moreB:
			return strings.Compare(a, b)
		case !moreA:
			return -1
		case !moreB:
			return 1
		}
	}
}

// versionNextComponent cuts the first '.'-separated component off *rest and
// reports whether more components follow.
func versionNextComponent(rest *string) (component string, more bool) {
	component, *rest, more = strings.Cut(*rest, ".")
	return component, more
}

// versionCompareComponent compares two version components: numeric ones by
// value, numeric before non-numeric, non-numeric ones byte-wise.
func versionCompareComponent(a, b string) int {
	na, nb := Numeric(a), Numeric(b)
	switch {
	case na && nb:
		return CompareNumeric(a, b)
	case na:
		return -1
	case nb:
		return 1
	default:
		return strings.Compare(a, b)
	}
}

// CompareNumeric compares two runs of decimal digits by value, whatever
// their leading zeros ("007" = "7" < "10"), without converting them: they
// may be longer than any integer type.
func CompareNumeric(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return cmp.Compare(len(a), len(b))
	}
	return strings.Compare(a, b)
}

// Numeric reports whether s is a non-empty run of ASCII digits (a numeric
// version component).
func Numeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// AllNumeric reports whether every '.'-separated component of v is
// numeric ("2.17", "1.3.7"; not "TM_1", "LDBL_3.4" or "ABI_DT_RELR").
func AllNumeric(v string) bool {
	for {
		c, more := versionNextComponent(&v)
		if !Numeric(c) {
			return false
		}
		if !more {
			return true
		}
	}
}
