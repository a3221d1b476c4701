// Package policy holds libvet's platform rules: what a binary may take from
// the system it runs on under a given platform tag. The rules are embedded
// data in the project's own format, one file per platform family under
// policy/data, plus the logic that turns a binary's needs into a best tag and
// findings with reasons.
//
// # Linux policies
//
// A [Linux] value is one manylinux (glibc, PEP 600) or musllinux (musl,
// PEP 656) policy for one architecture, for example manylinux_2_17 on
// x86_64, tagged "manylinux_2_17_x86_64" and, through its alias,
// "manylinux2014_x86_64". The model is auditwheel's
// (src/auditwheel/policy/__init__.py in pypa/auditwheel; summarised in the
// project notes, auditwheel.md §2):
//
//   - Priority orders the policies of one libc; higher is older and more
//     compatible. [LinuxPolicies] lists them most compatible first.
//   - A policy exists for an architecture only where auditwheel lists symbol
//     versions for it (manylinux_2_5 exists for i686 and x86_64 only, and
//     ppc64 appears in manylinux_2_17 only).
//   - Allow is the whitelist: sonames the system is assumed to provide.
//   - Versions are explicit sets of allowed symbol versions per namespace (the
//     text before the first '_' of a version name, see [SplitVersion]). They
//     are sets, not ranges: x86_64 manylinux_2_28 allows GLIBC 2.18 and 2.22
//     but nothing between. A required version missing from a listed
//     namespace fails the policy; GLIBC_PRIVATE fails every policy. A
//     namespace the policy does not list is not constrained.
//   - Blacklist names symbols that must not be imported from a whitelisted
//     library.
//   - The generic linux_<arch> tag (priority 0: no whitelist, no
//     constraints) is the fallback when no policy is satisfied. It is not
//     data and not a Linux value; code that computes verdicts produces it.
//
// auditwheel keeps a single musllinux policy, chosen from the musl version of
// the host it runs on. libvet does not look at the host: both musllinux
// policies are loaded.
//
// # Data format
//
// The Linux data lives in policy/data/manylinux.txt and
// policy/data/musllinux.txt, embedded with go:embed and parsed once, on
// first use. The files are generated from auditwheel's policy JSON by
// policy/internal/gen (scripts/refresh-policy.sh runs it with the default
// paths); each file's header names its source, the checksum of the input and
// the refresh command. Do not edit them by hand.
//
// The format is line-oriented text. Blank lines and lines starting with '#'
// are ignored; every other line is a keyword followed by tokens separated by
// white space (tokens never contain white space or start with '#'):
//
//	libvet-linux-policy 1            format name and version; first non-comment line
//	family NAME LIBC                 "manylinux glibc" or "musllinux musl"; once, before any policy
//	policy NAME PRIORITY             starts a policy: NAME is <family>_<major>_<minor>
//	alias NAME                       a legacy name ("manylinux2014"), any number
//	arch ARCH...                     the architectures the policy defines, sorted; exactly once
//	allow SONAME [ARCH...]           a whitelisted soname, for every architecture or only those listed
//	deny SONAME SYMBOL...            blacklisted symbols of SONAME, sorted byte-wise
//	version ARCH NAMESPACE [VER...]  the allowed versions, in CompareVersion order
//
// A version line with no versions lists the namespace with an empty set:
// nothing in it is allowed (manylinux_2_5 lists ZLIB and LIBATOMIC that way).
// allow lines keep auditwheel's whitelist order. Architecture-specific allow
// lines carry musl's libc, whose soname differs per architecture: auditwheel
// writes "libc.so" and rewrites it at load time (_fixup_musl_libc_soname);
// the data states the result ("allow libc.musl-x86_64.so.1 x86_64"), so the
// loader has no special case. Policies are written by descending priority,
// separated by blank lines.
//
// The parser is strict, and the data test runs it: an unknown keyword, a
// repeated name, alias, priority, tag or line, a reference to an
// architecture the arch line does not declare, or a list that is not sorted
// (which also rules out repeats) is an error carrying file:line, such as
// "policy/data/manylinux.txt:57: versions are not in CompareVersion order or
// repeat".
//
// Why this format rather than auditwheel's JSON or a JSON of our own: one
// fact per line makes a refresh reviewable with a plain diff (a new
// manylinux_2_42 is a new block; a new GLIBC version changes exactly one
// version line per architecture), and grep answers most questions directly
// (grep 'version x86_64 GLIBC ' shows the GLIBC series of every policy).
// Flattening auditwheel's per-architecture maps into "version ARCH NS"
// lines keeps nesting out of the file, and writing the musl libc soname per
// architecture keeps auditwheel's load-time rewrite out of the loader. The
// parser is short and needs only the standard library, and the versioned
// first line lets a future change of format fail loudly instead of being
// misread.
//
// # Windows data
//
// Windows has no platform policy of the manylinux kind: a wheel for win32,
// win_amd64 or win_arm64 must bring every DLL that neither Windows nor the
// Python interpreter provides. The rules for what they provide are
// delvewheel's (delvewheel/_dll_list.py in adang1345/delvewheel, MIT;
// summarised in the project notes, mac_win_abi3.md §2.3), read through these
// accessors:
//
//   - [WindowsSystemDLL]: the DLLs every Windows release delvewheel lists
//     ships, per machine (I386, AMD64, ARM64; [WindowsMachines]). The lists
//     are intersections over releases, Windows 7 SP1 to 11 (10 and 11 for
//     ARM64), which is why ucrtbase.dll is a system DLL on ARM64 only.
//   - [WindowsNeverBundled]: names that are never bundled on any machine, by
//     pattern, with a class: API sets ("api-set": api-*, and libvet's own
//     addition ext-ms-*), the interpreters' own DLLs ("python", "pypy",
//     "graalpy") and combase.dll ("combase").
//   - [WindowsInterpreterRuntime]: the runtime DLLs the interpreter ships,
//     chosen by a pattern over "<abi tag>-<platform tag>" (cp312-win_amd64
//     → vcruntime140.dll and vcruntime140_1.dll).
//   - [WindowsIgnoredDependency]: imports of a bundled DLL that need not be
//     satisfied (msvcp140.dll's delay-load of concrt140.dll).
//   - [WindowsVCRedist]: whether a DLL belongs to the Visual C++
//     redistributable.
//
// DLL names, ABI tags and platform tags are compared lowercased, as
// delvewheel compares DLL names; machines in any case. Every pattern must
// match the whole lowercased name or tag (delvewheel's re.fullmatch).
//
// # Windows data format
//
// The data lives in policy/data/windows.txt, embedded with go:embed and
// parsed once, on first use. policy/internal/wingen generates it from the
// facts extracted from delvewheel (../shared/reference/windows-system-dlls.json;
// scripts/refresh-policy.sh runs it with the default paths); the header names
// the source, the checksum of the input and the refresh command. Do not edit
// it by hand. The lexical rules are those of the Linux files (blank lines and
// '#' comments ignored, white-space separated tokens):
//
//	libvet-windows-policy 1     format name and version; first non-comment line
//	machines MACHINE...         the machines with system DLLs, sorted; once, before anything else
//	never CLASS PATTERN         a name matching PATTERN is never bundled; CLASS is api-set,
//	                            combase, graalpy, pypy or python
//	runtime PATTERN DLL...      the interpreter of an "<abi>-<platform>" matching PATTERN ships DLL...
//	ignore DEPENDENT DEP...     DEPENDENT's need of each DEP is ignored
//	vcredist PATTERN            the Visual C++ redistributable DLLs; exactly once
//	system NAME MACHINE...      every release ships NAME for each MACHINE
//
// A PATTERN is a Go regexp (RE2) without anchors; the loader anchors it at
// both ends. delvewheel's patterns are Python re syntax, and wingen
// translates them, accepting only constructs that mean the same in both
// engines: Python's \d, any Unicode decimal digit in a str pattern, is
// written \p{Nd} (RE2's \d is ASCII only), and anchors, flags,
// look-around, back-references, \w, \s and \b are refused. DLL names are
// lower case. Lines of each keyword are sorted byte-wise, never lines by
// class and then pattern, with no repeats; so are the machine and DLL lists
// on a line. The long system list comes last, one name per line with the
// machines that ship it, so a refresh diff shows exactly which names
// appeared or left on which machine, and grep 'system d3d12.dll ' answers
// "where is it a system DLL" directly.
//
// delvewheel tries its runtime rules in source order and takes the first
// match, but the JSON facts do not keep that order. wingen therefore refuses
// facts in which some tag of a large sample (CPython cp20 to cp3120 with
// every ABI suffix, PyPy and GraalPy tags, on every Windows platform)
// matches two runtime rules, or a DLL name of the facts matches never
// patterns of two classes; the loader takes the first
// match in file order, which then cannot matter. The parser is as strict as
// the Linux one, and its errors carry file:line, such as
// "policy/data/windows.txt:40: machine ARM64 is not on the machines line".
//
// What the data does not hold: delvewheel's ignore_abi3 rules (the runtime of
// abi3 wheels, keyed on the Python tag) are not in the facts, so
// WindowsInterpreterRuntime knows no abi3 tag; and delvewheel's
// no_mangle_regexes is empty.
package policy
