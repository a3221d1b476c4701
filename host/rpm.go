package host

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"

	"github.com/libvet/libvet/internal/bdb"
	"github.com/libvet/libvet/internal/sqlite"
)

// Where rpm keeps its database, relative to the root: Fedora 36 and
// later (and openSUSE) use usr/lib/sysimage/rpm, with var/lib/rpm a
// symlink to it; older systems var/lib/rpm.
var rpmDirs = []string{"usr/lib/sysimage/rpm", "var/lib/rpm"}

// The database files of rpm's backends.
const (
	rpmSqlite = "rpmdb.sqlite" // rpm ≥ 4.16 (Fedora 33+, RHEL 9)
	rpmNdb    = "Packages.db"  // SUSE's ndb
	rpmBdb    = "Packages"     // Berkeley DB hash (RHEL ≤ 8)
)

// maxRpmDB bounds the size of an rpm database file. A full Fedora
// system's rpmdb.sqlite is about 100 MiB. The readers read the pages they
// need; a file that cannot be read in place (its fs.File is no
// io.ReaderAt) is read into memory, up to maxRpmDBInMemory bytes.
const (
	maxRpmDB         = 8 << 30
	maxRpmDBInMemory = 1 << 30
)

// ErrRpmNdb is wrapped by [ReadRpm] when the root has only an ndb rpm
// database (Packages.db, SUSE's backend), which libvet cannot read yet.
var ErrRpmNdb = errors.New("rpm ndb database (Packages.db) is not supported yet")

// Rpm is the rpm database of a root directory: the installed packages,
// the files they installed and the capabilities they provide. Read it
// with [ReadRpm]; everything is read and indexed then, so an Rpm is safe
// for concurrent use.
//
// Limitations: an rpmdb.sqlite in WAL mode is read without its -wal
// file, so changes rpm has not yet checkpointed into the main file are
// missing (a non-empty -wal file is reported by [Rpm.Problems]); SUSE's
// ndb backend is not read (see [ErrRpmNdb]); rpm's index tables are not
// used, everything is found from the package headers.
type Rpm struct {
	file      string // the database file read, relative to the root
	pkgs      []Package
	owners    ownerIndex
	providers map[string][]int32 // PROVIDENAME → indexes into pkgs
	problems  []error
	files     int // file names read so far (maxRPMFiles)
}

