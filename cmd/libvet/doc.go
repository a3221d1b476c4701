// Command libvet audits the native code inside Python packages: it finds
// every ELF, PE and Mach-O binary in a wheel, a conda package, a .deb, a
// tarball, a directory or a single file, works out what each one needs,
// who provides it (the artifact, the platform, another package, a
// declared external dependency, the host), and which platform tag the
// contents support, and says why at every step. It reads artifacts
// statically: it never runs or extracts what it inspects.
//
// Usage:
//
//	libvet show  [flags] ARTIFACT...   everything found, with reasons
//	libvet check [flags] ARTIFACT...   the CI gate: exit 1 on problems
//	libvet deps  [flags] ARTIFACT...   what to install for unmet needs
//	libvet host  [flags] ARTIFACT...   every need as this system provides it
//	libvet tree  [flags] FILE          the dependency tree of one binary
//	libvet help | version
//
// # Flags
//
// `libvet help` lists every flag with its meaning; the README groups them:
// the output (--format, --verbose, --no-color, --fail-on), the host's
// library search (--ldpaths, --root, --add-path, --exclude,
// --disable-isa-ext-check), the environment a package is checked against
// (--prefix, --with, --find-links, --site-packages, --root for .debs),
// declared external dependencies (--external, --require-declared), deps
// and host (--ecosystem; --list for deps). `libvet tree --help` lists
// tree's own flags.
//
// LD_LIBRARY_PATH is searched after DT_RPATH and before DT_RUNPATH, as the
// dynamic loader does, unless --ldpaths is given. It is the caller's
// environment only with --root / (a foreign root's programs do not run
// with it); --ld-library-path sets it for any root.
//
// # Exit codes
//
// The same for every output format:
//
//	0  clean: every input was read, and (check) no finding at or above
//	   --fail-on, (deps) nothing to install, (host, tree) nothing missing
//	1  check: a finding at or above --fail-on, such as a declared
//	   platform tag the contents do not support; deps: something to
//	   install; host: something missing; tree: a library missing or
//	   lacking the symbol versions needed
//	2  usage error: unknown command or flag, no artifact given, a bad
//	   --prefix, --with, --find-links, --site-packages, --external or --root
//	3  an input could not be read or parsed (not a zip, truncated, a zip
//	   bomb, an unsafe member name, a wheel without WHEEL); this wins over 1
//
// # Output formats
//
// text is for people: colour only on a terminal, never when NO_COLOR is set.
// json is a versioned document (schema_version) described by
// report/schema.json in the source tree (show, check), or by
// cmd/libvet/host-schema.json and cmd/libvet/tree-schema.json.
package main
