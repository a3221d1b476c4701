package debian

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxLineErrors is how many bad lines one file reports.
const maxLineErrors = 10

// A Shlib is one entry of a shlibs file (deb-shlibs(5)):
// "[type:] library version dependencies".
type Shlib struct {
	// Type is "" for ordinary packages; "udeb" entries are for the
	// Debian installer.
	Type string
	// Library and Version name the soname: "libz" and "1" stand for
	// libz.so.1 (or libz-1.so; see [SplitSoname]).
	Library, Version string
	// Depends is the dependency a binary linked with the library gets
	// ("zlib1g (>= 1:1.2.3.3.dfsg-1)"); nil when the line has none.
	Depends []Dependency
	// Line is the entry's line in its file.
	Line int
}

// Matches reports whether the entry describes soname.
func (s Shlib) Matches(soname string) bool {
	lib, ver, ok := SplitSoname(soname)
	return ok && lib == s.Library && ver == s.Version
}

// SplitSoname splits a soname into the library and version of a shlibs
// entry, as dpkg-shlibdeps does: "libfoo.so.1.2" gives "libfoo" and
// "1.2" (at the last ".so."), "libfoo-1.2.so" gives "libfoo" and "1.2"
// (at the last '-' followed by a digit). ok is false for other names
// ("libfoo.so").
func SplitSoname(soname string) (library, version string, ok bool) {
	if i := strings.LastIndex(soname, ".so."); i >= 0 {
		return soname[:i], soname[i+len(".so."):], true
	}
	if base, found := strings.CutSuffix(soname, ".so"); found {
		for i := len(base) - 1; i >= 0; i-- {
			if base[i] == '-' && i+1 < len(base) && isDigit(base[i+1]) {
				return base[:i], base[i+1:], true
			}
		}
	}
	return "", "", false
}

// ParseShlibs reads a shlibs file; name is used in errors. Lines
// starting with '#' are comments; blank lines are skipped (deb-shlibs(5)
// forbids them; dpkg-shlibdeps skips them with a warning). Like
// dpkg-shlibdeps, it keeps going past a malformed line: it returns the
// entries of the good lines and, when some line was bad, an error
// joining a [*SyntaxError] for each of the first few bad lines.
func ParseShlibs(r io.Reader, name string) ([]Shlib, error) {
	var out []Shlib
	var errs []error
	err := scanLines(r, name, func(n int, line string) *SyntaxError {
		if strings.HasPrefix(line, "#") {
			return nil
		}
		line = strings.Trim(line, " \t\r")
		if line == "" {
			return nil
		}
		bad := func(format string, args ...any) *SyntaxError {
			return &SyntaxError{File: name, Line: n, Msg: fmt.Sprintf(format, args...)}
		}
		e := Shlib{Line: n}
		first, rest := cutSpace(line)
		if len(first) > 1 && strings.HasSuffix(first, ":") && rest != "" {
			e.Type = first[:len(first)-1]
			line = rest
		}
		e.Library, rest = cutSpace(line)
		e.Version, rest = cutSpace(rest)
		if e.Version == "" {
			return bad("line %q is not \"[type:] library version dependencies\"", clip(line))
		}
		if rest != "" {
			deps, err := ParseRelations(rest)
			if err != nil {
				return bad("dependencies: %v", err)
			}
			e.Depends = deps
		}
		out = append(out, e)
		return nil
	}, &errs)
	if err != nil {
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

// scanLines calls fn for each line of r (numbered from 1), collecting
// the first few syntax errors fn returns in errs. It returns a read
// error or a too-long line, which stop the scan.
func scanLines(r io.Reader, name string, fn func(n int, line string) *SyntaxError, errs *[]error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineLength)
	n := 0
	for sc.Scan() {
		n++
		if err := fn(n, sc.Text()); err != nil && len(*errs) < maxLineErrors {
			*errs = append(*errs, err)
		}
	}
	switch err := sc.Err(); {
	case errors.Is(err, bufio.ErrTooLong):
		return &SyntaxError{File: name, Line: n + 1, Msg: fmt.Sprintf("line longer than %d bytes", MaxLineLength)}
	case err != nil:
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// cutSpace returns the first whitespace-separated word of s and the
// rest, without the whitespace between them.
func cutSpace(s string) (word, rest string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}
