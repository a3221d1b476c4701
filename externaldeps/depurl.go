package externaldeps

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DepURL is a PEP 725 DepURL, dep:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS#SUBPATH,
// with every component percent-decoded and normalised. Parse one with
// [ParseDepURL]; [DepURL.String] gives the canonical text, the form the
// PEP 804 registry and libvet's data key their entries by (for example
// "dep:generic/openssl" and "dep:virtual/interface/blas").
type DepURL struct {
	// Type is a purl type such as "generic", "github" or "pypi", or
	// "virtual"; always lower case.
	Type string
	// Namespace is "" or the namespace's segments joined with "/"; for
	// virtual DepURLs it is "compiler" or "interface".
	Namespace string
	// Name is the package, interface or language name; never "".
	Name string
	// Version is "", a literal version ("2.0") or a PEP 440 version range
	// (">=3.7.1" or ">=2,<3", whitespace removed).
	Version string
	// Qualifiers are the ?key=value pairs, sorted by key; keys are lower
	// case and values are never "". Nil when there are none.
	Qualifiers []Qualifier
	// Subpath is "" or the #subpath's segments joined with "/".
	Subpath string
}

// Qualifier is one ?key=value pair of a DepURL.
type Qualifier struct {
	Key, Value string
}

// DepURLError is a DepURL that cannot be parsed or is not valid. Its text
// is "INPUT: REASON".
type DepURLError struct {
	Input  string // the string given to ParseDepURL, or the DepURL's String
	Reason string
}

// Error returns "INPUT: REASON".
func (e *DepURLError) Error() string { return forMessage(e.Input) + ": " + e.Reason }

// virtualNamespaces are the namespaces PEP 725 defines for type virtual.
var virtualNamespaces = []string{"compiler", "interface"}

// purlTypes are the registered purl types (the type definitions of
// packageurl-python 0.17.6, the purl library pyproject-external uses) and
// whether each requires ("required") or forbids ("prohibited") a
// namespace. [DepURL.Warnings] reports types outside this list and
// namespaces a type does not allow; parsing accepts any well-formed type,
// as pyproject-external does, because the purl registry keeps growing.
var purlTypes = map[string]string{
	"alpm": "required", "apk": "required", "bitbucket": "required", "bitnami": "prohibited",
	"cargo": "prohibited", "cocoapods": "prohibited", "composer": "required", "conan": "optional",
	"conda": "prohibited", "cpan": "optional", "cran": "prohibited", "deb": "required",
	"docker": "optional", "gem": "prohibited", "generic": "optional", "github": "required",
	"golang": "required", "hackage": "prohibited", "hex": "optional", "huggingface": "required",
	"luarocks": "optional", "maven": "required", "mlflow": "prohibited", "npm": "optional",
	"nuget": "prohibited", "oci": "prohibited", "pub": "prohibited", "pypi": "prohibited",
	"qpkg": "required", "rpm": "required", "swid": "optional", "swift": "required",
	"virtual": "required",
}

// ParseDepURL parses and validates a DepURL such as "dep:generic/openssl"
// or "dep:virtual/interface/lapack@>=3.7.1". It also accepts the
// spellings of PEP 725's first drafts, "pkg:TYPE/..." (a purl) and
// "virtual:NAMESPACE/NAME", and returns them as the dep: DepURL they
// stand for. The scheme and type are case-insensitive; names and
// namespaces are normalised per purl type (github and pypi names are lower
// case, pypi names use '-' for '_'), and virtual namespaces and names are
// lower case.
//
// The version is a literal version or a PEP 440 range using only >=, >,
// <, <= and == (joined with ','); the PEP also allows any purl version
// string as a literal. A marker ("; os_name == 'nt'") is not part of a
// DepURL: use [ParseRequirement] for that. Errors are *[DepURLError]
// values that say what is wrong.
func ParseDepURL(s string) (DepURL, error) {
	d, reason := parseDepURL(s)
	if reason != "" {
		return DepURL{}, &DepURLError{Input: s, Reason: reason}
	}
	return d, nil
}

