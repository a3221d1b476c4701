package externaldeps

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/libvet/libvet/internal/pyname"
	"github.com/libvet/libvet/internal/symver"
)

// This file holds the two small languages every external dependency
// specifier carries: PEP 440 versions and specifiers (the version part of
// a DepURL, and version comparisons in markers) and PEP 508 environment
// markers (the "; marker" after a DepURL or a Requires-Dist). Evaluation
// follows the living "Dependency specifiers" specification and, where it
// leaves room, packaging 26.3, the implementation pip and
// pyproject-external use.

// maxMarkerDepth bounds the nesting of parentheses in a marker, so that
// hostile input cannot make the recursive parser use unbounded stack.
const maxMarkerDepth = 64

// Marker is a parsed PEP 508 environment marker such as
// `python_version >= "3.9" and platform_system != "Windows"`. Parse one
// with [ParseMarker]; the zero value is not usable.
type Marker struct {
	root *markerNode
}

// markerNode is an "and" or "or" of its kids, or (op == "") a comparison.
type markerNode struct {
	op          string // "and", "or", or "" for a comparison
	kids        []*markerNode
	left, right markerTerm
	cmp         string // "==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in"
}

// markerTerm is one side of a comparison: a variable or a quoted string.
type markerTerm struct {
	isVar bool
	text  string // the variable's canonical name, or the string's contents
}

// SyntaxError is a syntax error in a marker or in a dependency specifier
// (Requires-Dist, or the marker of an external dependency specifier).
// Offset is the byte offset of the problem in Input; the message gives it
// as a 1-based column.
type SyntaxError struct {
	Input  string // the text that was parsed (a marker, or a whole requirement)
	Offset int    // 0-based byte offset in Input
	Msg    string
}

// Error returns "INPUT: column N: MSG".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s: column %d: %s", forMessage(e.Input), e.Offset+1, e.Msg)
}

// markerVariables maps every variable name a marker may use, including
// the legacy dotted spellings packaging still accepts, to its canonical
// name.
var markerVariables = map[string]string{
	"python_version":                 "python_version",
	"python_full_version":            "python_full_version",
	"os_name":                        "os_name",
	"os.name":                        "os_name",
	"sys_platform":                   "sys_platform",
	"sys.platform":                   "sys_platform",
	"platform_release":               "platform_release",
	"platform_system":                "platform_system",
	"platform_version":               "platform_version",
	"platform.version":               "platform_version",
	"platform_machine":               "platform_machine",
	"platform.machine":               "platform_machine",
	"platform_python_implementation": "platform_python_implementation",
	"platform.python_implementation": "platform_python_implementation",
	"python_implementation":          "platform_python_implementation",
	"implementation_name":            "implementation_name",
	"implementation_version":         "implementation_version",
	"extra":                          "extra",
	"extras":                         "extras",
	"dependency_groups":              "dependency_groups",
}

// versionVariables are the variables whose comparisons use PEP 440 rules
// when both sides are versions (the specification's "Version" and
// "Version | String" types).
var versionVariables = map[string]bool{
	"python_version":         true,
	"python_full_version":    true,
	"implementation_version": true,
	"platform_release":       true,
}

// setVariables hold sets of names; a marker may only test membership in
// them ("name" in extras).
var setVariables = map[string]bool{"extras": true, "dependency_groups": true}

// ParseMarker parses a PEP 508 environment marker. Whitespace is spaces
// and tabs; strings are quoted with ' or " and have no escapes. Each
// comparison must have a variable on one side and a quoted string on the
// other. The legacy variable spellings os.name, sys.platform,
// platform.version, platform.machine, platform.python_implementation and
// python_implementation are accepted and stored under their canonical
// names. Values compared with extra are normalised (PEP 685). Errors are
// *[SyntaxError] values.
func ParseMarker(s string) (*Marker, error) {
	p := markerParser{src: s}
	p.next()
	root, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.errorf(p.tok.off, "expected 'and', 'or' or the end of the marker, found %s", p.tok.describe())
	}
	return &Marker{root: root}, nil
}

// String returns the marker in canonical form: single spaces around
// operators, double-quoted strings (single quotes for a string that holds
// a double quote), and parentheses only around an "or" inside an "and".
func (m *Marker) String() string {
	if m == nil || m.root == nil {
		return ""
	}
	var b strings.Builder
	m.root.write(&b, false)
	return b.String()
}

