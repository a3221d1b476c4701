package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/libvet/libvet/externaldeps"
	"github.com/libvet/libvet/internal/datagen"
)

// Output file names and format lines. externaldeps/mapping.go reads exactly
// these formats.
const (
	RegistryFileName = "registry.txt"
	registryFormat   = "libvet-pep804-registry 1"
	mappingFormat    = "libvet-pep804-mapping 1"
)

// Source describes where the input documents come from, for the headers.
const Source = "jaimergp/external-metadata-mappings (BSD-3-Clause), the data PEP 804 proposes"

// ecosystemRE is PEP 804's rule for ecosystem ids (known-ecosystems.json):
// a Linux distribution is its os-release ID, optionally +VERSION_ID.
var ecosystemRE = regexp.MustCompile(`^[a-z0-9\-_.]+(\+[a-z0-9\-_.]+)?$`)

// jsonRegistry is registry.json. Pointers tell a missing key from an empty
// value.
type jsonRegistry struct {
	Schema        *string           `json:"$schema"`
	SchemaVersion *int              `json:"schema_version"`
	Definitions   *[]jsonDefinition `json:"definitions"`
}

type jsonDefinition struct {
	ID          string          `json:"id"`
	Description *string         `json:"description"`
	Provides    json.RawMessage `json:"provides"` // null, a DepURL or a list
	URLs        json.RawMessage `json:"urls"`     // not kept
}

// jsonKnown is known-ecosystems.json.
type jsonKnown struct {
	Schema        *string                   `json:"$schema"`
	SchemaVersion *int                      `json:"schema_version"`
	Ecosystems    *map[string]jsonEcosystem `json:"ecosystems"`
}

type jsonEcosystem struct {
	Mapping string `json:"mapping"` // the mapping's URL; not kept
}

// jsonMapping is {ecosystem}.mapping.json.
type jsonMapping struct {
	Schema          *string               `json:"$schema"`
	SchemaVersion   *int                  `json:"schema_version"`
	Name            *string               `json:"name"`
	Description     *string               `json:"description"`
	Mappings        *[]jsonEntry          `json:"mappings"`
	PackageManagers *[]jsonPackageManager `json:"package_managers"`
}

type jsonEntry struct {
	ID            string          `json:"id"`
	Description   *string         `json:"description"`
	Specs         json.RawMessage `json:"specs"` // a string, a list or {build, host, run}
	SpecsFrom     *string         `json:"specs_from"`
	URLs          json.RawMessage `json:"urls"`           // not kept
	ExtraMetadata json.RawMessage `json:"extra_metadata"` // not kept
}

type jsonPackageManager struct {
	Name     string `json:"name"`
	Commands *struct {
		Install *jsonCommand `json:"install"`
		Query   *jsonCommand `json:"query"`
	} `json:"commands"`
	SpecifierSyntax *struct {
		NameOnly      []string        `json:"name_only"`
		ExactVersion  json.RawMessage `json:"exact_version"`  // not kept
		VersionRanges json.RawMessage `json:"version_ranges"` // not kept
	} `json:"specifier_syntax"`
}

type jsonCommand struct {
	Command            []string `json:"command"`
	MultipleSpecifiers *string  `json:"multiple_specifiers"`
	RequiresElevation  *bool    `json:"requires_elevation"`
}

// decodeStrict decodes src into v: unknown keys are errors, and nothing may
// follow the top-level value.
func decodeStrict(src []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return datagen.JSONError(src, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the top-level JSON value")
	}
	return nil
}

// checkSchemaVersion checks PEP 804's 1 <= schema_version < 2; a missing
// schema_version means 1.
func checkSchemaVersion(v *int) error {
	if v != nil && *v != 1 {
		return fmt.Errorf("schema_version %d: this generator reads version 1", *v)
	}
	return nil
}

// NormalizeID returns a DepURL of the input in libvet's canonical form,
// [externaldeps.DepURL.String] of [externaldeps.ParseDepURL]: the legacy
// pkg:TYPE/... and virtual:NAMESPACE/NAME spellings of PEP 725's drafts
// become dep: DepURLs, types are lower case, and so are the names where
// the purl type says case does not matter (virtual, github, pypi). An id
// with a version is an error: registry and mapping entries name
// dependencies, not versions of them.
func NormalizeID(s string) (string, error) {
	d, err := externaldeps.ParseDepURL(s)
	if err != nil {
		return "", err
	}
	if d.Version != "" {
		return "", fmt.Errorf("%s: an identifier has no version", s)
	}
	return d.String(), nil
}

