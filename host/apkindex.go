package host

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/libvet/libvet/artifact"
	"github.com/libvet/libvet/internal/binio"
)

// apkCacheDirs are where apk keeps the repository indexes it downloads,
// relative to the root: etc/apk/cache when it exists (usually a link to
// var/cache/apk), var/cache/apk otherwise.
var apkCacheDirs = []string{"var/cache/apk", "etc/apk/cache"}

// apkRepositories are the files that list apk's repositories, relative
// to the root: one "[@tag] URL" a line.
var apkRepositories = []string{"etc/apk/repositories"}

// apkRepoURLs maps the hash in the name of a cached index
// (APKINDEX.<hash>.tar.gz) to the repository it was downloaded from: the
// first four bytes of the SHA-1, in hex, of the repository URL as
// etc/apk/repositories writes it (apk-tools 2), or of the index URL
// "URL/ARCH/APKINDEX.tar.gz" (apk-tools 3; ARCH from etc/apk/arch).
func apkRepoURLs(root fs.FS) map[string]string {
	arch := ""
	if b, err := readFileLimit(root, "etc/apk/arch", 256); err == nil {
		arch = strings.TrimSpace(string(b))
	}
	out := map[string]string{}
	hash := func(s string) string {
		sum := sha1.Sum([]byte(s))
		return hex.EncodeToString(sum[:4])
	}
	for _, name := range apkRepositories {
		b, err := readFileLimit(root, name, 1<<20)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || line[0] == '#' {
				continue
			}
			if line[0] == '@' { // a tagged repository: "@testing URL"
				_, line, _ = strings.Cut(line, " ")
				line = strings.TrimSpace(line)
			}
			out[hash(line)] = line
			if arch != "" {
				out[hash(line+"/"+arch+"/APKINDEX.tar.gz")] = line
			}
		}
	}
	return out
}

// Bounds on an APKINDEX.<hash>.tar.gz. Alpine's largest index,
// community's, is a few MiB compressed and a few times that expanded;
// these leave ample room while bounding what a hostile file can cost.
const (
	maxApkIndexFile   = 64 << 20  // compressed
	maxApkIndexMember = 256 << 20 // a member of the tar, as declared
	// maxApkIndexLine bounds a line of the APKINDEX member: long real
	// ones (the D: and p: lines of abseil-cpp-dev) are a few KiB.
	maxApkIndexLine = 1 << 20
	// maxApkDescription is what is read of the DESCRIPTION member
	// ("v3.20.3-180-g5d4c1b0a1e3").
	maxApkDescription = 4 << 10
)

// apkIndexTar is how an APKINDEX.<hash>.tar.gz is read: gzip streams,
// each holding a tar without its end-of-archive blocks (the signature)
// or with them (the index), which decompress to one tar. The expanded
// size is bounded by maxApkIndexMember, the tar headers of a few members
// and artifact's 1 MiB allowance.
var apkIndexTar = cachedIndexTar{
	maxFile:   maxApkIndexFile,
	maxMember: maxApkIndexMember,
	lim:       artifact.Limits{MaxTotalSize: maxApkIndexMember, MaxMembers: 16},
	concat:    true,
	check:     apkCheckADB,
}

