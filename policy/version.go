package policy

import "github.com/libvet/libvet/internal/symver"

// SplitVersion splits an ELF symbol version name into its namespace and its
// version, at the first '_', as auditwheel does (str.partition("_")):
//
//	"GLIBCXX_3.4.19"    → "GLIBCXX", "3.4.19"
//	"GLIBC_PRIVATE"     → "GLIBC", "PRIVATE"
//	"GLIBCXX_LDBL_3.4"  → "GLIBCXX", "LDBL_3.4"
//	"GLIBC_ABI_DT_RELR" → "GLIBC", "ABI_DT_RELR"
//
// A name without '_' is all namespace: it returns (v, "").
func SplitVersion(v string) (namespace, version string) { return symver.Split(v) }

// CompareVersion orders the version part of symbol versions (the text after
// the namespace, see [SplitVersion]), returning -1, 0 or +1: numeric
// components by value ("3.4.9" < "3.4.19"), numeric before non-numeric
// ("1.3.11" < "FLOAT128" < "TM_1"), a prefix first ("2.2" < "2.2.5"). The
// order is total: CompareVersion(a, b) == 0 exactly when a == b.
func CompareVersion(a, b string) int { return symver.Compare(a, b) }
