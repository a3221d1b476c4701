package policy

import "github.com/libvet/libvet/internal/datafile"

// mustData returns v, or panics with err, which carries file:line (see
// datafile.Must).
func mustData[T any](v T, err error) T { return datafile.Must("policy", v, err) }
