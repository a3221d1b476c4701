package host

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"syscall"
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
	f, err := openFile(hostPath(r.root, real))
	if pe, ok := err.(*fs.PathError); ok {
		pe.Path = name // the root's name, not this machine's
	}
	if err != nil {
		return nil, err // not a nil *os.File in an fs.File
	}
	return f, nil
}

// Stat implements fs.StatFS without opening the file.
func (r rootFS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	real, ok := RealPath(r.root, "/"+name)
	if !ok {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	st, err := os.Stat(hostPath(r.root, real))
	if pe, ok := err.(*fs.PathError); ok {
		pe.Path = name // the root's name, not this machine's
	}
	return st, err
}

// errNotRegular is the error of opening what is neither a regular file
// nor a directory.
var errNotRegular = errors.New("not a regular file or directory (a FIFO, socket or device)")

// openFile opens the file p of this machine for reading, refusing what
// is neither a regular file nor a directory: opening a FIFO would wait
// for a writer forever, and a device can be endless. A root is read as
// data, so such files are never what libvet is after. The open does not
// block (O_NONBLOCK), and the check is made on the file opened, so a
// root that changes meanwhile cannot slip a FIFO in.
func openFile(p string) (*os.File, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() && !st.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: p, Err: errNotRegular}
	}
	return f, nil
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
