package debian

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MinVer is the placeholder in a symbols file's dependency templates
// that stands for a version constraint.
const MinVer = "#MINVER#"

// A SymbolsLib is the entry of one library in a symbols file
// (deb-symbols(5)).
type SymbolsLib struct {
	// Soname is the library's DT_SONAME ("libz.so.1").
	Soname string
	// Templates are the dependency templates as written: [0] is the main
	// one, from the library's first line ("zlib1g #MINVER#"); [n] is the
	// n-th alternative, from the n-th "| ..." line.
	Templates []string
	// Fields are the "* Name: value" lines (Build-Depends-Package, …).
	Fields []Field
	// Symbols are the exported symbols, in file order.
	Symbols []Symbol
	// Line is the line of the library's first line.
	Line int
}

// A Symbol is one exported symbol of a [SymbolsLib].
type Symbol struct {
	// Name and Version are the symbol and its version node, "Base" when
	// the library has no symbol versioning ("adler32", "ZLIB_1.2.0").
	Name, Version string
	// MinVersion is the first package version that provides the symbol.
	MinVersion Version
	// Template is the index of the alternative template that applies in
	// addition to the main one, 0 when none does.
	Template int
}

// MinVersions returns, for each symbol version node of the library, the
// smallest MinVersion of its symbols: the package version that
// introduced the node. A binary that needs the node needs at least that
// version of the package.
func (l *SymbolsLib) MinVersions() map[string]Version {
	m := make(map[string]Version)
	for _, s := range l.Symbols {
		if v, ok := m[s.Version]; !ok || s.MinVersion.Compare(v) < 0 {
			m[s.Version] = s.MinVersion
		}
	}
	return m
}

// Depends returns the dependency a binary using a symbol gets: the main
// template, joined with alternative template when it is not 0, with
// #MINVER# replaced by "(>= minver)", or removed when minver is "".
func (l *SymbolsLib) Depends(template int, minver string) ([]Dependency, error) {
	if template < 0 || template >= len(l.Templates) {
		return nil, fmt.Errorf("%s: no dependency template %d", l.Soname, template)
	}
	sub := ""
	if minver != "" {
		sub = "(>= " + minver + ")"
	}
	text := l.Templates[0]
	if template > 0 {
		text += ", " + l.Templates[template]
	}
	deps, err := ParseRelations(strings.ReplaceAll(text, MinVer, sub))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.Soname, err)
	}
	return deps, nil
}

// ParseSymbols reads a symbols file as installed by dpkg
// (var/lib/dpkg/info/<package>.symbols); name is used in errors. Lines
// starting with '#' are comments and blank lines are skipped. Like
// [ParseShlibs], it keeps going past a malformed line, returning the
// libraries it read and an error joining a [*SyntaxError] for each of
// the first few bad lines.
func ParseSymbols(r io.Reader, name string) ([]SymbolsLib, error) {
	var libs []SymbolsLib
	var errs []error
	err := scanLines(r, name, func(n int, line string) *SyntaxError {
		bad := func(format string, args ...any) *SyntaxError {
			return &SyntaxError{File: name, Line: n, Msg: fmt.Sprintf(format, args...)}
		}
		line = strings.TrimRight(line, " \t\r")
		if line == "" || line[0] == '#' {
			return nil
		}
		var cur *SymbolsLib
		if len(libs) > 0 {
			cur = &libs[len(libs)-1]
		}
		switch line[0] {
		case ' ', '\t':
			if cur == nil {
				return bad("symbol line before the first library line")
			}
			s, msg := parseSymbol(line, len(cur.Templates))
			if msg != "" {
				return bad("%s", msg)
			}
			cur.Symbols = append(cur.Symbols, s)
		case '|':
			if cur == nil {
				return bad("alternative dependency template before the first library line")
			}
			t := strings.Trim(line[1:], " \t")
			if msg := checkTemplate(t); msg != "" {
				return bad("%s", msg)
			}
			cur.Templates = append(cur.Templates, t)
		case '*':
			if cur == nil {
				return bad("field line before the first library line")
			}
			fname, value, ok := strings.Cut(line[1:], ":")
			fname = strings.Trim(fname, " \t")
			if !ok || fname == "" {
				return bad("field line %q is not \"* Name: value\"", clip(line))
			}
			cur.Fields = append(cur.Fields, Field{Name: fname, Value: strings.Trim(value, " \t"), Line: n})
		default:
			soname, tmpl := cutSpace(line)
			if tmpl == "" {
				return bad("library line %q has no dependency template", clip(line))
			}
			if msg := checkTemplate(tmpl); msg != "" {
				return bad("%s", msg)
			}
			libs = append(libs, SymbolsLib{Soname: soname, Templates: []string{tmpl}, Line: n})
		}
		return nil
	}, &errs)
	if err != nil {
		errs = append(errs, err)
	}
	return libs, errors.Join(errs...)
}

// checkTemplate returns what is wrong with a dependency template, or "".
func checkTemplate(t string) string {
	if t == "" {
		return "empty dependency template"
	}
	if _, err := ParseRelations(strings.ReplaceAll(t, MinVer, "(>= 0)")); err != nil {
		return "dependency template: " + err.Error()
	}
	return ""
}

// parseSymbol parses " name@version minver [id]"; templates is how many
// dependency templates the library has so far.
func parseSymbol(line string, templates int) (Symbol, string) {
	f := strings.Fields(line)
	if len(f) < 2 || len(f) > 3 {
		return Symbol{}, fmt.Sprintf("symbol line %q is not \" name@version minimal-version [template-id]\"", clip(line))
	}
	if c := f[0][0]; c == '(' || c == '"' {
		return Symbol{}, fmt.Sprintf("symbol %q uses the template syntax of deb-src-symbols(5) (tags, quotes), which installed symbols files do not", clip(f[0]))
	}
	at := strings.LastIndexByte(f[0], '@')
	if at <= 0 || at == len(f[0])-1 {
		return Symbol{}, fmt.Sprintf("symbol %q is not name@version", clip(f[0]))
	}
	s := Symbol{Name: f[0][:at], Version: f[0][at+1:]}
	v, err := ParseVersion(f[1])
	if err != nil {
		return Symbol{}, fmt.Sprintf("symbol %s: minimal %v", clip(f[0]), err)
	}
	s.MinVersion = v
	if len(f) == 3 {
		id, err := strconv.Atoi(f[2])
		if err != nil || id < 1 || id >= templates || !isDigits(f[2]) {
			return Symbol{}, fmt.Sprintf("symbol %s: template id %q does not name an alternative template (the library has %d)", clip(f[0]), clip(f[2]), templates-1)
		}
		s.Template = id
	}
	return s, ""
}
