// Command libvet audits the native code inside Python packages: it finds
// every ELF binary in a wheel (or a single binary), works out what each one
// needs, who provides it, and which platform tag the contents support, and
// says why at every step. It reads artifacts statically: it never runs or
// extracts what it inspects.
//
// Usage:
//
//	libvet show  [flags] ARTIFACT...   everything found, with reasons
//	libvet check [flags] ARTIFACT...   the CI gate: exit 1 on problems
//	libvet help | version
//
// # Flags
//
//	--format text|json       output format (default text)
//	--exclude GLOB           a library another package provides (soname or
//	                         host path glob; repeatable)
//	--ldpaths DIR:DIR        host library directories, replacing ld.so.conf
//	                         and the default directories
//	--disable-isa-ext-check  ignore x86-64 micro-architecture levels
//	--fail-on SEVERITY       check: lowest severity that fails (default error)
//	--verbose                text: list every need, not only unusual ones
//	--no-color               text: never colour (also NO_COLOR=1)
//
// LD_LIBRARY_PATH is searched after DT_RPATH and before DT_RUNPATH, as the
// dynamic loader does, unless --ldpaths is given.
//
// # Exit codes
//
// The same for every output format:
//
//	0  clean: every input was read, and (check) no finding at or above --fail-on
//	1  check only: a finding at or above --fail-on, such as a declared
//	   platform tag the contents do not support
//	2  usage error: unknown command or flag, no artifact given
//	3  an input could not be read or parsed (not a zip, truncated, a zip
//	   bomb, an unsafe member name, a wheel without WHEEL); this wins over 1
//
// # Output formats
//
// text is for people: colour only on a terminal, never when NO_COLOR is set.
// json is a versioned document (schema_version) described by
// report/schema.json in the source tree.
package main