func parseDepURL(s string) (DepURL, string) {
	var d DepURL
	if s == "" {
		return d, "empty DepURL (want dep:TYPE/NAME, such as dep:generic/openssl)"
	}
	if strings.TrimSpace(s) != s {
		return d, "leading or trailing whitespace"
	}
	colon := strings.IndexByte(s, ':')
	if colon < 0 {
		return d, "no dep: scheme (want dep:TYPE/NAME, such as dep:generic/openssl)"
	}
	rest := s[colon+1:]
	switch scheme := strings.ToLower(s[:colon]); scheme {
	case "dep", "pkg":
	case "virtual":
		rest = "virtual/" + strings.TrimLeft(rest, "/")
	default:
		return d, fmt.Sprintf("unknown scheme %q (want dep:)", scheme)
	}
	rest = strings.TrimLeft(rest, "/")
	var rawSub, rawQual string
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest, rawSub = rest[:i], rest[i+1:]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, rawQual = rest[:i], rest[i+1:]
	}
	slash := strings.IndexByte(rest, '/')
	if rest == "" || slash == 0 {
		return d, "no type (want dep:TYPE/NAME, such as dep:generic/openssl)"
	}
	if slash < 0 {
		return d, fmt.Sprintf("no name after the type %q (want dep:TYPE/NAME)", rest)
	}
	d.Type = strings.ToLower(rest[:slash])
	if reason := checkType(d.Type); reason != "" {
		return d, reason
	}
	path := rest[slash+1:]
	var rawVersion string
	hasVersion := false
	// The version follows the last '@' that does not start a segment: an
	// '@' after a '/' starts a name such as an npm scope (@angular/core).
	for i := len(path) - 1; i > 0; i-- {
		if path[i] == '@' && path[i-1] != '/' {
			path, rawVersion, hasVersion = path[:i], path[i+1:], true
			break
		}
	}
	var segs []string
	for _, seg := range strings.Split(path, "/") {
		if seg == "" {
			continue
		}
		if reason := checkRaw(seg); reason != "" {
			return d, reason
		}
		dec, reason := unescape(seg)
		if reason != "" {
			return d, reason
		}
		segs = append(segs, dec)
	}
	if len(segs) == 0 {
		return d, fmt.Sprintf("no name after the type %q (want dep:TYPE/NAME)", d.Type)
	}
	d.Name = segs[len(segs)-1]
	d.Namespace = strings.Join(segs[:len(segs)-1], "/")
	if d.Name == "" {
		return d, "empty name"
	}
	if hasVersion && rawVersion != "" {
		v, reason := unescape(rawVersion)
		if reason != "" {
			return d, reason
		}
		if d.Version, reason = normalizeVersion(v); reason != "" {
			return d, reason
		}
	}
	if rawQual != "" {
		q, reason := parseQualifiers(rawQual)
		if reason != "" {
			return d, reason
		}
		d.Qualifiers = q
	}
	if rawSub != "" {
		var parts []string
		for _, seg := range strings.Split(rawSub, "/") {
			if reason := checkRaw(seg); reason != "" {
				return d, reason
			}
			dec, reason := unescape(seg)
			if reason != "" {
				return d, reason
			}
			if dec == "" || dec == "." || dec == ".." {
				continue
			}
			parts = append(parts, dec)
		}
		d.Subpath = strings.Join(parts, "/")
	}
	d.normalize()
	return d, d.check()
}

// typeRE is the purl type syntax (as packageurl-python checks it).
var typeRE = regexp.MustCompile(`^[A-Za-z.\-_][A-Za-z0-9.\-_]*$`)

func checkType(t string) string {
	if t == "" {
		return "no type (want dep:TYPE/NAME, such as dep:generic/openssl)"
	}
	if !typeRE.MatchString(t) {
		if t[0] >= '0' && t[0] <= '9' {
			return fmt.Sprintf("type %q starts with a digit", t)
		}
		return fmt.Sprintf("type %q may only contain ASCII letters, digits, '.', '-' and '_'", t)
	}
	return ""
}