// decodeIDs decodes a provides value: null, one DepURL or a list.
func decodeIDs(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("want a DepURL or a list of them, got %s", raw)
	}
	return list, nil
}

// checkText checks free text that ends a line: one line, no leading or
// trailing white space (it would not survive the round trip).
func checkText(what, s string) error {
	if strings.ContainsFunc(s, unicode.IsControl) || s != strings.TrimSpace(s) {
		return fmt.Errorf("%s %q has control characters or leading or trailing white space", what, s)
	}
	return nil
}

// header writes the comment block that opens every output file.
func header(b *strings.Builder, title, input string, src []byte, kept string) {
	fmt.Fprintf(b, "# %s\n", title)
	b.WriteString("#\n")
	b.WriteString("# Generated by externaldeps/internal/pep804gen; DO NOT EDIT. Refresh with\n")
	b.WriteString("# scripts/refresh-externaldeps.sh, which runs:\n")
	b.WriteString("#   go run ./externaldeps/internal/pep804gen -in DIR -out externaldeps/data/pep804\n")
	fmt.Fprintf(b, "# Source: %s,\n#   %s (input sha256 %x)\n", Source, input, sha256.Sum256(src))
	for _, l := range wrap(kept, 76) {
		fmt.Fprintf(b, "# %s\n", l)
	}
	b.WriteString("# DepURLs are in canonical form (externaldeps.ParseDepURL, then String): legacy pkg:\n")
	b.WriteString("# and virtual: spellings become dep:, github names are lower case.\n")
	b.WriteString("# Format: see externaldeps/data/README.md.\n\n")
}

// wrap splits text into lines of at most width bytes at spaces (a longer
// word gets a line of its own).
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}

// RenderRegistry converts registry.json into libvet's registry.txt.
func RenderRegistry(src []byte) ([]byte, error) {
	var raw jsonRegistry
	if err := decodeStrict(src, &raw); err != nil {
		return nil, err
	}
	if err := checkSchemaVersion(raw.SchemaVersion); err != nil {
		return nil, err
	}
	if raw.Definitions == nil || len(*raw.Definitions) == 0 {
		return nil, errors.New("no definitions")
	}
	var b strings.Builder
	header(&b, "libvet's copy of the PEP 804 central registry: the DepURLs, their descriptions and what they provide.",
		"data/registry.json", src, "Kept: id, description, provides, in the registry's order. Left out: urls.")
	b.WriteString(registryFormat + "\n\n")
	seen := map[string]bool{}
	for i, d := range *raw.Definitions {
		id, err := NormalizeID(d.ID)
		if err != nil {
			return nil, fmt.Errorf("definitions[%d]: %v", i, err)
		}
		if seen[id] {
			return nil, fmt.Errorf("definitions[%d]: %s is defined twice", i, id)
		}
		seen[id] = true
		desc := ""
		if d.Description != nil {
			desc = *d.Description
		}
		if err := checkText("description of "+id, desc); err != nil {
			return nil, err
		}
		provides, err := decodeIDs(d.Provides)
		if err != nil {
			return nil, fmt.Errorf("%s: provides: %v", id, err)
		}
		if len(provides) > 0 && strings.HasPrefix(id, "dep:virtual/") {
			return nil, fmt.Errorf("%s: a virtual DepURL must not provide anything (PEP 804)", id)
		}
		for j, p := range provides {
			if provides[j], err = NormalizeID(p); err != nil {
				return nil, fmt.Errorf("%s: provides: %v", id, err)
			}
			if provides[j] == id || slices.Contains(provides[:j], provides[j]) {
				return nil, fmt.Errorf("%s: provides itself or %s twice", id, provides[j])
			}
		}
		b.WriteString(strings.TrimRight("def "+id+" "+desc, " ") + "\n")
		if len(provides) > 0 {
			b.WriteString("provides " + strings.Join(provides, " ") + "\n")
		}
	}
	return []byte(b.String()), nil
}

// KnownEcosystems returns the ecosystem names of known-ecosystems.json,
// sorted.
func KnownEcosystems(src []byte) ([]string, error) {
	var raw jsonKnown
	if err := decodeStrict(src, &raw); err != nil {
		return nil, err
	}
	if err := checkSchemaVersion(raw.SchemaVersion); err != nil {
		return nil, err
	}
	if raw.Ecosystems == nil || len(*raw.Ecosystems) == 0 {
		return nil, errors.New("no ecosystems")
	}
	names := datagen.SortedKeys(*raw.Ecosystems)
	for _, n := range names {
		if !ecosystemRE.MatchString(n) {
			return nil, fmt.Errorf("ecosystem %q does not match %s", n, ecosystemRE)
		}
	}
	return names, nil
}

