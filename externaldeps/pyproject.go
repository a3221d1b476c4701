package externaldeps

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/libvet/libvet/internal/pyname"
)

// Category is one of the seven keys of the PEP 725 [external] table.
type Category string

// The keys of the [external] table, in the PEP's order.
const (
	BuildRequires         Category = "build-requires"
	HostRequires          Category = "host-requires"
	Dependencies          Category = "dependencies"
	OptionalBuildRequires Category = "optional-build-requires"
	OptionalHostRequires  Category = "optional-host-requires"
	OptionalDependencies  Category = "optional-dependencies"
	DependencyGroups      Category = "dependency-groups"
)

// Categories returns the seven categories in the PEP's order, the order
// [External.All] lists entries in.
func Categories() []Category {
	return []Category{BuildRequires, HostRequires, Dependencies,
		OptionalBuildRequires, OptionalHostRequires, OptionalDependencies, DependencyGroups}
}

// Grouped reports whether entries of c belong to named groups (the three
// optional-* tables and dependency-groups).
func (c Category) Grouped() bool {
	switch c {
	case OptionalBuildRequires, OptionalHostRequires, OptionalDependencies, DependencyGroups:
		return true
	}
	return false
}

// Stage returns when a dependency of category c is needed, in the words
// of PEP 725 and of the PEP 804 mappings' specs: "build" (runs on the
// build machine), "host" (built for the target, linked against) or "run"
// (needed at runtime only; dependency groups count as run, as
// pyproject-external maps them). It returns "" for an unknown category.
func (c Category) Stage() string {
	switch c {
	case BuildRequires, OptionalBuildRequires:
		return "build"
	case HostRequires, OptionalHostRequires:
		return "host"
	case Dependencies, OptionalDependencies, DependencyGroups:
		return "run"
	}
	return ""
}

// External is the [external] table of a pyproject.toml (PEP 725).
type External struct {
	// File is the name given to ParsePyproject, used in messages.
	File string

	BuildRequires []Requirement
	HostRequires  []Requirement
	Dependencies  []Requirement

	// The grouped tables, each group in file order.
	OptionalBuildRequires []Group
	OptionalHostRequires  []Group
	OptionalDependencies  []Group
	// DependencyGroups holds each group with its {include-group = "..."}
	// entries replaced by the included groups' requirements, in place and
	// not deduplicated, as the dependency groups specification says.
	DependencyGroups []Group
}

// Group is one named group of an optional-* table or of
// dependency-groups.
type Group struct {
	// Name is the group's name as written; compare names with
	// [NormalizeName].
	Name string
	// Line is the 1-based line of the group's array, or 0 when unknown.
	Line         int
	Requirements []Requirement
	// Includes are the groups this dependency group includes directly, as
	// written (dependency-groups only).
	Includes []string
}

// Entry is one requirement of an [external] table with where it belongs.
type Entry struct {
	Category Category
	// Group is the group's name as written, or "" for build-requires,
	// host-requires and dependencies.
	Group string
	Requirement
}

// All lists every requirement of e: build-requires, host-requires and
// dependencies, then each group of the optional-* tables and of
// dependency-groups (with includes expanded), in the order of
// [Categories] and, within a category, in file order. It returns nil for
// a nil External.
func (e *External) All() []Entry {
	if e == nil {
		return nil
	}
	var out []Entry
	for _, c := range Categories() {
		if !c.Grouped() {
			for _, r := range *e.required(c) {
				out = append(out, Entry{Category: c, Requirement: r})
			}
			continue
		}
		for _, g := range *e.groups(c) {
			for _, r := range g.Requirements {
				out = append(out, Entry{Category: c, Group: g.Name, Requirement: r})
			}
		}
	}
	return out
}

func (e *External) required(c Category) *[]Requirement {
	switch c {
	case BuildRequires:
		return &e.BuildRequires
	case HostRequires:
		return &e.HostRequires
	}
	return &e.Dependencies
}

func (e *External) groups(c Category) *[]Group {
	switch c {
	case OptionalBuildRequires:
		return &e.OptionalBuildRequires
	case OptionalHostRequires:
		return &e.OptionalHostRequires
	case OptionalDependencies:
		return &e.OptionalDependencies
	}
	return &e.DependencyGroups
}

