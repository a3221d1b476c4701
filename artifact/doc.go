// Package artifact opens an input — a wheel, a conda package, a Debian
// package, a tarball, a directory, another zip archive, or a single file
// — as a sorted list of members that can be read as streams, without
// ever writing anything to disk.
//
// [Open] sniffs the content, and uses the name only to tell a wheel or a
// .conda from another zip and a .deb from another ar archive:
//
//   - a wheel (".whl" zip): Open also parses the file name (PEP 427),
//     picks the .dist-info directory, and reads its WHEEL and RECORD
//     files into [Wheel];
//   - a conda package ([KindConda]): a ".conda" zip of metadata.json,
//     info-*.tar.zst and pkg-*.tar.zst, or a ".tar.bz2" whose leading
//     entries are info/, index.json among them (conda-build and
//     conda-package-handling write info/ first);
//   - a Debian package ([KindDeb]): an ar archive of debian-binary,
//     control.tar[.gz|.xz|.zst] and data.tar[.gz|.xz|.zst|.bz2];
//   - a tarball ([KindTar]), plain or compressed with gzip, bzip2, xz or
//     zstd;
//   - a directory ([KindDir]): an installed tree, a conda prefix, a
//     sysroot;
//   - anything else is a single-member artifact named after the file.
//
// Members of a nested container are named "outer!inner": a .conda's
// "pkg-foo-1.0-h123_0.tar.zst!lib/libfoo.so.1", a .deb's
// "data.tar.xz!usr/lib/x86_64-linux-gnu/libfoo.so.1" and
// "control.tar.xz!control". The members of a tarball or of a conda
// .tar.bz2 have no prefix ("lib/libfoo.so"), nor do a directory's (paths
// relative to it). [Member.Inner] is the path inside the innermost
// container: where the file lands when installed. Member paths are
// slash-separated and cleaned ("./lib/x" is "lib/x").
//
//	a, err := artifact.Open("dist/foo-1.0-h123_0.conda", artifact.Limits{})
//	if err != nil {
//		return err // an *artifact.Error: "dist/foo….conda: pkg-…tar.zst!lib/x.so: unsafe member name …"
//	}
//	defer a.Close()
//	err = a.Walk(func(m *artifact.Member, r io.Reader) error {
//		… // parse m from r; the walk skips what is not read
//	})
//
// # Streams
//
// A zip's members, an ar's, an uncompressed tar's and a directory's can
// be read in any order, as often as wanted, through [Member.Open] (and
// [Member.ReaderAt] when stored as they are). A compressed tar cannot:
// its members are reached by decoding from its start. [Artifact.Walk]
// visits every member in archive order and decodes each stream exactly
// once, with bounded buffers. Open reads the small parts of a container —
// the info tar of a .conda, the info/ entries that open a conda .tar.bz2,
// the control tar of a .deb — but not the big compressed one (a .conda's
// pkg tar, a .deb's data tar, a compressed tarball): when
// [Artifact.Streamed] is true, [Artifact.Members], [Artifact.Problems]
// and [Artifact.Resolve] see that stream's members only once a Walk has
// returned nil. [Member.Open] still works on them, by decoding the
// stream up to the member, which is correct but slow.
//
// Metadata files that callers need are kept in memory by Open, up to
// [Limits.MaxMetadataSize] each, and returned by [Artifact.MetadataFile]:
// a conda package's info/index.json, info/paths.json, info/files,
// info/run_exports.json and info/about.json; a .deb's control, shlibs
// and symbols. A directory's are read on demand.
//
// Symbolic links, in tars and directories, and tar hard links are
// members with [Member.Link] set; Walk does not pass them to its
// callback. [Artifact.Resolve] follows them, and symbolic links to
// directories on the way ("lib64" → "lib"), within the link's container
// as the kernel would under chroot: absolute targets start at the
// container's root, ".." stops there, at most 40 links are followed.
//
// To parse a large compressed member without holding it in memory,
// stream it through [Retain], which keeps only the byte ranges asked for
// and serves them through [Sparse.ReadAt].
//
// # Security
//
// Every input is assumed hostile. Open and Walk reject, with an [*Error]
// naming the artifact and the member:
//   - a ".whl" or ".conda" that is not a zip archive ([ErrNotZip]), a
//     ".deb" that is not an ar archive or lacks its members, a name with a
//     tar suffix whose content is no tar, and a zip, ar or tar whose
//     structure is cut short or inconsistent ([ErrTruncated],
//     [ErrCorrupt]);
//   - member names that are empty, absolute ("/x", "\x", "C:x"), contain a
//     ".." component (with either '/' or '\' as separator) or a NUL byte
//     ([ErrUnsafePath]); tar hard links whose target is such a name; and
//     names that are equal after removing "." and empty components, or
//     equal on Windows ([ErrDuplicate]). A tar that holds two entries of
//     one name (directories aside) is rejected too: tar and dpkg keep the
//     last, a reader that stops at the first would see another file;
//   - more entries than [Limits.MaxMembers] ([ErrTooManyMembers]), a
//     declared size over [Limits.MaxMemberSize] or sizes adding up to more
//     than [Limits.MaxTotalSize] ([ErrTooLarge]), checked from the headers
//     before any data is read; tar names or link targets over 4096 bytes,
//     or adding up to more than 256 MiB per stream ([ErrTooLarge]);
//   - a deflated zip member declaring a ratio over [Limits.MaxRatio], zip
//     members whose data overlaps the next entry, and compressed tar
//     streams (gzip, bzip2, xz, zstd) that expand past MaxRatio times
//     their size once past their first MiB ([ErrBomb]); a decoded stream
//     is also capped at MaxTotalSize plus 4 KiB of tar headers per
//     MaxMembers entry ([ErrTooLarge]);
//   - a zstd frame asking for a window, or an xz block for a dictionary,
//     over [Limits.MaxWindow] (128 MiB: zstd level 22, and the limit of
//     the zstd library conda decodes with), before the decoder allocates
//     it ([ErrTooLarge]). The xz block headers are followed as the stream
//     passes, and the dictionary each block after the first allocates
//     counts as output for MaxRatio;
//   - a wheel whose name does not parse ([ErrBadFilename]), that has no
//     WHEEL file ([ErrNoWheelFile]), or whose WHEEL file lacks a valid
//     Wheel-Version or Root-Is-Purelib ([ErrBadWheelFile]);
//   - sparse tar members, xz filters other than LZMA2, Debian package
//     formats other than 2.x, and inputs that are neither regular files
//     nor directories ([ErrUnsupported]).
//
// Limits are checked against the zip's central directory, the ar's
// headers and each tar header before anything is allocated per entry.
// Readers from [Member.Open] and Walk hold a fixed buffer and at most one
// decompressor, never return more than the declared size (a zip member
// that inflates further is [ErrBomb], a tar member is cut at its size by
// the format), report data that ends early as [ErrTruncated], and check
// the CRC-32 of zip members at the end ([ErrChecksum]); gzip, xz and
// zstd streams are decoded to their end, so that their own checksums are
// checked. Nested archives are opened only where the formats define them
// (a .conda's tars, a .deb's tars): a .tar.gz inside a tarball is just a
// member. Only the metadata files are read whole. Local zip headers are
// checked against the central directory when a member is first read: a
// different name is [ErrCorrupt], since installers that trust one or the
// other would see different files.
//
// A directory is listed without following symbolic links: a link is a
// member whose target is recorded, never read through, and Resolve keeps
// it inside the directory. Files that are neither regular nor links
// (pipes, devices, sockets) and unreadable subdirectories are problems.
// A file is opened only if it is still the regular file that was listed.
//
// Non-fatal issues are [Problem] values from [Artifact.Problems]: a
// missing RECORD or METADATA, RECORD rows that disagree with the archive,
// a .dist-info directory that does not match the file name, WHEEL tags
// that differ from the file name's, names that differ only in case or
// contain backslashes, zip members that are encrypted or use another
// compression method, tar special files and entry types libvet does not
// read, a .deb member whose compression is not what its name says,
// metadata files over MaxMetadataSize, skipped directory entries. At most
// 1000 are kept per artifact.
//
// # Limitations
//
//   - Zip members must be stored or deflated, and not encrypted; others are
//     listed but fail to open with [ErrUnsupported], and Walk skips them.
//   - Spanned (multi-disk) zip archives and archives with data before the
//     first local header are not supported.
//   - RECORD hashes and a .deb's md5sums are not verified: that needs
//     every member's bytes, and Open reads none. Callers that walk every
//     member can compare them.
//   - Names are kept as stored (UTF-8 or not); names with backslashes are
//     reported, not rewritten.
//   - [Member.ReaderAt] skips the CRC-32 check, so a stored member read only
//     through it is not verified.
//   - A compressed tar is decoded from its start for every [Member.Open]
//     of one of its members; read them through Walk. Two Walks that run at
//     the same time on a streamed artifact each make their own Member
//     values for the big stream; those of the first to finish are kept.
//   - xz is decoded by github.com/ulikunitz/xz, which allocates each
//     block's dictionary anew: an xz stream cut into blocks much smaller
//     than its dictionary (an unusual xz --block-size) can be taken for a
//     bomb. It reads only the LZMA2 filter (no BCJ filters).
//   - Sparse tar members are refused rather than read, and the old GNU
//     multi-volume entries are skipped with a problem.
//   - A directory is listed once: files created later are not members,
//     and a file replaced by something else is an error when opened. A
//     parent directory replaced by a link between listing and opening is
//     not detected.
package artifact
