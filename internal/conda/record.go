package conda

import "fmt"

// A PrefixRecord is the conda-meta/<name>-<version>-<build>.json file of
// a package installed in an environment (CEP 32): the index fields, where
// the package came from, and the files it installed.
type PrefixRecord struct {
	// Index holds the fields a record shares with info/index.json.
	// SchemaVersion is 0: records have no schema_version.
	Index
	// Channel is the channel URL ("https://conda.anaconda.org/conda-forge").
	Channel string `json:"channel"`
	// Fn and URL name the artifact ("libzlib-1.3.1-hb9d3cd8_2.conda").
	Fn  string `json:"fn"`
	URL string `json:"url"`
	// MD5, SHA256 and Size describe the artifact.
	MD5     string `json:"md5"`
	SHA256  string `json:"sha256"`
	Size    int64  `json:"size"`
	License string `json:"license"`
	// Files are the installed paths, relative to the environment, with
	// generated files (.pyc) included.
	Files []string `json:"files"`
	// PathsData describes the installed paths; its Version is 0 when the
	// record has no paths_data.
	PathsData Paths `json:"paths_data"`
}

// ParsePrefixRecord parses a conda-meta record; name (its path) is used
// in errors.
func ParsePrefixRecord(name string, data []byte) (*PrefixRecord, error) {
	var r PrefixRecord
	if err := decode(name, data, &r); err != nil {
		return nil, err
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &r, nil
}

func (r *PrefixRecord) check() error {
	if err := r.Index.check(); err != nil {
		return err
	}
	for i, f := range r.Files {
		if err := checkPath(f); err != nil {
			return fmt.Errorf("files[%d]: %w", i, err)
		}
	}
	if r.PathsData.Version == 0 && len(r.PathsData.Paths) == 0 {
		return nil
	}
	if err := r.PathsData.check(); err != nil {
		return fmt.Errorf("paths_data: %w", err)
	}
	return nil
}

// Dist returns the record's distribution string, which is also its file
// name in conda-meta without ".json": "libzlib-1.3.1-hb9d3cd8_2".
func (r *PrefixRecord) Dist() string {
	return r.Name + "-" + r.Version + "-" + r.Build
}