// Error is a problem at one place in a pyproject.toml or METADATA file.
// Its text is "FILE:LINE: KEY: ERR", leaving out what is unknown.
type Error struct {
	File string
	Line int    // 1-based; 0 when unknown
	Key  string // where in the file: "external.host-requires[1]", "Requires-External-Dep"; may be ""
	Err  error
}

// Error returns "FILE:LINE: KEY: ERR".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(forMessage(e.File))
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		b.WriteString("line " + strconv.Itoa(e.Line) + ": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// maxErrors bounds the problems one file reports; the rest are counted.
const maxErrors = 50

// problems collects the errors of one file.
type problems struct {
	file string
	errs []error
	more int
}

func (p *problems) add(line int, key string, err error) {
	if len(p.errs) >= maxErrors {
		p.more++
		return
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Key: key, Err: err})
}

func (p *problems) addf(line int, key, format string, args ...any) {
	p.add(line, key, fmt.Errorf(format, args...))
}

// err returns the problems joined, sorted by line (problems without a
// line last), or nil.
func (p *problems) err() error {
	line := func(e error) int {
		if l := e.(*Error).Line; l > 0 {
			return l
		}
		return math.MaxInt
	}
	slices.SortStableFunc(p.errs, func(a, b error) int { return cmp.Compare(line(a), line(b)) })
	if p.more > 0 {
		p.errs = append(p.errs, &Error{File: p.file, Err: fmt.Errorf("and %d more problems", p.more)})
	}
	return errors.Join(p.errs...)
}

// MaxPyprojectSize is the largest pyproject.toml ParsePyproject and
// ReadProject read (1 MiB; real ones are a few kilobytes).
const MaxPyprojectSize = 1 << 20

// ParsePyproject reads the [external] table (PEP 725) of a pyproject.toml
// whose contents are data; name names the file in messages. It returns
// nil and no error when the file has no [external] table, which PEP 725
// reads as "no external dependencies, or they are assumed present".
//
// Every key of the table is checked: an unknown key, a value of the wrong
// type, an invalid group name, two group names that normalise alike, an
// entry that is not a valid external dependency specifier
// ([ParseRequirement]), a malformed or cyclic {include-group = "..."}, or
// an include of a group that does not exist. The error then joins one
// *[Error] per problem (at most 50, then a count) with the line of the
// entry, sorted by line, and the returned External still holds every
// entry that was valid. A file that is not valid TOML gives a nil
// External and one *Error.
//
// The table is decoded with github.com/BurntSushi/toml; the lines of keys
// and array entries, which the decoder does not give, come from a scan of
// the file that follows its keys, table headers and arrays.
func ParsePyproject(name string, data []byte) (*External, error) {
	if len(data) > MaxPyprojectSize {
		return nil, &Error{File: name, Err: fmt.Errorf("%d bytes; libvet reads pyproject.toml files of at most %d bytes", len(data), MaxPyprojectSize)}
	}
	var doc map[string]toml.Primitive
	md, err := toml.Decode(string(data), &doc)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: name, Line: pe.Position.Line, Err: fmt.Errorf("not valid TOML: column %d: %s", pe.Position.Col, pe.Message)}
		}
		return nil, &Error{File: name, Err: fmt.Errorf("not valid TOML: %w", err)}
	}
	prim, ok := doc["external"]
	if !ok {
		return nil, nil
	}
	p := &pyParser{data: data, md: &md, probs: problems{file: name}}
	ext := &External{File: name}
	line, _ := p.position([]string{"external"})
	if t := md.Type("external"); t != "Hash" && t != "" { // "": made implicitly by [external.x] or external.x = ...
		p.probs.addf(line, "external", "must be a table ([external]), not %s", tomlTypeName(t))
		return ext, p.probs.err()
	}
	var table map[string]toml.Primitive
	if err := md.PrimitiveDecode(prim, &table); err != nil {
		p.probs.add(line, "external", err)
		return ext, p.probs.err()
	}
	for _, key := range p.childKeys([]string{"external"}, table) {
		v := table[key]
		path := []string{"external", key}
		switch c := Category(key); c {
		case BuildRequires, HostRequires, Dependencies:
			*ext.required(c) = p.requirements(path, v)
		case OptionalBuildRequires, OptionalHostRequires, OptionalDependencies:
			*ext.groups(c) = p.groupTable(path, v, false)
		case DependencyGroups:
			ext.DependencyGroups = p.groupTable(path, v, true)
		default:
			kline, _ := p.position(path)
			hint := ""
			if want := Category(strings.ReplaceAll(strings.ToLower(key), "_", "-")); slices.Contains(Categories(), want) {
				hint = fmt.Sprintf("; did you mean %q?", string(want))
			}
			p.probs.addf(kline, keyPath(path), "unknown key in [external]%s (PEP 725 defines build-requires, host-requires, dependencies, optional-build-requires, optional-host-requires, optional-dependencies and dependency-groups, and no tool may add others)", hint)
		}
	}
	return ext, p.probs.err()
}