// ReadRpm reads the rpm database under root: rpmdb.sqlite (rpm ≥ 4.16)
// or else the Berkeley DB Packages file, in usr/lib/sysimage/rpm or
// var/lib/rpm. It skips the gpg-pubkey pseudo-packages (imported signing
// keys). A package whose header cannot be decoded is skipped and
// reported by [Rpm.Problems]; a database file that cannot be read at all
// is an error. When there is no database the error wraps fs.ErrNotExist;
// when there is only an ndb one it wraps [ErrRpmNdb].
func ReadRpm(root fs.FS) (*Rpm, error) {
	r := &Rpm{providers: map[string][]int32{}}
	var pkgs []rpmInstalled
	var err error
	switch {
	case r.find(root, rpmSqlite):
		pkgs, err = r.readSqlite(root)
	case r.find(root, rpmNdb):
		return nil, fmt.Errorf("%s: %w; libvet reads rpmdb.sqlite and Berkeley DB Packages files: convert a copy of the directory with rpmdb --dbpath DIR --rebuilddb --define '_db_backend sqlite'", r.file, ErrRpmNdb)
	case r.find(root, rpmBdb):
		pkgs, err = r.readBdb(root)
	default:
		return nil, fmt.Errorf("no rpm database under the root: no %s, %s or %s in %s or %s: %w",
			rpmSqlite, rpmNdb, rpmBdb, rpmDirs[0], rpmDirs[1], fs.ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	r.index(pkgs)
	return r, nil
}

// find reports whether one of rpm's directories holds the file name,
// setting r.file to it.
func (r *Rpm) find(root fs.FS, name string) bool {
	for _, dir := range rpmDirs {
		if fi, err := fs.Stat(root, dir+"/"+name); err == nil && fi.Mode().IsRegular() {
			r.file = dir + "/" + name
			return true
		}
	}
	return false
}

// An rpmInstalled is a package as read from its header, before indexing.
type rpmInstalled struct {
	Package
	files, provides []string
}

// open opens the database file for reading in place, or reads it into
// memory when its fs.File is no io.ReaderAt.
func (r *Rpm) open(root fs.FS) (io.ReaderAt, int64, func(), error) {
	f, err := root.Open(r.file)
	if err != nil {
		return nil, 0, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, fmt.Errorf("%s: %w", r.file, err)
	}
	if fi.Size() > maxRpmDB {
		f.Close()
		return nil, 0, nil, fmt.Errorf("%s: %d bytes, more than the %d libvet reads of an rpm database", r.file, fi.Size(), int64(maxRpmDB))
	}
	if ra, ok := f.(io.ReaderAt); ok {
		return ra, fi.Size(), func() { f.Close() }, nil
	}
	f.Close()
	data, err := readFileLimit(root, r.file, maxRpmDBInMemory)
	if err != nil {
		return nil, 0, nil, err
	}
	return bytes.NewReader(data), int64(len(data)), func() {}, nil
}

func (r *Rpm) readSqlite(root fs.FS) ([]rpmInstalled, error) {
	ra, size, done, err := r.open(root)
	if err != nil {
		return nil, err
	}
	defer done()
	if fi, err := fs.Stat(root, r.file+"-wal"); err == nil && fi.Size() > 0 {
		r.problems = append(r.problems, fmt.Errorf("%s-wal: %d bytes of changes not yet checkpointed into %s are not read; run rpmdb --rebuilddb (or open the database with rpm once) to checkpoint them", r.file, fi.Size(), path.Base(r.file)))
	}
	db, err := sqlite.Open(ra, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.file, err)
	}
	var pkgs []rpmInstalled
	err = db.Scan("Packages", func(hnum int64, v []any) error {
		// Packages(hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)
		var blob []byte
		if len(v) == 2 {
			blob, _ = v[1].([]byte)
		}
		if blob == nil {
			r.problems = append(r.problems, fmt.Errorf("%s: package %d: not an (hnum, blob) row", r.file, hnum))
			return nil
		}
		pkgs = r.add(pkgs, blob, hnum)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.file, err)
	}
	return pkgs, nil
}

func (r *Rpm) readBdb(root fs.FS) ([]rpmInstalled, error) {
	ra, size, done, err := r.open(root)
	if err != nil {
		return nil, err
	}
	defer done()
	h, err := bdb.Open(ra, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.file, err)
	}
	var pkgs []rpmInstalled
	err = h.Scan(func(key, data []byte) error {
		// The key is the header number, a uint32 in the byte order of
		// the machine that wrote the file; key 0 holds the next free
		// number.
		if len(key) != 4 {
			r.problems = append(r.problems, fmt.Errorf("%s: a %d-byte key, not a 4-byte header number", r.file, len(key)))
			return nil
		}
		hnum := int64(h.ByteOrder().Uint32(key))
		if hnum == 0 {
			return nil
		}
		pkgs = r.add(pkgs, data, hnum)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.file, err)
	}
	return pkgs, nil
}

// maxRPMFiles bounds the file names read from one rpm database.
const maxRPMFiles = 8 << 20

// add decodes the header of package hnum and appends it to pkgs, or
// records why it cannot.
func (r *Rpm) add(pkgs []rpmInstalled, blob []byte, hnum int64) []rpmInstalled {
	info, err := decodeRPMHeader(blob)
	if err != nil {
		r.problems = append(r.problems, fmt.Errorf("%s: package %d: %w", r.file, hnum, err))
		return pkgs
	}
	if info.name == "gpg-pubkey" {
		return pkgs
	}
	// The whole database's file names are held until they are indexed:
	// bound them, as a Fedora system lists a few hundred thousand.
	if r.files += len(info.files); r.files > maxRPMFiles {
		r.problems = append(r.problems, fmt.Errorf("%s: package %d: more than %d files in the database; the rest are left out", r.file, hnum, maxRPMFiles))
		return pkgs
	}
	v := info.version
	if info.release != "" {
		v += "-" + info.release
	}
	if info.epoch != nil {
		v = strconv.FormatUint(uint64(*info.epoch), 10) + ":" + v
	}
	return append(pkgs, rpmInstalled{
		Package:  Package{Manager: "rpm", Name: info.name, Version: v, Arch: info.arch},
		files:    info.files,
		provides: info.provides,
	})
}

func decodeRPMHeader(blob []byte) (*rpmHeaderInfo, error) {
	h, err := parseRPMHeader(blob)
	if err != nil {
		return nil, err
	}
	return h.decode()
}

