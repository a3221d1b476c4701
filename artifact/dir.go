package artifact

import (
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// A directory input (an installed site-packages, a conda prefix, a
// sysroot) is listed with Lstat semantics: symbolic links are members
// with their target in Link and are never followed, so nothing outside
// the directory is read; files that are neither regular nor links are
// problems. Files are opened only when read.

// dirBatch is how many directory entries are read at a time, so that a
// directory of millions of entries meets Limits.MaxMembers before it is
// all in memory.
const dirBatch = 1024

// openDir lists the directory a.Path.
func (a *Artifact) openDir() error {
	a.src = dirSource{}
	var (
		entries int
		total   int64
		pending = []string{""} // directories to read, relative to a.Path
	)
	for len(pending) > 0 {
		rel := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		f, err := os.Open(filepath.Join(a.Path, filepath.FromSlash(rel)))
		if err != nil {
			if rel == "" {
				return a.fail("", unwrapPathError(err))
			}
			a.problem(rel, "cannot be read (%v); skipped", unwrapPathError(err))
			continue
		}
		for {
			des, err := f.ReadDir(dirBatch)
			for _, de := range des {
				if entries++; entries > a.lim.MaxMembers {
					f.Close()
					return a.fail("", reasonf(ErrTooManyMembers, "directory has more than %d entries (Limits.MaxMembers)", a.lim.MaxMembers))
				}
				p := path.Join(rel, de.Name())
				m, err := a.dirMember(p, de)
				if err != nil {
					f.Close()
					return err
				}
				switch {
				case de.IsDir():
					pending = append(pending, p)
				case m != nil && m.Size > a.lim.MaxTotalSize-total:
					f.Close()
					return a.fail(p, reasonf(ErrTooLarge, "sizes add up to more than the %s limit (Limits.MaxTotalSize)", humanSize(a.lim.MaxTotalSize)))
				case m != nil:
					total += m.Size
					a.members = append(a.members, m)
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				a.problem(rel, "cannot be read to the end (%v); the rest is skipped", unwrapPathError(err))
				break
			}
		}
		f.Close()
	}
	if err := a.checkMembers(); err != nil {
		return err
	}
	a.finishProblems()
	return nil
}

// dirMember returns the member for the directory entry at p, or nil for
// directories and for what is skipped (with a problem).
func (a *Artifact) dirMember(p string, de fs.DirEntry) (*Member, error) {
	t := de.Type()
	if t.IsDir() {
		return nil, nil
	}
	full := filepath.Join(a.Path, filepath.FromSlash(p))
	switch {
	case t.IsRegular():
		fi, err := de.Info()
		if err != nil {
			a.problem(p, "cannot be read (%v); skipped", unwrapPathError(err))
			return nil, nil
		}
		if fi.Size() > a.lim.MaxMemberSize {
			return nil, a.fail(p, reasonf(ErrTooLarge, "is %s, over the %s member limit (Limits.MaxMemberSize)", humanSize(fi.Size()), humanSize(a.lim.MaxMemberSize)))
		}
		return &Member{Path: p, Size: fi.Size(), Mode: fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky), a: a, off: -1}, nil
	case t&fs.ModeSymlink != 0:
		target, err := os.Readlink(full)
		if err != nil {
			a.problem(p, "is a symbolic link that cannot be read (%v); skipped", unwrapPathError(err))
			return nil, nil
		}
		if target == "" || len(target) > maxNameLen || strings.IndexByte(target, 0) >= 0 {
			a.problem(p, "is a symbolic link with an unusable target; skipped")
			return nil, nil
		}
		return &Member{Path: p, Mode: fs.ModeSymlink | 0o777, Link: target, a: a, off: -1}, nil
	}
	a.problem(p, "is a %s, not a regular file or a symbolic link; skipped", specialKind(t))
	return nil, nil
}

// specialKind names a file type for messages.
func specialKind(t fs.FileMode) string {
	switch {
	case t&fs.ModeNamedPipe != 0:
		return "named pipe"
	case t&fs.ModeSocket != 0:
		return "socket"
	case t&fs.ModeCharDevice != 0:
		return "character device"
	case t&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// dirSource reads the files of a directory.
type dirSource struct{}

// open opens the file only if it is still the regular file that was
// listed, so that a file replaced by a link or a pipe since Open is not
// followed.
func (dirSource) open(m *Member) (io.ReadCloser, error) {
	if m.Link != "" {
		return &memberReader{m: m, src: strings.NewReader("")}, nil
	}
	a := m.a
	full := filepath.Join(a.Path, filepath.FromSlash(m.Path))
	li, err := os.Lstat(full)
	if err != nil {
		return nil, a.fail(m.Path, unwrapPathError(err))
	}
	if !li.Mode().IsRegular() {
		return nil, a.fail(m.Path, reasonf(ErrCorrupt, "is no longer a regular file (it is %v); the directory changed since it was opened", li.Mode().Type()))
	}
	f, err := os.Open(full)
	if err != nil {
		return nil, a.fail(m.Path, unwrapPathError(err))
	}
	fi, err := f.Stat()
	if err != nil || !os.SameFile(li, fi) {
		f.Close()
		return nil, a.fail(m.Path, reasonf(ErrCorrupt, "was replaced while being opened; the directory changed since it was opened"))
	}
	return &fileReader{memberReader: &memberReader{m: m, src: f}, f: f}, nil
}

func (dirSource) readerAt(*Member) (io.ReaderAt, bool) { return nil, false }

// fileReader is a memberReader that owns its file.
type fileReader struct {
	*memberReader
	f *os.File
}

// Close closes the reader and its file.
func (r *fileReader) Close() error {
	r.memberReader.Close()
	return r.f.Close()
}