// checkRaw rejects unencoded whitespace and control characters in a raw
// component.
func checkRaw(s string) string {
	for _, r := range s {
		if unicode.IsSpace(r) {
			return fmt.Sprintf("unencoded whitespace in %q; write a space as %%20", s)
		}
		if unicode.IsControl(r) {
			return fmt.Sprintf("control character %q in %q", r, s)
		}
	}
	return ""
}

// unescape percent-decodes s. Malformed escapes, invalid UTF-8 and
// control characters are errors.
func unescape(s string) (string, string) {
	if strings.IndexByte(s, '%') < 0 {
		if !utf8.ValidString(s) {
			return "", fmt.Sprintf("%q is not valid UTF-8", s)
		}
		for _, r := range s {
			if unicode.IsControl(r) {
				return "", fmt.Sprintf("control character %q in %q", r, s)
			}
		}
		return s, ""
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) || unhex(s[i+1]) < 0 || unhex(s[i+2]) < 0 {
			end := min(i+3, len(s))
			return "", fmt.Sprintf("malformed percent-escape %q (want %%XX with two hex digits)", s[i:end])
		}
		b = append(b, byte(unhex(s[i+1])<<4|unhex(s[i+2])))
		i += 2
	}
	if !utf8.Valid(b) {
		return "", fmt.Sprintf("%q does not decode to valid UTF-8", s)
	}
	for _, r := range string(b) {
		if unicode.IsControl(r) {
			return "", fmt.Sprintf("%q decodes to a control character %q", s, r)
		}
	}
	return string(b), ""
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// normalizeVersion checks a decoded version and returns its canonical
// form: a range with the whitespace removed and empty clauses dropped, or
// the literal unchanged.
func normalizeVersion(v string) (string, string) {
	if isRange(v) {
		var clauses []string
		for _, c := range strings.Split(v, ",") {
			c = strings.TrimSpace(c)
			if c == "" {
				continue
			}
			sp, err := parseSpecifier(c)
			if err != nil {
				return "", "version range: " + err.Error()
			}
			switch sp.op {
			case ">=", ">", "<", "<=", "==":
			default:
				return "", fmt.Sprintf("version range %q uses %s; PEP 725 allows only >=, >, <, <= and == (joined with ',')", v, sp.op)
			}
			if sp.wildcard {
				return "", fmt.Sprintf("version range %q uses a .* wildcard, which PEP 725 does not allow", v)
			}
			clauses = append(clauses, sp.op+strings.ReplaceAll(strings.ReplaceAll(sp.text, " ", ""), "\t", ""))
		}
		if len(clauses) == 0 {
			return "", fmt.Sprintf("version range %q has no clauses", v)
		}
		return strings.Join(clauses, ","), ""
	}
	for _, r := range v {
		if unicode.IsSpace(r) {
			return "", fmt.Sprintf("version %q contains whitespace", v)
		}
	}
	return v, ""
}

// isRange reports whether a version is a range rather than a literal:
// PEP 725 reads a version that starts with an operator as a range.
func isRange(v string) bool {
	v = strings.TrimLeft(v, " \t")
	return v != "" && strings.IndexByte("<>=!~", v[0]) >= 0
}

// qualifierKeyRE is the purl qualifier key syntax.
var qualifierKeyRE = regexp.MustCompile(`^[a-z.\-_][a-z0-9.\-_]*$`)

