package host

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/libvet/libvet/internal/binio"
)

const (
	// spackIndex is the database of an install tree, relative to it.
	spackIndex = ".spack-db/index.json"
	// maxSpackIndex bounds index.json: a record takes 1-3 KiB, so this
	// allows some 100,000 installs.
	maxSpackIndex = 256 << 20
)

// Spack is the database of a Spack install tree: the installed specs
// and their install prefixes. Spack keeps no list of files: a file
// belongs to the install whose prefix contains it. Read it with
// [ReadSpack]; it is safe for concurrent use.
//
// Limitations: upstream databases (upstreams.yaml) are not followed, the
// YAML index of Spack before 0.10 (index.yaml) is not read, and install
// prefixes are compared as POSIX paths (not Windows ones). Nothing is
// read from the prefixes (.spack/spec.json, install_manifest.json).
type Spack struct {
	root     fs.FS
	installs []SpackInstall   // sorted by Path, then Hash
	byPath   map[string]int32 // prefix → index into installs, for the installed non-external specs
	problems []error
}

// A SpackInstall is one record of a Spack database.
type SpackInstall struct {
	// Package is the spec's name and version ("zlib", "1.3.1") and its
	// architecture as Spack writes it: platform, operating system and
	// target ("linux-ubuntu22.04-x86_64").
	Package Package
	// Hash is the spec's DAG hash, the record's key.
	Hash string
	// Path is the install prefix, relative to the root; "" when the
	// record has none.
	Path string
	// Namespace is the spec's package repository ("builtin").
	Namespace string
	// Installed is the record's installed flag: false for a spec that
	// other specs still depend on after it was uninstalled.
	Installed bool
	// Explicit is set for a spec installed on request rather than as a
	// dependency.
	Explicit bool
	// External is set for a spec that Spack did not install (an
	// external package, such as the system's zlib): it owns no files.
	External bool
}

// spackIndexJSON is the layout of index.json (Spack's
// lib/spack/spack/database.py: Database._write_to_file).
type spackIndexJSON struct {
	Database *struct {
		Version  json.RawMessage            `json:"version"`
		Installs map[string]spackRecordJSON `json:"installs"`
	} `json:"database"`
}

type spackRecordJSON struct {
	Spec      json.RawMessage `json:"spec"`
	Path      *string         `json:"path"`
	Installed bool            `json:"installed"`
	Explicit  bool            `json:"explicit"`
}

// spackNodeJSON is what libvet reads of a spec node: since database
// version 6 (Spack 0.17) the node itself, with a "name"; before, a
// one-entry object from the name to the node.
type spackNodeJSON struct {
	Version   any             `json:"version"`
	Versions  any             `json:"versions"`
	Arch      json.RawMessage `json:"arch"`
	Namespace string          `json:"namespace"`
	External  json.RawMessage `json:"external"`
}

// ReadSpack reads the database of the Spack install tree at tree, a
// directory relative to root ("opt/spack", the default under
// $SPACK_ROOT): tree/.spack-db/index.json. The install prefixes it
// records are absolute paths, taken relative to root. When the index
// does not exist the error wraps fs.ErrNotExist; when it is not JSON,
// or not a Spack database, the error names it. A record whose spec
// cannot be read is reported by [Spack.Problems] and skipped.
func ReadSpack(root fs.FS, tree string) (*Spack, error) {
	file := path.Join(apkKey(tree), spackIndex)
	data, err := readFileLimit(root, file, maxSpackIndex)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no Spack database in %s: %s does not exist: %w", tree, file, fs.ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	installs, problems, err := parseSpackIndex(data, file)
	if err != nil {
		return nil, err
	}
	s := &Spack{root: root, installs: installs, byPath: map[string]int32{}, problems: problems}
	for i, in := range installs {
		if in.Installed && !in.External && in.Path != "" {
			if _, dup := s.byPath[in.Path]; !dup {
				s.byPath[in.Path] = int32(i)
			}
		}
	}
	return s, nil
}

// parseSpackIndex parses index.json. It returns the records sorted by
// path and hash, and the records it skipped as problems.
func parseSpackIndex(data []byte, file string) ([]SpackInstall, []error, error) {
	var idx spackIndexJSON
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, nil, fmt.Errorf("%s: not a Spack database: %w", file, err)
	}
	if idx.Database == nil || idx.Database.Installs == nil {
		return nil, nil, fmt.Errorf("%s: not a Spack database: no database.installs object", file)
	}
	var installs []SpackInstall
	var problems []error
	for hash, rec := range idx.Database.Installs {
		in, err := spackInstall(hash, rec)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: record %s: %w", file, binio.Clip(hash, 80), err))
			continue
		}
		installs = append(installs, in)
	}
	slices.SortFunc(installs, func(a, b SpackInstall) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Hash, b.Hash))
	})
	sortProblems(problems)
	return installs, problems, nil
}

