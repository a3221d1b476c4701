package debian

import (
	"fmt"
	"strings"
)

// An Op is the version operator of a relation.
type Op uint8

// The version operators of deb-control(5). The obsolete "<" and ">" are
// read as OpLessEqual and OpGreaterEqual, and a version without an
// operator as OpEqual, as dpkg reads them.
const (
	OpNone         Op = iota // no version constraint
	OpLess                   // <<
	OpLessEqual              // <=
	OpEqual                  // =
	OpGreaterEqual           // >=
	OpGreater                // >>
)

var opNames = [...]string{"", "<<", "<=", "=", ">=", ">>"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", o)
}

// A Relation is one package named in a relationship field, with its
// optional constraints: "libc6:amd64 (>= 2.36) [amd64] <!nocheck>".
type Relation struct {
	// Name is the package name.
	Name string
	// Arch is the architecture qualifier after ':' ("any", "native",
	// "amd64"), "" when there is none.
	Arch string
	// Op and Version are the version constraint; Op is OpNone when
	// there is none.
	Op      Op
	Version Version
	// Arches is the architecture restriction list ("[amd64 !i386]"),
	// its entries as written; nil when there is none.
	Arches []string
	// Profiles are the build-profile restriction formulas, each the text
	// inside one pair of angle brackets ("!nocheck"); nil when there are
	// none. libvet does not evaluate them.
	Profiles []string
}

// SatisfiedBy reports whether version v meets r's version constraint
// (always true when r has none). It does not look at names.
func (r Relation) SatisfiedBy(v Version) bool {
	if r.Op == OpNone {
		return true
	}
	c := v.Compare(r.Version)
	switch r.Op {
	case OpLess:
		return c < 0
	case OpLessEqual:
		return c <= 0
	case OpEqual:
		return c == 0
	case OpGreaterEqual:
		return c >= 0
	case OpGreater:
		return c > 0
	}
	return false
}

// String returns r in the canonical deb-control(5) form.
func (r Relation) String() string {
	var b strings.Builder
	b.WriteString(r.Name)
	if r.Arch != "" {
		b.WriteString(":" + r.Arch)
	}
	if r.Op != OpNone {
		fmt.Fprintf(&b, " (%s %s)", r.Op, r.Version)
	}
	if r.Arches != nil {
		b.WriteString(" [" + strings.Join(r.Arches, " ") + "]")
	}
	for _, p := range r.Profiles {
		b.WriteString(" <" + p + ">")
	}
	return b.String()
}

// A Dependency is one element of a relationship field: alternatives
// separated by '|', any one of which satisfies it.
type Dependency []Relation

// String returns d in the canonical form, "a | b (>= 1)".
func (d Dependency) String() string {
	parts := make([]string, len(d))
	for i, r := range d {
		parts[i] = r.String()
	}
	return strings.Join(parts, " | ")
}

// FormatRelations returns deps as a relationship field value, the
// dependencies separated by ", ".
func FormatRelations(deps []Dependency) string {
	parts := make([]string, len(deps))
	for i, d := range deps {
		parts[i] = d.String()
	}
	return strings.Join(parts, ", ")
}

// ParseRelations parses the value of a relationship field (Depends,
// Pre-Depends, Recommends, Breaks, Conflicts, Provides, Build-Depends,
// …): dependencies separated by commas, each a list of alternatives
// separated by '|'. Whitespace, newlines included, is insignificant
// between tokens. Empty elements between commas (a trailing comma) are
// skipped; an empty alternative is an error.
func ParseRelations(s string) ([]Dependency, error) {
	var deps []Dependency
	for _, and := range strings.Split(s, ",") {
		if strings.Trim(and, " \t\r\n") == "" {
			continue
		}
		alts := strings.Split(and, "|")
		dep := make(Dependency, 0, len(alts))
		for _, alt := range alts {
			r, err := parseRelation(alt)
			if err != nil {
				return nil, fmt.Errorf("relation %q: %w", clip(strings.Trim(and, " \t\r\n")), err)
			}
			dep = append(dep, r)
		}
		deps = append(deps, dep)
	}
	return deps, nil
}

// relScanner walks one alternative.
type relScanner struct {
	s string
	i int
}

func (p *relScanner) skipSpace() {
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
}

func (p *relScanner) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// until returns the text up to the byte end (not included) and moves
// past end.
func (p *relScanner) until(end byte, what string) (string, error) {
	j := strings.IndexByte(p.s[p.i:], end)
	if j < 0 {
		return "", fmt.Errorf("unterminated %s (no %q)", what, end)
	}
	text := p.s[p.i : p.i+j]
	p.i += j + 1
	return strings.Trim(text, " \t\r\n"), nil
}

