// Package debian parses the Debian package formats libvet reads from .deb
// packages and from dpkg's database: deb822 control data (control files,
// var/lib/dpkg/status), relationship fields (Depends, Provides, …),
// version numbers, and the shlibs and symbols files that map a shared
// library's soname to the package dependency it implies.
//
// The parsers follow dpkg's manual pages on a Debian 12 host (dpkg
// 1.21): deb822(5), deb-control(5), deb-version(7), deb-shlibs(5) and
// deb-symbols(5). [Version.Compare] is dpkg's verrevcmp: it agrees with
// `dpkg --compare-versions` (the tests check it when dpkg is installed).
// The package knows nothing of databases or policies; package host reads
// dpkg's database with it.
//
// Errors carry the file name and line ([SyntaxError]). The parsers read
// what they are given: callers bound the input size. No input makes them
// panic.
//
// # Limitations
//
//   - Versions: characters that deb-version(7) does not allow are errors,
//     where dpkg only warns; an upstream version that does not start with
//     a digit is accepted, as dpkg accepts it.
//   - Relationships: architecture restrictions ("[amd64 !i386]") are kept
//     but not evaluated here; build profiles ("<!nocheck>") are kept as
//     written and never evaluated. Substitution variables ("${shlibs:Depends}")
//     of source packages are not expanded: they are syntax errors.
//   - Symbols files: the binary form of deb-symbols(5) is read. Template
//     features of deb-src-symbols(5) (tags such as "(c++)", #include,
//     #MISSING lines) are not: tags are errors and other '#' lines are
//     skipped as comments.
package debian
