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
	"strconv"
	"strings"

	"github.com/libvet/libvet/internal/datagen"
	"github.com/libvet/libvet/internal/symver"
)

// family describes one auditwheel policy file and the libvet data file made
// from it.
type family struct {
	Name     string // policy name prefix and output file stem: "manylinux"
	Libc     string // "glibc" or "musl", as written in the data file
	Upstream string // the file's path in pypa/auditwheel
	// LibcSoname maps an architecture to the soname that replaces the
	// whitelist entry "libc.so" (musl only; nil means no rewrite). It mirrors
	// auditwheel's _fixup_musl_libc_soname (src/auditwheel/policy/__init__.py).
	LibcSoname map[string]string
}

// FileName is the data file's name inside policy/data.
func (f family) FileName() string { return f.Name + ".txt" }

var (
	manylinuxFamily = family{
		Name:     "manylinux",
		Libc:     "glibc",
		Upstream: "src/auditwheel/policy/manylinux-policy.json",
	}
	musllinuxFamily = family{
		Name:     "musllinux",
		Libc:     "musl",
		Upstream: "src/auditwheel/policy/musllinux-policy.json",
		LibcSoname: map[string]string{
			"x86_64":      "libc.musl-x86_64.so.1",
			"i686":        "libc.musl-x86.so.1",
			"aarch64":     "libc.musl-aarch64.so.1",
			"s390x":       "libc.musl-s390x.so.1",
			"ppc64le":     "libc.musl-ppc64le.so.1",
			"armv7l":      "libc.musl-armv7.so.1",
			"riscv64":     "libc.musl-riscv64.so.1",
			"loongarch64": "libc.musl-loongarch64.so.1",
		},
	}
)

// formatHeader is the first non-comment line of every data file: the format
// name and its version. policy/data.go accepts exactly this.
const formatHeader = "libvet-linux-policy 1"

// jsonPolicy is one entry of an auditwheel policy file. Pointers tell a
// missing (or null) key from an empty value.
type jsonPolicy struct {
	Name           *string                         `json:"name"`
	Aliases        *[]string                       `json:"aliases"`
	Priority       *int                            `json:"priority"`
	SymbolVersions *map[string]map[string][]string `json:"symbol_versions"`
	LibWhitelist   *[]string                       `json:"lib_whitelist"`
	Blacklist      *map[string][]string            `json:"blacklist"`
}

// policy is a validated entry, ready to write.
type policy struct {
	name     string
	priority int
	aliases  []string
	arches   []string                       // sorted
	allow    []string                       // auditwheel order, "libc.so" still in place
	deny     map[string][]string            // soname -> sorted symbols
	versions map[string]map[string][]string // arch -> namespace -> versions sorted by symver.Compare
}

// Render converts the content of one auditwheel policy JSON file into
// libvet's line-oriented data format for family fam. The output depends only
// on fam and src, so running it twice on the same input gives the same bytes.
func Render(fam family, src []byte) ([]byte, error) {
	raw, err := decode(src)
	if err != nil {
		return nil, err
	}
	pols, err := validate(fam, raw)
	if err != nil {
		return nil, err
	}
	return write(fam, src, pols), nil
}

