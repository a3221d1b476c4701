package externaldeps

import (
	"fmt"
	"strings"
)

// Metadata is what libvet reads from a core metadata file: a wheel's
// .dist-info/METADATA, an sdist's PKG-INFO, or an installed
// distribution's METADATA.
type Metadata struct {
	// File is the name given to ParseMetadata, used in messages.
	File string

	MetadataVersion string // Metadata-Version, such as "2.4"
	Name            string // Name, as written
	Version         string // Version, as written

	RequiresDist  []DistRequirement // Requires-Dist
	ProvidesExtra []string          // Provides-Extra, as written
	// RequiresExternal holds the legacy Requires-External lines (core
	// metadata 1.2): free-form hints that PEP 725 deprecates.
	RequiresExternal []ExternalHint
	// RequiresExternalDep holds the Requires-External-Dep lines (PEP 725):
	// a DepURL and an optional marker each; runtime dependencies of an
	// extra carry `extra == "name"` in their marker.
	RequiresExternalDep   []Requirement
	ProvidesExternalExtra []string // Provides-External-Extra (PEP 725), as written
}

// DistRequirement is a Requires-Dist line: a PEP 508 dependency on
// another Python distribution.
type DistRequirement struct {
	Name      string   // the distribution's name, as written; compare with NormalizeName
	Extras    []string // the extras in [brackets], as written
	Specifier string   // the version specifier without parentheses (">=1.0,<2"), or ""
	URL       string   // the direct reference after '@', or ""
	Marker    *Marker  // nil when there is none
	Text      string   // the value as written
	Line      int      // 1-based line of the header
}

// ExternalHint is a legacy Requires-External line: the name of an
// external dependency, optionally a version in parentheses, and an
// optional marker, as in "libpng (>=1.5); sys_platform != 'win32'". The
// core metadata specification sets no rule for the name or the version.
type ExternalHint struct {
	Name    string  // "libpng"
	Version string  // what the parentheses hold, ">=1.5", or ""
	Marker  *Marker // nil when there is none
	Text    string  // the value as written
	Line    int     // 1-based line of the header
}

// ParseMetadata reads a core metadata file: "Name: value" headers, with
// continuation lines (starting with a space or tab) unfolded, up to the
// first empty line; the body after it (the description) is ignored.
// Field names are case-insensitive. It keeps Metadata-Version, Name,
// Version, Requires-Dist, Provides-Extra, Requires-External,
// Requires-External-Dep and Provides-External-Extra; other fields are
// skipped.
//
// Problems are reported with their line: a line that is neither a header
// nor a continuation, a missing or repeated Metadata-Version, Name or
// Version, a Requires-Dist that is not a PEP 508 specifier, a
// Requires-External-Dep that is not an external dependency specifier
// ([ParseRequirement]), a malformed marker, and an invalid extra name.
// The error then joins one *[Error] per problem (at most 50, then a
// count), and the returned Metadata holds everything that was valid.
func ParseMetadata(name string, data []byte) (*Metadata, error) {
	m := &Metadata{File: name}
	probs := problems{file: name}
	type header struct {
		key, value string
		line       int
	}
	var headers []header
	rest := string(data)
	for i := 0; rest != ""; i++ {
		l, after, _ := strings.Cut(rest, "\n")
		rest = after
		l = strings.TrimSuffix(l, "\r")
		if l == "" {
			break // the headers end at the first empty line
		}
		if l[0] == ' ' || l[0] == '\t' {
			if len(headers) == 0 {
				probs.addf(i+1, "", "continuation line before any header")
				continue
			}
			// RFC 822 unfolding: the line break goes, the whitespace stays.
			headers[len(headers)-1].value += l
			continue
		}
		key, value, ok := strings.Cut(l, ":")
		if !ok || !validFieldName(key) {
			probs.addf(i+1, "", "not a \"Name: value\" header: %s", forMessage(l))
			continue
		}
		headers = append(headers, header{key: strings.ToLower(key), value: value, line: i + 1})
	}
	single := map[string]*string{
		"metadata-version": &m.MetadataVersion,
		"name":             &m.Name,
		"version":          &m.Version,
	}
	seen := map[string]int{}
	for _, h := range headers {
		v := strings.TrimSpace(h.value)
		field := canonicalField(h.key)
		if dst, ok := single[h.key]; ok {
			if first, dup := seen[h.key]; dup {
				probs.addf(h.line, field, "repeats the %s of line %d; using the first", field, first)
				continue
			}
			seen[h.key] = h.line
			*dst = v
			continue
		}
		switch h.key {
		case "requires-dist":
			r, err := parseDistRequirement(v)
			if err != nil {
				probs.add(h.line, field, err)
				continue
			}
			r.Line = h.line
			m.RequiresDist = append(m.RequiresDist, r)
		case "provides-extra", "provides-external-extra":
			if !validName(v) {
				probs.addf(h.line, field, "%q is not a valid extra name (ASCII letters, digits, '-', '_' and '.', starting and ending with a letter or digit)", v)
				continue
			}
			if h.key == "provides-extra" {
				m.ProvidesExtra = append(m.ProvidesExtra, v)
			} else {
				m.ProvidesExternalExtra = append(m.ProvidesExternalExtra, v)
			}
		case "requires-external":
			hint, err := parseExternalHint(v)
			if err != nil {
				probs.add(h.line, field, err)
				continue
			}
			hint.Line = h.line
			m.RequiresExternal = append(m.RequiresExternal, hint)
		case "requires-external-dep":
			r, err := ParseRequirement(v)
			if err != nil {
				probs.add(h.line, field, err)
				continue
			}
			r.Line = h.line
			m.RequiresExternalDep = append(m.RequiresExternalDep, r)
		}
	}
	for _, k := range []string{"metadata-version", "name", "version"} {
		if _, ok := seen[k]; !ok {
			probs.addf(0, "", "no %s header; every core metadata file has one", canonicalField(k))
		}
	}
	return m, probs.err()
}

