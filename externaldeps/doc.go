// Package externaldeps knows the external (non-PyPI) dependencies of
// Python packages: what a package declares it needs from outside its
// wheel, and which external dependency a shared library belongs to.
//
// The package has two parts.
//
// Declared dependencies (PEP 725). [ParseDepURL] parses DepURLs such as
// "dep:generic/openssl", "dep:virtual/interface/lapack@>=3.7.1" or
// "dep:github/apache/arrow", and [DepURL.String] gives their canonical
// text, the key libvet's data uses. [ParseRequirement] parses an external
// dependency specifier (a DepURL and an optional PEP 508 marker, which
// [ParseMarker] parses and [Marker.Evaluate] evaluates with PEP 440
// version rules). [ParsePyproject] and [ReadProject] read the [external]
// table of a pyproject.toml, every key of it, and [External.All] lists
// its requirements with their category and group. [ParseMetadata] reads
// the fields of a wheel's METADATA (or an sdist's PKG-INFO) that concern
// dependencies: Requires-Dist and Provides-Extra, the legacy free-form
// Requires-External, and PEP 725's Requires-External-Dep and
// Provides-External-Extra. Reading an sdist or a wheel is the caller's
// job (package artifact); these functions take the file's bytes.
//
// Libraries and ecosystems (PEP 804). [LookupSoname] maps a library name
// a binary asks for (an ELF soname, a Mach-O install name, a DLL name) to
// the DepURL of the external dependency it belongs to, from libvet's own
// soname knowledge base; the PEP 804 registry and ecosystem mappings turn
// a DepURL into the packages that provide it in conda-forge, Ubuntu
// (which Debian uses too: there is no Debian mapping), Fedora, Arch,
// Homebrew, Nix, Spack and other ecosystems; [Covers] decides whether a
// declared DepURL covers a needed one through the registry's provides.
// Neither PEP defines the library to DepURL step; libvet owns that table.
//
// Parsers here know nothing of policies: they report what a file says,
// with the file, line and entry of every problem, and leave it to the
// caller to judge a wheel by it.
//
// # Security
//
// The inputs are untrusted. ParsePyproject refuses files over
// [MaxPyprojectSize] before decoding; ParseMetadata reads headers in one
// linear pass and ignores the body. Markers may nest parentheses at most
// 64 deep, version numbers of any length are compared as decimal strings
// (no overflow), a dependency group's expansion through includes is
// bounded, and at most 50 problems are reported per file. Every parser
// has a fuzz target.
//
// # Limitations
//
//   - PEP 725 and PEP 804 are drafts. The DepURL rules follow PEP 725 as of
//     2026 and its reference implementation, pyproject-external 0.1.17;
//     docs/differences.md ("External dependencies") lists where libvet deliberately
//     differs (it accepts the pkg: and virtual: spellings of the PEP's
//     first drafts, keeps non-PEP 440 literal versions that the PEP allows
//     as purl versions, rejects unencoded whitespace, repeated qualifiers
//     and an invalid marker instead of folding it into the name), and
//     conformance/pyproject_external.sh compares the two on the PEP's
//     examples, the PEP 804 registry and tricky cases.
//   - A DepURL's type may be any well-formed purl type; [DepURL.Warnings]
//     flags types that are not registered (a fixed list, from
//     packageurl-python 0.17.6) and namespaces a type requires or forbids.
//     Whether a name is in the PEP 804 registry is the registry's part.
//   - Version ranges (">=2,<3") are kept as written, whitespace removed;
//     they are not simplified or checked for being satisfiable. Literal
//     versions are kept as written; the vers: qualifier of a pkg: purl is
//     kept as a qualifier, not turned into a range.
//   - Markers: strings have no escapes (a backslash is an ordinary
//     character), and a comparison needs one variable and one quoted
//     string. The set-valued variables extras and dependency_groups are
//     passed to Evaluate as comma-separated lists.
//   - Requires-Dist is parsed enough to give the distribution's name,
//     extras, specifier, URL and marker; the URL is not checked.
//     Requires-External is free-form: a name, a version in parentheses
//     (kept as written, not PEP 440) and a marker.
//   - Lines in pyproject.toml come from libvet's own scan of the file's
//     keys, table headers and arrays, since the TOML decoder does not give
//     them. A key whose quoted name uses an escape Go does not know (\e),
//     and keys under [[array.tables]], get no line (0); the entries of an
//     array the scan cannot follow get the line of their key.
//   - The core metadata version is not checked against the fields used:
//     PEP 725 says Requires-External-Dep comes with a version bump whose
//     number (2.5 or 2.6) is not settled.
//   - The mappings are draft data and are used for run-time packages only,
//     names without versions; some entries are wrong in the data itself
//     (ubuntu dep:generic/openssl maps to the openssl program, not libssl3)
//     and libvet repeats them. [DebianPackages] covers Debian 12 (amd64)
//     and only the names the knowledge base knows. A grafted library's
//     name must be un-hashed (libz-d8e79d8f.so.1.2.13 → libz.so.1.2.13)
//     before [LookupSoname]; package audit does that.
package externaldeps