// ReadProject reads dir/pyproject.toml and returns its [external] table
// as [ParsePyproject] does (nil and no error when there is none). A
// missing file is an error that wraps [io/fs.ErrNotExist].
func ReadProject(dir string) (*External, error) {
	return ReadPyproject(filepath.Join(dir, "pyproject.toml"))
}

// ReadPyproject reads and parses the pyproject.toml file name, at most
// MaxPyprojectSize bytes of it.
func ReadPyproject(name string) (*External, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPyprojectSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return ParsePyproject(name, data)
}

// pyParser holds what decoding one [external] table needs.
type pyParser struct {
	data     []byte
	md       *toml.MetaData
	probs    problems
	offsets  map[string]int // key path joined with NUL -> offset of its value
	newlines []int          // offsets of the '\n' bytes
}

// position returns the 1-based line and the byte offset of the value of
// the key at path (the '[' of an array, the '{' of an inline table, the
// '[' of a [table] header), or 0, -1 when the scan of the file did not
// find it.
func (p *pyParser) position(path []string) (line, start int) {
	if p.offsets == nil {
		p.offsets = locateKeys(p.data)
	}
	off, ok := p.offsets[strings.Join(path, "\x00")]
	if !ok {
		return 0, -1
	}
	return p.lineAt(off), off
}

// lineAt returns the 1-based line of byte offset off.
func (p *pyParser) lineAt(off int) int {
	if p.newlines == nil {
		p.newlines = []int{}
		for i, c := range p.data {
			if c == '\n' {
				p.newlines = append(p.newlines, i)
			}
		}
	}
	n, _ := slices.BinarySearch(p.newlines, off)
	return n + 1
}

// childKeys returns the keys of table (the table at path) in file order.
func (p *pyParser) childKeys(path []string, table map[string]toml.Primitive) []string {
	var keys []string
	seen := map[string]bool{}
	for _, k := range p.md.Keys() {
		if len(k) == len(path)+1 && slices.Equal([]string(k[:len(path)]), path) {
			if _, ok := table[k[len(path)]]; ok && !seen[k[len(path)]] {
				seen[k[len(path)]] = true
				keys = append(keys, k[len(path)])
			}
		}
	}
	var rest []string
	for k := range table {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(keys, rest...)
}

// keyPath writes a TOML key path, quoting parts that are not bare keys.
func keyPath(path []string) string {
	var b strings.Builder
	for i, k := range path {
		if i > 0 {
			b.WriteByte('.')
		}
		bare := k != ""
		for j := 0; j < len(k); j++ {
			if !isWordByte(k[j]) && k[j] != '-' {
				bare = false
			}
		}
		if bare {
			b.WriteString(k)
		} else {
			b.WriteString(strconv.Quote(k))
		}
	}
	return b.String()
}

// tomlTypeName turns a MetaData type name into words for messages.
func tomlTypeName(t string) string {
	switch t {
	case "String":
		return "a string"
	case "Integer":
		return "an integer"
	case "Float":
		return "a float"
	case "Bool":
		return "a boolean"
	case "Array":
		return "an array"
	case "Hash":
		return "a table"
	case "ArrayHash":
		return "an array of tables"
	case "Datetime", "DatetimeLocal", "DateLocal", "TimeLocal":
		return "a date or time"
	}
	return "a " + strings.ToLower(t)
}

// array decodes the array at path, returning its items, the line of the
// array and the line of each item.
func (p *pyParser) array(path []string, v toml.Primitive) (items []any, line int, itemLines []int, ok bool) {
	line, start := p.position(path)
	if t := p.md.Type(path...); t != "Array" {
		p.probs.addf(line, keyPath(path), "must be an array of external dependency specifiers such as [\"dep:generic/openssl\"], not %s", tomlTypeName(t))
		return nil, line, nil, false
	}
	if err := p.md.PrimitiveDecode(v, &items); err != nil {
		p.probs.add(line, keyPath(path), err)
		return nil, line, nil, false
	}
	itemLines = arrayItemLines(p.data, start, line)
	if len(itemLines) != len(items) {
		itemLines = nil
	}
	return items, line, itemLines, true
}

func itemLine(lines []int, i, fallback int) int {
	if i < len(lines) {
		return lines[i]
	}
	return fallback
}

// requirements decodes an array of external dependency specifiers.
func (p *pyParser) requirements(path []string, v toml.Primitive) []Requirement {
	items, line, lines, ok := p.array(path, v)
	if !ok {
		return nil
	}
	var out []Requirement
	for i, it := range items {
		if r, ok := p.requirement(path, i, it, itemLine(lines, i, line)); ok {
			out = append(out, r)
		}
	}
	return out
}

func (p *pyParser) requirement(path []string, i int, it any, line int) (Requirement, bool) {
	key := fmt.Sprintf("%s[%d]", keyPath(path), i)
	s, ok := it.(string)
	if !ok {
		p.probs.addf(line, key, "must be a string such as \"dep:generic/openssl\", not %s", goTypeName(it))
		return Requirement{}, false
	}
	r, err := ParseRequirement(s)
	if err != nil {
		p.probs.add(line, key, err)
		return Requirement{}, false
	}
	r.Line = line
	return r, true
}

func goTypeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return "a date or time"
}

