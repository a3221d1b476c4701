package artifact

import (
	"errors"
	"io"
)

// Walk calls fn for every regular member with data, with a reader of its
// uncompressed bytes, in archive order:
//   - a wheel, a zip and a directory: in [Artifact.Members] order (sorted
//     by path);
//   - a .deb: the ar members in their order (debian-binary, then the
//     control tar's members, then the data tar's, in tar order);
//   - a .conda: its zip members sorted by name (the info tar's members,
//     metadata.json, the pkg tar's members);
//   - a tarball or a conda .tar.bz2: tar order.
//
// Links are not passed to fn, nor are zip members that libvet cannot
// read (encrypted ones, other compression methods: they are already
// [Problem] values). fn need not read r to its end, and must not keep it:
// r fails once fn has returned, and the walk skips what fn left. An error
// from fn stops the walk and is returned as it is; errors of Walk's own
// are [*Error] values.
//
// Each tar stream is decoded once, from start to end, with a fixed buffer
// and one decompressor; nothing is written to disk. For a streamed
// artifact ([Artifact.Streamed]), this is how the big tar's members get
// listed: once Walk has returned nil, [Artifact.Members],
// [Artifact.Problems] and [Artifact.Resolve] see all of them. A Walk that
// fails leaves them with the members listed before the failure.
func (a *Artifact) Walk(fn func(m *Member, r io.Reader) error) error {
	if a.order == nil {
		for _, m := range a.Members() {
			if err := a.walkMember(m, fn); err != nil {
				return err
			}
		}
		return nil
	}
	for _, p := range a.order {
		var err error
		if p.st != nil {
			err = a.walkStream(p.st, fn)
		} else {
			err = a.walkMember(p.m, fn)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// walkMember calls fn for a member outside any tar stream.
func (a *Artifact) walkMember(m *Member, fn func(*Member, io.Reader) error) error {
	if m.Link != "" {
		return nil
	}
	rc, err := m.Open()
	if errors.Is(err, ErrUnsupported) && m.unreadable() != nil {
		return nil
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	return fn(m, rc)
}
