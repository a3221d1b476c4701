// Package conda parses conda package metadata: the info/ files of a
// package (CEP 34: index.json, paths.json, the legacy files list and
// run_exports.json), the conda-meta/<name>-<version>-<build>.json record
// an installed package leaves in its environment (CEP 32), and the
// package name of a MatchSpec (CEP 29).
//
// The parsers take the file's bytes (callers bound the size) and ignore
// keys they do not know, as CEP 32 requires. Errors name the file and,
// for JSON, the line and column. Paths are checked to be relative and to
// stay inside the package. The package reads files only; package host
// builds an environment's ownership index from the records, and package
// artifact opens .conda and .tar.bz2 files.
//
// # Limitations
//
//   - Versions (CEP 33) and MatchSpecs are not evaluated: [SpecName]
//     extracts a spec's package name and nothing else.
//   - The deprecated info/has_prefix and info/no_link files, about.json,
//     link.json and hash_input.json are not read.
//   - paths.json paths are the paths inside the package: the relocation
//     of noarch: python packages at install time is not applied (the
//     files of a conda-meta record are the installed paths).
//   - Paths written with backslashes are kept as written.
package conda
