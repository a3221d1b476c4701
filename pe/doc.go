// Package pe decodes what libvet needs from a PE image (a Windows .dll,
// .pyd or .exe) — machine type, PE32 or PE32+, DLL and subsystem, the
// import and delay-load import directories, the export directory, the CLR
// header flag, DependentLoadFlags from the load configuration directory,
// the certificate table and the overlay — from an [io.ReaderAt].
//
// NewFile parses the DOS header, the COFF and optional headers, the
// section table, and then the data directories it needs, mapping each RVA
// to a file offset through the section table the way the loader maps the
// image: a section spans VirtualSize bytes (SizeOfRawData when VirtualSize
// is 0) from its VirtualAddress, its first SizeOfRawData bytes come from
// PointerToRawData (rounded down to 512 when FileAlignment is at least
// 512, as the loader and pefile do) and the rest reads as zeros; the
// headers are mapped at RVA 0. Where sections overlap, the one starting
// highest at or below the RVA wins. It reads only those structures, each
// through a small block cache (at most 512 KiB), never the whole file,
// and it never writes to standard output or anywhere else. It imports
// nothing from libvet.
//
// The package does not use github.com/saferwall/pe: that library needs
// the whole file as a []byte, decodes every structure with reflection,
// panics on some inputs outside its own recover (a "DanS" marker right
// before "Rich"), prints to standard output from some directory parsers,
// drops import descriptors and function names that fail its own name
// checks, stops the import directory at the first bad lookup table, and
// loses old-style delay imports in PE32+ files. The directories libvet
// needs are a few hundred lines to decode directly.
//
// # Security
//
// The package is meant for untrusted input. Every offset and size is
// checked against the file size before anything is read or allocated.
// The section table (at most 65535 entries) must lie within the file.
// Import and delay-import descriptors and lookup tables are read one
// entry at a time up to their terminator, so a list cannot run past the
// end of its section; at most size/4+16 descriptors and imported
// functions are decoded in all (lookup tables shared by many descriptors,
// or sections mapping the same file bytes at many addresses, would
// otherwise cost quadratic time and memory); names are at most 32 KiB, cached by RVA, and at most
// 2*size+64 KiB bytes of names are decoded in all; the export directory
// may have at most 65536 functions (ordinals are 16-bit). Memory use is
// therefore bounded by a small multiple of the file size, plus a few
// megabytes at most for a 65536-entry export directory. Structural
// problems are reported as a *[FormatError] with the file offset of the
// offending structure (or -1 when an RVA maps to no file offset); errors
// from the ReaderAt other than io.EOF are returned wrapped. NewFile does
// not panic: the parser is fuzzed, and a panic that escapes it anyway is
// recovered and returned as a *FormatError.
//
// # Partial results
//
// A problem in the DOS, COFF or optional header or in the section table
// gives a nil File. A problem inside a data directory gives a non-nil File
// together with a *FormatError describing the first problem found; every
// directory is still decoded independently:
//
//   - Imports and DelayImports: a descriptor whose DLL name cannot be read
//     is left out; a descriptor whose lookup table is malformed is kept
//     with the functions read before the problem; decoding then goes on
//     with the next descriptor. A descriptor list that cannot be read any
//     further, or a global limit, ends the list.
//   - ExportName is kept when the export tables are malformed; Exports is
//     nil unless the whole export directory decodes.
//   - DependentLoadFlags is 0 when the load configuration directory cannot
//     be read.
//
// Callers that need complete dependency lists must treat any error as
// fatal; a caller that reports on broken files can still use the rest.
//
// # Overlay
//
// OverlaySize counts the bytes after the end of the headers and of every
// section's raw data, less the certificate table when it lies entirely in
// that range. The certificate table is left out because it is a structure
// the file declares (IMAGE_DIRECTORY_ENTRY_SECURITY, whose address is a
// file offset) and signing appends it; delvewheel clears it rather than
// refusing to patch, whereas pefile (and so delvewheel's overlay check)
// counts it. Add CertificateSize back for pefile's number on a signed
// file. A COFF symbol table left after the sections by MinGW counts as
// overlay, as it does for pefile; GNU strip removes it.
//
// # Streaming
//
// [Regions] lists the byte ranges [NewFile] reads that can be located
// from the bytes a reader holds so far (headers, then the sections and
// tables the data directories point to), in 16 KiB blocks, so a caller
// inflating a compressed archive member can keep only those as it
// streams by and parse the result with NewFile. A reader error (a range
// not kept) always wins over a format error and is returned wrapped.
//
// # Limitations
//
//   - Names are kept byte for byte: not validated, not case-folded, not
//     required to be UTF-8. Comparing DLL names is the caller's job
//     (Windows compares them case-insensitively).
//   - The import descriptor list ends at the first descriptor whose Name
//     or FirstThunk is 0 (the loader's rule, as Wine implements it; pefile
//     waits for an all-zero descriptor). A descriptor without an import
//     lookup table (OriginalFirstThunk 0) is read from its IAT, which is
//     only right for an unbound image. The delay-load list ends at the
//     first descriptor whose DllNameRVA is 0. The directories' Size fields
//     are not used, except for the export directory, whose range tells
//     forwarders apart.
//   - Bound imports, the IAT directory, resources, relocations, debug
//     data, the Rich header, the COFF symbol table, and the CLR metadata
//     are never read; CLR only reports that the CLR header directory has
//     a non-zero address. The certificate table is only located, never
//     parsed or verified.
//   - Section names of the "/123" form (long names in the COFF string
//     table, only in object files and MinGW images) are not resolved.
//   - At most 16 data directories are read, and only those that fit in
//     SizeOfOptionalHeader.
//   - Exports are listed in ordinal order; an export slot with several
//     names appears once per name, and an unnamed slot whose address is 0
//     is left out.
package pe