// groupItem is one entry of a dependency group: a requirement, or an
// include of another group (include != "").
type groupItem struct {
	req     Requirement
	include string
	line    int
}

// maxGroupSize bounds a dependency group with its includes expanded, so
// that groups which include each other many times over cannot make the
// expansion exponential.
const maxGroupSize = 10000

// groupTable decodes an optional-* table or, with depGroups, the
// dependency-groups table: a table of named arrays.
func (p *pyParser) groupTable(path []string, v toml.Primitive, depGroups bool) []Group {
	line, _ := p.position(path)
	if t := p.md.Type(path...); t != "Hash" && t != "" {
		p.probs.addf(line, keyPath(path), "must be a table of named arrays, such as [%s] NAME = [\"dep:generic/openssl\"], not %s", keyPath(path), tomlTypeName(t))
		return nil
	}
	var table map[string]toml.Primitive
	if err := p.md.PrimitiveDecode(v, &table); err != nil {
		p.probs.add(line, keyPath(path), err)
		return nil
	}
	var groups []Group
	var items [][]groupItem
	index := map[string]int{} // normalised name -> index in groups
	for _, name := range p.childKeys(path, table) {
		gv := table[name]
		gpath := append(slices.Clip(path), name)
		arr, gline, lines, ok := p.array(gpath, gv)
		if !ok {
			continue
		}
		what := "extra"
		if depGroups {
			what = "dependency group"
		}
		if !validName(name) {
			p.probs.addf(gline, keyPath(gpath), "%q is not a valid %s name (ASCII letters, digits, '-', '_' and '.', starting and ending with a letter or digit)", name, what)
			continue
		}
		norm := NormalizeName(name)
		if j, dup := index[norm]; dup {
			p.probs.addf(gline, keyPath(gpath), "%s names %q and %q are the same after normalisation (%q)", what, groups[j].Name, name, norm)
			continue
		}
		g := Group{Name: name, Line: gline}
		var gi []groupItem
		for i, it := range arr {
			iline := itemLine(lines, i, gline)
			if t, isTable := it.(map[string]any); isTable && depGroups {
				inc, ok := t["include-group"].(string)
				if len(t) != 1 || !ok {
					p.probs.addf(iline, fmt.Sprintf("%s[%d]", keyPath(gpath), i), "a table in a dependency group must be {include-group = \"NAME\"} and nothing else")
					continue
				}
				g.Includes = append(g.Includes, inc)
				gi = append(gi, groupItem{include: inc, line: iline})
				continue
			}
			if r, ok := p.requirement(gpath, i, it, iline); ok {
				g.Requirements = append(g.Requirements, r)
				gi = append(gi, groupItem{req: r, line: iline})
			}
		}
		index[norm] = len(groups)
		groups = append(groups, g)
		items = append(items, gi)
	}
	if depGroups {
		p.expandIncludes(path, groups, items, index)
	}
	return groups
}

