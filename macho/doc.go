// Package macho decodes what libvet needs from a Mach-O binary — for each
// architecture slice of a thin or fat (universal) file: CPU type and
// subtype, file type, install name (LC_ID_DYLIB), dependent libraries of
// every kind in dyld ordinal order, LC_RPATH entries, deployment target
// and SDK (LC_BUILD_VERSION, LC_VERSION_MIN_*), the presence of a code
// signature, and the imported symbols with their two-level library
// ordinals and weak flags — from an [io.ReaderAt].
//
// The package decodes these few load commands itself rather than through
// github.com/blacktop/go-macho or [debug/macho]. go-macho's NewFile parses
// every load command's payload up front (code signature blobs, LC_NOTE,
// split info, fixups, exports) and sizes its allocations straight from
// header fields: a 1,256-byte file makes it allocate about 4 GiB, and a
// variant panics in makeslice outside any recover; it also logs unknown
// load commands to stderr and prints to stdout from its code-signature
// parser, and its Version.String drops version components. Restricting it
// with FileConfig.LoadIncluding and a pre-scan of the load commands would
// still leave a large, fast-moving dependency whose every release must be
// re-audited, to save a few hundred lines of decoding. debug/macho decodes
// only LC_LOAD_DYLIB (not the weak, re-export, upward and lazy kinds), has
// no LC_ID_DYLIB, LC_BUILD_VERSION, LC_VERSION_MIN_* or LC_CODE_SIGNATURE
// support, no FAT_MAGIC_64, and reads the whole symbol and string tables.
// The tests cross-check this package against debug/macho where it has an
// answer (LC_LOAD_DYLIB, LC_RPATH, header fields, undefined symbols). The
// package imports nothing from libvet and nothing outside the standard
// library.
//
// NewFile reads the fat header and architecture table, each slice's mach
// header and load commands (one read of sizeofcmds bytes per slice), and,
// when the slice has LC_SYMTAB, the undefined-symbol range of the symbol
// table (LC_DYSYMTAB's iundefsym/nundefsym, or the whole table without
// LC_DYSYMTAB) and the span of the string table that holds those names.
// It never reads code, data, the code signature or debug information.
//
// # Security
//
// The package is meant for untrusted input. Before anything is allocated,
// every size is checked against the file or slice size and against fixed
// limits (30 fat architectures, 16 MiB of load commands, 1 GiB for any one
// read), so memory use is bounded by a small multiple of the file size.
// The load commands are validated the way dyld does: ncmds fits in
// sizeofcmds, which fits in the slice; each cmdsize is at least 8, a
// multiple of 4 and within sizeofcmds; each command is at least as large
// as its fixed structure; lc_str strings start after that structure and
// are NUL-terminated inside the command. Every command whose payload lives
// elsewhere in the slice — segments, LC_SYMTAB, LC_DYSYMTAB's six tables,
// LC_DYLD_INFO(_ONLY), LC_CODE_SIGNATURE, LC_SEGMENT_SPLIT_INFO,
// LC_FUNCTION_STARTS, LC_DATA_IN_CODE, LC_DYLIB_CODE_SIGN_DRS,
// LC_LINKER_OPTIMIZATION_HINT, LC_DYLD_EXPORTS_TRIE,
// LC_DYLD_CHAINED_FIXUPS, LC_ATOM_INFO, LC_NOTE, LC_TWOLEVEL_HINTS and
// LC_ENCRYPTION_INFO(_64) — must point inside the slice, even when the
// payload is not read, so a file dyld would refuse is reported rather than
// half-decoded. Reads larger than 1 MiB first probe their last byte, so a
// size that overstates the data fails before the allocation. Structural
// problems are reported as a *[FormatError] with the offending file
// offset; input that is not Mach-O at all (including Java class files,
// which share the fat magic number) gives a *FormatError that also wraps
// [ErrNotMachO]; errors from the ReaderAt other than io.EOF are returned
// wrapped. NewFile never writes to stdout or stderr and does not panic: the
// parser is fuzzed, and a panic that escapes it anyway is recovered and
// returned as a *FormatError.
//
// # Streaming
//
// [Regions] lists the byte ranges [NewFile] reads that can be located
// from the bytes a reader holds so far (fat header, each slice's header
// and load commands, the symbol and string table ranges), so a caller
// inflating a compressed archive member can keep only those as it
// streams by and parse the result with NewFile. A reader error is
// returned wrapped, never as a FormatError.
//
// # Limitations
//
//   - Imports come from the symbol table only (the undefined external
//     nlist entries, as nm -m and delocate see them). Chained fixups,
//     bind opcodes and the exports trie are not decoded, so a binary
//     stripped of its undefined symbols reports none. Common symbols of
//     object files are not imports.
//   - Library ordinals are only meaningful with MH_TWOLEVEL; for
//     flat-namespace images (object files, Go-built binaries) every import
//     has [OrdinalSelf].
//   - Archives (static libraries) are not Mach-O and are rejected;
//     delocate's lipo-based architecture check of liba.a has no
//     equivalent here.
//   - A fat file whose table entry names a different cputype than its
//     slice's mach header, a slice that is itself fat, and a fat table
//     entry that points into the fat header are errors. Overlapping
//     slices and the fat_arch alignment are not checked. Little-endian fat
//     headers, which no loader accepts, are treated as not Mach-O.
//   - The 64-bit cmdsize alignment is checked to 4 bytes, not 8, like
//     dyld. Section headers are bounded by their segment command but
//     their file ranges are not checked; segments must lie within the
//     slice.
//   - The deployment target is the first macOS LC_BUILD_VERSION or
//     LC_VERSION_MIN_MACOSX, else the first such command of any platform;
//     [Slice.Builds] lists them all. Build tool versions are not kept.
//   - The code signature is only detected, never parsed or verified.
//   - Dylib timestamps, LC_LOAD_DYLINKER, LC_UUID, LC_MAIN, segment and
//     section names are not kept.
package macho