func parseQualifiers(raw string) ([]Qualifier, string) {
	var qs []Qualifier
	for _, kv := range strings.Split(raw, "&") {
		if reason := checkRaw(kv); reason != "" {
			return nil, reason
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Sprintf("qualifier %q is not key=value", kv)
		}
		if k == "" || v == "" {
			continue // purl: pairs with an empty key or value are dropped
		}
		if strings.IndexByte(k, '%') >= 0 {
			return nil, fmt.Sprintf("qualifier key %q is percent-encoded", k)
		}
		k = strings.ToLower(k)
		if !qualifierKeyRE.MatchString(k) {
			if k[0] >= '0' && k[0] <= '9' {
				return nil, fmt.Sprintf("qualifier key %q starts with a digit", k)
			}
			return nil, fmt.Sprintf("qualifier key %q may only contain ASCII letters, digits, '.', '-' and '_'", k)
		}
		dec, reason := unescape(v)
		if reason != "" {
			return nil, reason
		}
		qs = append(qs, Qualifier{Key: k, Value: dec})
	}
	slices.SortStableFunc(qs, func(a, b Qualifier) int { return strings.Compare(a.Key, b.Key) })
	for i := 1; i < len(qs); i++ {
		if qs[i].Key == qs[i-1].Key {
			return nil, fmt.Sprintf("qualifier %q given twice", qs[i].Key)
		}
	}
	return qs, ""
}

// Type-specific normalisation of packageurl-python (normalize_namespace,
// normalize_name, normalize_version), which pyproject-external applies.
var (
	lowerNamespace = map[string]bool{"bitbucket": true, "github": true, "pypi": true, "gitlab": true,
		"composer": true, "luarocks": true, "qpkg": true, "alpm": true, "apk": true, "hex": true, "virtual": true}
	lowerName = map[string]bool{"bitbucket": true, "github": true, "pypi": true, "gitlab": true,
		"composer": true, "luarocks": true, "oci": true, "npm": true, "alpm": true, "apk": true,
		"bitnami": true, "hex": true, "pub": true, "virtual": true}
	pubRE = regexp.MustCompile(`[^a-z0-9]`)
)

func (d *DepURL) normalize() {
	if lowerNamespace[d.Type] {
		d.Namespace = strings.ToLower(d.Namespace)
	}
	if d.Type == "cpan" {
		d.Namespace = strings.ToUpper(d.Namespace)
	}
	switch {
	case d.Type == "mlflow":
		// Databricks names are case-insensitive, Azure ML names are not.
		if repo, ok := d.Qualifier("repository_url"); ok && strings.Contains(strings.ToLower(repo), "databricks") &&
			!strings.Contains(strings.ToLower(repo), "azureml") {
			d.Name = strings.ToLower(d.Name)
		}
	case lowerName[d.Type]:
		d.Name = strings.ToLower(d.Name)
	}
	switch d.Type {
	case "pypi", "hackage":
		d.Name = strings.ReplaceAll(d.Name, "_", "-")
	case "pub":
		d.Name = pubRE.ReplaceAllString(d.Name, "_")
	case "huggingface", "oci":
		d.Version = strings.ToLower(d.Version)
	}
}

// check applies the PEP 725 rules a normalised DepURL must follow.
func (d DepURL) check() string {
	if reason := checkType(d.Type); reason != "" {
		return reason
	}
	if d.Type != strings.ToLower(d.Type) {
		return fmt.Sprintf("type %q is not lower case", d.Type)
	}
	if d.Name == "" {
		return "empty name"
	}
	if d.Type == "virtual" && !slices.Contains(virtualNamespaces, d.Namespace) {
		if d.Namespace == "" {
			return "a virtual DepURL needs a namespace, compiler or interface (dep:virtual/compiler/c, dep:virtual/interface/blas)"
		}
		return fmt.Sprintf("unknown virtual namespace %q (want compiler or interface)", d.Namespace)
	}
	if d.Version != "" {
		if v, reason := normalizeVersion(d.Version); reason != "" {
			return reason
		} else if v != d.Version {
			return fmt.Sprintf("version %q is not in canonical form %q", d.Version, v)
		}
	}
	for i, q := range d.Qualifiers {
		if !qualifierKeyRE.MatchString(q.Key) {
			return fmt.Sprintf("qualifier key %q is not a lower-case purl qualifier key", q.Key)
		}
		if q.Value == "" {
			return fmt.Sprintf("qualifier %q has an empty value", q.Key)
		}
		if i > 0 && d.Qualifiers[i-1].Key >= q.Key {
			return "qualifiers are not sorted by key, or a key is repeated"
		}
	}
	return ""
}