// index sorts the packages and builds the owner and provides indexes.
func (r *Rpm) index(pkgs []rpmInstalled) {
	slices.SortStableFunc(pkgs, func(a, b rpmInstalled) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Arch, b.Arch), cmp.Compare(a.Version, b.Version))
	})
	paths := 0
	for _, p := range pkgs {
		paths += len(p.files)
	}
	r.owners = newOwnerIndex(len(pkgs), paths)
	r.pkgs = make([]Package, len(pkgs))
	for i, p := range pkgs {
		r.pkgs[i] = p.Package
		for _, f := range p.files {
			r.owners.add(f, int32(i))
		}
		for _, c := range p.provides {
			if l := r.providers[c]; len(l) == 0 || l[len(l)-1] != int32(i) {
				r.providers[c] = append(l, int32(i))
			}
		}
	}
}

// Database returns the database file that ReadRpm read, relative to the
// root ("var/lib/rpm/rpmdb.sqlite").
func (r *Rpm) Database() string { return r.file }

// Problems returns what ReadRpm skipped: packages whose headers could
// not be decoded, and an un-checkpointed -wal file. It is sorted by
// message.
func (r *Rpm) Problems() []error {
	return sortProblems(slices.Clone(r.problems))
}

// Packages returns the installed packages, sorted by name, architecture
// and version. The Version is rpm's [epoch:]version-release, with the
// epoch when the package sets one (also "0:").
func (r *Rpm) Packages() []Package { return slices.Clone(r.pkgs) }

// Owner returns the package that installed the file at path (absolute,
// or relative to the root), the first of [Rpm.Owners].
func (r *Rpm) Owner(path string) (Package, bool) {
	ids := r.ownerIDs(path)
	if len(ids) == 0 {
		return Package{}, false
	}
	return r.pkgs[ids[0]], true
}

// Owners returns the packages that installed the file or directory at
// path (absolute, or relative to the root), sorted like
// [Rpm.Packages]. Like [Dpkg.Owners] it looks up both the /usr and the
// top-level spelling of the directories that merged-/usr systems alias
// (/usr/lib64/x and /lib64/x); it does not follow other symlinks.
func (r *Rpm) Owners(path string) []Package { return r.packages(r.ownerIDs(path)) }

func (r *Rpm) ownerIDs(p string) []int32 {
	forms := spellings(p)
	if forms[0] == "/." {
		return r.owners.get("/") // rpm writes the root as "/", dpkg as "/."
	}
	ids := r.owners.get(forms[0])
	for _, f := range forms[1:] {
		if other := r.owners.get(f); len(other) > 0 {
			ids = union(ids, other)
		}
	}
	return ids
}

func (r *Rpm) packages(ids []int32) []Package {
	out := make([]Package, len(ids))
	for i, id := range ids {
		out[i] = r.pkgs[id]
	}
	return out
}

// Provider returns the installed packages that provide capability,
// sorted like [Rpm.Packages]: the packages whose PROVIDENAME lists it
// exactly, such as the soname provides that rpm's elfdeps writes
// ("libz.so.1()(64bit)", "libc.so.6(GLIBC_2.34)(64bit)"; see
// [SonameCapability]). As with rpm -q --whatprovides, a capability that
// is an absolute path also matches the packages that own that file.
// Versions of provides (PROVIDEVERSION) are not compared.
func (r *Rpm) Provider(capability string) []Package {
	ids := r.providers[capability]
	if len(capability) > 0 && capability[0] == '/' {
		ids = union(ids, r.ownerIDs(capability))
	}
	return r.packages(ids)
}

// SonameCapability returns the capability that rpm's elfdeps writes for
// a shared library with the given soname: for a library itself, and,
// with version set, for one of its symbol versions. On a 64-bit ELF
// class (is64) the "(64bit)" marker follows: "libz.so.1()(64bit)",
// "libc.so.6(GLIBC_2.34)(64bit)"; a 32-bit one has none, so it is the
// bare soname, or "libc.so.6(GLIBC_2.0)" with a version. (elfdeps leaves
// the marker out on 64-bit Alpha; libvet does not.) The same strings
// appear in the REQUIRENAME of packages whose binaries need the library.
func SonameCapability(soname string, is64 bool, version string) string {
	marker := ""
	if is64 {
		marker = "(64bit)"
	}
	if version == "" && marker == "" {
		return soname
	}
	return soname + "(" + version + ")" + marker
}
