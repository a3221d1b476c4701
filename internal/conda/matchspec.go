package conda

import "strings"

// SpecName returns the package name a MatchSpec (CEP 29) selects, or ""
// when it names none. It follows conda's parser: a '#' comment and an
// " if " condition are dropped; an artifact file name or URL
// (".../numpy-1.26.4-py312_0.conda") gives the name before its version
// and build; otherwise the bracketed keyword part ("[version='>=1']")
// and a parenthesized part are removed, then everything up to the last
// ':' (the channel, subdir and namespace, "conda-forge/linux-64::"), and
// the name is what precedes the first of " =<>!~".
//
//	"libzlib >=1.2.13,<2.0a0"        → "libzlib"
//	"conda-forge::numpy 1.26.*"      → "numpy"
//	"python_abi 3.12.* *_cp312"      → "python_abi"
//	"pkg[version='>=1']"             → "pkg"
func SpecName(spec string) string {
	s := spec
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, " if "); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if base, ok := cutArtifactExt(s); ok {
		// An artifact: name-version-build, the name is all but the last
		// two parts of the file name.
		parts := strings.Split(base[strings.LastIndexAny(base, "/\\:")+1:], "-")
		if len(parts) < 3 {
			return ""
		}
		s = strings.Join(parts[:len(parts)-2], "-")
	} else {
		s = cutGroup(s, '[', ']')
		s = cutGroup(s, '(', ')')
		s = strings.TrimSpace(s[strings.LastIndexByte(s, ':')+1:])
	}
	if i := strings.IndexAny(s, " =<>!~"); i >= 0 {
		s = s[:i]
	}
	return s
}

// cutArtifactExt removes the extension of a conda artifact's file name.
func cutArtifactExt(s string) (string, bool) {
	for _, ext := range []string{".conda", ".tar.bz2"} {
		if base, ok := strings.CutSuffix(s, ext); ok {
			return base, true
		}
	}
	return s, false
}

// cutGroup removes the group that starts at the last open that has a
// close after it and ends at the last close, as conda's regular
// expression ".*(\[.*\])" finds it.
func cutGroup(s string, open, close byte) string {
	end := strings.LastIndexByte(s, close)
	if end < 0 {
		return s
	}
	start := strings.LastIndexByte(s[:end], open)
	if start < 0 {
		return s
	}
	return s[:start] + s[end+1:]
}