// Validate reports whether d, built in code rather than parsed, follows
// the rules [ParseDepURL] enforces: a well-formed lower-case type, a
// name, a compiler or interface namespace for virtual, a valid version in
// canonical form, and sorted, unique, non-empty qualifiers. The error is
// a *[DepURLError].
func (d DepURL) Validate() error {
	if reason := d.check(); reason != "" {
		return &DepURLError{Input: d.String(), Reason: reason}
	}
	return nil
}

// Warnings returns what is legal but suspect about d: a type that is not
// a registered purl type (often a typo, such as "gneric"), and a
// namespace a type requires or forbids.
func (d DepURL) Warnings() []string {
	var w []string
	req, known := purlTypes[d.Type]
	switch {
	case !known:
		w = append(w, fmt.Sprintf("type %q is not a registered purl type (PEP 725 wants virtual or a purl type such as generic, github, pypi, cargo)", d.Type))
	case req == "required" && d.Namespace == "":
		w = append(w, fmt.Sprintf("purl type %q needs a namespace (dep:%s/NAMESPACE/NAME)", d.Type, d.Type))
	case req == "prohibited" && d.Namespace != "":
		w = append(w, fmt.Sprintf("purl type %q does not take a namespace (dep:%s/NAME)", d.Type, d.Type))
	}
	return w
}

// String returns the canonical text of d: "dep:", the lower-case type,
// the namespace and name, "@" and the version, "?" and the sorted
// qualifiers, "#" and the subpath. Bytes outside printable ASCII, '%',
// and the characters that would end a component (such as '/', '@', '?',
// '#', ';', and '&' in a qualifier value) are percent-encoded; all else,
// including the operators of a version range, is written as is.
// ParseDepURL(d.String()) returns d for every d ParseDepURL returned.
func (d DepURL) String() string {
	var b strings.Builder
	b.WriteString("dep:")
	b.WriteString(d.Type)
	b.WriteByte('/')
	if d.Namespace != "" {
		for i, seg := range strings.Split(d.Namespace, "/") {
			b.WriteString(escapeComponent(seg, "/?#;@", i == 0 && d.Type == "npm"))
			b.WriteByte('/')
		}
	}
	b.WriteString(escapeComponent(d.Name, "/?#;@", false))
	if d.Version != "" {
		b.WriteByte('@')
		b.WriteString(escapeComponent(d.Version, "?#;@", false))
	}
	for i, q := range d.Qualifiers {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(q.Key)
		b.WriteByte('=')
		b.WriteString(escapeComponent(q.Value, "&#;", false))
	}
	if d.Subpath != "" {
		b.WriteByte('#')
		for i, seg := range strings.Split(d.Subpath, "/") {
			if i > 0 {
				b.WriteByte('/')
			}
			b.WriteString(escapeComponent(seg, "/#;", false))
		}
	}
	return b.String()
}