// validFieldName reports whether s can be a header name: printable ASCII
// other than ':' and space (RFC 822).
func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// canonicalField returns the specification's spelling of a lower-case
// field name, for messages.
func canonicalField(key string) string {
	switch key {
	case "metadata-version":
		return "Metadata-Version"
	case "requires-external-dep":
		return "Requires-External-Dep"
	case "provides-external-extra":
		return "Provides-External-Extra"
	}
	parts := strings.Split(key, "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

// parseDistRequirement parses a PEP 508 dependency specifier:
// NAME [EXTRAS] (VERSIONSPEC | @ URL) ; MARKER.
func parseDistRequirement(s string) (DistRequirement, error) {
	r := DistRequirement{Text: s}
	fail := func(off int, format string, args ...any) (DistRequirement, error) {
		return DistRequirement{}, &SyntaxError{Input: s, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	i := skipWS(s, 0)
	start := i
	for i < len(s) && (isWordByte(s[i]) || s[i] == '-' || s[i] == '.') {
		i++
	}
	r.Name = s[start:i]
	if r.Name == "" {
		return fail(start, "expected a distribution name")
	}
	if !validName(r.Name) {
		return fail(start, "%q is not a valid distribution name", r.Name)
	}
	i = skipWS(s, i)
	if i < len(s) && s[i] == '[' {
		end := strings.IndexByte(s[i:], ']')
		if end < 0 {
			return fail(i, "'[' is never closed")
		}
		for _, e := range strings.Split(s[i+1:i+end], ",") {
			e = strings.TrimSpace(e)
			if e == "" && strings.TrimSpace(s[i+1:i+end]) == "" {
				break // "[]" is allowed
			}
			if !validName(e) {
				return fail(i+1, "%q is not a valid extra name", e)
			}
			r.Extras = append(r.Extras, e)
		}
		i = skipWS(s, i+end+1)
	}
	markerAt := -1
	switch {
	case i < len(s) && s[i] == '@':
		i = skipWS(s, i+1)
		start := i
		for i < len(s) && s[i] != ' ' && s[i] != '\t' {
			i++
		}
		r.URL = s[start:i]
		if r.URL == "" {
			return fail(start, "expected a URL after '@'")
		}
		if j := skipWS(s, i); j < len(s) {
			if s[j] != ';' || j == i {
				return fail(j, "expected whitespace and ';' after the URL")
			}
			markerAt = j
		}
	default:
		end := len(s)
		if j := strings.IndexByte(s[i:], ';'); j >= 0 {
			end = i + j
			markerAt = end
		}
		spec := strings.TrimSpace(s[i:end])
		if strings.HasPrefix(spec, "(") {
			if !strings.HasSuffix(spec, ")") {
				return fail(i, "'(' is never closed")
			}
			spec = strings.TrimSpace(spec[1 : len(spec)-1])
		}
		if spec != "" {
			clauses := strings.Split(spec, ",")
			for n, c := range clauses {
				if strings.TrimSpace(c) == "" && n == len(clauses)-1 && n > 0 {
					break // a trailing comma is allowed
				}
				if _, err := parseSpecifier(c); err != nil {
					return fail(i, "%v", err)
				}
			}
		}
		r.Specifier = spec
	}
	if markerAt >= 0 {
		m, err := ParseMarker(s[markerAt+1:])
		if err != nil {
			if me, ok := err.(*SyntaxError); ok {
				return fail(markerAt+1+me.Offset, "%s", me.Msg)
			}
			return DistRequirement{}, err
		}
		r.Marker = m
	}
	return r, nil
}

func skipWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// parseExternalHint parses a legacy Requires-External value.
func parseExternalHint(s string) (ExternalHint, error) {
	h := ExternalHint{Text: s}
	body, marker, hasMarker := strings.Cut(s, ";")
	body = strings.TrimSpace(body)
	if open := strings.IndexByte(body, '('); open >= 0 && strings.HasSuffix(body, ")") {
		h.Name = strings.TrimSpace(body[:open])
		h.Version = strings.TrimSpace(body[open+1 : len(body)-1])
	} else {
		h.Name = body
	}
	if h.Name == "" {
		return ExternalHint{}, fmt.Errorf("%s: no dependency name", forMessage(s))
	}
	if hasMarker {
		m, err := ParseMarker(marker)
		if err != nil {
			if me, ok := err.(*SyntaxError); ok {
				return ExternalHint{}, &SyntaxError{Input: s, Offset: len(s) - len(marker) + me.Offset, Msg: me.Msg}
			}
			return ExternalHint{}, err
		}
		h.Marker = m
	}
	return h, nil
}
