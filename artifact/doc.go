// Package artifact opens an input — a wheel, another zip archive, or a
// single file — as a sorted list of members that can be read as streams,
// without ever writing anything to disk.
//
// [Open] sniffs the content: a file that starts with a zip signature is
// an archive, and a wheel when its name ends in ".whl"; anything else is
// a single-member artifact named after the file. For a wheel, Open also
// parses the file name (PEP 427), picks the .dist-info directory, and
// reads its WHEEL and RECORD files into [Wheel].
//
//	a, err := artifact.Open("dist/pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", artifact.Limits{})
//	if err != nil {
//		return err // an *artifact.Error: "dist/pkg-…whl: pkg/x.so: unsafe member name …"
//	}
//	defer a.Close()
//	for _, m := range a.Members() {
//		rc, err := m.Open()
//		…
//	}
//
// Member paths are slash-separated. Later input kinds will name members of
// nested archives "outer!inner" (".conda" → "pkg-x.tar.zst!lib/libfoo.so").
//
// To parse a large deflated member without holding it in memory, stream
// it through [Retain], which keeps only the byte ranges asked for and
// serves them through [Sparse.ReadAt].
//
// # Security
//
// Every input is assumed hostile. Open rejects, with an [*Error] naming
// the artifact and the member:
//   - a ".whl" that is not a zip archive ([ErrNotZip]), and a zip whose
//     end records or central directory are missing, cut short or
//     inconsistent ([ErrTruncated], [ErrCorrupt]);
//   - member names that are empty, absolute ("/x", "\x", "C:x"), contain a
//     ".." component (with either '/' or '\' as separator) or a NUL byte
//     ([ErrUnsafePath]), and names that are equal after removing "." and
//     empty components, or equal on Windows ([ErrDuplicate]);
//   - more entries than [Limits.MaxMembers] ([ErrTooManyMembers]), a
//     declared size over [Limits.MaxMemberSize] or sizes adding up to more
//     than [Limits.MaxTotalSize] ([ErrTooLarge]);
//   - a deflated member declaring a ratio over [Limits.MaxRatio], and
//     members whose data overlaps the next entry, the trick behind the
//     worst zip bombs ([ErrBomb]);
//   - a wheel whose name does not parse ([ErrBadFilename]), that has no
//     WHEEL file ([ErrNoWheelFile]), or whose WHEEL file lacks a valid
//     Wheel-Version or Root-Is-Purelib ([ErrBadWheelFile]).
//
// Limits are checked against the central directory before anything is
// allocated per entry. Readers from [Member.Open] hold a fixed buffer and
// one decompressor, never return more than the declared size (more is
// [ErrBomb]), and check the CRC-32 at the end ([ErrChecksum]). Only the
// WHEEL and RECORD files are read whole, up to [Limits.MaxMetadataSize].
// Local headers are checked against the central directory when a member
// is first read: a different name is [ErrCorrupt], since installers that
// trust one or the other would see different files.
//
// Non-fatal issues are [Problem] values from [Artifact.Problems]: a
// missing RECORD or METADATA, RECORD rows that disagree with the archive,
// a .dist-info directory that does not match the file name, WHEEL tags
// that differ from the file name's, names that differ only in case or
// contain backslashes, members that are encrypted or use another
// compression method. At most 1000 are kept per artifact.
//
// # Limitations
//
//   - Only wheels, other zip archives and single files are read; .conda,
//     .tar.bz2, .deb and directories are not yet supported.
//   - Zip members must be stored or deflated, and not encrypted; others are
//     listed but fail to open with [ErrUnsupported].
//   - Spanned (multi-disk) archives and archives with data before the first
//     local header are not supported.
//   - RECORD hashes are not verified: that needs every member's bytes, and
//     Open reads none. Callers that stream every member can compare them.
//   - Names are kept as stored (UTF-8 or not); names with backslashes are
//     reported, not rewritten.
//   - [Member.ReaderAt] skips the CRC-32 check, so a stored member read only
//     through it is not verified.
package artifact