func (n *markerNode) write(b *strings.Builder, paren bool) {
	if n.op == "" {
		n.left.write(b)
		b.WriteByte(' ')
		b.WriteString(n.cmp)
		b.WriteByte(' ')
		n.right.write(b)
		return
	}
	if paren {
		b.WriteByte('(')
	}
	for i, k := range n.kids {
		if i > 0 {
			b.WriteString(" " + n.op + " ")
		}
		k.write(b, n.op == "and" && k.op == "or")
	}
	if paren {
		b.WriteByte(')')
	}
}

func (t markerTerm) write(b *strings.Builder) {
	if t.isVar {
		b.WriteString(t.text)
		return
	}
	q := byte('"')
	if strings.IndexByte(t.text, '"') >= 0 {
		q = '\''
	}
	b.WriteByte(q)
	b.WriteString(t.text)
	b.WriteByte(q)
}

// Extras returns the extras the marker tests with `extra == "name"`,
// normalised, sorted and without repeats: the optional-dependency groups
// a Requires-Dist or Requires-External-Dep line belongs to.
func (m *Marker) Extras() []string {
	if m == nil || m.root == nil {
		return nil
	}
	var out []string
	var walk func(n *markerNode)
	walk = func(n *markerNode) {
		if n.op != "" {
			for _, k := range n.kids {
				walk(k)
			}
			return
		}
		if n.cmp != "==" {
			return
		}
		switch {
		case n.left.isVar && n.left.text == "extra":
			out = append(out, n.right.text)
		case n.right.isVar && n.right.text == "extra":
			out = append(out, n.left.text)
		}
	}
	walk(m.root)
	slices.Sort(out)
	return slices.Compact(out)
}

// Variables returns the canonical names of the variables the marker
// uses, sorted and without repeats.
func (m *Marker) Variables() []string {
	if m == nil || m.root == nil {
		return nil
	}
	var out []string
	var walk func(n *markerNode)
	walk = func(n *markerNode) {
		for _, k := range n.kids {
			walk(k)
		}
		if n.op == "" {
			for _, t := range []markerTerm{n.left, n.right} {
				if t.isVar {
					out = append(out, t.text)
				}
			}
		}
	}
	walk(m.root)
	slices.Sort(out)
	return slices.Compact(out)
}

// Evaluate evaluates the marker in env, which maps canonical variable
// names (python_version, sys_platform, extra, ...) to their values. A
// variable the marker uses but env lacks is an error, as the
// specification requires; pass "extra": "" to evaluate a Requires-Dist
// marker for an install without extras. The set-valued variables extras
// and dependency_groups are given as comma-separated lists.
//
// Comparisons of python_version, python_full_version,
// implementation_version and platform_release use PEP 440 when the
// right-hand side makes a valid specifier with the operator (then a value
// that is not a version does not match). Otherwise, and for every other
// variable, == and != compare strings, <= and >= test equality, < and >
// are false, in and not in test substrings, and ~= and === are errors.
// Both sides of a comparison with extra, and the members of extras and
// dependency_groups, are normalised first (PEP 685).
func (m *Marker) Evaluate(env map[string]string) (bool, error) {
	if m == nil || m.root == nil {
		return true, nil
	}
	return m.root.eval(env)
}