// expandIncludes replaces each group's requirements with its items,
// includes expanded recursively. Unknown groups, cycles and groups that
// grow past maxGroupSize are reported.
func (p *pyParser) expandIncludes(path []string, groups []Group, items [][]groupItem, index map[string]int) {
	const (
		todo = iota
		busy
		done
	)
	state := make([]int, len(groups))
	expanded := make([][]Requirement, len(groups))
	var expand func(g int) bool
	expand = func(g int) bool {
		switch state[g] {
		case done:
			return true
		case busy:
			return false
		}
		state[g] = busy
		var out []Requirement
		gpath := append(slices.Clip(path), groups[g].Name)
		for _, it := range items[g] {
			if it.include == "" {
				out = append(out, it.req)
				continue
			}
			j, ok := index[NormalizeName(it.include)]
			if !ok {
				p.probs.addf(it.line, keyPath(gpath), "includes group %q, which is not defined in [%s]", it.include, keyPath(path))
				continue
			}
			if !expand(j) {
				p.probs.addf(it.line, keyPath(gpath), "includes group %q, which leads back to %q: dependency groups must not include each other in a cycle", it.include, groups[g].Name)
				continue
			}
			if len(out)+len(expanded[j]) > maxGroupSize {
				p.probs.addf(it.line, keyPath(gpath), "expands to more than %d requirements with its includes", maxGroupSize)
				break
			}
			out = append(out, expanded[j]...)
		}
		expanded[g] = out
		state[g] = done
		return true
	}
	for g := range groups {
		expand(g)
		groups[g].Requirements = expanded[g]
	}
}

// NormalizeName normalises a distribution, extra or dependency group name
// as PEP 503 and PEP 685 say: lower case, with each run of '-', '_' and
// '.' replaced by one '-'. Compare names only in this form.
func NormalizeName(name string) string { return pyname.Normalize(name) }

// arrayItemLines returns the 1-based line of each element of the TOML
// array whose '[' is at data[start], on line line. The decoder has already checked the
// syntax, so this only skips strings, comments and nested values. It
// returns nil when the array is not where expected.
func arrayItemLines(data []byte, start, line int) []int {
	if start < 0 || start >= len(data) {
		return nil
	}
	if data[start] != '[' {
		return nil
	}
	s := &tomlScanner{data: data, i: start + 1, line: line}
	lines := []int{}
	for {
		s.skipSpace()
		if s.i >= len(data) {
			return nil
		}
		if data[s.i] == ']' {
			return lines
		}
		lines = append(lines, s.line)
		if !s.skipValue(0) {
			return nil
		}
		s.skipSpace()
		if s.i < len(data) && data[s.i] == ',' {
			s.i++
		}
	}
}

// locateKeys scans a TOML document that the decoder has accepted and
// returns the byte offset of each key's value, by key path joined with
// NUL: the value after a key's '=' (in a table, a dotted key or an inline
// table) and the '[' of each [table] header. Keys under [[array.tables]]
// and quoted keys whose escapes it cannot decode are left out.
func locateKeys(data []byte) map[string]int {
	offsets := map[string]int{}
	s := &tomlScanner{data: data}
	var table []string
	inArray := false
	for {
		s.skipSpace()
		if s.i >= len(data) {
			return offsets
		}
		if data[s.i] == '[' {
			start := s.i
			double := s.i+1 < len(data) && data[s.i+1] == '['
			s.i++
			if double {
				s.i++
			}
			path, ok := s.keyPath(']')
			if !ok {
				return offsets
			}
			s.i++
			if double {
				s.i++
			}
			table, inArray = path, double
			if !double {
				offsets[strings.Join(path, "\x00")] = start
			}
			continue
		}
		if !s.keyValue(table, inArray, offsets, 0) {
			return offsets
		}
	}
}

// keyValue reads "key = value" at s.i, recording the value's offset
// under prefix+key unless skip, and the keys of an inline table value.
func (s *tomlScanner) keyValue(prefix []string, skip bool, offsets map[string]int, depth int) bool {
	key, ok := s.keyPath('=')
	if !ok || s.i >= len(s.data) {
		return false
	}
	s.i++ // '='
	for s.i < len(s.data) && (s.data[s.i] == ' ' || s.data[s.i] == '\t') {
		s.i++
	}
	path := append(slices.Clip(prefix), key...)
	if !skip && key != nil {
		offsets[strings.Join(path, "\x00")] = s.i
	}
	if s.i < len(s.data) && s.data[s.i] == '{' && depth < 64 {
		s.i++
		for {
			s.skipSpace()
			if s.i >= len(s.data) {
				return false
			}
			switch s.data[s.i] {
			case '}':
				s.i++
				return true
			case ',':
				s.i++
				continue
			}
			if !s.keyValue(path, skip || key == nil, offsets, depth+1) {
				return false
			}
		}
	}
	return s.skipValue(0)
}

