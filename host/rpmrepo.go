package host

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"
	"github.com/libvet/libvet/artifact"
	"github.com/libvet/libvet/internal/binio"
	"github.com/libvet/libvet/internal/sqlite"
)

// An rpmRepoCache is a directory where a package manager caches the
// metadata (repodata) of the rpm repositories it uses, relative to the
// root.
type rpmRepoCache struct {
	dir     string
	manager string
	// levels is how many directories below dir a repository's
	// directory is: var/cache/dnf/<repoid>-<hash>,
	// var/cache/yum/<basearch>/<releasever>/<repoid>.
	levels int
	// repodata is true when the repository's directory keeps the
	// metadata in a repodata/ subdirectory, as the repository does;
	// yum keeps the files in the repository's directory itself.
	repodata bool
	// hashed is true when a directory name is "<repoid>-<16 hex digits>".
	hashed bool
}

// rpmRepoCaches are the caches [ReadRpmRepos] reads, in this order.
var rpmRepoCaches = []rpmRepoCache{
	{dir: "var/cache/dnf", manager: "dnf", levels: 1, repodata: true, hashed: true},     // dnf 4
	{dir: "var/cache/libdnf5", manager: "dnf", levels: 1, repodata: true, hashed: true}, // dnf 5 (Fedora 41 and later)
	{dir: "var/cache/yum", manager: "yum", levels: 3},                                   // yum 3 (EL 7)
	{dir: "var/cache/zypp/raw", manager: "zypper", levels: 1, repodata: true},           // zypper
}

// rpmRepoLimits bounds what [ReadRpmRepos] reads of one repository,
// and of all of them.
type rpmRepoLimits struct {
	repomd    int64 // bytes of a repomd.xml
	cached    int64 // bytes of a primary file as cached (compressed or not)
	primary   int64 // bytes of primary.xml once decompressed
	ratio     int64 // decompressed/compressed bytes, past the first MiB
	window    int64 // zstd window or xz dictionary a stream may ask for
	token     int   // bytes of one tag, comment or CDATA section of primary.xml
	text      int   // bytes of a package's name or arch
	keep      int64 // bytes of packages and library provides kept from one primary (see keepBudget)
	keepAll   int64 // the same, from all the primaries read
	dirs      int   // directory entries looked at in one cache's directories
	sqlite    int64 // bytes of a compressed sqlite primary, read into memory
	zckHeader int64 // bytes of a zchunk header
	zckDict   int64 // bytes of a zchunk dictionary, decompressed
}

// defaultRpmRepoLimits fit real repositories with room to spare. Fedora
// 41's Everything repository (about 70,000 packages) has a repomd.xml of
// 7 KiB and a primary.xml of about 300 MiB, cached as 20 MiB of zstd or
// zchunk; its largest tag or description is a few KiB. XML compresses
// about 10:1 with gzip and 20:1 with xz or zstd, far from the 200:1 that
// is taken for a decompression bomb. Reading 4 GiB takes ten seconds or
// so, and memory stays at the buffers plus the packages and provides
// kept: Fedora's few tens of thousands of library provides come to a
// few MiB, far from the 64 MiB kept from one file at most (as from an
// apk or pacman index, maxIndexKeep) or the 128 MiB from all (a system
// has a few repositories, a dozen at most). What is counted is about
// what the provisions take; with the slices' growth and the garbage
// collector's headroom, the memory used may be up to three times that.
// A cache holds a directory or a few files per repository: 10,000
// entries are hundreds of repositories.
var defaultRpmRepoLimits = rpmRepoLimits{
	repomd:    4 << 20,
	cached:    4 << 30,
	primary:   4 << 30,
	ratio:     200,
	window:    128 << 20,
	token:     1 << 20,
	text:      64 << 10,
	keep:      maxIndexKeep,
	keepAll:   2 * maxIndexKeep,
	dirs:      10000,
	sqlite:    1 << 30,
	zckHeader: 64 << 20,
	zckDict:   64 << 20,
}

// rpmRatioAllowance is what any compressed primary may expand to
// whatever its ratio, as with artifact.Decompress: a tiny file may
// compress far better than 200:1.
const rpmRatioAllowance = 1 << 20

// errRpmPrimary is wrapped by the errors that a primary.xml is not
// well-formed or not a primary.xml.
var errRpmPrimary = errors.New("malformed primary.xml")

// ReadRpmRepos reads the rpm repository metadata cached under root by
// dnf 4 (var/cache/dnf/<repoid>-<hash>/repodata), dnf 5
// (var/cache/libdnf5/<repoid>-<hash>/repodata), yum
// (var/cache/yum/<basearch>/<releasever>/<repoid>) and zypper
// (var/cache/zypp/raw/<alias>/repodata): for each repository its
// repomd.xml, then the primary.xml it names, plain or compressed with
// gzip, bzip2, xz, zstd or zchunk. It returns the packages that provide
// a shared library, with the soname and ELF class as rpm's elfdeps
// writes them ("libz.so.1()(64bit)" is libz.so.1 for 64-bit, a bare
// "libz.so.1" for 32-bit; see [SonameCapability]), keeping only the
// sonames for which want returns true (all when want is nil). Manager is
// "dnf", "yum" or "zypper", Repo the repository id (zypper's alias).
// They are sorted by soname, bits, name, version, arch, repo and
// manager, without duplicates.
//
// files are the repomd.xml and primary files read, relative to the root
// and sorted; none when the root caches no rpm repository metadata,
// which is not a problem. problems are the files that could not be read
// whole (corrupt, truncated, over a limit, in a format libvet does not
// read), each error naming its file; the provides read from a file
// before its problem are kept, and the other files still count. A cache
// whose directories hold more than 10,000 entries in all (a link loop,
// a hostile root) is a problem naming the cache directory: the
// repositories found before are read.
//
// A directory, repomd.xml or primary file reached again through a link
// (or a hard link, or a bind mount) is not read again: a repository's
// directory linked under several names is read once, under the first
// name found (by name, real directories before links to directories).
//
// Each primary.xml is read once, streaming, so that memory stays small
// even for Fedora's (about 300 MiB for 70,000 packages): the buffers,
// and the provides kept. A primary may be up to 4 GiB, cached or
// decompressed, and expand at most 200 times past its first MiB (zchunk
// included); the packages and library provides kept from it may take
// 64 MiB at most, and 128 MiB from all the repositories (counted as for
// an apk index, see [ReadApkIndexes]).
//
// yum (EL 7) caches the sqlite primary_db instead: it is read in place
// when yum has decompressed it beside the download, else decompressed
// into memory, up to 1 GiB.
//
// Limitations: dnf's per-user caches (/var/tmp/dnf-<user>-*) and
// zypper's repositories in the older SUSE tags format are not read.
// Checksums in repomd.xml are not verified, so a stale or altered cache
// is read as it is. A bare provide is taken for a 32-bit library only
// when it looks like a soname ("libz.so.1", "libnss3.so": a name ending
// in ".so" or in ".so." and a version), and a 64-bit Alpha library,
// for which elfdeps writes no "(64bit)" marker, is taken for 32-bit.
func ReadRpmRepos(root fs.FS, want func(soname string) bool) (provs []Provision, files []string, problems []error) {
	return readRpmRepos(root, want, defaultRpmRepoLimits)
}

func readRpmRepos(root fs.FS, want func(string) bool, lim rpmRepoLimits) (provs []Provision, files []string, problems []error) {
	mds, primaries := rpmFileSet{}, rpmFileSet{}
	all := keepBudget(lim.keepAll)
	for _, c := range rpmRepoCaches {
		dirs, err := rpmRepoDirs(root, c, lim.dirs)
		if err != nil {
			problems = append(problems, err)
		}
		for _, dir := range dirs {
			r := rpmRepoReader{root: root, cache: c, dir: dir, want: want, lim: lim, mds: mds, primaries: primaries, all: &all}
			r.read()
			provs = append(provs, r.provs...)
			files = append(files, r.files...)
			problems = append(problems, r.problems...)
		}
	}
	provs = sortProvisions(provs)
	slices.Sort(files)
	files = slices.Compact(files)
	return provs, files, problems
}

