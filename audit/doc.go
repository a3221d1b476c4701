// Package audit is libvet's model and orchestrator: it walks an artifact's
// members, recognises binaries by their magic bytes, describes each one as
// a [Binary] (what it is and what it needs), resolves every need through a
// chain of providers, and hands the result to the platform rules, which
// turn it into tags and findings. The result of one artifact is a
// [Report].
//
// The resolver chain for a needed ELF library is, in order:
//
//  1. the interpreter: the dynamic loader and libpython are never
//     resolved (the Python interpreter provides them);
//  2. --exclude patterns: the user says another package provides it;
//  3. the artifact: the library is a member where the needing binary's
//     loader finds it (DT_RPATH, inherited DT_RPATH, DT_RUNPATH, with
//     $ORIGIN expanded to the binary's directory);
//  4. the platform: the policy's allow-list promises it;
//  5. the host: found by the host's loader rules; it is then an external
//     library, and its own needs are followed the same way.
//
// Anything left is external and not found.
//
// # Security
//
// Members are read through package artifact, which bounds sizes and
// rejects archive bombs. Compressed binaries are streamed once, keeping only
// the byte ranges the parser needs (see [Config.Retain]). Parsers never
// panic into this package; a member that fails to parse becomes a finding
// and the walk goes on.
//
// # Limitations
//
// Only ELF binaries are audited; PE and Mach-O members are recognised and
// reported but not yet resolved or judged.
package audit