// keyPath reads a dotted key up to (not past) the byte end. A quoted part
// whose escapes Go's strconv.Unquote cannot decode makes the key nil.
func (s *tomlScanner) keyPath(end byte) (path []string, ok bool) {
	known := true
	for {
		for s.i < len(s.data) && (s.data[s.i] == ' ' || s.data[s.i] == '\t') {
			s.i++
		}
		if s.i >= len(s.data) {
			return nil, false
		}
		switch c := s.data[s.i]; {
		case c == '"' || c == '\'':
			start := s.i
			if !s.skipString() {
				return nil, false
			}
			raw := string(s.data[start:s.i])
			if c == '\'' {
				path = append(path, raw[1:len(raw)-1])
			} else if k, err := strconv.Unquote(raw); err == nil {
				path = append(path, k)
			} else {
				known = false
			}
		default:
			start := s.i
			for s.i < len(s.data) && (isWordByte(s.data[s.i]) || s.data[s.i] == '-') {
				s.i++
			}
			if s.i == start {
				return nil, false
			}
			path = append(path, string(s.data[start:s.i]))
		}
		for s.i < len(s.data) && (s.data[s.i] == ' ' || s.data[s.i] == '\t') {
			s.i++
		}
		if s.i >= len(s.data) {
			return nil, false
		}
		switch s.data[s.i] {
		case '.':
			s.i++
		case end:
			if !known {
				path = nil
			}
			return path, true
		default:
			return nil, false
		}
	}
}

// tomlScanner skips over TOML values, counting lines.
type tomlScanner struct {
	data []byte
	i    int
	line int
}

// skipSpace skips whitespace, newlines and comments.
func (s *tomlScanner) skipSpace() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\r':
			s.i++
		case '\n':
			s.i++
			s.line++
		case '#':
			for s.i < len(s.data) && s.data[s.i] != '\n' {
				s.i++
			}
		default:
			return
		}
	}
}

// skipString skips a basic or literal string, single- or multi-line.
func (s *tomlScanner) skipString() bool {
	q := s.data[s.i]
	triple := bytes.HasPrefix(s.data[s.i:], []byte{q, q, q})
	if triple {
		s.i += 3
	} else {
		s.i++
	}
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '\\' && q == '"':
			if s.i+1 < len(s.data) && s.data[s.i+1] == '\n' {
				s.line++
			}
			s.i += 2
			continue
		case c == '\n':
			if !triple {
				return false
			}
			s.line++
		case c == q && !triple:
			s.i++
			return true
		case c == q && bytes.HasPrefix(s.data[s.i:], []byte{q, q, q}):
			s.i += 3
			// Up to two more quotes belong to the string's contents.
			for n := 0; n < 2 && s.i < len(s.data) && s.data[s.i] == q; n++ {
				s.i++
			}
			return true
		}
		s.i++
	}
	return false
}

// skipValue skips one value: a string, an array, an inline table, or a
// bare number, boolean or date.
func (s *tomlScanner) skipValue(depth int) bool {
	if depth > 64 || s.i >= len(s.data) {
		return false
	}
	switch c := s.data[s.i]; c {
	case '"', '\'':
		return s.skipString()
	case '[':
		s.i++
		for {
			s.skipSpace()
			if s.i >= len(s.data) {
				return false
			}
			if s.data[s.i] == ']' {
				s.i++
				return true
			}
			if !s.skipValue(depth + 1) {
				return false
			}
			s.skipSpace()
			if s.i < len(s.data) && s.data[s.i] == ',' {
				s.i++
			}
		}
	case '{':
		s.i++
		for s.i < len(s.data) {
			switch s.data[s.i] {
			case '}':
				s.i++
				return true
			case '"', '\'':
				if !s.skipString() {
					return false
				}
			case '[', '{':
				if !s.skipValue(depth + 1) {
					return false
				}
			case '\n':
				s.i++
				s.line++
			case '#':
				s.skipSpace()
			default:
				s.i++
			}
		}
		return false
	}
	for s.i < len(s.data) && !bytes.ContainsRune([]byte(",]} \t\r\n#"), rune(s.data[s.i])) {
		s.i++
	}
	return true
}