// ReadApkIndexes reads the repository indexes that apk keeps in the
// root: the APKINDEX.<hash>.tar.gz files that apk-tools 2 downloads
// (apk update) into var/cache/apk, or into etc/apk/cache when that
// exists; apk --no-cache leaves none. etc/apk/cache is usually a link to
// var/cache/apk: each real file is read once.
//
// It returns the shared libraries that the indexes' packages provide
// (the so: entries of their p: lines, "so:libz.so.1=1.3.1"), those
// whose soname want keeps (all of them when want is nil), sorted by
// soname, bits, name, version, arch and repository; Bits is 0, as apk
// does not say, and Repo is the index's DESCRIPTION with the file name
// in parentheses, after the repository URL when etc/apk/repositories
// lists the one the file name's hash stands for
// ("https://dl-cdn.alpinelinux.org/alpine/v3.20/main v3.20.3-180-g5d4c1b0a1e3 (APKINDEX.2c4ac24e.tar.gz)").
// files are the index files read, relative to the root, sorted, and
// problems, sorted, the errors of those that could not be read
// (corrupt, truncated, too large, an unsupported format, a malformed
// record), one a file, naming it: such a file contributes no
// provisions. A root that
// caches no index has neither files nor problems.
//
// Limitations: the signatures are not verified (these are the root's
// own copies, not downloads). The ADB indexes of apk-tools 3 are
// recognised and reported, not read. A cache directory set elsewhere
// (--cache-dir, apk-tools 3's etc/apk/config) is not looked at;
// etc/apk/repositories.d is not read for repository URLs.
func ReadApkIndexes(root fs.FS, want func(soname string) bool) (provs []Provision, files []string, problems []error) {
	var dirs []string
	var read []fs.FileInfo // for os.SameFile, when links cannot be read
	urls := apkRepoURLs(root)
	for _, d := range apkCacheDirs {
		dir := resolveIn(root, d)
		if slices.Contains(dirs, dir) {
			continue
		}
		dirs = append(dirs, dir)
		entries, err := readCacheDir(root, dir)
		if err != nil {
			problems = append(problems, err)
			continue
		}
	entry:
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !strings.HasPrefix(name, "APKINDEX.") || !strings.HasSuffix(name, ".tar.gz") {
				continue
			}
			file := path.Join(dir, name)
			if fi, err := fs.Stat(root, file); err == nil {
				for _, r := range read {
					if os.SameFile(fi, r) {
						continue entry
					}
				}
				read = append(read, fi)
			}
			files = append(files, file)
			h := strings.TrimSuffix(strings.TrimPrefix(name, "APKINDEX."), ".tar.gz")
			p, err := readApkIndex(root, file, urls[h], want)
			if err != nil {
				problems = append(problems, err)
				continue
			}
			provs = append(provs, p...)
		}
	}
	slices.Sort(files)
	return sortProvisions(provs), files, sortProblems(problems)
}

// apkCheckADB recognises the binary ADB format of apk-tools 3 ("ADB"
// and a compression byte), which libvet does not read.
func apkCheckADB(head []byte) error {
	if bytes.HasPrefix(head, []byte("ADB")) {
		return quietf(artifact.ErrUnsupported, "an apk-tools 3 index (ADB format); libvet reads only the APKINDEX.tar.gz of apk-tools 2")
	}
	return nil
}

