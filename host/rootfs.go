package host

import (
	"io/fs"
	"os"
	"path"
)

// RootFS returns the file system of the root directory root as the
// package database readers see it: every name is resolved inside root
// (RealPath), so a link such as var/lib/dpkg -> /var/lib/dpkg in an
// image leads to the image's own directory, never to this machine's, as
// os.DirFS would. It also reads links (ReadLink), for the owners found by
// the keg or store path a link points into.
func RootFS(root string) fs.FS { return rootFS{root} }

type rootFS struct{ root string }

// Open implements fs.FS.
func (r rootFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	real, ok := RealPath(r.root, "/"+name)
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return os.Open(hostPath(r.root, real))
}

// ReadLink returns the target of the link name, whose directory is
// resolved inside the root.
func (r rootFS) ReadLink(name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	dir, ok := RealPath(r.root, "/"+path.Dir(name))
	if !ok {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrNotExist}
	}
	return os.Readlink(hostPath(r.root, path.Join(dir, path.Base(name))))
}