// An rpmFileSet holds files and directories by identity
// ([os.SameFile]), so that one reached again through a link is known. It
// compares only those of the same modification time and size, which the
// names of one file share. A file system whose FileInfo os.SameFile
// cannot compare (not an [os.DirFS] or [RootFS]) has every file new.
type rpmFileSet map[rpmFileKey][]fs.FileInfo

type rpmFileKey struct{ mod, size int64 }

// add adds fi, reporting whether it was not in s already.
func (s rpmFileSet) add(fi fs.FileInfo) bool {
	k := rpmFileKey{fi.ModTime().UnixNano(), fi.Size()}
	for _, o := range s[k] {
		if os.SameFile(o, fi) {
			return false
		}
	}
	s[k] = append(s[k], fi)
	return true
}

// rpmRepoDirs returns the directories of c that hold a repomd.xml: depth
// first, by name, the real directories of a directory before its links
// to directories. A directory reached again (through a link to a
// directory already walked, a link loop) is not walked again. After
// limit directory entries, the walk stops: the directories found so far
// are returned with an error naming the cache directory.
func rpmRepoDirs(root fs.FS, c rpmRepoCache, limit int) ([]string, error) {
	top, err := fs.Stat(root, c.dir)
	if err != nil || !top.IsDir() {
		return nil, nil
	}
	w := rpmDirWalk{root: root, cache: c, left: limit, visited: rpmFileSet{}}
	w.visited.add(top)
	if err := w.walk(c.dir, 0); err != nil {
		return w.repos, quietf(artifact.ErrTooManyMembers, "%s: more than %d entries in the cache's directories (links in a loop?); the rest are not looked at", c.dir, limit)
	}
	return w.repos, nil
}

// An rpmDirWalk finds the repositories' directories of a cache.
type rpmDirWalk struct {
	root    fs.FS
	cache   rpmRepoCache
	left    int        // directory entries that may still be looked at
	visited rpmFileSet // the directories walked, and the repositories' directories
	repos   []string
}

// errTooManyEntries is the error of listing a directory with more
// entries than are left to look at.
var errTooManyEntries = errors.New("too many directory entries")

