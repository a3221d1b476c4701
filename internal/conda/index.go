package conda

import (
	"encoding/json"
	"fmt"

	"github.com/libvet/libvet/internal/datagen"
)

// Noarch is the noarch kind of a package: "" for a platform package,
// NoarchGeneric or NoarchPython.
type Noarch string

// The noarch kinds of CEP 34.
const (
	NoarchGeneric Noarch = "generic"
	NoarchPython  Noarch = "python"
)

// UnmarshalJSON accepts the string form of CEP 34 and the boolean of old
// packages (true meaning generic), as conda does.
func (n *Noarch) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case nil:
		*n = ""
	case bool:
		*n = ""
		if v {
			*n = NoarchGeneric
		}
	case string:
		switch Noarch(v) {
		case "", NoarchGeneric, NoarchPython:
			*n = Noarch(v)
		default:
			return fmt.Errorf("noarch %q is neither %q nor %q", v, NoarchGeneric, NoarchPython)
		}
	default:
		return fmt.Errorf("noarch is %s, want a string", b)
	}
	return nil
}

// Index is a package's info/index.json (CEP 34): who it is and what it
// depends on.
type Index struct {
	// SchemaVersion is the index.json format version: 2 for CEP 34, 1
	// when the file does not say.
	SchemaVersion int `json:"schema_version"`
	// Name, Version and Build identify the package
	// ("libzlib", "1.3.1", "hb9d3cd8_2").
	Name        string `json:"name"`
	Version     string `json:"version"`
	Build       string `json:"build"`
	BuildNumber int    `json:"build_number"`
	// Depends and Constrains are MatchSpec strings ("libzlib >=1.3.1,<2.0a0").
	Depends    []string `json:"depends"`
	Constrains []string `json:"constrains"`
	// Subdir is the target platform ("linux-64", "win-64", "noarch").
	Subdir string `json:"subdir"`
	Noarch Noarch `json:"noarch"`
	// Timestamp is the build time in milliseconds since the Unix epoch
	// (seconds in some old packages); 0 when absent.
	Timestamp int64 `json:"timestamp"`
}

// ParseIndex parses info/index.json.
func ParseIndex(data []byte) (*Index, error) {
	const file = "info/index.json"
	var ix Index
	if err := decode(file, data, &ix); err != nil {
		return nil, err
	}
	if ix.SchemaVersion == 0 {
		ix.SchemaVersion = 1
	}
	if err := ix.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &ix, nil
}

// check applies CEP 34's rules for the fields of an index.json, which a
// conda-meta record repeats.
func (ix *Index) check() error {
	for _, f := range []struct{ key, val string }{{"name", ix.Name}, {"version", ix.Version}, {"build", ix.Build}} {
		if f.val == "" {
			return fmt.Errorf("missing %s", f.key)
		}
	}
	if ix.BuildNumber < 0 {
		return fmt.Errorf("negative build_number %d", ix.BuildNumber)
	}
	if ix.SchemaVersion < 0 {
		return fmt.Errorf("negative schema_version %d", ix.SchemaVersion)
	}
	if err := checkSpecs("depends", ix.Depends); err != nil {
		return err
	}
	return checkSpecs("constrains", ix.Constrains)
}

// checkSpecs reports the first MatchSpec of list that names no package.
func checkSpecs(key string, list []string) error {
	for i, s := range list {
		if SpecName(s) == "" {
			return fmt.Errorf("%s[%d]: %q names no package", key, i, s)
		}
	}
	return nil
}

// decode unmarshals the JSON document data into v; errors name file and
// the line and column.
func decode(file string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", file, datagen.JSONError(data, err))
	}
	return nil
}