// decode parses src strictly: a JSON array of objects carrying exactly the six
// keys auditwheel's schema has, and nothing after the array.
func decode(src []byte) ([]jsonPolicy, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	var raw []jsonPolicy
	if err := dec.Decode(&raw); err != nil {
		return nil, datagen.JSONError(src, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the top-level JSON array")
	}
	for i, p := range raw {
		var missing []string
		if p.Name == nil {
			missing = append(missing, "name")
		}
		if p.Aliases == nil {
			missing = append(missing, "aliases")
		}
		if p.Priority == nil {
			missing = append(missing, "priority")
		}
		if p.SymbolVersions == nil {
			missing = append(missing, "symbol_versions")
		}
		if p.LibWhitelist == nil {
			missing = append(missing, "lib_whitelist")
		}
		if p.Blacklist == nil {
			missing = append(missing, "blacklist")
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("policy #%d: missing or null keys: %s", i, strings.Join(missing, ", "))
		}
	}
	return raw, nil
}

// validate checks the decoded entries and turns them into policies sorted by
// descending priority. The generic "linux" entry must be present and empty
// (libvet handles that fallback in code) and is dropped.
func validate(fam family, raw []jsonPolicy) ([]*policy, error) {
	nameRE := regexp.MustCompile(`^` + regexp.QuoteMeta(fam.Name) + `_(0|[1-9][0-9]*)_(0|[1-9][0-9]*)$`)
	var pols []*policy
	sawLinux := false
	names := map[string]string{}   // policy name or alias -> what claimed it
	priorities := map[int]string{} // priority -> policy name
	for i, r := range raw {
		name := *r.Name
		where := fmt.Sprintf("policy #%d %q", i, name)
		if name == "linux" {
			if sawLinux {
				return nil, fmt.Errorf("%s: repeated", where)
			}
			sawLinux = true
			if *r.Priority != 0 || len(*r.Aliases) != 0 || len(*r.SymbolVersions) != 0 ||
				len(*r.LibWhitelist) != 0 || len(*r.Blacklist) != 0 {
				return nil, fmt.Errorf("%s: the generic fallback must have priority 0 and no content; libvet hard-codes it", where)
			}
			continue
		}
		if !nameRE.MatchString(name) {
			return nil, fmt.Errorf("%s: name is not %s_<major>_<minor>", where, fam.Name)
		}
		if *r.Priority <= 0 {
			return nil, fmt.Errorf("%s: priority %d is not positive", where, *r.Priority)
		}
		if other, dup := priorities[*r.Priority]; dup {
			return nil, fmt.Errorf("%s: priority %d already used by %q", where, *r.Priority, other)
		}
		priorities[*r.Priority] = name
		p := &policy{
			name:     name,
			priority: *r.Priority,
			aliases:  *r.Aliases,
			allow:    *r.LibWhitelist,
			deny:     map[string][]string{},
			versions: map[string]map[string][]string{},
		}
		for _, n := range append([]string{name}, p.aliases...) {
			if err := datagen.CheckToken(n); err != nil {
				return nil, fmt.Errorf("%s: name or alias: %v", where, err)
			}
			if other, dup := names[n]; dup {
				return nil, fmt.Errorf("%s: name or alias %q already used by %s", where, n, other)
			}
			names[n] = where
		}
		if err := checkList(p.allow); err != nil {
			return nil, fmt.Errorf("%s: lib_whitelist: %v", where, err)
		}
		for soname, syms := range *r.Blacklist {
			if err := datagen.CheckToken(soname); err != nil {
				return nil, fmt.Errorf("%s: blacklist key: %v", where, err)
			}
			if err := checkList(syms); err != nil {
				return nil, fmt.Errorf("%s: blacklist[%q]: %v", where, soname, err)
			}
			if len(syms) == 0 {
				return nil, fmt.Errorf("%s: blacklist[%q] is empty", where, soname)
			}
			p.deny[soname] = sortedCopy(syms, strings.Compare)
		}
		if len(*r.SymbolVersions) == 0 {
			return nil, fmt.Errorf("%s: symbol_versions names no architecture, so the policy would never apply", where)
		}
		for arch, namespaces := range *r.SymbolVersions {
			if err := datagen.CheckToken(arch); err != nil {
				return nil, fmt.Errorf("%s: architecture: %v", where, err)
			}
			p.arches = append(p.arches, arch)
			p.versions[arch] = map[string][]string{}
			for ns, vers := range namespaces {
				if err := datagen.CheckToken(ns); err != nil {
					return nil, fmt.Errorf("%s: symbol_versions[%q]: namespace: %v", where, arch, err)
				}
				if err := checkList(vers); err != nil {
					return nil, fmt.Errorf("%s: symbol_versions[%q][%q]: %v", where, arch, ns, err)
				}
				p.versions[arch][ns] = sortedCopy(vers, symver.Compare)
			}
		}
		slices.Sort(p.arches)
		if fam.LibcSoname != nil && slices.Contains(p.allow, "libc.so") {
			for _, arch := range p.arches {
				if fam.LibcSoname[arch] == "" {
					return nil, fmt.Errorf("%s: no musl libc soname known for architecture %q (extend LibcSoname in policy/internal/gen, as auditwheel's _fixup_musl_libc_soname)", where, arch)
				}
			}
		}
		pols = append(pols, p)
	}
	if !sawLinux {
		return nil, errors.New(`no generic "linux" entry: is this an auditwheel policy file?`)
	}
	if len(pols) == 0 {
		return nil, errors.New("no policies besides the generic linux entry")
	}
	slices.SortFunc(pols, func(a, b *policy) int { return b.priority - a.priority })
	return pols, nil
}

// checkList checks every entry with checkToken and rejects duplicates: the
// lists are sets, and a repeated entry means the source is not what we think.
func checkList(list []string) error {
	seen := make(map[string]bool, len(list))
	for _, s := range list {
		if err := datagen.CheckToken(s); err != nil {
			return err
		}
		if seen[s] {
			return fmt.Errorf("%q is listed twice", s)
		}
		seen[s] = true
	}
	return nil
}

func sortedCopy(list []string, cmp func(a, b string) int) []string {
	out := slices.Clone(list)
	slices.SortFunc(out, cmp)
	return out
}

// write renders the policies. See policy/doc.go for the format.
func write(fam family, src []byte, pols []*policy) []byte {
	var b bytes.Buffer
	line := func(fields ...string) { b.WriteString(strings.Join(fields, " ") + "\n") }

	line("# libvet Linux platform policies:", fam.Name, "("+fam.Libc+").")
	line("#")
	line("# Generated by policy/internal/gen; DO NOT EDIT. Refresh with scripts/refresh-policy.sh,")
	line("# which runs: go run ./policy/internal/gen -manylinux FILE -musllinux FILE -out policy/data")
	line("# Source: pypa/auditwheel", fam.Upstream)
	line("#   (input sha256", fmt.Sprintf("%x)", sha256.Sum256(src)))
	line("# The generic linux_<arch> fallback (priority 0) is not listed; libvet handles it in code.")
	if fam.LibcSoname != nil {
		line("# auditwheel's whitelist entry libc.so is written per architecture as the musl libc")
		line("# soname (auditwheel's _fixup_musl_libc_soname).")
	}
	line("# Format: see policy/doc.go.")
	line()
	line(formatHeader)
	line("family", fam.Name, fam.Libc)
	for _, p := range pols {
		line()
		line("policy", p.name, strconv.Itoa(p.priority))
		for _, a := range p.aliases {
			line("alias", a)
		}
		line(append([]string{"arch"}, p.arches...)...)
		for _, soname := range p.allow {
			if fam.LibcSoname != nil && soname == "libc.so" {
				for _, arch := range p.arches {
					line("allow", fam.LibcSoname[arch], arch)
				}
				continue
			}
			line("allow", soname)
		}
		for _, soname := range datagen.SortedKeys(p.deny) {
			line(append([]string{"deny", soname}, p.deny[soname]...)...)
		}
		for _, arch := range p.arches {
			for _, ns := range datagen.SortedKeys(p.versions[arch]) {
				line(append([]string{"version", arch, ns}, p.versions[arch][ns]...)...)
			}
		}
	}
	return b.Bytes()
}