// escapeComponent percent-encodes '%', bytes outside printable ASCII and the bytes
// in special. With leadingAt, an '@' that starts s is left as is: an npm
// scope such as "@angular", which purl libraries write that way.
func escapeComponent(s, special string, leadingAt bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '%' || (strings.IndexByte(special, c) >= 0 && !(leadingAt && i == 0 && c == '@')) {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Qualifier returns the value of the qualifier key, and whether d has it.
func (d DepURL) Qualifier(key string) (string, bool) {
	for _, q := range d.Qualifiers {
		if q.Key == key {
			return q.Value, true
		}
	}
	return "", false
}

// IsVirtual reports whether d names a virtual package (a compiler or an
// interface) rather than a concrete one.
func (d DepURL) IsVirtual() bool { return d.Type == "virtual" }

// IsRange reports whether d's version is a range (">=3.7.1") rather than
// a literal version ("3.7.1") or none.
func (d DepURL) IsRange() bool { return isRange(d.Version) }

// Unversioned returns d without its version: the key to look d up by in
// the PEP 804 registry and mappings.
func (d DepURL) Unversioned() DepURL {
	d.Version = ""
	return d
}

// Allows reports whether version satisfies d's version: always when d has
// none; by PEP 440 rules (pre-releases included) when d's version is a
// range, in which case version must be a PEP 440 version; and by PEP 440
// equality, or string equality when either is not a PEP 440 version, when
// d's version is a literal.
func (d DepURL) Allows(version string) (bool, error) {
	if d.Version == "" {
		return true, nil
	}
	if !d.IsRange() {
		a, ok1 := parseVersion(d.Version)
		b, ok2 := parseVersion(version)
		if ok1 && ok2 {
			return compareVersions(a, b) == 0, nil
		}
		return d.Version == version, nil
	}
	v, ok := parseVersion(version)
	if !ok {
		return false, fmt.Errorf("%q is not a PEP 440 version, so it cannot be compared with %s", version, d.Version)
	}
	for _, c := range strings.Split(d.Version, ",") {
		sp, err := parseSpecifier(c)
		if err != nil {
			return false, fmt.Errorf("%s: %w", d, err)
		}
		if !sp.contains(v) {
			return false, nil
		}
	}
	return true, nil
}

// Requirement is an external dependency specifier: a DepURL and an
// optional environment marker, as in
// "dep:generic/XCB; platform_system=='Linux'".
type Requirement struct {
	DepURL DepURL
	Marker *Marker // nil when there is none
	// Text is the specifier as written.
	Text string
	// Line is the 1-based line of the specifier in the file it came from,
	// or 0 when unknown.
	Line int
	// Legacy is true when the DepURL was written with the pkg: or virtual:
	// scheme of PEP 725's first drafts; the DepURL field holds its dep:
	// form.
	Legacy bool
}

// ParseRequirement parses an external dependency specifier: a DepURL
// ([ParseDepURL]), optionally followed by ';' and a PEP 508 marker
// ([ParseMarker]). The specifier is split at its first ';' (a DepURL
// cannot contain one unencoded), and whitespace around either part is
// ignored. Errors are *[DepURLError] or *[SyntaxError] values; a marker
// error's offset counts from the start of s.
func ParseRequirement(s string) (Requirement, error) {
	r := Requirement{Text: s}
	urlPart, markerPart, hasMarker := strings.Cut(s, ";")
	trimmed := strings.TrimSpace(urlPart)
	d, err := ParseDepURL(trimmed)
	if err != nil {
		if e, ok := err.(*DepURLError); ok && trimmed != s {
			e.Input = s
		}
		return Requirement{}, err
	}
	r.DepURL = d
	scheme, _, _ := strings.Cut(trimmed, ":")
	r.Legacy = !strings.EqualFold(scheme, "dep")
	if hasMarker {
		m, err := ParseMarker(markerPart)
		if err != nil {
			if me, ok := err.(*SyntaxError); ok {
				return Requirement{}, &SyntaxError{Input: s, Offset: len(urlPart) + 1 + me.Offset, Msg: me.Msg}
			}
			return Requirement{}, err
		}
		r.Marker = m
	}
	return r, nil
}

// String returns the canonical text of r: the DepURL's canonical text,
// then "; " and the marker's canonical text if r has a marker.
func (r Requirement) String() string {
	if r.Marker == nil {
		return r.DepURL.String()
	}
	return r.DepURL.String() + "; " + r.Marker.String()
}

// forMessage returns s for a message: quoted when it holds characters that
// would garble a one-line message, and cut to 200 bytes.
func forMessage(s string) string {
	const maxLen = 200
	cut := false
	if len(s) > maxLen {
		s = s[:maxLen]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		cut = true
	}
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			s = strconv.Quote(s)
			break
		}
	}
	if cut {
		s += "…"
	}
	return s
}
