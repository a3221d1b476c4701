package host

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/libvet/libvet/internal/conda"
)

// Where a conda environment keeps its records, relative to its prefix.
const (
	condaMeta    = "conda-meta"
	condaHistory = condaMeta + "/history"
	// maxCondaRecord bounds one record; the largest real ones (a TeX
	// Live or a CUDA toolkit package) list some 100,000 files, ~20 MiB.
	maxCondaRecord = 64 << 20
	// maxCondaRecords bounds all records together.
	maxCondaRecords = 1 << 30
)

// CondaPrefix is a conda environment: the conda-meta records of the
// packages installed in it (CEP 32) and which of them installed each
// file. Read it with [ReadCondaPrefix]; it is safe for concurrent use.
type CondaPrefix struct {
	records []*conda.PrefixRecord // sorted by name, version, build
	owners  ownerIndex
	// fold is set for a Windows environment (a record's subdir is
	// win-*): its paths compare case-insensitively.
	fold bool
}

// ReadCondaPrefix reads the conda environment whose prefix is root: a
// directory with a conda-meta/history file. It reads every
// conda-meta/*.json record (skipping dotfiles) and indexes the files and
// paths_data paths they list. When conda-meta/history does not exist the
// error wraps fs.ErrNotExist; a record that cannot be parsed is an error
// naming its file.
func ReadCondaPrefix(root fs.FS) (*CondaPrefix, error) {
	if _, err := fs.Stat(root, condaHistory); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("not a conda environment: %s does not exist: %w", condaHistory, fs.ErrNotExist)
		}
		return nil, err
	}
	entries, err := fs.ReadDir(root, condaMeta)
	if err != nil {
		return nil, err
	}
	c := &CondaPrefix{}
	budget := int64(maxCondaRecords)
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") || e.IsDir() {
			continue
		}
		file := condaMeta + "/" + name
		data, err := readFileLimit(root, file, min(maxCondaRecord, budget))
		if err != nil {
			return nil, err
		}
		budget -= int64(len(data))
		r, err := conda.ParsePrefixRecord(file, data)
		if err != nil {
			return nil, err
		}
		c.records = append(c.records, r)
		c.fold = c.fold || strings.HasPrefix(r.Subdir, "win-")
	}
	slices.SortFunc(c.records, func(a, b *conda.PrefixRecord) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version), cmp.Compare(a.Build, b.Build))
	})
	n := 0
	for _, r := range c.records {
		n += len(r.Files)
	}
	c.owners = newOwnerIndex(len(c.records), n)
	for i, r := range c.records {
		for _, f := range r.Files {
			c.owners.add(c.key(f), int32(i))
		}
		for _, p := range r.PathsData.Paths {
			c.owners.add(c.key(p.Path), int32(i))
		}
	}
	return c, nil
}

// key returns the index key of a path relative to the prefix.
func (c *CondaPrefix) key(p string) string {
	if c.fold {
		p = strings.ToLower(strings.ReplaceAll(p, `\`, "/"))
	}
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}

// Records returns the environment's records, sorted by name, version
// and build. They are shared: do not modify them.
func (c *CondaPrefix) Records() []*conda.PrefixRecord { return slices.Clone(c.records) }

// Record returns the record of the package called name.
func (c *CondaPrefix) Record(name string) (*conda.PrefixRecord, bool) {
	i, ok := slices.BinarySearchFunc(c.records, name, func(r *conda.PrefixRecord, name string) int { return cmp.Compare(r.Name, name) })
	if !ok {
		return nil, false
	}
	return c.records[i], true
}

// Owner returns the package that installed the file at path, relative
// to the prefix ("lib/libz.so.1"), the first of [CondaPrefix.Owners].
func (c *CondaPrefix) Owner(path string) (Package, bool) {
	ids := c.owners.get(c.key(path))
	if len(ids) == 0 {
		return Package{}, false
	}
	return c.pkg(ids[0]), true
}

// Owners returns the packages whose records list path, sorted by name:
// usually one, more when packages clobbered each other's files. In a
// Windows environment paths compare case-insensitively, and '\'
// separates them as '/' does.
func (c *CondaPrefix) Owners(path string) []Package {
	ids := c.owners.get(c.key(path))
	out := make([]Package, len(ids))
	for i, id := range ids {
		out[i] = c.pkg(id)
	}
	return out
}

func (c *CondaPrefix) pkg(i int32) Package {
	r := c.records[i]
	return Package{Manager: "conda", Name: r.Name, Version: r.Version, Arch: r.Subdir}
}