// RenderMapping converts one {ecosystem}.mapping.json into libvet's
// {ecosystem}.txt. known tells whether known-ecosystems.json lists the
// ecosystem; the header says so when it does not.
func RenderMapping(ecosystem string, src []byte, known bool) ([]byte, error) {
	if !ecosystemRE.MatchString(ecosystem) {
		return nil, fmt.Errorf("ecosystem %q does not match %s", ecosystem, ecosystemRE)
	}
	var raw jsonMapping
	if err := decodeStrict(src, &raw); err != nil {
		return nil, err
	}
	if err := checkSchemaVersion(raw.SchemaVersion); err != nil {
		return nil, err
	}
	if raw.Mappings == nil || raw.PackageManagers == nil {
		return nil, errors.New("mappings and package_managers are required")
	}
	if len(*raw.PackageManagers) == 0 {
		return nil, errors.New("no package managers: libvet could not write an install command")
	}
	var b strings.Builder
	title := fmt.Sprintf("libvet's copy of the %s PEP 804 mapping: DepURL -> package specifiers.", ecosystem)
	kept := "Kept: name, description, package managers (install and query commands, name-only syntax), entries (id, description, specs or specs_from), in the document's order. Left out: urls, extra_metadata, the version syntax (libvet maps names only)."
	header(&b, title, "data/"+ecosystem+".mapping.json", src, kept)
	if !known {
		b.WriteString("# known-ecosystems.json does not list this ecosystem.\n\n")
	}
	b.WriteString(mappingFormat + "\n")
	b.WriteString("ecosystem " + ecosystem + "\n")
	for _, f := range []struct {
		key string
		val *string
	}{{"name", raw.Name}, {"description", raw.Description}} {
		if f.val == nil || *f.val == "" {
			continue
		}
		if err := checkText(f.key, *f.val); err != nil {
			return nil, err
		}
		b.WriteString(f.key + " " + *f.val + "\n")
	}

	seenPM := map[string]bool{}
	for i, pm := range *raw.PackageManagers {
		if err := datagen.CheckToken(pm.Name); err != nil {
			return nil, fmt.Errorf("package_managers[%d]: name: %v", i, err)
		}
		if seenPM[pm.Name] {
			return nil, fmt.Errorf("package manager %s is listed twice", pm.Name)
		}
		seenPM[pm.Name] = true
		if pm.Commands == nil || pm.Commands.Install == nil || pm.SpecifierSyntax == nil {
			return nil, fmt.Errorf("package manager %s: commands.install and specifier_syntax are required", pm.Name)
		}
		b.WriteString("\nmanager " + pm.Name + "\n")
		install, err := renderCommand("install", "always", pm.Commands.Install)
		if err != nil {
			return nil, fmt.Errorf("package manager %s: %v", pm.Name, err)
		}
		b.WriteString(install)
		// An empty query command (nix-shell) means there is none.
		if q := pm.Commands.Query; q != nil && len(q.Command) > 0 {
			query, err := renderCommand("query", "never", q)
			if err != nil {
				return nil, fmt.Errorf("package manager %s: %v", pm.Name, err)
			}
			b.WriteString(query)
		}
		no := pm.SpecifierSyntax.NameOnly
		if len(no) == 0 || !slices.ContainsFunc(no, func(a string) bool { return strings.Contains(a, "{name}") }) {
			return nil, fmt.Errorf("package manager %s: specifier_syntax.name_only needs an argument with {name}", pm.Name)
		}
		for _, a := range no {
			if err := datagen.CheckToken(a); err != nil {
				return nil, fmt.Errorf("package manager %s: name_only: %v", pm.Name, err)
			}
		}
		b.WriteString("name-only " + strings.Join(no, " ") + "\n")
	}

	ids := map[string]bool{}
	for _, e := range *raw.Mappings {
		if id, err := NormalizeID(e.ID); err == nil {
			ids[id] = true
		}
	}
	for i, e := range *raw.Mappings {
		b.WriteString("\n")
		id, err := NormalizeID(e.ID)
		if err != nil {
			return nil, fmt.Errorf("mappings[%d]: %v", i, err)
		}
		desc := ""
		if e.Description != nil {
			desc = *e.Description
		}
		if err := checkText("description of "+id, desc); err != nil {
			return nil, fmt.Errorf("mappings[%d]: %v", i, err)
		}
		b.WriteString(strings.TrimRight("entry "+id+" "+desc, " ") + "\n")
		hasSpecs := len(e.Specs) > 0 && string(e.Specs) != "null"
		if hasSpecs == (e.SpecsFrom != nil) {
			return nil, fmt.Errorf("mappings[%d] (%s): want exactly one of specs and specs_from", i, id)
		}
		if e.SpecsFrom != nil {
			from, err := NormalizeID(*e.SpecsFrom)
			if err != nil {
				return nil, fmt.Errorf("mappings[%d] (%s): specs_from: %v", i, id, err)
			}
			if !ids[from] || from == id {
				return nil, fmt.Errorf("mappings[%d] (%s): specs_from %s names no other entry of this mapping", i, id, from)
			}
			b.WriteString("from " + from + "\n")
			continue
		}
		specs, err := decodeSpecs(e.Specs)
		if err != nil {
			return nil, fmt.Errorf("mappings[%d] (%s): specs: %v", i, id, err)
		}
		for c, cat := range []string{"build", "host", "run"} {
			for j, s := range specs[c] {
				if s == "" {
					return nil, fmt.Errorf("mappings[%d] (%s): an empty %s specifier", i, id, cat)
				}
				if err := checkText(cat+" specifier of "+id, s); err != nil {
					return nil, fmt.Errorf("mappings[%d]: %v", i, err)
				}
				if slices.Contains(specs[c][:j], s) {
					return nil, fmt.Errorf("mappings[%d] (%s): %s specifier %q is listed twice", i, id, cat, s)
				}
				b.WriteString(cat + " " + s + "\n")
			}
		}
	}
	return []byte(b.String()), nil
}

