// Package elf decodes what libvet needs from an ELF binary — machine and
// ABI, program interpreter, DT_NEEDED, soname, search paths, dynamic flags,
// symbol version needs and definitions, dynamic symbols, the x86 ISA level
// note and the stack permissions — in one pass over an [io.ReaderAt].
//
// Unlike [debug/elf], which finds the dynamic table through section
// headers, NewFile works from the program headers as the dynamic loader
// does: PT_DYNAMIC gives the dynamic table, whose DT_STRTAB, DT_SYMTAB,
// DT_VERSYM, DT_VERNEED and DT_VERDEF addresses are mapped to file offsets
// through the PT_LOAD segments. It therefore decodes binaries whose section
// headers were stripped. Section headers, when present, are only used to
// size tables the dynamic table does not size (the number of dynamic
// symbols) and to read them in one piece. The package reuses the enums of
// [debug/elf] (Class, Machine, SymBind, ...) and imports nothing from
// libvet.
//
// NewFile reads the ELF header, the program and section header tables,
// PT_INTERP, PT_DYNAMIC, note segments (x86 files only), and the dynamic
// string, symbol, symbol version, version need and version definition
// tables, each with one read where it can. It never reads the whole file,
// code or debug information. [Regions] and [DynamicRegions] tell a caller
// that streams a compressed file which byte ranges to keep.
//
// # Security
//
// The package is meant for untrusted input. NewFile checks every offset
// and size against the file size before it allocates, and against fixed
// limits (65535 program headers, 1<<20 section headers, 1 MiB of dynamic
// table or notes, 1 GiB for any one table, 1<<24 dynamic symbols, 65536
// version records), so memory use is bounded by a small multiple of the
// file size. Version need and definition chains only move forward and
// are bounded, so they cannot loop. Reads larger than 1 MiB first probe
// their last byte, so a size that overstates the data fails before the
// allocation. Structural problems are reported as a *[FormatError] with
// the offending file offset; errors from the ReaderAt other than io.EOF
// are returned wrapped. NewFile does not panic: the parser is fuzzed, and
// a panic that escapes it anyway is recovered and returned as a
// *FormatError.
//
// # Limitations
//
//   - Only the first PT_INTERP and the first PT_DYNAMIC are used (like
//     auditwheel); for repeated dynamic tags other than DT_NEEDED the last
//     one wins (like glibc). Dynamic entries after DT_NULL are ignored.
//   - e_phnum is taken literally: the PN_XNUM escape for more than 65534
//     program headers, which only core files use, is not supported.
//   - When neither a matching .dynsym section header nor DT_HASH,
//     DT_MIPS_SYMTABNO or DT_GNU_HASH gives the dynamic symbol count, it is
//     guessed from the distance to the next table the dynamic table points
//     to, as pyelftools does.
//   - The x86 ISA note is read from PT_GNU_PROPERTY, else from every
//     PT_NOTE, else from SHT_NOTE sections. A malformed note ends the
//     search without an error. Other GNU properties are not decoded.
//   - Section names (.shstrtab), static symbols (.symtab), relocations and
//     DWARF are never read. Symbol values and sizes are not kept.
//   - Only the first aux record (the name) of each version definition is
//     read; a definition's parent versions are not.
package elf