// walk walks dir, depth levels below the cache's directory.
func (w *rpmDirWalk) walk(dir string, depth int) error {
	if depth == w.cache.levels {
		if fi, err := fs.Stat(w.root, path.Join(dir, w.cache.mdDir(), "repomd.xml")); err == nil && fi.Mode().IsRegular() {
			w.repos = append(w.repos, dir)
		}
		return nil
	}
	entries, err := readDirMax(w.root, dir, w.left)
	if err == errTooManyEntries {
		return err
	}
	w.left -= len(entries)
	slices.SortStableFunc(entries, func(a, b fs.DirEntry) int {
		return cmp.Compare(a.Type()&fs.ModeSymlink, b.Type()&fs.ModeSymlink)
	})
	for _, e := range entries {
		if t := e.Type(); t != fs.ModeDir && t != fs.ModeSymlink {
			continue
		}
		child := dir + "/" + e.Name()
		if fi, err := fs.Stat(w.root, child); err != nil || !fi.IsDir() || !w.visited.add(fi) {
			continue
		}
		if err := w.walk(child, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// readDirMax returns the entries of the directory dir sorted by name, as
// fs.ReadDir does, but reads no more than limit+1 of them:
// errTooManyEntries when it has more than limit.
func readDirMax(fsys fs.FS, dir string, limit int) ([]fs.DirEntry, error) {
	f, err := fsys.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, ok := f.(fs.ReadDirFile)
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: dir, Err: errors.New("not implemented")}
	}
	var list []fs.DirEntry
	for {
		batch, err := d.ReadDir(min(limit+1-len(list), 1024))
		list = append(list, batch...)
		if len(list) > limit {
			return nil, errTooManyEntries
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(batch) == 0 {
			return nil, io.ErrNoProgress
		}
	}
	slices.SortFunc(list, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return list, nil
}

// mdDir returns the directory of a repository's directory in which c
// keeps the metadata files.
func (c rpmRepoCache) mdDir() string {
	if c.repodata {
		return "repodata"
	}
	return "."
}

// repoID returns the repository id of the directory dir of c.
func (c rpmRepoCache) repoID(dir string) string {
	id := path.Base(dir)
	if !c.hashed {
		return id
	}
	// dnf names the directory "<repoid>-<16 hex digits>", a hash of the
	// repository's URLs.
	i := strings.LastIndexByte(id, '-')
	if i <= 0 || len(id)-i-1 != 16 {
		return id
	}
	for _, b := range []byte(id[i+1:]) {
		if !('0' <= b && b <= '9' || 'a' <= b && b <= 'f') {
			return id
		}
	}
	return id[:i]
}

// An rpmRepoReader reads the metadata of one cached repository.
type rpmRepoReader struct {
	root  fs.FS
	cache rpmRepoCache
	dir   string // the repository's directory, relative to the root
	want  func(string) bool
	lim   rpmRepoLimits
	// The repomd.xml and primary files read, and what all the primaries
	// read may still make libvet keep: shared by the readers of one
	// ReadRpmRepos.
	mds, primaries rpmFileSet
	all            *keepBudget

	provs    []Provision
	files    []string
	problems []error
}

// repomd is what libvet reads of a repomd.xml.
type repomd struct {
	Data []struct {
		Type     string `xml:"type,attr"`
		Location struct {
			Href string `xml:"href,attr"`
		} `xml:"location"`
	} `xml:"data"`
}

// The kinds of primary a repomd.xml may list, in the order libvet takes
// them when several are cached: dnf caches primary_zck instead of primary
// when the repository offers it and zchunk is on (Fedora's default); yum
// caches primary_db, the sqlite database.
var rpmPrimaryTypes = []string{"primary", "primary_zck", "primary_db"}

func (r *rpmRepoReader) read() {
	md := path.Join(r.dir, r.cache.mdDir())
	name := md + "/repomd.xml"
	if fi, err := fs.Stat(r.root, name); err == nil && !r.mds.add(fi) {
		return // a repository's metadata reached again through a link: read once
	}
	data, err := r.readRepomd(name)
	if err != nil {
		r.problems = append(r.problems, fmt.Errorf("%s: %w", name, err))
		return
	}
	r.files = append(r.files, name)
	var m repomd
	if err := xml.Unmarshal(data, &m); err != nil {
		r.problems = append(r.problems, fmt.Errorf("%s: malformed repomd.xml: %w", name, err))
		return
	}
	listed, refused := false, false
	for _, typ := range rpmPrimaryTypes {
		for _, d := range m.Data {
			if d.Type != typ {
				continue
			}
			href := d.Location.Href
			base, ok := rpmRepodataFile(href)
			if !ok {
				r.problems = append(r.problems, fmt.Errorf("%s: the %s location %q is not a file of the repodata directory; not followed", name, typ, href))
				refused = true
				continue
			}
			listed = true
			for _, base := range rpmCachedNames(typ, base) {
				file := md + "/" + base
				fi, err := fs.Stat(r.root, file)
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				if err == nil && !fi.Mode().IsRegular() {
					err = errors.New("not a regular file")
				}
				if err != nil {
					r.problems = append(r.problems, fmt.Errorf("%s: %w", file, unwrapPath(err)))
					return
				}
				if !r.primaries.add(fi) {
					return // read already, as another repository's primary
				}
				r.files = append(r.files, file)
				if *r.all <= 0 {
					r.problems = append(r.problems, quietf(artifact.ErrTooLarge, "%s: not read: the primaries read before it already make libvet keep the %s of packages and library provides it keeps at most from all", file, rpmMiB(r.lim.keepAll)))
					return
				}
				if err := r.readPrimary(file, typ, fi.Size()); err != nil {
					r.problems = append(r.problems, fmt.Errorf("%s: %w", file, err))
				}
				return
			}
		}
	}
	switch {
	case listed:
		r.problems = append(r.problems, fmt.Errorf("%s: the primary metadata it lists is not cached in %s", name, md))
	case !refused:
		r.problems = append(r.problems, fmt.Errorf("%s: lists no primary metadata", name))
	}
}

// rpmCachedNames returns the names under which a file of the kind typ,
// called name in the repository, may be cached: yum decompresses the
// sqlite primary_db ("<hash>-primary.sqlite.bz2") beside the file it
// downloaded ("<hash>-primary.sqlite"), and reads that.
func rpmCachedNames(typ, name string) []string {
	if typ == "primary_db" {
		for _, ext := range []string{".bz2", ".xz", ".gz", ".zst"} {
			if plain, ok := strings.CutSuffix(name, ext); ok && plain != "" {
				return []string{plain, name}
			}
		}
	}
	return []string{name}
}

// readRepomd reads the repomd.xml name, up to the limit.
func (r *rpmRepoReader) readRepomd(name string) ([]byte, error) {
	f, err := r.root.Open(name)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, r.lim.repomd+1))
	if err != nil {
		return nil, unwrapPath(err)
	}
	if int64(len(data)) > r.lim.repomd {
		return nil, quietf(artifact.ErrTooLarge, "more than the %d bytes libvet reads of a repomd.xml", r.lim.repomd)
	}
	return data, nil
}

// unwrapPath returns the cause of a *fs.PathError, whose file name the
// caller says.
func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// rpmRepodataFile returns the name of the file that the location href of
// a repomd.xml names in the repodata directory: "repodata/NAME" or
// "NAME". Anything else, such as "../x" or "/etc/shadow", is refused.
func rpmRepodataFile(href string) (string, bool) {
	name, ok := strings.CutPrefix(href, "repodata/")
	if !ok {
		name = href
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
		return "", false
	}
	return name, true
}

// readPrimary reads the primary file of size bytes, of the kind typ.
func (r *rpmRepoReader) readPrimary(file, typ string, size int64) error {
	if size > r.lim.cached {
		return quietf(artifact.ErrTooLarge, "%d bytes, more than the %d libvet reads of a repository's primary", size, r.lim.cached)
	}
	f, err := r.root.Open(file)
	if err != nil {
		return unwrapPath(err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	magic, _ := br.Peek(16)
	var src io.Reader
	switch {
	case bytes.HasPrefix(magic, []byte(zckMagic)):
		z, err := newZckReader(br, size, r.lim)
		if err != nil {
			return err
		}
		defer z.Close()
		src = z
	case bytes.HasPrefix(magic, []byte(sqliteMagic)):
		return r.readSqlite(f, br, size)
	case typ == "primary_db":
		return r.readSqlite(nil, br, size)
	default:
		d, _, err := artifact.Decompress(br, size, artifact.Limits{
			MaxTotalSize: r.lim.primary,
			MaxMembers:   1, // not a tar: no headers to allow for
			MaxRatio:     r.lim.ratio,
			MaxWindow:    r.lim.window,
		})
		if err != nil {
			return err
		}
		defer d.Close()
		src = d
	}
	s := newPrimaryScanner(src, r.template(), r.want, r.lim)
	s.keep = r.newKeep()
	err = s.run()
	r.provs = append(r.provs, s.provs...)
	return err
}

// template returns the provision that the repository's provisions
// start from.
func (r *rpmRepoReader) template() Provision {
	return Provision{Package: Package{Manager: r.cache.manager}, Repo: r.cache.repoID(r.dir)}
}

// newKeep returns the budget of what a primary of the repository may
// make libvet keep.
func (r *rpmRepoReader) newKeep() rpmKeep {
	return rpmKeep{file: keepBudget(r.lim.keep), all: r.all, lim: r.lim}
}

// An rpmKeep is what the packages and library provides kept from a
// primary may still take, in bytes counted as for an apk index
// (keepCost and the strings, see keepBudget): of the primary's budget
// (rpmRepoLimits.keep), and of that of all the primaries ReadRpmRepos
// reads (rpmRepoLimits.keepAll), when all is set.
type rpmKeep struct {
	file keepBudget
	all  *keepBudget
	lim  rpmRepoLimits
}

// take charges n bytes, failing with an artifact.ErrTooLarge error when
// a budget is spent.
func (k *rpmKeep) take(n int) error {
	if k.file.take(n) != nil {
		return quietf(artifact.ErrTooLarge, "more than %s of packages and library provides to keep from one primary; is this really a repository's metadata?", rpmMiB(k.lim.keep))
	}
	if k.all != nil && k.all.take(n) != nil {
		return quietf(artifact.ErrTooLarge, "more than %s of packages and library provides to keep from all the primaries; the rest are not read", rpmMiB(k.lim.keepAll))
	}
	return nil
}

// rpmMiB returns "n MiB", or "n bytes" when n is not a number of MiB.
func rpmMiB(n int64) string {
	if n > 0 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// sqliteMagic starts a SQLite 3 database file.
const sqliteMagic = "SQLite format 3\x00"

// readSqlite reads a sqlite primary (primary_db) of size bytes: in place
// when f, the plain database file, can be read at any offset, else
// decompressed (or read) from br into memory, up to lim.sqlite bytes.
// The database has the schema of createrepo_c and yum: the table
// provides(name, flags, epoch, version, release, pkgKey) and the table
// packages(pkgKey INTEGER PRIMARY KEY, pkgId, name, arch, version, epoch,
// release, ...), whose columns are found by name in the CREATE TABLE
// statements.
func (r *rpmRepoReader) readSqlite(f fs.File, br *bufio.Reader, size int64) error {
	var ra io.ReaderAt
	if at, ok := f.(io.ReaderAt); ok {
		ra = at // ReadAt does not mind what br has read
	} else {
		var src io.Reader = br
		if f == nil {
			d, _, err := artifact.Decompress(br, size, artifact.Limits{MaxTotalSize: r.lim.sqlite, MaxMembers: 1, MaxRatio: r.lim.ratio, MaxWindow: r.lim.window})
			if err != nil {
				return err
			}
			defer d.Close()
			src = d
		}
		data, err := io.ReadAll(io.LimitReader(src, r.lim.sqlite+1))
		if err != nil {
			return err
		}
		if int64(len(data)) > r.lim.sqlite {
			return quietf(artifact.ErrTooLarge, "a sqlite primary of more than %d bytes, the most libvet reads into memory", r.lim.sqlite)
		}
		if !bytes.HasPrefix(data, []byte(sqliteMagic)) {
			return errors.New("the primary_db is not a sqlite database")
		}
		ra, size = bytes.NewReader(data), int64(len(data))
	}
	db, err := sqlite.Open(ra, size)
	if err != nil {
		return err
	}
	schema, err := db.Schema()
	if err != nil {
		return err
	}
	cols := func(table string, names ...string) ([]int, error) {
		for _, o := range schema {
			if o.Type == "table" && strings.EqualFold(o.Name, table) {
				return sqliteColumns(o.SQL, names)
			}
		}
		return nil, fmt.Errorf("no %s table: not a primary_db", table)
	}
	pc, err := cols("provides", "name", "pkgKey")
	if err != nil {
		return err
	}
	// The wanted library provides, by package, each charged once to keep
	// (for its entries in pend and seen, then its provision).
	keep := r.newKeep()
	type keyProvide struct {
		key int64
		sb  sonameBits
	}
	pend := map[int64][]sonameBits{}
	seen := map[keyProvide]bool{}
	err = db.Scan("provides", func(_ int64, v []any) error {
		name, _ := sqliteValue(v, pc[0]).(string)
		key, ok := sqliteValue(v, pc[1]).(int64)
		so, bits, isLib := rpmSonameProvide([]byte(name))
		if !ok || !isLib {
			return nil
		}
		soname := string(so)
		kp := keyProvide{key, sonameBits{soname, bits}}
		if r.want != nil && !r.want(soname) || seen[kp] {
			return nil
		}
		if err := keep.take(keepCost + len(soname)); err != nil {
			return err
		}
		seen[kp] = true
		pend[key] = append(pend[key], kp.sb)
		return nil
	})
	if err != nil || len(pend) == 0 {
		return err
	}
	kc, err := cols("packages", "pkgKey", "name", "arch", "version", "epoch", "release")
	if err != nil {
		return err
	}
	tmpl := r.template()
	return db.Scan("packages", func(rowid int64, v []any) error {
		key, ok := sqliteValue(v, kc[0]).(int64)
		if !ok {
			key = rowid // pkgKey is the rowid, stored as NULL
		}
		sbs := pend[key]
		if len(sbs) == 0 {
			return nil
		}
		delete(pend, key) // a pkgKey given to several packages counts once
		str := func(i int) []byte { s, _ := sqliteValue(v, kc[i]).(string); return []byte(s) }
		name, arch, epoch, ver, rel := str(1), str(2), str(4), str(3), str(5)
		if err := keep.take(len(name) + len(arch) + len(epoch) + len(ver) + len(rel) + 2); err != nil {
			return err
		}
		p := tmpl
		p.Name, p.Arch = string(name), string(arch)
		p.Version = rpmEVR(epoch, ver, rel)
		for _, sb := range sbs {
			p.Soname, p.Bits = sb.soname, sb.bits
			r.provs = append(r.provs, p)
		}
		return nil
	})
}

// sqliteValue returns v[i], or nil when the row has no such column.
func sqliteValue(v []any, i int) any {
	if i < len(v) {
		return v[i]
	}
	return nil
}

// sqliteColumns returns the positions of the named columns in the
// CREATE TABLE statement sql ("CREATE TABLE provides ( name TEXT, flags
// TEXT, ..., pkgKey INTEGER )"), compared without regard to case.
func sqliteColumns(sql string, names []string) ([]int, error) {
	open, end := strings.IndexByte(sql, '('), strings.LastIndexByte(sql, ')')
	if open < 0 || end < open {
		return nil, fmt.Errorf("cannot read the columns of %q", binio.Clip(sql, 60))
	}
	var defs []string
	for d := range strings.SplitSeq(sql[open+1:end], ",") {
		f := strings.Fields(d)
		if len(f) == 0 {
			return nil, fmt.Errorf("cannot read the columns of %q", binio.Clip(sql, 60))
		}
		defs = append(defs, strings.Trim(f[0], "\"`[]'"))
	}
	pos := make([]int, len(names))
	for i, n := range names {
		pos[i] = slices.IndexFunc(defs, func(d string) bool { return strings.EqualFold(d, n) })
		if pos[i] < 0 {
			return nil, fmt.Errorf("no column %s in %q: not a primary_db", n, binio.Clip(sql, 60))
		}
	}
	return pos, nil
}

// rpmSonameProvide returns the soname and ELF class of a library
// provide as rpm's elfdeps writes it: "libz.so.1()(64bit)" for a 64-bit
// library, the bare soname "libz.so.1" for a 32-bit one. A bare name is
// taken only when it looks like a soname (see [sonameShaped]), as
// packages provide many other bare names ("zlib", "webclient"). Symbol
// versions ("libc.so.6(GLIBC_2.34)(64bit)", "libc.so.6(GLIBC_2.0)") and
// everything else with parentheses are not library provides. It is the
// inverse of [SonameCapability] with no version.
func rpmSonameProvide(name []byte) (soname []byte, bits int, ok bool) {
	if s, ok := bytes.CutSuffix(name, []byte("()(64bit)")); ok {
		if len(s) == 0 || bytes.ContainsAny(s, "() \t\r\n/") {
			return nil, 0, false
		}
		return s, 64, true
	}
	if sonameShaped(name) {
		return name, 32, true
	}
	return nil, 0, false
}

// The kinds of element of a primary.xml that the scanner looks at.
type rpmElem uint8

const (
	elOther rpmElem = iota
	elMetadata
	elPackage
	elName
	elArch
	elVersion
	elFormat
	elProvides
	elEntry
)

// rpmElemKind classifies an element by its local name.
func rpmElemKind(local []byte) rpmElem {
	switch string(local) {
	case "metadata":
		return elMetadata
	case "package":
		return elPackage
	case "name":
		return elName
	case "arch":
		return elArch
	case "version":
		return elVersion
	case "format":
		return elFormat
	case "provides":
		return elProvides
	case "entry":
		return elEntry
	}
	return elOther
}

// xmlLocal returns the local part of a qualified XML name as
// encoding/xml splits it: what follows the colon of "prefix:local", the
// whole name when it has no colon or an empty side.
func xmlLocal(q []byte) []byte {
	i := bytes.IndexByte(q, ':')
	if i <= 0 || i == len(q)-1 {
		return q
	}
	return q[i+1:]
}

// maxRpmXMLDepth bounds the nesting of elements; a primary.xml nests
// four deep (metadata, package, format, rpm:provides, rpm:entry).
const maxRpmXMLDepth = 256

// A primaryScanner reads the library provides of a primary.xml stream:
// per <package type="rpm">, its <name>, <arch>, <version epoch= ver=
// rel=> and the name of each <rpm:entry> of its <format><rpm:provides>.
// It is a streaming byte scanner, not an XML parser: it finds the markup
// (tags, comments, CDATA sections, processing instructions and
// declarations), checks that tags nest and match and that the document is
// a <metadata>, decodes the entities and character references of the
// values it keeps, and skips the rest (descriptions, file lists,
// requires) without copying them. Attribute values may be quoted with '
// or " and come in any order; elements are matched by their local name,
// whatever their namespace prefix. It holds one buffer, at most
// rpmRepoLimits.token bytes, whatever the size of the stream.
//
// Limitations: it does not check all that an XML parser does (the
// characters of names and text, the attributes of the tags it skips, the
// encoding the XML declaration names: the stream is taken for UTF-8), so
// it reads some documents that are not well-formed. Where encoding/xml
// reads a document, the scanner finds the same provides (FuzzRpmPrimary
// checks it).
type primaryScanner struct {
	r    io.Reader
	buf  []byte
	pos  int   // next byte to scan in buf
	end  int   // end of the data in buf
	off  int64 // stream offset of buf[0]
	eof  bool
	rerr error // a read error, returned once the bytes read with it are scanned
	want func(string) bool
	lim  rpmRepoLimits

	stack []rpmOpen // open elements
	root  bool      // whether the <metadata> root element was seen

	// The package being read.
	inPkg           bool
	rpmPkg          bool
	start           int64 // stream offset of its start tag
	name, arch      []byte
	epoch, ver, rel []byte
	pend            []sonameBits
	pendSet         map[sonameBits]bool // pend, once it is long
	capture         *[]byte             // name or arch while inside it
	raw             []byte              // a text run being captured, not yet decoded
	scratch         []byte
	packages        int // <package> elements seen

	tmpl  Provision
	provs []Provision
	keep  rpmKeep // what provs may still take
}

type rpmOpen struct {
	qname []byte // reused between elements of the same depth
	kind  rpmElem
}

type sonameBits struct {
	soname string
	bits   int
}

// newPrimaryScanner returns a scanner of r whose provisions start from
// tmpl. Its keep budget is lim.keep, of the stream alone: the caller may
// set keep to one shared with other streams (rpmRepoReader.newKeep).
func newPrimaryScanner(r io.Reader, tmpl Provision, want func(string) bool, lim rpmRepoLimits) *primaryScanner {
	return &primaryScanner{r: r, buf: make([]byte, min(64<<10, lim.token)), want: want, lim: lim, tmpl: tmpl,
		keep: rpmKeep{file: keepBudget(lim.keep), lim: lim}}
}

// errf returns an error wrapping errRpmPrimary, at the stream offset of
// buf[at].
func (s *primaryScanner) errf(at int, format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", errRpmPrimary, s.off+int64(at), fmt.Sprintf(format, args...))
}

// limitf returns an error wrapping artifact.ErrTooLarge, at the stream
// offset of buf[at]: a limit of [rpmRepoLimits] was reached.
func (s *primaryScanner) limitf(at int, format string, args ...any) error {
	return quietf(artifact.ErrTooLarge, "at byte %d: %s", s.off+int64(at), fmt.Sprintf(format, args...))
}

// take charges n bytes to the keep budget; over it, the error is at the
// stream offset off.
func (s *primaryScanner) take(off int64, n int) error {
	if err := s.keep.take(n); err != nil {
		return fmt.Errorf("at byte %d: %w", off, err)
	}
	return nil
}

// more reads more of the stream into buf, keeping buf[pos:end]. It
// returns false at the end of the stream or on a read error (err).
func (s *primaryScanner) more() (bool, error) {
	if s.rerr != nil {
		return false, s.rerr
	}
	if s.eof {
		return false, nil
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.off += int64(s.pos)
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= s.lim.token {
			return false, s.limitf(s.pos, "a tag, comment or CDATA section of more than %d bytes (starting %q)", s.lim.token, binio.Clip(string(s.buf[s.pos:s.end]), 40))
		}
		nb := make([]byte, min(2*len(s.buf), s.lim.token))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	// Read a good amount before the caller scans again: a decompressor
	// that returns a byte at a time (a gzip stream of one-byte stored
	// blocks) would otherwise make every rescan of an unfinished tag
	// cost its whole length, quadratic in it.
	want, got := min(scanChunk, len(s.buf)-s.end), 0
	for idle := 0; idle < 100; {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		got += n
		if n == 0 {
			idle++
		}
		if err == io.EOF {
			s.eof = true
			return got > 0, nil
		}
		if err != nil {
			s.rerr = err
			if got > 0 {
				return true, nil
			}
			return false, err
		}
		if got >= want {
			return true, nil
		}
	}
	if got > 0 {
		return true, nil
	}
	return false, io.ErrNoProgress
}

// scanChunk is the least that primaryScanner.more reads before the scan
// goes on, when the buffer has room for it.
const scanChunk = 32 << 10

// run scans the whole stream, collecting provisions in s.provs.
func (s *primaryScanner) run() error {
	// A UTF-8 byte order mark may start the stream.
	if err := s.ensure(3); err != nil {
		return err
	}
	if s.off == 0 && bytes.HasPrefix(s.buf[s.pos:s.end], []byte(utf8BOM)) {
		s.pos += len(utf8BOM)
	}
	for {
		i := bytes.IndexByte(s.buf[s.pos:s.end], '<')
		if i < 0 {
			if err := s.text(s.buf[s.pos:s.end]); err != nil {
				return err
			}
			s.pos = s.end
			ok, err := s.more()
			if err != nil {
				return err
			}
			if !ok {
				return s.finish()
			}
			continue
		}
		if err := s.text(s.buf[s.pos : s.pos+i]); err != nil {
			return err
		}
		s.pos += i
		if err := s.endText(); err != nil {
			return err
		}
		if err := s.markup(); err != nil {
			return err
		}
	}
}

// finish checks the state at the end of the stream.
func (s *primaryScanner) finish() error {
	if err := s.endText(); err != nil {
		return err
	}
	if len(s.stack) > 0 {
		return fmt.Errorf("%w: the stream ends inside <%s> after %d packages: truncated", errRpmPrimary, s.stack[len(s.stack)-1].qname, s.packages)
	}
	if !s.root {
		return fmt.Errorf("%w: no <metadata> element: not a primary.xml", errRpmPrimary)
	}
	return nil
}

// utf8BOM is the byte order mark, in UTF-8.
const utf8BOM = "\uFEFF"

// text handles character data outside markup, b at buf[pos:].
//
// Before the root element (in the prolog, where XML allows only white
// space between the declaration, comments, processing instructions and
// the DOCTYPE) anything else is an error at once: a file that is not a
// primary.xml fails at its first bytes, not at its end. A NUL byte, which
// XML allows nowhere, is an error too: the holes of a sparse file, or a
// zeroed one, read as NUL bytes, and would otherwise be scanned whole.
func (s *primaryScanner) text(b []byte) error {
	if !s.root { // and so no element is open
		for i, c := range b {
			if !isXMLSpace(c) {
				return s.errf(s.pos+i, "%q before the root element: not a primary.xml", binio.Clip(string(b[i:min(len(b), i+40)]), 20))
			}
		}
		return nil
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return s.errf(s.pos+i, "a NUL byte, which XML does not allow (a sparse or zeroed file?)")
	}
	if s.capture == nil || len(b) == 0 {
		return nil
	}
	if len(s.raw)+len(b) > s.lim.text {
		return s.limitf(s.pos, "a package's <%s> of more than %d bytes", s.stack[len(s.stack)-1].qname, s.lim.text)
	}
	s.raw = append(s.raw, b...)
	return nil
}

// endText decodes the text run being captured into the field it belongs
// to.
func (s *primaryScanner) endText() error {
	if s.capture == nil || len(s.raw) == 0 {
		return nil
	}
	var err error
	*s.capture, err = xmlUnescape(*s.capture, s.raw)
	s.raw = s.raw[:0]
	if err != nil {
		return s.errf(s.pos, "%v", err)
	}
	if len(*s.capture) > s.lim.text {
		return s.limitf(s.pos, "a package's <%s> of more than %d bytes", s.stack[len(s.stack)-1].qname, s.lim.text)
	}
	return nil
}

// token returns the length of the markup at buf[pos:] that ends with
// term, reading more of the stream as needed; from is where to start
// looking for term. With quotes, the markup is a declaration, whose end
// declEnd finds.
func (s *primaryScanner) token(from int, term string, what string, quotes bool) (int, error) {
	for {
		b := s.buf[s.pos:s.end]
		if n := s.find(b, from, term, quotes); n >= 0 {
			return n, nil
		}
		ok, err := s.more()
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, fmt.Errorf("%w: the stream ends inside %s after %d packages: truncated", errRpmPrimary, what, s.packages)
		}
	}
}

// find returns the length of b[:end of term] when term occurs in b at or
// after from, -1 otherwise; with quotes, that of the declaration b
// (declEnd).
func (s *primaryScanner) find(b []byte, from int, term string, quotes bool) int {
	if from > len(b) {
		return -1
	}
	if !quotes {
		i := bytes.Index(b[from:], []byte(term))
		if i < 0 {
			return -1
		}
		return from + i + len(term)
	}
	return declEnd(b)
}

// declEnd returns the length of the declaration at the start of b
// ("<!DOCTYPE ...>"), up to and including its '>', -1 when b does not
// hold its end. It ends where encoding/xml ends a directive: at a '>'
// outside quotes and outside the '<' '>' pairs it holds (the markup
// declarations of a DOCTYPE's internal subset), the comments it holds
// skipped, the byte after "<!" taken as it is.
func declEnd(b []byte) int {
	quote, depth := byte(0), 0
	for i := 3; i < len(b); i++ {
		switch c := b[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			if depth == 0 {
				return i + 1
			}
			depth--
		case c == '<':
			if i+4 > len(b) {
				return -1
			}
			if string(b[i+1:i+4]) != "!--" {
				depth++
				continue
			}
			j := bytes.Index(b[i+4:], []byte("-->"))
			if j < 0 {
				return -1
			}
			i += 4 + j + 2
		}
	}
	return -1
}

// tagEnd returns the length of the tag at buf[pos:], up to and including
// its '>', reading more of the stream as needed. Quoted values are
// skipped: they may hold a '>'.
func (s *primaryScanner) tagEnd() (int, error) {
	for {
		if n := quotedEnd(s.buf[s.pos:s.end]); n >= 0 {
			return n, nil
		}
		ok, err := s.more()
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, fmt.Errorf("%w: the stream ends inside a tag after %d packages: truncated", errRpmPrimary, s.packages)
		}
	}
}

// quotedEnd returns the length of b up to and including the first '>'
// outside quotes, -1 when there is none.
func quotedEnd(b []byte) int {
	i := 0
	for {
		j := bytes.IndexByte(b[i:], '>')
		if j < 0 {
			return -1
		}
		seg := b[i : i+j]
		q := bytes.IndexByte(seg, '"')
		if a := bytes.IndexByte(seg, '\''); a >= 0 && (q < 0 || a < q) {
			q = a
		}
		if q < 0 {
			return i + j + 1
		}
		k := bytes.IndexByte(b[i+q+1:], seg[q])
		if k < 0 {
			return -1
		}
		i += q + 2 + k
	}
}

// ensure reads until buf[pos:] holds n bytes or the stream ends.
func (s *primaryScanner) ensure(n int) error {
	for s.end-s.pos < n {
		ok, err := s.more()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
	}
	return nil
}

// markup handles the markup at buf[pos] == '<'.
func (s *primaryScanner) markup() error {
	if err := s.ensure(9); err != nil {
		return err
	}
	b := s.buf[s.pos:s.end]
	switch {
	case bytes.HasPrefix(b, []byte("<?")):
		n, err := s.token(2, "?>", "a processing instruction", false)
		s.pos += n
		return err
	case bytes.HasPrefix(b, []byte("<!--")):
		n, err := s.token(4, "-->", "a comment", false)
		s.pos += n
		return err
	case bytes.HasPrefix(b, []byte("<![CDATA[")):
		if !s.root {
			return s.errf(s.pos, "a CDATA section before the root element: not a primary.xml")
		}
		n, err := s.token(9, "]]>", "a CDATA section", false)
		if err != nil {
			return err
		}
		if s.capture != nil {
			data := s.buf[s.pos+9 : s.pos+n-3]
			if len(*s.capture)+len(data) > s.lim.text {
				return s.limitf(s.pos, "a package's <%s> of more than %d bytes", s.stack[len(s.stack)-1].qname, s.lim.text)
			}
			*s.capture = append(*s.capture, crlf(data, &s.scratch)...)
		}
		s.pos += n
		return nil
	case bytes.HasPrefix(b, []byte("<!")):
		n, err := s.token(2, ">", "a declaration", true)
		s.pos += n
		return err
	case bytes.HasPrefix(b, []byte("</")):
		n, err := s.token(2, ">", "an end tag", false)
		if err != nil {
			return err
		}
		err = s.endTag(s.buf[s.pos : s.pos+n])
		s.pos += n
		return err
	}
	n, err := s.tagEnd()
	if err != nil {
		return err
	}
	err = s.startTag(s.buf[s.pos : s.pos+n])
	s.pos += n
	return err
}

// isXMLSpace reports whether c is XML white space.
func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// tagName returns the name at the start of b, up to white space, '/' or
// '>'.
func tagName(b []byte) []byte {
	for i, c := range b {
		if isXMLSpace(c) || c == '/' || c == '>' {
			return b[:i]
		}
	}
	return b
}

// endTag handles the end tag tok ("</name>").
func (s *primaryScanner) endTag(tok []byte) error {
	q := tagName(tok[2:])
	if rest := skipXMLSpace(tok[2+len(q) : len(tok)-1]); len(q) == 0 || len(rest) > 0 {
		return s.errf(s.pos, "malformed end tag %q", binio.Clip(string(tok), 40))
	}
	if len(s.stack) == 0 {
		return s.errf(s.pos, "end tag </%s> without a start tag", q)
	}
	top := s.stack[len(s.stack)-1]
	if !bytes.Equal(top.qname, q) {
		return s.errf(s.pos, "<%s> closed by </%s>", top.qname, q)
	}
	s.stack = s.stack[:len(s.stack)-1]
	if f := s.field(top.kind); f != nil {
		*f = trimXMLSpace(*f)
	}
	s.capture = nil
	if len(s.stack) > 0 {
		s.capture = s.field(s.stack[len(s.stack)-1].kind)
	}
	if top.kind == elPackage && s.inPkg && len(s.stack) == 1 {
		return s.endPackage()
	}
	return nil
}

// skipXMLSpace returns b without its leading XML white space.
func skipXMLSpace(b []byte) []byte {
	for len(b) > 0 && isXMLSpace(b[0]) {
		b = b[1:]
	}
	return b
}

// trimXMLSpace trims XML white space from both ends of b.
func trimXMLSpace(b []byte) []byte { return bytes.Trim(b, " \t\r\n") }

// startTag handles the start or empty-element tag tok.
func (s *primaryScanner) startTag(tok []byte) error {
	q := tagName(tok[1:])
	if len(q) == 0 {
		return s.errf(s.pos, "'<' not followed by a name: %q", binio.Clip(string(tok), 40))
	}
	empty := tok[len(tok)-2] == '/'
	attrs := tok[1+len(q) : len(tok)-1]
	if empty {
		attrs = attrs[:len(attrs)-1]
	}
	kind := rpmElemKind(xmlLocal(q))
	parent := elOther
	if len(s.stack) > 0 {
		parent = s.stack[len(s.stack)-1].kind
	} else if kind != elMetadata {
		return fmt.Errorf("%w: the root element is <%s>, not <metadata>: not a primary.xml", errRpmPrimary, binio.Clip(string(q), 40))
	}
	// The context that gives an element its meaning.
	switch {
	case len(s.stack) == 0:
		s.root = true
	case kind == elPackage && parent == elMetadata && len(s.stack) == 1:
		if err := s.startPackage(attrs); err != nil {
			return err
		}
		if empty {
			return s.endPackage()
		}
	case !s.inPkg || len(s.stack) < 2:
		kind = elOther
	case (kind == elName || kind == elArch) && parent == elPackage && len(s.stack) == 2:
		// The last <name> counts, as with encoding/xml.
		f := s.field(kind)
		*f = (*f)[:0]
	case kind == elVersion && parent == elPackage && len(s.stack) == 2:
		if err := s.version(attrs); err != nil {
			return err
		}
	case kind == elFormat && parent == elPackage && len(s.stack) == 2,
		kind == elProvides && parent == elFormat && len(s.stack) == 3:
	case kind == elEntry && parent == elProvides && len(s.stack) == 4:
		if err := s.entry(attrs); err != nil {
			return err
		}
	default:
		kind = elOther
	}
	if empty {
		return nil
	}
	if len(s.stack) >= maxRpmXMLDepth {
		return s.limitf(s.pos, "elements nested more than %d deep", maxRpmXMLDepth)
	}
	if len(s.stack) < cap(s.stack) {
		s.stack = s.stack[:len(s.stack)+1]
		top := &s.stack[len(s.stack)-1]
		top.qname = append(top.qname[:0], q...)
		top.kind = kind
	} else {
		s.stack = append(s.stack, rpmOpen{qname: slices.Clone(q), kind: kind})
	}
	s.capture = s.field(kind)
	return nil
}

// field returns the field that the text directly inside an element of
// kind goes to: the package's name or arch, or nil.
func (s *primaryScanner) field(kind rpmElem) *[]byte {
	switch kind {
	case elName:
		return &s.name
	case elArch:
		return &s.arch
	}
	return nil
}

// startPackage begins a <package> with the attributes attrs.
func (s *primaryScanner) startPackage(attrs []byte) error {
	s.inPkg, s.rpmPkg = true, false
	s.start = s.off + int64(s.pos)
	s.name, s.arch, s.epoch, s.ver, s.rel = s.name[:0], s.arch[:0], s.epoch[:0], s.ver[:0], s.rel[:0]
	s.pend, s.pendSet = s.pend[:0], nil
	s.packages++
	return s.attrs(attrs, "package", func(name, val []byte) error {
		if string(name) == "type" {
			s.rpmPkg = string(val) == "rpm"
		}
		return nil
	})
}

// version reads the attributes of a package's <version>.
func (s *primaryScanner) version(attrs []byte) error {
	return s.attrs(attrs, "version", func(name, val []byte) error {
		switch string(name) {
		case "epoch":
			s.epoch = append(s.epoch[:0], val...)
		case "ver":
			s.ver = append(s.ver[:0], val...)
		case "rel":
			s.rel = append(s.rel[:0], val...)
		}
		return nil
	})
}

// entry reads a provide.
func (s *primaryScanner) entry(attrs []byte) error {
	return s.attrs(attrs, "rpm:entry", func(name, val []byte) error {
		if string(name) != "name" || !s.rpmPkg {
			return nil
		}
		so, bits, ok := rpmSonameProvide(val)
		if !ok {
			return nil
		}
		soname := string(so)
		if s.want != nil && !s.want(soname) {
			return nil
		}
		sb := sonameBits{soname, bits}
		if s.pendSet != nil && s.pendSet[sb] || s.pendSet == nil && slices.Contains(s.pend, sb) {
			return nil
		}
		if err := s.take(s.off+int64(s.pos), keepCost+len(soname)); err != nil {
			return err
		}
		s.pend = append(s.pend, sb)
		switch {
		case s.pendSet != nil:
			s.pendSet[sb] = true
		case len(s.pend) > maxPendList:
			// A package with very many provides: a set, not a search of
			// the list for each.
			s.pendSet = make(map[sonameBits]bool, 2*len(s.pend))
			for _, p := range s.pend {
				s.pendSet[p] = true
			}
		}
		return nil
	})
}

// maxPendList is the number of library provides of a package that are
// looked for in the list pend, past which a set is made: packages have
// a few (glibc a dozen), while a hostile primary could give one a
// million, to be compared with each other.
const maxPendList = 32

// endPackage ends a package, keeping its library provides.
func (s *primaryScanner) endPackage() error {
	s.inPkg = false
	s.capture = nil
	if !s.rpmPkg {
		return nil
	}
	if len(s.name) == 0 {
		return fmt.Errorf("%w at byte %d: a <package> without a <name>", errRpmPrimary, s.start)
	}
	if len(s.pend) == 0 {
		return nil
	}
	if err := s.take(s.start, len(s.name)+len(s.arch)+len(s.epoch)+len(s.ver)+len(s.rel)+2); err != nil {
		return err
	}
	p := s.tmpl
	p.Name = string(s.name)
	p.Arch = string(s.arch)
	p.Version = rpmEVR(s.epoch, s.ver, s.rel)
	for _, sb := range s.pend {
		p.Soname, p.Bits = sb.soname, sb.bits
		s.provs = append(s.provs, p)
	}
	return nil
}

// rpmEVR returns "epoch:version-release", without the epoch when it is
// 0 or empty and without the release when it is empty.
func rpmEVR(epoch, ver, rel []byte) string {
	var b strings.Builder
	if len(epoch) > 0 && string(epoch) != "0" {
		b.Write(epoch)
		b.WriteByte(':')
	}
	b.Write(ver)
	if len(rel) > 0 {
		b.WriteByte('-')
		b.Write(rel)
	}
	return b.String()
}

// attrs calls fn with the local name and the decoded value of each
// attribute in b, the part of a tag after its name.
func (s *primaryScanner) attrs(b []byte, elem string, fn func(name, val []byte) error) error {
	for {
		b = skipXMLSpace(b)
		if len(b) == 0 {
			return nil
		}
		// The name, up to white space or '='.
		i := 0
		for i < len(b) && b[i] != '=' && !isXMLSpace(b[i]) {
			switch b[i] {
			case '"', '\'', '<', '>', '/':
				return s.errf(s.pos, "malformed attributes in <%s>: %q", elem, binio.Clip(string(b), 40))
			}
			i++
		}
		name := b[:i]
		b = skipXMLSpace(b[i:])
		if len(name) == 0 || len(b) == 0 || b[0] != '=' {
			return s.errf(s.pos, "malformed attributes in <%s>: %q", elem, binio.Clip(string(b), 40))
		}
		b = skipXMLSpace(b[1:])
		if len(b) == 0 || b[0] != '"' && b[0] != '\'' {
			return s.errf(s.pos, "unquoted value of %s in <%s>", name, elem)
		}
		j := bytes.IndexByte(b[1:], b[0])
		if j < 0 {
			return s.errf(s.pos, "unterminated value of %s in <%s>", name, elem)
		}
		raw := b[1 : 1+j]
		b = b[2+j:]
		val := raw
		if bytes.IndexByte(raw, '&') >= 0 || bytes.IndexByte(raw, '\r') >= 0 {
			var err error
			s.scratch, err = xmlUnescape(s.scratch[:0], raw)
			if err != nil {
				return s.errf(s.pos, "in the value of %s in <%s>: %v", name, elem, err)
			}
			val = s.scratch
		}
		if err := fn(xmlLocal(name), val); err != nil {
			return err
		}
	}
}

// xmlUnescape appends to dst the text b with its entity and character
// references decoded and its line ends normalised to "\n", as XML
// parsers do. An unknown entity or an invalid reference is an error.
func xmlUnescape(dst, b []byte) ([]byte, error) {
	for len(b) > 0 {
		i := bytes.IndexAny(b, "&\r")
		if i < 0 {
			return append(dst, b...), nil
		}
		dst = append(dst, b[:i]...)
		b = b[i:]
		if b[0] == '\r' {
			dst = append(dst, '\n')
			b = b[1:]
			if len(b) > 0 && b[0] == '\n' {
				b = b[1:]
			}
			continue
		}
		j := bytes.IndexByte(b, ';')
		if j < 0 {
			return dst, fmt.Errorf("unterminated entity reference %q", binio.Clip(string(b), 12))
		}
		ref := b[1:j]
		b = b[j+1:]
		switch string(ref) {
		case "amp":
			dst = append(dst, '&')
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "apos":
			dst = append(dst, '\'')
		case "quot":
			dst = append(dst, '"')
		default:
			r, ok := xmlCharRef(ref)
			if !ok {
				return dst, fmt.Errorf("unknown entity or invalid character reference &%s;", binio.Clip(string(ref), 12))
			}
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst, nil
}

// xmlCharRef decodes the character reference "#N" or "#xH" (without its
// & and ;) as encoding/xml does: a surrogate becomes U+FFFD, and the
// character must be one XML allows.
func xmlCharRef(ref []byte) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	digits, base := ref[1:], rune(10)
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return 0, false
	}
	var r rune
	for _, c := range digits {
		var d rune
		switch {
		case '0' <= c && c <= '9':
			d = rune(c - '0')
		case base == 16 && 'a' <= c && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && 'A' <= c && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, false
		}
		if r = r*base + d; r > utf8.MaxRune {
			return 0, false
		}
	}
	if 0xD800 <= r && r <= 0xDFFF {
		r = utf8.RuneError
	}
	// XML's Char production.
	ok := r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
	return r, ok
}

// crlf returns b with its line ends normalised to "\n", in *scratch when
// it has to change.
func crlf(b []byte, scratch *[]byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	out := (*scratch)[:0]
	for i := 0; i < len(b); i++ {
		if b[i] == '\r' {
			out = append(out, '\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
			continue
		}
		out = append(out, b[i])
	}
	*scratch = out
	return out
}

// zckMagic starts a zchunk file.
const zckMagic = "\x00ZCK1"

// A zckReader is the decompressed content of a zchunk file: what dnf
// caches of a repository's primary_zck (Fedora's repositories offer
// their metadata as zchunk, so that dnf downloads only the chunks that
// changed). The file is a lead and a header, whose index gives the
// compressed and decompressed length of each chunk, then an optional
// zstd dictionary and the chunks, each a zstd frame compressed with the
// dictionary (or stored). The index bounds what the chunks may expand
// to.
//
// Limitations: chunk checksums are not verified; files with data streams
// (a zchunk feature repositories do not use) are refused.
type zckReader struct {
	src    io.Reader
	zd     *zstd.Decoder
	n, max int64 // decompressed bytes returned, and what the index says
}

// zckDigestSize returns the size of a digest of the zchunk checksum type
// t: SHA-1, SHA-256, SHA-512, SHA-512/128.
func zckDigestSize(t uint64) (int, bool) {
	switch t {
	case 0:
		return 20, true
	case 1:
		return 32, true
	case 2:
		return 64, true
	case 3:
		return 16, true
	}
	return 0, false
}

// zckInt reads a zchunk compressed integer: 7 bits a byte, least
// significant first, the last byte's top bit set.
func zckInt(b []byte) (uint64, []byte, bool) {
	var v uint64
	for i, c := range b {
		if i == 9 {
			break
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 != 0 {
			return v, b[i+1:], true
		}
	}
	return 0, nil, false
}

// newZckReader reads the lead and header of the zchunk file br, of size
// bytes, and returns its decompressed content.
func newZckReader(br *bufio.Reader, size int64, lim rpmRepoLimits) (*zckReader, error) {
	corrupt := func(what string) error { return quietf(artifact.ErrCorrupt, "zchunk: %s", what) }
	lead, err := br.Peek(5 + 2*10)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	if !bytes.HasPrefix(lead, []byte(zckMagic)) {
		return nil, corrupt("not a zchunk file (no ZCK1 lead)")
	}
	b := lead[5:]
	htype, b, ok := zckInt(b)
	if !ok {
		return nil, corrupt("malformed lead")
	}
	dsize, ok := zckDigestSize(htype)
	if !ok {
		return nil, corrupt(fmt.Sprintf("unknown checksum type %d", htype))
	}
	hlen, b, ok := zckInt(b)
	if !ok {
		return nil, corrupt("malformed lead")
	}
	if hlen > uint64(lim.zckHeader) {
		return nil, quietf(artifact.ErrTooLarge, "zchunk: a header of %d bytes, more than the %d libvet reads", hlen, lim.zckHeader)
	}
	leadLen := int64(len(lead)-len(b)) + int64(dsize)
	if _, err := br.Discard(int(leadLen)); err != nil {
		return nil, quietf(artifact.ErrTruncated, "zchunk: the file ends inside its lead")
	}
	if size >= 0 && leadLen+int64(hlen) > size {
		return nil, quietf(artifact.ErrTruncated, "zchunk: a header of %d bytes in a file of %d", hlen, size)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return nil, quietf(artifact.ErrTruncated, "zchunk: the file ends inside its header")
	}
	// The preface.
	if len(hdr) < dsize {
		return nil, corrupt("header too short")
	}
	b = hdr[dsize:] // the data checksum
	flags, b, ok := zckInt(b)
	if !ok {
		return nil, corrupt("malformed preface")
	}
	if flags&^6 != 0 {
		return nil, fmt.Errorf("zchunk: flags %#x (data streams or unknown features), which libvet does not read", flags)
	}
	ctype, b, ok := zckInt(b)
	if !ok {
		return nil, corrupt("malformed preface")
	}
	if ctype != 0 && ctype != 2 {
		return nil, quietf(artifact.ErrCorrupt, "zchunk: compression type %d, neither none (0) nor zstd (2)", ctype)
	}
	if flags&2 != 0 { // optional elements
		var n uint64
		if n, b, ok = zckInt(b); !ok {
			return nil, corrupt("malformed optional elements")
		}
		for ; n > 0; n-- {
			var l uint64
			if _, b, ok = zckInt(b); ok {
				l, b, ok = zckInt(b)
			}
			if !ok || l > uint64(len(b)) {
				return nil, corrupt("malformed optional elements")
			}
			b = b[l:]
		}
	}
	isize, b, ok := zckInt(b)
	if !ok || isize > uint64(len(b)) {
		return nil, corrupt("malformed index size")
	}
	index := b[:isize]
	// The index: the chunk checksum type, the number of entries (the
	// dictionary and the chunks), then each entry's checksum (and, with
	// flag 4, its uncompressed data's), length and decompressed length.
	ctypeSum, index, ok := zckInt(index)
	if !ok {
		return nil, corrupt("malformed index")
	}
	csize, ok := zckDigestSize(ctypeSum)
	if !ok {
		return nil, corrupt(fmt.Sprintf("unknown chunk checksum type %d", ctypeSum))
	}
	if flags&4 != 0 {
		csize *= 2
	}
	count, index, ok := zckInt(index)
	if !ok || count == 0 || count > uint64(len(index)) {
		return nil, corrupt("malformed index")
	}
	var dictLen, dictSize, comp, total int64
	for i := range count {
		if len(index) < csize {
			return nil, corrupt("index ends early")
		}
		var c, u uint64
		if c, index, ok = zckInt(index[csize:]); ok {
			u, index, ok = zckInt(index)
		}
		if !ok || c > 1<<50 || u > 1<<50 {
			return nil, corrupt("malformed index entry")
		}
		if i == 0 {
			dictLen, dictSize = int64(c), int64(u)
			continue
		}
		comp += int64(c)
		total += int64(u)
		if comp > 1<<55 || total > 1<<55 {
			return nil, corrupt("chunk lengths past any file size")
		}
	}
	if total > lim.primary {
		return nil, quietf(artifact.ErrTooLarge, "zchunk: chunks of %d bytes decompressed, more than the %d libvet reads of a primary", total, lim.primary)
	}
	// The ratio limit of the other compressions, past the same
	// allowance: the chunks and the dictionary, decompressed, against the
	// file.
	if bomb := int64(math.MaxInt64); size >= 0 {
		if size <= math.MaxInt64/lim.ratio {
			bomb = max(rpmRatioAllowance, size*lim.ratio)
		}
		if total+dictSize > bomb {
			return nil, quietf(artifact.ErrBomb, "zchunk: a file of %d bytes whose chunks and dictionary decompress to %d, over %d:1 (decompression bomb?)", size, total+dictSize, lim.ratio)
		}
	}
	if size >= 0 && leadLen+int64(hlen)+dictLen+comp > size {
		return nil, quietf(artifact.ErrTruncated, "zchunk: the index lists %d bytes of data, the file has %d", dictLen+comp, size-leadLen-int64(hlen))
	}
	z := &zckReader{max: total}
	data := io.LimitReader(br, comp)
	if ctype == 0 {
		if dictLen != 0 {
			return nil, corrupt("a dictionary in a file without compression")
		}
		z.src = data
		return z, nil
	}
	opts := []zstd.DOption{
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxWindow(uint64(lim.window)),
		zstd.WithDecoderMaxMemory(uint64(max(total, dictSize, 1))),
	}
	if dictLen > 0 {
		if dictSize > lim.zckDict || dictLen > lim.zckDict {
			return nil, quietf(artifact.ErrTooLarge, "zchunk: a dictionary of %d bytes, more than the %d libvet reads", dictSize, lim.zckDict)
		}
		cd := make([]byte, dictLen)
		if _, err := io.ReadFull(br, cd); err != nil {
			return nil, quietf(artifact.ErrTruncated, "zchunk: the file ends inside its dictionary")
		}
		dd, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(max(dictSize, 1))), zstd.WithDecoderMaxWindow(uint64(lim.window)))
		if err != nil {
			return nil, err
		}
		dict, err := dd.DecodeAll(cd, make([]byte, 0, dictSize))
		dd.Close()
		if err != nil || int64(len(dict)) != dictSize {
			return nil, corrupt("the dictionary does not decompress to its length")
		}
		if bytes.HasPrefix(dict, []byte{0x37, 0xa4, 0x30, 0xec}) {
			opts = append(opts, zstd.WithDecoderDicts(dict))
		} else {
			opts = append(opts, zstd.WithDecoderDictRaw(0, dict))
		}
	}
	zd, err := zstd.NewReader(data, opts...)
	if err != nil {
		return nil, corrupt(err.Error())
	}
	z.zd, z.src = zd, zd
	return z, nil
}

// Read implements io.Reader, checking the decompressed length against
// the index.
func (z *zckReader) Read(p []byte) (int, error) {
	n, err := z.src.Read(p)
	z.n += int64(n)
	if z.n > z.max {
		return n, quietf(artifact.ErrCorrupt, "zchunk: the chunks decompress to more than the %d bytes the index says", z.max)
	}
	switch {
	case err == io.EOF && z.n < z.max:
		return n, quietf(artifact.ErrTruncated, "zchunk: the chunks decompress to %d bytes, the index says %d", z.n, z.max)
	case err != nil && err != io.EOF:
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return n, quietf(artifact.ErrTruncated, "zchunk: the data ends early (%v)", err)
		}
		return n, quietf(artifact.ErrCorrupt, "zchunk: corrupt zstd data (%v)", err)
	}
	return n, err
}

// Close releases the decoder.
func (z *zckReader) Close() error {
	if z.zd != nil {
		z.zd.Close()
	}
	return nil
}