// renderCommand writes an install or query line: KIND[-elevated] MULTIPLE
// ARG... def is the multiple_specifiers default: "always" for install (the
// schema's), "never" for query (the PEP's prose, and pyproject-external's).
func renderCommand(kind, def string, c *jsonCommand) (string, error) {
	if n := slices.Index(c.Command, "{}"); n < 0 || slices.Index(c.Command[n+1:], "{}") >= 0 {
		return "", fmt.Errorf("the %s command %q needs exactly one {} argument", kind, c.Command)
	}
	for _, a := range c.Command {
		if err := datagen.CheckToken(a); err != nil {
			return "", fmt.Errorf("%s command: %v", kind, err)
		}
	}
	multiple := def
	if c.MultipleSpecifiers != nil {
		multiple = *c.MultipleSpecifiers
	}
	switch multiple {
	case "always", "name-only", "never":
	default:
		return "", fmt.Errorf("%s: multiple_specifiers %q is not always, name-only or never", kind, multiple)
	}
	if c.RequiresElevation != nil && *c.RequiresElevation {
		kind += "-elevated"
	}
	return kind + " " + multiple + " " + strings.Join(c.Command, " ") + "\n", nil
}

// decodeSpecs decodes specs: a string or a list fills build, host and run
// alike; a {build, host, run} object gives each its own (a string or a
// list; a missing key is empty).
func decodeSpecs(raw json.RawMessage) ([3][]string, error) {
	var out [3][]string
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		if one == "" {
			return out, errors.New("an empty specifier")
		}
		return [3][]string{{one}, {one}, {one}}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return [3][]string{list, slices.Clone(list), slices.Clone(list)}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var obj struct {
		Build json.RawMessage `json:"build"`
		Host  json.RawMessage `json:"host"`
		Run   json.RawMessage `json:"run"`
	}
	if err := dec.Decode(&obj); err != nil {
		return out, fmt.Errorf("want a string, a list or {build, host, run}: %v", err)
	}
	for c, v := range []json.RawMessage{obj.Build, obj.Host, obj.Run} {
		if len(v) == 0 || string(v) == "null" {
			continue
		}
		if err := json.Unmarshal(v, &one); err == nil {
			out[c] = []string{one}
			continue
		}
		if err := json.Unmarshal(v, &out[c]); err != nil {
			return out, fmt.Errorf("%s: want a string or a list of strings, got %s", []string{"build", "host", "run"}[c], v)
		}
	}
	return out, nil
}