// readApkIndex reads one APKINDEX.<hash>.tar.gz, downloaded from the
// repository url ("" when unknown).
func readApkIndex(root fs.FS, file, url string, want func(string) bool) ([]Provision, error) {
	var provs []Provision
	var desc string
	index := false
	budget := keepBudget(maxIndexKeep)
	err := apkIndexTar.walk(root, file, func(name string, r io.Reader) error {
		switch name {
		case "DESCRIPTION":
			b, err := io.ReadAll(io.LimitReader(r, maxApkDescription))
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			desc, _, _ = strings.Cut(string(b), "\n")
			desc = binio.Clip(strings.TrimSpace(desc), 200)
		case "APKINDEX":
			index = true
			return parseApkIndex(r, name, want, &budget, func(p Provision) { provs = append(provs, p) })
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !index {
		return nil, quietf(artifact.ErrCorrupt, "%s: no APKINDEX member in the tar: not an apk repository index", file)
	}
	repo := "(" + path.Base(file) + ")"
	if desc != "" {
		repo = desc + " " + repo
	}
	if url != "" {
		repo = url + " " + repo
	}
	for i := range provs {
		provs[i].Repo = repo
	}
	return provs, nil
}

// parseApkIndex reads the APKINDEX member of an index, named name, and
// calls emit for each so: entry of a p: line that want keeps, charging
// budget for them. Its
// records are those of the installed database without the F: and R:
// lines (parseApkInstalled): P: name, V: version, A: arch, p: provides.
// A record without a P: line is an error, as in the installed database.
func parseApkIndex(r io.Reader, name string, want func(string) bool, budget *keepBudget, emit func(Provision)) error {
	var pkg Package
	var sonames []string
	start := 0 // the line of the record's first field; 0 between records
	finish := func() error {
		if start == 0 {
			return nil
		}
		if pkg.Name == "" {
			return quietf(artifact.ErrCorrupt, "%s:%d: package record without a P: (name) line", name, start)
		}
		if len(sonames) > 0 {
			if err := budget.take(len(pkg.Name) + len(pkg.Version) + len(pkg.Arch)); err != nil {
				return err
			}
		}
		for _, so := range sonames {
			emit(Provision{Soname: so, Package: pkg})
		}
		pkg, sonames, start = Package{}, sonames[:0], 0
		return nil
	}
	lines := newApkLines(r, name, maxApkIndexLine)
	for lines.next() {
		if lines.blank {
			if err := finish(); err != nil {
				return err
			}
			continue
		}
		if start == 0 {
			start, pkg = lines.n, Package{Manager: "apk"}
		}
		switch lines.key {
		case 'P':
			pkg.Name = string(lines.val)
		case 'V':
			pkg.Version = string(lines.val)
		case 'A':
			pkg.Arch = string(lines.val)
		case 'p':
			for f := range bytes.FieldsSeq(lines.val) {
				so, ok := bytes.CutPrefix(f, []byte("so:"))
				if !ok {
					continue
				}
				so, _, _ = bytes.Cut(so, []byte("="))
				if len(so) == 0 || want != nil && !want(string(so)) {
					continue
				}
				if err := budget.take(keepCost + len(so)); err != nil {
					return err
				}
				sonames = append(sonames, string(so))
			}
		}
	}
	if err := lines.err; err != nil {
		if lines.bad {
			err = quietWrap{err, artifact.ErrCorrupt}
		}
		return err
	}
	return finish()
}

// apkLines reads, a line at a time, the text format that apk-tools 2
// writes for its installed database and its repository indexes: records
// separated by blank lines, each line "X:value" (a '\r' before the '\n'
// is dropped). It is shared by parseApkInstalled and parseApkIndex.
type apkLines struct {
	sc      *bufio.Scanner
	src     *readErrTrap
	name    string // the file, for messages
	maxLine int
	n       int    // the current line's number
	blank   bool   // the current line is blank: a record ends
	key     byte   // the current line's field
	val     []byte // and its value, valid until the next call of next
	err     error
	bad     bool // err is about the format, not a read error
}

// newApkLines returns the lines of r, a file named name whose lines are
// at most maxLine bytes long.
func newApkLines(r io.Reader, name string, maxLine int) *apkLines {
	src := &readErrTrap{r: r}
	sc := bufio.NewScanner(src)
	sc.Buffer(make([]byte, 0, min(maxLine, 64<<10)), maxLine)
	return &apkLines{sc: sc, src: src, name: name, maxLine: maxLine}
}

// readErrTrap is r, keeping its first error other than io.EOF: a
// bufio.Scanner returns the partial line before a read error as a line,
// and the error only after it.
type readErrTrap struct {
	r   io.Reader
	err error
}

func (t *readErrTrap) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

// next moves to the next line. It returns false at the end and on an
// error, which l.err then holds: a line longer than the limit, one that
// is neither blank nor "X:value", or a read error.
func (l *apkLines) next() bool {
	if l.err != nil {
		return false
	}
	if !l.sc.Scan() {
		switch err := l.sc.Err(); {
		case errors.Is(err, bufio.ErrTooLong):
			l.err, l.bad = fmt.Errorf("%s:%d: a line longer than %d KiB; is this really an apk index?", l.name, l.n+1, l.maxLine>>10), true
		case err != nil:
			l.err = fmt.Errorf("%s:%d: %w", l.name, l.n+1, err)
		}
		return false
	}
	l.n++
	line := l.sc.Bytes()
	l.blank, l.key, l.val = len(line) == 0, 0, nil
	if l.blank {
		return true
	}
	if len(line) < 2 || line[1] != ':' {
		if l.src.err != nil { // the line was cut short
			l.err = fmt.Errorf("%s:%d: %w", l.name, l.n, l.src.err)
			return false
		}
		l.err, l.bad = fmt.Errorf("%s:%d: %q is not a \"X:value\" line", l.name, l.n, binio.Clip(string(line), 80)), true
		return false
	}
	l.key, l.val = line[0], line[2:]
	return true
}
