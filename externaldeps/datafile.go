package externaldeps

import "github.com/libvet/libvet/internal/datafile"

// The package's embedded data (data/sonames.txt and data/debian.txt,
// read by sonames.go; data/pep804/*.txt, read by mapping.go) is in
// libvet's line format, read with internal/datafile; data/README.md
// describes each file.

// mustLoad returns v, or panics with err, which carries file:line (see
// datafile.Must).
func mustLoad[T any](v T, err error) T { return datafile.Must("externaldeps", v, err) }
