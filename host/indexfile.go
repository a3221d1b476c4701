package host

// The reading of the repository indexes that package managers cache in a
// root, shared by the apk, pacman and rpm readers: compressed tars read
// as a stream, a budget for what an index may make libvet keep, errors
// that wrap artifact's sentinels.

import (
	"archive/tar"
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"syscall"

	"github.com/libvet/libvet/artifact"
	"github.com/libvet/libvet/internal/binio"
)

// quietWrap is err, which also wraps sentinel without saying so: the
// message of err says it better.
type quietWrap struct{ err, sentinel error }

// quietf is fmt.Errorf, whose result also wraps sentinel.
func quietf(sentinel error, format string, args ...any) error {
	return quietWrap{fmt.Errorf(format, args...), sentinel}
}

func (e quietWrap) Error() string   { return e.err.Error() }
func (e quietWrap) Unwrap() []error { return []error{e.err, e.sentinel} }

// cachedIndexTar is how a package manager's cached repository index, a
// tar that may be compressed (apk's APKINDEX.tar.gz, pacman's sync
// databases), is read: streamed once, within bounds.
type cachedIndexTar struct {
	maxFile   int64           // the most the file may hold
	maxMember int64           // the largest member size accepted
	lim       artifact.Limits // for artifact.Decompress
	// concat is set when tars may follow the first: one whose
	// end-of-archive blocks were kept may be followed by another.
	concat bool
	// check, if set, is given the file's first bytes, to recognise a
	// format that is not read.
	check func(head []byte) error
}

// walk reads file under root and calls fn with the name and data of
// each regular member, in order. An error (of the file, the
// decompression, the tar or fn) ends the walk and is returned naming
// the file; an error of archive/tar also wraps artifact.ErrTruncated or
// artifact.ErrCorrupt, as those of artifact.Decompress do. A member whose
// name is absolute or has a ".." component is an error wrapping
// artifact.ErrUnsafePath; one over maxMember, artifact.ErrTooLarge. The
// data after the tar is decompressed too, so that a bad checksum at the
// end of the file is an error.
func (x cachedIndexTar) walk(root fs.FS, file string, fn func(name string, r io.Reader) error) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("%s: %w", file, tarErr(err))
		}
	}()
	f, err := root.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	if fi.Size() > x.maxFile {
		return quietf(artifact.ErrTooLarge, "%d MiB, more than the %d MiB libvet reads of a repository index", fi.Size()>>20, x.maxFile>>20)
	}
	br := bufio.NewReader(io.LimitReader(f, x.maxFile))
	if x.check != nil {
		head, _ := br.Peek(8)
		if err := x.check(head); err != nil {
			return err
		}
	}
	rc, _, err := artifact.Decompress(br, fi.Size(), x.lim)
	if err != nil {
		return err
	}
	defer rc.Close()
	r := bufio.NewReader(rc)
	for {
		tr := tar.NewReader(r)
		for {
			hdr, err := tr.Next()
			if hdr != nil && errors.Is(err, tar.ErrInsecurePath) {
				err = nil // checked below
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if why := artifact.UnsafeName(hdr.Name); why != "" {
				return quietf(artifact.ErrUnsafePath, "member %q: %s", binio.Clip(hdr.Name, 80), why)
			}
			if hdr.Size > x.maxMember {
				return quietf(artifact.ErrTooLarge, "member %q declares %d bytes, more than the %d MiB libvet reads", binio.Clip(hdr.Name, 80), hdr.Size, x.maxMember>>20)
			}
			if hdr.Typeflag != tar.TypeReg {
				continue
			}
			if err := fn(hdr.Name, tr); err != nil {
				return err
			}
		}
		// The tar has ended; what follows is zero blocks, another tar
		// (concat), or nothing.
		more, err := skipZeroBlocks(r)
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
		if !x.concat {
			_, err := io.Copy(io.Discard, r)
			return err
		}
	}
}

// skipZeroBlocks reads the zero blocks at the start of r and reports
// whether anything else follows. What follows stays unread.
func skipZeroBlocks(r *bufio.Reader) (bool, error) {
	for {
		b, err := r.Peek(512)
		if len(b) == 0 && err == io.EOF {
			return false, nil
		}
		if i := slices.IndexFunc(b, func(c byte) bool { return c != 0 }); i >= 0 {
			return true, nil
		}
		if err == io.EOF {
			return false, nil // zero padding shorter than a block
		}
		if err != nil {
			return false, err
		}
		if _, err := r.Discard(len(b)); err != nil {
			return false, err
		}
	}
}

// tarErr adds artifact's sentinels to an error of archive/tar.
func tarErr(err error) error {
	switch {
	case errors.Is(err, artifact.ErrTruncated), errors.Is(err, artifact.ErrCorrupt):
		return err
	case err == io.ErrUnexpectedEOF:
		return quietf(artifact.ErrTruncated, "the tar data ends early (%w); re-download the file", err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return quietf(artifact.ErrTruncated, "%w (the tar data ends early); re-download the file", err)
	case errors.Is(err, tar.ErrHeader), errors.Is(err, tar.ErrFieldTooLong):
		return quietf(artifact.ErrCorrupt, "corrupt tar (%w); re-download the file", err)
	}
	return err
}

// maxIndexKeep bounds the memory that one index file may make libvet
// hold, counted by keepBudget: a hostile file could otherwise turn each
// few bytes of a provides line into a Provision of a hundred. The
// provisions of all of Alpine's or Arch Linux's repositories come to a
// few MiB.
const maxIndexKeep = 64 << 20

// keepBudget is what an index file may still make libvet hold, in
// bytes: a fixed cost (keepCost) for each package and provision kept,
// and their strings.
type keepBudget int64

// keepCost approximates the memory of a Provision, or of a package kept
// while its library files are read, without its strings.
const keepCost = 128

// take charges n bytes, failing when the budget is spent.
func (b *keepBudget) take(n int) error {
	if *b -= keepBudget(n); *b < 0 {
		return quietf(artifact.ErrTooLarge, "more than %d MiB of packages and libraries to keep; is this really a repository index?", maxIndexKeep>>20)
	}
	return nil
}

// sortProblems sorts problems by message.
func sortProblems(problems []error) []error {
	slices.SortFunc(problems, func(a, b error) int { return cmp.Compare(a.Error(), b.Error()) })
	return problems
}

// readCacheDir lists dir, a directory where a package manager caches
// its indexes; a dir that does not exist, or is not a directory, has
// nothing.
func readCacheDir(root fs.FS, dir string) ([]fs.DirEntry, error) {
	fi, err := fs.Stat(root, dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || err == nil && !fi.IsDir() {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	entries, err := fs.ReadDir(root, dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return entries, nil
}