func (n *markerNode) eval(env map[string]string) (bool, error) {
	switch n.op {
	case "and":
		for _, k := range n.kids {
			ok, err := k.eval(env)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case "or":
		for _, k := range n.kids {
			ok, err := k.eval(env)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	key := n.left.text
	if !n.left.isVar {
		key = n.right.text
	}
	val, ok := env[key]
	if !ok {
		return false, fmt.Errorf("marker variable %s is not defined in the environment", key)
	}
	lhs, rhs := n.left.text, n.right.text
	if n.left.isVar {
		lhs = val
	} else {
		rhs = val
	}
	if setVariables[key] {
		if n.left.isVar || (n.cmp != "in" && n.cmp != "not in") {
			return false, fmt.Errorf("marker variable %s is a set; it can only be tested with \"name\" in %s", key, key)
		}
		in := false
		for _, item := range strings.Split(rhs, ",") {
			if item = strings.TrimSpace(item); item != "" && pyname.Normalize(item) == pyname.Normalize(lhs) {
				in = true
			}
		}
		return in == (n.cmp == "in"), nil
	}
	if key == "extra" {
		lhs, rhs = pyname.Normalize(lhs), pyname.Normalize(rhs)
	}
	if versionVariables[key] {
		if sp, err := parseSpecifier(n.cmp + rhs); err == nil {
			return sp.containsString(lhs), nil
		}
	}
	switch n.cmp {
	case "in":
		return strings.Contains(rhs, lhs), nil
	case "not in":
		return !strings.Contains(rhs, lhs), nil
	case "==", "<=", ">=":
		return lhs == rhs, nil
	case "!=":
		return lhs != rhs, nil
	case "<", ">":
		return false, nil
	}
	return false, fmt.Errorf("marker comparison %q %s %q is undefined: %s only compares versions", lhs, n.cmp, rhs, n.cmp)
}

// The marker tokenizer.

type markerTokKind int

const (
	tokEOF markerTokKind = iota
	tokLParen
	tokRParen
	tokString
	tokWord
	tokOp
	tokBad
)

type markerToken struct {
	kind markerTokKind
	off  int
	text string // the word, the operator, or the string's contents
}

func (t markerToken) describe() string {
	switch t.kind {
	case tokEOF:
		return "the end of the marker"
	case tokLParen:
		return "'('"
	case tokRParen:
		return "')'"
	case tokString:
		return fmt.Sprintf("the string %q", t.text)
	case tokWord:
		return fmt.Sprintf("%q", t.text)
	case tokOp:
		return fmt.Sprintf("the operator %s", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

type markerParser struct {
	src string
	pos int
	tok markerToken
	err *SyntaxError
}

func (p *markerParser) errorf(off int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Input: p.src, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// next reads the next markerToken into p.tok. A lexical error becomes a tokBad
// markerToken and sets p.err.
func (p *markerParser) next() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
	start := p.pos
	if p.pos >= len(p.src) {
		p.tok = markerToken{kind: tokEOF, off: start}
		return
	}
	c := p.src[p.pos]
	switch {
	case c == '(':
		p.pos++
		p.tok = markerToken{kind: tokLParen, off: start, text: "("}
	case c == ')':
		p.pos++
		p.tok = markerToken{kind: tokRParen, off: start, text: ")"}
	case c == '"' || c == '\'':
		end := strings.IndexByte(p.src[p.pos+1:], c)
		if end < 0 {
			p.tok = markerToken{kind: tokBad, off: start, text: p.src[start:]}
			p.err = p.errorf(start, "unterminated string (no closing %c)", c)
			return
		}
		p.tok = markerToken{kind: tokString, off: start, text: p.src[p.pos+1 : p.pos+1+end]}
		p.pos += end + 2
	case c == '<' || c == '>' || c == '=' || c == '!' || c == '~':
		for _, op := range []string{"===", "==", "!=", "~=", "<=", ">=", "<", ">"} {
			if strings.HasPrefix(p.src[p.pos:], op) {
				p.pos += len(op)
				p.tok = markerToken{kind: tokOp, off: start, text: op}
				return
			}
		}
		p.pos++
		p.tok = markerToken{kind: tokBad, off: start, text: p.src[start:p.pos]}
		p.err = p.errorf(start, "unknown operator %q (want ==, !=, <, <=, >, >=, ~=, ===, in or not in)", p.tok.text)
	case isWordByte(c):
		for p.pos < len(p.src) && (isWordByte(p.src[p.pos]) || p.src[p.pos] == '.') {
			p.pos++
		}
		p.tok = markerToken{kind: tokWord, off: start, text: p.src[start:p.pos]}
	default:
		r, size := utf8.DecodeRuneInString(p.src[start:])
		p.pos += size
		p.tok = markerToken{kind: tokBad, off: start, text: p.src[start:p.pos]}
		p.err = p.errorf(start, "unexpected character %q", r)
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// bad returns the pending lexical error, or an "expected" error about the
// current markerToken.
func (p *markerParser) bad(expected string) *SyntaxError {
	if p.tok.kind == tokBad && p.err != nil {
		return p.err
	}
	return p.errorf(p.tok.off, "expected %s, found %s", expected, p.tok.describe())
}

func (p *markerParser) isWord(w string) bool { return p.tok.kind == tokWord && p.tok.text == w }

func (p *markerParser) parseOr(depth int) (*markerNode, error) {
	left, err := p.parseAnd(depth)
	if err != nil {
		return nil, err
	}
	for p.isWord("or") {
		p.next()
		right, err := p.parseAnd(depth)
		if err != nil {
			return nil, err
		}
		left = joinMarker("or", left, right)
	}
	return left, nil
}

func (p *markerParser) parseAnd(depth int) (*markerNode, error) {
	left, err := p.parseAtom(depth)
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		p.next()
		right, err := p.parseAtom(depth)
		if err != nil {
			return nil, err
		}
		left = joinMarker("and", left, right)
	}
	return left, nil
}

// joinMarker combines a and b with op, flattening nested nodes of the same op.
func joinMarker(op string, a, b *markerNode) *markerNode {
	n := &markerNode{op: op}
	for _, x := range []*markerNode{a, b} {
		if x.op == op {
			n.kids = append(n.kids, x.kids...)
		} else {
			n.kids = append(n.kids, x)
		}
	}
	return n
}

func (p *markerParser) parseAtom(depth int) (*markerNode, error) {
	if p.tok.kind == tokLParen {
		if depth >= maxMarkerDepth {
			return nil, p.errorf(p.tok.off, "parentheses nested more than %d deep", maxMarkerDepth)
		}
		open := p.tok.off
		p.next()
		n, err := p.parseOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRParen {
			if p.tok.kind == tokEOF {
				return nil, p.errorf(open, "'(' is never closed")
			}
			return nil, p.bad("')', 'and' or 'or'")
		}
		p.next()
		return n, nil
	}
	left, err := p.parseTerm()
	if err != nil {
		return nil, err
	}
	opOff := p.tok.off
	var cmp string
	switch {
	case p.tok.kind == tokOp:
		cmp = p.tok.text
		p.next()
	case p.isWord("in"):
		cmp = "in"
		p.next()
	case p.isWord("not"):
		p.next()
		if !p.isWord("in") {
			return nil, p.bad("'in' after 'not'")
		}
		cmp = "not in"
		p.next()
	default:
		return nil, p.bad("a comparison operator (==, !=, <, <=, >, >=, ~=, ===, in, not in)")
	}
	right, err := p.parseTerm()
	if err != nil {
		return nil, err
	}
	switch {
	case left.isVar && right.isVar:
		return nil, p.errorf(opOff, "both sides of %s are variables; compare a variable with a quoted string", cmp)
	case !left.isVar && !right.isVar:
		return nil, p.errorf(opOff, "both sides of %s are quoted strings; one side must be a variable such as python_version", cmp)
	}
	if left.isVar && left.text == "extra" {
		right.text = pyname.Normalize(right.text)
	} else if right.isVar && right.text == "extra" {
		left.text = pyname.Normalize(left.text)
	} else if right.isVar && setVariables[right.text] {
		left.text = pyname.Normalize(left.text)
	}
	return &markerNode{left: left, cmp: cmp, right: right}, nil
}

func (p *markerParser) parseTerm() (markerTerm, error) {
	switch p.tok.kind {
	case tokString:
		t := markerTerm{text: p.tok.text}
		p.next()
		return t, nil
	case tokWord:
		switch p.tok.text {
		case "and", "or", "in", "not":
			return markerTerm{}, p.bad("a marker variable or a quoted string")
		}
		name, ok := markerVariables[p.tok.text]
		if !ok {
			return markerTerm{}, p.errorf(p.tok.off, "unknown marker variable %q (want one of python_version, python_full_version, os_name, sys_platform, platform_release, platform_system, platform_version, platform_machine, platform_python_implementation, implementation_name, implementation_version, extra)", p.tok.text)
		}
		p.next()
		return markerTerm{isVar: true, text: name}, nil
	}
	return markerTerm{}, p.bad("a marker variable or a quoted string")
}

// nameRE is the name rule of the core metadata specification, used for
// distribution, extra and group names (run case-insensitively).
var nameRE = regexp.MustCompile(`^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$`)

// validName reports whether s is a valid (not necessarily normalised)
// distribution, extra or group name.
func validName(s string) bool { return nameRE.MatchString(s) }

// PEP 440 versions.

// versionRE is the PEP 440 version pattern (the one in the version
// specifiers specification's appendix), with the surrounding whitespace
// packaging allows.
var versionRE = regexp.MustCompile(`(?i)^\s*v?(?:([0-9]+)!)?([0-9]+(?:\.[0-9]+)*)` +
	`(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?` +
	`(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?` +
	`(?:[-_.]?(dev)[-_.]?([0-9]+)?)?` +
	`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$`)

// pep440 is a parsed PEP 440 version. Numbers are kept as decimal strings
// without leading zeros, so that no input overflows.
type pep440 struct {
	epoch   string
	release []string
	pre     int // 0 none, 1 a, 2 b, 3 rc
	preN    string
	post    bool
	postN   string
	dev     bool
	devN    string
	local   []string // lower case
}

func parseVersion(s string) (pep440, bool) {
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return pep440{}, false
	}
	v := pep440{epoch: trimNum(m[1])}
	for _, r := range strings.Split(m[2], ".") {
		v.release = append(v.release, trimNum(r))
	}
	switch strings.ToLower(m[3]) {
	case "":
	case "a", "alpha":
		v.pre = 1
	case "b", "beta":
		v.pre = 2
	default: // c, rc, pre, preview
		v.pre = 3
	}
	v.preN = trimNum(m[4])
	if m[5] != "" {
		v.post, v.postN = true, trimNum(m[5])
	} else if m[6] != "" {
		v.post, v.postN = true, trimNum(m[7])
	}
	if m[8] != "" {
		v.dev, v.devN = true, trimNum(m[9])
	}
	if m[10] != "" {
		v.local = strings.FieldsFunc(strings.ToLower(m[10]), func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	}
	return v, true
}

// trimNum drops leading zeros; "" and "000" become "0".
func trimNum(s string) string {
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return "0"
	}
	return s
}

func (v pep440) isPrerelease() bool { return v.pre != 0 || v.dev }

// cmpRelease compares epoch and release, padding with zeros.
func cmpRelease(a, b pep440) int {
	if c := symver.CompareNumeric(a.epoch, b.epoch); c != 0 {
		return c
	}
	for i := 0; i < max(len(a.release), len(b.release)); i++ {
		x, y := "0", "0"
		if i < len(a.release) {
			x = a.release[i]
		}
		if i < len(b.release) {
			y = b.release[i]
		}
		if c := symver.CompareNumeric(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// compareVersions orders versions as PEP 440 (and packaging) does.
func compareVersions(a, b pep440) int {
	if c := cmpRelease(a, b); c != 0 {
		return c
	}
	// Pre-release: a dev release of the final version sorts before its
	// pre-releases; no pre-release sorts after them.
	preKey := func(v pep440) (int, string) {
		switch {
		case v.pre == 0 && !v.post && v.dev:
			return -1, ""
		case v.pre == 0:
			return 4, ""
		}
		return v.pre, v.preN
	}
	ak, an := preKey(a)
	bk, bn := preKey(b)
	if ak != bk {
		return cmp.Compare(ak, bk)
	}
	if c := symver.CompareNumeric(an, bn); c != 0 {
		return c
	}
	if a.post != b.post {
		return boolCmp(a.post, b.post)
	}
	if c := symver.CompareNumeric(a.postN, b.postN); a.post && c != 0 {
		return c
	}
	if a.dev != b.dev {
		return -boolCmp(a.dev, b.dev) // no dev sorts after any dev
	}
	if c := symver.CompareNumeric(a.devN, b.devN); a.dev && c != 0 {
		return c
	}
	return cmpLocal(a.local, b.local)
}

// boolCmp orders false before true.
func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case b:
		return -1
	}
	return 1
}

// cmpLocal compares local version labels: none sorts first; numeric
// segments sort after alphanumeric ones and by value; a longer label
// sorts after its prefix.
func cmpLocal(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		an, bn := symver.Numeric(a[i]), symver.Numeric(b[i])
		var c int
		switch {
		case an && bn:
			c = symver.CompareNumeric(a[i], b[i])
		case an:
			c = 1
		case bn:
			c = -1
		default:
			c = strings.Compare(a[i], b[i])
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// public returns v without its local label.
func (v pep440) public() pep440 { v.local = nil; return v }

// PEP 440 specifiers.

// specifier is one clause of a version specifier, such as ">=1.2" or
// "==3.*".
type specifier struct {
	op       string
	text     string // the version as written, trimmed
	v        pep440
	wildcard bool
}

var specOps = []string{"===", "==", "!=", "~=", "<=", ">=", "<", ">"}

// parseSpecifier parses one specifier clause with the rules packaging
// applies: wildcards only after the release with == and !=, local labels
// only with == and !=, and ~= needs two release numbers.
func parseSpecifier(s string) (specifier, error) {
	s = strings.TrimSpace(s)
	var sp specifier
	for _, op := range specOps {
		if strings.HasPrefix(s, op) {
			sp.op = op
			break
		}
	}
	if sp.op == "" {
		return sp, fmt.Errorf("%q does not start with a comparison operator (==, !=, <, <=, >, >=, ~=, ===)", s)
	}
	sp.text = strings.TrimSpace(s[len(sp.op):])
	if sp.text == "" {
		return sp, fmt.Errorf("%q has no version after %s", s, sp.op)
	}
	if sp.op == "===" {
		if strings.ContainsAny(sp.text, " \t;)") {
			return sp, fmt.Errorf("%q: the version after === may not contain spaces, ';' or ')'", s)
		}
		return sp, nil
	}
	text := sp.text
	if strings.HasSuffix(text, ".*") {
		if sp.op != "==" && sp.op != "!=" {
			return sp, fmt.Errorf("%q: a .* suffix is only allowed with == and !=", s)
		}
		text = strings.TrimSuffix(text, ".*")
		sp.wildcard = true
	}
	v, ok := parseVersion(text)
	if !ok {
		return sp, fmt.Errorf("%q: %q is not a PEP 440 version", s, text)
	}
	if sp.wildcard && (v.pre != 0 || v.post || v.dev || v.local != nil) {
		return sp, fmt.Errorf("%q: a .* suffix may only follow the release numbers", s)
	}
	if v.local != nil && sp.op != "==" && sp.op != "!=" {
		return sp, fmt.Errorf("%q: a local version label is only allowed with == and !=", s)
	}
	if sp.op == "~=" && len(v.release) < 2 {
		return sp, fmt.Errorf("%q: ~= needs a version with at least two release numbers, such as ~=1.4", s)
	}
	sp.v = v
	return sp, nil
}

// containsString reports whether the version s matches; a string that is
// not a PEP 440 version matches only ===, by case-insensitive equality.
// Pre-releases are allowed, as in marker evaluation.
func (sp specifier) containsString(s string) bool {
	if sp.op == "===" {
		return strings.EqualFold(strings.TrimSpace(s), sp.text)
	}
	v, ok := parseVersion(s)
	if !ok {
		return false
	}
	return sp.contains(v)
}

func (sp specifier) contains(v pep440) bool {
	switch sp.op {
	case "==":
		return sp.equal(v)
	case "!=":
		return !sp.equal(v)
	case "~=":
		prefix := specifier{op: "==", v: pep440{epoch: sp.v.epoch, release: sp.v.release[:len(sp.v.release)-1]}, wildcard: true}
		return compareVersions(v.public(), sp.v) >= 0 && prefix.equal(v)
	case "<=":
		return compareVersions(v.public(), sp.v) <= 0
	case ">=":
		return compareVersions(v.public(), sp.v) >= 0
	case "<":
		if compareVersions(v, sp.v) >= 0 {
			return false
		}
		return !(!sp.v.isPrerelease() && v.isPrerelease() && cmpRelease(v, sp.v) == 0)
	case ">":
		if compareVersions(v, sp.v) <= 0 {
			return false
		}
		if !sp.v.post && v.post && cmpRelease(v, sp.v) == 0 {
			return false
		}
		return !(v.local != nil && cmpRelease(v, sp.v) == 0)
	case "===":
		return false
	}
	return false
}

// equal is ==: a prefix match for a wildcard, else equality that ignores
// v's local label unless the specifier has one.
func (sp specifier) equal(v pep440) bool {
	if sp.wildcard {
		if symver.CompareNumeric(v.epoch, sp.v.epoch) != 0 {
			return false
		}
		for i, r := range sp.v.release {
			x := "0"
			if i < len(v.release) {
				x = v.release[i]
			}
			if x != r {
				return false
			}
		}
		return true
	}
	if sp.v.local == nil {
		v = v.public()
	}
	return compareVersions(v, sp.v) == 0
}