func parseRelation(s string) (Relation, error) {
	p := &relScanner{s: s}
	var r Relation
	p.skipSpace()
	start := p.i
	for p.i < len(p.s) && !isSpace(p.s[p.i]) && !strings.ContainsRune(":([<", rune(p.s[p.i])) {
		p.i++
	}
	r.Name = p.s[start:p.i]
	if r.Name == "" {
		return r, fmt.Errorf("empty alternative or missing package name")
	}
	if err := checkPackageName(r.Name); err != nil {
		return r, err
	}
	if p.peek() == ':' {
		p.i++
		start := p.i
		for p.i < len(p.s) && !isSpace(p.s[p.i]) && !strings.ContainsRune("([<", rune(p.s[p.i])) {
			p.i++
		}
		r.Arch = p.s[start:p.i]
		if err := checkArch(r.Arch); err != nil {
			return r, fmt.Errorf("architecture qualifier: %w", err)
		}
	}
	p.skipSpace()
	if p.peek() == '(' {
		p.i++
		inner, err := p.until(')', "version constraint")
		if err != nil {
			return r, err
		}
		if r.Op, r.Version, err = parseConstraint(inner); err != nil {
			return r, err
		}
	}
	p.skipSpace()
	if p.peek() == '[' {
		p.i++
		inner, err := p.until(']', "architecture restriction")
		if err != nil {
			return r, err
		}
		r.Arches = strings.Fields(inner)
		if len(r.Arches) == 0 {
			return r, fmt.Errorf("empty architecture restriction")
		}
		for _, a := range r.Arches {
			if err := checkArch(strings.TrimPrefix(a, "!")); err != nil {
				return r, fmt.Errorf("architecture restriction: %w", err)
			}
		}
	}
	for p.skipSpace(); p.peek() == '<'; p.skipSpace() {
		p.i++
		inner, err := p.until('>', "build profile restriction")
		if err != nil {
			return r, err
		}
		if inner == "" || strings.ContainsAny(inner, "<([") {
			return r, fmt.Errorf("bad build profile restriction <%s>", inner)
		}
		r.Profiles = append(r.Profiles, inner)
	}
	if p.i < len(p.s) {
		return r, fmt.Errorf("unexpected %q after %q", clip(p.s[p.i:]), r.Name)
	}
	return r, nil
}

// parseConstraint parses the inside of "(>= 1.0)".
func parseConstraint(s string) (Op, Version, error) {
	op, n := OpEqual, 0 // dpkg reads a bare version as an exact match
	switch {
	case strings.HasPrefix(s, "<<"):
		op, n = OpLess, 2
	case strings.HasPrefix(s, "<="):
		op, n = OpLessEqual, 2
	case strings.HasPrefix(s, ">>"):
		op, n = OpGreater, 2
	case strings.HasPrefix(s, ">="):
		op, n = OpGreaterEqual, 2
	case strings.HasPrefix(s, "<"):
		op, n = OpLessEqual, 1
	case strings.HasPrefix(s, ">"):
		op, n = OpGreaterEqual, 1
	case strings.HasPrefix(s, "="):
		op, n = OpEqual, 1
	}
	rest := strings.Trim(s[n:], " \t\r\n")
	if rest == "" {
		return 0, Version{}, fmt.Errorf("version constraint (%s) has no version", s)
	}
	v, err := ParseVersion(rest)
	if err != nil {
		return 0, Version{}, err
	}
	return op, v, nil
}

// checkPackageName applies dpkg's rule: a letter or digit, then letters,
// digits and "-+._".
func checkPackageName(name string) error {
	if !isAlnum(name[0]) {
		return fmt.Errorf("package name %q must start with a letter or digit", clip(name))
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !isAlnum(c) && !strings.ContainsRune("-+._", rune(c)) {
			return fmt.Errorf("package name %q contains %q (only letters, digits and \"-+._\")", clip(name), c)
		}
	}
	return nil
}

// checkArch applies dpkg's rule for architecture names: a letter or
// digit, then letters, digits and '-'.
func checkArch(arch string) error {
	if arch == "" {
		return fmt.Errorf("empty architecture name")
	}
	if !isAlnum(arch[0]) {
		return fmt.Errorf("architecture name %q must start with a letter or digit", clip(arch))
	}
	for i := 1; i < len(arch); i++ {
		if c := arch[i]; !isAlnum(c) && c != '-' {
			return fmt.Errorf("architecture name %q contains %q", clip(arch), c)
		}
	}
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
