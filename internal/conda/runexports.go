package conda

import (
	"bytes"
	"fmt"
)

// RunExports is a package's info/run_exports.json (CEP 34): the
// dependencies a package built against it inherits. Each list holds
// MatchSpec strings.
type RunExports struct {
	// SchemaVersion is 1 when the file does not say.
	SchemaVersion    int      `json:"schema_version"`
	Weak             []string `json:"weak"`
	Strong           []string `json:"strong"`
	WeakConstrains   []string `json:"weak_constrains"`
	StrongConstrains []string `json:"strong_constrains"`
	Noarch           []string `json:"noarch"`
}

// ParseRunExports parses info/run_exports.json, in either of its forms:
// a list of specs, which means {"weak": list}, or an object.
func ParseRunExports(data []byte) (*RunExports, error) {
	const file = "info/run_exports.json"
	var re RunExports
	switch trimmed := bytes.TrimLeft(data, " \t\r\n"); {
	case len(trimmed) > 0 && trimmed[0] == '[':
		if err := decode(file, data, &re.Weak); err != nil {
			return nil, err
		}
	case len(trimmed) > 0 && trimmed[0] == '{':
		if err := decode(file, data, &re); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%s: want a JSON list or object", file)
	}
	if re.SchemaVersion == 0 {
		re.SchemaVersion = 1
	}
	if re.SchemaVersion < 0 {
		return nil, fmt.Errorf("%s: negative schema_version %d", file, re.SchemaVersion)
	}
	for _, l := range []struct {
		key   string
		specs []string
	}{{"weak", re.Weak}, {"strong", re.Strong}, {"weak_constrains", re.WeakConstrains}, {"strong_constrains", re.StrongConstrains}, {"noarch", re.Noarch}} {
		if err := checkSpecs(l.key, l.specs); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
	return &re, nil
}