func spackInstall(hash string, rec spackRecordJSON) (SpackInstall, error) {
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(rec.Spec, &spec); err != nil || spec == nil {
		return SpackInstall{}, errors.New("spec is not an object")
	}
	var name string
	raw := rec.Spec
	if n, ok := spec["name"]; !ok || json.Unmarshal(n, &name) != nil {
		name = "" // the old form, {name: node}
		if len(spec) == 1 {
			for k, v := range spec {
				name, raw = k, v
			}
		}
	}
	if name == "" {
		return SpackInstall{}, errors.New("spec has neither a name nor the form {name: node}")
	}
	var node spackNodeJSON
	if err := json.Unmarshal(raw, &node); err != nil {
		return SpackInstall{}, fmt.Errorf("spec %s: %w", binio.Clip(name, 80), err)
	}
	in := SpackInstall{
		Package:   Package{Manager: "spack", Name: name, Version: spackVersion(node), Arch: spackArch(node.Arch)},
		Hash:      hash,
		Namespace: node.Namespace,
		Installed: rec.Installed,
		Explicit:  rec.Explicit,
		External:  len(node.External) > 0 && !bytes.Equal(node.External, []byte("null")),
	}
	if rec.Path != nil && *rec.Path != "None" {
		in.Path = apkKey(*rec.Path)
	}
	return in, nil
}

// spackVersion returns a node's version: "version", or the first of its
// "versions" list (old specs, which wrote the version list of a
// concrete spec).
func spackVersion(n spackNodeJSON) string {
	for _, v := range []any{n.Version, n.Versions} {
		switch v := v.(type) {
		case string:
			return v
		case []any:
			if len(v) > 0 {
				if s, ok := v[0].(string); ok {
					return s
				}
			}
		}
	}
	return ""
}

// spackArch returns the architecture of a spec node as Spack prints it,
// platform-os-target: the node's arch is an object whose target is a
// name or a microarchitecture object with one, or in old specs already
// that string.
func spackArch(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var a struct {
		Platform   string          `json:"platform"`
		PlatformOS string          `json:"platform_os"`
		Target     json.RawMessage `json:"target"`
	}
	if json.Unmarshal(raw, &a) != nil {
		return ""
	}
	var target string
	if json.Unmarshal(a.Target, &target) != nil {
		var t struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(a.Target, &t)
		target = t.Name
	}
	if a.Platform == "" && a.PlatformOS == "" && target == "" {
		return ""
	}
	return strings.Join([]string{a.Platform, a.PlatformOS, target}, "-")
}

// Installs returns the database's records, sorted by install prefix and
// hash; those not installed and the externals included.
func (s *Spack) Installs() []SpackInstall { return slices.Clone(s.installs) }

// Packages returns the installed specs that Spack installed (not the
// externals), sorted by install prefix.
func (s *Spack) Packages() []Package {
	var out []Package
	for _, in := range s.installs {
		if in.Installed && !in.External {
			out = append(out, in.Package)
		}
	}
	return out
}

// Install returns the installed, non-external spec whose install prefix
// contains the file or directory at path (absolute, or relative to the
// root), after the symbolic links in the path are resolved inside the
// root (a Spack view is a tree of such links).
func (s *Spack) Install(path string) (SpackInstall, bool) {
	for p := resolveIn(s.root, path); p != ""; {
		if i, ok := s.byPath[p]; ok {
			return s.installs[i], true
		}
		j := strings.LastIndexByte(p, '/')
		if j < 0 {
			break
		}
		p = p[:j]
	}
	return SpackInstall{}, false
}

// Owner returns the package of [Spack.Install].
func (s *Spack) Owner(path string) (Package, bool) {
	in, ok := s.Install(path)
	return in.Package, ok
}

// Owners returns the package of [Spack.Install] as a list: empty or
// with one element.
func (s *Spack) Owners(path string) []Package {
	if in, ok := s.Install(path); ok {
		return []Package{in.Package}
	}
	return nil
}

// Problems returns the records that ReadSpack skipped because their
// spec could not be read, sorted by message.
func (s *Spack) Problems() []error { return slices.Clone(s.problems) }
